"""The dispute request and its pre-flight: check and normalise everything before a browser starts.

The storefront (docs/storefront.md) silently drops non-Latin letters from the message, refuses
hidden characters and typographic quotes, wants a final ``.``/``!``/``?``, a decimal point in the
amount and evidence files whose *content* is JPEG/PNG or MP4/MOV. Every one of those rules is
anticipated here by pure functions (no browser, no network): a bad request fails in a second with
one line saying what to fix (`InvalidField`, `InvalidEvidence`, `InvalidConfig`; exit 2) instead of
after a browser run, and what can be fixed without changing the meaning is fixed and reported as a
`Normalisation`.

Choices made here (the storefront leaves them open):

- Message characters: printable ASCII plus Latin letters (Unicode name ``LATIN …``: é, ñ, ß, ø)
  are accepted. Other letters (Cyrillic, Greek, CJK, Arabic, …) are refused with their positions,
  since the site would silently drop them; any other non-ASCII character (€, °, emoji, a combining
  accent left after NFC) and any control character is refused too. Positions are 0-based offsets
  in the message *as checked*, i.e. after `normalise_message`.
- Whitespace: tabs and line breaks count as whitespace; every run becomes one space, so the
  message is one paragraph.
- Amounts: a currency sign or code is dropped (the amount is taken in the order's currency);
  ``5,30`` becomes ``5.30``; anything that may hold a thousands separator (``1,234``, ``1.234,56``,
  ``1,234.56``, ``1 234``) is refused, asking for ``1234.00``; more than two written decimals
  (``5.300`` included) are refused. The result is quantized to cents, so ``f"{amount:.2f}"`` is what
  the form gets.
- Evidence: the content decides the format (magic bytes), and the name must agree with it (a PNG
  named ``.jpg`` is refused, asking to rename it), except that MP4 and MOV, one container, may
  carry either extension. HEIC/AVIF images (``ftyp`` brands of their own) are named as such and
  refused unless the rules allow them. Empty files, folders, FIFOs and broken links are refused
  before anything is opened, so a FIFO never blocks the check.
- ``received``, ``reason``, ``solution`` and ``refund`` are matched after trimming and lower-casing.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar, cast

from agent.errors import InvalidConfig, InvalidEvidence, InvalidField, InvalidRequest

__all__ = [
    "MESSAGE_MAX_CHARS",
    "MESSAGE_MIN_CHARS",
    "NOT_RECEIVED_REASONS",
    "RECEIVED_REASONS",
    "REFUNDS",
    "REQUEST_KEYS",
    "SOLUTIONS",
    "DisputeRequest",
    "EvidenceFile",
    "EvidenceKind",
    "EvidenceRules",
    "Normalisation",
    "PreparedRequest",
    "RefundKind",
    "Solution",
    "build_request",
    "check_evidence",
    "check_message",
    "load_request_toml",
    "normalise_amount",
    "normalise_message",
    "request_from_mapping",
    "sniff_format",
]

Solution = Literal["refund", "return"]
RefundKind = Literal["full", "partial"]
EvidenceKind = Literal["photo", "video"]

#: Reason codes when the item was not received, in the order the site lists them.
NOT_RECEIVED_REASONS: tuple[str, ...] = (
    "not_received",
    "returned_to_sender",
    "in_transit_too_long",
    "held_at_customs",
    "no_tracking",
    "wrong_address",
)
#: Reason codes when the item was received, in the order the site lists them.
RECEIVED_REASONS: tuple[str, ...] = (
    "not_as_described",
    "poor_quality",
    "does_not_work",
    "counterfeit",
    "empty_parcel",
    "wrong_quantity",
    "damaged",
    "wrong_item",
)
SOLUTIONS: tuple[Solution, ...] = ("refund", "return")
REFUNDS: tuple[RefundKind, ...] = ("full", "partial")
#: The message length the site accepts, in characters, after normalisation.
MESSAGE_MIN_CHARS = 10
MESSAGE_MAX_CHARS = 2000
#: The keys of a request TOML file (and of ``[request]`` in scenarios and batch files).
REQUEST_KEYS: tuple[str, ...] = (
    "order_id",
    "received",
    "reason",
    "solution",
    "refund",
    "amount",
    "message",
    "evidence",
)
_REQUIRED_KEYS = ("order_id", "received", "reason", "message")

#: Values longer than this are left out of a Normalisation's one-line text.
_SHORT = 24
_KIB = 1024
_MIB = 1024 * 1024
_CENTS = Decimal("0.01")
_ORDER_ID_MAX = 64


# --- the records --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Normalisation:
    """One change the pre-flight made to a field, so the log and the result can say what changed.

    *what* is a stable description of the kind of change. For a character replaced or removed,
    *before* is that character and *after* its replacement ("" when removed); for a change to the
    whole value (whitespace, final period, currency, decimal comma), they are the whole values.
    """

    field: str
    what: str
    before: str
    after: str

    def __str__(self) -> str:
        """One line for logs and reports: the field, the change, and short values."""
        if max(len(self.before), len(self.after)) > _SHORT:
            return f"{self.field}: {self.what}"
        return f"{self.field}: {self.what} ({_quote(self.before)} -> {_quote(self.after)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeRequest:
    """One dispute to open, as the form will receive it (build it with `build_request`)."""

    order_id: str
    received: bool
    reason: str
    solution: Solution = "refund"
    refund: RefundKind = "full"
    #: The amount claimed, in the order's currency, for a partial refund only.
    amount: Decimal | None = None
    message: str
    evidence: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRules:
    """What a storefront accepts as evidence; the defaults are the bundled storefront's.

    Photos are optional when the item was not received.
    """

    #: Formats judged by content: any of the names `sniff_format` returns.
    photo_formats: tuple[str, ...] = ("jpeg", "png")
    video_formats: tuple[str, ...] = ("mp4", "mov")
    max_files: int = 6
    max_photo_bytes: int = 5 * _MIB
    max_video_bytes: int = 20 * _MIB
    #: At least one photo when the item was received.
    photos_required_when_received: bool = True
    #: Reasons that need a video showing the problem.
    video_required_reasons: tuple[str, ...] = ("does_not_work",)

    def __post_init__(self) -> None:
        for key in ("photo_formats", "video_formats", "video_required_reasons"):
            value = getattr(self, key)
            if not isinstance(value, tuple | list) or not all(isinstance(v, str) for v in value):
                raise _rules_error(key, f"must be a list of strings, not {_type_name(value)}", "")
            object.__setattr__(self, key, tuple(value))  # a list from TOML becomes a tuple
        for key in ("photo_formats", "video_formats"):
            for name in getattr(self, key):
                if name not in _FORMATS:
                    raise _rules_error(
                        key,
                        f'names an unknown format "{name}"',
                        _suggest(name, _FORMATS) + f"known formats: {', '.join(_FORMATS)}",
                    )
        both = set(self.photo_formats) & set(self.video_formats)
        if both:
            raise _rules_error(
                "video_formats",
                f"repeats photo formats ({', '.join(sorted(both))})",
                "a format is either a photo or a video",
            )
        for key in ("max_files", "max_photo_bytes", "max_video_bytes"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _rules_error(key, f"must be a whole number of 1 or more, not {value!r}", "")
        if not isinstance(self.photos_required_when_received, bool):
            value = self.photos_required_when_received
            raise _rules_error(
                "photos_required_when_received", f"must be true or false, not {value!r}", ""
            )
        for reason in self.video_required_reasons:
            if reason not in _ALL_REASONS:
                raise _rules_error(
                    "video_required_reasons",
                    f'names an unknown reason "{reason}"',
                    _suggest(reason, _ALL_REASONS) + f"reasons: {', '.join(_ALL_REASONS)}",
                )


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """An evidence file that passed the checks: its path, its kind (by content) and its size."""

    path: Path
    kind: EvidenceKind
    size: int


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request that passed the pre-flight, with what was normalised and the checked files."""

    request: DisputeRequest
    normalisations: tuple[Normalisation, ...] = ()
    evidence: tuple[EvidenceFile, ...] = ()


