"""``retry-dispute browser``: which browser will be used; ``--install`` one when there is none."""

from __future__ import annotations

import argparse
import os
import sys

from agent.browser import BROWSER_ENV, ensure_browser, find_browser
from agent.errors import RetryDisputeError
from agent.fonts import font_warning

__all__ = ["command_browser"]


def command_browser(args: argparse.Namespace) -> int:
    """Print the browser for headless runs (and the one for a window, when it differs); warn
    on stderr when no installed font covers Chinese, Japanese or Korean."""
    path = ensure_browser(args.browser_path) if args.install else find_browser(args.browser_path)
    print(path or "playwright's own chromium")
    if path and not (args.browser_path or os.environ.get(BROWSER_ENV)):
        try:
            headed = find_browser(headless=False)
        except RetryDisputeError:
            headed = None
        if headed != path:  # the headless shell: --headed and `login` need a window
            print(f"with a window (--headed, login): {headed or 'none installed'}")
    warning = font_warning()
    if warning:
        print(warning, file=sys.stderr)
    return 0
