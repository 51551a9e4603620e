"""The support chat's state: each account's chats, the queue, the scripted operator's timing, drops.

Nothing runs in the background. A chat stores timestamps (when the queue ends, when each operator
message becomes visible, when the customer last wrote) and every call first brings the chat up to
the store's clock, in time order: the operator joins, pending messages appear, an inactivity
deadline that passed drops the chat (with the deadline as its time, however late the call comes).
So HTTP tests drive a fake clock and never sleep, and a browser sees the same in real time.

A :class:`ChatDesk` is skin-neutral: any storefront skin mounts mock_site/chat_routes.py on the
Store's desk (``Store.chats``) and renders its own page. The words and rules are in
mock_site/chat_script.py; docs/storefront.md ("Support chat") is the specification.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from mock_site.chat_script import (
    CLOSED_TEXTS,
    DEFAULT_FREE_QUESTION,
    OFFLINE_TEXT,
    OPERATOR_NAME,
    Image,
    Step,
    case_texts,
    greeting,
    react,
)
from mock_site.faults import ChatIdleMode, FaultPlan

__all__ = [
    "FIRST_CASE_NUMBER",
    "QUEUED_TEXT",
    "QUEUE_START_POSITION",
    "Chat",
    "ChatDesk",
    "ChatRefused",
    "ChatSettings",
    "ChatStatus",
    "Message",
]

ChatStatus = Literal["queued", "open", "closed", "dropped", "offline"]
Sender = Literal["customer", "operator"]
RefusalKind = Literal["no_chat", "queued", "closed", "offline"]

QUEUE_START_POSITION = 5  # the position shown at once; it falls evenly to 1 over chat_queue_s
FIRST_CASE_NUMBER = 100001  # CASE-100001, CASE-100002, ... after each reset
QUEUED_TEXT = "Please wait for an operator to join the chat."
NO_CHAT_TEXT = "Please start a chat first."


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatSettings:
    """The fault plan's chat keys, fixed for a chat when it starts."""

    idle_s: float = 180.0
    idle_mode: ChatIdleMode = "turn"
    operator_delay_s: float = 2.0
    queue_s: float = 5.0
    offline: bool = False
    free_question: str | None = None

    @classmethod
    def from_plan(cls, plan: FaultPlan) -> ChatSettings:
        """The chat keys of a plan (``chat_free_question = true`` is the default question)."""
        question = plan.chat_free_question
        return cls(
            idle_s=plan.chat_idle_s,
            idle_mode=plan.chat_idle_mode,
            operator_delay_s=plan.chat_operator_delay_s,
            queue_s=plan.chat_queue_s,
            offline=plan.chat_offline,
            free_question=DEFAULT_FREE_QUESTION if question is True else (question or None),
        )