_ALL_REASONS = NOT_RECEIVED_REASONS + RECEIVED_REASONS


def _rules_error(key: str, what: str, hint: str) -> InvalidConfig:
    return InvalidConfig(
        f"evidence.{key} {what}", key=f"evidence.{key}", hint=hint or "fix the profile's [evidence]"
    )


# --- showing user text in one line --------------------------------------------------------------


def _codes(text: str) -> str:
    return " ".join(f"U+{ord(ch):04X}" for ch in text)


def _quote(text: str) -> str:
    """Return *text* in double quotes, or as U+XXXX codes when any of it would not show."""
    if all(ch.isprintable() for ch in text):
        return f'"{text}"'
    return _codes(text)


def _runs(text: str, positions: list[int], *, limit: int = 3) -> str:
    """Describe *positions* of *text* as runs: ``0-5 ("Привет"), 9 ("ж")``, at most *limit*."""
    runs: list[tuple[int, int]] = []
    for pos in positions:
        if runs and runs[-1][1] == pos - 1:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    shown = [
        f"{start} ({_quote(text[start])})"
        if start == end
        else f"{start}-{end} ({_quote(text[start : end + 1])})"
        for start, end in runs[:limit]
    ]
    if len(runs) > limit:
        shown.append(f"and {len(runs) - limit} more")
    word = "position" if len(positions) == 1 else "positions"
    return f"{word} {', '.join(shown)}"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]}? " if close else ""


