"""The reconcile: before any resubmission, did the last attempt create the dispute anyway?

"System busy" can come after the site created the dispute, and so can a timeout, an HTTP 500 or
an unknown page. Before the agent submits again it reads the order page: a dispute there ends the
run ``opened``; a page it cannot read (a login form, a challenge, an error) stops or retries the
check, never a blind resubmission.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.errors import AmbiguousAnswer
from agent.log import get_logger
from agent.site.gates import check_gates
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile

__all__ = ["Reconciler"]

log = get_logger("agent.run")

#: Records a screenshot of a page under a step name (the run folder's numbered sequence).
StepRecorder = Callable[[Page, str], Awaitable[None]]


class Reconciler:
    """Looks on the site for the dispute of one order."""

    def __init__(
        self,
        context: BrowserContext,
        profile: SiteProfile,
        *,
        site: str,
        order_id: str,
        record_step: StepRecorder,
    ) -> None:
        self.context = context
        self.profile = profile
        self.site = site
        self.order_id = order_id
        self.record_step = record_step

    async def existing_dispute(self) -> str | None:
        """The id of the order's dispute on the site, or None; AmbiguousAnswer if we cannot tell.

        A plain HTTP read of the order page (the context's cookies) is enough when the site
        answers with the order page; anything else (an error status, a redirect to a login
        page, a challenge) is looked at in a browser tab, where a login form or a verification
        challenge stops the run with needs_human.
        """
        url = self.profile.order_url(self.order_id, base_url=self.site)
        try:
            response = await self.context.request.get(
                url, timeout=self.profile.timeouts.navigation_s * 1000, fail_on_status_code=False
            )
            body = await response.text()
        except PlaywrightError as exc:
            raise AmbiguousAnswer(f"the order page could not be checked: {str(exc)[:120]}") from exc
        match = self.profile.texts.existing.search(body)
        found = match["dispute_id"] if match else None
        log.info("agent.reconciled", found=found, status_code=response.status, via="http")
        if found is not None or (response.ok and response.url == url):
            return found
        return await self._in_tab(url)

    async def _in_tab(self, url: str) -> str | None:
        tab = await self.context.new_page()
        try:
            await tab.goto(
                url,
                timeout=self.profile.timeouts.navigation_s * 1000,
                wait_until="domcontentloaded",
            )
            await check_gates(tab, self.profile, when="checking the order page")
            state = await OrderPage(tab, self.profile, base_url=self.site).read_state()
        except PlaywrightError as exc:
            raise AmbiguousAnswer(f"the order page could not be checked: {str(exc)[:120]}") from exc
        finally:
            await self.record_step(tab, "reconcile-order-page")
            await tab.close()
        log.info("agent.reconciled", found=state.existing_dispute_id, via="page")
        return state.existing_dispute_id
