"""The command line's arguments: one parser, a sub-parser per command (the value types, shared
option groups and help texts are in `agent.cli.arguments`).

Every usage error is one line and exit code 2 (`_Parser.error`), with a "did you mean" for a
mistyped command or flag. ``run --help`` shows each default, the exit codes and the environment
variables; every time accepts a human duration (``90s``, ``30m``, ``6h``).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from agent.cli.arguments import (
    DESCRIPTION,
    PROG,
    TOP_EPILOG,
    Formatter,
    add_console,
    add_request,
    add_session,
    duration,
    environment,
    examples,
    exit_codes,
    port,
    positive_int,
    rate,
)
from agent.cli.check import CHECK_EXIT_CODES
from agent.cli.follow_args import add_follow
from agent.cli.parser_profile import add_profile_commands
from agent.durations import format_duration
from agent.flow.batch import DEFAULT_CONCURRENCY
from agent.flow.budget import DEFAULT_RATE
from agent.flow.policy import RetryPolicy
from agent.flow.settings import TRACE_MODES
from agent.version import tool_version

__all__ = ["PROG", "build_parser", "wants_json_logs"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, exit code 2, with a "did you mean"."""

    #: Every option of every command, for the "did you mean" of a mistyped flag.
    known_options: set[str] = set()  # noqa: RUF012 - shared by the parser and its sub-parsers

    #: Usage errors as one JSON line (``--log-format json``), set before parsing.
    json_errors = False
    #: The command named on the command line, for the help hint of a top-level error.
    command: str | None = None

    def error(self, message: str) -> NoReturn:
        hint = _did_you_mean(message, self)
        where = self.prog if self.prog.startswith(PROG) else PROG
        if where == PROG and self.command:
            where = f"{PROG} {self.command}"
        text = message + (f"; did you mean {hint}? See" if hint else "; see") + f" '{where} --help'"
        if self.json_errors:
            record = {"event": "agent.usage_error", "level": "error", "error": text, "exit_code": 2}
            self.exit(2, json.dumps(record) + "\n")
        self.exit(2, f"{PROG}: {text}\n")


def _did_you_mean(message: str, parser: argparse.ArgumentParser) -> str | None:
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        options = re.findall(r"'([^']*)'", choice[2])
        close = difflib.get_close_matches(choice[1], options, n=1, cutoff=0.5)
        return f"'{close[0]}'" if close else None
    unknown = re.match(r"unrecognized arguments: (.*)", message)
    if unknown:
        known = {
            o.lstrip("-"): o
            for o in _Parser.known_options | set(parser._option_string_actions)
            if o.startswith("--")
        }
        for word in unknown[1].split():
            if word.startswith("--"):
                name = word.split("=")[0].lstrip("-")
                close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.7)
                if close:
                    return known[close[0]]
    return None


def _add_check(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="walk a profile's flow on a live site up to the filled form (never submits)",
        description="Check a site profile on a live site: log in (the profile's login steps, "
        "RETRY_DISPUTE_USER/PASSWORD) or use the session, read the order page, run the open "
        "steps, fill the form, and NEVER submit (the browser blocks the submit request, and "
        "after the login every request but a GET, a field's uploads and the profile's "
        "[[check.harmless]]). A screenshot per step; a table of every element used: found, "
        "missing or ambiguous, with a hint; each blocked request names the step or field that "
        "sent it.",
        epilog=f"{CHECK_EXIT_CODES}\n{environment()}\n",
        formatter_class=Formatter,
    )
    target = p.add_argument_group("target")
    target.add_argument("--site", metavar="URL", help="the storefront's base URL (required)")
    target.add_argument(
        "--profile",
        default="mock",
        metavar="NAME|FILE",
        help="the site profile to check: a bundled name or a TOML file",
    )
    add_session(p)
    add_request(p, batch=False)
    out = p.add_argument_group("output")
    out.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        metavar="DIR",
        help="where the screenshots go (default: runs/check-…)",
    )
    out.add_argument("--headed", action="store_true", help="show the browser window")
    p.set_defaults(faults=None)
    add_console(p)


