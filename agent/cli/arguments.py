"""The command line's building blocks: value types, shared option groups, help texts.

`agent.cli.parser` builds one parser from them; every time accepts a human duration (``90s``,
``30m``, ``6h``), and the help texts list the exit codes and the environment variables.
"""

from __future__ import annotations

import argparse
import re
import shutil
import textwrap
from pathlib import Path

from agent.durations import parse_duration
from agent.outcome import CASE_OPENED_EXIT_CODE, INTERRUPT_EXIT_CODES, Status
from agent.request import REFUNDS, SOLUTIONS

__all__ = [
    "DESCRIPTION",
    "ENVIRONMENT",
    "EXAMPLES",
    "HELP_MAX_WIDTH",
    "PROG",
    "TOP_EPILOG",
    "Formatter",
    "add_console",
    "add_request",
    "add_session",
    "duration",
    "environment",
    "examples",
    "exit_codes",
    "help_width",
    "port",
    "positive_int",
    "rate",
]

PROG = "retry-dispute"
DESCRIPTION = "Open a marketplace dispute in a real browser, retrying while the site is busy."
TOP_EPILOG = """\
Start with the demo: 'retry-dispute run' (no --site) opens a dispute on the bundled storefront.
'retry-dispute COMMAND --help' shows a command's options. Exit codes and environment variables:
'retry-dispute run --help'.
"""
ENVIRONMENT = (
    ("RETRY_DISPUTE_USER", "the site's login name (with RETRY_DISPUTE_PASSWORD); never a flag"),
    ("RETRY_DISPUTE_PASSWORD", "the site's password for its login form"),
    ("RETRY_DISPUTE_BROWSER", "the Chrome/Chromium to use (as --browser-path)"),
    ("RETRY_DISPUTE_STATE_DIR", "the journal's folder (as --state-dir)"),
    ("XDG_STATE_HOME", "else the journal is in $XDG_STATE_HOME/retry-dispute"),
    ("NO_COLOR", "any value: no colour on the terminal"),
    ("CI", "true: no live lines, one plain line per event"),
)


#: Two or three examples for each command's help (a line ending in a backslash goes on).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "run": (
        "retry-dispute run                  # the demo, on the bundled storefront",
        "retry-dispute run --site https://www.aliexpress.com --profile aliexpress \\",
        "    --storage-state ~/.ae-session.json --order 8123456789 --received no \\",
        '    --reason not_received --message "It has not arrived after 60 days."',
        "retry-dispute run --site https://shop.example --storage-state shop.json \\",
        "    --batch orders.csv --resume",
    ),
    "check": (
        "retry-dispute check --site https://shop.example --profile shop.toml \\",
        "    --storage-state shop.json --order 8123 --received no \\",
        '    --reason not_received --message "It has not arrived after 60 days."',
        "retry-dispute check --site https://www.aliexpress.com --profile aliexpress \\",
        "    --storage-state ~/.ae-session.json --request dispute.toml",
    ),
    "support": (
        "retry-dispute support runs/20261124-031850-1001/   # after the demo gave up",
        "retry-dispute support runs/20261124-031850-1001/ \\",
        "    --site https://shop.example --storage-state shop.json --no-input",
    ),
    "follow": (
        "retry-dispute follow runs/20261124-031850-1001/   # where the dispute stands",
        "retry-dispute follow runs/20261124-031850-1001/ --respond disagree \\",
        '    --message "I do not agree: the parcel never arrived."',
        "retry-dispute follow runs/batch-20261124-031850/ --watch 6h --until 7d",
    ),
    "scenario": (
        "retry-dispute scenario scenarios/*.toml",
        "retry-dispute scenario --jobs 3 scenarios/busy-*.toml",
    ),
    "mock-site": (
        "retry-dispute mock-site                  # http://127.0.0.1:8000, demo/demo",
        "retry-dispute mock-site --skin aliexpress --port 8080 --faults faults.toml",
    ),
    "login": (
        "retry-dispute login --site https://shop.example --save-session shop.json",
        "RETRY_DISPUTE_USER=me RETRY_DISPUTE_PASSWORD=… retry-dispute login \\",
        "    --headless --site https://shop.example --save-session shop.json",
    ),
    "browser": (
        "retry-dispute browser                    # which browser a run will use",
        "retry-dispute browser --install          # install one when none is found",
    ),
    "trace": (
        "retry-dispute trace runs/20261124-031850-1001/",
        "retry-dispute trace runs/20261124-031850-1001/ --port 9323  # no window",
    ),
    "profile": (
        "retry-dispute profile import flow.json --out shop.toml   # a Chrome Recorder export",
        "retry-dispute profile import flow.py --har flow.har --out shop.toml   # codegen",
        "retry-dispute profile import flow.json --site https://shop.example \\",
        "    --storage-state shop.json --out shop.toml   # then the live pages, and check",
    ),
    "record": (
        "retry-dispute record --site https://shop.example --order 8123 \\",
        "    --storage-state shop.json --out shop.toml",
        "xvfb-run -a retry-dispute record --site https://shop.example --order 8123 \\",
        "    --storage-state shop.json   # on a server without a display",
    ),
}


def examples(command: str) -> str:
    """The examples block of *command*'s help."""
    return "\n".join(["examples:", *(f"  {line}" for line in EXAMPLES[command])])


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number per second") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return value


