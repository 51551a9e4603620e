"""What a run tells its watchers as it goes: typed events, and the hooks that receive them.

A run emits one event per step (a screenshot taken), per attempt started, per answer classified,
per wait scheduled, and one when it is done. The console's progress, a batch and the tests take
them through an `EventSink`; a batch's shared retry budget is awaited through `BeforeAttempt`
before each submission.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from agent.outcome import Status
from agent.redaction import redact_text

__all__ = [
    "AnswerEvent",
    "AttemptEvent",
    "BeforeAttempt",
    "DoneEvent",
    "EventSink",
    "RunEvent",
    "StepEvent",
    "WaitEvent",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepEvent:
    """A step of the flow was reached (and its screenshot taken)."""

    order_id: str
    step: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptEvent:
    """A submission is about to be made."""

    order_id: str
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerEvent:
    """The site answered a submission; *outcome* is the classification (busy, opened, …)."""

    order_id: str
    attempt: int
    outcome: str
    text: str = ""

    def __post_init__(self) -> None:
        if self.text:  # the site's words: never a secret it echoed, whoever prints them
            object.__setattr__(self, "text", redact_text(self.text))


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitEvent:
    """The run waits before its next attempt, for *wait_s* seconds, because of *cause*."""

    order_id: str
    attempt: int
    wait_s: float
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DoneEvent:
    """The run ended."""

    order_id: str
    status: Status
    dispute_id: str | None = None


RunEvent = StepEvent | AttemptEvent | AnswerEvent | WaitEvent | DoneEvent


class EventSink(Protocol):
    """Receives each event of a run, in order; must return quickly and never raise."""

    def __call__(self, event: RunEvent, /) -> None: ...


#: Awaited before each submission (a batch's shared retry budget takes a token here).
BeforeAttempt = Callable[[], Awaitable[None]]
