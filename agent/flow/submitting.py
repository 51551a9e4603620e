"""The submitting stage of a run: attempts under the retry policy, each resubmission reconciled.

Before every resubmission the site is asked whether the last attempt opened the dispute anyway
(`agent.flow.reconcile`); every submission is written to the journal as an intent before the
click and finished with its answer; every attempt leaves a screenshot. The answer becomes the
run's outcome, or our error for the endings to record.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime

from playwright.async_api import Page

from agent.errors import (
    AmbiguousAnswer,
    ChallengeShown,
    GaveUp,
    InvalidRequest,
    SessionExpired,
    SiteBusy,
)
from agent.events import AnswerEvent, AttemptEvent, WaitEvent
from agent.flow import attempt as attempts_mod
from agent.flow.policy import RetryDetails, build_async_retrying, parse_retry_after
from agent.flow.run_state import Finished, OrderRun
from agent.log import get_logger
from agent.outcome import Outcome, Status
from agent.output.run_folder import Grabbed
from agent.site.answer import Answer
from agent.site.form import DisputeForm
from agent.site.gates import check_gates

__all__ = ["reconcile", "submit_with_retries"]

log = get_logger("agent.run")


async def reconcile(run: OrderRun) -> str | None:
    """The dispute the site shows for this order, or None (AmbiguousAnswer: cannot tell)."""
    assert run.reconciler is not None
    since = None if run.answered_at is None else run.s.runtime.clock() - run.answered_at
    return await run.reconciler.after_answer(since_s=since)


async def _one_attempt(run: OrderRun) -> Answer:
    assert run.form_site is not None
    start: str | None = None
    if run.attempts > 0:
        found = await reconcile(run)
        if found:
            said = run.last_answer.outcome if run.last_answer else "no answer"
            raise Finished(
                run.outcome(
                    Status.OPENED,
                    f"dispute {found} opened for order {run.request.order_id} "
                    f"(the site's answer was {said.replace('_', ' ')}, but the dispute "
                    "was created)",
                    dispute_id=found,
                )
            )
        await check_gates(run.form_site, when="before resubmitting")
        assert run.form_url is not None
        start = await attempts_mod.ready_to_resubmit(
            DisputeForm(run.form_site), run.prepared, form_url=run.form_url
        )
    if run.s.runtime.before_attempt is not None:
        await run.s.runtime.before_attempt()
    run.attempts += 1
    number = run.attempts
    log.info("agent.attempt_started", attempt=number, max_attempts=run.s.policy.max_attempts)
    run.s.emit(AttemptEvent(order_id=run.request.order_id, attempt=number))
    journal = run.s.journal
    intent = (
        journal.begin(
            site=run.site,
            order_id=run.request.order_key,
            run_id=run.folder.run_id,
            attempt=number,
        )
        if journal
        else None
    )
    answer = Answer(outcome="error")
    clock = run.s.runtime.clock
    answered_at = clock()
    grabbed: list[Grabbed | None] = []

    async def _photograph(page: Page) -> None:
        grabbed.append(await run.grab(page))

    run.in_flight = True
    try:
        answer, run.form_site = await attempts_mod.submit_once(
            run.form_site,
            run.steps,
            start=start,
            timeout_s=run.profile.timeouts.answer_s,
            clock=clock,
            photograph=_photograph,  # the answer photographed while the page is read
        )
        run.form_page = run.form_site.page
        answered_at = answer.received_at if answer.received_at is not None else answered_at
        if journal is not None and intent is not None:
            journal.finish(intent, outcome=answer.outcome, dispute_id=answer.dispute_id)
        run.in_flight = False
    except asyncio.CancelledError:  # stopped while the form was on its way: no answer read
        answer = Answer(outcome=str(Status.INTERRUPTED))
        raise
    finally:
        run.answered_at = answered_at
        stopped = answer.outcome == Status.INTERRUPTED
        await run.folder.attempt(
            # mid-navigation: no screenshot to wait for
            None if stopped else run.form_site.page,
            number,
            answer.outcome,
            detail=answer.text or None,
            status_code=answer.status_code,
            timeout_s=run.profile.timeouts.screenshot_s,
            grabbed=grabbed[0] if grabbed and not stopped else None,
        )
    run.last_answer = answer
    run.s.emit(
        AnswerEvent(
            order_id=run.request.order_id,
            attempt=number,
            outcome=answer.outcome,
            text=answer.text,
        )
    )
    if answer.outcome == "busy":
        log.info("agent.busy", attempt=number, text=answer.text, status_code=answer.status_code)
        run.form_site = await attempts_mod.after_busy(run.form_site, run.steps)
        raise SiteBusy(
            answer.text,
            status_code=answer.status_code,
            retry_after_s=_retry_after(run, answer, answered_at),
        )
    if answer.ambiguous:
        raise AmbiguousAnswer(answer.outcome + (f": {answer.text}" if answer.text else ""))
    return answer


def _retry_after(run: OrderRun, answer: Answer, answered_at: float) -> float | None:
    """The site's Retry-After, counted from its answer (the screenshot took some of it)."""
    asked = parse_retry_after(answer.retry_after, now=datetime.now(UTC))
    if asked is None:
        return None
    return max(0.0, asked - (run.s.runtime.clock() - answered_at))


def _before_sleep(run: OrderRun, details: RetryDetails) -> None:
    run.folder.wait(details.wait_for, details.wait_cause, attempt=run.attempts)
    log.info(
        "agent.retry_scheduled",
        retry_num=details.retry_num,
        wait_for=round(details.wait_for, 3),
        wait_cause=details.wait_cause,
        caused_by=type(details.caused_by).__name__,
    )
    run.s.emit(
        WaitEvent(
            order_id=run.request.order_id,
            attempt=run.attempts,
            wait_s=details.wait_for,
            cause=details.wait_cause,
        )
    )


async def submit_with_retries(run: OrderRun) -> Outcome:
    """Submit the filled form until the site answers for good or the policy gives up."""
    retrying = build_async_retrying(
        run.s.policy,
        sleep=run.s.runtime.sleep,
        clock=run.s.runtime.clock,
        rng=run.s.rng,
        before_sleep=functools.partial(_before_sleep, run),
    )
    try:
        answer: Answer = await retrying(_one_attempt, run)
    except (SiteBusy, AmbiguousAnswer) as exc:
        found = await _last_reconcile(run)
        if found:
            return run.outcome(
                Status.OPENED,
                f"dispute {found} opened for order {run.request.order_id}",
                dispute_id=found,
            )
        last = run.last_answer.text if run.last_answer and run.last_answer.text else str(exc)
        raise GaveUp(
            attempts=run.attempts, elapsed_s=run.folder.elapsed(), last_answer=last
        ) from exc
    if answer.outcome == "opened":
        log.info("agent.opened", dispute_id=answer.dispute_id, attempts=run.attempts)
        return run.outcome(
            Status.OPENED,
            f"dispute {answer.dispute_id} opened for order {run.request.order_id}",
            dispute_id=answer.dispute_id,
        )
    if answer.outcome == "invalid":
        raise InvalidRequest(
            f"the site refused the dispute: {answer.text}",
            hint="correct the request and run again",
            context={"site_text": answer.text},
        )
    if answer.outcome == "login_required":
        raise SessionExpired()
    if answer.outcome == "challenge":
        raise ChallengeShown()
    raise AmbiguousAnswer(answer.outcome)  # pragma: no cover - classify has no other outcome


async def _last_reconcile(run: OrderRun) -> str | None:
    try:
        return await reconcile(run)
    except AmbiguousAnswer:
        return None