def _type_name(value: object) -> str:
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


# --- the message --------------------------------------------------------------------------------

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


def check_message(text: str) -> None:
    """Refuse a message the site would drop letters from, refuse or mangle (`InvalidField`).

    Checked in this order: non-Latin letters, control characters, other characters outside
    printable ASCII and Latin letters, length (`MESSAGE_MIN_CHARS`..`MESSAGE_MAX_CHARS`), the final
    ``.``/``!``/``?``. Pass the message through `normalise_message` first.
    """
    field = "message"
    foreign = [
        i
        for i, ch in enumerate(text)
        if unicodedata.category(ch).startswith("L") and not _is_latin_letter(ch)
    ]
    if foreign:
        scripts = ", ".join(dict.fromkeys(_script(text[i]) for i in foreign))
        raise InvalidField(
            f"non-Latin letters ({scripts}) at {_runs(text, foreign)}",
            field=field,
            hint="the site accepts English only and silently drops other letters: "
            "write the message in English",
            context={"positions": foreign, "characters": "".join(text[i] for i in foreign)},
        )
    controls = [i for i, ch in enumerate(text) if unicodedata.category(ch) == "Cc"]
    if controls:
        raise InvalidField(
            f"control characters at {_runs(text, controls)}",
            field=field,
            hint="remove them (type the message rather than pasting it)",
            context={"positions": controls},
        )
    odd = [i for i, ch in enumerate(text) if not (" " <= ch <= "~" or _is_latin_letter(ch))]
    if odd:
        raise InvalidField(
            f"characters the site does not accept at {_runs(text, odd)}",
            field=field,
            hint="use plain letters, digits and ASCII punctuation (e.g. EUR for €, no emoji)",
            context={"positions": odd, "characters": "".join(text[i] for i in odd)},
        )
    length = len(text)
    if length < MESSAGE_MIN_CHARS:
        what = "empty" if not length else f"too short ({length} characters)"
        raise InvalidField(
            what,
            field=field,
            hint=f"the site needs {MESSAGE_MIN_CHARS} to {MESSAGE_MAX_CHARS} characters: "
            "describe the problem in a sentence or two",
            context={"length": length},
        )
    if length > MESSAGE_MAX_CHARS:
        raise InvalidField(
            f"too long ({length} characters)",
            field=field,
            hint=f"the site takes at most {MESSAGE_MAX_CHARS} characters: shorten it",
            context={"length": length},
        )
    if text[-1] not in _ENDINGS:
        raise InvalidField(
            'does not end with ".", "!" or "?"',
            field=field,
            hint="the site refuses unfinished messages: end the last sentence",
        )


# --- the amount ---------------------------------------------------------------------------------

