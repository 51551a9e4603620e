"""The second pass: the draft walked on the live site, reading what a recording cannot hold,
without submitting anything.

With ``--site`` and a session (``--storage-state``, or the login steps and
RETRY_DISPUTE_USER/RETRY_DISPUTE_PASSWORD), it opens the order page and reads: the overlays
(what the recording clicked away before opening the form, shown over the page as it loads:
``[[page.overlays]]``), the element that shows the order's id (``[order_page] ready``); it runs
the open steps and reads the form: its container (``[form] ready``), every option of a radio
group the recording ticked one of, and the full list of reasons (a ``<select>``'s options for
each answer of "received?" the form has, a custom dropdown's options). When the recording held
no network data, it fills the form, runs the submit steps with every request but a GET blocked,
and the last one with every request blocked: the request the page then tried to send is the
submit request (nothing reached the site), for the person to confirm.

Nothing is sent from the order page on: every request other than a GET is aborted in the
browser (the login before it is the only exception).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Route, async_playwright
from playwright.async_api import Error as PlaywrightError

from agent.browser import connect
from agent.errors import LoginRequired, RetryDisputeError
from agent.log import get_logger
from agent.recording.draft import Draft
from agent.recording.har import glob_of
from agent.recording.live_form import FormReader
from agent.recording.live_selectors import selectors_for
from agent.recording.writer import write_draft
from agent.redaction import add_secret
from agent.request import PreparedRequest, build_request
from agent.session import Session
from agent.site.form import DisputeForm
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile
from agent.site.steps import StepRun, run_steps

__all__ = ["CHECK_MESSAGE", "LiveFindings", "second_pass"]

log = get_logger("agent.recording")

#: The message the second pass (and the check after it) types: nothing is ever sent.
CHECK_MESSAGE = "This is a check of the profile: nothing is sent."
_OVERLAY = """el => {
  for (let n = el; n && n !== document.body; n = n.parentElement) {
    const role = n.getAttribute("role");
    if (role === "dialog" || role === "alertdialog" || n.getAttribute("aria-modal") === "true"
        || getComputedStyle(n).position === "fixed") return true;
  }
  return false;
}"""
_CONTAINER = """el => {
  for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
    const role = n.getAttribute("role");
    if (role === "dialog" || role === "alertdialog" || n.getAttribute("aria-modal") === "true"
        || getComputedStyle(n).position === "fixed") {
      n.setAttribute("data-retry-dispute-container", "");
      return true;
    }
  }
  return false;
}"""
_ORDER_ID = """id => {
  for (const el of document.querySelectorAll("body *")) {
    if (el.children.length === 0 && el.textContent.trim() === id && el.getClientRects().length) {
      el.setAttribute("data-retry-dispute-order", "");
      return true;
    }
  }
  return false;
}"""
_MATCHES = """els => els
  .filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden")
  .map(e => {
    if (!e.hasAttribute("data-retry-dispute-id")) {
      window.__retryDisputeIds = (window.__retryDisputeIds || 0) + 1;
      e.setAttribute("data-retry-dispute-id", String(window.__retryDisputeIds));
    }
    return e.getAttribute("data-retry-dispute-id");
  })"""
_UNMARK = """() => document.querySelectorAll("[data-retry-dispute-id]")
  .forEach(e => e.removeAttribute("data-retry-dispute-id"))"""


@dataclass(slots=True)
class LiveFindings:
    """What the second pass read, for the console."""

    lines: list[str] = field(default_factory=list)


class _Guard:
    """Lets the login through; from the order page on, aborts every request but a GET, and
    during the last submit step every request; remembers what it aborted."""

    def __init__(self) -> None:
        self.mode = "open"  # open | no-post | all
        #: Where the pass is: login, order (the order page, before any step), steps.
        self.phase = "login"
        self.seen: set[str] = set()
        self.aborted: list[tuple[str, str]] = []
        #: Requests other than GET seen on the order page before any step: how often, in all.
        self.on_load: dict[tuple[str, str], int] = {}

    def beacons(self) -> list[tuple[str, str]]:
        """What the site posted on its own on the order page (twice or more, before any click
        of ours): a beacon, declared harmless for `retry-dispute check`."""
        return [key for key, count in self.on_load.items() if count >= 2]

    async def route(self, route: Route) -> None:
        request = route.request
        method = request.method.upper()
        try:
            if self.mode == "open" or (self.mode == "no-post" and method in ("GET", "HEAD")):
                if method not in ("GET", "HEAD"):
                    self.seen.add(f"{method} {glob_of([request.url])}")
                await route.fallback()
                return
            if self.mode == "no-post":
                key = (method, glob_of([request.url]))
                self.seen.add(f"{key[0]} {key[1]}")
                if self.phase == "order" or key in self.on_load:
                    self.on_load[key] = self.on_load.get(key, 0) + 1
            self.aborted.append((method, request.url))
            await route.abort("blockedbyclient")
        except PlaywrightError:  # the page or context is closing: nothing is sent either way
            return


def _prepared(draft: Draft, profile: SiteProfile) -> PreparedRequest:
    recorded = draft.recorded
    assert recorded is not None
    return build_request(
        order_id=recorded.order_id,
        received="yes" if recorded.received else "no",
        reason=recorded.reason or "",
        message=CHECK_MESSAGE,
        rules=profile.evidence,
        reasons=profile.reasons,
    )


class _Pass:
    def __init__(self, draft: Draft, context: BrowserContext, site: str, session: Session) -> None:
        self.draft = draft
        self.context = context
        self.site = site
        self.session = session
        self.guard = _Guard()
        self.found = LiveFindings()

    def profile(self) -> SiteProfile:
        return write_draft(self.draft, source=f"{self.draft.source} (draft)")[1]

    def _on(self, page: Page) -> SitePage:
        """The page seen through the draft as it is now."""
        return SitePage(page, self.profile())

    async def run(self) -> LiveFindings:
        await self.context.route("**/*", self.guard.route)
        page = await self.context.new_page()
        profile = self.profile()
        order = OrderPage(SitePage(page, profile), base_url=self.site)
        recorded = self.draft.recorded
        assert recorded is not None
        await order.goto(recorded.order_id)
        if await order.is_login():
            await self._login(page)
            await order.goto(recorded.order_id)
        self.guard.mode, self.guard.phase = "no-post", "order"
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("load", timeout=profile.timeouts.navigation_s * 1000)
        await self._overlays(page)
        await self._order_ready(page, recorded.order_id)
        await self._prune(page, [s.element for s in self.draft.open_steps])
        profile = self.profile()
        await arm_page(page, profile)  # the overlays found now, closed whenever they show
        site = SitePage(page, profile)
        await site.wait_shown(
            profile.order_page.ready, where="order_page.ready", timeout_s=profile.timeouts.step_s
        )
        prepared = _prepared(self.draft, profile)
        self.guard.phase = "steps"

        async def _on_new(new: Page) -> None:
            await arm_page(new, profile)

        form_site = await run_steps(
            site,
            profile.open_steps,
            StepRun(request=prepared.request, on_new_page=_on_new),
            when="opening the dispute form",
        )
        form = DisputeForm(form_site)
        await form.wait_ready()
        names = [n for f in self.draft.fields for n in (f.element, *f.options.values()) if n]
        await self._prune(form_site.page, [*names, *(s.element for s in self.draft.submit_steps)])
        reader = FormReader(self.draft, self._on, self.found.lines)
        await reader.radios(form_site.page)
        await reader.reasons(form_site)
        await reader.form_ready(form_site.page)
        if not self.draft.answer.url:
            await self._submit_request(prepared)
        for beacon in self.guard.beacons():
            if beacon not in self.draft.harmless and beacon[1] != self.draft.answer.url:
                self.draft.harmless.append(beacon)
                self.found.lines.append(
                    f"a request the site sends on its own: {beacon[0]} {beacon[1]} "
                    "([[check.harmless]])"
                )
        return self.found

    async def _login(self, page: Page) -> None:
        """Log in with the draft's steps, one at a time, each element's alternatives pruned on
        the page it shows on (a login in two steps shows its password field on the second)."""
        credentials = self.session.credentials
        if credentials is None:
            raise LoginRequired(
                "the site asks to log in on the second pass",
                hint="pass --storage-state FILE (retry-dispute login), or set "
                "RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
            )
        add_secret(credentials.password)
        run = StepRun(credentials=credentials)
        for index in range(len(self.draft.login_steps)):
            profile = self.profile()
            step = profile.login.steps[index]
            site = SitePage(page, profile)
            await site.wait_shown(step.element, where=step.where, timeout_s=profile.timeouts.step_s)
            await self._prune(page, [step.element])
            site = SitePage(page, self.profile())
            await run_steps(
                site, self.profile().login.steps[index : index + 1], run, when="logging in"
            )
        self._login_page()
        profile = self.profile()
        site = SitePage(page, profile)
        deadline = asyncio.get_running_loop().time() + profile.timeouts.navigation_s
        while await site.visible(profile.page.login, where="page.login"):
            if asyncio.get_running_loop().time() > deadline:
                raise LoginRequired(
                    "the login form did not go away on the second pass",
                    hint="check RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
                )
            await asyncio.sleep(0.1)
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("domcontentloaded")

    async def _prune(self, page: Page, names: list[str]) -> None:
        """Keep the alternatives of each element that find it, and only it, on this page: the
        element is the one most of them find alone (nothing changes when none does)."""
        for name in dict.fromkeys(names):
            element = self.draft.elements.get(name)
            if element is None or len(element.selectors) < 2:
                continue
            found: dict[str, list[str]] = {}
            for selector in element.selectors:
                try:
                    found[selector] = await page.locator(selector).evaluate_all(_MATCHES)
                except PlaywrightError:
                    found[selector] = ["invalid"]
            alone = [ids[0] for ids in found.values() if len(ids) == 1 and ids[0] != "invalid"]
            with contextlib.suppress(PlaywrightError):
                await page.evaluate(_UNMARK)
            if not alone:
                continue
            chosen = max(dict.fromkeys(alone), key=alone.count)
            kept = [s for s, ids in found.items() if ids == [chosen]]
            dropped = len(element.selectors) - len(kept)
            if dropped:
                element.selectors[:] = kept
                self.found.lines.append(
                    f"elements.{name}: {dropped} alternative(s) dropped (they find nothing or "
                    "another element on the live page)"
                )

    def _login_page(self) -> None:
        """The login form's element: its fields' alternatives (either shows on a login page)."""
        if self.draft.page_login is None:
            return
        fields = [s.element for s in self.draft.login_steps if s.action == "fill"]
        selectors = [x for name in fields for x in self.draft.elements[name].selectors]
        self.draft.elements[self.draft.page_login].selectors[:] = list(dict.fromkeys(selectors))

    async def _overlays(self, page: Page) -> None:
        steps = self.draft.open_steps
        opener = next((i for i, s in enumerate(steps) if s.new_page), len(steps) - 1)
        for step in list(steps[:opener]):
            located = self._on(page).locator(step.element).first
            try:
                if not await located.is_visible() or not await located.evaluate(_OVERLAY):
                    continue
                if not await located.evaluate(_CONTAINER):
                    continue
            except PlaywrightError:
                continue
            container = page.locator("[data-retry-dispute-container]").first
            selectors = await selectors_for(page, container)
            with contextlib.suppress(PlaywrightError):
                await container.evaluate("el => el.removeAttribute('data-retry-dispute-container')")
            if not selectors:
                continue
            name = self.draft.element(f"{step.element}_overlay", list(selectors))
            self.draft.overlays.append((name, step.element))
            steps.remove(step)
            self.found.lines.append(
                f"an overlay over the order page: {step.element!r} closes it "
                "([[page.overlays]], no longer an open step)"
            )
        if self.draft.order_ready not in {s.element for s in steps}:
            self.draft.order_ready = steps[0].element if steps else self.draft.order_ready

    async def _order_ready(self, page: Page, order_id: str) -> None:
        try:
            if not await page.evaluate(_ORDER_ID, order_id):
                return
        except PlaywrightError:
            return
        marked = page.locator("[data-retry-dispute-order]").first
        selectors = await selectors_for(page, marked, many=True, without=order_id)
        with contextlib.suppress(PlaywrightError):
            await marked.evaluate("el => el.removeAttribute('data-retry-dispute-order')")
        if selectors:
            self.draft.order_ready = self.draft.element(
                "order_id", list(selectors), note="shows the order's id: the order page is there"
            )
            self.draft.todos[:] = [t for t in self.draft.todos if "[order_page] ready" not in t]
            self.found.lines.append("the order page's ready element: the order's id")

    async def _submit_request(self, prepared: PreparedRequest) -> None:
        """Fill the form, run the submit steps with the network blocked: what the last step
        tried to send is the submit request."""
        profile = self.profile()
        pages = [p for p in self.context.pages if not p.is_closed()]
        site = SitePage(pages[-1], profile)
        form = DisputeForm(site)
        await form.fill(prepared)
        steps = profile.submit_steps
        run = StepRun(request=prepared.request, no_wait_after=True)
        try:
            if len(steps) > 1:
                site = await run_steps(site, steps[:-1], run, when="the second pass")
            self.guard.mode = "all"
            await run_steps(site, steps[-1:], run, when="the second pass")
        except (RetryDisputeError, PlaywrightError) as exc:
            log.info("agent.recording_submit_probe", error=str(exc)[:200])
        for _ in range(40):
            if self._candidate() is not None:
                break
            await asyncio.sleep(0.1)
        candidate = self._candidate()
        if candidate is None:
            self.draft.todo(
                "[answer] url: the final click sent no request the second pass could see"
            )
            return
        method, url = candidate
        self.draft.answer.method = method
        self.draft.answer.url = glob_of([url])
        self.draft.answer.url_from = "live"
        self.draft.todo(
            f"[answer] confirm the submit request: {method} {urlsplit(url).path} is what the "
            "page tried to send on the final click (blocked: nothing was sent)"
        )
        self.found.lines.append(
            f"the submit request: {method} {self.draft.answer.url} (blocked; confirm it)"
        )

    def _candidate(self) -> tuple[str, str] | None:
        for method, url in self.guard.aborted:
            if (
                method not in ("GET", "HEAD")
                and f"{method} {glob_of([url])}" not in self.guard.seen
            ):
                return method, url
        return None


async def second_pass(draft: Draft, *, site: str, session: Session) -> LiveFindings:
    """Walk the draft on the live site (never submitting) and complete it."""
    async with async_playwright() as p:
        browser = await connect(p, session.browser)
        try:
            context = await browser.new_context(
                storage_state=str(session.storage_state) if session.storage_state else None,
                viewport={"width": 1280, "height": 900},
                locale="en-US",
            )
            try:
                return await _Pass(draft, context, site, session).run()
            finally:
                await context.close()
        finally:
            if not session.browser.cdp_url:
                await browser.close()
