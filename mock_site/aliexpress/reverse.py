"""The returns/refunds pages: the entry page (the wizard) and a request's page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from mock_site.aliexpress.answers import RESPOND_PATH, SUBMIT_PATH, UPLOAD_PATH
from mock_site.aliexpress.request_wording import COUNTDOWN, request_texts
from mock_site.aliexpress.web import AeWeb
from mock_site.aliexpress.wording import REASONS, ineligible_text
from mock_site.lifecycle import state_code
from mock_site.records import Action, Dispute

__all__ = [
    "ACCEPT_WARNING",
    "CANCEL_WARNING",
    "ITEM_NOT_FOUND",
    "REQUEST_NOT_FOUND",
    "RequestView",
    "ReversePages",
    "countdown",
    "detail_url",
    "history_line",
]

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
    def of(cls, dispute: Dispute, *, link: bool = True, language: str = "en") -> RequestView:
        """The block of an existing request (its title and status in *language*)."""
        title, status = request_texts(language, state_code(dispute))
        return cls(
            title=title,
            status_text=status,
            request_id=dispute.dispute_id,
            link=detail_url(dispute.dispute_id) if link else "",
        )


ACCEPT_WARNING = (
    "Accepting this solution closes your request. You won't be able to ask for more or open "
    "another request for this item."
)
CANCEL_WARNING = "Cancel this request? It will be closed and can't be opened again."
_WAITING = frozenset({"proposal_partial", "proposal_return", "refused", "evidence_requested"})
_PROPOSALS = {"proposal_partial": "Partial refund", "proposal_return": "Return & refund"}


def countdown(seconds: float, days_word: str = "days") -> str:
    """``4 days 23:59:58``: the time left, in days, then hours, minutes and seconds."""
    left = max(0, int(seconds))
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days} {days_word} {hours:02d}:{minutes:02d}:{secs:02d}"


def history_line(action: Action) -> str:
    """One step of the request's history, in the site's words (English)."""
    amount = f" (US ${action.amount})" if action.amount else ""
    said = f': "{action.reason}"' if action.reason else ""
    words = {
        "agree": f"Seller agreed to refund{amount}",
        "propose_partial": f"Seller proposed a partial refund{amount}{said}",
        "propose_return": f"Seller proposed a return and refund{amount}{said}",
        "refuse": f"Seller rejected the request{said}",
        "ask_evidence": f"Seller asked for more evidence{said}",
        "disagree": f'You disagreed and uploaded more evidence: "{action.message}"',
        "accept": f"You accepted the seller's solution{amount}",
        "withdraw": "You cancelled the request",
        "deadline_passed": "The response time ran out",
    }
    return words.get(action.action, action.action)


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
        plan = self.store.plan
        code = state_code(dispute)
        wall = self.store.deadline_wall(dispute)
        left = None if wall is None else wall - self.store.wall_clock()
        words, days = COUNTDOWN.get(plan.language, COUNTDOWN["en"])
        init = {
            "reverseOrderId": dispute.dispute_id,
            "respondUrl": RESPOND_PATH,
            "uploadUrl": UPLOAD_PATH,
            "busyStyle": plan.busy_style,
            "days": days,
        }
        return self.web.render(
            "request.html",
            request=request,
            session=session,
            overlay=True,
            dispute=dispute,
            item_title=item.title if item else (order.title if order else ""),
            view=RequestView.of(dispute, link=False, language=plan.language),
            solution=SOLUTION_LABELS.get(dispute.solution, dispute.solution),
            reason=labels.get(dispute.reason, dispute.reason),
            state=code,
            waiting=code in _WAITING,
            proposal=_PROPOSALS.get(code),
            is_open=dispute.status in ("waiting_seller", "waiting_response", "waiting_feedback"),
            countdown_words=words,
            countdown=None if left is None else countdown(left, days),
            left_ms=None if left is None else max(0, round(left * 1000)),
            history=[history_line(a) for a in dispute.actions],
            accept_warning=ACCEPT_WARNING,
            cancel_warning=CANCEL_WARNING,
            init=init,
            busy_style=plan.busy_style,
        )
