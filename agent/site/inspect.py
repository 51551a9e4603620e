"""What ``retry-dispute check`` learns about a profile's elements on a live site.

`ElementLog` is the `agent.site.locate.Inspector` the check walks the flow with: every element
the flow uses is counted when it is used (how many matches, how many visible), and judged:
found (one shows), missing (none), ambiguous (several show: the first is used). An element
that is only looked for (a gate, a condition) and does not show is fine: it is optional. An
element found only by one of its other alternatives (its first selector matched nothing) is
found, with its drift shown and the hint to update the profile. An element inside an
``<iframe>`` (its ``frame``, or the form's) brings a row for the frame too, so that a missing
frame is reported as itself, not as every element inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FrameLocator, Locator, Page

from agent.site.locate import Use
from agent.site.profile_model import SiteProfile

__all__ = ["ElementLog", "Finding", "format_findings"]


@dataclass(slots=True)
class Finding:
    """One profile element as the check saw it."""

    name: str
    selector: str
    where: str
    use: Use
    matches: int = 0
    visible: int = 0
    url: str = ""
    #: The alternative that was used when not the first (1-based), and its selector.
    alternative: int = 1
    alternative_selector: str = ""
    #: The row's profile entry when it is not an element's (a frame: ``form.frame``).
    entry: str = ""
    #: The entry of the element's frame, when that frame was missing.
    frame_missing: str | None = None

    @property
    def label(self) -> str:
        """The profile entry the row is about."""
        return self.entry or f"elements.{self.name}"

    @property
    def drift(self) -> str:
        """``alternative N`` when the element was found by another alternative than its first."""
        return f"alternative {self.alternative}" if self.alternative > 1 else ""

    @property
    def status(self) -> str:
        """found, missing, ambiguous, or not shown (an optional element that was not there)."""
        seen = self.matches if self.use == "present" else self.visible
        if seen == 0:
            return "not shown" if self.use == "looked" else "missing"
        return "found" if seen == 1 else "ambiguous"

    @property
    def ok(self) -> bool:
        """Whether this finding is no problem."""
        return self.status in ("found", "not shown")

    @property
    def hint(self) -> str:
        """What to do about it."""
        status = self.status
        if status == "missing" and self.frame_missing is not None:
            return f"its frame ({self.frame_missing}) is missing: see that row"
        if status == "missing" and self.entry:
            return (
                f"no frame matches on {self.url}: look at the screenshot and fix {self.entry} "
                "(the elements inside it cannot be found without it)"
            )
        if status == "missing":
            return (
                f"nothing matches on {self.url}: look at the screenshot, inspect the page "
                f"and fix elements.{self.name}"
            )
        if status == "ambiguous":
            count = self.matches if self.use == "present" else self.visible
            return (
                f"{count} elements match and the first is used: make elements.{self.name} "
                "more precise (an id, :has-text(...), a parent)"
            )
        if status == "not shown":
            return "optional here (a condition or a gate): not on this page now"
        if self.alternative > 1:
            return (
                f"its first selector matched nothing; alternative {self.alternative} "
                f"({self.alternative_selector}) did: update the profile (put a selector that "
                f"matches first in elements.{self.name})"
            )
        return ""


class ElementLog:
    """Counts the matches of every element the flow uses, as it uses them."""

    def __init__(self, profile: SiteProfile) -> None:
        self.profile = profile
        self.findings: dict[str, Finding] = {}
        #: Elements found by another alternative than their first: (alternative, selector).
        self.alternatives: dict[str, tuple[int, str]] = {}

    def alternative_used(self, name: str, alternative: int, selector: str) -> None:
        """Element *name* was found by its alternative number *alternative* (1-based)."""
        self.alternatives.setdefault(name, (alternative, selector))
        finding = self.findings.get(f"elements.{name}")
        if finding is not None:
            finding.alternative, finding.alternative_selector = self.alternatives[name]

    async def element_used(self, name: str, locator: Locator, use: Use, where: str) -> None:
        """Count *locator*'s matches now; a required use outranks an earlier look."""
        try:
            matches = await locator.count()
            visible = await locator.filter(visible=True).count()
            url = locator.page.url
        except PlaywrightError:
            matches, visible, url = 0, 0, ""
        element = self.profile.elements[name]
        missing_frame = None
        if element.frame:
            missing_frame = await self._frames(name, locator, use, where)
        alternative, chosen = self.alternatives.get(name, (1, ""))
        self._keep(
            Finding(
                name=name,
                selector=element.describe(),
                where=where,
                use=use,
                matches=matches,
                visible=visible,
                url=url,
                alternative=alternative,
                alternative_selector=chosen,
                frame_missing=missing_frame,
            )
        )

    def _keep(self, finding: Finding) -> None:
        """Record *finding* unless an earlier one of the same entry says more."""
        earlier = self.findings.get(finding.label)
        use = finding.use
        if earlier is not None and earlier.use != "looked" and use == "looked":
            return  # a later glance (a condition) says less than the use that needed it
        if earlier is not None and earlier.ok and earlier.use == use and use != "looked":
            return  # keep the first good sighting of a required element
        self.findings[finding.label] = finding

    async def _frames(self, name: str, locator: Locator, use: Use, where: str) -> str | None:
        """A row for each frame element *name* is in; the entry of the first missing one."""
        element = self.profile.elements[name]
        entry = element.frame_entry or f"elements.{name}.frame"
        page = locator.page
        root: Page | FrameLocator = page
        for depth, frame in enumerate(element.frame):
            label = entry if len(element.frame) == 1 else f"{entry}[{depth + 1}]"
            try:
                matches = await root.locator(frame).count()
            except PlaywrightError:
                matches = 0
            self._keep(
                Finding(
                    name=name,
                    selector=frame,
                    where=where,
                    use="looked" if use == "looked" else "present",
                    matches=matches,
                    visible=matches,
                    url=page.url,
                    entry=label,
                )
            )
            if matches == 0:
                return label
            root = root.frame_locator(frame)
        return None

    @property
    def ok(self) -> bool:
        """Whether every element used was found (optional ones may be absent)."""
        return all(f.ok for f in self.findings.values())

    def drifted(self) -> list[Finding]:
        """The elements found by another alternative than their first."""
        return [f for f in self.findings.values() if f.alternative > 1]

    def unused(self) -> list[str]:
        """The profile's elements the walk never used."""
        return [name for name in self.profile.elements if f"elements.{name}" not in self.findings]


def format_findings(log: ElementLog) -> str:
    """The table: entry, status, matches, drift (the alternative used when not the first),
    where it was used, hint."""
    head = ("entry", "status", "matches", "drift", "used at", "hint")
    rows = [
        (
            f.label,
            f.status,
            str(f.matches if f.use == "present" else f.visible),
            f.drift or "-",
            f.where,
            f.hint,
        )
        for f in log.findings.values()
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head) - 1)]

    def line(cells: tuple[str, ...]) -> str:
        fixed = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True))
        return f"{fixed}  {cells[-1]}".rstrip()

    return "\n".join([line(head), line(tuple("-" * w for w in (*widths, 4))), *map(line, rows)])
