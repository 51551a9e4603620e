"""The submit loop's port over a real browser, for one order's dispute (the Playwright adapter).

`DisputePort` implements `agent.flow.port.SubmitPort`:

- ``submit``: one submission through the form (`agent.flow.form_submit.FormSubmitter`: the submit
  steps, every request the profile names watched until it ends, the answer read and classified),
  recorded in the run's timeline as an attempt with its screenshot;
- ``find``: read the order page in a tab kept open for the run, with the one definition of the
  existing dispute (`agent.site.existing`); a page that cannot be read says so, never "none";
- ``record_check``: the check's screenshot and its result in the run's timeline;
- ``prepare_resend``: the form ready again (a busy notice closed, the fields read back).

When the site ends the session in the middle of a run and credentials are given, the port signs
in again where the site asks (the order page it reads, or the form's page), then goes on from
the page the site returns to (the form opened again from the order page when it is gone); at
most `MAX_SIGN_INS` times a run. The loop's usual proof (the check of the order page) comes
before anything is sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.errors import ProfileMismatch, SessionExpired
from agent.flow.form_submit import FormSubmitter
from agent.flow.port import Finding, Submission
from agent.log import get_logger
from agent.output.run_folder import Grabbed, RunFolder
from agent.request import PreparedRequest
from agent.session import Credentials
from agent.site.answer import Answer
from agent.site.existing import read_existing_dispute
from agent.site.form import DisputeForm
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.steps import StepRun

__all__ = ["MAX_SIGN_INS", "DisputePort"]

log = get_logger("agent.run")

#: The most times a run signs in again after the site ended its session.
MAX_SIGN_INS = 3


class DisputePort:
    """One order's site, as the submit loop sees it (see the module's documentation)."""

    def __init__(
        self,
        *,
        context: BrowserContext,
        site: SitePage,
        folder: RunFolder,
        prepared: PreparedRequest,
        base_url: str,
        steps: StepRun,
        clock: Callable[[], float],
        credentials: Credentials | None = None,
    ) -> None:
        self.context = context
        self.credentials = credentials
        self.sign_ins = 0
        #: Signed in again since the last submission (a page still showing the login form was
        #: left by the session that ended, not by the new one).
        self._renewed = False
        self.site = site
        self.profile = site.profile
        self.folder = folder
        self.prepared = prepared
        self.base_url = base_url
        self.form = FormSubmitter(
            context=context, profile=self.profile, steps=steps, clock=clock, photograph=self._shot
        )
        self._tab: Page | None = None
        #: Pages the port opened besides its order tab (to close with the run).
        self._opened: list[Page] = []
        #: The screenshots taken as an answer, or a check, was read (filed once named).
        self._answer_shot: Grabbed | None = None
        self._check_shot: Grabbed | None = None

    async def _shot(self, page: Page) -> None:
        self._answer_shot = await self.folder.grab(
            page, timeout_s=self.profile.timeouts.screenshot_s
        )

    # -- submit ------------------------------------------------------------------------------
    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        self._renewed = False
        try:
            submission = await self.form.submit(give_up_at=give_up_at)
        except asyncio.CancelledError:  # stopped while the form was on its way: no answer read
            await self.folder.attempt(None, attempt, "interrupted")
            raise
        answer = submission.answer
        grabbed, self._answer_shot = self._answer_shot, None
        await self.folder.attempt(
            self.form.page,
            attempt,
            answer.outcome,
            detail=answer.text or None,
            status_code=answer.status_code,
            timeout_s=self.profile.timeouts.screenshot_s,
            grabbed=grabbed,
        )
        return submission

    # -- signing in again --------------------------------------------------------------------
    @property
    def can_sign_in(self) -> bool:
        """Whether the run can sign in again: credentials, and the profile's login steps."""
        return self.credentials is not None and bool(self.profile.login.steps)

    async def _sign_in(self, order: OrderPage) -> None:
        """Sign in again on *order*'s page (the login page is opened when it does not show)."""
        assert self.credentials is not None
        if self.sign_ins >= MAX_SIGN_INS:
            raise SessionExpired(
                f"the site ended the session again after {self.sign_ins} sign-ins during the "
                "run; nothing more was sent",
                hint="run again later, or log in with `retry-dispute login` and pass "
                "--storage-state",
            )
        self.sign_ins += 1
        page = order.site.page
        if not await order.is_login():
            await page.goto(
                self.profile.login_url(base_url=self.base_url),
                timeout=self.profile.timeouts.navigation_s * 1000,
                wait_until="domcontentloaded",
            )
        log.warning("agent.signing_in_again", sign_in=self.sign_ins, url=page.url)
        await order.login(self.credentials)
        self._renewed = True
        await self.folder.step(
            page, "signed-in-again", timeout_s=self.profile.timeouts.screenshot_s
        )

    async def _reopen_form(self) -> None:
        """The form is gone (a login in between): opened again from the order page in a new tab
        (the old form's window closed first: a site may reuse a named pop-up), filled."""
        old = self.form.page
        page = await self.context.new_page()
        self._opened.append(page)
        await arm_page(page, self.profile)
        self.folder.prepare(page)
        if not old.is_closed():
            await old.close()
        order = OrderPage(self.site.on(page), base_url=self.base_url)
        await order.goto(self.prepared.request.order_id)
        if await order.is_login() and self.can_sign_in:
            await self._sign_in(order)
            await order.goto(self.prepared.request.order_id)
        await check_gates(order.site, when="opening the dispute form again")
        form_site = await order.open_form(self.form.steps)
        form = DisputeForm(form_site)
        await form.wait_ready()
        self.form.attach(form_site)
        self.form.start = None
        await form.fill(self.prepared)
        log.info("agent.form_reopened_from_the_order_page", url=form_site.page.url)

    # -- find --------------------------------------------------------------------------------
    async def find(self, *, after_attempt: int) -> Finding:
        tab = await self._order_tab()
        order = OrderPage(self.site.on(tab), base_url=self.base_url)
        order_id = self.prepared.request.order_id
        elsewhere = self.profile.dispute.page is not None  # a "Your returns" page
        where = "the dispute's page" if elsewhere else "the order page"
        try:
            status = await order.goto_dispute_page(order_id)
            if self.can_sign_in and await order.is_login():
                await self._sign_in(order)
                status = await order.goto_dispute_page(order_id)
            await check_gates(order.site, when=f"checking {where}")
            if status is not None and status >= 400:
                return await self._unreadable(tab, f"{where} answered HTTP {status}")
            if elsewhere:
                dispute = await read_existing_dispute(order.site, order_id=order_id)
            else:
                dispute = (await order.read_state()).dispute
        except ProfileMismatch as exc:  # an error page, or the page changed under the read
            return await self._unreadable(tab, exc.what)
        except PlaywrightError as exc:
            if self._browser_lost():
                raise  # no retry can help: the run ends in an error (a batch runs it again)
            return await self._unreadable(tab, f"{where} could not be read: {exc}")
        if dispute.exists:  # the evidence that the dispute is there (a page showing none is
            # the page the attempt's screenshot already shows the answer of)
            self._check_shot = await self.folder.grab(
                tab, timeout_s=self.profile.timeouts.screenshot_s
            )
        return dispute

    async def _unreadable(self, tab: Page, why: str) -> Finding:
        self._check_shot = await self.folder.grab(tab, timeout_s=self.profile.timeouts.screenshot_s)
        return Finding(state="unreadable", shown=" ".join(why.split())[:200])

    async def _order_tab(self) -> Page:
        """The tab the order page is read in, opened once for the run."""
        if self._tab is None or self._tab.is_closed():
            self._tab = await self.context.new_page()
            await arm_page(self._tab, self.profile)
            self.folder.prepare(self._tab)
        return self._tab

    @property
    def pages(self) -> tuple[Page, ...]:
        """The pages the port opened (the order tab, a form opened again), to close with the run."""
        return tuple(p for p in (self._tab, *self._opened) if p is not None)

    def _browser_lost(self) -> bool:
        browser = self.context.browser
        return browser is not None and not browser.is_connected()

    async def record_check(
        self, after_attempt: int, finding: Finding, *, reads: int, why: str
    ) -> None:
        grabbed, self._check_shot = self._check_shot, None
        self.folder.check(finding, attempt=after_attempt, reads=reads, why=why, grabbed=grabbed)

    # -- prepare_resend ----------------------------------------------------------------------
    async def prepare_resend(self, last: Answer) -> None:
        if last.outcome == "expired":  # a single-use form: open it again from the order page
            await self._reopen_form()
            return
        if self.can_sign_in:
            order = OrderPage(self.site.on(self.form.page), base_url=self.base_url)
            if await order.is_login():  # the site ended the session: where it asks, sign in
                if not self._renewed:  # (once: the check may have signed in already)
                    await self._sign_in(order)
                if not await DisputeForm(self.site.on(self.form.page)).is_ready():
                    await self._reopen_form()
                    return
        await self.form.prepare_resend(last, self.prepared)
