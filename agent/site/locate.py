"""A page seen through a profile: elements found by their name in ``[elements]``.

`SitePage` resolves an element name to a Playwright locator (inside its ``<iframe>`` when it
has a ``frame``, inside the requested item's line or form row when its scope says so, ``{item}``
in a selector filled in), waits for it within the profile's timeouts, and when it does not
show, fails naming the profile entry and the file, pointing at ``retry-dispute check``. An
element may list alternative selectors: they are watched in one wait (Playwright's
``Locator.or_``), the first that shows is used, and one other than the preferred (the first) is
recorded as drift (`agent.site.drift`). An `Inspector` (the ``check`` command) sees every
element the flow uses and how many matched.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import reduce
from typing import Literal, Protocol

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FrameLocator, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import ProfileMismatch
from agent.outcome import DriftEntry
from agent.site.dom import is_visible
from agent.site.drift import DriftLog
from agent.site.profile_model import Element, SiteProfile

__all__ = [
    "CHECK_HINT",
    "Inspector",
    "SitePage",
    "Use",
    "alternative_locators",
    "element_locator",
    "stuck_reason",
    "within",
]

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

    def alternative_used(self, name: str, alternative: int, selector: str) -> None:
        """Element *name* was found by its alternative number *alternative* (1-based)."""


def _texts_pattern(texts: tuple[str, ...]) -> re.Pattern[str]:
    """A whole visible text that is one of *texts* (case and surrounding spaces ignored)."""
    choices = "|".join(re.escape(" ".join(t.split())) for t in texts)
    return re.compile(rf"^\s*(?:{choices})\s*$", re.IGNORECASE)


def alternative_locators(
    page: Page,
    element: Element,
    *,
    item_line: str | None = None,
    item: str | None = None,
    item_row: str | None = None,
) -> tuple[Locator, ...]:
    """Each alternative of *element*, in the profile's order, as a locator of its matches.

    Inside the element's frames (``frame``, outer first), then inside the item's line of the
    order page (scope ``item``) or its row of the form (``form_item``) when an item is given;
    ``{item}`` in a selector is the item's id (nothing without one); only the matches whose
    whole text is one of the element's ``texts`` when it has some.
    """
    root: Page | FrameLocator | Locator = page
    for frame in element.frame:
        assert not isinstance(root, Locator)
        root = root.frame_locator(frame)
    line = {"item": item_line, "form_item": item_row}.get(element.scope)
    if line is not None and item is not None:
        root = root.locator(line.replace("{item}", item)).first
    located = tuple(
        root.locator(selector.replace("{item}", item or "")) for selector in element.selectors
    )
    if element.texts:
        pattern = _texts_pattern(element.texts)
        located = tuple(loc.filter(has_text=pattern) for loc in located)
    return located


def element_locator(
    page: Page,
    element: Element,
    *,
    item_line: str | None = None,
    item: str | None = None,
    item_row: str | None = None,
) -> Locator:
    """Every match of *element*: the matches of all its alternatives (``Locator.or_``)."""
    alternatives = alternative_locators(
        page, element, item_line=item_line, item=item, item_row=item_row
    )
    return reduce(lambda one, other: one.or_(other), alternatives)


def within(root: Page | Locator, element: Element) -> Locator:
    """Every match of *element* inside *root* (a choice's label inside its choice): any of its
    alternatives, only the matches whose whole text is one of its ``texts`` when it has some."""
    located = tuple(root.locator(selector) for selector in element.selectors)
    if element.texts:
        pattern = _texts_pattern(element.texts)
        located = tuple(loc.filter(has_text=pattern) for loc in located)
    return reduce(lambda one, other: one.or_(other), located)


#: What Playwright's call log says about an element that did not respond, most telling first.
_STUCK = (
    "intercepts pointer events",
    "element is not enabled",
    "element is not visible",
    "element is not stable",
    "element is outside of the viewport",
    "element was detached from the DOM",
    "element is not attached",
)


def stuck_reason(exc: BaseException) -> str:
    """Why an action timed out, from Playwright's call log: ``: <div class="mask"> intercepts
    pointer events`` (with the leading ": "), or "" when it does not say."""
    lines = [line.strip(" -\t") for line in str(exc).splitlines()]
    for marker in _STUCK:
        for line in reversed(lines):
            if marker in line:
                return ": " + line[:240]
    return ""


@dataclass(slots=True)
class SitePage:
    """A page, the profile that describes it, the requested item, an optional inspector, and
    the run's drift log (elements found by another alternative than their first)."""

    page: Page
    profile: SiteProfile
    item: str | None = None
    inspector: Inspector | None = None
    drift: DriftLog | None = None

    def on(self, page: Page) -> SitePage:
        """The same view of another page (a pop-up, a new tab, a reconcile's tab)."""
        return SitePage(page, self.profile, self.item, self.inspector, self.drift)

    def with_item(self, item: str) -> SitePage:
        """The same page, for *item* (an items field found the order's only one)."""
        return SitePage(self.page, self.profile, item, self.inspector, self.drift)

    def selector(self, name: str) -> str:
        """The element's selectors (and texts) as the profile gives them, for a message."""
        return self.profile.elements[name].describe()

    def alternatives(self, name: str) -> tuple[Locator, ...]:
        """Each alternative of element *name*, in the profile's order."""
        return alternative_locators(
            self.page,
            self.profile.elements[name],
            item_line=self.profile.order_page.item_line,
            item=self.item,
            item_row=self.profile.form.item_row,
        )

    def locator(self, name: str) -> Locator:
        """Every match of element *name* (any alternative; inside the item's line for
        item-scoped elements)."""
        return element_locator(
            self.page,
            self.profile.elements[name],
            item_line=self.profile.order_page.item_line,
            item=self.item,
            item_row=self.profile.form.item_row,
        )

    def shown(self, name: str) -> Locator:
        """The first visible match of element *name*."""
        return self.locator(name).filter(visible=True).first

    def _drifted(self, name: str, index: int, where: str) -> None:
        element = self.profile.elements[name]
        if self.inspector is not None:
            self.inspector.alternative_used(name, index + 1, element.selectors[index])
        if self.drift is not None:
            self.drift.record(
                DriftEntry(
                    element=name,
                    alternative=index + 1,
                    selector=element.selectors[index],
                    preferred=element.selectors[0],
                    where=where,
                )
            )

    async def _settle(self, name: str, where: str, *, attached: bool = False) -> Locator | None:
        """The first alternative of *name* that shows now (that is in the page, *attached*),
        drift recorded when it is not the first; None when none does."""
        alternatives = self.alternatives(name)
        if attached:
            counts = await asyncio.gather(*(_count(a) for a in alternatives))
            seen = [count > 0 for count in counts]
        else:
            seen = await asyncio.gather(
                *(is_visible(a.filter(visible=True).first) for a in alternatives)
            )
        for index, shown in enumerate(seen):
            if shown:
                if index > 0:
                    self._drifted(name, index, where)
                chosen = alternatives[index]
                return chosen.first if attached else chosen.filter(visible=True).first
        return None

    def _has_alternatives(self, name: str) -> bool:
        return len(self.profile.elements[name].selectors) > 1

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
        shown = await is_visible(self.shown(name))
        if shown and self._has_alternatives(name):
            await self._settle(name, where)  # which alternative: drift said when not the first
        return shown

    async def wait_shown(self, name: str, *, where: str, timeout_s: float | None = None) -> Locator:
        """The first visible match of *name*, waited for; `UnexpectedPage` naming the entry."""
        limit = self.profile.timeouts.step_s if timeout_s is None else timeout_s
        located = self.shown(name)  # every alternative, watched in one wait
        try:
            await located.wait_for(state="visible", timeout=limit * 1000)
        except PlaywrightTimeout:
            await self.report(name, "required", where)
            raise self.missing(name, where=where, waited_s=limit) from None
        if self._has_alternatives(name):  # the preferred alternative that shows
            located = await self._settle(name, where) or located
        await self.report(name, "required", where)
        return located

    async def attached(self, name: str, *, where: str) -> Locator:
        """The first match of *name* in the page, shown or not (a hidden file input), by the
        first alternative that has one (drift said when not the first)."""
        await self.report(name, "present", where)
        if self._has_alternatives(name):
            found = await self._settle(name, where, attached=True)
            if found is not None:
                return found
        return self.locator(name).first

    async def act_on(
        self, name: str, act: Callable[[Locator], Awaitable[object]], *, where: str
    ) -> None:
        """Act on the first visible match of *name*, waited for by the action itself.

        Playwright's actions wait for their element to be visible (and enabled, and stable):
        `wait_shown` before one is a second round trip that waits for the same thing. An element
        that never showed is `ProfileMismatch` naming the entry, as from `wait_shown`; one that
        showed and did not respond is Playwright's timeout. With an inspector (the check
        command), the element is waited for and reported before the action, as it was seen; an
        element with alternatives is waited for (all of them in one wait) and the action goes to
        the preferred alternative that shows.
        """
        if self.inspector is not None or self._has_alternatives(name):
            # with alternatives: one wait for all of them, then the preferred one that shows
            located = await self.wait_shown(name, where=where)
            try:
                await act(located)
            except PlaywrightTimeout:
                if self.inspector is not None or await is_visible(located):
                    raise
                raise self.missing(
                    name, where=where, waited_s=self.profile.timeouts.step_s
                ) from None
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


async def _count(located: Locator) -> int:
    """How many elements match now (0 when the page navigated away)."""
    try:
        return await located.count()
    except PlaywrightError:
        return 0
