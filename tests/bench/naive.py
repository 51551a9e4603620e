"""The baseline: a naive retry loop that reloads the form and refills every field on each attempt.

It uses the agent's own form filler (the message typed key by key) and submit, so the only
difference from the agent is what happens between attempts: a reload and a full refill here,
a reconcile and a check of the fields there. It takes no screenshot and reconciles nothing, so
it is, if anything, flattered.
"""

from __future__ import annotations

import time
from pathlib import Path

from agent.flow.attempt import submit_once
from playwright.async_api import Browser, Dialog

from agent.request import PreparedRequest
from agent.site.answer import Answer
from agent.site.form import DisputeForm
from agent.site.locate import SitePage
from agent.site.profile import SiteProfile
from agent.site.steps import StepRun

__all__ = ["naive_loop"]


async def naive_loop(
    browser: Browser,
    *,
    site: str,
    profile: SiteProfile,
    prepared: PreparedRequest,
    storage_state: Path,
    max_attempts: int = 100,
) -> tuple[list[float], list[float], Answer]:
    """Reload, refill, submit until not busy; each attempt's start time, each fill's seconds."""
    context = await browser.new_context(
        storage_state=str(storage_state), viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = await context.new_page()

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    url = f"{site}/order/{prepared.request.order_id}/dispute"
    starts: list[float] = []
    fills: list[float] = []
    answer = Answer(outcome="unknown")
    try:
        for _ in range(max_attempts):
            starts.append(time.monotonic())
            await page.goto(url, wait_until="domcontentloaded")
            form = DisputeForm(SitePage(page, profile))
            await form.wait_ready()
            filling = time.monotonic()
            await form.fill(prepared)
            fills.append(time.monotonic() - filling)
            answer, _ = await submit_once(
                SitePage(page, profile), StepRun(), timeout_s=profile.timeouts.answer_s
            )
            if answer.outcome != "busy":
                break
    finally:
        await context.close()
    return starts, fills, answer
