"""The returns/refunds pages: the entry page (the wizard) and a request's page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from mock_site.aliexpress.answers import RESPOND_PATH, SUBMIT_PATH, UPLOAD_PATH
from mock_site.aliexpress.lang import Wording, wording
from mock_site.aliexpress.web import AeWeb
from mock_site.aliexpress.wording import REASONS, REQUEST_STATES, Reason, ineligible_text
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
        """The block of an existing request: its state's title and status in *words*'
        language."""
        code = state_code(dispute)
        return cls(
            title=words.title(code),
            status_text=words.status(code),
            request_id=dispute.dispute_id,
            link=detail_url(dispute.dispute_id) if link else "",
        )


#: The warnings before accepting and cancelling, in English (the page says them in its language).
ACCEPT_WARNING = wording("en")["accept_warning"]
CANCEL_WARNING = wording("en")["cancel_warning"]
_WAITING = frozenset({"proposal_partial", "proposal_return", "refused", "evidence_requested"})
#: The wording keys of what the store proposes, by the request's state.
_PROPOSALS = {"proposal_partial": "partial_refund", "proposal_return": "return_refund"}


def countdown(seconds: float, days_word: str = "days") -> str:
    """``4 days 23:59:58``: the time left, in days, then hours, minutes and seconds."""
    left = max(0, int(seconds))
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days} {days_word} {hours:02d}:{minutes:02d}:{secs:02d}"


def history_line(action: Action, words: Wording | None = None) -> str:
    """One step of the request's history, in the site's words (in *words*' language; English
    when none)."""
    words = words or wording("en")
    template = words.get(f"history.{action.action}")
    if template is None:
        return action.action
    amount = f" (US ${action.amount})" if action.amount else ""
    said = f': "{action.reason}"' if action.reason else ""
    return template.format(amount=amount, said=said, message=action.message or "")


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
            "validateFirst": plan.validate_first,
            "texts": _page_texts(words),
            "states": _state_texts(words),
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
        plan = self.store.plan
        code = state_code(dispute)
        wall = self.store.deadline_wall(dispute)
        left = None if wall is None else wall - self.store.wall_clock()
        proposal = _PROPOSALS.get(code)
        init = {
            "reverseOrderId": dispute.dispute_id,
            "respondUrl": RESPOND_PATH,
            "uploadUrl": UPLOAD_PATH,
            "busyStyle": plan.busy_style,
            "days": words["days_word"],
            "texts": _request_texts(words),
            "states": _state_texts(words),
        }
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
            state=code,
            waiting=code in _WAITING,
            proposal=words[proposal] if proposal else None,
            is_open=dispute.status in ("waiting_seller", "waiting_response", "waiting_feedback"),
            countdown_words=words["respond_within"],
            countdown=None if left is None else countdown(left, words["days_word"]),
            left_ms=None if left is None else max(0, round(left * 1000)),
            history=[history_line(a, words) for a in dispute.actions],
            init=init,
            busy_style=plan.busy_style,
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


def _state_texts(words: Wording) -> dict[str, list[str]]:
    """Each state's title and status line, for the scripts that show an answer's ``state``."""
    return {code: [words.title(code), words.status(code)] for code in REQUEST_STATES}


def _request_texts(words: Wording) -> dict[str, str]:
    """The texts the request page's script shows (static/ae-request.js)."""
    keys = ("response_toast", "error_toast", "upload_failed", "delete")
    return {key: words[key] for key in keys}
