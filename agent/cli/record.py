"""``retry-dispute record --site URL --order ID``: record the flow with Playwright's recorder in
a browser window, then import it as ``profile import --site`` does.

The window needs a display (as ``login``'s): without one, one line says to run it under
``xvfb-run`` or set DISPLAY. The recording and its network data go into a private folder
(``runs/record-…/``, 0700; they hold what the person typed and the session's cookies), the draft
to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from agent.browser import find_browser
from agent.cli.output import Console
from agent.cli.profile_import import import_and_check
from agent.cli.session import check_display, check_site
from agent.cli.signals import Interruptible
from agent.errors import InvalidConfig
from agent.recording.importing import ImportRequest
from agent.recording.recorder import record_flow
from agent.session import check_storage_state

__all__ = ["command_record"]


def command_record(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Record, then import and check."""
    check_display("record")
    site = check_site(args.site)
    if args.out.exists() and not args.force:
        raise InvalidConfig(
            f"{args.out} exists: nothing was recorded",
            hint="give another --out, or --force to replace it",
        )
    if args.storage_state is not None:
        check_storage_state(args.storage_state)
    executable = find_browser(args.browser_path, headless=False)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = args.runs / f"record-{stamp}"
    print(
        f"a browser window is opening on {site} with Playwright's recorder: open order "
        f"{args.order}, open its dispute form, fill it in and submit it (or stop at the filled "
        f"form), then close the window. The recording goes to {folder}/ (private: it holds "
        "what you type).",
        file=sys.stderr,
    )
    recorded = record_flow(
        url=site,
        folder=folder,
        storage_state=args.storage_state,
        executable=executable,
        timeout_s=args.timeout,
    )
    if not recorded.script.is_file():
        raise InvalidConfig(
            f"the recorder wrote nothing (it ended with exit code {recorded.exit_code})",
            hint="run it again; on a server without a display, under xvfb-run -a",
        )
    if not recorded.closed:
        print(f"the recording stopped after {args.timeout:.0f} s (--timeout)", file=sys.stderr)
    request = ImportRequest(
        recording=recorded.script,
        har=recorded.har if recorded.har.is_file() else None,
        order_id=args.order,
        site=site,
        name=args.name,
    )
    return import_and_check(args, request, args.out, console, signals, force=args.force)
