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


#: Whether a close button receives a click at its centre (nothing else is in front of it); a
#: button outside the viewport counts as in front (the click scrolls to it).
_IN_FRONT = """e => {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return false;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) return true;
  const hit = document.elementFromPoint(x, y);
  return hit !== null && (hit === e || e.contains(hit));
}"""
#: Bounds of the overlay handler's own waits: the probe of the close button, and its click.
_PROBE_MS = 1000
_CLOSE_MS = 3000


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


async def arm_page(page: Page, profile: SiteProfile) -> None:
    """Answer every JS dialog and close the profile's overlays whenever they get in the way.

    Playwright calls the handlers outside the run's context, so they log in a copy of it
    (run id, order id and the run's log file). A handler never raises (an exception would
    escape onto stderr, outside the run) and every wait in it is bounded. An overlay whose
    close button something else covers (a banner behind an in-page modal) is not in front, so
    it blocks nothing: it is left alone, and closed later once it comes forward. Playwright
    does not wait for an overlay to go after its handler ran (``no_wait_after``): an overlay
    left behind never stalls the step.
    """
    context = contextvars.copy_context()
    _NEXT.setdefault(page, [])

    async def _answer_dialog(dialog: Dialog) -> None:
        try:
            queued = _NEXT.get(page) or []
            answer = queued.pop(0) if queued else profile.page.dialogs
            try:  # first: the page is frozen until the dialog is answered
                await (dialog.accept() if answer == "accept" else dialog.dismiss())
            except Exception as exc:  # the dialog may already be gone
                context.run(log.warning, "agent.dialog_failed", error=_first_line(exc))
                return
            context.run(
                log.info,
                "agent.dialog_accepted" if answer == "accept" else "agent.dialog_dismissed",
                dialog_type=dialog.type,
                dialog_message=dialog.message[:200],
            )
        except Exception as exc:  # never out of a Playwright callback
            context.run(log.warning, "agent.dialog_failed", error=_first_line(exc))

    page.on("dialog", _answer_dialog)
    site = SitePage(page, profile)
    for overlay in profile.page.overlays:
        close = site.locator(overlay.close).filter(visible=True).first
        element = site.locator(overlay.element).first

        async def _close_overlay(
            _: Locator, close: Locator = close, name: str = overlay.element
        ) -> None:
            try:
                if not await close.is_visible():
                    return  # it went, or it has no close button shown yet
                if not await close.evaluate(_IN_FRONT, timeout=_PROBE_MS):
                    context.run(log.debug, "agent.overlay_behind", url=page.url, overlay=name)
                    return
                await close.click(timeout=_CLOSE_MS, no_wait_after=True)
                context.run(log.info, "agent.overlay_closed", url=page.url, overlay=name)
            except Exception as exc:  # never out of Playwright's handler onto stderr
                context.run(
                    log.info, "agent.overlay_close_failed", overlay=name, error=_first_line(exc)
                )

        await page.add_locator_handler(element, _close_overlay, no_wait_after=True)


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
