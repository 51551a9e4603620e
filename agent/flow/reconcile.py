"""The reconcile: before any resubmission, did the last attempt create the dispute anyway?

"System busy" can come after the site created the dispute, and so can a timeout, an HTTP 500 or
an unknown page. Before the agent submits again it opens the order page in a browser tab and
reads it as a person sees it, with the one definition of "the existing dispute"
(`agent.site.existing`): a dispute there ends the run ``opened``. A page it cannot read (a
login form, a challenge, an error) stops the run or the check, never a blind resubmission.

A page that shows no dispute proves there is none only when the site shows new disputes at
once (``dispute.shows_within_s = 0``). Otherwise the order page is read again until that long
after the answer has passed, and only then is "no dispute" believed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.errors import AmbiguousAnswer
from agent.log import get_logger
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage

__all__ = ["Reconciler"]

log = get_logger("agent.run")

#: Records a screenshot of a page under a step name (the run folder's numbered sequence).
StepRecorder = Callable[[Page, str], Awaitable[None]]
#: Seconds between two reads of the order page while a new dispute may still be on its way.
_RECHECK_S = 1.0


class Reconciler:
    """Looks on the site for the dispute of one order (and item)."""

    def __init__(
        self,
        context: BrowserContext,
        site: SitePage,
        *,
        base_url: str,
        order_id: str,
        record_step: StepRecorder,
    ) -> None:
        self.context = context
        self.site = site
        self.profile = site.profile
        self.base_url = base_url
        self.order_id = order_id
        self.record_step = record_step

    async def existing_dispute(self, *, wait_s: float | None = None) -> str | None:
        """The id of the order's dispute on the site, or None; AmbiguousAnswer if we cannot tell.

        *wait_s*: how much longer a dispute created by the last submission may take to show
        (default: the profile's ``dispute.shows_within_s``); the order page is read again until
        then while it shows none. A login form or a challenge stops the run with needs_human.
        """
        remaining = self.profile.dispute.shows_within_s if wait_s is None else max(0.0, wait_s)
        deadline = time.monotonic() + remaining
        tab = await self.context.new_page()
        try:
            await arm_page(tab, self.profile)
            order = OrderPage(self.site.on(tab), base_url=self.base_url)
            reads = 0
            while True:
                reads += 1
                found = await self._read(order)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    break
                log.info("agent.reconcile_rechecking", read=reads, wait_left_s=round(left, 2))
                await asyncio.sleep(min(_RECHECK_S, left))
        finally:
            await self.record_step(tab, "reconcile-order-page")
            await tab.close()
        log.info("agent.reconciled", found=found, via="page", reads=reads)
        return found

    async def after_answer(self, *, since_s: float | None) -> str | None:
        """After an answer *since_s* ago (None: no answer yet): a site that shows new disputes
        late is read again until ``dispute.shows_within_s`` after that answer has passed."""
        shows = self.profile.dispute.shows_within_s
        return await self.existing_dispute(wait_s=None if since_s is None else shows - since_s)

    async def after_interruption(self, *, since_s: float) -> str | None:
        """After a run was interrupted *since_s* ago between its click and the answer: the
        dispute that submission may have created, read again while it may still be on its way
        (its answer could take ``timeouts.answer_s``, the dispute ``dispute.shows_within_s``
        more to show); None at once for a site that shows disputes at once."""
        if self.profile.dispute.shows_within_s <= 0:
            return None
        late = self.profile.dispute.shows_within_s + self.profile.timeouts.answer_s
        if since_s >= late:
            return None
        return await self.existing_dispute(wait_s=late - since_s)

    async def _read(self, order: OrderPage) -> str | None:
        try:
            status = await order.goto(self.order_id)
            await check_gates(order.site, when="checking the order page")
            if status is not None and status >= 400:
                raise AmbiguousAnswer(f"the order page answered HTTP {status}")
            state = await order.read_state()
        except PlaywrightError as exc:
            if self._browser_lost():
                raise  # no retry can help: the run ends in an error (a batch runs it again)
            raise AmbiguousAnswer(f"the order page could not be checked: {str(exc)[:120]}") from exc
        return state.existing_dispute_id

    def _browser_lost(self) -> bool:
        browser = self.context.browser
        return browser is not None and not browser.is_connected()
