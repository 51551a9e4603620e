"""A profile's selectors tried by Playwright before the flow starts: a refused one is the profile's.

Playwright parses a selector only when it is used, so a selector it refuses (``div[``, an
unknown engine) used to surface mid-flow as an unexpected error. `check_selectors` counts every
element (its frames, its item line or row) on the page the run starts from, all at once, and
turns the first refusal into one line naming the profile entry (`InvalidConfig`, exit 2).
A process checks a list of selectors once: a batch's later orders skip what its first one
proved (Playwright's parser does not change while the process runs).
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from agent.errors import PROFILE_MISMATCH, InvalidConfig
from agent.site.profile_model import SiteProfile
from agent.site.toml_check import PROFILE_HINT

__all__ = ["check_selectors"]

#: What stands for ``{item}`` while a selector is only parsed.
_SAMPLE_ITEM = "item-1"
#: The selector lists Playwright accepted in this process.
_accepted: set[tuple[tuple[str, str], ...]] = set()


def _entries(profile: SiteProfile) -> list[tuple[str, str]]:
    """Every selector of the profile, with the entry that gives it (frames first)."""
    out: list[tuple[str, str]] = []
    for element in profile.elements.values():
        for frame in element.frame:
            out.append((element.frame_entry or f"elements.{element.name}.frame", frame))
        for n, selector in enumerate(element.selectors, 1):
            entry = f"elements.{element.name}"
            out.append((entry if len(element.selectors) == 1 else f"{entry}[{n}]", selector))
    for entry, line in (
        ("order_page.item_line", profile.order_page.item_line),
        ("form.item_row", profile.form.item_row),
    ):
        if line is not None:
            out.append((entry, line))
    seen: set[str] = set()
    unique = []
    for entry, selector in out:
        if selector not in seen:
            seen.add(selector)
            unique.append((entry, selector.replace("{item}", _SAMPLE_ITEM)))
    return unique


async def check_selectors(page: Page, profile: SiteProfile) -> None:
    """Refuse the profile when Playwright refuses one of its selectors (`InvalidConfig`).

    The selectors are counted on *page* side by side (one round trip's worth of waiting); a
    count raises only for a selector Playwright cannot parse.
    """
    entries = _entries(profile)
    if tuple(entries) in _accepted:
        return
    counts = await asyncio.gather(
        *(page.locator(selector).count() for _, selector in entries), return_exceptions=True
    )
    for (entry, selector), counted in zip(entries, counts, strict=True):
        if isinstance(counted, PlaywrightError):
            said = (str(counted).strip().splitlines() or ["refused"])[0]
            said = said.removeprefix("Locator.count: ")
            raise InvalidConfig(
                f"profile {profile.source}: {entry} ({selector!r}) is a selector Playwright "
                f"refuses: {said[:200]}",
                key=entry,
                hint=PROFILE_HINT,
                # the profile is ours to fix: no marketplace support ticket (Outcome.support_ticket)
                context={"code": PROFILE_MISMATCH},
            )
        if isinstance(counted, BaseException):
            raise counted
    _accepted.add(tuple(entries))
