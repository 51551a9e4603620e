"""The order's items as its page lists them, and the request's item checked against them.

With ``[order_page] items`` (every item's line) and ``item_id`` (the attribute holding an
item's id), the order page says which items the order has before the form is opened: a request
without an item on an order of several, or with an item the order does not have, is refused
there (`InvalidField`, exit 2), listing the items, before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.errors import InvalidField
from agent.request import DisputeRequest
from agent.site.locate import SitePage

__all__ = ["OrderItem", "check_item", "order_items"]

_READ = "(els, name) => els.map(e => [e.getAttribute(name) ?? '', e.innerText])"
#: The most of an item line's text a message quotes.
_SHORT = 40


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One item of the order: its id and its line's text."""

    item_id: str
    text: str

    def __str__(self) -> str:
        words = " ".join(self.text.split())
        short = words if len(words) <= _SHORT else words[: _SHORT - 3] + "..."
        return f"{self.item_id} ({short})" if short else self.item_id


async def order_items(site: SitePage) -> list[OrderItem]:
    """The order's items on its page ([] when the profile does not say how to list them)."""
    rules = site.profile.order_page
    if rules.items is None or rules.item_id is None:
        return []
    lines = site.locator(rules.items)
    # a list: one line or many is as expected (the first one stands for them in `check`)
    await site.report(rules.items, "looked", "order_page.items", matching=lines.first)
    found = await lines.evaluate_all(_READ, rules.item_id)
    return [OrderItem(str(i), str(t)) for i, t in found if i]


async def check_item(site: SitePage, request: DisputeRequest) -> list[OrderItem]:
    """Refuse a request whose item the order page cannot settle; return the items listed."""
    items = await order_items(site)
    ids = [item.item_id for item in items]
    listed = ", ".join(str(item) for item in items)
    if request.item is None and len(items) > 1:
        raise InvalidField(
            f"order {request.order_id} has {len(items)} items: {listed}; say which",
            field="item",
            hint=f'pass --item ID (item = "{ids[0]}" in a request file)',
            context={"items": ids},
        )
    if request.item is not None and items and request.item not in ids:
        raise InvalidField(
            f"order {request.order_id} has no item {request.item}; its items: {listed}",
            field="item",
            hint="pass one of those ids with --item",
            context={"items": ids},
        )
    return items
