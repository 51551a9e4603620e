"""``retry-dispute check`` on an order whose request is open: the profile's ``[follow]`` walked,
NEVER submitted.

From the order page: the ``[[follow.open_steps]]`` to the request's page, then its ``url``;
each time the page is read (its state, deadline, amounts, the store's words, the shopper's
answers on the record). When the request waits for the shopper and the profile says how to
disagree, the ``[[follow.respond.steps]]`` open the answer's form and its fields are filled
with a message that says it is a check (no evidence), and the first submit step's element is
only counted. Every element used is reported to the check's table; a screenshot per step.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable

from playwright.async_api import Page

from agent.follow.port import respond_view
from agent.follow.reach import follow_view
from agent.follow.reading import read_request
from agent.request import DisputeRequest, PreparedRequest
from agent.site.flow_rules import Step
from agent.site.form import DisputeForm
from agent.site.gates import arm_page
from agent.site.locate import Inspector, SitePage
from agent.site.profile_model import SiteProfile
from agent.site.steps import StepRun, condition_holds, run_steps

__all__ = ["CHECK_MESSAGE", "walk_follow"]

#: What the check types in the answer's message field (it is never sent).
CHECK_MESSAGE = "This is a check of the profile: this answer is never sent."

Shot = Callable[[Page, str], Awaitable[None]]


def _say(text: str) -> None:
    print(f"  follow: {text}", file=sys.stderr)


async def walk_follow(
    page: Page,
    profile: SiteProfile,
    *,
    base_url: str,
    request: DisputeRequest,
    request_id: str,
    inspector: Inspector,
    shot: Shot,
) -> bool:
    """Walk ``[follow]`` from the order page *page* shows (the request *request_id* is open
    there); False when the profile has no ``[follow]`` table (nothing walked)."""
    rules = profile.follow
    if rules is None:
        return False
    view = follow_view(profile)
    await arm_page(page, view)

    async def _arm(new: Page) -> None:
        await arm_page(new, view)

    async def _on_step(site: SitePage, step: Step) -> None:
        await shot(site.page, f"follow-{step.name}")

    steps = StepRun(request=request, on_new_page=_arm, on_step=_on_step)
    site = SitePage(page, view, item=request.item, inspector=inspector)
    if rules.open_steps:
        site = await run_steps(site, rules.open_steps, steps, when="opening the request's page")
        reading = await read_request(site, request_id=request_id)
        _say(f"through the order page: {reading.state.words} ({reading.text[:80]!r})")
    url = rules.request_url(base_url, request_id)
    if url is not None:
        await site.page.goto(url, timeout=view.timeouts.navigation_s * 1000)
        reading = await read_request(site, request_id=request_id)
        await shot(site.page, "follow-request-page")
        _say(f"by its URL: {reading.state.words} ({reading.text[:80]!r})")
    if rules.respond is None or not reading.state.awaits_shopper:
        if rules.respond is not None:
            _say("the request does not wait for an answer now: [follow.respond] not walked")
        return True
    answer = respond_view(view, rules.respond)
    form_site = SitePage(site.page, answer, request.item, inspector)
    form_site = await run_steps(
        form_site, rules.respond.steps, steps, when="opening the answer's form"
    )
    form = DisputeForm(form_site)
    await form.wait_ready()
    checking = DisputeRequest(
        order_id=request.order_id,
        item=request.item,
        received=request.received,
        reason=request.reason,
        message=CHECK_MESSAGE,
    )
    for field in answer.form.fields:
        await form.fill(PreparedRequest(checking), only=(field.name,))
        if field.kind == "files" and field.element is not None:
            await form_site.report(field.element, "present", f"{field.where} (no file sent)")
        await shot(form_site.page, f"follow-field-{field.name}")
    for step in answer.submit_steps:
        if await condition_holds(form_site, step.when, checking, where=step.where):
            await form_site.report(step.element, "required", f"{step.where} (not run)")
            break
    _say("the answer's form was filled and NOT sent")
    return True
