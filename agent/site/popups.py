"""The windows one click opened: when the dispute form is not where the agent looked, why.

The agent follows the first window the Open dispute click opens. A site (or its ads) that opens
several at once can put something else first; the form is then "not found", and the true cause
is not the profile's form selector. `PopupWatch` counts the windows a page opens, and
`PopupWatch.explain` turns "no dispute form" into what happened, with a hint that fits.
"""

from __future__ import annotations

from playwright.async_api import Page

from agent.errors import UnexpectedPage

__all__ = ["PopupWatch"]


class PopupWatch:
    """Counts the pop-up windows a page opens from now on."""

    def __init__(self, page: Page) -> None:
        self.opened: list[Page] = []
        page.on("popup", self._opened)

    def _opened(self, popup: Page) -> None:
        self.opened.append(popup)

    def explain(self, error: UnexpectedPage) -> UnexpectedPage:
        """*error* (no dispute form), or the true story when the click opened several windows."""
        count = len(self.opened)
        if count <= 1:
            return error
        first = self.opened[0].url or "about:blank"
        return UnexpectedPage(
            f"clicking Open dispute opened {count} windows at once, and the first one "
            f"({first}) shows no dispute form",
            url=first,
            hint="open the order page in a browser and see what the click opens (pop-up ads? a "
            "change of the site?); the profile is not the cause",
            context={"popups": count},
        )
