"""A page seen through a profile: elements found by their name in ``[elements]``.

`SitePage` resolves an element name to a Playwright locator (inside the requested item's line
when the element's scope is ``item``), waits for it within the profile's timeouts, and when it
does not show, fails naming the profile entry and the file, pointing at ``retry-dispute check``.
An `Inspector` (the ``check`` command) sees every element the flow uses and how many matched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import ProfileMismatch
from agent.site.dom import is_visible
from agent.site.profile_model import SiteProfile

__all__ = ["CHECK_HINT", "Inspector", "SitePage", "Use"]

CHECK_HINT = (
    "the site may have changed, or the profile's selector is wrong: check the profile on the "
    "site with `retry-dispute check --site URL --profile PROFILE --order ID`"
)

#: How the flow used an element: it had to show, it had to be in the page (a file input may be
#: hidden), or it was only looked for (a condition, a gate).
Use = Literal["required", "present", "looked"]


class Inspector(Protocol):
    """Told about every element the flow uses (`retry-dispute check` reports on them)."""

    async def element_used(self, name: str, locator: Locator, use: Use, where: str) -> None:
        """The flow used element *name* at *where* (a profile entry, ``open.steps[1]``)."""


@dataclass(slots=True)
class SitePage:
    """A page, the profile that describes it, the requested item, and an optional inspector."""

    page: Page
    profile: SiteProfile
    item: str | None = None
    inspector: Inspector | None = None

    def on(self, page: Page) -> SitePage:
        """The same view of another page (a pop-up, a new tab, a reconcile's tab)."""
        return SitePage(page, self.profile, self.item, self.inspector)

    def selector(self, name: str) -> str:
        """The element's selector as the profile gives it."""
        return self.profile.elements[name].selector

    def locator(self, name: str) -> Locator:
        """Every match of element *name* (inside the item's line for item-scoped elements)."""
        element = self.profile.elements[name]
        line = self.profile.order_page.item_line
        if element.scope == "item" and self.item is not None and line is not None:
            return self.page.locator(line.replace("{item}", self.item)).first.locator(
                element.selector
            )
        return self.page.locator(element.selector)

    def shown(self, name: str) -> Locator:
        """The first visible match of element *name*."""
        return self.locator(name).filter(visible=True).first

    async def report(
        self, name: str, use: Use, where: str, *, matching: Locator | None = None
    ) -> None:
        """Tell the inspector, if any, that the flow used element *name* (*matching*: the part
        of its matches that counts, e.g. the option with one label)."""
        if self.inspector is not None:
            located = matching if matching is not None else self.locator(name)
            await self.inspector.element_used(name, located, use, where)

    async def visible(self, name: str | None, *, where: str = "") -> bool:
        """Whether element *name* is visible now (False for None)."""
        if name is None:
            return False
        await self.report(name, "looked", where)
        return await is_visible(self.shown(name))

    async def wait_shown(self, name: str, *, where: str, timeout_s: float | None = None) -> Locator:
        """The first visible match of *name*, waited for; `UnexpectedPage` naming the entry."""
        limit = self.profile.timeouts.step_s if timeout_s is None else timeout_s
        located = self.shown(name)
        try:
            await located.wait_for(state="visible", timeout=limit * 1000)
        except PlaywrightTimeout:
            await self.report(name, "required", where)
            raise self.missing(name, where=where, waited_s=limit) from None
        await self.report(name, "required", where)
        return located

    async def act_on(
        self, name: str, act: Callable[[Locator], Awaitable[object]], *, where: str
    ) -> None:
        """Act on the first visible match of *name*, waited for by the action itself.

        Playwright's actions wait for their element to be visible (and enabled, and stable):
        `wait_shown` before one is a second round trip that waits for the same thing. An element
        that never showed is `ProfileMismatch` naming the entry, as from `wait_shown`; one that
        showed and did not respond is Playwright's timeout. With an inspector (the check
        command), the element is waited for and reported before the action, as it was seen.
        """
        if self.inspector is not None:
            await act(await self.wait_shown(name, where=where))
            return
        located = self.shown(name)
        try:
            await act(located)
        except PlaywrightTimeout:
            if await is_visible(located):
                raise
            raise self.missing(name, where=where, waited_s=self.profile.timeouts.step_s) from None

    async def wait_gone(self, name: str, *, where: str, timeout_s: float) -> None:
        """Wait until no match of *name* is visible."""
        await self.report(name, "looked", where)
        try:
            await (
                self.locator(name)
                .filter(visible=True)
                .first.wait_for(state="hidden", timeout=timeout_s * 1000)
            )
        except PlaywrightTimeout:
            raise ProfileMismatch(
                f"{where}: elements.{name} ({self.selector(name)!r}) of profile "
                f"{self.profile.source} was still shown after {timeout_s:g} s at {self.page.url}",
                url=self.page.url,
                hint=CHECK_HINT,
            ) from None

    def missing(self, name: str, *, where: str, waited_s: float) -> ProfileMismatch:
        """The error for an element that did not show."""
        return ProfileMismatch(
            f"{where}: elements.{name} ({self.selector(name)!r}) of profile "
            f"{self.profile.source} was not found on {self.page.url} within {waited_s:g} s",
            url=self.page.url,
            hint=CHECK_HINT,
            context={"element": name, "profile_entry": where},
        )

    async def text_of(self, located: Locator) -> str:
        """The rendered, visible text of an element ("" when it went away)."""
        try:
            return " ".join((await located.inner_text(timeout=2000)).split())
        except PlaywrightError:
            return ""
