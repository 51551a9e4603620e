"""The orchestration: one order from the order page to an outcome, with its evidence.

order page → eligibility → dispute form (pop-up) → fill → submit attempts, retried by the policy
when busy, each resubmission preceded by a reconcile (did the last attempt create the dispute
anyway?) → outcome, result.json, report. Each step and each attempt leaves a screenshot.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent import attempt as attempts_mod
from agent.attempt import Answer
from agent.errors import (
    AmbiguousAnswer,
    ChallengeShown,
    GaveUp,
    InvalidField,
    InvalidRequest,
    LoginRequired,
    NotEligible,
    RetryDisputeError,
    SessionExpired,
    SiteBusy,
)
from agent.evidence import RunFolder, new_run_folder
from agent.journal import Journal, site_key
from agent.log import get_logger, log_to_file
from agent.pages import Credentials, DisputeForm, OrderPage, arm_page, check_gates
from agent.policy import RetryDetails, RetryPolicy, build_async_retrying, parse_retry_after
from agent.profile import SiteProfile
from agent.report import write_report
from agent.request import PreparedRequest

__all__ = ["STATUS_EXIT", "Outcome", "RunSettings", "run_order"]

log = get_logger("agent.run")

#: Exit code of each final status.
STATUS_EXIT = {
    "opened": 0,
    "already_open": 0,
    "error": 1,
    "invalid": 2,
    "ineligible": 3,
    "gave_up": 4,
    "needs_human": 5,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How one order ended, and where its evidence is."""

    status: str
    order_id: str
    dispute_id: str | None = None
    attempts: int = 0
    elapsed_s: float = 0.0
    message: str = ""
    run_dir: Path | None = None
    screenshots: tuple[str, ...] = ()
    reason_code: str | None = None
    last_answer: str | None = None
    #: What to do about it, when the run stopped on an error.
    hint: str | None = None

    @property
    def exit_code(self) -> int:
        return STATUS_EXIT.get(self.status, 1)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    """Everything one run needs besides the request."""

    profile: SiteProfile
    site: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    out_dir: Path = Path("runs")
    journal: Journal | None = None
    credentials: Credentials | None = None
    storage_state: Path | None = None
    trace: str = "retain-on-failure"
    sleep: Sleep = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    #: Called with each event ("step", "attempt", "answer", "wait", "done") and its fields.
    on_event: Callable[[str, dict[str, Any]], None] | None = None
    #: Awaited before each submission: a batch's shared retry budget takes a token here.
    before_attempt: Callable[[], Awaitable[None]] | None = None
    #: Use the browser's default context (a Chrome attached over CDP, logged in there).
    use_default_context: bool = False


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
        self.form_url: str | None = None

    # -- helpers ---------------------------------------------------------------------------
    def emit(self, event: str, **fields: Any) -> None:
        if self.s.on_event is not None:
            self.s.on_event(event, {"order_id": self.request.order_id, **fields})

    def outcome(self, status: str, message: str, **extra: Any) -> Outcome:
        return Outcome(
            status=status,
            order_id=self.request.order_id,
            attempts=self.attempts,
            elapsed_s=self.folder.elapsed(),
            message=message,
            run_dir=self.folder.path,
            screenshots=tuple(self.folder.screenshots),
            last_answer=self.last_answer.text if self.last_answer else None,
            **extra,
        )

    async def step(self, page: Page | None, name: str, detail: str | None = None) -> None:
        await self.folder.step(
            page, name, detail=detail, timeout_s=self.profile.timeouts.screenshot_s
        )
        self.emit("step", step=name)

    # -- the flow --------------------------------------------------------------------------
    async def run(self, context: BrowserContext) -> Outcome:
        self.context = context
        page = await context.new_page()
        self.page = page
        await arm_page(page, self.profile)
        order = OrderPage(page, self.profile, base_url=self.s.site)
        status = await order.goto(self.request.order_id)
        if await order.is_login():
            if self.s.credentials is None:
                await self.step(page, "login-required")
                raise LoginRequired()
            await self.step(page, "login-page")
            await order.login(self.s.credentials)
            status = await order.goto(self.request.order_id)
        if status == 404:
            await self.step(page, "order-not-found")
            raise InvalidField(
                f"order {self.request.order_id} was not found on the site (HTTP 404)",
                field="order_id",
                hint="check the order id, and that the session is of the account that placed it",
            )
        await check_gates(page, self.profile, when="on the order page")
        state = await order.read_state()
        await self.step(page, "order-page")
        await self.settle_unfinished(state.existing_dispute_id)
        if state.existing_dispute_id:
            log.info("agent.already_open", dispute_id=state.existing_dispute_id)
            raise _Done(
                self.outcome(
                    "already_open",
                    f"a dispute is already open for order {self.request.order_id}: "
                    f"{state.existing_dispute_id}",
                    dispute_id=state.existing_dispute_id,
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
        form_page = await order.open_form()
        if form_page is not page:
            await arm_page(form_page, self.profile)
        self.form_page = form_page
        form = DisputeForm(form_page, self.profile)
        await form.wait_ready()
        self.form_url = form_page.url
        await self.step(form_page, "dispute-form")
        await form.fill(self.prepared)
        await self.step(form_page, "form-filled")
        return await self.submit_with_retries(form)

    async def settle_unfinished(self, existing: str | None) -> None:
        """A crash left an intent without an answer: what the order page shows settles it."""
        journal = self.s.journal
        if journal is None:
            return
        pending = journal.unfinished(site=self.site, order_id=self.request.order_id)
        if not pending:
            return
        outcome = "opened" if existing else "not_created"
        journal.settle(
            site=self.site, order_id=self.request.order_id, outcome=outcome, dispute_id=existing
        )
        log.warning(
            "agent.unfinished_intent_settled", intents=len(pending), found=existing, outcome=outcome
        )
        if existing:
            raise _Done(
                self.outcome(
                    "opened",
                    f"dispute {existing} is open for order {self.request.order_id}: an earlier "
                    "run was interrupted after it submitted the form, and the site shows this "
                    "dispute, so nothing was sent again",
                    dispute_id=existing,
                )
            )

    async def reconcile(self) -> str | None:
        """Look on the site for a dispute of this order; raise AmbiguousAnswer if we cannot tell.

        A plain HTTP read of the order page (the context's cookies) is enough when the site
        answers with the order page; anything else (an error status, a redirect to a login
        page, a challenge) is looked at in a browser tab, where a login form or a verification
        challenge stops the run with needs_human.
        """
        assert self.context is not None
        url = self.profile.order_url(self.request.order_id, base_url=self.s.site)
        try:
            response = await self.context.request.get(
                url, timeout=self.profile.timeouts.navigation_s * 1000, fail_on_status_code=False
            )
            body = await response.text()
        except PlaywrightError as exc:
            raise AmbiguousAnswer(f"the order page could not be checked: {str(exc)[:120]}") from exc
        match = self.profile.texts.existing.search(body)
        found = match["dispute_id"] if match else None
        log.info("agent.reconciled", found=found, status_code=response.status, via="http")
        if found is not None or (response.ok and response.url == url):
            return found
        return await self._reconcile_in_tab(url)

    async def _reconcile_in_tab(self, url: str) -> str | None:
        assert self.context is not None
        tab = await self.context.new_page()
        try:
            await tab.goto(
                url,
                timeout=self.profile.timeouts.navigation_s * 1000,
                wait_until="domcontentloaded",
            )
            await check_gates(tab, self.profile, when="checking the order page")
            state = await OrderPage(tab, self.profile, base_url=self.s.site).read_state()
        except PlaywrightError as exc:
            raise AmbiguousAnswer(f"the order page could not be checked: {str(exc)[:120]}") from exc
        finally:
            await self.step(tab, "reconcile-order-page")
            await tab.close()
        log.info("agent.reconciled", found=state.existing_dispute_id, via="page")
        return state.existing_dispute_id

    async def ensure_form(self, form: DisputeForm) -> None:
        """Make sure the form is there and filled before a resubmission."""
        assert self.form_page is not None and self.form_url is not None
        page = self.form_page
        if not await page.locator(self.profile.selectors.form).first.is_visible():
            log.info("agent.form_reopened", url=self.form_url)
            await page.goto(self.form_url, timeout=self.profile.timeouts.navigation_s * 1000)
            await form.wait_ready()
            await form.fill(self.prepared)
            return
        await form.restore(self.prepared)

    async def one_attempt(self, form: DisputeForm) -> Answer:
        assert self.form_page is not None
        if self.attempts > 0:
            found = await self.reconcile()
            if found:
                said = self.last_answer.outcome if self.last_answer else "no answer"
                raise _Done(
                    self.outcome(
                        "opened",
                        f"dispute {found} opened for order {self.request.order_id} "
                        f"(the site's answer was {said.replace('_', ' ')}, but the dispute "
                        "was created)",
                        dispute_id=found,
                    )
                )
            await check_gates(self.form_page, self.profile, when="before resubmitting")
            await self.ensure_form(form)
        if self.s.before_attempt is not None:
            await self.s.before_attempt()
        self.attempts += 1
        number = self.attempts
        log.info("agent.attempt_started", attempt=number, max_attempts=self.s.policy.max_attempts)
        self.emit("attempt", attempt=number)
        journal = self.s.journal
        intent = (
            journal.begin(
                site=self.site,
                order_id=self.request.order_id,
                run_id=self.folder.run_id,
                attempt=number,
            )
            if journal
            else None
        )
        answer = Answer(outcome="error")
        answered_at = self.s.clock()
        try:
            answer = await attempts_mod.submit_once(
                self.form_page,
                self.profile,
                timeout_s=self.profile.timeouts.answer_s,
                clock=self.s.clock,
            )
            answered_at = answer.received_at if answer.received_at is not None else answered_at
            if journal is not None and intent is not None:
                journal.finish(intent, outcome=answer.outcome, dispute_id=answer.dispute_id)
        finally:
            await self.folder.attempt(
                self.form_page,
                number,
                answer.outcome,
                detail=answer.text or None,
                status_code=answer.status_code,
                timeout_s=self.profile.timeouts.screenshot_s,
            )
        self.last_answer = answer
        self.emit("answer", attempt=number, outcome=answer.outcome, text=answer.text)
        if answer.outcome == "busy":
            log.info("agent.busy", attempt=number, text=answer.text, status_code=answer.status_code)
            await attempts_mod.dismiss_busy(self.form_page, self.profile)
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
        return max(0.0, asked - (self.s.clock() - answered_at))

    def before_sleep(self, details: RetryDetails) -> None:
        self.folder.wait(details.wait_for, details.wait_cause, attempt=self.attempts)
        log.info(
            "agent.retry_scheduled",
            retry_num=details.retry_num,
            wait_for=round(details.wait_for, 3),
            wait_cause=details.wait_cause,
            caused_by=type(details.caused_by).__name__,
        )
        self.emit("wait", attempt=self.attempts, wait_s=details.wait_for, cause=details.wait_cause)

    async def submit_with_retries(self, form: DisputeForm) -> Outcome:
        retrying = build_async_retrying(
            self.s.policy,
            sleep=self.s.sleep,
            clock=self.s.clock,
            rng=self.s.rng,
            before_sleep=self.before_sleep,
        )
        try:
            answer: Answer = await retrying(self.one_attempt, form)
        except (SiteBusy, AmbiguousAnswer) as exc:
            found = await self._last_reconcile()
            if found:
                return self.outcome(
                    "opened",
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
                "opened",
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


def _status_of(exc: RetryDisputeError) -> str:
    return {2: "invalid", 3: "ineligible", 4: "gave_up", 5: "needs_human"}.get(
        exc.exit_code, "error"
    )


async def _stopped(run: _OrderRun, exc: RetryDisputeError) -> Outcome:
    """The outcome of a run stopped by one of our errors, with a last screenshot."""
    status = _status_of(exc)
    site_text = exc.context.get("site_text")
    await run.step(
        run.form_page or run.page,
        f"stopped-{status}",
        detail=str(site_text) if site_text else exc.what,
    )
    flat = {k: v for k, v in exc.context.items() if isinstance(v, str | int | float | None)}
    log.warning("agent.stopped", status=status, error=str(exc), **flat)
    code = exc.context.get("code")
    return run.outcome(status, exc.what, hint=exc.hint, reason_code=str(code) if code else None)


async def _crashed(run: _OrderRun, exc: Exception) -> Outcome:
    log.exception("agent.unexpected_error", error=f"{type(exc).__name__}: {str(exc)[:300]}")
    await run.step(run.form_page or run.page, "stopped-error")
    first_line = (str(exc).splitlines() or [""])[0][:200]
    return run.outcome("error", f"unexpected error: {type(exc).__name__}: {first_line}")


async def _context_for(browser: Browser, settings: RunSettings) -> tuple[BrowserContext, bool]:
    """A new context (ours to close), or the default context of a Chrome reached over CDP.

    A Chrome the user attached with --cdp-url is logged in in its default context: use it,
    and leave it open.
    """
    if settings.use_default_context and browser.contexts:
        return browser.contexts[0], False
    context = await browser.new_context(
        storage_state=str(settings.storage_state) if settings.storage_state else None,
        viewport={"width": 1280, "height": 900},
        locale="en-US",
    )
    return context, True


async def _stop_trace(context: BrowserContext, folder: RunFolder, mode: str, ok: bool) -> None:
    keep = mode == "on" or not ok
    try:
        await context.tracing.stop(path=str(folder.path / "trace.zip") if keep else None)
    except PlaywrightError as exc:
        log.warning("agent.trace_failed", error=str(exc)[:200])


async def _drive(run: _OrderRun, context: BrowserContext) -> Outcome:
    try:
        return await run.run(context)
    except _Done as done:
        return done.outcome
    except RetryDisputeError as exc:
        return await _stopped(run, exc)
    except Exception as exc:
        return await _crashed(run, exc)


async def run_order(
    prepared: PreparedRequest,
    browser: Browser,
    settings: RunSettings,
    *,
    finish: Callable[[RunFolder, Outcome, PreparedRequest], None] | None = None,
) -> Outcome:
    """Open the dispute for one prepared request in its own context of ``browser``."""
    folder = new_run_folder(settings.out_dir, prepared.request.order_id)
    folder.clock = settings.clock
    folder.started = settings.clock()
    order_id = prepared.request.order_id
    with log_to_file(folder.path / "log.jsonl", run_id=folder.run_id, order_id=order_id):
        log.info(
            "agent.run_started",
            site=settings.site,
            profile=settings.profile.name,
            normalisations=[str(n) for n in prepared.normalisations],
        )
        run = _OrderRun(prepared, settings, folder)
        context, owned = await _context_for(browser, settings)
        tracing = settings.trace in ("on", "retain-on-failure")
        if tracing:
            await context.tracing.start(screenshots=True, snapshots=True)
        outcome = run.outcome("error", "the run did not finish")
        try:
            outcome = await _drive(run, context)
        finally:
            if tracing:
                await _stop_trace(context, folder, settings.trace, outcome.ok)
            if owned:
                await context.close()
            else:
                for page in (run.form_page, run.page):
                    if page is not None and not page.is_closed():
                        await page.close()
        outcome = replace(
            outcome, screenshots=tuple(folder.screenshots), elapsed_s=folder.elapsed()
        )
        folder.write_json("result.json", result_dict(outcome, folder, prepared))
        write_report(folder.path)
        run.emit("done", status=outcome.status, dispute_id=outcome.dispute_id)
        if finish is not None:
            finish(folder, outcome, prepared)
        log.info(
            "agent.run_finished",
            status=outcome.status,
            dispute_id=outcome.dispute_id,
            attempts=outcome.attempts,
            elapsed_s=outcome.elapsed_s,
            run_dir=str(folder.path),
        )
    return outcome


def result_dict(outcome: Outcome, folder: RunFolder, prepared: PreparedRequest) -> dict[str, Any]:
    """The contents of result.json (DESIGN.md), plus the timeline for the report."""
    return {
        "status": outcome.status,
        "order_id": outcome.order_id,
        "dispute_id": outcome.dispute_id,
        "attempts": outcome.attempts,
        "elapsed_s": outcome.elapsed_s,
        "message": outcome.message,
        "hint": outcome.hint,
        "exit_code": outcome.exit_code,
        "reason_code": outcome.reason_code,
        "last_answer": outcome.last_answer,
        "screenshots": list(outcome.screenshots),
        "normalisations": [str(n) for n in prepared.normalisations],
        "request": {
            "order_id": prepared.request.order_id,
            "received": "yes" if prepared.request.received else "no",
            "reason": prepared.request.reason,
            "solution": prepared.request.solution,
            "refund": prepared.request.refund,
            "amount": str(prepared.request.amount) if prepared.request.amount is not None else None,
            "message": prepared.request.message,
            "evidence": [p.name for p in prepared.request.evidence],
        },
        "timeline": folder.timeline_dicts(),
    }
