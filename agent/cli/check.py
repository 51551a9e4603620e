"""``retry-dispute check``: walk a profile's flow on a live site up to the filled form.

For people writing a profile. It logs in if asked (the profile's login steps, credentials from
the environment), reads the order page, runs the open steps, waits for the form and fills it,
and NEVER submits: the submit steps are not run (their elements are only counted where they
show), and the browser context's network guard (`agent.site.network_guard`) aborts the
profile's answer request and, once logged in, every other request that is not a GET (but a
field's uploads and the profile's ``[[check.harmless]]``), whatever a step or a field clicks.
Every step leaves a screenshot (the folder 0700, each file 0600, like a run folder); at the end
a table says, for every profile element the walk used (and every frame it is in), whether it
was found, missing or ambiguous (how many matched), with a hint, and each blocked request names
the step or field that sent it. The site's cookies are secrets (registered as they are set):
every printed line is redacted and escaped like every console line.

Exit codes (`CHECK_EXIT_CODES`, also in ``check --help`` and the README): 0 every element used
was found and nothing was blocked (an order that cannot take a dispute, ineligible or with one
open, is no fault of the profile: 0, saying why the form was not reached); 2 the profile or the
request needs fixing (an element missing or ambiguous, a step or field that sent a request a
check blocks, the walk stopped on the site's answer, bad input, a selector Playwright refuses:
one line naming the entry); 5 a person is needed (the site asks to log in and no credentials
were given, a verification challenge); 1 an unexpected error; 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from playwright.async_api import BrowserContext, Page, async_playwright

from agent.api import run_sync
from agent.browser import connect
from agent.cli.output import Console, shown
from agent.cli.request_args import request_from_args
from agent.cli.session import session_from_args, site_from_args
from agent.cli.signals import Interruptible
from agent.errors import (
    ChallengeShown,
    InvalidConfig,
    NeedsHuman,
    OutputUnwritable,
    RetryDisputeError,
)
from agent.files import make_private_dir, write_private_bytes
from agent.flow.cookies import register_cookie_values, watch_cookies
from agent.follow.walk import walk_follow
from agent.log import get_logger
from agent.output.run_folder import slug
from agent.request import PreparedRequest
from agent.session import Session, restore_session_storage
from agent.site.existing import read_existing_dispute
from agent.site.flow_rules import Step
from agent.site.form import DisputeForm
from agent.site.gates import arm_page, check_gates
from agent.site.inspect import ElementLog, format_findings
from agent.site.locate import SitePage
from agent.site.network_guard import NetworkGuard
from agent.site.order_items import check_item
from agent.site.order_page import OrderPage
from agent.site.pin import pin_interface
from agent.site.profile import SiteProfile, load_profile
from agent.site.selectors import check_selectors
from agent.site.steps import StepRun, condition_holds

__all__ = ["CHECK_EXIT_CODES", "command_check"]

log = get_logger("agent.check")

#: Every exit code ``check`` can return (its --help shows this; the README says the same).
CHECK_EXIT_CODES = """exit codes:
  0    every element the walk used was found, and nothing it sent was blocked
  1    an unexpected error
  2    the profile or the request needs fixing: an element missing or ambiguous, a step or
       field that sent the submit request (or another request a check blocks), the walk
       stopped on what the site showed, or bad input (flags, profile, request)
  5    a person is needed: the site asks to log in and RETRY_DISPUTE_USER/PASSWORD are not
       set (or --storage-state is stale), or it shows a verification challenge
  130  interrupted (Ctrl-C; 143 for SIGTERM); nothing was sent
