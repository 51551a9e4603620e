"""One submit attempt: click Submit, wait for the answer, read and classify it.

The confirm dialog is accepted by the page's handler (`agent.site.gates.arm_page`); what the
answer means is `agent.site.answer.classify`'s to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace

from playwright.async_api import Frame, Page, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.log import get_logger
from agent.site.answer import Answer, answer_locator, classify, read_answer
from agent.site.profile import SiteProfile

__all__ = ["dismiss_busy", "submit_once"]

log = get_logger("agent.attempt")

_SETTLE_MS = 5000
_SETTLE_ERROR_MS = 500


async def submit_once(
    page: Page,
    profile: SiteProfile,
    *,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Click Submit once and classify the answer; never raises for a site answer."""
    sel = profile.selectors
    response: Response | None = None
    timed_out = False
    # A full-page answer replaces the document: wait for the new one to commit, so that nothing
    # of the page we submitted from (an earlier busy banner) is read as this answer.
    committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def _on_navigated(frame: Frame) -> None:
        if frame == page.main_frame and not committed.done():
            committed.set_result(None)

    page.on("framenavigated", _on_navigated)
    try:
        try:
            async with page.expect_response(
                lambda r: r.request.method == "POST", timeout=timeout_s * 1000
            ) as info:
                await page.locator(sel.submit).first.click(timeout=timeout_s * 1000)
            response = await info.value
        except PlaywrightTimeout:
            timed_out = True
        received_at = clock()
        status = response.status if response else None
        retry_after = (await response.header_value("retry-after")) if response else None
        if response is not None and response.request.is_navigation_request():
            try:
                await asyncio.wait_for(committed, timeout=timeout_s)
                await page.wait_for_load_state("domcontentloaded", timeout=timeout_s * 1000)
            except (TimeoutError, PlaywrightTimeout):
                timed_out = True
    finally:
        page.remove_listener("framenavigated", _on_navigated)
    if not timed_out:
        # A server error shows none of the answers we know: do not wait long for one.
        settle_ms = _SETTLE_MS if status is None or status < 500 else _SETTLE_ERROR_MS
        with contextlib.suppress(PlaywrightTimeout):
            await answer_locator(page, profile).wait_for(state="visible", timeout=settle_ms)
    shown = await read_answer(page, profile)
    answer = replace(
        classify(
            profile, shown=shown, status_code=status, retry_after=retry_after, timed_out=timed_out
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
    )
    return answer


async def dismiss_busy(page: Page, profile: SiteProfile) -> None:
    """Close a busy modal so the form can be used again."""
    button = page.locator(profile.selectors.busy_dismiss).first
    try:
        if await button.is_visible():
            await button.click(timeout=5000)
    except PlaywrightTimeout:
        log.warning("agent.busy_dismiss_failed")
