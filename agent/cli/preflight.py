"""Where a command will write, checked before anything starts: ``--out``, the journal, and
``login --save-session``.

A folder that is a file, cannot be made, is not writable or sits on a full disk, a journal that
is damaged or locked, and a session file that is a folder, are refused in one line (exit 2)
before a browser starts, the site is asked anything or a person logs in for nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.errors import InvalidConfig, OutputUnwritable
from agent.files import check_writable_dir
from agent.flow.journal import Journal

__all__ = ["check_output_dirs", "check_session_target"]


def check_output_dirs(args: argparse.Namespace) -> None:
    """Refuse an unusable ``--out`` (OutputUnwritable) or journal (JournalUnavailable)."""
    out: Path = args.out
    try:
        check_writable_dir(out)
    except OSError as exc:
        raise OutputUnwritable(out, exc) from None
    Journal.in_state_dir(args.state_dir).close()


def check_session_target(path: Path) -> None:
    """Refuse a ``--save-session`` path that cannot take the session file, before the login."""
    hint = "give the path of a file, e.g. --save-session ~/.config/retry-dispute/session.json"
    if path.is_dir():
        raise InvalidConfig(f"--save-session {path} is a folder", hint=hint)
    if path.exists() and not path.is_file():
        raise InvalidConfig(f"--save-session {path} is not a regular file", hint=hint)
    try:
        check_writable_dir(path.parent)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise InvalidConfig(
            f"--save-session {path} cannot be written ({reason})",
            hint="give a file in a folder you can write to, on a disk with free space",
        ) from None
