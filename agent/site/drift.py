"""Markup drift: profile elements the run found only by one of their other alternatives.

An element of a profile may list alternative selectors (README, "Alternatives"); the flow
watches all of them at once and uses the first that shows. When that is not the preferred one
(the first), the site's markup has drifted from the profile: the run goes on, and says so once,
in ``result.json`` (``drift``), in one console warning and in the report.
"""

from __future__ import annotations

from agent.log import get_logger
from agent.outcome import DriftEntry

__all__ = ["DriftLog", "warn_drift"]

log = get_logger("agent.pages")


class DriftLog:
    """The drift one run met, one entry per element (the first time it was seen)."""

    def __init__(self) -> None:
        self._entries: dict[str, DriftEntry] = {}

    def record(self, entry: DriftEntry) -> None:
        """Remember that *entry*'s element was found by another alternative than its first."""
        if entry.element not in self._entries:
            self._entries[entry.element] = entry
            log.info(
                "agent.element_alternative_used",
                element=entry.element,
                alternative=entry.alternative,
                selector=entry.selector,
                where=entry.where,
            )

    def entries(self) -> tuple[DriftEntry, ...]:
        """Every element that drifted, in the order the run met them."""
        return tuple(self._entries.values())


def drift_line(entries: tuple[DriftEntry, ...], profile: str) -> str:
    """One sentence for people: which elements drifted, and what to do."""
    parts = [f"elements.{e.element} (alternative {e.alternative}: {e.selector})" for e in entries]
    return (
        f"the site's markup has drifted from profile {profile}: its first selector matched "
        f"nothing for {', '.join(parts)}; the run used the alternatives. Update the profile "
        "(put a selector that matches first); `retry-dispute check` shows each one"
    )


def warn_drift(entries: tuple[DriftEntry, ...], profile: str) -> None:
    """One console warning for the run's drift (nothing when there is none)."""
    if entries:
        log.warning(
            "agent.profile_drift",
            elements=[e.element for e in entries],
            detail=drift_line(entries, profile),
        )
