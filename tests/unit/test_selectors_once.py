"""check_selectors asks the browser once per process for a list of selectors it accepted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError

from agent.errors import InvalidConfig
from agent.site import selectors
from agent.site.profile import load_profile


class CountingPage:
    """A page whose locators count nothing and record each selector counted; *refused* raise
    as Playwright does for a selector it cannot parse."""

    def __init__(self, refused: tuple[str, ...] = ()) -> None:
        self.counted: list[str] = []
        self.refused = refused

    def locator(self, selector: str) -> Any:
        page = self

        class Locator:
            async def count(self) -> int:
                page.counted.append(selector)
                if selector in page.refused:
                    raise PlaywrightError("Locator.count: Unexpected token")
                return 0

        return Locator()


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "_accepted", set(), raising=False)


def test_a_batch_asks_once_for_the_selectors_its_first_order_proved() -> None:
    """The second order of the same profile makes no round trip; another page still would have
    been asked the first time."""
    profile = load_profile("mock")
    first, second = CountingPage(), CountingPage()
    asyncio.run(selectors.check_selectors(first, profile))  # type: ignore[arg-type]
    asyncio.run(selectors.check_selectors(second, profile))  # type: ignore[arg-type]
    assert len(first.counted) > 10
    assert second.counted == []


def test_a_refused_list_is_asked_again_and_refused_again() -> None:
    """A list with a refused selector is never remembered as accepted."""
    profile = load_profile("mock")
    bad = next(iter(profile.elements.values())).selectors[0]
    for _ in range(2):
        page = CountingPage(refused=(bad,))
        with pytest.raises(InvalidConfig):
            asyncio.run(selectors.check_selectors(page, profile))  # type: ignore[arg-type]
        assert page.counted