_CURRENCY = r"(?:US\$|USD|EUR|GBP|RUB|RUR|[$€£₽¥])"
_AMOUNT_PARTS = re.compile(
    rf"(?P<sign>[+-]?)\s*(?P<pre>{_CURRENCY})?\s*(?P<body>.*?)\s*(?P<post>{_CURRENCY})?",
    re.IGNORECASE | re.DOTALL,
)
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_AMOUNT_EXAMPLE = "write it with a decimal point and no thousands separator, e.g. 5.30 or 1234.00"


def normalise_amount(raw: str) -> tuple[Decimal, list[Normalisation]]:
    """Return the refund amount in *raw* as a positive `Decimal` in cents, and each change made.

    A currency sign or code is removed and a decimal comma (``5,30``) becomes a point; anything
    ambiguous, not a number, not positive or with more than two decimals is refused
    (`InvalidField`).
    """
    field = "amount"
    shown = _quote(raw)
    changes: list[Normalisation] = []
    stripped = raw.strip()
    parts = _AMOUNT_PARTS.fullmatch(stripped)
    if not stripped or parts is None:
        raise InvalidField("empty", field=field, hint="give the amount to claim, e.g. 5.30")
    sign, body = parts["sign"], parts["body"]
    if parts["pre"] or parts["post"]:
        changes.append(Normalisation(field, "currency removed", stripped, sign + body))
    if any(ch.isspace() for ch in body):
        raise InvalidField(
            f"{shown} has spaces inside the number", field=field, hint=_AMOUNT_EXAMPLE
        )
    if "," in body and "." in body:
        raise InvalidField(
            f"{shown} is ambiguous (both a comma and a point)", field=field, hint=_AMOUNT_EXAMPLE
        )
    if "," in body:
        if not _DECIMAL_COMMA.fullmatch(body):
            raise InvalidField(
                f"{shown} is ambiguous (a thousands separator or a decimal comma?)",
                field=field,
                hint=_AMOUNT_EXAMPLE,
            )
        before, body = sign + body, sign + body.replace(",", ".")
        changes.append(Normalisation(field, "decimal comma replaced with a point", before, body))
        sign, body = "", body.lstrip("+-")
    if not _NUMBER.fullmatch(body):
        raise InvalidField(f"{shown} is not a number", field=field, hint=_AMOUNT_EXAMPLE)
    decimals = len(body.partition(".")[2])
    if decimals > 2:
        raise InvalidField(
            f"{shown} has {decimals} decimals",
            field=field,
            hint="the site takes cents at most: write e.g. 5.31 (and 1234.00, without separators)",
        )
    value = Decimal(sign + body)
    if value <= 0:
        raise InvalidField(
            f"{shown} is not more than 0",
            field=field,
            hint="give the amount to claim, e.g. 5.30 (for all of it, set refund to full)",
        )
    return value.quantize(_CENTS), changes


# --- evidence -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Format:
    label: str
    description: str
    extensions: tuple[str, ...]