def _add_run(sub: Any) -> None:
    policy = RetryPolicy()
    p = sub.add_parser(
        "run",
        help="open a dispute (no --site: the bundled storefront's demo)",
        description="Open a dispute for one order (or every order of a batch file) in a real "
        "browser, retrying while the site answers busy. With no --site it starts the bundled "
        "storefront and opens a demo dispute. Times take a unit: 90s, 30m, 6h (a bare number "
        "is seconds).",
        epilog=f"{exit_codes()}\n\n{environment()}\n",
        formatter_class=Formatter,
    )
    target = p.add_argument_group("target")
    target.add_argument(
        "--site",
        metavar="URL",
        help="the storefront's base URL (default: start the bundled storefront)",
    )
    target.add_argument(
        "--profile",
        default="mock",
        metavar="NAME|FILE",
        help="site profile: a bundled name or a TOML file (default: mock)",
    )
    add_session(p, batch=True)
    add_request(p, batch=True)
    pol = p.add_argument_group("retry policy (the demo waits 1s, then up to 4s)")
    pol.add_argument(
        "--max-attempts",
        type=positive_int,
        metavar="N",
        help=f"attempts in all (default: {policy.max_attempts})",
    )
    pol.add_argument(
        "--deadline",
        type=duration,
        metavar="TIME",
        help="no attempt starts later than this after the first "
        f"(default: {format_duration(policy.deadline_s)})",
    )
    pol.add_argument(
        "--initial-wait",
        type=duration,
        metavar="TIME",
        help="the wait after the first busy answer, then x1.5 each time "
        f"(default: {format_duration(policy.initial_wait_s)})",
    )
    pol.add_argument(
        "--max-wait",
        type=duration,
        metavar="TIME",
        help=f"the longest backoff wait (default: {format_duration(policy.max_wait_s)})",
    )
    bat = p.add_argument_group("batch (--batch)")
    bat.add_argument(
        "--concurrency",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"orders at once (default: {DEFAULT_CONCURRENCY})",
    )
    bat.add_argument(
        "--retry-rate",
        type=rate,
        default=None,
        metavar="R",
        help=f"resubmissions per second shared by the batch (default: {DEFAULT_RATE:g})",
    )
    bat.add_argument(
        "--resume",
        action="store_true",
        help="skip the orders an earlier batch of this file finished (opened, already open, "
        "ineligible)",
    )
    bat.add_argument(
        "--only-failed",
        action="store_true",
        help="run only the orders whose last batch gave up, needed a person or failed",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        metavar="DIR",
        help="where run folders go (default: runs/)",
    )
    out.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="the journal's folder (default: RETRY_DISPUTE_STATE_DIR, else "
        "~/.local/state/retry-dispute)",
    )
    out.add_argument("--headed", action="store_true", help="show the browser window")
    out.add_argument(
        "--trace",
        choices=list(TRACE_MODES),
        default=None,
        help="Playwright trace (default: retain-on-failure on the bundled storefront, "
        "off for a real site and a batch: a trace holds cookies)",
    )
    out.add_argument(
        "--faults",
        type=Path,
        metavar="FILE",
        help="bundled storefront only: a fault plan (TOML/JSON)",
    )
    out.add_argument(
        "--storefront",
        metavar="SKIN",
        help="bundled storefront only: its skin, mock or aliexpress (default: the skin named "
        "like the profile), for a profile of your own (--profile FILE)",
    )
    sup = p.add_argument_group("support chat")
    sup.add_argument(
        "--escalate",
        action="store_true",
        help="when the run gives up, go straight to the site's support chat (see 'support'); "
        "exit 8 when support opened a case",
    )
    sup.add_argument(
        "--no-input",
        action="store_true",
        help="with --escalate: never ask the person a question (one the run folder cannot "
        "answer ends the chat with exit code 5)",
    )
    add_console(p, json_output=True)


