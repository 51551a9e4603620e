"""The step engine: run a profile's ordered steps (click, fill, press, wait) on a page.

A step runs when its condition holds (request values, an element visible or hidden now). A
click can expect a pop-up or a new tab (the flow goes on in it), navigate the page, or open a
JS dialog the step answers. An element that does not show within the profile's timeouts
fails the step naming the profile entry, unless the page is a login form or a challenge (then
a person is needed).

A step that changes the page (a document or a frame navigated, a new page opened) is handed to
``StepRun.on_page_change`` when the next step starts, so that every page a flow passes through
(a wizard's pages) is photographed once; the last step's page is its caller's to photograph (the
form, the answer), so it costs nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import ProfileMismatch, UnexpectedPage
from agent.log import get_logger
from agent.request import DisputeRequest
from agent.session import Credentials
from agent.site.dom import is_visible
from agent.site.flow_rules import Condition, Step
from agent.site.gates import answer_next_dialog, check_gates
from agent.site.locate import CHECK_HINT, SitePage, stuck_reason

__all__ = ["StepRun", "condition_holds", "run_steps"]

log = get_logger("agent.pages")

PageHook = Callable[[Page], Awaitable[None]]
StepHook = Callable[[SitePage, Step], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepRun:
    """What steps may use: the request, the credentials, and hooks for new pages and steps."""

    request: DisputeRequest | None = None
    credentials: Credentials | None = None
    order_id: str | None = None
    #: Called with every pop-up or new tab the flow moves to (arm it: dialogs, overlays).
    on_new_page: PageHook | None = None
    #: Called after every step that ran (the check command takes a screenshot).
    on_step: StepHook | None = None
    #: Called before every step that runs (the check's network guard names what sends).
    before_step: Callable[[Step], None] | None = None
    #: Called with a step that changed the page, once the next step is about to run (the run
    #: photographs each page it passes through); not for the last step that runs.
    on_page_change: StepHook | None = None
    #: Clicks return at once instead of waiting for a navigation they start (submitting: the
    #: answer's wait, bounded by timeouts.answer_s, covers it).
    no_wait_after: bool = False


async def condition_holds(
    site: SitePage, when: Condition, request: DisputeRequest | None, *, where: str
) -> bool:
    """Whether a step's or field's condition holds for this request on this page now."""
    if when.request and (request is None or not when.holds_for(request)):
        return False
    if when.if_visible is not None and not await site.visible(when.if_visible, where=where):
        return False
    return not (when.if_hidden is not None and await site.visible(when.if_hidden, where=where))


def _text(step: Step, run: StepRun) -> str:
    values = {"user": "", "password": "", "order_id": run.order_id or "", "item": ""}
    if run.credentials is not None:
        values["user"] = run.credentials.user
        values["password"] = run.credentials.password
    if run.request is not None:
        values["order_id"] = run.request.order_id
        values["item"] = run.request.item or ""
    return (step.text or "").format(**values)


async def _click(site: SitePage, target: Locator, run: StepRun) -> None:
    await target.click(
        timeout=site.profile.timeouts.step_s * 1000, no_wait_after=run.no_wait_after or None
    )


async def _new_page(site: SitePage, step: Step, run: StepRun, *, where: str) -> Page | None:
    """Click and wait for a new page, or for ``or_visible`` to show, within the pop-up timeout.

    The new page is returned as soon as it opened (its document may still be loading)."""
    context = site.page.context
    before = set(context.pages)
    opened: list[Page] = []
    arrived = asyncio.Event()

    def _on_page(page: Page) -> None:
        if page not in before:
            opened.append(page)
            arrived.set()

    context.on("page", _on_page)
    try:
        await site.act_on(step.element, lambda t: _click(site, t, run), where=where)
        limit = site.profile.timeouts.popup_s
        deadline = asyncio.get_running_loop().time() + limit
        while not opened:
            with contextlib.suppress(TimeoutError):  # look again every 50 ms
                await asyncio.wait_for(arrived.wait(), timeout=0.05)
            if opened:
                break
            if step.or_visible is not None and await is_visible(site.shown(step.or_visible)):
                log.info(
                    "agent.popup_blocked", url=site.page.url, shown=step.or_visible, step=step.name
                )
                return None
            if asyncio.get_running_loop().time() > deadline:
                if step.new_page == "optional":
                    return None
                # the profile said this click opens a window: one that never comes is the
                # profile's mistake (no ticket for the marketplace; `check` shows the step)
                raise ProfileMismatch(
                    f"{step.where} ({step.name}): clicking elements.{step.element} of profile "
                    f"{site.profile.source} opened no pop-up or tab within {limit:g} s",
                    url=site.page.url,
                    hint="allow pop-ups for the site; " + CHECK_HINT,
                )
    finally:
        context.remove_listener("page", _on_page)
    return opened[0]


async def _loaded(site: SitePage, page: Page, step: Step) -> None:
    with contextlib.suppress(PlaywrightTimeout):
        await page.wait_for_load_state(
            "domcontentloaded", timeout=site.profile.timeouts.navigation_s * 1000
        )
    log.info("agent.popup_opened", url=page.url, step=step.name)


async def _act(site: SitePage, step: Step, run: StepRun) -> SitePage:
    timeouts = site.profile.timeouts
    where = f"{step.where} ({step.name})"
    if step.action == "wait":
        if step.state == "visible":
            await site.wait_shown(step.element, where=where, timeout_s=timeouts.navigation_s)
        else:
            await site.wait_gone(step.element, where=where, timeout_s=timeouts.navigation_s)
        return site
    # each action waits for its element to show (`SitePage.act_on`): no wait of its own first
    step_ms = timeouts.step_s * 1000
    if step.action == "fill":
        text = _text(step, run)
        await site.act_on(step.element, lambda t: t.fill(text, timeout=step_ms), where=where)
        return site
    if step.action == "press":
        key = step.key
        assert key is not None
        await site.act_on(step.element, lambda t: t.press(key, timeout=step_ms), where=where)
        return site
    if step.dialog is not None:
        answer_next_dialog(site.page, step.dialog)
    if step.new_page != "none":
        page = await _new_page(site, step, run, where=where)
        if page is None:
            return site
        # armed (dialogs, overlays) while its document loads
        arming = run.on_new_page(page) if run.on_new_page is not None else None
        await asyncio.gather(_loaded(site, page, step), *([arming] if arming else []))
        return site.on(page)
    if step.navigates:
        try:
            async with site.page.expect_navigation(
                wait_until="domcontentloaded", timeout=timeouts.navigation_s * 1000
            ):
                await site.act_on(step.element, lambda t: t.click(timeout=step_ms), where=where)
        except PlaywrightTimeout:
            raise
        except PlaywrightError as exc:  # the page did not load (a network error, blocked)
            said = (str(exc).splitlines() or [""])[0].removeprefix("Page.expect_navigation: ")
            raise UnexpectedPage(
                f"{where}: the page the click leads to did not load ({said[:200]})",
                url=site.page.url,
            ) from None
        return site
    await site.act_on(step.element, lambda t: _click(site, t, run), where=where)
    return site


async def run_steps(site: SitePage, steps: Sequence[Step], run: StepRun, *, when: str) -> SitePage:
    """Run the steps that apply, in order; return the page the flow is on at the end."""
    changed: tuple[SitePage, Step] | None = None  # the last step's, if it changed the page
    for step in steps:
        if not await condition_holds(site, step.when, run.request, where=step.where):
            log.debug("agent.step_skipped", step=step.name)
            continue
        if changed is not None and run.on_page_change is not None:
            await run.on_page_change(*changed)
        changed = None
        navigations: list[Frame] = []

        def listen(frame: Frame, seen: list[Frame] = navigations) -> None:
            seen.append(frame)

        before = (site.page, site.page.url)
        site.page.on("framenavigated", listen)
        if run.before_step is not None:
            run.before_step(step)
        try:
            site = await _act(site, step, run)
        except (UnexpectedPage, PlaywrightTimeout) as exc:
            await check_gates(site, when=when)  # a login form or a challenge: a person
            if isinstance(exc, UnexpectedPage):
                raise
            raise ProfileMismatch(
                f"{step.where} ({step.name}): elements.{step.element} of profile "
                f"{site.profile.source} was shown but did not respond in time on "
                f"{site.page.url}{stuck_reason(exc)}",
                url=site.page.url,
                hint=CHECK_HINT,
            ) from None
        finally:
            before[0].remove_listener("framenavigated", listen)
        if navigations or (site.page, site.page.url) != before:
            changed = (site, step)
        log.debug("agent.step_done", step=step.name, url=site.page.url)
        if run.on_step is not None:
            await run.on_step(site, step)
    return site