class ChatRefused(Exception):
    """A message the chat does not take (``kind``): no chat, still queued, closed or offline."""

    def __init__(self, kind: RefusalKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Message:
    """One message as shown: ``at`` is on the store's clock."""

    n: int
    sender: Sender
    text: str
    at: float
    images: tuple[Image, ...] = ()


@dataclass(slots=True)
class _Pending:
    """An operator message that becomes visible at ``at``."""

    at: float
    text: str
    case_number: str | None = None
    closes: bool = False


@dataclass(slots=True, kw_only=True)
class Chat:
    """One chat; mutable, only ever touched under the desk's lock."""

    chat_id: str
    account: str
    settings: ChatSettings
    started_at: float
    started_wall: float
    status: ChatStatus
    open_at: float
    step: Step = "order"
    messages: list[Message] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    last_customer_at: float | None = None
    order_id: str | None = None
    case_number: str | None = None
    closed_reason: Literal["resolved", "inactivity"] | None = None
    closed_at: float | None = None
    refused: list[tuple[float, str]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Whether the chat is waiting in the queue or open."""
        return self.status in ("queued", "open")


class ChatDesk:
    """Every chat since the last reset; thread-safe (one lock), time from the injected clocks."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        self.clock = clock
        self.wall_clock = wall_clock
        self._lock = threading.RLock()
        self._chats: list[Chat] = []
        self._next_case = FIRST_CASE_NUMBER

    def clear(self) -> None:
        """Forget every chat; chat ids and case numbers start again."""
        with self._lock:
            self._chats = []
            self._next_case = FIRST_CASE_NUMBER

    # -- what the customer does -------------------------------------------------------------

    def start(self, account: str, settings: ChatSettings) -> dict[str, object]:
        """Resume the account's queued or open chat, else start one; the page's view of it.

        When support is offline (and no chat is active) the attempt is recorded as an
        ``offline`` chat that takes no messages.
        """
        with self._lock:
            now = self.clock()
            chat = self._latest(account)
            if chat is not None:
                self._advance(chat, now)
            if chat is None or not chat.active:
                chat = Chat(
                    chat_id=f"CHAT-{len(self._chats) + 1:06d}",
                    account=account,
                    settings=settings,
                    started_at=now,
                    started_wall=self.wall_clock(),
                    status="offline" if settings.offline else "queued",
                    open_at=now + settings.queue_s,
                )
                self._chats.append(chat)
                self._advance(chat, now)
            return self._view(chat, now, 0, offline_now=settings.offline)

    def view(
        self, account: str, *, since: int = 0, chat_id: str | None = None, offline_now: bool
    ) -> dict[str, object]:
        """The account's latest chat as the page polls it: the messages from number ``since``.

        ``since`` counts from the start of the chat named ``chat_id``; for another chat (a new
        one started meanwhile) every message is sent. ``offline_now`` is the plan's
        ``chat_offline``, shown while no chat is active.
        """
        with self._lock:
            now = self.clock()
            chat = self._latest(account)
            if chat is None:
                return _none_view(offline_now)
            self._advance(chat, now)
            if chat_id is not None and chat_id != chat.chat_id:
                since = 0
            return self._view(chat, now, since, offline_now=offline_now)

    def send(
        self,
        account: str,
        *,
        text: str,
        images: Sequence[Image] = (),
        order_ids: Collection[str],
    ) -> Message:
        """Record a customer message in the open chat and schedule the operator's answer.

        ``order_ids`` are the account's orders (the script accepts a message naming one).
        Raise ChatRefused when there is no chat, it is still queued, over or offline.
        """
        with self._lock:
            now = self.clock()
            chat = self._writable(account, now)
            message = Message(len(chat.messages), "customer", text, now, tuple(images))
            chat.messages.append(message)
            chat.last_customer_at = now
            reaction = react(
                chat.step,
                text=text,
                images=len(images),
                order_ids=order_ids,
                question=chat.settings.free_question,
            )
            if reaction is not None:
                chat.step = reaction.step
                chat.order_id = reaction.order_id or chat.order_id
                case_number = self._new_case() if reaction.closes else None
                self._schedule(chat, reaction.texts, after=now, case_number=case_number)
            return message

    def refuse(self, account: str, message: str) -> None:
        """Note a refused attachment on the account's open chat (not a message: no activity)."""
        with self._lock:
            now = self.clock()
            chat = self._latest(account)
            if chat is not None:
                self._advance(chat, now)
                if chat.active:
                    chat.refused.append((now, message))

    def check_writable(self, account: str) -> None:
        """Raise ChatRefused unless the account's chat takes messages now."""
        with self._lock:
            self._writable(account, self.clock())

    # -- the control API ---------------------------------------------------------------------

    def transcripts(self) -> list[dict[str, object]]:
        """Every chat, oldest first, brought up to now (GET /__mock/chats)."""
        with self._lock:
            now = self.clock()
            rows = []
            for chat in self._chats:
                self._advance(chat, now)
                rows.append(_transcript(chat))
            return rows

    # -- the clockwork -----------------------------------------------------------------------

    def _latest(self, account: str) -> Chat | None:
        return next((c for c in reversed(self._chats) if c.account == account), None)

    def _writable(self, account: str, now: float) -> Chat:
        chat = self._latest(account)
        if chat is None:
            raise ChatRefused("no_chat", NO_CHAT_TEXT)
        self._advance(chat, now)
        if chat.status == "queued":
            raise ChatRefused("queued", QUEUED_TEXT)
        if chat.status == "offline":
            raise ChatRefused("offline", OFFLINE_TEXT)
        if chat.status != "open":
            raise ChatRefused("closed", CLOSED_TEXTS[chat.closed_reason or "resolved"])
        return chat

    def _new_case(self) -> str:
        number = f"CASE-{self._next_case}"
        self._next_case += 1
        return number

    def _schedule(
        self,
        chat: Chat,
        texts: Sequence[str],
        *,
        after: float,
        case_number: str | None = None,
    ) -> None:
        """Queue operator messages, one ``operator_delay_s`` after the other and after ``after``.

        The operator answers in order: a new answer starts after the last pending message.
        """
        at = max([after, *(p.at for p in chat.pending)])
        delay = chat.settings.operator_delay_s
        entries = [_Pending(0.0, text) for text in texts]
        if case_number is not None:
            case_text, goodbye = case_texts(case_number)
            entries += [_Pending(0.0, case_text, case_number=case_number)]
            entries += [_Pending(0.0, goodbye, closes=True)]
        for entry in entries:
            at += delay
            entry.at = at
            chat.pending.append(entry)

    def _idle_deadline(self, chat: Chat) -> float:
        """When the chat drops for inactivity unless the customer writes first (inf: never)."""
        settings = chat.settings
        last_customer = chat.last_customer_at if chat.last_customer_at is not None else -math.inf
        if settings.idle_mode == "always":
            return max(chat.open_at, last_customer) + settings.idle_s
        if chat.pending or chat.step == "done":
            return math.inf  # the operator's turn
        last_operator = max(
            (m.at for m in chat.messages if m.sender == "operator"), default=chat.open_at
        )
        return max(last_operator, last_customer) + settings.idle_s

    def _advance(self, chat: Chat, now: float) -> None:
        """Play every event due by ``now``, in time order, each at its own time."""
        while True:
            if chat.status == "queued":
                if chat.open_at > now:
                    return
                chat.status = "open"
                self._schedule(chat, greeting(), after=chat.open_at)
                continue
            if chat.status != "open":
                return
            due = chat.pending[0].at if chat.pending else math.inf
            deadline = self._idle_deadline(chat)
            if deadline <= now and deadline < due:
                chat.pending.clear()
                chat.status, chat.closed_reason, chat.closed_at = "dropped", "inactivity", deadline
                return
            if due > now:
                return
            entry = chat.pending.pop(0)
            chat.messages.append(Message(len(chat.messages), "operator", entry.text, entry.at))
            if entry.case_number is not None:
                chat.case_number = entry.case_number
            if entry.closes:
                chat.status, chat.closed_reason, chat.closed_at = "closed", "resolved", entry.at

    def _view(self, chat: Chat, now: float, since: int, *, offline_now: bool) -> dict[str, object]:
        queue = None
        if chat.status == "queued":
            left = chat.open_at - now
            position = max(1, math.ceil(QUEUE_START_POSITION * left / chat.settings.queue_s))
            queue = {"position": position, "waited_s": round(now - chat.started_at, 1)}
        offline = offline_now and not chat.active  # the hours, while support is offline
        return {
            "status": chat.status,
            "chat_id": chat.chat_id,
            "queue": queue,
            "operator": None if chat.status in ("queued", "offline") else OPERATOR_NAME,
            "operator_typing": chat.status == "open" and bool(chat.pending),
            "messages": [_message(chat, m) for m in chat.messages[max(since, 0) :]],
            "next": len(chat.messages),
            "case_number": chat.case_number,
            "closed": _closed(chat),
            "offline": OFFLINE_TEXT if offline else None,
        }


def _none_view(offline_now: bool) -> dict[str, object]:
    return {
        "status": "none",
        "chat_id": None,
        "queue": None,
        "operator": None,
        "operator_typing": False,
        "messages": [],
        "next": 0,
        "case_number": None,
        "closed": None,
        "offline": OFFLINE_TEXT if offline_now else None,
    }


def _closed(chat: Chat) -> dict[str, object] | None:
    if chat.closed_reason is None:
        return None
    return {"reason": chat.closed_reason, "text": CLOSED_TEXTS[chat.closed_reason]}


def _t(chat: Chat, at: float) -> float:
    """Seconds since the chat started."""
    return round(at - chat.started_at, 3)


def _iso(chat: Chat, at: float) -> str:
    wall = chat.started_wall + (at - chat.started_at)
    text = datetime.fromtimestamp(wall, tz=UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _message(chat: Chat, message: Message) -> dict[str, object]:
    return {
        "n": message.n,
        "sender": message.sender,
        "name": OPERATOR_NAME if message.sender == "operator" else "You",
        "text": message.text,
        "at": _iso(chat, message.at),
        "t": _t(chat, message.at),
        "attachments": [image.to_dict() for image in message.images],
    }


def _transcript(chat: Chat) -> dict[str, object]:
    settings = chat.settings
    return {
        "chat_id": chat.chat_id,
        "account": chat.account,
        "status": chat.status,
        "drop_reason": chat.closed_reason if chat.status == "dropped" else None,
        "closed_reason": chat.closed_reason,
        "closed_t": None if chat.closed_at is None else _t(chat, chat.closed_at),
        "case_number": chat.case_number,
        "order_id": chat.order_id,
        "started_at": _iso(chat, chat.started_at),
        "opened_t": None if chat.status in ("queued", "offline") else _t(chat, chat.open_at),
        "settings": {
            "idle_s": settings.idle_s,
            "idle_mode": settings.idle_mode,
            "operator_delay_s": settings.operator_delay_s,
            "queue_s": settings.queue_s,
            "free_question": settings.free_question,
        },
        "messages": [_message(chat, m) for m in chat.messages],
        "refused": [
            {"at": _iso(chat, at), "t": _t(chat, at), "message": text} for at, text in chat.refused
        ],
    }