_SUPPORT_EXIT_CODES = """exit codes:
  0    a case number was obtained (printed, and saved in support-chat.md/.json); for a batch
       folder: every chat held got one
  1    an unexpected error
  2    bad input: no such run folder, not a run folder, a run whose dispute is open (nothing
       to escalate), a support case already open for it (pass --again), a run folder holding a
       symbolic link, a batch with no order to escalate, a profile without [support_chat]
  4    support is offline, the chat dropped or closed without a case number: try again later
  5    a person is needed: a question only you can answer (without a terminal), no case
       number in time, or the site asks to log in
  130  interrupted (Ctrl-C; 143 for SIGTERM); the transcript so far is saved
  a batch folder exits with the most urgent code among its chats (5, 1, 2, 4)
"""


def _add_support(sub: Any) -> None:
    p = sub.add_parser(
        "support",
        help="take a run that did not open its dispute to the site's support chat",
        description="Open the site's support chat for a run folder: wait in the queue, send "
        "the run's prepared messages and screenshots, answer what the run folder can answer, "
        "never stay silent long enough to be dropped, and get a case number. On a terminal a "
        "question only you can answer is put to you; without one (or with --no-input) the chat "
        "ends politely with exit code 5.",
        epilog=f"{_SUPPORT_EXIT_CODES}\n{environment()}\n",
        formatter_class=Formatter,
    )
    p.add_argument(
        "run_dir",
        type=Path,
        metavar="RUN_DIR",
        help="the run folder ('retry-dispute run' printed it: runs/...), or a batch folder "
        "(runs/batch-...: each order support can help with, one chat after another)",
    )
    target = p.add_argument_group("target")
    target.add_argument(
        "--site",
        metavar="URL",
        help="the storefront's base URL (default: start the bundled storefront)",
    )
    target.add_argument(
        "--profile",
        default="mock",
        metavar="NAME|FILE",
        help="site profile with a [support_chat] table: a bundled name or a TOML file "
        "(default: mock)",
    )
    add_session(p)
    out = p.add_argument_group("chat")
    out.add_argument(
        "--no-input",
        action="store_true",
        help="never ask the person: a question the run folder cannot answer ends with exit 5",
    )
    out.add_argument(
        "--again",
        action="store_true",
        help="chat even though support opened a case for this run already (a second case; "
        "every chat is kept in support-chat.md/.json)",
    )
    out.add_argument("--headed", action="store_true", help="show the browser window")
    out.add_argument(
        "--faults",
        type=Path,
        metavar="FILE",
        help="bundled storefront only: a fault plan (TOML/JSON)",
    )
    add_console(p, json_output=True, what="support-chat.json's object")


