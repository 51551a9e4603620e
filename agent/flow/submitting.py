"""The submitting stage of a run: the submit loop over the site's port, and what it settled.

`attach_loop` gives a run its port over the browser (`agent.flow.site_port.DisputePort`) and its
submit loop (`agent.flow.loop.SubmitLoop`), with the journal as the loop's intent log and the
run's log, events and timeline as its observer. `submit_with_retries` runs the loop and turns
how it settled into the run's `Outcome`, or into our error for the endings to record.
"""

from __future__ import annotations

from playwright.async_api import BrowserContext

from agent.errors import (
    ChallengeShown,
    CheckFailed,
    GaveUp,
    InvalidRequest,
    ProfileMismatch,
    SessionExpired,
    SubmissionUnconfirmed,
)
from agent.events import AnswerEvent, AttemptEvent, WaitEvent
from agent.flow.decide import Settled
from agent.flow.journal import Journal
from agent.flow.loop import CheckWhy, LoopSettings, SubmitLoop
from agent.flow.policy import RetryDetails
from agent.flow.port import Finding, Submission
from agent.flow.run_state import OrderRun
from agent.flow.site_port import DisputePort
from agent.log import get_logger
from agent.outcome import Outcome, Status
from agent.site.locate import CHECK_HINT, SitePage

__all__ = ["attach_loop", "submit_with_retries"]

log = get_logger("agent.run")


class _Intents:
    """The journal as the loop's intent log, for one order of one run."""

    def __init__(self, journal: Journal, run: OrderRun) -> None:
        self.journal = journal
        self.site = run.site
        self.order_key = run.request.order_key
        self.run_id = run.folder.run_id

    def begin(self, attempt: int) -> int:
        return self.journal.begin(
            site=self.site, order_id=self.order_key, run_id=self.run_id, attempt=attempt
        )

    def finish(self, intent: int, *, outcome: str, dispute_id: str | None) -> None:
        self.journal.finish(intent, outcome=outcome, dispute_id=dispute_id)

    def leave_in_flight(self, intent: int) -> None:
        self.journal.abandon(intent)


class _Observer:
    """The run's log lines, events and waits in the timeline, as the loop goes."""

    def __init__(self, run: OrderRun) -> None:
        self.run = run

    def attempt_started(self, attempt: int) -> None:
        run = self.run
        log.info(
            "agent.attempt_started", attempt=attempt, max_attempts=run.settings.policy.max_attempts
        )
        run.settings.emit(AttemptEvent(order_id=run.request.order_id, attempt=attempt))

    def answered(self, attempt: int, submission: Submission) -> None:
        answer = submission.answer
        if answer.outcome == "busy":
            log.info(
                "agent.busy", attempt=attempt, text=answer.text, status_code=answer.status_code
            )
        self.run.settings.emit(
            AnswerEvent(
                order_id=self.run.request.order_id,
                attempt=attempt,
                outcome=answer.outcome,
                text=answer.text,
            )
        )

    def checked(self, attempt: int, finding: Finding, *, reads: int, why: CheckWhy) -> None:
        found = finding.dispute_id if finding.exists else None
        log.info(
            "agent.reconciled",
            found=found,
            state=finding.state,
            reads=reads,
            purpose=why,
            after_attempt=attempt,
        )

    def waiting(self, attempt: int, details: RetryDetails) -> None:
        run = self.run
        run.folder.wait(details.wait_for, details.wait_cause, attempt=attempt)
        log.info(
            "agent.retry_scheduled",
            retry_num=details.retry_num,
            wait_for=round(details.wait_for, 3),
            wait_cause=details.wait_cause,
        )
        run.settings.emit(
            WaitEvent(
                order_id=run.request.order_id,
                attempt=attempt,
                wait_s=details.wait_for,
                cause=details.wait_cause,
            )
        )


def attach_loop(run: OrderRun, context: BrowserContext, site: SitePage) -> SubmitLoop:
    """Give *run* its port over *context* and its submit loop (before the order page is read:
    a check for an earlier run's submission uses them)."""
    settings = run.settings
    runtime = settings.runtime
    run.port = DisputePort(
        context=context,
        site=site,
        folder=run.folder,
        prepared=run.prepared,
        base_url=settings.site,
        steps=run.steps,
        clock=runtime.clock,
        credentials=settings.options.session.credentials,
    )
    run.loop = SubmitLoop(
        run.port,
        LoopSettings(
            policy=settings.policy,
            answer_s=run.profile.timeouts.answer_s,
            shows_within_s=run.profile.dispute.shows_within_s,
            clock=runtime.clock,
            sleep=runtime.sleep,
            rng=settings.rng,
            before_attempt=runtime.before_attempt,
            can_sign_in=run.port.can_sign_in,
        ),
        intents=_Intents(settings.journal, run) if settings.journal is not None else None,
        observer=_Observer(run),
        state=run.state,
    )
    return run.loop


