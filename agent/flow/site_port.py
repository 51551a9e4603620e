"""The submit loop's port over a real browser, for one order's dispute (the Playwright adapter).

`DisputePort` implements `agent.flow.port.SubmitPort`:

- ``submit``: one submission through the form (`agent.flow.form_submit.FormSubmitter`: the submit
  steps, every request the profile names watched until it ends, the answer read and classified),
  recorded in the run's timeline as an attempt with its screenshot;
- ``find``: read the order page in a tab kept open for the run, with the one definition of the
  existing dispute (`agent.site.existing`); a page that cannot be read says so, never "none";
- ``record_check``: the check's screenshot and its result in the run's timeline;
- ``prepare_resend``: the form ready again (a busy notice closed, the fields read back).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.errors import ProfileMismatch
from agent.flow.form_submit import FormSubmitter
from agent.flow.port import Finding, Submission
from agent.output.run_folder import Grabbed, RunFolder
from agent.request import PreparedRequest
from agent.site.answer import Answer
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.steps import StepRun

__all__ = ["DisputePort"]


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
    ) -> None:
        self.context = context
        self.site = site
        self.profile = site.profile
        self.folder = folder
        self.prepared = prepared
        self.base_url = base_url
        self.form = FormSubmitter(
            context=context, profile=self.profile, steps=steps, clock=clock, photograph=self._shot
        )
        self._tab: Page | None = None
        #: The screenshots taken as an answer, or a check, was read (filed once named).
        self._answer_shot: Grabbed | None = None
        self._check_shot: Grabbed | None = None

    async def _shot(self, page: Page) -> None:
        self._answer_shot = await self.folder.grab(
            page, timeout_s=self.profile.timeouts.screenshot_s
        )

    # -- submit ------------------------------------------------------------------------------
    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
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

    # -- find --------------------------------------------------------------------------------
    async def find(self, *, after_attempt: int) -> Finding:
        tab = await self._order_tab()
        order = OrderPage(self.site.on(tab), base_url=self.base_url)
        try:
            status = await order.goto(self.prepared.request.order_id)
            await check_gates(order.site, when="checking the order page")
            if status is not None and status >= 400:
                return await self._unreadable(tab, f"the order page answered HTTP {status}")
            state = await order.read_state()
        except ProfileMismatch as exc:  # an error page, or the page changed under the read
            return await self._unreadable(tab, exc.what)
        except PlaywrightError as exc:
            if self._browser_lost():
                raise  # no retry can help: the run ends in an error (a batch runs it again)
            return await self._unreadable(tab, f"the order page could not be read: {exc}")
        if state.dispute.exists:  # the evidence that the dispute is there (a page showing
            # none is the page the attempt's screenshot already shows the answer of)
            self._check_shot = await self.folder.grab(
                tab, timeout_s=self.profile.timeouts.screenshot_s
            )
        return state.dispute

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
    def order_tab(self) -> Page | None:
        """The tab the order page is read in, once opened."""
        return self._tab

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
        await self.form.prepare_resend(last, self.prepared)
