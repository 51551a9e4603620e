"""Server-side validation of a dispute form, as the real site does it (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = [
    "HIDDEN_CHARACTERS",
    "MAX_BODY_BYTES",
    "MAX_FILES",
    "MAX_PHOTO_BYTES",
    "MAX_VIDEO_BYTES",
    "REASONS",
    "AcceptedDispute",
    "DisputeForm",
    "Refused",
    "Upload",
    "file_kind",
    "strip_non_latin_letters",
    "validate",
    "validate_response",
]

MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_FILES = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_VIDEO_BYTES = 20 * 1024 * 1024
MESSAGE_MIN = 10
MESSAGE_MAX = 2000

REASONS: Mapping[str, Mapping[str, str]] = {
    "no": {
        "not_received": "Item not received",
        "returned_to_sender": "Package returned to sender",
        "in_transit_too_long": "Package in transit for too long",
        "held_at_customs": "Package held at customs",
        "no_tracking": "No tracking information",
        "wrong_address": "Shipped to the wrong address",
    },
    "yes": {
        "not_as_described": "Item not as described",
        "poor_quality": "Poor quality",
        "does_not_work": "Item does not work",
        "counterfeit": "Counterfeit item",
        "empty_parcel": "Empty parcel",
        "wrong_quantity": "Wrong quantity",
        "damaged": "Item damaged",
        "wrong_item": "Wrong item sent",
    },
}

HIDDEN_CHARACTERS = frozenset("\u00a0\u200b\u200c\u200d\u2060\ufeff\u2018\u2019\u201c\u201d")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_VIDEO_ATOMS = (b"ftyp", b"moov", b"wide", b"mdat")


class Refused(Exception):
    """A submission the site refuses; ``str(error)`` is the message shown in ``form-error``."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file: its name as sent and its content."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeForm:
    """The submitted fields, as strings (empty when missing)."""

    received: str = ""
    reason: str = ""
    solution: str = ""
    refund: str = ""
    amount: str = ""
    message: str = ""
    files: Sequence[Upload] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptedDispute:
    """A dispute that passed validation, normalised for the store."""

    received: str
    reason: str
    solution: str
    refund: str
    amount: str
    message: str
    files: tuple[str, ...]


def file_kind(content: bytes) -> Literal["photo", "video"] | None:
    """Judge a file by its first bytes: JPEG/PNG are photos, MP4/MOV are videos."""
    if content.startswith((b"\xff\xd8\xff", b"\x89PNG")):
        return "photo"
    if content[4:8] in _VIDEO_ATOMS:
        return "video"
    return None


def strip_non_latin_letters(text: str) -> str:
    """Drop letters of any script but Latin (what the real site silently does)."""
    return "".join(
        ch
        for ch in text
        if not unicodedata.category(ch).startswith("L")
        or unicodedata.name(ch, "").startswith("LATIN")
    )


def _amount(refund: str, raw: str, total: Decimal) -> str:
    if refund == "full":
        return f"{total:.2f}"
    text = raw.strip()
    if not _AMOUNT.fullmatch(text) or Decimal(text) <= 0:
        raise Refused("Please enter a valid amount")
    if Decimal(text) > total:
        raise Refused("The amount cannot exceed the order total")
    return f"{Decimal(text):.2f}"


def _message(raw: str) -> str:
    if any(ch in HIDDEN_CHARACTERS for ch in raw):
        raise Refused("Your message contains unsupported characters")
    text = raw.strip()
    if not MESSAGE_MIN <= len(text) <= MESSAGE_MAX:
        raise Refused(f"Your message must be {MESSAGE_MIN} to {MESSAGE_MAX} characters long")
    if not text.endswith((".", "!", "?")):
        raise Refused("Please complete your message")
    return strip_non_latin_letters(text)


def _kinds(files: Sequence[Upload]) -> set[str]:
    if len(files) > MAX_FILES:
        raise Refused("Too many files")
    kinds: set[str] = set()
    for upload in files:
        kind = file_kind(upload.content)
        if kind is None:
            raise Refused(f"Unsupported file format: {upload.name}")
        limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_VIDEO_BYTES
        if len(upload.content) > limit:
            raise Refused(f"File too large: {upload.name}")
        kinds.add(kind)
    return kinds


def validate(form: DisputeForm, *, total: Decimal) -> AcceptedDispute:
    """Check a dispute form against an order's total; raise Refused with the site's message."""
    if form.received not in REASONS:
        raise Refused("Please tell us whether you received the item")
    if form.reason not in REASONS[form.received]:
        raise Refused("Please choose a reason")
    solution = form.solution or "refund"
    if solution not in ("refund", "return"):
        raise Refused("Please choose a solution")
    refund = form.refund or "full"
    if refund not in ("full", "partial"):
        raise Refused("Please choose a full or a partial refund")
    amount = _amount(refund, form.amount, total)
    message = _message(form.message)
    kinds = _kinds(form.files)
    if form.received == "yes" and "photo" not in kinds:
        raise Refused("Please attach photos of the item")
    if form.reason == "does_not_work" and "video" not in kinds:
        raise Refused("Please attach a video showing the problem")
    return AcceptedDispute(
        received=form.received,
        reason=form.reason,
        solution=solution,
        refund=refund,
        amount=amount,
        message=message,
        files=tuple(upload.name for upload in form.files),
    )


def validate_response(message: str, files: Sequence[Upload]) -> tuple[str, tuple[str, ...]]:
    """Check the buyer's answer to the store (the message and the evidence again), as the
    dispute's message and files are checked; raise Refused with the site's message."""
    text = _message(message)
    _kinds(files)
    return text, tuple(upload.name for upload in files)
