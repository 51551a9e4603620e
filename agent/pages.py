"""Page objects of the dispute flow, built from a SiteProfile.

No selector or site text lives here: each comes from the profile. The page objects act and read;
deciding what an answer means is the attempt module's job, and what to do about it the run's.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable
from dataclasses import dataclass

from playwright.async_api import Dialog, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import ChallengeShown, LoginRequired, UnexpectedPage
from agent.log import add_secret, get_logger
from agent.profile import SiteProfile
from agent.request import PreparedRequest

__all__ = ["Credentials", "DisputeForm", "OrderPage", "OrderState", "arm_page"]

log = get_logger("agent.pages")


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login for the storefront's form; from the environment only, never from flags."""

    user: str
    password: str

    def __repr__(self) -> str:  # never show the password, even in a traceback
        return f"Credentials(user={self.user!r}, password='[redacted]')"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderState:
    """What the order page says about disputes."""

    existing_dispute_id: str | None = None
    ineligible_text: str | None = None


async def arm_page(page: Page, profile: SiteProfile) -> None:
    """Accept every JS dialog and close promo overlays whenever they get in the way.

    Playwright calls the handlers outside the run's context, so they log in a copy of it
    (run id, order id and the run's log file).
    """
    context = contextvars.copy_context()

    async def _accept_dialog(dialog: Dialog) -> None:
        try:  # first: the page is frozen until the dialog is answered
            await dialog.accept()
        except Exception as exc:  # the dialog may already be gone
            context.run(log.warning, "agent.dialog_failed", error=str(exc)[:200])
            return
        context.run(
            log.info,
            "agent.dialog_accepted",
            dialog_type=dialog.type,
            dialog_message=dialog.message[:200],
        )

    page.on("dialog", _accept_dialog)
    close = page.locator(profile.selectors.overlay_close)

    async def _close_overlay(overlay: Locator) -> None:
        context.run(log.info, "agent.overlay_closed", url=page.url)
        await close.first.click(timeout=5000)

    await page.add_locator_handler(page.locator(profile.selectors.overlay).first, _close_overlay)


async def _visible(locator: Locator) -> bool:
    try:
        return await locator.first.is_visible()
    except PlaywrightTimeout:
        return False


async def check_gates(page: Page, profile: SiteProfile, *, when: str) -> None:
    """Raise NeedsHuman when the page is a login form or a verification challenge."""
    sel = profile.selectors
    challenge, login = await asyncio.gather(  # pipelined: one round trip
        _visible(page.locator(sel.challenge)), _visible(page.locator(sel.login_submit))
    )
    if challenge:
        raise ChallengeShown(
            f"the site shows a verification challenge ({when})",
            hint="solve it in a browser (retry-dispute login --site URL --save-session FILE), "
            "then run again",
        )
    if login:
        raise LoginRequired(
            f"the site asks to log in ({when})",
            hint="log in with `retry-dispute login`, pass --storage-state, or set "
            "RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
        )


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
        return await _visible(self.page.locator(self.profile.selectors.login_submit))

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
            if await _visible(error) or not await _visible(submit):
                break
            await asyncio.sleep(0.05)
        with contextlib.suppress(PlaywrightTimeout):
            await page.wait_for_load_state("domcontentloaded")
        if await _visible(error):
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
        if await _visible(existing):
            text = await existing.first.inner_text()
            match = self.profile.texts.existing.search(text)
            return OrderState(
                existing_dispute_id=match["dispute_id"] if match else text.strip()[:40]
            )
        ineligible = page.locator(sel.ineligible)
        if await _visible(ineligible):
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
            if await _visible(blocked):
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


class DisputeForm:
    """The dispute form: fill it, keep it filled, submit it."""

    def __init__(self, page: Page, profile: SiteProfile) -> None:
        self.page = page
        self.profile = profile

    def _loc(self, selector: str) -> Locator:
        return self.page.locator(selector).first

    async def wait_ready(self) -> None:
        """Wait until the form is there (or raise NeedsHuman for a login page or a challenge)."""
        try:
            await self._loc(self.profile.selectors.form).wait_for(
                state="visible", timeout=self.profile.timeouts.navigation_s * 1000
            )
        except PlaywrightTimeout:
            await check_gates(self.page, self.profile, when="opening the dispute form")
            raise UnexpectedPage(
                f"no dispute form at {self.page.url}",
                hint="check the profile's form selector",
            ) from None

    async def fill(self, prepared: PreparedRequest) -> None:
        """Fill every field in the site's order: received, reason, solution, refund, message…"""
        sel = self.profile.selectors
        req = prepared.request
        await self._loc(sel.received_yes if req.received else sel.received_no).check()
        await self._loc(sel.reason).select_option(req.reason)
        await self._loc(
            sel.solution_return if req.solution == "return" else sel.solution_refund
        ).check()
        if req.refund == "partial":
            await self._loc(sel.refund_partial).check()
            await self._loc(sel.amount).fill(f"{req.amount:.2f}")
        else:
            await self._loc(sel.refund_full).check()
        message = self._loc(sel.message)
        await message.fill("")
        # Typed, key by key, as a person would: never through the clipboard.
        await message.press_sequentially(req.message)
        await self.attach(prepared)

    async def attach(self, prepared: PreparedRequest) -> None:
        files = [str(p) for p in prepared.request.evidence]
        if files:
            await self._loc(self.profile.selectors.evidence).set_input_files(files)

    async def missing_fields(self, prepared: PreparedRequest) -> list[str]:
        """The fields whose value is no longer what we entered (a reset form, lost files)."""
        sel = self.profile.selectors
        req = prepared.request
        received = sel.received_yes if req.received else sel.received_no

        async def matches(check: Awaitable[object], expected: object) -> bool:
            return await check == expected

        checks: dict[str, Awaitable[bool]] = {
            "received": matches(self._loc(received).is_checked(), True),
            "reason": matches(self._loc(sel.reason).input_value(), req.reason),
        }
        if req.refund == "partial":
            checks["amount"] = matches(self._loc(sel.amount).input_value(), f"{req.amount:.2f}")
        checks["message"] = matches(self._loc(sel.message).input_value(), req.message)
        if req.evidence:
            count = self._loc(sel.evidence).evaluate("e => e.files ? e.files.length : 0")
            checks["evidence"] = matches(count, len(req.evidence))
        # every read at once: the commands are pipelined, one round trip instead of one each
        results = await asyncio.gather(*checks.values())
        return [name for name, ok in zip(checks, results, strict=True) if not ok]

    async def restore(self, prepared: PreparedRequest) -> list[str]:
        """Refill what the site dropped: everything when the form was reset, else only the files."""
        missing = await self.missing_fields(prepared)
        if missing == ["evidence"]:
            await self.attach(prepared)
        elif missing:
            await self.fill(prepared)
        if missing:
            log.info("agent.form_refilled", fields=missing)
        return missing
