"""The ``retry-dispute`` command line: ``run``, ``scenario``, ``mock-site``, ``login``, ``browser``.

Exit codes (one mapping, from the errors' ``exit_code``): 0 opened or already open · 1 unexpected
error · 2 invalid request · 3 order not eligible · 4 gave up · 5 needs a person.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.errors import InvalidConfig, RetryDisputeError
from agent.log import add_secret, configure_logging

__all__ = ["DEMO_FAULTS", "DEMO_REQUEST", "build_parser", "check_site", "main"]

#: The out-of-the-box demo: the bundled storefront is busy three times, then opens the dispute.
DEMO_FAULTS: dict[str, Any] = {"busy_first": 3, "busy_style": "banner", "busy_status": 503}
DEMO_REQUEST: dict[str, Any] = {
    "order_id": "1001",
    "received": "no",
    "reason": "not_received",
    "solution": "refund",
    "refund": "full",
    "amount": None,
    "message": (
        "My parcel has been in transit for 40 days and has not arrived. "
        "Please refund the full amount."
    ),
    "evidence": [],
}
#: Short waits for the demo, so it finishes in seconds.
DEMO_POLICY: dict[str, float] = {"initial_wait_s": 1.0, "max_wait_s": 4.0}


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
    req.add_argument("--solution", choices=["refund", "return"], default=None)
    req.add_argument("--refund", choices=["full", "partial"], default=None)
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
        choices=["on", "off", "retain-on-failure"],
        default=None,
        help="Playwright trace (default: retain-on-failure on the bundled storefront, "
        "off for a real site: a trace holds cookies)",
    )
    out.add_argument("--log-format", choices=["console", "json"], default="console")
    out.add_argument(
        "--faults", type=Path, help="bundled storefront only: a fault plan (TOML/JSON)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="retry-dispute", description=__doc__.splitlines()[0])
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


def credentials_from_env() -> Any:
    """Credentials for a login form, from RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD only."""
    from agent.pages import Credentials

    user, password = os.environ.get("RETRY_DISPUTE_USER"), os.environ.get("RETRY_DISPUTE_PASSWORD")
    if user and password:
        add_secret(password)
        return Credentials(user, password)
    return None


def check_site(site: str, *, reach: bool = True) -> str:
    """Refuse a --site that is not an http(s) URL or cannot be reached (a TCP connection only)."""
    parts = urlsplit(site)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidConfig(
            f"--site {site!r} is not an http(s) URL", hint="pass e.g. --site https://shop.example"
        )
    if reach:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname, port), timeout=10).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise InvalidConfig(
                f"cannot reach {parts.scheme}://{parts.netloc} ({reason})",
                hint="check --site and the network connection",
            ) from None
    return site.rstrip("/")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(fmt=getattr(args, "log_format", "console"))
    try:
        if args.command == "run":
            from agent.cli_run import command_run

            return command_run(args)
        if args.command == "scenario":
            from agent.scenario import command_scenario

            return command_scenario(args)
        if args.command == "mock-site":
            from mock_site.__main__ import serve

            try:
                serve(port=args.port, faults=args.faults)
            except (OSError, ValueError) as exc:
                raise InvalidConfig(
                    f"fault plan {args.faults}: {exc}", hint="fix the file (see docs/storefront.md)"
                ) from None
            return 0
        if args.command == "login":
            from agent.api import run_sync
            from agent.cli_login import command_login

            return run_sync(command_login(args))
        if args.command == "browser":
            from agent.browser import BROWSER_ENV, ensure_browser, find_browser

            path = (
                ensure_browser(args.browser_path)
                if args.install
                else find_browser(args.browser_path)
            )
            print(path or "playwright's own chromium")
            if path and not (args.browser_path or os.environ.get(BROWSER_ENV)):
                try:
                    headed = find_browser(headless=False)
                except RetryDisputeError:
                    headed = None
                if headed != path:  # the headless shell: --headed and `login` need a window
                    print(f"with a window (--headed, login): {headed or 'none installed'}")
            return 0
    except RetryDisputeError as exc:
        print(f"retry-dispute: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("retry-dispute: interrupted", file=sys.stderr)
        return 130
    return 1  # pragma: no cover - argparse requires a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
