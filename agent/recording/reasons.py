"""Our reason code for a site's reason, guessed from its value or the words of its label.

A ``<select>`` whose option values are our codes (``not_received``) says so exactly; otherwise
the label's words are looked up in `reason_words.toml` (English). Every guess is marked in the
draft for the person to check; a label it cannot place gets no code (a request may name the
reason by its label).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from agent.request.model import ALL_REASONS, RECEIVED_REASONS

__all__ = ["code_for", "is_received_code"]


@cache
def _words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    text = (resources.files("agent") / "recording" / "reason_words.toml").read_text("utf-8")
    table = tomllib.loads(text)
    return tuple((str(row["code"]), tuple(str(w) for w in row["words"])) for row in table["code"])


def code_for(label: str, value: str | None = None) -> tuple[str | None, bool]:
    """(our code, guessed?) for a reason: exact when its value is one of our codes, guessed from
    its label's words otherwise, (None, False) when neither says."""
    if value is not None and value in ALL_REASONS:
        return value, False
    folded = " ".join(label.casefold().replace("\u2019", "'").split())
    for code, words in _words():
        if any(word in folded for word in words):
            return code, True
    return None, False


def is_received_code(code: str) -> bool:
    """Whether one of our codes is a reason for an item that was received."""
    return code in RECEIVED_REASONS
