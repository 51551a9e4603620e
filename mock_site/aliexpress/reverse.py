"""The returns/refunds pages: the entry page (the wizard) and a request's page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from mock_site.aliexpress.answers import SUBMIT_PATH, UPLOAD_PATH
from mock_site.aliexpress.web import AeWeb
from mock_site.aliexpress.wording import (
    REASONS,
    STATUS_TEXTS,
    STATUS_TITLES,
    ineligible_text,
)
from mock_site.records import Dispute

__all__ = ["ITEM_NOT_FOUND", "REQUEST_NOT_FOUND", "RequestView", "ReversePages", "detail_url"]

ITEM_NOT_FOUND = "Sorry, we couldn't find this item."
REQUEST_NOT_FOUND = "Sorry, we couldn't find this request."
SOLUTION_LABELS = {"refund": "Refund only", "return": "Return & refund"}


def detail_url(dispute_id: str) -> str:
    """A request's page."""
    return "/p/reverse-pages/detail.html?" + urlencode({"reverseOrderId": dispute_id})


@dataclass(frozen=True, slots=True)
class RequestView:
    """What the request block shows (``hidden``: the empty block the wizard fills on success)."""

    title: str = ""
    status_text: str = ""
    request_id: str = ""
    link: str = ""
    hidden: bool = False

    @classmethod
    def of(cls, dispute: Dispute, *, link: bool = True) -> RequestView:
        """The block of an existing request."""
        return cls(
            title=STATUS_TITLES.get(dispute.status, ""),
            status_text=STATUS_TEXTS.get(dispute.status, ""),
            request_id=dispute.dispute_id,
            link=detail_url(dispute.dispute_id) if link else "",
        )


class ReversePages:
    """``/p/reverse-pages/start.html`` and ``/p/reverse-pages/detail.html``."""

    def __init__(self, web: AeWeb) -> None:
        self.web = web
        self.store = web.store

    async def start(self, request: Request) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        params = request.query_params
        order = self.store.order(params.get("orderId", ""), session.account)
        item = order.item(params.get("itemId", "")) if order else None
        if order is None or item is None:
            return self.web.not_found(request, session, ITEM_NOT_FOUND)
        existing = self.store.dispute_for_item(order.order_id, item.item_id)
        received = params.get("received", "")
        if received not in ("yes", "no"):
            received = "yes" if order.delivered_flag else "no"
        switch = {**params, "received": "no" if received == "yes" else "yes"}
        plan = self.store.plan
        init = {
            "orderId": order.order_id,
            "itemId": item.item_id,
            "received": received,
            "maxAmount": item.price_text,
            "currency": "USD",
            "submitUrl": SUBMIT_PATH,
            "uploadUrl": UPLOAD_PATH,
            "busyStyle": plan.busy_style,
            "resetsOnBusy": plan.form_resets_on_busy,
            "validateFirst": plan.validate_first,
        }
        return self.web.render(
            "start.html",
            request=request,
            session=session,
            overlay=True,
            order=order,
            item=item,
            view=RequestView.of(existing) if existing else None,
            ineligible=ineligible_text(order.state, order.ineligible),
            received=received,
            switch_url="/p/reverse-pages/start.html?" + urlencode(switch),
            reasons=REASONS[received],
            init=init,
            submitted=RequestView(hidden=True),
            busy_style=plan.busy_style,
        )

    async def detail(self, request: Request) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        dispute = self.store.dispute(
            request.query_params.get("reverseOrderId", ""), session.account
        )
        if dispute is None:
            return self.web.not_found(request, session, REQUEST_NOT_FOUND)
        order = self.store.order(dispute.order_id, session.account)
        item = order.item(dispute.item_id or "") if order else None
        labels = {r.code: r.label for group in REASONS.values() for r in group}
        return self.web.render(
            "request.html",
            request=request,
            session=session,
            overlay=True,
            dispute=dispute,
            item_title=item.title if item else (order.title if order else ""),
            view=RequestView.of(dispute, link=False),
            solution=SOLUTION_LABELS.get(dispute.solution, dispute.solution),
            reason=labels.get(dispute.reason, dispute.reason),
        )
