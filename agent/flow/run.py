"""One order, from the order page to an outcome, with its evidence.

order page → eligibility → the profile's open steps (pop-up, new tab, same tab) → fill → submit
attempts (the profile's submit steps), retried by the policy when busy, each resubmission preceded
by a reconcile (did the last attempt create the dispute anyway?) and started where the profile
says → outcome, result.json, report. Each step and each attempt leaves a screenshot.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from playwright.async_api import Browser, BrowserContext, Page

from agent.errors import (
    AmbiguousAnswer,
    ChallengeShown,
    GaveUp,
    InvalidField,
    InvalidRequest,
    LoginRequired,
    NeedsHuman,
    NotEligible,
    RetryDisputeError,
    SessionExpired,
    SiteBusy,
    UnexpectedPage,
)
from agent.events import AnswerEvent, AttemptEvent, DoneEvent, StepEvent, WaitEvent
from agent.files import tracking_failures
from agent.flow import attempt as attempts_mod
from agent.flow.browser_context import close_context, open_context
from agent.flow.claim import order_claim
from agent.flow.context import login_hint, run_context
from agent.flow.journal import site_key
from agent.flow.policy import RetryDetails, build_async_retrying, parse_retry_after
from agent.flow.reconcile import Reconciler
from agent.flow.settings import RunSettings
from agent.flow.stop import interruption_text
from agent.log import get_logger, log_to_file
from agent.outcome import Outcome, Status
from agent.output.run_folder import Grabbed, RunFolder, new_run_folder
from agent.output.saving import save_outcome
from agent.request import PreparedRequest
from agent.site.answer import Answer
from agent.site.form import DisputeForm
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.popups import PopupWatch
from agent.site.steps import StepRun

__all__ = ["request_summary", "run_order"]

log = get_logger("agent.run")

#: The longest wait for the last screenshot of an interrupted run (the page may be mid-load).
_STOP_SCREENSHOT_S = 2.0


class _Done(Exception):
    """Internal: the flow reached a final outcome early."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.status)
        self.outcome = outcome


