"""One order, from the order page to an outcome, with its evidence.

order page → eligibility → the profile's open steps (pop-up, new tab, same tab) → fill
(`agent.flow.opening`) → the submit loop (`agent.flow.loop`, through the site's port: each
answer that proves nothing followed by a check of the order page, resubmissions under the retry
policy; `agent.flow.submitting`) → outcome (the endings of a stopped run: `agent.flow.endings`),
result.json, report. Each step and each attempt leaves a
screenshot. This module holds the run together: its folder, log file, claim and browser context.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from playwright.async_api import Browser, BrowserContext

from agent.errors import RetryDisputeError
from agent.events import DoneEvent
from agent.files import tracking_failures
from agent.flow.browser_context import close_context, open_context
from agent.flow.claim import order_claim
from agent.flow.context import run_context
from agent.flow.endings import crashed, interrupted, request_summary, stopped
from agent.flow.opening import open_filled_form
from agent.flow.run_state import OrderRun
from agent.flow.settings import RunSettings
from agent.flow.submitting import submit_with_retries
from agent.log import get_logger, log_to_file
from agent.outcome import Outcome, Status
from agent.output.run_folder import new_run_folder
from agent.output.saving import save_outcome
from agent.request import PreparedRequest
from agent.site.drift import warn_drift

__all__ = ["request_summary", "run_order"]

log = get_logger("agent.run")


async def _flow(run: OrderRun, context: BrowserContext) -> Outcome:
    ended = await open_filled_form(run, context)
    return ended if ended is not None else await submit_with_retries(run)


async def _drive(run: OrderRun, context: BrowserContext) -> Outcome:
    try:
        return await _flow(run, context)
    except RetryDisputeError as exc:
        return await stopped(run, exc)
    except Exception as exc:
        return await crashed(run, exc)
    except asyncio.CancelledError:
        _uncancel()
        return await _drive_cancelled(run)


def _uncancel() -> None:
    """The cancellation was taken: later awaits (screenshots, closing) must run normally."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


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
        run = OrderRun(prepared, settings, folder)

        def save(outcome: Outcome) -> Outcome:
            """The final outcome, with its result.json and report written."""
            outcome = replace(
                outcome,
                screenshots=tuple(folder.screenshots),
                elapsed_s=folder.elapsed(),
                normalisations=tuple(str(n) for n in prepared.normalisations),
                request=request_summary(prepared),
                timeline=tuple(folder.timeline),
                context=run_context(settings),
                drift=run.drift.entries(),
            )
            warn_drift(outcome.drift, settings.profile.source)  # one console line, if any
            return save_outcome(outcome, folder.path, unwritten)

        try:
            with order_claim(  # one claim per dispute: an order, or one item of it
                settings.journal,
                site=run.site,
                order_id=prepared.request.order_key,
                run_id=folder.run_id,
            ):
                outcome = await _in_context(run, browser, save)
        except RetryDisputeError as exc:  # the claim: another run has the order, or no journal
            outcome = save(await stopped(run, exc))
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


async def _drive_cancelled(run: OrderRun) -> Outcome:
    stop = run.settings.runtime.stop
    outcome = await interrupted(run, stop.words if stop else "cancelled")
    return replace(outcome, interrupted_by=stop.signal if stop else None)


async def _in_context(
    run: OrderRun, browser: Browser, save: Callable[[Outcome], Outcome]
) -> Outcome:
    """The run in its browser context (`agent.flow.browser_context`), closed or given back
    afterwards; the outcome saved by *save* (result.json, report.html) while it closes."""
    outcome = run.outcome(Status.ERROR, "the run did not finish")
    saved: list[Outcome] = []
    context: BrowserContext | None = None
    owned = False
    try:
        context, owned = await open_context(browser, run.settings)
        outcome = await _drive(run, context)
    except asyncio.CancelledError:  # before the order page: the browser was still starting
        _uncancel()
        outcome = await _drive_cancelled(run)
    finally:
        if run.port is not None:
            run.port.form.watch.stop()
        if context is not None:
            final = outcome
            await close_context(
                context,
                owned,
                settings=run.settings,
                folder=run.folder,
                ok=outcome.ok,
                pages=(run.form_page, run.page, *(run.port.pages if run.port else ())),
                while_closing=lambda: saved.append(save(final)),
            )
    return saved[0] if saved else save(outcome)
