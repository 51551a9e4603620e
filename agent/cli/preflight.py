"""Where a run will write, checked before anything starts: ``--out`` and the journal.

A folder that is a file, cannot be made, is not writable or sits on a full disk, and a journal
that is damaged or locked, are refused in one line (exit 2) before a browser starts or the
site is asked anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.errors import OutputUnwritable
from agent.files import check_writable_dir
from agent.flow.journal import Journal

__all__ = ["check_output_dirs"]


def check_output_dirs(args: argparse.Namespace) -> None:
    """Refuse an unusable ``--out`` (OutputUnwritable) or journal (JournalUnavailable)."""
    out: Path = args.out
    try:
        check_writable_dir(out)
    except OSError as exc:
        raise OutputUnwritable(out, exc) from None
    Journal.in_state_dir(args.state_dir).close()
