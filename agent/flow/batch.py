"""Batch runs: many orders in one browser, each in its own context, sharing one retry budget.

The orders run at most *concurrency* at a time, sharing one retry budget
(`agent.flow.budget.RetryBudget`: resubmissions across the whole batch are limited to a rate, so
a site busy for everyone is not hammered once per order). Output goes to
``<out>/batch-<YYYYmmdd-HHMMSS>/``: one run folder per order, ``summary.json`` and ``index.html``.

Exit code of a batch: 0 when every order ended ``opened`` or ``already_open``; otherwise the code
of the most urgent status among the orders, in this order of precedence:
``5`` needs a person (the session or a challenge blocks every order) > ``1`` unexpected error >
``2`` invalid (the site refused a request) > ``4`` gave up (run the batch again later: orders
already opened come back as ``already_open``) > ``3`` not eligible (nothing to do). A bad batch
file is exit 2 before anything runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

from agent.errors import InvalidConfig, RetryDisputeError
from agent.flow.budget import RetryBudget
from agent.flow.journal import Journal
from agent.flow.lanes import Lane, close_lanes, open_lanes, spread
from agent.flow.run import request_summary, run_order
from agent.flow.settings import RunOptions, RunSettings, Runtime, TraceMode
from agent.log import get_logger
from agent.outcome import (
    INTERRUPT_EXIT_CODES,
    RESULT_FILE,
    BatchResult,
    Outcome,
    Status,
    batch_exit_code,
)
from agent.output.batch_summary import write_batch_outputs
from agent.output.report import write_report
from agent.output.run_folder import new_run_folder
from agent.request import PreparedRequest
from agent.session import Session
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile

__all__ = ["BATCH_TRACE", "DEFAULT_CONCURRENCY", "BatchOptions", "run_batch"]

log = get_logger("agent.batch")

#: Orders at once (on each browser) when --concurrency is not given: chosen from the batch on a
#: storefront as slow as a real marketplace (docs/performance.md, "The default concurrency").
DEFAULT_CONCURRENCY = 8
#: A batch records no Playwright trace unless --trace says so: recording one (which
#: retain-on-failure must do for every order) cost 0.7-2.3 s per order in docs/performance.md;
#: screenshots, log.jsonl and report.html are kept for every order all the same.
BATCH_TRACE: TraceMode = "off"


def _crashed(batch_dir: Path, prepared: PreparedRequest, exc: BaseException) -> Outcome:
    """An order whose run raised: its outcome, with its own folder and result.json if it can.

    One of our errors (a run folder that cannot be made: a full disk) keeps its status; anything
    else is an ``error``. Nothing in here raises: the other orders go on.
    """
    if isinstance(exc, RetryDisputeError):
        status, message, hint = Status.of_error(exc), exc.what, exc.hint
    else:
        first = (str(exc).splitlines() or [""])[0][:200]
        status, hint = Status.ERROR, None
        message = f"unexpected error: {type(exc).__name__}: {first}"
    outcome = Outcome(
        status=status,
        order_id=prepared.request.order_id,
        message=message,
        hint=hint,
        request=request_summary(prepared),
    )
    try:
        folder = new_run_folder(batch_dir, prepared.request.order_id)
        outcome = dataclasses.replace(outcome, run_dir=folder.path)
        outcome.write(folder.path)
    except (OSError, RetryDisputeError) as error:
        log.warning("agent.batch_order_not_written", order_id=outcome.order_id, error=str(error))
        return dataclasses.replace(outcome, unwritten=(RESULT_FILE,))
    return outcome


def _write_report(run_dir: Path | None) -> None:
    if run_dir is None or (run_dir / "report.html").exists():
        return
    try:
        write_report(run_dir)
    except Exception as exc:  # a report that fails must never hide the batch's outcomes
        log.warning(
            "agent.batch_report_failed",
            run_dir=str(run_dir),
            error=f"{type(exc).__name__}: {exc}"[:300],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchOptions:
    """How a batch runs its orders, besides what each run is given (`RunOptions`)."""

    #: Orders at once on each browser (with several Playwright servers, the bound per server).
    concurrency: int = DEFAULT_CONCURRENCY
    #: The retry budget the orders share (None: no budget).
    budget: RetryBudget | None = None
    #: Each order's report.html (False: a soak of hundreds of orders skips them).
    reports: bool = True
    #: With credentials but no storage state: log in once, every order starting from that
    #: session (saved in a private temporary folder, deleted at the end).
    share_login: bool = True
    #: Called as each order ends, with its index and outcome.
    on_done: Callable[[int, Outcome], None] | None = None
    #: Orders an earlier batch finished (``--resume``), listed in the summary as such.
    skipped: Sequence[Outcome] = ()
    #: The site, source file and command line, for the summary and index.
    context: Mapping[str, Any] = field(default_factory=dict)


async def run_batch(
    requests: Sequence[PreparedRequest],
    *,
    options: RunOptions,
    batch_dir: Path,
    batch: BatchOptions | None = None,
    runtime: Runtime | None = None,
) -> BatchResult:
    """Run every request, ``batch.concurrency`` at a time in each browser; write the summary.

    ``runtime.browser``: a started browser to share (else one is started or reached from
    ``options.session.browser``: with several Playwright servers, one browser on each, the
    orders spread over them; see `agent.flow.lanes` for what happens to the orders of a server
    that dies). Stopped by a signal (``runtime.stop`` set, the task cancelled): the orders in
    flight end ``interrupted``, the ones not started are listed as ``not_run``, the summary and
    index are written, and the result is returned with the signal's exit code.
    """
    return await _Batch(requests, options, batch_dir, batch or BatchOptions(), runtime).run()


class _Batch:
    """One batch's state while it runs: its journal, lanes, outcomes and options."""

    def __init__(
        self,
        requests: Sequence[PreparedRequest],
        options: RunOptions,
        batch_dir: Path,
        batch: BatchOptions,
        runtime: Runtime | None,
    ) -> None:
        if batch.concurrency < 1:
            raise InvalidConfig(
                f"concurrency {batch.concurrency} is below 1",
                key="concurrency",
                hint="pass --concurrency 1 or more",
            )
        self.requests = requests
        self.batch_dir = batch_dir
        self.batch = batch
        self.runtime = runtime or Runtime()
        self.base = RunSettings.resolve(options, self.runtime)
        self.options = options
        self.outcomes: list[Outcome | None] = [None] * len(requests)
        self.own_journal = self.runtime.journal is None
        self.journal = self.runtime.journal or Journal.in_state_dir(options.state_dir)
        #: What each order's run is given (a shared login's session, once made).
        self.current: RunOptions = dataclasses.replace(options, out_dir=batch_dir)
        self.lanes: list[Lane] = []

    async def one(self, index: int, lane: Lane) -> Outcome:
        prepared = self.requests[index]
        budget = self.batch.budget
        per_order = dataclasses.replace(
            self.runtime,
            journal=self.journal,
            before_attempt=budget.for_order() if budget is not None else None,
        )
        settings = RunSettings.resolve(self.current, per_order, profile=self.base.profile)
        try:
            return await run_order(prepared, lane.browser, settings)
        except RetryDisputeError as exc:  # before anything was sent (no run folder)
            log.warning(
                "agent.batch_order_stopped", order_id=prepared.request.order_id, error=str(exc)
            )
            return _crashed(self.batch_dir, prepared, exc)
        except Exception as exc:
            log.exception("agent.batch_order_failed", order_id=prepared.request.order_id)
            return _crashed(self.batch_dir, prepared, exc)

    async def finished(self, index: int, outcome: Outcome) -> None:
        self.outcomes[index] = outcome
        if self.batch.on_done is not None:
            self.batch.on_done(index, outcome)
        if self.batch.reports:
            await asyncio.to_thread(_write_report, outcome.run_dir)

    def stopping(self) -> bool:
        stop = self.runtime.stop
        return stop is not None and stop.requested

    async def all_orders(self) -> None:
        left = await spread(
            len(self.requests),
            self.lanes,
            per_lane=self.batch.concurrency,
            run=self.one,
            finished=self.finished,
            stopping=self.stopping,
        )
        if self.stopping():
            return  # the orders left are not_run
        for index in left:  # every browser was lost before these could run
            lost = RuntimeError("no browser left to run it: every browser of the batch was lost")
            await self.finished(index, _crashed(self.batch_dir, self.requests[index], lost))

    async def with_session(self) -> None:
        session = self.current.session
        shared = self.batch.share_login and session.credentials and self.requests
        if not (shared and session.storage_state is None):
            await self.all_orders()
            return
        with tempfile.TemporaryDirectory(prefix="retry-dispute-") as private:
            state = await _log_in_once(
                self.lanes[0].browser,
                site=self.base.site,
                profile=self.base.profile,
                session=session,
                order_id=self.requests[0].request.order_id,
                path=Path(private) / "session.json",
            )
            if state is not None:
                self.current = dataclasses.replace(
                    self.current, session=dataclasses.replace(session, storage_state=state)
                )
            await self.all_orders()

    async def run(self) -> BatchResult:
        started = time.monotonic()
        log.info(
            "agent.batch_started",
            orders=len(self.requests),
            concurrency=self.batch.concurrency,
            batch_dir=str(self.batch_dir),
        )
        stopped_by: str | None = None
        try:
            await self._in_browsers()
        except asyncio.CancelledError:
            stop = self.runtime.stop
            if stop is None or stop.signal is None:
                raise  # a caller's own cancel: the summary below is still written
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            stopped_by = stop.signal
            log.info("agent.batch_interrupted", signal=stopped_by)
        finally:
            if self.own_journal:
                self.journal.close()
            result = self._result(round(time.monotonic() - started, 3), stopped_by)
        log.info(
            "agent.batch_finished",
            orders=len(result.outcomes),
            elapsed_s=result.elapsed_s,
            exit_code=result.exit_code,
        )
        return result

    async def _in_browsers(self) -> None:
        if self.runtime.browser is not None:
            self.lanes.append(Lane(name="given", browser=self.runtime.browser))
            await self.with_session()
            return
        target = self.options.session.browser
        async with async_playwright() as p:
            self.lanes.extend(await open_lanes(p, target))
            try:
                await self.with_session()
            finally:
                if not target.cdp_url:
                    await close_lanes(self.lanes)

    def _result(self, elapsed_s: float, stopped_by: str | None) -> BatchResult:
        """The batch's result, with its summary and index written."""
        done = tuple(o for o in self.outcomes if o is not None)
        not_run = tuple(
            r.request.order_id
            for r, o in zip(self.requests, self.outcomes, strict=True)
            if o is None
        )
        codes = [o.exit_code for o in done]
        if stopped_by is not None:
            codes.append(INTERRUPT_EXIT_CODES.get(stopped_by, Status.INTERRUPTED.exit_code))
        budget = self.batch.budget
        result = BatchResult(
            batch_dir=self.batch_dir,
            outcomes=done,
            elapsed_s=elapsed_s,
            concurrency=self.batch.concurrency,
            exit_code=batch_exit_code(codes),
            budget=budget.as_dict() if budget is not None else None,
            not_run=not_run,
            skipped=tuple(self.batch.skipped),
            interrupted_by=stopped_by,
            context=dict(self.batch.context),
            servers=tuple(lane.as_dict() for lane in self.lanes) if len(self.lanes) > 1 else (),
        )
        return dataclasses.replace(result, unwritten=tuple(write_batch_outputs(result)))


async def _log_in_once(
    browser: Browser,
    *,
    site: str,
    profile: SiteProfile,
    session: Session,
    order_id: str,
    path: Path,
) -> Path | None:
    """Log in once for the whole batch and save the session to ``path`` (mode 0600).

    Every order's context then starts logged in (the credentials stay in the session, so an
    order whose session expired still logs in by itself). None when it did not work: each order
    then logs in on its own, as a single run does.
    """
    assert session.credentials is not None
    context = await browser.new_context(locale="en-US")
    try:
        page = await context.new_page()
        await arm_page(page, profile)
        order = OrderPage(SitePage(page, profile), base_url=site)
        await order.goto(order_id)
        if await order.is_login():
            await order.login(session.credentials)
            if await order.is_login():
                return None
        await context.storage_state(path=str(path))
        path.chmod(0o600)
        log.info("agent.batch_logged_in", order_id=order_id)
        return path
    except Exception as exc:  # the orders log in one by one instead
        log.warning("agent.batch_login_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        return None
    finally:
        await context.close()
