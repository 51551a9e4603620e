"""The message to the seller: normalised as the site wants it, then checked.

The storefront accepts English only and silently drops other letters, refuses hidden characters
and typographic quotes, and wants a final ``.``/``!``/``?``. `normalise_message` fixes what can be
fixed without changing the meaning (and says what it changed); `check_message` refuses the rest.

- Characters: printable ASCII plus Latin letters (Unicode name ``LATIN …``: é, ñ, ß, ø) are
  accepted. Other letters (Cyrillic, Greek, CJK, Arabic, …) are refused with their positions;
  any other non-ASCII character (€, °, emoji, a combining accent left after NFC) and any control
  character is refused too. Positions are 0-based offsets in the message *as checked*, i.e. after
  `normalise_message`.
- Whitespace: tabs and line breaks count as whitespace; every run becomes one space, so the
  message is one paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from agent.errors import InvalidConfig, InvalidField
from agent.request.model import MESSAGE_MAX_CHARS, MESSAGE_MIN_CHARS, Normalisation
from agent.request.text import describe_positions

__all__ = ["MessageLimits", "check_length", "check_message", "normalise_message"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageLimits:
    """How many characters the site's message field takes (a profile's message field says)."""

    min_chars: int = MESSAGE_MIN_CHARS
    max_chars: int = MESSAGE_MAX_CHARS

    def __post_init__(self) -> None:
        for key in ("min_chars", "max_chars"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidConfig(f"{key} must be a whole number of 1 or more, not {value!r}")
        if self.min_chars > self.max_chars:
            raise InvalidConfig(
                f"min_chars ({self.min_chars}) is more than max_chars ({self.max_chars})"
            )


_HIDDEN_SPACE = "hidden space replaced with a space"
_INVISIBLE = "invisible character removed"
_QUOTE = "typographic quote replaced"
_DASH = "dash replaced with a hyphen"

#: Characters fixed in the message: the character → (replacement, what was done).
_CHAR_FIXES: dict[str, tuple[str, str]] = {
    **{ch: (" ", _HIDDEN_SPACE) for ch in "\u00a0\u202f\u205f\u3000\u2028\u2029"},
    **{chr(cp): (" ", _HIDDEN_SPACE) for cp in range(0x2000, 0x200B)},
    **{ch: ("", _INVISIBLE) for ch in "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"},
    **{chr(cp): ("", _INVISIBLE) for cp in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    "\u00ad": ("", "soft hyphen removed"),
    **{ch: ("'", _QUOTE) for ch in "\u2018\u2019\u201a\u201b\u2039\u203a"},
    **{ch: ('"', _QUOTE) for ch in "\u201c\u201d\u201e\u201f\u00ab\u00bb"},
    **{chr(cp): ("-", _DASH) for cp in range(0x2010, 0x2016)},
    "\u2212": ("-", _DASH),
    "\u2026": ("...", "ellipsis replaced with three periods"),
}
_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f\v]+")
_ENDINGS = ".!?"

#: The first word of a letter's Unicode name, for the scripts named in errors (others: "other").
_SCRIPTS = frozenset({
    "ARABIC", "ARMENIAN", "BENGALI", "CJK", "CYRILLIC", "DEVANAGARI", "GEORGIAN",
    "GREEK", "HANGUL", "HEBREW", "HIRAGANA", "KATAKANA", "TAMIL", "THAI",
})  # fmt: skip


def normalise_message(text: str) -> tuple[str, list[Normalisation]]:
    """Return *text* as the site wants it, and each change made.

    In this order: hidden spaces become spaces; zero-width and direction marks and soft hyphens
    are removed; typographic quotes, dashes and the ellipsis become ASCII; accents are combined
    (NFC); whitespace runs (line breaks included) become one space and the ends are trimmed; a
    final period is added when the message does not end with ``.``, ``!`` or ``?``. Nothing is
    refused here: see `check_message`.
    """
    fixed: dict[str, tuple[str, str]] = {}
    out: list[str] = []
    for ch in text:
        fix = _CHAR_FIXES.get(ch)
        if fix is None:
            out.append(ch)
        else:
            out.append(fix[0])
            fixed.setdefault(ch, fix)
    changes = [Normalisation("message", what, ch, rep) for ch, (rep, what) in fixed.items()]
    plain = "".join(out)
    replaced = unicodedata.normalize("NFC", plain)
    if replaced != plain:
        changes.append(Normalisation("message", "accents combined (Unicode NFC)", plain, replaced))
    squeezed = _WHITESPACE_RUN.sub(" ", replaced).strip(" ")
    if squeezed != replaced:
        changes.append(
            Normalisation("message", "whitespace collapsed and trimmed", replaced, squeezed)
        )
    result = squeezed
    if result and result[-1] not in _ENDINGS:
        result = f"{result}."
        changes.append(Normalisation("message", "final period added", squeezed, result))
    return result, changes


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def _script(ch: str) -> str:
    word = unicodedata.name(ch, "").split(" ", 1)[0]
    if word not in _SCRIPTS:
        return "other"
    return word if word == "CJK" else word.title()


def check_message(text: str, limits: MessageLimits | None = None) -> None:
    """Refuse a message the site would drop letters from, refuse or mangle (`InvalidField`).

    Checked in this order: non-Latin letters, control characters, other characters outside
    printable ASCII and Latin letters, length (*limits*: the profile's, by default
    `MESSAGE_MIN_CHARS`..`MESSAGE_MAX_CHARS`), the final ``.``/``!``/``?``. Pass the message
    through `normalise_message` first.
    """
    limits = limits or MessageLimits()
    field = "message"
    foreign = [
        i
        for i, ch in enumerate(text)
        if unicodedata.category(ch).startswith("L") and not _is_latin_letter(ch)
    ]
    if foreign:
        scripts = ", ".join(dict.fromkeys(_script(text[i]) for i in foreign))
        raise InvalidField(
            f"non-Latin letters ({scripts}) at {describe_positions(text, foreign)}",
            field=field,
            hint="the site accepts English only and silently drops other letters: "
            "write the message in English",
            context={"positions": foreign, "characters": "".join(text[i] for i in foreign)},
        )
    controls = [i for i, ch in enumerate(text) if unicodedata.category(ch) == "Cc"]
    if controls:
        raise InvalidField(
            f"control characters at {describe_positions(text, controls)}",
            field=field,
            hint="remove them (type the message rather than pasting it)",
            context={"positions": controls},
        )
    odd = [i for i, ch in enumerate(text) if not (" " <= ch <= "~" or _is_latin_letter(ch))]
    if odd:
        raise InvalidField(
            f"characters the site does not accept at {describe_positions(text, odd)}",
            field=field,
            hint="use plain letters, digits and ASCII punctuation (e.g. EUR for €, no emoji)",
            context={"positions": odd, "characters": "".join(text[i] for i in odd)},
        )
    check_length(text, limits)
    if text[-1] not in _ENDINGS:
        raise InvalidField(
            'does not end with ".", "!" or "?"',
            field=field,
            hint="the site refuses unfinished messages: end the last sentence",
        )


def check_length(text: str, limits: MessageLimits) -> None:
    """Refuse a message shorter or longer than the site takes (`InvalidField`)."""
    length = len(text)
    least, most = limits.min_chars, limits.max_chars
    if length < least:
        what = "empty" if not length else f"too short ({length} characters)"
        raise InvalidField(
            what,
            field="message",
            hint=f"the site needs {least} to {most} characters: "
            "describe the problem in a sentence or two",
            context={"length": length},
        )
    if length > most:
        raise InvalidField(
            f"too long ({length} characters)",
            field="message",
            hint=f"the site takes at most {most} characters: shorten it",
            context={"length": length},
        )