def exit_codes() -> str:
    rows: dict[int, list[str]] = {}
    for status in Status:
        rows.setdefault(status.exit_code, []).append(str(status))
    texts = {code: f"{', '.join(n)}: {Status(n[0]).meaning}" for code, n in rows.items()}
    texts[CASE_OPENED_EXIT_CODE] = "run --escalate: gave up, and support opened a case (printed)"
    lines = ["exit codes:", *(f"  {code:<4} {text}" for code, text in sorted(texts.items()))]
    lines.append(f"  {INTERRUPT_EXIT_CODES['SIGTERM']:<4} interrupted by SIGTERM (130 is Ctrl-C)")
    lines.append("  a batch exits with the most urgent code among its orders (see README)")
    return "\n".join(lines)


def environment() -> str:
    width = max(len(name) for name, _ in ENVIRONMENT)
    return "\n".join(
        ["environment variables:"] + [f"  {name:<{width}}  {what}" for name, what in ENVIRONMENT]
    )


#: A row of a table in an epilog (``  2    invalid: ...``): its text starts at the match's end.
_ROW = re.compile(r"\s+\S+\s{2,}")
#: The widest help, on a wide terminal (longer lines are hard to read).
HELP_MAX_WIDTH = 100


def help_width() -> int:
    """The width help is laid out for: the terminal's (``COLUMNS`` first), at most 100."""
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(40, min(columns, HELP_MAX_WIDTH) - 1)


class Formatter(argparse.HelpFormatter):
    """Help laid out for the terminal's width (at most 100 columns): descriptions wrapped to
    it, epilogs kept line by line (a row too long wraps under its own text column), a little
    wider columns for the options."""

    def __init__(self, prog: str) -> None:
        width = help_width()
        super().__init__(prog, max_help_position=min(32, width // 3), width=width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs: list[str] = []
        for line in text.splitlines():
            continued = len(line) - len(line.lstrip()) > 2 and not _ROW.match(line)
            joined = paragraphs[-1].rstrip() if paragraphs else ""
            if continued and joined and not joined.endswith("\\"):  # a row wrapped by hand
                paragraphs[-1] += " " + line.strip()
            else:
                paragraphs.append(line)
        lines: list[str] = []
        for paragraph in paragraphs:
            if not paragraph.strip():
                lines.append("")
                continue
            lead = paragraph[: len(paragraph) - len(paragraph.lstrip())]
            column = _ROW.match(paragraph)
            follow = " " * column.end() if column else lead + ("    " if lead else "")
            lines.extend(
                textwrap.wrap(
                    paragraph.strip(),
                    width,
                    initial_indent=indent + lead,
                    subsequent_indent=indent + follow,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        return "\n".join(lines)


def add_console(
    p: argparse.ArgumentParser,
    *,
    json_output: bool = False,
    what: str = "result.json's object, or a batch's summary.json",
) -> None:
    out = p.add_argument_group("console")
    out.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="show more: -v the log's info events, -vv its debug events",
    )
    out.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=0,
        help="show less: no progress, only errors and the outcome",
    )
    out.add_argument(
        "--log-format",
        choices=["console", "json"],
        default="console",
        help="console: lines for people; json: every stderr line is one JSON object "
        "(default: console)",
    )
    if json_output:
        out.add_argument(
            "--json",
            action="store_true",
            help=f"print the result ({what}) on stdout as JSON, for jq and scripts",
        )


def add_session(p: argparse.ArgumentParser, *, batch: bool = False) -> None:
    """The session flags; *batch*: the command takes a batch (``run``), so say what several
    Playwright servers do for one."""
    session = p.add_argument_group("session (one of)")
    session.add_argument(
        "--storage-state",
        type=Path,
        metavar="FILE",
        help="a saved session (from 'retry-dispute login')",
    )
    session.add_argument(
        "--cdp-url",
        metavar="URL",
        help="attach to a Chrome you started with --remote-debugging-port and are logged into",
    )
    session.add_argument(
        "--ws-endpoint",
        action="append",
        metavar="URL|FILE",
        help="a remote Playwright server (playwright run-server)"
        + (
            "; several: give it again, or a file with one URL a line (a batch spreads its "
            "orders over them)"
            if batch
            else ""
        ),
    )
    session.add_argument(
        "--browser-path",
        metavar="PATH",
        help="Chrome/Chromium executable (default: RETRY_DISPUTE_BROWSER, else found)",
    )


def add_request(p: argparse.ArgumentParser, *, batch: bool) -> None:
    group = (
        "request (one of: --request, --batch, or --order with its flags)"
        if batch
        else ("request (--request, or --order with its flags)")
    )
    req = p.add_argument_group(group)
    req.add_argument("--request", type=Path, metavar="FILE", help="a request TOML file")
    if batch:
        req.add_argument(
            "--batch", type=Path, metavar="FILE", help="a TOML or CSV file of requests"
        )
    req.add_argument("--order", metavar="ID", help="order id")
    req.add_argument(
        "--item", metavar="ID", help="which item of a multi-item order (its id on the order page)"
    )
    req.add_argument(
        "--quantity", metavar="N", help="how many of that item the dispute is for (default: 1)"
    )
    req.add_argument("--received", choices=["yes", "no"], help="was the parcel received")
    req.add_argument(
        "--reason", metavar="CODE|LABEL", help="reason: our code or the site's label (see README)"
    )
    req.add_argument("--solution", choices=list(SOLUTIONS), default=None, help="(default: refund)")
    req.add_argument("--refund", choices=list(REFUNDS), default=None, help="(default: full)")
    req.add_argument("--amount", help="partial refund amount, e.g. 5.30")
    req.add_argument("--message", help="the message to the seller, in English")
    req.add_argument("--evidence", nargs="+", default=[], metavar="FILE", help="photo/video files")
