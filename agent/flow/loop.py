"""The submit loop: intent → submit → classify → check → decide, until the run is settled.

This is the one place a run submits, and the one place it submits again::

    round k:  [k > 1: the form made ready again]
              intent (journal, before the click) → submit (the port: one submission, every request
              it sent watched until it ends) → the answer (classified by the port)
              → the check (when the answer alone settles nothing: the order page read until a
                dispute the submission made would show) → decide (agent.flow.decide: a value)
    between rounds: the retry policy (tenacity: backoff, Retry-After, attempts, deadline)

`decide` says whether another submission is safe and needed; the policy says whether the budget
allows it. The loop talks to the site only through a `SubmitPort` (agent.flow.port), and reads
time only through the injected clock and sleep: tests drive it with a fake site in milliseconds
(tests/unit/test_loop.py).

The in-flight rule: a submission is in flight from its intent until the port has seen every
request it sent end. While one is in flight nothing is sent again; a check of the order page
counts from the moment the last request ended; a request that never ends before the deadline
settles the run ``in_flight`` (the journal keeps its intent open, so the next run waits for it).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from agent.flow.decide import Resend, Settled, decide, needs_check
from agent.flow.policy import (
    RetryDetails,
    RetryPolicy,
    backoff_wait,
    build_async_retrying,
    parse_retry_after,
)
from agent.flow.port import Finding, Submission, SubmitPort
from agent.site.answer import Answer

__all__ = [
    "RECHECK_S",
    "CheckWhy",
    "IntentLog",
    "LoopObserver",
    "LoopSettings",
    "LoopState",
    "SubmitLoop",
]

#: Seconds between two reads of the order page while a new dispute may still be on its way.
RECHECK_S = 1.0

#: Why the order page was read: before a resubmission, to confirm an opened answer, or for a
#: submission an earlier run left without an answer.
CheckWhy = Literal["before_resend", "confirm", "earlier_run"]


class IntentLog(Protocol):
    """The journal as the loop sees it: one order's submissions, intent before the click."""

    def begin(self, attempt: int) -> int:
        """Record and commit the intent to submit attempt *attempt*; its id."""
        ...

    def finish(self, intent: int, *, outcome: str, dispute_id: str | None) -> None:
        """Record the answer to a submission."""
        ...

    def leave_in_flight(self, intent: int) -> None:
        """The submission was still in flight when the run stopped waiting: keep it open, and
        note when its wait was abandoned (the next run waits for it from then)."""
        ...


class LoopObserver(Protocol):
    """Told what the loop does (the run's log, events and timeline)."""

    def attempt_started(self, attempt: int) -> None: ...

    def answered(self, attempt: int, submission: Submission) -> None: ...

    def checked(self, attempt: int, finding: Finding, *, reads: int, why: CheckWhy) -> None: ...

    def waiting(self, attempt: int, details: RetryDetails) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopSettings:
    """What the loop needs besides the port: the policy, the profile's times, injected time."""

    policy: RetryPolicy
    #: How long the site may take to answer a submission (the profile's ``timeouts.answer_s``).
    answer_s: float
    #: How long a new dispute may take to show (the profile's ``dispute.shows_within_s``).
    shows_within_s: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random | None = None
    #: The wall clock, for a Retry-After given as an HTTP date.
    wall: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    #: Awaited before every attempt (a batch's shared retry budget).
    before_attempt: Callable[[], Awaitable[None]] | None = None
    #: The port signs in again when the session ends (credentials and login steps): a
    #: ``login_required`` answer is then checked and resent, not final.
    can_sign_in: bool = False


@dataclass(slots=True)
class LoopState:
    """What the loop has done so far (the run reads it when it is interrupted)."""

    #: Submissions that left (an attempt that sent nothing is not one).
    attempts: int = 0
    #: True from an intent until every request of its submission ended.
    in_flight: bool = False
    last: Submission | None = None
    #: When the first attempt started (the run's clock): the deadline counts from here.
    started: float | None = None


