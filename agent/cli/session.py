"""What every command that drives a browser sets up the same way: the site, the session, the
browser, the policy and the trace, from the command line.

Shared by ``run`` (one order), ``run --batch`` and ``login``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.browser import browser_target
from agent.cli.bundled import bundled_storefront, demo_credentials, demo_policy
from agent.cli.output import Console
from agent.errors import InvalidConfig
from agent.flow.policy import RetryPolicy
from agent.flow.settings import TraceMode
from agent.session import Session, check_storage_state, credentials_from_env
from agent.site_url import check_site_url

__all__ = [
    "check_display",
    "check_site",
    "policy_from_args",
    "session_from_args",
    "site_from_args",
    "trace_mode",
    "ws_endpoints",
]


def check_display(
    what: str, env: dict[str, str] | None = None, platform: str | None = None
) -> None:
    """Refuse a browser window where there is no display (Linux with no DISPLAY, no Wayland).

    Chromium would fail to start with a long log; one line says what to do instead.
    """
    env = dict(os.environ) if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return
    raise InvalidConfig(
        f"no display for {what}: a browser window needs one",
        hint="run it under xvfb-run (xvfb-run -a retry-dispute ...), or set DISPLAY to a "
        "running X server",
    )


_SERVER_SCHEMES = ("ws://", "wss://", "http://", "https://")


def ws_endpoints(values: Sequence[str] | None) -> list[str]:
    """The Playwright servers of ``--ws-endpoint``: URLs, or files of them (one a line).

    In a file, blank lines and lines starting with ``#`` are skipped. A value that is neither
    a URL nor a readable file, or a file line that is not a URL, is InvalidConfig (exit 2).
    """
    found: list[str] = []
    for value in values or ():
        if value.startswith(_SERVER_SCHEMES):
            found.append(value)
            continue
        path = Path(value)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            raise InvalidConfig(
                f"--ws-endpoint {value!r} is neither a ws:// URL nor a readable file of them",
                hint="pass ws://HOST:PORT/ (again for each server), or a file with one a line",
            ) from None
        for number, line in enumerate(lines, start=1):
            entry = line.strip()
            if not entry or entry.startswith("#"):
                continue
            if not entry.startswith(_SERVER_SCHEMES):
                raise InvalidConfig(
                    f"{path} line {number}: {entry[:80]!r} is not a ws:// URL",
                    hint="one Playwright server a line, like ws://127.0.0.1:3000/",
                )
            found.append(entry)
        if not any(line.strip() and not line.strip().startswith("#") for line in lines):
            raise InvalidConfig(f"{path} lists no Playwright server", hint="one ws:// URL a line")
    return list(dict.fromkeys(found))


def check_site(site: str, *, reach: bool = True) -> str:
    """Refuse a --site that is not an http(s) URL (`agent.site_url`) or cannot be reached (a
    TCP connection only)."""
    checked = check_site_url(site)
    if reach:
        parts = urlsplit(checked)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname, port), timeout=10).close()
        except (OSError, UnicodeError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise InvalidConfig(
                f"cannot reach {parts.scheme}://{parts.netloc} ({reason})",
                hint="check --site and the network connection",
            ) from None
    return checked


@contextlib.contextmanager
def site_from_args(
    args: argparse.Namespace, console: Console, *, skin: str = "mock"
) -> Iterator[str]:
    """The --site checked, or, when none was given, the bundled storefront's *skin* started
    (the skin of the profile's name)."""
    if args.site:
        yield check_site(args.site)
        return

    def announce(line: str, plan: object) -> None:
        console.note(line, event="agent.storefront_started", faults=plan)

    with bundled_storefront(args.faults, announce, skin=skin) as url:
        yield url


def session_from_args(args: argparse.Namespace, *, demo: bool) -> Session:
    """The session: the storage state (checked first), credentials, and where the browser is."""
    credentials = credentials_from_env()
    if demo and credentials is None:
        credentials = demo_credentials()
    if args.storage_state is not None:  # before anything starts: a bad file sends nothing
        check_storage_state(args.storage_state)
    if args.headed and not (args.cdp_url or args.ws_endpoint):
        check_display("--headed")
    return Session(
        storage_state=args.storage_state,
        credentials=credentials,
        browser=browser_target(
            executable=args.browser_path,
            headless=not args.headed,
            cdp_url=args.cdp_url,
            ws_endpoint=ws_endpoints(args.ws_endpoint),
        ),
    )


def policy_from_args(args: argparse.Namespace, *, demo: bool) -> RetryPolicy:
    """RetryPolicy defaults, the demo's short waits, then the flags."""
    values: dict[str, Any] = dict(demo_policy()) if demo else {}
    for flag, name in (
        ("max_attempts", "max_attempts"),
        ("deadline", "deadline_s"),
        ("initial_wait", "initial_wait_s"),
        ("max_wait", "max_wait_s"),
    ):
        value = getattr(args, flag)
        if value is not None:
            values[name] = value
    return RetryPolicy(**values)


def trace_mode(
    args: argparse.Namespace, *, demo: bool, default: TraceMode | None = None
) -> TraceMode:
    """--trace, else *default*, else retain-on-failure on the bundled storefront, off elsewhere.

    A Playwright trace records cookies and what was typed (the login form's password too) and
    cannot be redacted, so it is only kept for a real site when asked for.
    """
    if args.trace is not None:
        mode: TraceMode = args.trace
        return mode
    if default is not None:
        return default
    return "retain-on-failure" if demo else "off"
