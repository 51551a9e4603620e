"""The terminal: what it can show (live lines, colour), and site text made safe to print.

Drawing is `rich`'s (`rich_console`): it measures text in terminal cells (a Chinese character
or an emoji takes two), renders styles for the terminal, and redraws live lines in place.

- `is_live`: redraw lines in place only on a terminal, outside CI and a dumb terminal.
- `colour_enabled`: colour only on a terminal, outside CI, never when ``NO_COLOR`` is set (any
  value, as https://no-color.org asks), always when ``FORCE_COLOR`` is; `Paint` applies it.
- `visible`: text from a site printed with its control characters made visible (``\\x1b``), so a
  page cannot change the window title, clear the screen or hide what follows; redacted
  (`agent.redaction`), so a secret a site echoes is masked on every console line of every
  command, as it is in the files; cut to a number of terminal cells.
- `table_text`: a plain table, its columns aligned by terminal cells.
- `plural`: ``1 attempt``, ``2 attempts``.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from typing import TextIO

from rich.box import Box
from rich.cells import cell_len, set_cell_size
from rich.color import ColorSystem
from rich.console import Console as RichConsole
from rich.style import Style
from rich.table import Table

from agent.redaction import redact_text

__all__ = [
    "Paint",
    "colour_enabled",
    "in_ci",
    "is_live",
    "is_terminal",
    "plural",
    "rich_console",
    "table_text",
    "visible",
]


def is_terminal(stream: TextIO) -> bool:
    """True when *stream* is a terminal (a closed or odd stream is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """True when ``CI`` says the command runs in continuous integration (``true``, ``1``)."""
    env = os.environ if env is None else env
    return env.get("CI", "").strip().lower() in ("true", "1")


def is_live(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal and the environment is not CI (nor a dumb terminal)."""
    env = os.environ if env is None else env
    if in_ci(env) or env.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def colour_enabled(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Colour on a terminal outside CI; ``NO_COLOR`` (any non-empty value) turns it off,
    ``FORCE_COLOR`` on."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return env.get("TERM") != "dumb" and not in_ci(env) and is_terminal(stream)


def rich_console(
    stream: TextIO, *, colour: bool, terminal: bool, width: int | None = None
) -> RichConsole:
    """A rich console on *stream*: styles only with *colour*, cursor moves only on a
    *terminal*, and never markup, emoji codes or highlighting (site text is printed as is)."""
    return RichConsole(
        file=stream,
        force_terminal=terminal,
        color_system="standard" if colour else None,
        no_color=not colour,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        soft_wrap=False,
    )


class Paint:
    """Colour for one stream (rich styles: ``"bold green"``), or plain text when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        """*text* in *styles* (``bold``, ``dim``, ``red``, ``green``, ``yellow``, ``cyan``…)."""
        style = " ".join(s for s in styles if s)
        if not self.enabled or not style or not text:
            return text
        return Style.parse(style).render(text, color_system=ColorSystem.STANDARD)


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
    cut to that many terminal cells (ending with ``...``): a Chinese character or an emoji
    counts two.
    """
    flat = " ".join("".join(_shown(ch) for ch in redact_text(str(text))).split())
    if limit is None or cell_len(flat) <= limit:
        return flat
    return set_cell_size(flat, max(0, limit - 3)).rstrip() + "..."


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 attempt``, ``2 attempts`` (*many*: the plural when it is not *noun* + s)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


#: A table drawn with spaces and one rule of dashes under the header (ASCII: fits any console).
_DASHES = Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)


def table_text(
    head: Sequence[str], rows: Sequence[Sequence[str]], *, right: Collection[int] = ()
) -> str:
    """*rows* under *head* as plain text, columns aligned by terminal cells (those in *right*
    right-aligned), a rule of dashes under the header; no escape code, never wrapped."""
    table = Table(box=_DASHES, show_edge=False, padding=(0, 1, 0, 0), pad_edge=False)
    for i, name in enumerate(head):
        table.add_column(name, justify="right" if i in right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    out = io.StringIO()
    console = rich_console(out, colour=False, terminal=False, width=100_000)
    console.print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())
