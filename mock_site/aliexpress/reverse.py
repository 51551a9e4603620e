"""The returns/refunds pages: the entry page (the wizard) and a request's page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from mock_site.aliexpress.answers import SUBMIT_PATH, UPLOAD_PATH
from mock_site.aliexpress.lang import Wording, wording
from mock_site.aliexpress.web import AeWeb
from mock_site.aliexpress.wording import REASONS, Reason, ineligible_text
from mock_site.records import Dispute

__all__ = ["ITEM_NOT_FOUND", "REQUEST_NOT_FOUND", "RequestView", "ReversePages", "detail_url"]

ITEM_NOT_FOUND = wording("en")["item_not_found"]
REQUEST_NOT_FOUND = wording("en")["request_not_found"]
#: The solutions' wording keys.
SOLUTION_KEYS = {"refund": "refund_only", "return": "return_refund"}


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
    def of(cls, dispute: Dispute, words: Wording, *, link: bool = True) -> RequestView:
        """The block of an existing request, in *words*' language."""
        return cls(
            title=words.title(dispute.status),
            status_text=words.status(dispute.status),
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
            return self.web.not_found(request, session, "item_not_found")
        existing = self.store.dispute_for_item(order.order_id, item.item_id)
        received = params.get("received", "")
        if received not in ("yes", "no"):
            received = "yes" if order.delivered_flag else "no"
        switch = {**params, "received": "no" if received == "yes" else "yes"}
        plan = self.store.plan
        words = self.web.words(request)
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
            "texts": _page_texts(words),
        }
        return self.web.render(
            "start.html",
            request=request,
            session=session,
            overlay=True,
            order=order,
            item=item,
            view=RequestView.of(existing, words) if existing else None,
            ineligible=ineligible_text(order.state, order.ineligible, language=words.language),
            received=received,
            switch_url="/p/reverse-pages/start.html?" + urlencode(switch),
            reasons=[_in(words, reason) for reason in REASONS[received]],
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
            return self.web.not_found(request, session, "request_not_found")
        order = self.store.order(dispute.order_id, session.account)
        item = order.item(dispute.item_id or "") if order else None
        words = self.web.words(request)
        codes = {r.code for group in REASONS.values() for r in group}
        solution = SOLUTION_KEYS.get(dispute.solution)
        return self.web.render(
            "request.html",
            request=request,
            session=session,
            overlay=True,
            dispute=dispute,
            item_title=item.title if item else (order.title if order else ""),
            view=RequestView.of(dispute, words, link=False),
            solution=words[solution] if solution else dispute.solution,
            reason=words.reason(dispute.reason) if dispute.reason in codes else dispute.reason,
        )


def _in(words: Wording, reason: Reason) -> Reason:
    """A reason with its label in *words*' language."""
    return Reason(reason.reason_id, reason.code, words.reason(reason.code))


def _page_texts(words: Wording) -> dict[str, str]:
    """The texts the wizard's script shows (static/ae-reverse.js)."""
    keys = (
        "success_toast",
        "error_toast",
        "received",
        "not_received",
        "refund_only",
        "return_refund",
        "files_one",
        "files_many",
        "none",
        "upload_failed",
        "delete",
    )
    return {key: words[key] for key in keys}