def _add_others(sub: Any) -> None:
    sc = sub.add_parser(
        "scenario",
        help="run scenario files against the bundled storefront",
        description="Run scenario files (scenarios/*.toml) against the bundled storefront, "
        "each from a fresh store, and print a table; exit 1 on any mismatch.",
        formatter_class=Formatter,
    )
    sc.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario TOML files")
    sc.add_argument(
        "--out",
        type=Path,
        default=Path("runs/scenarios"),
        metavar="DIR",
        help="where run folders go (default: runs/scenarios/)",
    )
    sc.add_argument("--browser-path", metavar="PATH", help="Chrome/Chromium executable")
    sc.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        metavar="N",
        help="scenarios run at once, each lane on its own storefronts (default: 1)",
    )
    sc.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="add a fault-plan key to every scenario (a JSON value or a word), e.g. "
        "--fault chaos=7 or --fault ui_language=fr (repeatable)",
    )
    sc.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="SKIN=FILE",
        help="drive the SKIN storefront with the profile FILE instead of its bundled profile "
        "(e.g. one 'profile import' drafted), repeatable",
    )
    sc.add_argument(
        "--storefront",
        action="append",
        default=[],
        metavar="SKIN",
        help="run the scenarios on this storefront only (repeatable; default: each one's own)",
    )
    ms = sub.add_parser(
        "mock-site",
        help="serve the bundled storefront on 127.0.0.1",
        description="Serve the bundled storefront on http://127.0.0.1:PORT to walk through it "
        "(demo account demo/demo). Ctrl-C stops it.",
        formatter_class=Formatter,
    )
    ms.add_argument("--port", type=port, default=8000, help="(default: 8000)")
    ms.add_argument("--faults", type=Path, metavar="FILE", help="a fault plan (TOML/JSON)")
    ms.add_argument(
        "--skin",
        default="mock",
        metavar="NAME",
        help="the storefront's shape: mock, or aliexpress (shaped like the real "
        "returns flow; its login on PORT+1) (default: mock)",
    )
    lg = sub.add_parser(
        "login",
        help="log in in a browser window and save the session (mode 0600)",
        description="Open a browser window on the site's login page; log in (solve any "
        "verification) and the session is saved as soon as the login form is gone (or press "
        "Enter). The file holds cookies: it is written with mode 0600. A window needs a "
        "display: on a server, run it under xvfb-run.",
        formatter_class=Formatter,
    )
    lg.add_argument("--site", required=True, metavar="URL", help="the storefront's base URL")
    lg.add_argument(
        "--save-session", type=Path, required=True, metavar="FILE", help="where to save the session"
    )
    lg.add_argument(
        "--profile", default="mock", metavar="NAME|FILE", help="site profile (default: mock)"
    )
    lg.add_argument("--browser-path", metavar="PATH", help="Chrome/Chromium executable")
    lg.add_argument(
        "--headless",
        action="store_true",
        help="no window: with RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD only",
    )
    lg.add_argument(
        "--timeout",
        type=duration,
        default=600.0,
        metavar="TIME",
        help="how long to wait for the login (default: 10m)",
    )
    add_console(lg)
    br = sub.add_parser(
        "browser",
        help="print the browser that will be used; --install one if none",
        description="Print the browser a headless run uses (and the one for a window, when it "
        "differs); --install installs Debian's chromium when none is found.",
        formatter_class=Formatter,
    )
    br.add_argument("--install", action="store_true", help="install one when none is found")
    br.add_argument("--browser-path", metavar="PATH", help="check this executable")
    tr = sub.add_parser(
        "trace",
        help="open a run's trace.zip in Playwright's trace viewer",
        description="Open RUN_DIR/trace.zip in Playwright's trace viewer (a browser window; "
        "with --port, served on http://127.0.0.1:PORT instead). The trace holds the session's "
        "cookies: never send it to anyone.",
        formatter_class=Formatter,
    )
    tr.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="a run folder (or the trace.zip itself)"
    )
    tr.add_argument(
        "--port",
        type=port,
        default=None,
        help="serve the viewer on 127.0.0.1:PORT instead of opening a window",
    )


def build_parser(
    *, json_errors: bool = False, argv: Sequence[str] | None = None
) -> argparse.ArgumentParser:
    """The parser; *json_errors*: usage errors as one JSON line (``--log-format json``);
    *argv*: the arguments it will parse (for the hint of an error)."""
    _Parser.json_errors = json_errors
    parser = _Parser(
        prog=PROG, description=DESCRIPTION, epilog=TOP_EPILOG, formatter_class=Formatter
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {tool_version()}")
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        parser_class=_Parser,
        metavar="COMMAND",
        title="commands",
    )
    _add_run(sub)
    _add_check(sub)
    _add_support(sub)
    add_follow(sub)
    _add_others(sub)
    add_profile_commands(sub)
    for name, command in sub.choices.items():
        _Parser.known_options.update(command._option_string_actions)
        command.epilog = examples(name) + (f"\n\n{command.epilog}" if command.epilog else "\n")
    words = list(sys.argv[1:] if argv is None else argv)
    _Parser.command = next((w for w in words if w in sub.choices), None)
    return parser


def wants_json_logs(argv: Sequence[str] | None) -> bool:
    """Whether the command line asks for JSON logs (read before parsing: for its errors too)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, word in enumerate(args):
        if word == "--log-format" and i + 1 < len(args):
            return args[i + 1] == "json"
        if word.startswith("--log-format="):
            return word.split("=", 1)[1] == "json"
    return False
