"""The baseline: a naive retry loop that reloads the form and refills every field on each attempt.

It uses the agent's own form filler (the message typed key by key) and submit (`FormSubmitter`:
the submit steps, the submission's requests watched to their end, the answer read), so the only
difference from the agent is what happens between attempts: a reload and a full refill here,
a check of the order page and of the fields there. It takes no screenshot and checks nothing,
so it is, if anything, flattered.
"""

from __future__ import annotations

import time
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Dialog

from agent.flow.form_submit import FormSubmitter
from agent.request import PreparedRequest
from agent.site.answer import Answer
from agent.site.form import DisputeForm
from agent.site.locate import SitePage
from agent.site.profile import SiteProfile
from agent.site.steps import StepRun

__all__ = ["form_submitter", "naive_loop", "submit_filled"]


def form_submitter(context: BrowserContext, profile: SiteProfile) -> FormSubmitter:
    """The agent's submitter for the forms of *context*: one per page, kept for all its
    attempts (its request watch listens on the context)."""
    return FormSubmitter(context=context, profile=profile, steps=StepRun(), clock=time.monotonic)


async def submit_filled(
    submitter: FormSubmitter, form: SitePage, *, timeout_s: float | None = None
) -> Answer:
    """Submit the filled form on *form* once, as the agent does; the site's answer.

    Waits up to the profile's answer timeout, or *timeout_s* for a request still on its way.
    """
    submitter.attach(form)  # the requests from now on are this submission's
    wait_s = form.profile.timeouts.answer_s if timeout_s is None else timeout_s
    submission = await submitter.submit(give_up_at=time.monotonic() + wait_s)
    return submission.answer


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
    submitter = form_submitter(context, profile)

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
            answer = await submit_filled(submitter, form.site)
            if answer.outcome != "busy":
                break
    finally:
        await context.close()
    return starts, fills, answer