"""


class _Walk:
    """One check: the screenshots folder, the element log, what was reached."""

    def __init__(self, profile: SiteProfile, out: Path, guard: NetworkGuard) -> None:
        self.profile = profile
        self.out = out
        self.guard = guard
        self.elements = ElementLog(profile)
        self.shots = 0
        self.stopped: str | None = None
        #: What the profile gets wrong beyond its elements (each line says what to fix).
        self.problems: list[str] = []
        #: Why the form was not reached when the order cannot take a dispute (not a fault).
        self.not_reached: str | None = None

    async def shot(self, page: Page, name: str) -> None:
        self.shots += 1
        path = self.out / f"{self.shots:02d}-{name}.png"
        try:
            data = await page.screenshot(timeout=self.profile.timeouts.screenshot_s * 1000)
            write_private_bytes(path, data)  # 0600, like a run folder's screenshots
        except Exception as exc:  # a screenshot never hides the real problem
            log.warning("agent.screenshot_failed", step=name, error=str(exc)[:200])
            return
        print(f"  step {self.shots:2d}: {shown(name):<28} {path}", file=sys.stderr)

    def before_step(self, step: Step) -> None:
        self.guard.doing = f"{step.where} ({step.name})"

    async def on_step(self, site: SitePage, step: Step) -> None:
        await self.shot(site.page, step.name)

    async def count_submit(self, site: SitePage, prepared: PreparedRequest) -> None:
        """The submit steps are never run: count the elements of those that apply now; say
        when none would run for this request (a run would send nothing)."""
        request = prepared.request
        if not any(
            not s.when.request or s.when.holds_for(request) for s in self.profile.submit_steps
        ):
            self.problems.append(
                "submit.steps: none runs for this request (their `when` conditions skip them "
                "all): a run would send nothing"
            )
        for step in self.profile.submit_steps:
            if await condition_holds(site, step.when, prepared.request, where=step.where):
                await site.report(step.element, "required", f"{step.where} (not run)")
                return  # later steps need the earlier ones to have run

    async def run(
        self, context: BrowserContext, *, site_url: str, session: Session, prepared: PreparedRequest
    ) -> None:
        page = await context.new_page()
        await check_selectors(page, self.profile)
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
            self.guard.doing = "login.steps"
            try:
                await order.login(session.credentials)
            except ChallengeShown:
                await self.shot(page, "verification-code")
                raise
            await self.shot(page, "logged-in")
            await order.goto(prepared.request.order_id)
        self.guard.logged_in = True  # from now on: GET only (and a field's uploads)
        self.guard.doing = "reading the order page"
        await check_gates(site, when="on the order page")
        state = await order.read_state()
        await self.shot(page, "order-page")
        if self.profile.dispute.page is not None:  # the dispute is listed on its own page
            self.guard.doing = "reading the dispute's page ([dispute] page)"
            await order.goto_dispute_page(prepared.request.order_id)
            await check_gates(site, when="on the dispute's page")
            dispute = await read_existing_dispute(site, order_id=prepared.request.order_id)
            await self.shot(page, "dispute-page")
            state = dataclasses.replace(state, dispute=dispute)
            await order.goto(prepared.request.order_id)  # back to the order page's steps
        if state.dispute.exists and state.dispute.dispute_id is None:
            self.problems.append(
                f"dispute.pattern does not match the dispute element the order page shows "
                f'("{state.dispute.shown}"): a run counts it as a dispute whose id is unknown; '
                "fix dispute.pattern (or dispute.attribute)"
            )
        if state.dispute.exists or state.ineligible_text:
            said = (
                f"a dispute is open ({state.dispute.dispute_id or state.dispute.shown})"
                if state.dispute.exists
                else f"not eligible: {state.ineligible_text}"
            )
            self.not_reached = (
                f"the form was not reached: the order page says {said} (no fault of the "
                "profile); to check the open steps and the form, pick an order that can take "
                "a dispute"
            )
            if state.dispute.dispute_id and await walk_follow(
                page,
                self.profile,
                base_url=site_url,
                request=prepared.request,
                request_id=state.dispute.dispute_id,
                inspector=self.elements,
                shot=self.shot,
            ):  # the profile's [follow] section was walked on that request instead
                self.stopped = None
            return
        await check_item(site, prepared.request)

        async def _arm(new: Page) -> None:
            await arm_page(new, self.profile)

        run = StepRun(
            request=prepared.request,
            on_new_page=_arm,
            on_step=self.on_step,
            before_step=self.before_step,
        )
        form_site = await order.open_form(run)
        self.guard.doing = "waiting for the form (form.ready)"
        form = DisputeForm(form_site)
        await form.wait_ready()
        await self.shot(form_site.page, "form")
        await form.check_limits(prepared)
        for field in self.profile.form.fields:
            self.guard.doing = f"{field.where} ({field.name})"
            self.guard.uploading = field.kind == "files"  # its uploads may go, nothing else
            await form.fill(prepared, only=(field.name,))
            self.guard.uploading = False
            await self.shot(form_site.page, f"field-{field.name}")
        self.guard.doing = "reading the filled form"
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
                    # a service worker's requests would pass the guard's routes: none at all
                    service_workers="block",
                )
                await restore_session_storage(context, session.storage_state)
                try:
                    watch_cookies(context)  # a cookie the site echoes is masked on every line
                    await register_cookie_values(context)
                    await walk.guard.install(context)
                    await pin_interface(context, profile, site_url)
                    await walk.run(context, site_url=site_url, session=session, prepared=prepared)
                finally:
                    await context.close()
            finally:
                if not session.browser.cdp_url:
                    await browser.close()


def command_check(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Check a profile on a live site; print the table; 0 when every element was found and
    nothing was blocked, else 2 (5: a person must log in; see `CHECK_EXIT_CODES`).

    (*signals*: Ctrl-C ends the check like any command; nothing is ever submitted.)
    """
    if not args.site:
        raise InvalidConfig("check needs --site URL", hint="give the storefront's base URL")
    profile = load_profile(args.profile)
    prepared = request_from_args(args, profile, demo=False)
    profile.check_request(prepared.request)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out / f"check-{stamp}-{slug(prepared.request.order_id)}"
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        make_private_dir(out)  # 0700: its screenshots show the account's pages
    except OSError as exc:
        raise OutputUnwritable(out, exc) from None
    walk = _Walk(profile, out, NetworkGuard(profile, site_url=args.site))
    print(
        f"retry-dispute check: profile {shown(profile.source)} on {shown(args.site)}, order "
        f"{shown(prepared.request.order_id)}; screenshots in {out}/ (nothing is submitted)",
        file=sys.stderr,
    )
    failed: RetryDisputeError | None = None
    try:
        run_sync(_check(args, profile, prepared, walk, console))
    except (NeedsHuman, InvalidConfig):  # a person must act; a profile Playwright refuses
        raise
    except RetryDisputeError as exc:
        failed = exc
    print(format_findings(walk.elements))
    unused = walk.elements.unused()
    if unused:
        print(f"not used on this walk ({len(unused)}): {', '.join(unused)}")
    for line, times in Counter(b.line for b in walk.guard.blocked).items():
        again = f" ({times} times)" if times > 1 else ""
        print(f"blocked{again}: {shown(line)}")
    if failed is not None:
        print(f"stopped: {shown(failed)}")
    if walk.stopped:
        print(f"note: {shown(walk.stopped)}")
    if walk.not_reached:
        print(f"note: {shown(walk.not_reached)}")
    for problem in walk.problems:
        print(f"problem: {shown(problem)}")
    drifted = walk.elements.drifted()
    if drifted:
        names = ", ".join(f"elements.{f.name} ({f.drift})" for f in drifted)
        print(
            f"drift: {names} found only by an alternative: their first selector matched "
            "nothing here; update the profile (put a selector that matches first)"
        )
    ok = (
        failed is None
        and walk.elements.ok
        and not walk.stopped
        and not walk.guard.blocked
        and not walk.problems
    )
    if walk.guard.blocked:
        print(
            "the profile sent what a check never sends (above): fix the step or field named, "
            "or `retry-dispute run` would send it too"
        )
    print("every element used was found" if ok else "some elements need fixing (above)")
    return 0 if ok else 2
