"""Small reads of the page shared by every page object: is an element shown right now?"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

__all__ = ["is_visible"]


async def is_visible(locator: Locator) -> bool:
    """Whether the locator's first match is visible now; False when the page navigated away."""
    try:
        return await locator.first.is_visible()
    except PlaywrightError:  # the page navigated meanwhile, or the frame is gone
        return False
