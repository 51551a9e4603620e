"""``retry-dispute check``: walk a profile's flow on a live site up to the filled form.

For people writing a profile. It logs in if asked (the profile's login steps, credentials from
the environment), reads the order page, runs the open steps, waits for the form and fills it,
and NEVER submits: the submit steps are not run (their elements are only counted where they
show). Every step leaves a screenshot; at the end a table says, for every profile element the
walk used, whether it was found, missing or ambiguous (how many matched), with a hint. Exit 0
when everything was found, 2 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from playwright.async_api import BrowserContext, Page, async_playwright

from agent.api import run_sync
from agent.browser import connect
from agent.cli.output import Console
from agent.cli.request_args import request_from_args
from agent.cli.session import session_from_args, site_from_args
from agent.cli.signals import Interruptible
from agent.errors import InvalidConfig, NeedsHuman, RetryDisputeError
from agent.follow.walk import walk_follow
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.session import Session
from agent.site.flow_rules import Step
from agent.site.form import DisputeForm
from agent.site.gates import arm_page, check_gates
from agent.site.inspect import ElementLog, format_findings
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile, load_profile
from agent.site.steps import StepRun, condition_holds

__all__ = ["command_check"]

log = get_logger("agent.check")


class _Walk:
    """One check: the screenshots folder, the element log, what was reached."""

    def __init__(self, profile: SiteProfile, out: Path) -> None:
        self.profile = profile
        self.out = out
        self.elements = ElementLog(profile)
        self.shots = 0
        self.stopped: str | None = None

    async def shot(self, page: Page, name: str) -> None:
        self.shots += 1
        path = self.out / f"{self.shots:02d}-{name}.png"
        try:
            await page.screenshot(path=str(path), timeout=self.profile.timeouts.screenshot_s * 1000)
        except Exception as exc:  # a screenshot never hides the real problem
            log.warning("agent.screenshot_failed", step=name, error=str(exc)[:200])
            return
        print(f"  step {self.shots:2d}: {name:<28} {path}", file=sys.stderr)

    async def on_step(self, site: SitePage, step: Step) -> None:
        await self.shot(site.page, step.name)

    async def count_submit(self, site: SitePage, prepared: PreparedRequest) -> None:
        """The submit steps are never run: count the elements of those that apply now."""
        for step in self.profile.submit_steps:
            if await condition_holds(site, step.when, prepared.request, where=step.where):
                await site.report(step.element, "required", f"{step.where} (not run)")
                return  # later steps need the earlier ones to have run

    async def run(
        self, context: BrowserContext, *, site_url: str, session: Session, prepared: PreparedRequest
    ) -> None:
        page = await context.new_page()
        await arm_page(page, self.profile)
        site = SitePage(page, self.profile, item=prepared.request.item, inspector=self.elements)
        order = OrderPage(site, base_url=site_url)
        await order.goto(prepared.request.order_id)
        await self.shot(page, "order-page-loaded")
        if await order.is_login():
            if session.credentials is None:
                raise NeedsHuman(
                    "the site asks to log in",
                    hint="pass --storage-state FILE, or set RETRY_DISPUTE_USER and "
                    "RETRY_DISPUTE_PASSWORD to check the login steps too",
                )
            await order.login(session.credentials)
            await self.shot(page, "logged-in")
            await order.goto(prepared.request.order_id)
        await check_gates(site, when="on the order page")
        state = await order.read_state()
        await self.shot(page, "order-page")
        if state.existing_dispute_id or state.ineligible_text:
            said = (
                f"a dispute is open ({state.existing_dispute_id})"
                if state.existing_dispute_id
                else f"not eligible: {state.ineligible_text}"
            )
            self.stopped = (
                f"the order page says {said}: the open steps and the form were not "
                "checked; pick an order that can take a dispute"
            )
            if state.existing_dispute_id and await walk_follow(
                page,
                self.profile,
                base_url=site_url,
                request=prepared.request,
                request_id=state.existing_dispute_id,
                inspector=self.elements,
                shot=self.shot,
            ):  # the profile's [follow] section was walked on that request instead
                self.stopped = None
            return

        async def _arm(new: Page) -> None:
            await arm_page(new, self.profile)

        run = StepRun(request=prepared.request, on_new_page=_arm, on_step=self.on_step)
        form_site = await order.open_form(run)
        form = DisputeForm(form_site)
        await form.wait_ready()
        await self.shot(form_site.page, "form")
        for field in self.profile.form.fields:
            await form.fill(prepared, only=(field.name,))
            await self.shot(form_site.page, f"field-{field.name}")
        missing = await form.missing_fields(prepared)
        if missing:
            self.stopped = f"the form does not hold what was entered in: {', '.join(missing)}"
        await self.count_submit(form_site, prepared)


async def _check(
    args: argparse.Namespace,
    profile: SiteProfile,
    prepared: PreparedRequest,
    walk: _Walk,
    console: Console,
) -> None:
    session = session_from_args(args, demo=False)
    with site_from_args(args, console) as site_url:
        async with async_playwright() as p:
            browser = await connect(p, session.browser)
            try:
                context = await browser.new_context(
                    storage_state=str(session.storage_state) if session.storage_state else None,
                    viewport={"width": 1280, "height": 900},
                    locale="en-US",
                )
                try:
                    await walk.run(context, site_url=site_url, session=session, prepared=prepared)
                finally:
                    await context.close()
            finally:
                if not session.browser.cdp_url:
                    await browser.close()


def command_check(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Check a profile on a live site; print the table; 0 when every element was found, else 2.

    (*signals*: Ctrl-C ends the check like any command; nothing is ever submitted.)
    """
    if not args.site:
        raise InvalidConfig("check needs --site URL", hint="give the storefront's base URL")
    profile = load_profile(args.profile)
    prepared = request_from_args(args, profile, demo=False)
    profile.check_request(prepared.request)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out / f"check-{stamp}-{prepared.request.order_id}"
    out.mkdir(parents=True, exist_ok=True)
    walk = _Walk(profile, out)
    print(
        f"retry-dispute check: profile {profile.source} on {args.site}, order "
        f"{prepared.request.order_id}; screenshots in {out}/ (nothing is submitted)",
        file=sys.stderr,
    )
    failed: RetryDisputeError | None = None
    try:
        run_sync(_check(args, profile, prepared, walk, console))
    except NeedsHuman:
        raise
    except RetryDisputeError as exc:
        failed = exc
    print(format_findings(walk.elements))
    unused = walk.elements.unused()
    if unused:
        print(f"not used on this walk ({len(unused)}): {', '.join(unused)}")
    if failed is not None:
        print(f"stopped: {failed}")
    if walk.stopped:
        print(f"note: {walk.stopped}")
    ok = failed is None and walk.elements.ok and not walk.stopped
    print("every element used was found" if ok else "some elements need fixing (above)")
    return 0 if ok else 2
