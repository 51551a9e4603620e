"""The existing dispute's one definition, read from a page without a browser (a fake locator).

`read_existing_dispute` reads every visible match of the profile's ``[dispute]`` element to the
end (bounded by size), takes the ids its pattern finds, and never calls a shown element "no
dispute": one whose id cannot be read is a dispute with its id unknown.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from playwright.async_api import Page

from agent.site.existing import Finding, read_existing_dispute
from agent.site.locate import SitePage
from agent.site.profile import load_profile

MOCK = load_profile("mock")


class FakeLocator:
    """The visible matches of one selector, as texts."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.visible_only = False

    def filter(self, *, visible: bool) -> FakeLocator:
        self.visible_only = visible
        return self

    async def evaluate_all(self, script: str, arg: Any) -> list[str]:
        assert self.visible_only, "only what a person sees is read"
        return list(self.texts)


class FakePage:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def locator(self, selector: str) -> FakeLocator:
        assert selector == MOCK.elements[MOCK.dispute.element].selector
        return FakeLocator(self.texts)


def read(texts: list[str]) -> Finding:
    """What the reader makes of a page whose dispute elements show *texts*."""
    site = SitePage(cast(Page, FakePage(texts)), MOCK)
    return asyncio.run(read_existing_dispute(site))


def test_no_dispute_element_is_no_dispute() -> None:
    """Nothing shown: no dispute."""
    assert read([]) == Finding(state="none")


def test_the_id_is_read_from_the_rendered_text() -> None:
    """A visible notice with the id: found, with the id."""
    assert read(["Dispute D-000123 is open"]) == Finding(
        state="found", dispute_id="D-000123", ids=("D-000123",)
    )


def test_a_shown_element_without_a_readable_id_is_a_dispute() -> None:
    """A visible dispute element whose text has no id: a dispute exists, its id unknown."""
    found = read(["A request is open for this order"])
    assert found.exists and found.dispute_id is None
    assert found.shown == "A request is open for this order"


def test_every_match_is_read_to_the_end() -> None:
    """Thirty matches without an id before the one with it: the id is found."""
    texts = [f"Shipping update {n}" for n in range(30)] + ["Dispute D-000777 is open"]
    found = read(texts)
    assert found.dispute_id == "D-000777" and found.ids == ("D-000777",)


def test_every_id_shown_is_kept() -> None:
    """Two disputes shown (a duplicate): both ids are kept, the first is the dispute."""
    found = read(["Dispute D-000001 is open", "Dispute D-000002 is open"])
    assert found.ids == ("D-000001", "D-000002") and found.dispute_id == "D-000001"
