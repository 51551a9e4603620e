"""The submission: ``POST /h5/mtop.ae.reverse.submit/1.0/``, judged in the documented order.

size -> session -> challenge -> token -> a parsable body -> order and item -> HTTP 500 (unless
after commit) -> busy -> validation (an ineligible order first) -> create the request -> busy
after commit, or HTTP 500 (after commit) -> slow. Every submit is recorded with its answer,
except a body over the size limit (413), which is refused before it is read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from mock_site.aliexpress import answers
from mock_site.aliexpress.reverse import detail_url
from mock_site.aliexpress.uploads import Uploads
from mock_site.aliexpress.web import ORDER_LIST, AeWeb
from mock_site.aliexpress.wording import REASON_BY_ID, ineligible_text
from mock_site.seed import Item, Order
from mock_site.store import Session
from mock_site.submit import read_limited, retry_after_headers
from mock_site.validation import AcceptedDispute, DisputeForm, Refused, Upload, validate

__all__ = ["MAX_SUBMIT_BODY", "AeSubmitter", "request_data"]

MAX_SUBMIT_BODY = 1024 * 1024  # the files are uploaded on their own; the submit is small
RECEIPT = {"RECEIVED": "yes", "NOT_RECEIVED": "no"}
SOLUTIONS = {"REFUND_ONLY": "refund", "RETURN_AND_REFUND": "return"}
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def request_data(body: bytes) -> dict[str, object] | None:
    """The JSON object in the form field ``data``, or None."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        data = json.loads(fields["data"][0])
    except (UnicodeDecodeError, KeyError, IndexError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _text(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _refund(amount: str, price: Decimal) -> str:
    """``full`` when the amount is the item's price (the prefilled value), else ``partial``."""
    text = amount.strip()
    return "full" if _AMOUNT.fullmatch(text) and Decimal(text) == price else "partial"


@dataclass(slots=True)
class _Attempt:
    """One submission being judged."""

    order_id: str
    item_id: str | None
    account: str | None = None


class AeSubmitter:
    """Judges and answers return/refund requests."""

    def __init__(self, web: AeWeb, uploads: Uploads) -> None:
        self.web = web
        self.store = web.store
        self.uploads = uploads

    def _record(
        self,
        attempt: _Attempt,
        answer: str,
        status_code: int,
        detail: str = "",
        dispute_id: str | None = None,
    ) -> None:
        self.store.record(
            order_id=attempt.order_id,
            account=attempt.account,
            via="fetch",
            answer=answer,
            status_code=status_code,
            dispute_id=dispute_id,
            detail=detail,
            item_id=attempt.item_id,
        )

    async def submit(self, request: Request) -> Response:
        body = await read_limited(request, MAX_SUBMIT_BODY)
        if body is None:
            return answers.too_large()
        data = request_data(body)
        peek = data or {}
        attempt = _Attempt(_text(peek, "orderId"), _text(peek, "itemId") or None)
        plan = self.store.plan
        if plan.validate_first and peek.get("validate") is True:
            # the Send button's first call, to the same URL: checked, nothing created
            self._record(attempt, "validation", 200, "validate: true")
            return answers.validated()
        before = self.store.start_submission()
        session = self.web.session(request)
        if session is None:
            self._record(attempt, "login_required", 200, "no session")
            return answers.session_expired()
        attempt.account = session.account
        if plan.never_answer:
            self._record(attempt, "unanswered", 0, "never answered (never_answer)")
            await self.store.hold_unanswered(request.is_disconnected)
            return answers.server_error()
        if self.store.session_expires(before):
            self.store.end_session(session.token)
            self._record(attempt, "login_required", 200, "session expired")
            return answers.session_expired()
        if self.store.challenge_up(before):
            self._record(attempt, "challenge", 200)
            back = urlsplit(request.headers.get("referer", ""))
            return answers.challenge(self.web.punish_url(back.path or ORDER_LIST, back.query))
        if request.query_params.get("sign", "") != session.csrf_token:
            self._record(attempt, "forbidden", 200, "missing or wrong sign")
            return answers.token_illegal()
        if data is None:
            self._record(attempt, "invalid", 400, "malformed body: no JSON object in data")
            return answers.malformed()
        order = self.store.order(attempt.order_id, session.account)
        item = order.item(attempt.item_id or "") if order else None
        if order is None or item is None:
            self._record(attempt, "not_found", 200)
            return answers.not_found(self.web.words(request))
        return await self._judge(attempt, request, session, order, item, data)

    async def _judge(
        self,
        attempt: _Attempt,
        request: Request,
        session: Session,
        order: Order,
        item: Item,
        data: dict[str, object],
    ) -> Response:
        early = self.store.before_validation()
        if early == "server_error":
            self._record(attempt, "server_error", 500)
            return answers.server_error()
        if early == "busy":
            plan = self.store.plan
            self._record(attempt, "busy", plan.busy_status)
            return answers.busy(plan, retry_after_headers(plan, self.store.wall_clock()))
        words = self.web.words(request)
        ineligible = ineligible_text(order.state, order.ineligible)
        if ineligible is not None:
            self._record(attempt, "invalid", 200, ineligible)
            shown = ineligible_text(order.state, order.ineligible, language=words.language)
            return answers.refused("REVERSE_NOT_ALLOWED", shown or ineligible)
        try:
            accepted = validate(self._form(session, item, data), total=item.price)
        except Refused as refusal:
            self._record(attempt, "invalid", 200, str(refusal))
            return answers.refused("PARAM_INVALID", words.refusal(str(refusal)))
        return await self._commit(attempt, session, order, item, accepted)

    def _form(self, session: Session, item: Item, data: dict[str, object]) -> DisputeForm:
        reason = REASON_BY_ID.get(_text(data, "reasonId"))
        amount = _text(data, "refundAmount")
        raw_files = data.get("evidence")
        file_ids = (
            [f for f in raw_files if isinstance(f, str)] if isinstance(raw_files, list) else []
        )
        files = []
        for file_id in file_ids:
            stored = self.uploads.get(file_id, session.account)
            files.append(stored.upload if stored else Upload(file_id, b""))
        return DisputeForm(
            received=RECEIPT.get(_text(data, "receiptStatus"), ""),
            reason=reason.code if reason else "",
            solution=SOLUTIONS.get(_text(data, "solutionType"), "?"),
            refund=_refund(amount, item.price),
            amount=amount,
            message=_text(data, "description"),
            files=files,
        )

    async def _commit(
        self,
        attempt: _Attempt,
        session: Session,
        order: Order,
        item: Item,
        accepted: AcceptedDispute,
    ) -> Response:
        if self.store.plan.commit_delay_s:  # an overloaded back end commits late
            await self.store.sleep(self.store.plan.commit_delay_s)
        dispute = self.store.create_dispute(order, session.account, accepted, item_id=item.item_id)
        late = self.store.after_commit()
        delay = self.store.slow_delay()
        answer = late or "opened"
        plan = self.store.plan
        response: Response
        if late == "busy_after_commit":
            status = plan.busy_status
            response = answers.busy(plan, retry_after_headers(plan, self.store.wall_clock()))
        elif late == "server_error":
            status = 500
            response = answers.server_error()
        else:
            status = 200
            response = answers.success(dispute, detail_url(dispute.dispute_id))
        if delay:
            detail = f"{answer}, answered after {delay:g} s"
            self._record(attempt, "slow", status, detail, dispute.dispute_id)
            await self.store.sleep(delay)
        else:
            self._record(attempt, answer, status, "", dispute.dispute_id)
        return response
