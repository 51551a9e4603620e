"""TEMPORARY: the submit loop for the response, until the lead's generic loop over a site port
lands in ``agent/flow/`` (then `drive_response` is replaced by a call into it, and this module
goes away; `agent.follow.port.ResponsePort` is already written as that loop's port).

Same policy and same guarantee as the first submission: the retry policy (`agent.flow.policy`,
busy and ambiguous answers retried, Retry-After honoured, attempt and time limits); before every
resend the port reads the request's page (``find``) and nothing is sent again when our response
is on the record; each send is a journal intent committed before the click and finished with its
answer, so a crash between the two is settled by reading the page on the next run.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from agent.errors import (
    AmbiguousAnswer,
    ChallengeShown,
    GaveUp,
    InvalidRequest,
    SessionExpired,
    SiteBusy,
)
from agent.flow.journal import Journal
from agent.flow.policy import RetryDetails, RetryPolicy, build_async_retrying, parse_retry_after
from agent.log import get_logger
from agent.site.answer import Answer

__all__ = ["Delivery", "SubmitPort", "drive_response"]

log = get_logger("agent.follow")


class SubmitPort(Protocol):
    """What the loop needs of a site: submit once, find what a submission made, get ready
    again (the lead's `SubmitPort` has these three, with richer values)."""

    async def submit(self) -> Answer:
        """Send once and read the site's answer (never raises for an answer)."""

    async def find(self, since: float | None = None) -> str | None:
        """What a submission made since *since*, on the site's record (None: nothing)."""

    async def prepare_resend(self, last: Answer) -> None:
        """Make the form ready for another submission after *last*."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """How the response's submission ended: sent (by an answer, or found on the record)."""

    found_id: str | None
    attempts: int
    #: True when the response was found on the record rather than confirmed by an answer.
    found: bool = False
    last_answer: str = ""
    waits: tuple[float, ...] = field(default_factory=tuple)


@dataclass(slots=True)
class _State:
    attempts: int = 0
    answered_at: float | None = None
    last: Answer | None = None
    waits: list[float] = field(default_factory=list)


class _Found(Exception):
    def __init__(self, found_id: str) -> None:
        super().__init__(found_id)
        self.found_id = found_id


async def drive_response(
    port: SubmitPort,
    *,
    policy: RetryPolicy,
    journal: Journal | None,
    site: str,
    key: str,
    run_id: str,
    sleep: Callable[[float], Awaitable[None]],
    clock: Callable[[], float],
    rng: random.Random | None = None,
    on_wait: Callable[[RetryDetails], None] | None = None,
) -> Delivery:
    """TEMPORARY (see the module): submit through *port* until sent or the policy gives up.

    Raises `GaveUp` (still busy, nothing on the record), `InvalidRequest` (the site refused the
    response), `SessionExpired`, `ChallengeShown`; the port's own errors pass through.
    """
    state = _State()
    started = clock()

    async def one() -> Answer:
        if state.attempts:
            found = await port.find(state.answered_at)
            if found:
                raise _Found(found)
            assert state.last is not None
            await port.prepare_resend(state.last)
        state.attempts += 1
        intent = (
            journal.begin(site=site, order_id=key, run_id=run_id, attempt=state.attempts)
            if journal is not None
            else None
        )
        answer = await port.submit()
        state.answered_at = answer.received_at if answer.received_at is not None else clock()
        if journal is not None and intent is not None:
            journal.finish(intent, outcome=answer.outcome, dispute_id=answer.dispute_id)
        state.last = answer
        log.info("follow.response_answer", attempt=state.attempts, outcome=answer.outcome)
        if answer.outcome == "busy":
            asked = parse_retry_after(answer.retry_after, now=datetime.now(UTC))
            raise SiteBusy(answer.text, status_code=answer.status_code, retry_after_s=asked)
        if answer.ambiguous:
            raise AmbiguousAnswer(answer.outcome + (f": {answer.text}" if answer.text else ""))
        return answer

    def before_sleep(details: RetryDetails) -> None:
        state.waits.append(details.wait_for)
        if on_wait is not None:
            on_wait(details)

    retrying = build_async_retrying(
        policy, sleep=sleep, clock=clock, rng=rng, before_sleep=functools.partial(before_sleep)
    )
    said = ""
    try:
        answer: Answer = await retrying(one)
    except _Found as found:
        return _delivered(state, found.found_id, found=True)
    except (SiteBusy, AmbiguousAnswer) as exc:
        try:
            last = await port.find(state.answered_at)
        except AmbiguousAnswer:
            last = None
        if last:
            return _delivered(state, last, found=True)
        said = state.last.text if state.last and state.last.text else str(exc)
        raise GaveUp(
            attempts=state.attempts, elapsed_s=clock() - started, last_answer=said
        ) from exc
    if answer.outcome == "opened":
        return _delivered(state, answer.dispute_id or "", found=False)
    if answer.outcome == "invalid":
        raise InvalidRequest(
            f"the site refused the response: {answer.text}",
            hint="correct the message or the evidence and run again",
            context={"site_text": answer.text},
        )
    if answer.outcome == "login_required":
        raise SessionExpired()
    if answer.outcome == "challenge":
        raise ChallengeShown()
    raise AmbiguousAnswer(answer.outcome)  # pragma: no cover - classify has no other outcome


def _delivered(state: _State, found_id: str, *, found: bool) -> Delivery:
    return Delivery(
        found_id=found_id,
        attempts=state.attempts,
        found=found,
        last_answer=state.last.text if state.last else "",
        waits=tuple(state.waits),
    )
