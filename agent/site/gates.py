"""What can stand between the agent and the page: dialogs, overlays, a login form, a challenge.

`arm_page` makes a page answer every JS dialog as the profile says (a step may answer the
dialog its click opens otherwise) and close the profile's overlays whenever they get in the
way; `check_gates` stops the run with `NeedsHuman` when a page is a login form or a
verification challenge.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from typing import Literal

from playwright.async_api import Dialog, Locator, Page

from agent.errors import ChallengeShown, LoginRequired
from agent.log import get_logger
from agent.site.locate import SitePage
from agent.site.profile_model import SiteProfile

__all__ = ["answer_next_dialog", "arm_page", "check_gates"]

log = get_logger("agent.pages")

DialogAnswer = Literal["accept", "dismiss"]
#: Per armed page: how to answer the next dialog, when a step said so.
_NEXT: weakref.WeakKeyDictionary[Page, list[DialogAnswer]] = weakref.WeakKeyDictionary()


def answer_next_dialog(page: Page, answer: DialogAnswer) -> None:
    """Answer the next JS dialog of *page* with *answer* (a step's ``dialog``)."""
    _NEXT.setdefault(page, []).append(answer)


async def arm_page(page: Page, profile: SiteProfile) -> None:
    """Answer every JS dialog and close the profile's overlays whenever they get in the way.

    Playwright calls the handlers outside the run's context, so they log in a copy of it
    (run id, order id and the run's log file).
    """
    context = contextvars.copy_context()
    _NEXT.setdefault(page, [])

    async def _answer_dialog(dialog: Dialog) -> None:
        queued = _NEXT.get(page) or []
        answer = queued.pop(0) if queued else profile.page.dialogs
        try:  # first: the page is frozen until the dialog is answered
            await (dialog.accept() if answer == "accept" else dialog.dismiss())
        except Exception as exc:  # the dialog may already be gone
            context.run(log.warning, "agent.dialog_failed", error=str(exc)[:200])
            return
        context.run(
            log.info,
            "agent.dialog_accepted" if answer == "accept" else "agent.dialog_dismissed",
            dialog_type=dialog.type,
            dialog_message=dialog.message[:200],
        )

    page.on("dialog", _answer_dialog)
    for overlay in profile.page.overlays:
        close = page.locator(profile.elements[overlay.close].selector)
        element = page.locator(profile.elements[overlay.element].selector).first

        async def _close_overlay(
            _: Locator, close: Locator = close, name: str = overlay.element
        ) -> None:
            context.run(log.info, "agent.overlay_closed", url=page.url, overlay=name)
            await close.filter(visible=True).first.click(timeout=5000)

        await page.add_locator_handler(element, _close_overlay)


async def check_gates(site: SitePage, *, when: str) -> None:
    """Raise NeedsHuman when the page is a login form or a verification challenge."""
    gates = site.profile.page
    challenge, login = await asyncio.gather(  # pipelined: one round trip
        site.visible(gates.challenge, where="page.challenge"),
        site.visible(gates.login, where="page.login"),
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
