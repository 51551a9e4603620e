"""The command line of ``retry-dispute profile import`` and ``retry-dispute record``: profiles
from a recording of the flow (`agent.recording`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.cli.arguments import Formatter, add_console, add_session, duration, examples

__all__ = ["add_profile_commands"]

_EXIT = """exit codes:
  0    the draft was written (and, with --site, check found every element)
  2    not a recording of the flow (not JSON, another schema, never reaches a form, another
       site), --out exists (--force), or check found elements to fix
  5    the site asks to log in: pass --storage-state or set RETRY_DISPUTE_USER/PASSWORD
"""


def _common(p: Any) -> None:
    p.add_argument(
        "--out",
        type=Path,
        default=Path("shop.toml"),
        metavar="FILE",
        help="where the draft profile goes (default: shop.toml; never replaced without --force)",
    )
    p.add_argument("--force", action="store_true", help="replace --out when it exists")
    p.add_argument(
        "--name",
        metavar="NAME",
        help="the profile's name (default: the site's host; 'shop' for an IP address)",
    )
    p.add_argument(
        "--runs",
        type=Path,
        default=Path("runs"),
        metavar="DIR",
        help="where check's screenshots go (default: runs/)",
    )


def add_profile_commands(sub: Any) -> None:
    """``profile import`` and ``record``."""
    profile = sub.add_parser(
        "profile",
        help="make a profile: 'profile import RECORDING' (see 'record' to make one)",
        description="Site profiles from a recording of the flow.",
        formatter_class=Formatter,
    )
    actions = profile.add_subparsers(dest="profile_command", required=True, metavar="ACTION")
    p = actions.add_parser(
        "import",
        help="a draft profile from a Chrome Recorder export or a playwright codegen script",
        description="Read a recording of a person opening one dispute (a Chrome DevTools "
        "Recorder JSON export, or a Playwright codegen Python script: read, never run) and "
        "write a draft profile: its elements with the recording's alternatives, the login, "
        "open and submit steps, the fields and their kinds, the answers the person checked, "
        "placeholders for the shopper's values and TODOs for what a recording cannot know. "
        "With --site and a session it then reads the live pages without submitting anything "
        "(the reasons, the form, the submit request) and runs 'retry-dispute check'.",
        epilog=f"{examples('profile')}\n\n{_EXIT}\n",
        formatter_class=Formatter,
    )
    p.add_argument("recording", type=Path, metavar="RECORDING", help="the recording file")
    p.add_argument(
        "--site",
        metavar="URL",
        help="the live site: read its pages (never submitting) and check the draft there",
    )
    p.add_argument(
        "--order",
        metavar="ID",
        help="the order the recording opened (default: the id its URLs hold)",
    )
    p.add_argument(
        "--har",
        type=Path,
        metavar="FILE",
        help="the recording's network data (default: RECORDING.har when it exists)",
    )
    _common(p)
    add_session(p)
    p.set_defaults(headed=False, faults=None)
    add_console(p)
    r = sub.add_parser(
        "record",
        help="record the flow in a browser window (playwright codegen), then import it",
        description="Open a browser window with Playwright's own recorder (playwright "
        "codegen, the network saved with --save-har, your session loaded) on --site. Open "
        "order --order, open its dispute form, fill it in, and submit it (busy answers are "
        "fine: the request's answer is what the recording needs) or stop at the filled form; "
        "close the window. The recording is then imported, its pages read and checked as "
        "'profile import --site' does. A window needs a display: on a server, run it under "
        "xvfb-run.",
        epilog=_EXIT,
        formatter_class=Formatter,
    )
    r.add_argument("--site", required=True, metavar="URL", help="the storefront's base URL")
    r.add_argument("--order", required=True, metavar="ID", help="the order to open a dispute for")
    r.add_argument(
        "--timeout",
        type=duration,
        default=1800.0,
        metavar="TIME",
        help="how long to wait for the window to close (default: 30m)",
    )
    _common(r)
    add_session(r)
    r.set_defaults(headed=True, faults=None, har=None)
    add_console(r)
