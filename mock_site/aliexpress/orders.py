"""The order list and the order detail page of the aliexpress skin."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from mock_site.aliexpress.lang import wording
from mock_site.aliexpress.web import AeWeb
from mock_site.aliexpress.wording import STATUS_TEXTS, ineligible_text
from mock_site.lifecycle import state_code
from mock_site.records import Dispute
from mock_site.seed import MULTI_ITEM_ORDER_IDS, Item, Order
from mock_site.store import Store

__all__ = ["ORDER_NOT_FOUND", "PAGE_SIZE", "ItemLine", "OrderPages", "item_lines", "start_url"]

PAGE_SIZE = 20
ORDER_NOT_FOUND = wording("en")["order_not_found"]


def start_url(order_id: str, item_id: str) -> str:
    """The returns/refunds entry page of one item line."""
    return "/p/reverse-pages/start.html?" + urlencode({"orderId": order_id, "itemId": item_id})


@dataclass(frozen=True, slots=True)
class ItemLine:
    """One item line as the order page shows it."""

    item: Item
    eligible: bool
    asks_parcel: bool
    start_url: str
    ineligible: str | None
    request: Dispute | None

    @property
    def status_text(self) -> str:
        """The existing request's status in the site's English words (the page says
        ``state`` in its language)."""
        return STATUS_TEXTS.get(self.state, "")

    @property
    def state(self) -> str:
        """The existing request's state code (`mock_site.lifecycle.state_code`), "" for none."""
        return state_code(self.request) if self.request else ""


def item_lines(store: Store, order: Order, *, language: str = "en") -> list[ItemLine]:
    """Each item line of an order with what it allows (its sentences in *language*)."""
    ineligible = ineligible_text(order.state, order.ineligible, language=language)
    lines = []
    for item in order.items:
        request = store.shown_dispute_for(order.order_id, item.item_id)
        lines.append(
            ItemLine(
                item=item,
                eligible=ineligible is None and request is None,
                asks_parcel=not order.delivered_flag,
                start_url=start_url(order.order_id, item.item_id),
                ineligible=ineligible,
                request=request,
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class _Row:
    order: Order
    status: str


class OrderPages:
    """``/p/order/index.html`` and ``/p/order/detail.html``."""

    def __init__(self, web: AeWeb) -> None:
        self.web = web
        self.store = web.store

    async def index(self, request: Request) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        orders = self.store.orders(session.account)
        newest_first = [o for o in orders if o.order_id in MULTI_ITEM_ORDER_IDS] + [
            o for o in orders if o.order_id not in MULTI_ITEM_ORDER_IDS
        ]
        pages = max(1, -(-len(newest_first) // PAGE_SIZE))
        raw = request.query_params.get("page", "1")
        page = min(max(int(raw), 1), pages) if raw.isdigit() else 1
        shown = newest_first[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        words = self.web.words(request)
        rows = [_Row(order, words.order_status(order.state, order.status)) for order in shown]
        return self.web.render(
            "orders.html",
            request=request,
            session=session,
            overlay=True,
            rows=rows,
            page=page,
            pages=pages,
        )

    async def detail(self, request: Request) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        order = self.store.order(request.query_params.get("orderId", ""), session.account)
        if order is None:
            return self.web.not_found(request, session, "order_not_found")
        words = self.web.words(request)
        return self.web.render(
            "order.html",
            request=request,
            session=session,
            overlay=True,
            order=order,
            order_status=words.order_status(order.state, order.status),
            lines=item_lines(self.store, order, language=words.language),
        )
