"""The seeded accounts, orders and requests (docs/storefront.md, "Seeded orders").

Every order has item lines: the canonical orders (1001..1008, 2000..2599) one each, whose id is
the order id followed by ``01``; the 16-digit multi-item orders (seeded on the aliexpress skin)
two or one, with their own ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "ACCOUNTS",
    "BATCH_ORDER_IDS",
    "MULTI_ITEM_ORDER_IDS",
    "SEEDED_DISPUTE_ID",
    "Item",
    "Order",
    "SeededRequest",
    "seed_orders",
    "seeded_requests",
]

ACCOUNTS: Mapping[str, str] = {"demo": "demo", "other": "other"}
BATCH_ORDER_IDS = range(2000, 2600)
SEEDED_DISPUTE_ID = "D-000007"
MULTI_ITEM_ORDER_IDS = ("3044357010127135", "3043329396767135", "3042816799787135")

CLOSED_BY_RECEIPT = "You confirmed receipt of this order. The transaction is closed."
CLOSED_BY_PROPOSAL = "You accepted the seller's proposal. The transaction is closed."
PROTECTION_ENDED = (
    "Buyer protection ended 5 days ago. Disputes can be opened up to 15 days after delivery."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One item line of an order: what can be returned or refunded on its own."""

    item_id: str
    title: str
    price: Decimal
    sku: str = ""

    @property
    def price_text(self) -> str:
        """The price as the aliexpress skin shows it, e.g. ``12.99``."""
        return f"{self.price:.2f}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """One order as its page shows it; ``ineligible`` is the reason in words, or None."""

    order_id: str
    account: str
    state: str
    title: str
    total: Decimal
    status: str
    delivered: str
    protection_days_left: int
    ineligible: str | None = None
    protection_extended: bool = False
    items: tuple[Item, ...] = ()

    @property
    def total_text(self) -> str:
        """The total as the page shows it, e.g. ``$12.99``."""
        return f"${self.total:.2f}"

    @property
    def delivered_flag(self) -> bool:
        """Whether the parcel is marked delivered (every state but in transit)."""
        return self.state != "in_transit"

    def item(self, item_id: str) -> Item | None:
        """One of the order's item lines."""
        return next((item for item in self.items if item.item_id == item_id), None)


def _order(
    order_id: int,
    account: str,
    state: str,
    title: str,
    total: str,
    *,
    status: str,
    delivered: str,
    protection_days_left: int,
    ineligible: str | None = None,
    protection_extended: bool = False,
) -> Order:
    return Order(
        order_id=str(order_id),
        account=account,
        state=state,
        title=title,
        total=Decimal(total),
        status=status,
        delivered=delivered,
        protection_days_left=protection_days_left,
        ineligible=ineligible,
        protection_extended=protection_extended,
        items=(Item(item_id=f"{order_id}01", title=title, price=Decimal(total)),),
    )


def seed_orders(*, multi_item: bool = False) -> dict[str, Order]:
    """A fresh copy of every seeded order, by id, in page order (multi-item orders last)."""
    orders = [
        _order(
            1001,
            "demo",
            "in_transit",
            "Wireless earbuds",
            "12.99",
            status="In transit",
            delivered="Not delivered yet (shipped 40 days ago)",
            protection_days_left=20,
        ),
        _order(
            1002,
            "demo",
            "delivered",
            "Phone case",
            "24.50",
            status="Delivered",
            delivered="Delivered 5 days ago",
            protection_days_left=10,
        ),
        _order(
            1003,
            "demo",
            "protection_ended",
            "USB-C cable",
            "8.00",
            status="Delivered",
            delivered="Delivered 20 days ago",
            protection_days_left=0,
            ineligible=PROTECTION_ENDED,
        ),
        _order(
            1004,
            "demo",
            "protection_extended",
            "Desk lamp",
            "31.20",
            status="Protection extended",
            delivered="Delivered 20 days ago",
            protection_days_left=10,
            protection_extended=True,
        ),
        _order(
            1005,
            "demo",
            "receipt_confirmed",
            "Key ring",
            "5.30",
            status="Completed",
            delivered="Delivered 8 days ago",
            protection_days_left=0,
            ineligible=CLOSED_BY_RECEIPT,
        ),
        _order(
            1006,
            "demo",
            "proposal_accepted",
            "Backpack",
            "17.75",
            status="Completed",
            delivered="Delivered 12 days ago",
            protection_days_left=0,
            ineligible=CLOSED_BY_PROPOSAL,
        ),
        _order(
            1007,
            "demo",
            "dispute_open",
            "Smart watch strap",
            "9.99",
            status="In dispute",
            delivered="Delivered 3 days ago",
            protection_days_left=12,
        ),
        _order(
            1008,
            "other",
            "delivered",
            "Coffee grinder",
            "14.00",
            status="Delivered",
            delivered="Delivered 2 days ago",
            protection_days_left=13,
        ),
    ]
    orders += [
        _order(
            n,
            "demo",
            "in_transit",
            f"Batch item {n}",
            "10.00",
            status="In transit",
            delivered="Not delivered yet (shipped 30 days ago)",
            protection_days_left=30,
        )
        for n in BATCH_ORDER_IDS
    ]
    if multi_item:
        orders += _multi_item_orders()
    return {order.order_id: order for order in orders}


