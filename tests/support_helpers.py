"""The support chat without a browser: the storefront's own chat desk on a fake clock.

`DeskPort` is the agent's `ChatPort` over `mock_site.chat.ChatDesk` (the bundled storefront's chat
state and scripted operator), so the conversation's tests play the real script, with time that
moves only when the conversation sleeps: they never wait. `ScriptedPerson` types answers at set
times.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.site.chat_profile import ChatProfile
from agent.site.profile import load_profile
from agent.support.conversation import ChatResult, Conversation, Timing
from agent.support.facts import facts_of
from agent.support.port import ChatLine, ChatPhase, ChatState, OutgoingImage, SendRefused
from agent.support.transcript import Transcript
from mock_site.chat import ChatRefused, ChatSettings
from mock_site.chat_script import ImageRefused, check_images
from mock_site.faults import parse_fault_plan
from mock_site.store import Store

__all__ = ["DeskPort", "FakeClock", "ScriptedPerson", "converse", "mock_chat"]

WALL = datetime(2025, 11, 24, 4, 0, 0, tzinfo=UTC)


class FakeClock:
    """Monotonic seconds that move only when the conversation sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Move the clock instead of sleeping."""
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)

    def wall(self) -> datetime:
        """The wall clock, moving with the fake one."""
        return WALL + timedelta(seconds=self.now - 1000.0)


_PHASES: dict[str, ChatPhase] = {
    "none": "starting",
    "queued": "queued",
    "open": "open",
    "closed": "closed",
    "dropped": "dropped",
    "offline": "offline",
}


class DeskPort:
    """The agent's ChatPort over the storefront's chat desk, for the demo account."""

    def __init__(self, store: Store, settings: ChatSettings, *, account: str = "demo") -> None:
        self.store = store
        self.settings = settings
        self.account = account
        self.snapshots: list[str] = []
        self.sent: list[tuple[float, str, int]] = []
        self.next = 0  # the messages read so far

    @property
    def order_ids(self) -> set[str]:
        """The account's orders (the script accepts a message naming one)."""
        return {order.order_id for order in self.store.orders(self.account)}

    async def start(self) -> None:
        """Start (or resume) the account's chat."""
        self.store.chats.start(self.account, self.settings)

    async def read(self) -> ChatState:
        """The chat as the page would show it, with the messages not read before."""
        view: dict[str, Any] = self.store.chats.view(
            self.account, since=self.next, offline_now=self.settings.offline
        )
        self.next = int(view["next"])
        closed = view["closed"] or {}
        queue = view["queue"] or {}
        return ChatState(
            phase=_PHASES[str(view["status"])],
            lines=tuple(ChatLine(m["sender"], m["text"]) for m in view["messages"]),
            queue_position=queue.get("position"),
            operator_typing=bool(view["operator_typing"]),
            notice=view["offline"] or closed.get("text"),
        )

    def _send(self, text: str, images: Sequence[Any] = ()) -> None:
        try:
            self.store.chats.send(
                self.account, text=text, images=tuple(images), order_ids=self.order_ids
            )
        except ChatRefused as refusal:
            raise SendRefused(str(refusal)) from None
        self.sent.append((self.store.chats.clock(), text, len(images)))

    async def send(self, text: str) -> None:
        """Send a text message."""
        self._send(text)

    async def attach(self, images: Sequence[OutgoingImage], text: str) -> None:
        """Send images (judged by the storefront's own rules) with a text."""
        try:
            checked = check_images([(image.name, image.data) for image in images])
        except ImageRefused as refusal:
            self.store.chats.refuse(self.account, str(refusal))
            raise SendRefused(str(refusal)) from None
        self._send(text, checked)

    async def snapshot(self, name: str) -> str | None:
        """Note the screenshot the page would take."""
        self.snapshots.append(name)
        return f"screenshots/{len(self.snapshots):02d}-{name}.png"


class ScriptedPerson:
    """A person at a terminal who types ``answers`` at the given clock times (after being asked)."""

    def __init__(self, clock: FakeClock, answers: Sequence[tuple[float, str]] = ()) -> None:
        self.clock = clock
        self.answers = list(answers)
        self.asked: list[tuple[float, str, float]] = []
        self.told: list[str] = []
        self.present = True

    def ask(self, question: str, *, left_s: float) -> None:
        """Record the question and the time left shown."""
        self.asked.append((self.clock(), question, left_s))

    def poll(self) -> str | None:
        """The next answer once its time has come."""
        if self.asked and self.answers and self.clock() >= self.answers[0][0]:
            return self.answers.pop(0)[1]
        return None

    def tell(self, text: str) -> None:
        """Record a note."""
        self.told.append(text)


def mock_chat(**changes: Any) -> ChatProfile:
    """The mock profile's chat, with some values changed (``idle_s=3``, ...)."""
    chat = load_profile("mock").support_chat
    assert chat is not None
    return dataclasses.replace(chat, **changes)


def converse(
    run_dir: Path,
    faults: dict[str, object],
    *,
    chat: ChatProfile | None = None,
    person: Any = None,
    hold: bool = True,
    clock: FakeClock | None = None,
) -> tuple[ChatResult, Transcript, DeskPort, Conversation]:
    """Hold a whole conversation for ``run_dir`` with the storefront's chat under ``faults``."""
    import asyncio

    from agent.outcome import Outcome
    from agent.support.person import NoPerson

    clock = clock or FakeClock()
    store = Store(clock=clock, wall_clock=lambda: clock.wall().timestamp())
    settings = ChatSettings.from_plan(parse_fault_plan(faults))
    port = DeskPort(store, settings)
    chat = chat or mock_chat(
        idle_s=settings.idle_s, hold_margin_s=settings.idle_s / 3, idle_counts=settings.idle_mode
    )
    transcript = Transcript(clock=clock, wall=clock.wall)
    conversation = Conversation(
        port,
        facts_of(Outcome.read(run_dir), chat),
        chat,
        person=person if person is not None else NoPerson(),
        transcript=transcript,
        timing=dataclasses.replace(Timing.of(chat), queue_report_s=10.0),
        clock=clock,
        sleep=clock.sleep,
        hold=hold,
    )
    result = asyncio.run(conversation.run())
    return result, transcript, port, conversation
