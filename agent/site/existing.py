"""The existing dispute: ONE definition, used by the order page, the check and recovery.

It is read where the profile says (the order page, or ``[dispute] page``: a "Your returns" page
listing requests by order and item, the element's ``{order_id}`` and ``{item}`` filled in), from
what a person sees: every visible match of the profile's ``[dispute]`` element
(never a ``<template>``, a comment, a script or a hidden element), to the end of its matches
(bounded by size, not by a count), from its rendered text (an id wrapped in ``<b>`` is found) or
from one of its attributes (an ``href``), matched against the profile's pattern.

A shown dispute element is never "no dispute": one whose id cannot be read means a dispute
exists with its id unknown (`Finding` ``found`` with ``dispute_id`` None, its text kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from playwright.async_api import Locator

from agent.site.locate import SitePage

__all__ = ["MAX_READ_CHARS", "Finding", "FindingState", "read_existing_dispute"]

FindingState = Literal["none", "found", "unreadable"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """What one read of the order's dispute (the profile's ``[dispute]``) shows.

    ``found`` with ``dispute_id`` None: a dispute element shows, but its id cannot be read: a
    dispute exists (never "no dispute"), its id unknown, its text kept in ``shown``.
    ``unreadable``: the page could not tell (an error page, a network failure); ``shown`` says why.
    """

    state: FindingState
    dispute_id: str | None = None
    #: Every dispute id the page shows (an answer's id is compared with them).
    ids: tuple[str, ...] = ()
    #: The dispute element's text when its id could not be read, or why the page was unreadable.
    shown: str = ""

    @property
    def exists(self) -> bool:
        return self.state == "found"


#: The most text read from all the matches together (each match's text is cut at 2,000 chars).
MAX_READ_CHARS = 200_000

#: Every visible match's text (or attribute), until the total passes the bound.
_READ_ALL = """(elements, [attribute, limit]) => {
  const values = [];
  let total = 0;
  for (const element of elements) {
    const raw = attribute ? (element.getAttribute(attribute) || "") : (element.innerText || "");
    const value = raw.slice(0, 2000);
    values.push(value);
    total += value.length;
    if (total > limit) break;
  }
  return values;
}"""


def _dispute_locator(site: SitePage, order_id: str | None) -> Locator:
    """The dispute element's matches; ``{order_id}`` and ``{item}`` in its selector filled in
    (a row of a "Your returns" page that lists every order's requests)."""
    name = site.profile.dispute.element
    selector = site.selector(name)
    if "{order_id}" in selector or "{item}" in selector:
        filled = selector.replace("{order_id}", order_id or "").replace("{item}", site.item or "")
        return site.page.locator(filled)
    return site.locator(name)


async def read_existing_dispute(site: SitePage, *, order_id: str | None = None) -> Finding:
    """What the page shows of the order's dispute (the item's, when one is requested).

    A page that changes under the read raises Playwright's error: the caller cannot tell.
    """
    rule = site.profile.dispute
    await site.report(rule.element, "looked", "dispute.element")
    shown = _dispute_locator(site, order_id).filter(visible=True)
    values: list[str] = await shown.evaluate_all(_READ_ALL, [rule.attribute, MAX_READ_CHARS])
    ids: list[str] = []
    unread: list[str] = []
    for value in values:
        text = " ".join(value.split())
        found = rule.id_in(text)
        if found is not None:
            ids.append(found)
        else:
            unread.append(text)
    if ids:
        unique = tuple(dict.fromkeys(ids))
        return Finding(state="found", dispute_id=unique[0], ids=unique)
    if unread:
        return Finding(state="found", shown=unread[0][:300] or f"(an empty {rule.element})")
    return Finding(state="none")
