"""The command line's arguments: one parser, a sub-parser per command.

Every usage error is one line and exit code 2 (`_Parser.error`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agent.flow.settings import TRACE_MODES
from agent.request import REFUNDS, SOLUTIONS

__all__ = ["build_parser"]

_DESCRIPTION = "Open a marketplace dispute in a real browser, retrying while the site is busy."


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number per second") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> Any:
        self.exit(
            2, f"retry-dispute: {message}; see `retry-dispute {self.prog.split()[-1]} --help`\n"
        )


def _add_run(sub: Any) -> None:
    p = sub.add_parser("run", help="open a dispute (no --site: the bundled storefront's demo)")
    target = p.add_argument_group("target")
    target.add_argument(
        "--site", help="the storefront's base URL (default: start the bundled storefront)"
    )
    target.add_argument(
        "--profile", default="mock", help="site profile: a bundled name or a TOML file"
    )
    session = p.add_argument_group("session")
    session.add_argument(
        "--storage-state", type=Path, help="Playwright storage state (from `login`)"
    )
    session.add_argument("--cdp-url", help="attach to a running Chrome (--remote-debugging-port)")
    session.add_argument("--ws-endpoint", help="a remote Playwright server (playwright run-server)")
    session.add_argument(
        "--browser-path", help="Chrome/Chromium executable (or RETRY_DISPUTE_BROWSER)"
    )
    req = p.add_argument_group("request")
    req.add_argument("--request", type=Path, help="a request TOML file")
    req.add_argument("--batch", type=Path, help="a TOML or CSV file of requests")
    req.add_argument("--order", help="order id")
    req.add_argument("--received", choices=["yes", "no"])
    req.add_argument("--reason", help="reason code (see README)")
    req.add_argument("--solution", choices=list(SOLUTIONS), default=None)
    req.add_argument("--refund", choices=list(REFUNDS), default=None)
    req.add_argument("--amount", help="partial refund amount, e.g. 5.30")
    req.add_argument("--message", help="the message to the seller, in English")
    req.add_argument("--evidence", nargs="+", default=[], help="photo/video files")
    pol = p.add_argument_group("policy")
    pol.add_argument("--max-attempts", type=_positive_int)
    pol.add_argument("--deadline", type=_seconds, help="seconds")
    pol.add_argument("--initial-wait", type=_seconds, help="seconds")
    pol.add_argument("--max-wait", type=_seconds, help="seconds")
    pol.add_argument(
        "--concurrency", type=_positive_int, default=None, help="orders at once (--batch)"
    )
    pol.add_argument(
        "--retry-rate",
        type=_rate,
        default=None,
        help="resubmissions per second shared by the whole batch (--batch; default 2)",
    )
    out = p.add_argument_group("output")
    out.add_argument("--out", type=Path, default=Path("runs"), help="where run folders go (runs/)")
    out.add_argument("--state-dir", type=Path, help="journal folder (RETRY_DISPUTE_STATE_DIR)")
    out.add_argument("--headed", action="store_true", help="show the browser")
    out.add_argument(
        "--trace",
        choices=list(TRACE_MODES),
        default=None,
        help="Playwright trace (default: retain-on-failure on the bundled storefront, "
        "off for a real site: a trace holds cookies)",
    )
    out.add_argument("--log-format", choices=["console", "json"], default="console")
    out.add_argument(
        "--faults", type=Path, help="bundled storefront only: a fault plan (TOML/JSON)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="retry-dispute", description=_DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_run(sub)
    sc = sub.add_parser("scenario", help="run scenario files against the bundled storefront")
    sc.add_argument("paths", nargs="+", type=Path)
    sc.add_argument("--out", type=Path, default=Path("runs/scenarios"))
    sc.add_argument("--browser-path")
    ms = sub.add_parser("mock-site", help="serve the bundled storefront on 127.0.0.1")
    ms.add_argument("--port", type=int, default=8000)
    ms.add_argument("--faults", type=Path)
    lg = sub.add_parser("login", help="log in in a browser and save the session (mode 0600)")
    lg.add_argument("--site", required=True)
    lg.add_argument("--save-session", type=Path, required=True)
    lg.add_argument("--profile", default="mock")
    lg.add_argument("--browser-path")
    lg.add_argument("--headless", action="store_true", help="with RETRY_DISPUTE_USER/PASSWORD only")
    br = sub.add_parser(
        "browser", help="print the browser that will be used; --install one if none"
    )
    br.add_argument("--install", action="store_true")
    br.add_argument("--browser-path")
    return parser
