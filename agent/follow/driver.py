"""The response's submissions: the submit loop (`agent.flow.loop`) over the response's port.

Same policy and same guarantee as the first submission, because it is the same loop: the retry
policy (busy and ambiguous answers retried, Retry-After honoured, attempt and time limits); after
every answer that proves nothing, the request's page is read (``find``) and nothing is sent again
when our response is on the record; a request still on its way is waited for, never resent; each
send is a journal intent (keyed ``<order>:response:<n>``) committed before the click and finished
with its answer, so a crash between the two is settled by reading the page on the next run.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from agent.errors import (
    ChallengeShown,
    CheckFailed,
    GaveUp,
    InvalidRequest,
    ProfileMismatch,
    SessionExpired,
    SubmissionUnconfirmed,
)
from agent.flow.decide import Settled
from agent.flow.journal import Journal
from agent.flow.loop import CheckWhy, LoopSettings, LoopState, SubmitLoop
from agent.flow.policy import RetryDetails, RetryPolicy
from agent.flow.port import Finding, Submission, SubmitPort
from agent.log import get_logger

__all__ = ["Delivery", "response_loop", "send_response"]

log = get_logger("agent.follow")


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """How the response's submission ended: sent (by an answer, or found on the record)."""

    found_id: str | None
    attempts: int
    #: True when the response was found on the record rather than confirmed by an answer.
    found: bool = False
    last_answer: str = ""
    waits: tuple[float, ...] = field(default_factory=tuple)


class _Intents:
    """The journal as the loop's intent log, under the response's own key."""

    def __init__(self, journal: Journal, *, site: str, key: str, run_id: str) -> None:
        self.journal, self.site, self.key, self.run_id = journal, site, key, run_id

    def begin(self, attempt: int) -> int:
        return self.journal.begin(
            site=self.site, order_id=self.key, run_id=self.run_id, attempt=attempt
        )

    def finish(self, intent: int, *, outcome: str, dispute_id: str | None) -> None:
        self.journal.finish(intent, outcome=outcome, dispute_id=dispute_id)

    def leave_in_flight(self, intent: int) -> None:
        self.journal.abandon(intent)


@dataclass(slots=True)
class _Observer:
    """The waits, for the console and the delivery."""

    on_wait: Callable[[RetryDetails], None] | None
    waits: list[float] = field(default_factory=list)

    def attempt_started(self, attempt: int) -> None:
        log.info("follow.response_attempt", attempt=attempt)

    def answered(self, attempt: int, submission: Submission) -> None:
        log.info("follow.response_answer", attempt=attempt, outcome=submission.answer.outcome)

    def checked(self, attempt: int, finding: Finding, *, reads: int, why: CheckWhy) -> None:
        log.info("follow.response_checked", attempt=attempt, state=finding.state, purpose=why)

    def waiting(self, attempt: int, details: RetryDetails) -> None:
        self.waits.append(details.wait_for)
        if self.on_wait is not None:
            self.on_wait(details)


def response_loop(
    port: SubmitPort,
    *,
    policy: RetryPolicy,
    answer_s: float,
    shows_within_s: float,
    journal: Journal | None,
    site: str,
    key: str,
    run_id: str,
    sleep: Callable[[float], Awaitable[None]],
    clock: Callable[[], float],
    rng: random.Random | None = None,
    on_wait: Callable[[RetryDetails], None] | None = None,
) -> SubmitLoop:
    """The submit loop over the response's port, its intents under the response's key."""
    return SubmitLoop(
        port,
        LoopSettings(
            policy=policy,
            answer_s=answer_s,
            shows_within_s=shows_within_s,
            clock=clock,
            sleep=sleep,
            rng=rng,
        ),
        intents=_Intents(journal, site=site, key=key, run_id=run_id) if journal else None,
        observer=_Observer(on_wait),
        state=LoopState(),
    )


async def send_response(loop: SubmitLoop) -> Delivery:
    """Submit through the loop until sent or settled otherwise.

    Raises `GaveUp` (still busy, nothing on the record), `CheckFailed` (the request's page could
    not be read after an answer that proved nothing), `SubmissionUnconfirmed` (still on its way
    at the deadline), `InvalidRequest` (the site refused the response), `SessionExpired`,
    `ChallengeShown`, `ProfileMismatch` (the steps sent nothing); the port's own errors pass.
    """
    started = loop.settings.clock()
    settled = await loop.run()
    attempts = loop.state.attempts
    said = settled.answer.text if settled.answer is not None else ""
    observer = loop.observer
    waits = tuple(observer.waits) if isinstance(observer, _Observer) else ()
    if settled.verdict == "opened":
        return Delivery(
            found_id=settled.dispute_id,
            attempts=attempts,
            found=not settled.by_answer,
            last_answer=said,
            waits=waits,
        )
    raise _error(settled, attempts=attempts, elapsed_s=loop.settings.clock() - started)


def _error(settled: Settled, *, attempts: int, elapsed_s: float) -> Exception:
    answer = settled.answer
    said = (answer.text or answer.outcome) if answer is not None else "no answer"
    if settled.verdict == "invalid":
        return InvalidRequest(
            f"the site refused the response: {said}",
            hint="correct the message or the evidence and run again",
            context={"site_text": said},
        )
    if settled.verdict == "login_required":
        return SessionExpired()
    if settled.verdict == "challenge":
        return ChallengeShown()
    if settled.verdict == "nothing_sent":
        return ProfileMismatch(
            "the [follow.respond] submit steps sent nothing (no request the answer names left)",
            hint="check [follow.respond] of the profile with `retry-dispute check`",
        )
    if settled.verdict == "in_flight":
        return SubmissionUnconfirmed(
            "the response was still on its way to the site at the deadline: it may still "
            "arrive, so nothing was sent again"
        )
    if settled.verdict == "unreadable" and settled.finding is not None:
        return CheckFailed(
            attempts=attempts,
            elapsed_s=elapsed_s,
            last_answer=said,
            why=settled.finding.shown or "no reason recorded",
        )
    return GaveUp(attempts=attempts, elapsed_s=elapsed_s, last_answer=said)