async def submit_with_retries(run: OrderRun) -> Outcome:
    """Submit the filled form until the answer, the order page or the policy settles the run."""
    assert run.loop is not None
    settled = await run.loop.run()
    return settled_outcome(run, settled)


def settled_outcome(run: OrderRun, settled: Settled) -> Outcome:
    """The run's outcome for how the loop settled (our error for the endings, when not opened)."""
    order = run.request.order_id
    answer = settled.answer
    text = answer.text if answer is not None else ""
    if settled.verdict == "opened":
        return _opened(run, settled)
    if settled.verdict == "invalid":
        raise InvalidRequest(
            f"the site refused the dispute: {text}",
            hint="correct the request and run again",
            context={"site_text": text},
        )
    if settled.verdict == "login_required":
        raise SessionExpired(_signed_out(run))
    if settled.verdict == "challenge":
        raise ChallengeShown()
    if settled.verdict == "nothing_sent":
        request = run.profile.answer.request
        raise ProfileMismatch(
            f"the submit steps of profile {run.profile.source} sent nothing: no "
            f"{request.method} request to {request.shown} left after them (nothing was sent, "
            "no attempt counted)",
            hint="check the submit steps and [answer] of the profile; " + CHECK_HINT,
        )
    if settled.verdict == "in_flight":
        raise SubmissionUnconfirmed(
            f"attempt {run.attempts} for order {order} was still on its way to the site at the "
            "deadline: it may still open the dispute, so nothing was sent again"
        )
    finding = settled.finding
    if settled.verdict == "unreadable" and finding is not None:
        raise CheckFailed(
            attempts=run.attempts,
            elapsed_s=run.folder.elapsed(),
            last_answer=text or (answer.outcome if answer else "no answer"),
            why=finding.shown or "no reason recorded",
        )
    raise GaveUp(
        attempts=run.attempts,
        elapsed_s=run.folder.elapsed(),
        last_answer=text or (answer.outcome if answer else "no answer"),
    )


def _signed_out(run: OrderRun) -> str:
    """What was tried when the site ended the session during the run (the needs_human line)."""
    said = f"the site ended the session during the run (attempt {run.attempts})"
    if run.settings.options.session.credentials is None:
        return (
            f"{said}; signing in again needs RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD "
            "(a saved session cannot sign in by itself)"
        )
    if not run.profile.login.steps:
        return f"{said}; the {run.profile.name} profile has no login steps to sign in again"
    return said


def _opened(run: OrderRun, settled: Settled) -> Outcome:
    order = run.request.order_id
    finding = settled.finding
    dispute_id = settled.dispute_id
    said = settled.answer.outcome.replace("_", " ") if settled.answer else "no answer"
    if dispute_id is None:
        shown = finding.shown if finding is not None else ""
        message = (
            f"a dispute was opened for order {order}: the order page shows it, but not its id "
            f'("{shown}"); the site\'s answer was {said}, and nothing was sent again'
        )
        log.warning("agent.opened_id_unknown", shown=shown)
        return run.outcome(Status.OPENED, message, reason_code="dispute_id_unknown")
    if settled.by_answer:
        message = f"dispute {dispute_id} opened for order {order}"
        if finding is not None and finding.ids and dispute_id not in finding.ids:
            others = ", ".join(finding.ids)
            log.warning("agent.dispute_ids_differ", answer=dispute_id, order_page=others)
            return run.outcome(
                Status.OPENED,
                f"{message}, but the order page then showed {others}: the site's answer and the "
                "order page disagree; check the order on the site",
                dispute_id=dispute_id,
                reason_code="dispute_ids_differ",
            )
        log.info("agent.opened", dispute_id=dispute_id, attempts=run.attempts)
        return run.outcome(Status.OPENED, message, dispute_id=dispute_id)
    log.info("agent.opened", dispute_id=dispute_id, attempts=run.attempts, via="order_page")
    return run.outcome(
        Status.OPENED,
        f"dispute {dispute_id} opened for order {order} (the site's answer was {said}, but "
        "the dispute was created)",
        dispute_id=dispute_id,
    )