#: Every format `sniff_format` recognises; the first extension is the one suggested in a rename.
_FORMATS: dict[str, _Format] = {
    "jpeg": _Format("JPEG", "a JPEG image", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "png": _Format("PNG", "a PNG image", (".png",)),
    "gif": _Format("GIF", "a GIF image", (".gif",)),
    "webp": _Format("WebP", "a WebP image", (".webp",)),
    "tiff": _Format("TIFF", "a TIFF image", (".tif", ".tiff")),
    "heic": _Format("HEIC", "a HEIC image", (".heic", ".heif")),
    "avif": _Format("AVIF", "an AVIF image", (".avif",)),
    "mp4": _Format("MP4", "an MP4 video", (".mp4", ".m4v", ".3gp")),
    "mov": _Format("MOV", "a QuickTime (MOV) video", (".mov", ".qt")),
    "m4a": _Format("M4A", "an M4A audio file", (".m4a",)),
    "webm": _Format("WebM", "a WebM or Matroska video", (".webm", ".mkv")),
    "avi": _Format("AVI", "an AVI video", (".avi",)),
    "pdf": _Format("PDF", "a PDF document", (".pdf",)),
    "zip": _Format("ZIP", "a ZIP archive or Office document", (".zip", ".docx", ".xlsx")),
}
_EXTENSIONS = {ext: name for name, fmt in _FORMATS.items() for ext in fmt.extensions}
#: MP4 and MOV share one container; either extension is accepted for either content.
_ONE_CONTAINER = frozenset({"mp4", "mov"})
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_QUICKTIME_ATOMS = frozenset({b"moov", b"wide", b"mdat", b"free", b"skip", b"pnot"})
_SNIFF_BYTES = 16


def sniff_format(head: bytes) -> str | None:
    """Return the format of a file from its first bytes (16 suffice), or None when unknown.

    JPEG ``FF D8 FF``; PNG ``89 50 4E 47 0D 0A 1A 0A``; MP4/MOV: ``ftyp`` at offset 4 (brand ``qt``
    is MOV; HEIC, AVIF and M4A brands are named as such), or a QuickTime atom (``moov``, ``wide``,
    ``mdat``, ``free``, ``skip``, ``pnot``) at offset 4; also GIF, WebP, TIFF, WebM, AVI, PDF, ZIP.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF":
        return {b"WEBP": "webp", b"AVI ": "avi"}.get(head[8:12])
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    box = head[4:8]
    if box == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "mov"
        if brand in _HEIC_BRANDS:
            return "heic"
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "m4a"
        return "mp4"
    if box in _QUICKTIME_ATOMS:
        return "mov"
    return None


def _labels(formats: Iterable[str]) -> str:
    names = [_FORMATS[f].label for f in formats]
    return " or ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} or {names[-1]}"


def _size(n: int) -> str:
    if n >= _MIB:
        return f"{n / _MIB:.1f}".removesuffix(".0") + " MiB"
    if n >= _KIB:
        return f"{n / _KIB:.0f} KiB"
    return f"{n} bytes"


_FILE_TYPES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _check_file(path: Path, rules: EvidenceRules) -> EvidenceFile:
    name = str(path)
    accepted = f"the site takes {_labels(rules.photo_formats)} photos"
    if rules.video_formats:
        accepted += f" and {_labels(rules.video_formats)} videos"
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InvalidEvidence(
                f"{name} is a broken symbolic link",
                path=path,
                hint="point it at the file, or give the file itself",
            ) from None
        raise InvalidEvidence(
            f"{name} does not exist", path=path, hint="check the path and the current folder"
        ) from None
    except OSError as exc:
        raise InvalidEvidence(
            f"{name} cannot be reached ({exc.strerror or exc})",
            path=path,
            hint="check the path and its folders' permissions",
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidEvidence(
            f"{name} is a folder, not a file",
            path=path,
            hint="give the photo and video files inside it one by one",
        )
    if not stat.S_ISREG(info.st_mode):
        special = next((label for test, label in _FILE_TYPES if test(info.st_mode)), "special")
        raise InvalidEvidence(
            f"{name} is {special}, not a regular file", path=path, hint="give a photo or video file"
        )
    if info.st_size == 0:
        raise InvalidEvidence(
            f"{name} is empty", path=path, hint="attach the photo or video itself"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InvalidEvidence(
            f"{name} cannot be read ({exc.strerror or exc})",
            path=path,
            hint="check its permissions (chmod u+r)",
        ) from None
    found = sniff_format(head)
    named = _EXTENSIONS.get(path.suffix.lower())
    says = f", not {_FORMATS[named].description} as its name says" if named else ""
    if found is None:
        raise InvalidEvidence(
            f"{name} is not a photo or a video (its content is none of "
            f"{_labels((*rules.photo_formats, *rules.video_formats))})",
            path=path,
            hint=f"{accepted}: attach one of those",
        )
    if found not in rules.photo_formats and found not in rules.video_formats:
        raise InvalidEvidence(
            f"{name} holds {_FORMATS[found].description}{says}",
            path=path,
            hint=f"{accepted}: convert it",
            context={"format": found},
        )
    if named != found and not {named, found} <= _ONE_CONTAINER:
        what = f"{name} holds {_FORMATS[found].description}"
        what += says or " but its name does not say so"
        rename = path.with_suffix(_FORMATS[found].extensions[0]).name
        raise InvalidEvidence(
            what, path=path, hint=f"rename it {rename}", context={"format": found}
        )
    kind: EvidenceKind = "photo" if found in rules.photo_formats else "video"
    limit = rules.max_photo_bytes if kind == "photo" else rules.max_video_bytes
    if info.st_size > limit:
        size, most = _size(info.st_size), _size(limit)
        if size == most:
            size, most = f"{info.st_size} bytes", f"{limit} bytes ({most})"
        raise InvalidEvidence(
            f"{name} is {size}",
            path=path,
            hint=f"{kind}s may be at most {most}: resize or compress it",
            context={"size": info.st_size, "limit": limit},
        )
    return EvidenceFile(path=path, kind=kind, size=info.st_size)


def check_evidence(
    paths: Iterable[str | os.PathLike[str]],
    *,
    received: bool,
    reason: str,
    rules: EvidenceRules | None = None,
) -> list[EvidenceFile]:
    """Check the evidence files as the site will, by content, and return them (`InvalidEvidence`).

    Each file must exist, be a regular readable file whose content is an accepted photo or video
    format that its name agrees with, within the size limit of its kind; at most
    ``rules.max_files`` files, no file twice; a photo when *received* (unless the rules say
    otherwise), a video for the reasons in ``rules.video_required_reasons``.
    """
    rules = rules if rules is not None else EvidenceRules()
    given = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    if len(given) > rules.max_files:
        raise InvalidEvidence(
            f"{len(given)} files given",
            hint=f"the site takes at most {rules.max_files}: keep those that show the problem best",
            context={"count": len(given), "max_files": rules.max_files},
        )
    files: list[EvidenceFile] = []
    seen: dict[Path, Path] = {}
    for path in given:
        if not str(path) or path == Path():
            raise InvalidEvidence("an empty file name", hint="give the path of each file")
        checked = _check_file(path, rules)
        key = path.resolve()
        if key in seen:
            raise InvalidEvidence(f"{path} is given twice", path=path, hint="give each file once")
        seen[key] = path
        files.append(checked)
    kinds = {f.kind for f in files}
    if received and rules.photos_required_when_received and "photo" not in kinds:
        raise InvalidEvidence(
            "no photo attached",
            hint=f"the site needs at least one photo ({_labels(rules.photo_formats)}) "
            "of the item when it was received: attach one",
        )
    if reason in rules.video_required_reasons and "video" not in kinds:
        raise InvalidEvidence(
            "no video attached",
            hint=f"the reason {reason} needs a video ({_labels(rules.video_formats)}) "
            "showing the problem: attach one",
        )
    return files


# --- the whole request --------------------------------------------------------------------------

_ORDER_ID = re.compile(r"[A-Za-z0-9-]+")
_YES_NO = {"yes": True, "no": False}
_SOLUTION_VALUES: dict[str, Solution] = {s: s for s in SOLUTIONS}
_REFUND_VALUES: dict[str, RefundKind] = {r: r for r in REFUNDS}


def _order_id(raw: object, changes: list[Normalisation]) -> str:
    if not isinstance(raw, str):
        raise InvalidField(
            f"must be text, not {_type_name(raw)}",
            field="order_id",
            hint="give the order number shown on the order page, e.g. 1002",
        )
    value = raw.strip()
    if value != raw:
        changes.append(Normalisation("order_id", "surrounding whitespace trimmed", raw, value))
    if not value:
        raise InvalidField(
            "empty",
            field="order_id",
            hint="give the order number shown on the order page, e.g. 1002",
        )
    if not _ORDER_ID.fullmatch(value) or len(value) > _ORDER_ID_MAX:
        raise InvalidField(
            f"{_quote(value)} is not an order number",
            field="order_id",
            hint=f"an order number has only letters, digits and dashes (at most {_ORDER_ID_MAX}): "
            "copy it from the order page",
        )
    return value


def _received(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _YES_NO:
        return _YES_NO[raw.strip().lower()]
    shown = _quote(raw) if isinstance(raw, str) else _type_name(raw)
    raise InvalidField(
        f"must be yes or no, not {shown}",
        field="received",
        hint="say whether the item arrived: yes or no",
    )


def _reason(raw: object, *, received: bool) -> str:
    expected, other = (
        (RECEIVED_REASONS, NOT_RECEIVED_REASONS)
        if received
        else (NOT_RECEIVED_REASONS, RECEIVED_REASONS)
    )
    answer = "yes" if received else "no"
    choices = f"reasons when received is {answer}: {', '.join(expected)}"
    if not isinstance(raw, str):
        raise InvalidField(
            f"must be a reason code, not {_type_name(raw)}", field="reason", hint=choices
        )
    value = raw.strip().lower()
    if value in expected:
        return value
    if value in other:
        flipped = "no" if received else "yes"
        raise InvalidField(
            f"{value} is a reason for received = {flipped}, but received is {answer}",
            field="reason",
            hint=f"set received to {flipped}, or use one of the {choices}",
        )
    raise InvalidField(
        f"unknown code {_quote(raw)}", field="reason", hint=_suggest(value, expected) + choices
    )


_T = TypeVar("_T", bound=str)


def _choice(field: str, raw: object, values: Mapping[str, _T]) -> _T:
    if isinstance(raw, str) and raw.strip().lower() in values:
        return values[raw.strip().lower()]
    shown = _quote(raw) if isinstance(raw, str) else _type_name(raw)
    raise InvalidField(
        f"must be {' or '.join(values)}, not {shown}",
        field=field,
        hint=f"use {' or '.join(values)}",
    )


def _amount(raw: object, *, refund: RefundKind, changes: list[Normalisation]) -> Decimal | None:
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if raw is None:
        if refund == "partial":
            raise InvalidField(
                "missing",
                field="amount",
                hint="refund is partial: give the amount to claim, e.g. 5.30",
            )
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise InvalidField(
            f"must be a number, not {_type_name(raw)}",
            field="amount",
            hint="give the amount to claim, e.g. 5.30",
        )
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, Decimal):
        text = format(raw, "f")
    else:
        text = repr(raw)  # the shortest form: 5.3 -> "5.3"
    if refund == "full":
        raise InvalidField(
            f"{_quote(text.strip())} given but refund is full",
            field="amount",
            hint="remove the amount, or set refund to partial",
        )
    value, fixes = normalise_amount(text)
    changes.extend(fixes)
    return value


def build_request(
    *,
    order_id: str,
    received: bool | str,
    reason: str,
    solution: str | None = "refund",
    refund: str | None = "full",
    amount: str | int | float | Decimal | None = None,
    message: str,
    evidence: Iterable[str | os.PathLike[str]] | None = (),
    rules: EvidenceRules | None = None,
) -> PreparedRequest:
    """Check and normalise a request given as raw values (flags, TOML) and return it prepared.

    Everything is checked, in field order: the order id (letters, digits, dashes), received
    (yes/no or a bool), the reason (known and matching received), solution and refund, the amount
    (required for a partial refund and refused for a full one), the message and the evidence.
    The first problem raises `InvalidField` or `InvalidEvidence`, one line naming the field.
    None for *solution*, *refund* or *evidence* (a flag not given) means the default.
    """
    changes: list[Normalisation] = []
    clean_id = _order_id(order_id, changes)
    got = _received(received)
    why = _reason(reason, received=got)
    chosen = _choice("solution", "refund" if solution is None else solution, _SOLUTION_VALUES)
    kind = _choice("refund", "full" if refund is None else refund, _REFUND_VALUES)
    value = _amount(amount, refund=kind, changes=changes)
    if not isinstance(message, str):
        raise InvalidField(
            f"must be text, not {_type_name(message)}",
            field="message",
            hint="describe the problem in English, in a sentence or two",
        )
    text, fixes = normalise_message(message)
    check_message(text)
    changes.extend(fixes)
    files = check_evidence(evidence or (), received=got, reason=why, rules=rules)
    request = DisputeRequest(
        order_id=clean_id,
        received=got,
        reason=why,
        solution=chosen,
        refund=kind,
        amount=value,
        message=text,
        evidence=tuple(f.path for f in files),
    )
    return PreparedRequest(request, tuple(changes), tuple(files))


#: What each request key may hold in TOML: the accepted types and how to say it.
_KEY_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "order_id": ((str, int), 'a string, e.g. order_id = "1002"'),
    "received": ((str, bool), 'yes or no, e.g. received = "yes"'),
    "reason": ((str,), 'a reason code, e.g. reason = "damaged"'),
    "solution": ((str,), 'refund or return, e.g. solution = "refund"'),
    "refund": ((str,), 'full or partial, e.g. refund = "partial"'),
    "amount": ((str, int, float), 'a number or a string, e.g. amount = "5.30"'),
    "message": ((str,), 'a string, e.g. message = "The item arrived broken."'),
    "evidence": ((list,), 'a list of file paths, e.g. evidence = ["photo.jpg"]'),
}


def request_from_mapping(
    data: Mapping[str, object],
    *,
    base_dir: str | os.PathLike[str] = ".",
    rules: EvidenceRules | None = None,
    source: str | None = None,
) -> PreparedRequest:
    """Check a request read from TOML (a request file, a scenario's or a batch's ``[request]``).

    The keys are exactly `REQUEST_KEYS`; unknown keys, missing required ones and wrong types are
    refused naming the key (`InvalidConfig`). Relative evidence paths are taken from *base_dir*.
    Errors carry *source* (a file name) in their context and first words.
    """

    def fail(what: str, key: str, hint: str) -> InvalidConfig:
        return InvalidConfig(what, key=key, source=source, hint=hint)

    for key in data:
        if key not in REQUEST_KEYS:
            keys = f"the keys are: {', '.join(REQUEST_KEYS)}"
            raise fail(
                f"unknown key {_quote(str(key))}", str(key), _suggest(str(key), REQUEST_KEYS) + keys
            )
    for key in _REQUIRED_KEYS:
        if key not in data:
            raise fail(f'missing key "{key}"', key, f"add it: {_KEY_TYPES[key][1]}")
    for key, value in data.items():
        types, expected = _KEY_TYPES[key]
        wrong = isinstance(value, bool) and bool not in types
        if wrong or not isinstance(value, types):
            raise fail(f'key "{key}" holds {_type_name(value)}', key, f"it takes {expected}")
    files = cast("list[object]", data.get("evidence", []))  # a list: checked above
    for item in files:
        if not isinstance(item, str) or not item:
            raise fail(
                f'key "evidence" holds {_type_name(item)} in its list',
                "evidence",
                f"it takes {_KEY_TYPES['evidence'][1]}",
            )
    base = Path(base_dir)
    try:
        return build_request(
            order_id=str(data["order_id"]),  # TOML may hold it as an integer: order_id = 1002
            received=cast("str | bool", data["received"]),
            reason=cast("str", data["reason"]),
            solution=cast("str", data.get("solution", "refund")),
            refund=cast("str", data.get("refund", "full")),
            amount=cast("str | int | float | None", data.get("amount")),
            message=cast("str", data["message"]),
            evidence=[base / Path(str(item)).expanduser() for item in files],
            rules=rules,
        )
    except InvalidRequest as err:
        if source is not None:
            err.context.setdefault("source", source)
        raise


def load_request_toml(
    path: str | os.PathLike[str], *, rules: EvidenceRules | None = None
) -> PreparedRequest:
    """Read a request TOML file and check it with `request_from_mapping`.

    Evidence paths are relative to the file's folder. A missing, unreadable, non-UTF-8 or
    corrupt file is refused naming it (`InvalidConfig`).
    """
    file = Path(path)
    source = str(file)
    try:
        data = tomllib.loads(file.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InvalidConfig(
            "no such file", source=source, hint="check the --request path"
        ) from None
    except IsADirectoryError:
        raise InvalidConfig(
            "is a folder, not a file", source=source, hint="give the request TOML file"
        ) from None
    except OSError as exc:
        raise InvalidConfig(
            f"cannot be read ({exc.strerror or exc})", source=source, hint="check its permissions"
        ) from None
    except UnicodeDecodeError:
        raise InvalidConfig("is not UTF-8 text", source=source, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(
            f"is not valid TOML ({exc})",
            source=source,
            hint="fix the syntax: one key = value per line, strings in quotes",
        ) from None
    return request_from_mapping(data, base_dir=file.parent, rules=rules, source=source)
