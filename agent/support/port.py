"""What the conversation sees of a chat, and what it can do in it: the `ChatPort` protocol.

`agent.support.page.ChatPage` implements it over a Playwright page with the profile's selectors;
tests implement it over the bundled storefront's chat desk on a fake clock. Nothing here knows a
selector or a site text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "ChatLine",
    "ChatPhase",
    "ChatPort",
    "ChatState",
    "OutgoingImage",
    "SendRefused",
    "Sender",
]

#: Where a chat is: not started yet, waiting in the queue, open, over (closed by the operator or
#: dropped for inactivity), or support offline.
ChatPhase = Literal["starting", "queued", "open", "closed", "dropped", "offline"]
Sender = Literal["operator", "customer"]


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One message as the chat shows it."""

    sender: Sender
    text: str
    #: The time the chat shows beside the message, as shown (when the profile names it).
    shown_at: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        """Its identity when the page is rebuilt: sender, text and the time shown."""
        return (self.sender, self.text, self.shown_at or "")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatState:
    """The chat as read now: its phase and the messages that appeared since the last read."""

    phase: ChatPhase
    #: The new messages, in order, each once.
    lines: tuple[ChatLine, ...] = ()
    queue_position: int | None = None
    operator_typing: bool = False
    #: The case number the page shows on its own, if it does.
    case_number: str | None = None
    #: The offline or closed notice, as shown.
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingImage:
    """An image to attach: its name as the chat will show it, its type and its bytes."""

    name: str
    mime_type: str
    data: bytes
    #: Where it comes from, relative to the run folder.
    source: str


class SendRefused(Exception):
    """The chat did not take a message; ``str(error)`` is what it said (or why it is unknown)."""


class ChatPort(Protocol):
    """A support chat the conversation drives."""

    async def start(self) -> None:
        """Start a chat (or resume the one in progress)."""
        ...

    async def read(self) -> ChatState:
        """The chat now, with the messages that appeared since the last read (each once,
        recognised by identity, never by position: a chat may show only its last messages)."""
        ...

    async def send(self, text: str) -> None:
        """Send a text message; raise SendRefused when the chat does not take it."""
        ...

    async def attach(self, images: Sequence[OutgoingImage], text: str) -> None:
        """Send images with a text, as one message; raise SendRefused when refused."""
        ...

    async def snapshot(self, name: str) -> str | None:
        """A screenshot of the chat; its path relative to the run folder, or None."""
        ...
