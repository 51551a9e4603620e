"""``retry-dispute profile import RECORDING``: a draft profile from a recording of the flow.

Reads a Chrome DevTools Recorder export or a Playwright codegen script (never run) and its
network data (``--har``, or ``RECORDING.har`` beside it), writes the draft (``--out``, default
``shop.toml``; never over a file without ``--force``) and says what it could not know. With
``--site`` and a session it walks the draft on the live site without submitting anything
(`agent.recording.live`), completes it, writes it again, then runs ``retry-dispute check`` with
the recorded request and prints its table: exit 0 when every element was found, 2 otherwise.
A recording that is not one (not JSON, another schema, a flow that never reaches a form, another
site than ``--site``) is one line and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agent.api import run_sync
from agent.cli.check import command_check
from agent.cli.output import Console
from agent.cli.session import check_site, session_from_args
from agent.cli.signals import Interruptible
from agent.errors import InvalidConfig
from agent.recording.draft import Draft
from agent.recording.importing import (
    ImportRequest,
    draft_recording,
    har_beside,
    save_draft,
    summary,
)
from agent.recording.live import CHECK_MESSAGE, second_pass

__all__ = ["check_args", "command_profile", "import_and_check"]


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def check_args(args: argparse.Namespace, draft: Draft, out: Path, site: str) -> argparse.Namespace:
    """The arguments of ``retry-dispute check`` for the draft and the request it recorded."""
    recorded = draft.recorded
    assert recorded is not None
    return argparse.Namespace(
        **{
            **{k: getattr(args, k, None) for k in ("storage_state", "cdp_url", "ws_endpoint")},
            "browser_path": getattr(args, "browser_path", None),
            "site": site,
            "profile": str(out),
            "request": None,
            "order": recorded.order_id,
            "item": None,
            "quantity": None,
            "received": "yes" if recorded.received else "no",
            "reason": recorded.reason,
            "solution": None,
            "refund": None,
            "amount": None,
            "message": CHECK_MESSAGE,
            "evidence": [],
            "out": getattr(args, "runs", None) or Path("runs"),
            "headed": False,
            "faults": None,
        }
    )


def import_and_check(
    args: argparse.Namespace,
    request: ImportRequest,
    out: Path,
    console: Console,
    signals: Interruptible,
    *,
    force: bool,
) -> int:
    """Draft, write, and with a site: walk it live, write it again, check it."""
    draft = draft_recording(request)
    save_draft(draft, out, force=force)
    print(f"draft profile written to {out} from {request.recording}")
    for line in summary(draft):
        _say(f"  {line}")
    if request.site is None:
        _say(
            f"next: finish the TODOs, then `retry-dispute check --site URL --profile {out} "
            f"--order {draft.recorded.order_id if draft.recorded else 'ID'} ...` (or import "
            "again with --site and a session: it reads the live pages)"
        )
        return 0
    session = session_from_args(args, demo=False)
    _say(
        f"second pass on {request.site} (nothing is submitted: every request is blocked "
        "from the order page on but GETs, and all of them on the final click)"
    )
    findings = run_sync(second_pass(draft, site=request.site, session=session))
    for line in findings.lines:
        _say(f"  read: {line}")
    save_draft(draft, out, force=True)
    print(f"draft profile completed in {out}")
    for line in summary(draft)[1:]:
        _say(f"  {line}")
    if draft.recorded is None or draft.recorded.reason is None:
        raise InvalidConfig(
            f"{out} was not checked: the recording chose no reason to check it with",
            hint=f"finish [[reasons]] in {out}, then run retry-dispute check",
        )
    _say(f"checking {out} on {request.site} (retry-dispute check):")
    return command_check(check_args(args, draft, out, request.site), console, signals)


def command_profile(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """``retry-dispute profile import``."""
    recording: Path = args.recording
    har: Path | None = args.har
    if har is None:
        har = har_beside(recording)
    elif not har.is_file():
        raise InvalidConfig(f"--har {har}: no such file", hint="give the HAR the recording saved")
    site = check_site(args.site) if args.site else None
    request = ImportRequest(
        recording=recording, har=har, order_id=args.order, site=site, name=args.name
    )
    return import_and_check(args, request, args.out, console, signals, force=args.force)
