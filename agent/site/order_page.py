"""The order's page: log in if asked, read eligibility and an existing dispute, open the form.

No selector, site text or step lives here: each comes from the profile (its login steps, its
order page elements, its ``[dispute]`` definition, its open steps). The page objects act and
read; deciding what an answer means is the answer module's job, and what to do about it the
flow's.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import (
    ORDER_NOT_FOUND,
    ChallengeShown,
    InvalidField,
    LoginRequired,
    ProfileMismatch,
    UnexpectedPage,
)
from agent.log import get_logger
from agent.session import Credentials
from agent.site.existing import Finding, read_existing_dispute
from agent.site.gates import check_gates
from agent.site.locate import SitePage
from agent.site.profile import bundled_profiles
from agent.site.steps import StepRun, run_steps

__all__ = ["OrderPage", "OrderState"]

log = get_logger("agent.pages")

#: How long a page that answered HTTP 404 may take to show the profile's signed-in marker.
_MARKER_S = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderState:
    """What the order page says about disputes: the order's dispute, or why none can be opened."""

    dispute: Finding = field(default_factory=lambda: Finding(state="none"))
    ineligible_text: str | None = None


class OrderPage:
    """The order's page: log in if asked, read eligibility, open the dispute form."""

    def __init__(self, site: SitePage, *, base_url: str) -> None:
        self.site = site
        self.profile = site.profile
        self.base_url = base_url

    async def goto(self, order_id: str) -> int | None:
        """Open the order page; return the HTTP status of the document."""
        response = await self.site.page.goto(
            self.profile.order_url(order_id, base_url=self.base_url),
            timeout=self.profile.timeouts.navigation_s * 1000,
            wait_until="domcontentloaded",
        )
        return response.status if response else None

    async def goto_dispute_page(self, order_id: str) -> int | None:
        """Open the page that lists the order's dispute (``[dispute] page``; the order page when
        the profile names none); return the HTTP status of the document."""
        url = self.profile.dispute.page_url(self.base_url, order_id, self.site.item)
        if url is None:
            return await self.goto(order_id)
        response = await self.site.page.goto(
            url, timeout=self.profile.timeouts.navigation_s * 1000, wait_until="domcontentloaded"
        )
        return response.status if response else None

    async def is_login(self) -> bool:
        """Whether the page is the site's login form."""
        return await self.site.visible(self.profile.page.login, where="page.login")

    async def login(self, credentials: Credentials) -> None:
        """Run the profile's login steps; raise LoginRequired when the site refuses."""
        rules = self.profile.login
        if not rules.steps:
            raise LoginRequired(
                f"the {self.profile.name} profile has no login steps",
                hint="log in with `retry-dispute login` and pass --storage-state",
            )
        site = await run_steps(
            self.site, rules.steps, StepRun(credentials=credentials), when="logging in"
        )
        # Done when the login form is gone (whatever page follows), it shows an error, or the
        # site asks for a verification (a one-time code after the password).
        gates = self.profile.page
        deadline = asyncio.get_running_loop().time() + self.profile.timeouts.navigation_s
        form_shown = True
        while asyncio.get_running_loop().time() < deadline:
            if await site.visible(rules.error, where="login.error") or await site.visible(
                gates.challenge, where="page.challenge"
            ):
                break
            form_shown = await site.visible(gates.login, where="page.login")
            if not form_shown:
                break
            await asyncio.sleep(0.05)
        with contextlib.suppress(PlaywrightTimeout):
            await site.page.wait_for_load_state("domcontentloaded")
        if await site.visible(rules.error, where="login.error"):
            assert rules.error is not None
            text = await site.text_of(site.shown(rules.error))
            raise LoginRequired(
                f"the site refused the login ({text[:120]})",
                hint="check RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
            )
        if await site.visible(gates.challenge, where="page.challenge"):
            assert gates.challenge is not None
            raise ChallengeShown(
                "the site asks for a verification code after the login steps (page.challenge: "
                f"elements.{gates.challenge} shows at {site.page.url})",
                hint="log in once with `retry-dispute login` and reuse the session "
                "(--storage-state FILE)",
                context={"element": gates.challenge},
            )
        if form_shown and await site.visible(gates.login, where="page.login"):
            raise LoginRequired(
                f"the login form still shows after the login steps ({site.page.url})",
                hint="check RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD, and the profile's "
                "[[login.steps]] (`retry-dispute check` shows each step)",
            )
        log.info("agent.logged_in", user=credentials.user)

    async def read_state(self) -> OrderState:
        """Read an existing dispute or the reason the order is not eligible."""
        site = self.site
        rules = self.profile.order_page
        try:
            await site.wait_shown(
                rules.ready, where="order_page.ready", timeout_s=self.profile.timeouts.navigation_s
            )
        except UnexpectedPage:
            await check_gates(site, when="on the order page")
            raise ProfileMismatch(
                f"the order page at {site.page.url} shows no order (order_page.ready: "
                f"elements.{rules.ready} of profile {self.profile.source} not found): the "
                f"{self.profile.name} profile may not fit this site",
                url=site.page.url,
                hint="check the order id and --site; " + self.fit_hint(),
            ) from None
        dispute = Finding(state="none")
        if self.profile.dispute.page is None:  # else it is listed on a page of its own
            dispute = await read_existing_dispute(site)
        if dispute.exists:
            return OrderState(dispute=dispute)
        if rules.not_eligible is not None and await site.visible(
            rules.not_eligible, where="order_page.not_eligible"
        ):
            return OrderState(ineligible_text=await site.text_of(site.shown(rules.not_eligible)))
        return OrderState()

    async def not_found(self, order_id: str) -> InvalidField | ProfileMismatch:
        """The error for an order page that answered HTTP 404.

        A page that shows the profile's signed-in marker (``page.signed_in``) is the site's own
        "not found": the order id is wrong, or the session is another account's
        (`ORDER_NOT_FOUND`). A page without it does not look like the site the profile
        describes: the profile may not fit the site (`ProfileMismatch`). Neither gets a
        marketplace support ticket: both are ours to fix.
        """
        url = self.site.page.url
        marker = self.profile.page.signed_in
        if marker is not None and not await self._shows(marker):
            return ProfileMismatch(
                f"order {order_id}: the order page ({url}) answered HTTP 404 and does not look "
                f"like the {self.profile.name} profile expects (page.signed_in: "
                f"elements.{marker} not shown): the profile may not fit this site",
                url=url,
                hint=self.fit_hint(),
            )
        fits = "" if marker is not None else "; if it is right, " + self.fit_hint()
        return InvalidField(
            f"order {order_id} was not found on the site (HTTP 404)",
            field="order_id",
            hint="check the order id, and that the session is of the account that placed it" + fits,
            context={"code": ORDER_NOT_FOUND, "url": url},
        )

    async def _shows(self, name: str) -> bool:
        try:
            await self.site.wait_shown(name, where="page.signed_in", timeout_s=_MARKER_S)
        except UnexpectedPage:
            return False
        return True

    def fit_hint(self) -> str:
        """What to do when the profile may not fit the site: name it, the others, and check."""
        given = self.profile.source.removesuffix(" (bundled)")
        return (
            f"the {self.profile.name} profile may not fit {self.base_url}: give the site's own "
            f"profile with --profile (bundled: {', '.join(bundled_profiles())}; or a profile "
            f"file), and check it with `retry-dispute check --site {self.base_url} --profile "
            f"{given} --order ID`"
        )

    async def open_form(self, run: StepRun) -> SitePage:
        """Run the profile's open steps; return the page the form is on (maybe a new one)."""
        return await run_steps(
            self.site, self.profile.open_steps, run, when="opening the dispute form"
        )
