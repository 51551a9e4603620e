"""The support chat's words and rules: the scripted operator, the message rules, the image limits.

Pure functions and constants, no state and no time (mock_site/chat.py holds both). The texts are
part of the storefront's specification (docs/storefront.md, "Support chat"): the agent's profile
and the tests match on them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from mock_site.validation import file_kind, strip_non_latin_letters

__all__ = [
    "CHAT_HOURS",
    "CLOSED_TEXTS",
    "DEFAULT_FREE_QUESTION",
    "MAX_ATTACH_BODY_BYTES",
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "MAX_MESSAGE_CHARS",
    "MAX_SEND_BODY_BYTES",
    "OFFLINE_TEXT",
    "OPERATOR_NAME",
    "Image",
    "ImageRefused",
    "Reaction",
    "Step",
    "case_texts",
    "check_images",
    "greeting",
    "react",
]

Step = Literal["order", "screenshots", "question", "done"]

OPERATOR_NAME = "Anna"
MAX_MESSAGE_CHARS = 300  # longer (after trimming spaces): "Please keep your messages short."
MAX_IMAGES = 5  # per attachment message
MAX_IMAGE_BYTES = 3 * 1024 * 1024  # per image
MAX_SEND_BODY_BYTES = 64 * 1024  # a text message's request body; over it: 413
MAX_ATTACH_BODY_BYTES = 20 * 1024 * 1024  # an attachment request's body; over it: 413

CHAT_HOURS = "Monday to Friday, 9:00 to 18:00 (UTC+8)"
OFFLINE_TEXT = f"Our support team is offline. Chat hours: {CHAT_HOURS}. Please come back later."
CLOSED_TEXTS = {
    "resolved": "The operator closed the chat",
    "inactivity": "The chat was closed due to inactivity",
}
DEFAULT_FREE_QUESTION = "When did you first see the error?"

GREETING = f"Hello, my name is {OPERATOR_NAME}. Thank you for contacting MockMart support."
ASK_ORDER = "Please tell me your order number."
ORDER_NOT_FOUND = (
    "Sorry, I cannot find this order. Could you please send the order number from your order page?"
)
ASK_SCREENSHOTS = "Thank you. Please send screenshots of the error."
SCREENSHOTS_PLEASE = "Please attach screenshots of the error."
GOT_SCREENSHOTS = "Thank you for the screenshots."
WRITE_IN_ENGLISH = "Please write in English."
KEEP_IT_SHORT = "Please keep your messages short."
GOODBYE = "Thank you for contacting MockMart support. Goodbye!"

_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Reaction:
    """What the operator answers to one customer message, and where the script goes next.

    ``order_id`` is the order the message named (at the order step); ``closes`` says the answer
    ends with the case number and the goodbye.
    """

    texts: tuple[str, ...]
    step: Step
    order_id: str | None = None
    closes: bool = False


def greeting() -> tuple[str, ...]:
    """The operator's first messages once they join: hello, then the order number question."""
    return (GREETING, ASK_ORDER)


def case_texts(case_number: str) -> tuple[str, str]:
    """The closing messages: the case number, then goodbye (the chat closes after it)."""
    return (
        f"Thank you. Your case number is {case_number}. Our team will contact you by email.",
        GOODBYE,
    )


def _question_or_close(question: str | None, first: str) -> Reaction:
    if question:
        return Reaction((first, question), "question")
    return Reaction((first,), "done", closes=True)


def react(
    step: Step,
    *,
    text: str,
    images: int,
    order_ids: Collection[str],
    question: str | None,
) -> Reaction | None:
    """The operator's answer to one customer message at ``step``; None once the script is done.

    A text that is not English (any non-Latin letter) or too long gets its rule's answer and the
    script stays where it is; otherwise the step decides. ``question`` is the free question, or
    None when the script has none.
    """
    if step == "done":
        return None
    words = text.strip()
    if words and strip_non_latin_letters(words) != words:
        return Reaction((WRITE_IN_ENGLISH,), step)
    if len(words) > MAX_MESSAGE_CHARS:
        return Reaction((KEEP_IT_SHORT,), step)
    if step == "order":
        named = next((n for n in _NUMBER.findall(words) if n in order_ids), None)
        if named is not None:
            return Reaction((ASK_SCREENSHOTS,), "screenshots", order_id=named)
        return Reaction((ORDER_NOT_FOUND if words else ASK_ORDER,), step)
    if step == "screenshots":
        if images:
            return _question_or_close(question, GOT_SCREENSHOTS)
        return Reaction((SCREENSHOTS_PLEASE,), step)
    # the free question: any English answer will do
    if words:
        return Reaction((), "done", closes=True)
    return Reaction((question or DEFAULT_FREE_QUESTION,), step)


# -- attachments ----------------------------------------------------------------------------


class ImageRefused(Exception):
    """An attachment the chat refuses; ``str(error)`` is the message the page shows."""


@dataclass(frozen=True, slots=True)
class Image:
    """One accepted image: its name as sent, its type judged by content, its size in bytes."""

    name: str
    type: str
    size: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"name": self.name, "type": self.type, "size": self.size}


def check_images(files: Sequence[tuple[str, bytes]]) -> tuple[Image, ...]:
    """Judge ``(name, content)`` pairs: JPEG/PNG by content, count and size limits, in that order.

    Raise ImageRefused with the first failure.
    """
    if not files:
        raise ImageRefused("Please choose an image to send")
    if len(files) > MAX_IMAGES:
        raise ImageRefused(f"You can send at most {MAX_IMAGES} images at a time")
    images = []
    for name, content in files:
        if file_kind(content) != "photo":
            raise ImageRefused(f"Only JPEG and PNG images can be sent: {name}")
        if len(content) > MAX_IMAGE_BYTES:
            limit_mb = MAX_IMAGE_BYTES // (1024 * 1024)
            raise ImageRefused(f"Image too large (at most {limit_mb} MB): {name}")
        kind = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
        images.append(Image(name, kind, len(content)))
    return tuple(images)
