"""The seeded accounts and orders (docs/storefront.md, "Seeded orders")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "ACCOUNTS",
    "BATCH_ORDER_IDS",
    "SEEDED_DISPUTE_ID",
    "Order",
    "seed_orders",
]

ACCOUNTS: Mapping[str, str] = {"demo": "demo", "other": "other"}
BATCH_ORDER_IDS = range(2000, 2600)
SEEDED_DISPUTE_ID = "D-000007"

CLOSED_BY_RECEIPT = "You confirmed receipt of this order. The transaction is closed."
CLOSED_BY_PROPOSAL = "You accepted the seller's proposal. The transaction is closed."
PROTECTION_ENDED = (
    "Buyer protection ended 5 days ago. Disputes can be opened up to 15 days after delivery."
)


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

    @property
    def total_text(self) -> str:
        """The total as the page shows it, e.g. ``$12.99``."""
        return f"${self.total:.2f}"


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
    )


def seed_orders() -> dict[str, Order]:
    """A fresh copy of every seeded order, by id, in page order."""
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
    return {order.order_id: order for order in orders}
