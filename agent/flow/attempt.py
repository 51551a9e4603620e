"""One submit attempt: run the profile's submit steps, take the submit request's answer.

Only the response to the request the profile names (``[answer]`` method and URL) is the
answer: a tracking beacon or an upload's POST never is. Its JSON is read first; the page's
answer elements (read as soon as one shows, so a toast that vanishes is not missed) and the
HTTP status are the fallbacks. JS dialogs are answered by the page's handler
(`agent.site.gates.arm_page`); what the answer means is `agent.site.answer.classify`'s to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.answer import Answer, ResponseCatcher, answer_locator, classify, read_page
from agent.site.answer_rules import JsonVerdict
from agent.site.form import DisputeForm
from agent.site.locate import SitePage
from agent.site.steps import StepRun, run_steps

__all__ = ["after_busy", "ready_to_resubmit", "submit_once", "submit_steps_from"]

log = get_logger("agent.attempt")

_SETTLE_MS = 5000
_SETTLE_ERROR_MS = 500
#: The most of an answer's body that is read as JSON.
_MAX_BODY = 1024 * 1024


def submit_steps_from(site: SitePage, start: str | None) -> tuple[str, ...]:
    """The names of the submit steps from *start* on (all of them when None)."""
    names = tuple(step.name for step in site.profile.submit_steps)
    return names[names.index(start) :] if start in names else names


async def _verdict(site: SitePage, response: Response) -> JsonVerdict | None:
    """What the response's JSON says, per the profile (None: not JSON, or no JSON rules)."""
    rules = site.profile.answer.json
    if rules is None:
        return None
    try:
        body = await response.body()
    except PlaywrightError:  # a redirect, or a page that navigated away: no body to read
        return None
    if len(body) > _MAX_BODY:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return rules.judge(data)


async def submit_once(
    site: SitePage,
    run: StepRun,
    *,
    start: str | None = None,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
    photograph: Callable[[Page], Awaitable[object]] | None = None,
) -> tuple[Answer, SitePage]:
    """Run the submit steps (from *start*) and classify the answer; never raises for an answer.

    Returns the answer and the page the flow is on afterwards. *photograph*, when given, is
    called with that page once the answer is there, while the page's answer is read.
    """
    page = site.page
    rules = site.profile.answer
    names = submit_steps_from(site, start)
    steps = [s for s in site.profile.submit_steps if s.name in names]
    catcher = ResponseCatcher(rules.request)
    # A full-page answer replaces the document: wait for the new one to commit, so that nothing
    # of the page we submitted from (an earlier busy banner) is read as this answer.
    committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def _on_navigated(frame: Frame) -> None:
        if frame == page.main_frame and not committed.done():
            committed.set_result(None)

    page.on("response", catcher)
    page.on("framenavigated", _on_navigated)
    timed_out = False
    header: asyncio.Future[str | None] | None = None
    try:
        site = await run_steps(site, steps, replace(run, no_wait_after=True), when="submitting")
        try:
            await asyncio.wait_for(catcher.arrived.wait(), timeout=timeout_s)
        except TimeoutError:
            timed_out = True
        received_at = clock()
        response = catcher.response
        if response is not None:  # asked for while the answer page loads
            header = asyncio.ensure_future(response.header_value("retry-after"))
        if response is not None and response.request.is_navigation_request():
            try:
                await asyncio.wait_for(committed, timeout=timeout_s)
                await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
            except (TimeoutError, PlaywrightTimeout):
                timed_out = True
    except BaseException:
        if header is not None:
            header.cancel()
            await asyncio.gather(header, return_exceptions=True)
        raise
    finally:
        page.remove_listener("response", catcher)
        page.remove_listener("framenavigated", _on_navigated)
    status = response.status if response else None
    retry_after: str | None = None
    verdict: JsonVerdict | None = None
    if response is not None and header is not None:  # the two reads pipelined
        retry_after, verdict = await asyncio.gather(header, _verdict(site, response))
    decided = verdict is not None and verdict.kind is not None
    if not timed_out and not decided:
        # A server error shows none of the answers we know: do not wait long for one.
        error = status is not None and status >= rules.status.server_error_from
        shown_one = answer_locator(site)
        if shown_one is not None:
            with contextlib.suppress(PlaywrightTimeout):
                await shown_one.wait_for(
                    state="visible", timeout=_SETTLE_ERROR_MS if error else _SETTLE_MS
                )
    if photograph is None:
        shown = await read_page(site)
    else:  # the screenshot and the page's reads side by side (reads change nothing)
        shown, _ = await asyncio.gather(read_page(site), photograph(site.page))
    answer = replace(
        classify(
            site.profile,
            shown=shown,
            verdict=verdict,
            status_code=status,
            retry_after=retry_after,
            timed_out=timed_out,
        ),
        received_at=received_at,
    )
    log.info(
        "agent.answer",
        outcome=answer.outcome,
        status_code=status,
        retry_after=retry_after,
        text=answer.text[:200],
        dispute_id=answer.dispute_id,
        source=answer.source,
    )
    return answer, site


async def ready_to_resubmit(
    form: DisputeForm, prepared: PreparedRequest, *, form_url: str
) -> str | None:
    """Make sure the form is there and filled before a resubmission; the step to start at.

    The page says the form still holds everything (``retry.kept``): start at ``retry.from``.
    The form shows: read it back, refill what the site dropped, start at the first submit step.
    No form: open its URL again and fill it all.
    """
    profile = form.profile
    if await form.is_kept():
        log.info("agent.form_kept", start=profile.retry.from_step)
        return profile.retry.from_step
    if not await form.is_ready():
        log.info("agent.form_reopened", url=form_url)
        await form.site.page.goto(form_url, timeout=profile.timeouts.navigation_s * 1000)
        await form.wait_ready()
        await form.fill(prepared)
        return None
    await form.restore(prepared)
    return None


async def after_busy(site: SitePage, run: StepRun) -> SitePage:
    """Run the profile's retry steps (close a busy notice) so the form can be used again."""
    try:
        return await run_steps(site, site.profile.retry.steps, run, when="after a busy answer")
    except PlaywrightError as exc:
        log.warning("agent.busy_dismiss_failed", error=str(exc)[:200])
        return site