class _OrderRun:
    """The state of one order's run; methods are the steps of the flow."""

    def __init__(self, prepared: PreparedRequest, settings: RunSettings, folder: RunFolder) -> None:
        self.prepared = prepared
        self.request = prepared.request
        self.s = settings
        self.profile = settings.profile
        self.folder = folder
        self.site = site_key(settings.site)
        self.attempts = 0
        self.last_answer: Answer | None = None
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.form_page: Page | None = None
        self.form_site: SitePage | None = None
        self.form_url: str | None = None
        self.reconciler: Reconciler | None = None
        #: True from the journal's intent to the answer: a submission may be on its way.
        self.in_flight = False
        #: When the last answer came (the run's clock): a new dispute may show after it.
        self.answered_at: float | None = None
        self.steps = StepRun(request=self.request, on_new_page=self._arm)

    # -- helpers ---------------------------------------------------------------------------
    def outcome(
        self,
        status: Status,
        message: str,
        *,
        dispute_id: str | None = None,
        hint: str | None = None,
        reason_code: str | None = None,
    ) -> Outcome:
        return Outcome(
            status=status,
            order_id=self.request.order_id,
            dispute_id=dispute_id,
            attempts=self.attempts,
            elapsed_s=self.folder.elapsed(),
            message=message,
            hint=hint,
            reason_code=reason_code,
            run_dir=self.folder.path,
            screenshots=tuple(self.folder.screenshots),
            last_answer=self.last_answer.text if self.last_answer else None,
        )

    async def step(self, page: Page | None, name: str, detail: str | None = None) -> None:
        await self.folder.step(
            page, name, detail=detail, timeout_s=self.profile.timeouts.screenshot_s
        )
        self.s.emit(StepEvent(order_id=self.request.order_id, step=name))

    async def _record(self, page: Page, name: str) -> None:
        await self.step(page, name)

    async def _arm(self, page: Page) -> None:
        await arm_page(page, self.profile)

    async def _grab(self, page: Page) -> Grabbed | None:
        return await self.folder.grab(page, timeout_s=self.profile.timeouts.screenshot_s)

    def kept_step(self, grabbed: Grabbed | None, name: str) -> None:
        """Record a step with a screenshot grabbed before its name was known."""
        self.folder.grabbed_step(grabbed, name)
        self.s.emit(StepEvent(order_id=self.request.order_id, step=name))

    # -- the flow --------------------------------------------------------------------------
    async def run(self, context: BrowserContext) -> Outcome:
        self.context = context
        page = await context.new_page()
        self.page = page
        site = SitePage(page, self.profile, item=self.request.item)
        self.reconciler = Reconciler(
            context,
            site,
            base_url=self.s.site,
            order_id=self.request.order_id,
            record_step=self._record,
        )
        self.folder.prepare(page)
        await arm_page(page, self.profile)
        order = OrderPage(site, base_url=self.s.site)
        status = await order.goto(self.request.order_id)
        # photographed as soon as it is there, named once it is known to be a login page or
        # the order page, while it is read (reading changes nothing on it)
        grab = asyncio.ensure_future(self._grab(page))
        try:
            login = await order.is_login()
        except BaseException:
            await asyncio.gather(grab, return_exceptions=True)
            raise
        if login:
            credentials = self.s.options.session.credentials
            if credentials is None:
                self.kept_step(await grab, "login-required")
                raise LoginRequired(hint=login_hint(self.s.options.session, self.s.site))
            self.kept_step(await grab, "login-page")
            await order.login(credentials)
            status = await order.goto(self.request.order_id)
            grab = asyncio.ensure_future(self._grab(page))
        if status == 404:
            self.kept_step(await grab, "order-not-found")
            raise InvalidField(
                f"order {self.request.order_id} was not found on the site (HTTP 404)",
                field="order_id",
                hint="check the order id, and that the session is of the account that placed it",
            )
        try:
            await check_gates(site, when="on the order page")
            state = await order.read_state()
        finally:
            self.kept_step(await grab, "order-page")
        existing = await self.settle_unfinished(state.existing_dispute_id)
        if existing:
            log.info("agent.already_open", dispute_id=existing)
            raise _Done(
                self.outcome(
                    Status.ALREADY_OPEN,
                    f"a dispute is already open for order {self.request.order_id}: {existing}",
                    dispute_id=existing,
                )
            )
        if state.ineligible_text:
            rule = self.profile.explain_ineligible(state.ineligible_text)
            raise NotEligible(
                rule.explain if rule else state.ineligible_text,
                order_id=self.request.order_id,
                code=rule.code if rule else None,
                context={"site_text": state.ineligible_text},
            )
        popups = PopupWatch(page)
        form_site = await order.open_form(self.steps)
        self.form_site = form_site
        self.form_page = form_site.page
        self.folder.prepare(form_site.page)
        form = DisputeForm(form_site)
        try:
            await form.wait_ready()
        except UnexpectedPage as exc:  # twenty pop-ups: say so, not "check the profile"
            raise popups.explain(exc) from None
        self.form_url = form_site.page.url
        if form_site.page is page:
            await self.step(form_site.page, "dispute-form")
        else:
            # the order page is done with (recorded above; a reconcile reads it in a tab of its
            # own): closed while the form is photographed, it frees its document and its
            # surface (~6 MiB an order in flight, docs/performance.md)
            await asyncio.gather(self.step(form_site.page, "dispute-form"), page.close())
        await form.fill(self.prepared)
        await self.step(form_site.page, "form-filled")
        return await self.submit_with_retries()

    async def settle_unfinished(self, existing: str | None) -> str | None:
        """A crash left an intent without an answer: what the order page shows settles it.

        Returns the dispute the order page shows (after the re-checks a site that shows new
        disputes late needs), or None.
        """
        journal = self.s.journal
        if journal is None:
            return existing
        key = self.request.order_key
        pending = journal.unfinished(site=self.site, order_id=key)
        if not pending:
            return existing
        if existing is None:  # the interrupted submission's dispute may not show yet
            assert self.reconciler is not None
            since = journal.now() - max(intent.started_at for intent in pending)
            existing = await self.reconciler.after_interruption(since_s=since)
        outcome = "opened" if existing else "not_created"
        journal.settle(site=self.site, order_id=key, outcome=outcome, dispute_id=existing)
        log.warning(
            "agent.unfinished_intent_settled", intents=len(pending), found=existing, outcome=outcome
        )
        if existing:
            raise _Done(
                self.outcome(
                    Status.OPENED,
                    f"dispute {existing} is open for order {self.request.order_id}: an earlier "
                    "run was interrupted after it submitted the form, and the site shows this "
                    "dispute, so nothing was sent again",
                    dispute_id=existing,
                )
            )
        return None

    async def reconcile(self) -> str | None:
        """The dispute the site shows for this order, or None (AmbiguousAnswer: cannot tell)."""
        assert self.reconciler is not None
        since = None if self.answered_at is None else self.s.runtime.clock() - self.answered_at
        return await self.reconciler.after_answer(since_s=since)

    async def one_attempt(self) -> Answer:
        assert self.form_site is not None
        start: str | None = None
        if self.attempts > 0:
            found = await self.reconcile()
            if found:
                said = self.last_answer.outcome if self.last_answer else "no answer"
                raise _Done(
                    self.outcome(
                        Status.OPENED,
                        f"dispute {found} opened for order {self.request.order_id} "
                        f"(the site's answer was {said.replace('_', ' ')}, but the dispute "
                        "was created)",
                        dispute_id=found,
                    )
                )
            await check_gates(self.form_site, when="before resubmitting")
            assert self.form_url is not None
            start = await attempts_mod.ready_to_resubmit(
                DisputeForm(self.form_site), self.prepared, form_url=self.form_url
            )
        if self.s.runtime.before_attempt is not None:
            await self.s.runtime.before_attempt()
        self.attempts += 1
        number = self.attempts
        log.info("agent.attempt_started", attempt=number, max_attempts=self.s.policy.max_attempts)
        self.s.emit(AttemptEvent(order_id=self.request.order_id, attempt=number))
        journal = self.s.journal
        intent = (
            journal.begin(
                site=self.site,
                order_id=self.request.order_key,
                run_id=self.folder.run_id,
                attempt=number,
            )
            if journal
            else None
        )
        answer = Answer(outcome="error")
        clock = self.s.runtime.clock
        answered_at = clock()
        self.in_flight = True
        try:
            answer, self.form_site = await attempts_mod.submit_once(
                self.form_site,
                self.steps,
                start=start,
                timeout_s=self.profile.timeouts.answer_s,
                clock=clock,
            )
            self.form_page = self.form_site.page
            answered_at = answer.received_at if answer.received_at is not None else answered_at
            if journal is not None and intent is not None:
                journal.finish(intent, outcome=answer.outcome, dispute_id=answer.dispute_id)
            self.in_flight = False
        except asyncio.CancelledError:  # stopped while the form was on its way: no answer read
            answer = Answer(outcome=str(Status.INTERRUPTED))
            raise
        finally:
            self.answered_at = answered_at
            stopped = answer.outcome == Status.INTERRUPTED
            await self.folder.attempt(
                # mid-navigation: no screenshot to wait for
                None if stopped else self.form_site.page,
                number,
                answer.outcome,
                detail=answer.text or None,
                status_code=answer.status_code,
                timeout_s=self.profile.timeouts.screenshot_s,
            )
        self.last_answer = answer
        self.s.emit(
            AnswerEvent(
                order_id=self.request.order_id,
                attempt=number,
                outcome=answer.outcome,
                text=answer.text,
            )
        )
        if answer.outcome == "busy":
            log.info("agent.busy", attempt=number, text=answer.text, status_code=answer.status_code)
            self.form_site = await attempts_mod.after_busy(self.form_site, self.steps)
            raise SiteBusy(
                answer.text,
                status_code=answer.status_code,
                retry_after_s=self._retry_after(answer, answered_at),
            )
        if answer.ambiguous:
            raise AmbiguousAnswer(answer.outcome + (f": {answer.text}" if answer.text else ""))
        return answer

    def _retry_after(self, answer: Answer, answered_at: float) -> float | None:
        """The site's Retry-After, counted from its answer (the screenshot took some of it)."""
        asked = parse_retry_after(answer.retry_after, now=datetime.now(UTC))
        if asked is None:
            return None
        return max(0.0, asked - (self.s.runtime.clock() - answered_at))

    def before_sleep(self, details: RetryDetails) -> None:
        self.folder.wait(details.wait_for, details.wait_cause, attempt=self.attempts)
        log.info(
            "agent.retry_scheduled",
            retry_num=details.retry_num,
            wait_for=round(details.wait_for, 3),
            wait_cause=details.wait_cause,
            caused_by=type(details.caused_by).__name__,
        )
        self.s.emit(
            WaitEvent(
                order_id=self.request.order_id,
                attempt=self.attempts,
                wait_s=details.wait_for,
                cause=details.wait_cause,
            )
        )

    async def submit_with_retries(self) -> Outcome:
        retrying = build_async_retrying(
            self.s.policy,
            sleep=self.s.runtime.sleep,
            clock=self.s.runtime.clock,
            rng=self.s.rng,
            before_sleep=self.before_sleep,
        )
        try:
            answer: Answer = await retrying(self.one_attempt)
        except (SiteBusy, AmbiguousAnswer) as exc:
            found = await self._last_reconcile()
            if found:
                return self.outcome(
                    Status.OPENED,
                    f"dispute {found} opened for order {self.request.order_id}",
                    dispute_id=found,
                )
            last = self.last_answer.text if self.last_answer and self.last_answer.text else str(exc)
            raise GaveUp(
                attempts=self.attempts, elapsed_s=self.folder.elapsed(), last_answer=last
            ) from exc
        if answer.outcome == "opened":
            log.info("agent.opened", dispute_id=answer.dispute_id, attempts=self.attempts)
            return self.outcome(
                Status.OPENED,
                f"dispute {answer.dispute_id} opened for order {self.request.order_id}",
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

    async def _last_reconcile(self) -> str | None:
        try:
            return await self.reconcile()
        except AmbiguousAnswer:
            return None


async def _stopped(run: _OrderRun, exc: RetryDisputeError) -> Outcome:
    """The outcome of a run stopped by one of our errors, with a last screenshot."""
    status = Status.of_error(exc)
    site_text = exc.context.get("site_text")
    await run.step(
        run.form_page or run.page,
        f"stopped-{status}",
        detail=str(site_text) if site_text else exc.what,
    )
    flat = {k: v for k, v in exc.context.items() if isinstance(v, str | int | float | None)}
    log.info("agent.stopped", status=str(status), error=str(exc), **flat)  # the outcome says it
    code = exc.context.get("code")
    hint = exc.hint
    if isinstance(exc, NeedsHuman) and run.s.options.session.browser.cdp_url:
        hint = login_hint(run.s.options.session, run.s.site)
    return run.outcome(status, exc.what, hint=hint, reason_code=str(code) if code else None)


async def _interrupted(run: _OrderRun, stop: str) -> Outcome:
    """The outcome of a run stopped by a signal: what happened, and whether a submission may
    have reached the site (the journal holds an intent with no answer)."""
    journal = run.s.journal
    pending = (
        journal.unfinished(site=run.site, order_id=run.request.order_key)
        if journal is not None
        else []
    )
    in_flight = run.in_flight or bool(pending)
    what, hint = interruption_text(stop, attempts=run.attempts, in_flight=in_flight)
    await run.folder.step(  # a short wait: the stop must end within its grace period
        run.form_page or run.page,
        "stopped-interrupted",
        detail=what,
        timeout_s=min(_STOP_SCREENSHOT_S, run.profile.timeouts.screenshot_s),
    )
    log.info(  # the console says it in the outcome's line
        "agent.interrupted", signal=stop, attempts=run.attempts, in_flight=in_flight,
        unfinished_intents=len(pending),
    )
    return run.outcome(Status.INTERRUPTED, what, hint=hint)


async def _crashed(run: _OrderRun, exc: Exception) -> Outcome:
    log.exception("agent.unexpected_error", error=f"{type(exc).__name__}: {str(exc)[:300]}")
    await run.step(run.form_page or run.page, "stopped-error")
    first_line = (str(exc).splitlines() or [""])[0][:200]
    return run.outcome(Status.ERROR, f"unexpected error: {type(exc).__name__}: {first_line}")


async def _drive(run: _OrderRun, context: BrowserContext) -> Outcome:
    try:
        return await run.run(context)
    except _Done as done:
        return done.outcome
    except RetryDisputeError as exc:
        return await _stopped(run, exc)
    except Exception as exc:
        return await _crashed(run, exc)
    except asyncio.CancelledError:
        _uncancel()
        return await _drive_cancelled(run)


def _uncancel() -> None:
    """The cancellation was taken: later awaits (screenshots, closing) must run normally."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


def request_summary(prepared: PreparedRequest) -> dict[str, object]:
    """The request as ``result.json`` records it (evidence as file names)."""
    req = prepared.request
    return {
        "order_id": req.order_id,
        "item": req.item,
        "received": "yes" if req.received else "no",
        "reason": req.reason,
        "solution": req.solution,
        "refund": req.refund,
        "amount": str(req.amount) if req.amount is not None else None,
        "message": req.message,
        "evidence": [p.name for p in req.evidence],
    }


async def run_order(prepared: PreparedRequest, browser: Browser, settings: RunSettings) -> Outcome:
    """Open the dispute for one prepared request in its own context of ``browser``.

    The order's claim (`agent.flow.claim`) is held for the whole run; files that cannot be
    written never change the outcome, they are listed in ``Outcome.unwritten``.
    """
    clock = settings.runtime.clock
    folder = new_run_folder(settings.options.out_dir, prepared.request.order_id)
    folder.clock = clock
    folder.started = clock()
    order_id = prepared.request.order_id
    with (
        tracking_failures(folder.path) as unwritten,
        log_to_file(folder.path / "log.jsonl", run_id=folder.run_id, order_id=order_id),
    ):
        log.info(
            "agent.run_started",
            site=settings.site,
            profile=settings.profile.name,
            normalisations=[str(n) for n in prepared.normalisations],
        )
        run = _OrderRun(prepared, settings, folder)
        try:
            with order_claim(
                settings.journal, site=run.site, order_id=order_id, run_id=folder.run_id
            ):
                outcome = await _in_context(run, browser)
        except RetryDisputeError as exc:  # the claim: another run has the order, or no journal
            outcome = await _stopped(run, exc)
        outcome = replace(
            outcome,
            screenshots=tuple(folder.screenshots),
            elapsed_s=folder.elapsed(),
            normalisations=tuple(str(n) for n in prepared.normalisations),
            request=request_summary(prepared),
            timeline=tuple(folder.timeline),
            context=run_context(settings),
        )
        outcome = save_outcome(outcome, folder.path, unwritten)
        settings.emit(
            DoneEvent(order_id=order_id, status=outcome.status, dispute_id=outcome.dispute_id)
        )
        log.info(
            "agent.run_finished",
            status=str(outcome.status),
            dispute_id=outcome.dispute_id,
            attempts=outcome.attempts,
            elapsed_s=outcome.elapsed_s,
            run_dir=str(folder.path),
            unwritten=list(outcome.unwritten),
        )
    stop = settings.runtime.stop
    if outcome.status is Status.INTERRUPTED and not (stop and stop.requested):
        raise asyncio.CancelledError  # a caller's own cancel: the outcome is written, pass it on
    return outcome


async def _drive_cancelled(run: _OrderRun) -> Outcome:
    stop = run.s.runtime.stop
    outcome = await _interrupted(run, stop.words if stop else "cancelled")
    return replace(outcome, interrupted_by=stop.signal if stop else None)


async def _in_context(run: _OrderRun, browser: Browser) -> Outcome:
    """The run in its browser context (`agent.flow.browser_context`), closed or given back
    afterwards."""
    outcome = run.outcome(Status.ERROR, "the run did not finish")
    context: BrowserContext | None = None
    owned = False
    try:
        context, owned = await open_context(browser, run.s)
        outcome = await _drive(run, context)
    except asyncio.CancelledError:  # before the order page: the browser was still starting
        _uncancel()
        outcome = await _drive_cancelled(run)
    finally:
        if context is not None:
            await close_context(context, owned, settings=run.s, folder=run.folder,
                                ok=outcome.ok, pages=(run.form_page, run.page))
    return outcome
