"""The command line's building blocks: value types, shared option groups, help texts.

`agent.cli.parser` builds one parser from them; every time accepts a human duration (``90s``,
``30m``, ``6h``), and the help texts list the exit codes and the environment variables.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.durations import parse_duration
from agent.outcome import CASE_OPENED_EXIT_CODE, INTERRUPT_EXIT_CODES, Status
from agent.request import REFUNDS, SOLUTIONS

__all__ = [
    "DESCRIPTION",
    "ENVIRONMENT",
    "PROG",
    "TOP_EPILOG",
    "Formatter",
    "add_console",
    "add_request",
    "add_session",
    "duration",
    "environment",
    "exit_codes",
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


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Epilogs kept as written; a little wider columns for the options."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


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


def add_session(p: argparse.ArgumentParser) -> None:
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
        help="a remote Playwright server (playwright run-server); several: give it again, or a "
        "file with one URL a line (a batch spreads its orders over them)",
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
    req.add_argument("--received", choices=["yes", "no"], help="was the parcel received")
    req.add_argument(
        "--reason", metavar="CODE|LABEL", help="reason: our code or the site's label (see README)"
    )
    req.add_argument("--solution", choices=list(SOLUTIONS), default=None, help="(default: refund)")
    req.add_argument("--refund", choices=list(REFUNDS), default=None, help="(default: full)")
    req.add_argument("--amount", help="partial refund amount, e.g. 5.30")
    req.add_argument("--message", help="the message to the seller, in English")
    req.add_argument("--evidence", nargs="+", default=[], metavar="FILE", help="photo/video files")
