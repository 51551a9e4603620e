"""An unexpected error (a bug): its details saved in a file, and one line saying where.

Errors the agent expects (`agent.errors`) are one line on their own. Anything else is a bug: its
traceback (plain frames, never local variables, secrets redacted) goes to
``<state folder>/crashes/<YYYYmmdd-HHMMSS>-<pid>.txt`` (0600), and the console gets one line
naming the error and that file. When even that file cannot be written, the redacted traceback
is printed instead, so the details are never lost.
"""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path

from agent.files import make_private_dir, write_private_text
from agent.flow.journal import default_state_dir
from agent.redaction import redact_text

__all__ = ["crash_line", "write_crash_report"]


def _details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def write_crash_report(exc: BaseException, *, state_dir: Path | None = None) -> Path | None:
    """Save the error's redacted traceback in the state folder; its path, or None if it failed."""
    folder = (state_dir or default_state_dir()) / "crashes"
    path = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    try:
        make_private_dir(folder)
        write_private_text(path, _details(exc))
    except OSError:
        return None
    return path


def crash_line(exc: BaseException, *, state_dir: Path | None = None) -> str:
    """The console's text for a bug: one line with where the details are (or the details)."""
    first = redact_text((str(exc).splitlines() or [""])[0][:200])
    what = f"unexpected error: {type(exc).__name__}" + (f": {first}" if first else "")
    where = write_crash_report(exc, state_dir=state_dir)
    if where is None:
        return (
            f"{what}; this is a bug, please report it with these details:\n"
            + redact_text(_details(exc)).rstrip()
        )
    return f"{what}; this is a bug: the details are in {where}, please report it with that file"