def _multi_item_order(
    order_id: str,
    state: str,
    *,
    status: str,
    delivered: str,
    protection_days_left: int,
    items: tuple[tuple[str, str, str, str], ...],
) -> Order:
    lines = tuple(
        Item(item_id=item_id, title=title, price=Decimal(price), sku=sku)
        for item_id, title, price, sku in items
    )
    return Order(
        order_id=order_id,
        account="demo",
        state=state,
        title=lines[0].title,
        total=sum((line.price for line in lines), Decimal("0.00")),
        status=status,
        delivered=delivered,
        protection_days_left=protection_days_left,
        items=lines,
    )


def _multi_item_orders() -> list[Order]:
    return [
        _multi_item_order(
            "3044357010127135",
            "in_transit",
            status="In transit",
            delivered="Not delivered yet (shipped 25 days ago)",
            protection_days_left=35,
            items=(
                ("3044357010137135", "Bluetooth 5.3 wireless earbuds", "8.49", "Color: Black"),
                ("3044357010147135", "USB-C fast charging cable, 1 m", "3.20", "Length: 1m"),
            ),
        ),
        _multi_item_order(
            "3043329396767135",
            "delivered",
            status="Delivered",
            delivered="Delivered 4 days ago",
            protection_days_left=11,
            items=(
                ("3043329396777135", "LED strip lights, 5 m, RGB", "15.80", "Length: 5m"),
                ("3043329396787135", "Remote control for LED strip", "2.10", "Color: White"),
            ),
        ),
        _multi_item_order(
            "3042816799787135",
            "delivered",
            status="Delivered",
            delivered="Delivered 9 days ago",
            protection_days_left=6,
            items=(
                (
                    "3042816799797135",
                    "Stainless steel water bottle, 750 ml",
                    "11.35",
                    "Color: Silver",
                ),
            ),
        ),
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class SeededRequest:
    """A dispute (return/refund request) that exists after every reset."""

    number: int
    order_id: str
    item_id: str
    received: str
    reason: str
    amount: str
    message: str
    files: tuple[str, ...]
    status: str
    #: With waiting_response: what the store asks the buyer to answer (mock_site.lifecycle).
    awaiting: str | None = None
    proposal_amount: str | None = None
    #: The buyer's time to answer, from the reset.
    deadline_s: float | None = None


#: The seeded proposal's answer time: five days from the reset.
SEEDED_DEADLINE_S = 5 * 24 * 3600.0


def seeded_requests(*, multi_item: bool = False) -> list[SeededRequest]:
    """The seeded disputes: 1007's (number 7), and with the multi-item orders two more."""
    requests = [
        SeededRequest(
            number=7,
            order_id="1007",
            item_id="100701",
            received="yes",
            reason="not_as_described",
            amount="9.99",
            message="The strap is a different colour than in the pictures.",
            files=("strap.jpg",),
            status="waiting_feedback",
        )
    ]
    if multi_item:
        requests += [
            SeededRequest(
                number=8,
                order_id="3043329396767135",
                item_id="3043329396777135",
                received="yes",
                reason="does_not_work",
                amount="15.80",
                message="Half of the strip stays dark.",
                files=("strip.jpg", "strip.mp4"),
                status="waiting_response",
                awaiting="proposal_partial",
                proposal_amount="5.00",
                deadline_s=SEEDED_DEADLINE_S,
            ),
            SeededRequest(
                number=9,
                order_id="3042816799787135",
                item_id="3042816799797135",
                received="yes",
                reason="damaged",
                amount="11.35",
                message="The bottle arrived dented.",
                files=("bottle.jpg",),
                status="refund_complete",
            ),
        ]
    return requests
