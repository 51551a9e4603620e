"""What can stand between the agent and the page: dialogs, overlays, a login form, a challenge.

`arm_page` makes a page accept every JS dialog and close promo overlays whenever they get in the
way; `check_gates` stops the run with `NeedsHuman` when a page is a login form or a verification
challenge.
"""

from __future__ import annotations

import asyncio
import contextvars

from playwright.async_api import Dialog, Locator, Page

from agent.errors import ChallengeShown, LoginRequired
from agent.log import get_logger
from agent.site.dom import is_visible
from agent.site.profile import SiteProfile

__all__ = ["arm_page", "check_gates"]

log = get_logger("agent.pages")


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


async def check_gates(page: Page, profile: SiteProfile, *, when: str) -> None:
    """Raise NeedsHuman when the page is a login form or a verification challenge."""
    sel = profile.selectors
    challenge, login = await asyncio.gather(  # pipelined: one round trip
        is_visible(page.locator(sel.challenge)), is_visible(page.locator(sel.login_submit))
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
