"""Showing user text in one line: quoted values, character positions, close matches, type names.

Shared by every pre-flight module: an error names the offending value so that it shows on a
terminal (non-printable characters as ``U+XXXX`` codes), never as raw control characters.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["coded_controls", "describe_positions", "quote", "suggest", "type_name"]

#: Characters that drive whatever shows a text rather than being shown: C0 and C1 controls
#: (terminal escape sequences, a bell) but line breaks and tabs, and the bidirectional overrides
#: and isolates (text that reads differently from what it is).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _codes(text: str) -> str:
    return " ".join(f"U+{ord(ch):04X}" for ch in text)


def coded_controls(text: str) -> str:
    """*text* with each control or bidirectional-override character shown as its ``U+XXXX``
    code (line breaks and tabs kept): a site's words quoted in a file drive nothing."""
    return _CONTROLS.sub(lambda m: f"U+{ord(m.group()):04X}", text)


def quote(text: str) -> str:
    """Return *text* in double quotes, or as U+XXXX codes when any of it would not show."""
    if all(ch.isprintable() for ch in text):
        return f'"{text}"'
    return _codes(text)


def describe_positions(text: str, positions: list[int], *, limit: int = 3) -> str:
    """Describe *positions* of *text* as runs: ``0-5 ("Привет"), 9 ("ж")``, at most *limit*."""
    runs: list[tuple[int, int]] = []
    for pos in positions:
        if runs and runs[-1][1] == pos - 1:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    shown = [
        f"{start} ({quote(text[start])})"
        if start == end
        else f"{start}-{end} ({quote(text[start : end + 1])})"
        for start, end in runs[:limit]
    ]
    if len(runs) > limit:
        shown.append(f"and {len(runs) - limit} more")
    word = "position" if len(positions) == 1 else "positions"
    return f"{word} {', '.join(shown)}"


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]}? " if close else ""


def type_name(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        tuple: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
