"""The terminal: what it can show (live lines, colour), and site text made safe to print.

- `is_live`: redraw lines in place only on a terminal, outside CI and a dumb terminal.
- `colour_enabled`: colour only on a terminal, never when ``NO_COLOR`` is set (any value, as
  https://no-color.org asks), always when ``FORCE_COLOR`` is; `Paint` applies it.
- `visible`: text from a site printed with its control characters made visible (``\\x1b``), so a
  page cannot change the window title, clear the screen or hide what follows; and redacted
  (`agent.redaction`), so a secret a site echoes is masked on every console line of every
  command, as it is in the files.
- `plural`: ``1 attempt``, ``2 attempts``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from typing import TextIO

from agent.redaction import redact_text

__all__ = ["Paint", "colour_enabled", "is_live", "is_terminal", "plural", "visible"]


def is_terminal(stream: TextIO) -> bool:
    """True when *stream* is a terminal (a closed or odd stream is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def is_live(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal and the environment is not CI (nor a dumb terminal)."""
    env = os.environ if env is None else env
    if env.get("CI", "").strip().lower() in ("true", "1") or env.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def colour_enabled(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal; ``NO_COLOR`` (any non-empty value) turns it off, ``FORCE_COLOR`` on."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return env.get("TERM") != "dumb" and is_terminal(stream)


_SGR = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "cyan": "36",
}


class Paint:
    """ANSI colour for one stream, or plain text when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        """*text* in *styles* (``bold``, ``dim``, ``red``, ``green``, ``yellow``, ``cyan``…)."""
        codes = [_SGR[s] for s in styles if s in _SGR]
        if not self.enabled or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


#: Layout characters that become one space in a one-line text.
_SPACES = {"\t", "\n", "\r", "\v", "\f", "\u2028", "\u2029", "\x85"}


def _shown(ch: str) -> str:
    if ch in _SPACES:
        return " "
    category = unicodedata.category(ch)
    if category == "Cc" or (category == "Cf" and ch not in "\u200d"):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def visible(text: object, limit: int | None = None) -> str:
    """*text* on one line with every control character shown as an escape (``\\x1b``, ``\\u202e``)
    and every secret masked (`agent.redaction.redact_text`: the one redaction of the files too).

    Line breaks and tabs become spaces and runs of spaces collapse; with *limit*, the result is
    cut to that many characters (ending with ``...``).
    """
    flat = " ".join("".join(_shown(ch) for ch in redact_text(str(text))).split())
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: max(0, limit - 3)] + "..."


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 attempt``, ``2 attempts`` (*many*: the plural when it is not *noun* + s)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
