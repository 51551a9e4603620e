"""The order's page: log in if asked, read eligibility and an existing dispute, open the form.

No selector or site text lives here: each comes from the profile. The page objects act and read;
deciding what an answer means is the answer module's job, and what to do about it the flow's.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import LoginRequired, UnexpectedPage
from agent.log import add_secret, get_logger
from agent.session import Credentials
from agent.site.dom import is_visible
from agent.site.gates import check_gates
from agent.site.profile import SiteProfile

__all__ = ["OrderPage", "OrderState"]

log = get_logger("agent.pages")


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderState:
    """What the order page says about disputes."""

    existing_dispute_id: str | None = None
    ineligible_text: str | None = None


class OrderPage:
    """The order's page: log in if asked, read eligibility, open the dispute form."""

    def __init__(self, page: Page, profile: SiteProfile, *, base_url: str) -> None:
        self.page = page
        self.profile = profile
        self.base_url = base_url

    async def goto(self, order_id: str) -> int | None:
        """Open the order page; return the HTTP status of the document."""
        response = await self.page.goto(
            self.profile.order_url(order_id, base_url=self.base_url),
            timeout=self.profile.timeouts.navigation_s * 1000,
            wait_until="domcontentloaded",
        )
        return response.status if response else None

    async def is_login(self) -> bool:
        return await is_visible(self.page.locator(self.profile.selectors.login_submit))

    async def login(self, credentials: Credentials) -> None:
        """Fill the storefront's login form; raise LoginRequired when it refuses."""
        add_secret(credentials.password)
        sel = self.profile.selectors
        page = self.page
        await page.locator(sel.login_username).first.fill(credentials.user)
        await page.locator(sel.login_password).first.fill(credentials.password)
        submit = page.locator(sel.login_submit).first
        await submit.click()
        error = page.locator(sel.login_error)
        # Done when the login form is gone (whatever page follows) or it shows an error.
        deadline = asyncio.get_running_loop().time() + self.profile.timeouts.navigation_s
        while asyncio.get_running_loop().time() < deadline:
            if await is_visible(error) or not await is_visible(submit):
                break
            await asyncio.sleep(0.05)
        with contextlib.suppress(PlaywrightTimeout):
            await page.wait_for_load_state("domcontentloaded")
        if await is_visible(error):
            text = (await error.first.inner_text()).strip()
            raise LoginRequired(
                f"the site refused the login ({text[:120]})",
                hint="check RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
            )
        log.info("agent.logged_in", user=credentials.user)

    async def read_state(self) -> OrderState:
        """Read an existing dispute or the reason the order is not eligible."""
        sel = self.profile.selectors
        page = self.page
        try:
            await (
                page.locator(sel.order_status)
                .or_(page.locator(sel.open_dispute))
                .first.wait_for(state="visible", timeout=self.profile.timeouts.navigation_s * 1000)
            )
        except PlaywrightTimeout:
            await check_gates(page, self.profile, when="on the order page")
            raise UnexpectedPage(
                f"the order page at {page.url} shows no order",
                hint="check the order id and --site, or the profile's selectors",
            ) from None
        existing = page.locator(sel.existing_dispute)
        if await is_visible(existing):
            text = await existing.first.inner_text()
            match = self.profile.texts.existing.search(text)
            return OrderState(
                existing_dispute_id=match["dispute_id"] if match else text.strip()[:40]
            )
        ineligible = page.locator(sel.ineligible)
        if await is_visible(ineligible):
            return OrderState(
                ineligible_text=" ".join((await ineligible.first.inner_text()).split())
            )
        return OrderState()

    async def open_form(self) -> Page:
        """Click Open dispute and follow the pop-up, or the fallback link when it was blocked."""
        sel = self.profile.selectors
        page = self.page
        popups: list[Page] = []
        arrived = asyncio.Event()

        def _on_popup(popup: Page) -> None:
            popups.append(popup)
            arrived.set()

        page.once("popup", _on_popup)
        await page.locator(sel.open_dispute).first.click()
        blocked = page.locator(sel.popup_blocked)
        deadline = asyncio.get_running_loop().time() + self.profile.timeouts.popup_s
        while not popups:
            if await is_visible(blocked):
                log.info("agent.popup_blocked", url=page.url)
                await page.locator(sel.popup_fallback).first.click()
                return page
            if asyncio.get_running_loop().time() > deadline:
                raise UnexpectedPage(
                    "clicking Open dispute opened no dispute form",
                    hint="allow pop-ups for the site, or check the profile's open_dispute selector",
                )
            with contextlib.suppress(TimeoutError):  # look again for the banner every 50 ms
                await asyncio.wait_for(arrived.wait(), timeout=0.05)
        popup = popups[0]
        log.info("agent.popup_opened", url=popup.url)
        return popup
