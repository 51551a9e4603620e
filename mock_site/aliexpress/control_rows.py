"""``GET /__mock/orders`` on the aliexpress skin: the shared row in this skin's words, and items."""

from __future__ import annotations

from mock_site.aliexpress.orders import item_lines
from mock_site.aliexpress.wording import STATUS_TEXTS, ineligible_text
from mock_site.lifecycle import state_code
from mock_site.records import Dispute
from mock_site.seed import Order
from mock_site.store import Store

__all__ = ["ae_order_row"]


def _request_reason(dispute: Dispute) -> str:
    code = state_code(dispute)
    return f"Request {dispute.dispute_id}: {STATUS_TEXTS.get(code, code)}"


def ae_order_row(store: Store, order: Order) -> dict[str, object]:
    """One order: eligible when an item line can take a request; each item line on its own."""
    ineligible = ineligible_text(order.state, order.ineligible)
    items = []
    for line in item_lines(store, order):
        request = line.request
        reason = ineligible or (_request_reason(request) if request else "")
        items.append(
            {
                "item_id": line.item.item_id,
                "title": line.item.title,
                "price": line.item.price_text,
                "eligible": line.eligible,
                "reason": reason,
                "dispute_id": request.dispute_id if request else None,
                "status": request.status if request else None,
                "state": state_code(request) if request else None,
            }
        )
    latest = store.open_dispute_for(order.order_id)
    eligible = any(item["eligible"] for item in items)
    reason = "" if eligible else ineligible or (_request_reason(latest) if latest else "")
    return {
        "order_id": order.order_id,
        "account": order.account,
        "state": order.state,
        "eligible": eligible,
        "reason": reason,
        "total": f"{order.total:.2f}",
        "dispute_id": latest.dispute_id if latest else None,
        "items": items,
    }