class SubmitLoop:
    """One order's submissions through *port*, until settled (see the module's documentation)."""

    def __init__(
        self,
        port: SubmitPort,
        settings: LoopSettings,
        *,
        intents: IntentLog | None = None,
        observer: LoopObserver | None = None,
        state: LoopState | None = None,
    ) -> None:
        self.port = port
        self.settings = settings
        self.intents = intents
        self.observer = observer
        self.state = state if state is not None else LoopState()
        self._rng = settings.rng if settings.rng is not None else random.Random()

    async def run(self) -> Settled:
        """Submit until the answer, the order page or the policy settles the run."""
        policy = self.settings.policy
        retrying = build_async_retrying(
            policy,
            should_retry=lambda value: isinstance(value, Resend),
            retry_after_of=lambda value: value.retry_after_s if isinstance(value, Resend) else None,
            sleep=self.settings.sleep,
            clock=self.settings.clock,
            rng=self._rng,
            before_sleep=self._before_sleep,
        )
        last: Settled | Resend = await retrying(self._round)
        if isinstance(last, Resend):  # the attempts or the deadline ran out
            return Settled(verdict="exhausted", answer=last.answer)
        return last

    async def _round(self) -> Settled | Resend:
        state = self.state
        if state.last is not None:
            await self.port.prepare_resend(state.last.answer)
        submission = await self._submit()
        can_sign_in = self.settings.can_sign_in
        if not needs_check(submission, can_sign_in=can_sign_in):
            decision = decide(submission, None, can_sign_in=can_sign_in)
        else:
            end = submission.ended_at if submission.ended_at is not None else self.settings.clock()
            finding = await self.look(
                until=end + self.settings.shows_within_s,
                after_attempt=state.attempts,
                why="before_resend",
            )
            decision = decide(
                submission,
                finding,
                retry_after_s=self._retry_after(submission),
                can_sign_in=can_sign_in,
            )
        if isinstance(decision, Settled) and decision.by_answer:
            return await self._confirm(decision)
        return decision

    async def _submit(self) -> Submission:
        """One submission: the intent committed before the click, the answer after it."""
        state = self.state
        settings = self.settings
        if settings.before_attempt is not None:
            await settings.before_attempt()
        number = state.attempts + 1
        if state.started is None:
            state.started = settings.clock()
        if self.observer is not None:
            self.observer.attempt_started(number)
        intent = self.intents.begin(number) if self.intents is not None else None
        state.in_flight = True
        give_up_at = max(
            state.started + settings.policy.deadline_s, settings.clock() + settings.answer_s
        )
        submission = await self.port.submit(number, give_up_at=give_up_at)
        state.last = submission
        if submission.sent:
            state.attempts = number
        if self.intents is not None and intent is not None:
            if submission.in_flight:
                self.intents.leave_in_flight(intent)
            else:
                self.intents.finish(
                    intent,
                    outcome=submission.answer.outcome if submission.sent else "not_sent",
                    dispute_id=submission.answer.dispute_id,
                )
        state.in_flight = submission.in_flight
        if self.observer is not None:
            self.observer.answered(number, submission)
        return submission

    async def look(self, *, until: float, after_attempt: int, why: CheckWhy) -> Finding:
        """Read the order's dispute until one shows, or until *until* (the run's clock) has
        passed with the page readable and showing none; unreadable reads are retried with the
        policy's backoff, a bounded number of times. The check is recorded once, with its result.
        """
        settings = self.settings
        clock = settings.clock
        reads = unreadable = 0
        while True:
            reads += 1
            finding = await self.port.find(after_attempt=after_attempt)
            if finding.exists:
                break
            now = clock()
            if finding.state == "unreadable":
                unreadable += 1
                if unreadable >= settings.policy.max_attempts:
                    break
                await settings.sleep(backoff_wait(settings.policy, unreadable, rng=self._rng))
                continue
            if now >= until:
                break
            await settings.sleep(min(RECHECK_S, until - now))
        await self.port.record_check(after_attempt, finding, reads=reads, why=why)
        if self.observer is not None:
            self.observer.checked(after_attempt, finding, reads=reads, why=why)
        return finding

    async def _confirm(self, decision: Settled) -> Settled:
        """An answer that named its dispute: the order page read once, the two ids compared."""
        finding = await self.port.find(after_attempt=self.state.attempts)
        await self.port.record_check(self.state.attempts, finding, reads=1, why="confirm")
        if self.observer is not None:
            self.observer.checked(self.state.attempts, finding, reads=1, why="confirm")
        return replace(decision, finding=finding)

    def _retry_after(self, submission: Submission) -> float | None:
        """The site's Retry-After, counted from its answer (the check took some of it)."""
        answer: Answer = submission.answer
        asked = parse_retry_after(answer.retry_after, now=self.settings.wall())
        if asked is None:
            return None
        since = 0.0
        if answer.received_at is not None:
            since = max(0.0, self.settings.clock() - answer.received_at)
        return max(0.0, asked - since)

    def _before_sleep(self, details: RetryDetails) -> None:
        if self.observer is not None:
            self.observer.waiting(self.state.attempts, details)
