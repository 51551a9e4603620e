"""The dispute form: fill it, keep it filled, know what it holds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import UnexpectedPage
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.gates import check_gates
from agent.site.profile import SiteProfile

__all__ = ["DisputeForm"]

log = get_logger("agent.pages")


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
