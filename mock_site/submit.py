"""The dispute submission: ``POST /order/{id}/dispute``, judged in the documented order.

session -> challenge -> CSRF -> HTTP 500 (unless after commit) -> busy -> validation -> create the
dispute -> busy after commit, or HTTP 500 (after commit) -> slow; then the answer is held per
``latency.submit_s``. Every submit is recorded with
its answer, except a body over the size limit (413), which is refused before it is read.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from mock_site.faults import HOSTILE_ESCAPES, FaultPlan
from mock_site.seed import Order
from mock_site.store import Session
from mock_site.validation import (
    MAX_BODY_BYTES,
    REASONS,
    AcceptedDispute,
    DisputeForm,
    Refused,
    Upload,
    validate,
)
from mock_site.web import FORBIDDEN_TEXT, SERVER_ERROR_TEXT, Web, same_token

__all__ = ["FormValues", "Submitter", "read_limited", "render_form", "retry_after_headers"]

REASONS_JSON = json.dumps({key: dict(value) for key, value in REASONS.items()})
#: The answer to a form whose single-use token was used already (``single_use_form``).
EXPIRED_TEXT = "This form has expired. Please reload the page and try again."
LINGER_S = 1.0  # after a 413: read and discard the upload this long at most...
LINGER_BYTES = 16 * 1024 * 1024  # ...and this much at most, then close the connection
MAX_FORM_FILES = 50  # more than this is a malformed form (400); over 6 is "Too many files"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormValues:
    """The text fields of the dispute form, to refill it (files cannot be refilled)."""

    received: str = ""
    reason: str = ""
    solution: str = "refund"
    refund: str = "full"
    amount: str = ""
    message: str = ""


def render_form(
    web: Web,
    session: Session,
    order: Order,
    values: FormValues,
    *,
    status: int = 200,
    error: str | None = None,
    busy: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The dispute form page, optionally refilled and with an error or the busy banner."""
    plan = web.store.plan
    return web.render(
        "dispute_form.html",
        session=session,
        status=status,
        overlay=True,
        headers=headers,
        order=order,
        ineligible=order.ineligible,
        values=values,
        reason_options=list(REASONS.get(values.received, {}).items()),
        reasons_json=REASONS_JSON,
        error=error,
        busy=busy,
        busy_style=plan.busy_style,
        fetch=plan.uses_fetch,
        resets_on_busy=plan.form_resets_on_busy,
        validate_first=plan.validate_first,
        form_token=web.store.issue_form_token() if plan.single_use_form else "",
    )


def retry_after_headers(plan: FaultPlan, wall_time: float) -> dict[str, str]:
    """The Retry-After header of a busy answer, as delta-seconds or an HTTP date."""
    if plan.retry_after_s is None:
        return {}
    if plan.retry_after_format == "date":
        when = datetime.fromtimestamp(math.ceil(wall_time) + plan.retry_after_s, tz=UTC)
        return {"Retry-After": format_datetime(when, usegmt=True)}
    return {"Retry-After": str(plan.retry_after_s)}


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_form(request: Request, body: bytes) -> FormData:
    """Parse an already-read body as a form (multipart or urlencoded)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=MAX_FORM_FILES)


async def _is_validation(request: Request, body: bytes) -> bool:
    """Whether a POST to the submit URL is the form's validation call (``validate=1``)."""
    try:
        form = await parse_form(request, body)
    except HTTPException:
        return False
    try:
        return _text(form, "validate") == "1"
    finally:
        await form.close()


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


async def _uploads(form: FormData) -> list[Upload]:
    uploads = []
    for item in form.getlist("evidence"):
        if isinstance(item, UploadFile):
            content = await item.read()
            if item.filename or content:
                uploads.append(Upload(item.filename or "unnamed", content))
    return uploads


def _values(form: FormData) -> FormValues:
    return FormValues(
        received=_text(form, "received"),
        reason=_text(form, "reason"),
        solution=_text(form, "solution") or "refund",
        refund=_text(form, "refund") or "full",
        amount=_text(form, "amount"),
        message=_text(form, "message"),
    )


@dataclass(slots=True)
class _Attempt:
    """One submission being judged."""

    order_id: str
    fetch: bool
    account: str | None = None


class Submitter:
    """Judges and answers dispute submissions."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.store = web.store

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
            via="fetch" if attempt.fetch else "page",
            answer=answer,
            status_code=status_code,
            dispute_id=dispute_id,
            detail=detail,
        )

    async def submit(self, request: Request) -> Response:
        """``POST /order/{id}/dispute``: judged, then held per ``latency.submit_s``."""
        response = await self._submit(request)
        await self.store.latency("submit")
        return response

    async def _submit(self, request: Request) -> Response:
        fetch = request.headers.get("x-requested-with", "").lower() == "fetch"
        attempt = _Attempt(order_id=request.path_params["order_id"], fetch=fetch)
        body = await read_limited(request, MAX_BODY_BYTES)
        if body is None:
            return _too_large(fetch)
        plan = self.store.plan
        if plan.validate_first and await _is_validation(request, body):
            # the Send button's first call, to the same URL: checked, nothing created
            self._record(attempt, "validation", 200, "validate=1")
            return JSONResponse({"ok": True}, 200)
        before = self.store.start_submission()
        session = self.web.session(request)
        if session is None:
            return self._login_required(attempt, "no session")
        attempt.account = session.account
        if plan.never_answer:
            self._record(attempt, "unanswered", 0, "never answered (never_answer)")
            await self.store.hold_unanswered(request.is_disconnected)
            return PlainTextResponse("gateway timeout", 504)
        if self.store.session_expires(before):
            self.store.end_session(session.token)
            return self._login_required(attempt, "session expired")
        if self.store.challenge_up(before):
            self._record(attempt, "challenge", 403)
            return self.web.challenge(fetch=fetch)
        try:
            form = await parse_form(request, body)
        except HTTPException as error:
            self._record(attempt, "invalid", 400, f"malformed form: {error.detail}")
            return _json_or_text(fetch, 400, "invalid", "Malformed form")
        try:
            return await self._judge(attempt, session, form)
        finally:
            await form.close()

    def _login_required(self, attempt: _Attempt, detail: str) -> Response:
        status = 401 if attempt.fetch else 303
        self._record(attempt, "login_required", status, detail)
        if attempt.fetch:
            return JSONResponse({"status": "login_required"}, 401)
        return self.web.login_redirect(f"/order/{attempt.order_id}/dispute")

    async def _judge(self, attempt: _Attempt, session: Session, form: FormData) -> Response:
        fetch = attempt.fetch
        if not same_token(_text(form, "csrf_token"), session.csrf_token):
            self._record(attempt, "forbidden", 403, "missing or wrong csrf_token")
            if fetch:
                return JSONResponse({"status": "forbidden", "message": FORBIDDEN_TEXT}, 403)
            return self.web.forbidden(session)
        if self.store.plan.single_use_form and not self.store.redeem_form_token(
            _text(form, "form_token")
        ):
            return self._expired(attempt, session, fetch)
        order = self.store.order(attempt.order_id, session.account)
        if order is None:
            self._record(attempt, "not_found", 404)
            if fetch:
                return JSONResponse({"status": "not_found"}, 404)
            return self.web.not_found(session)
        values = _values(form)
        early = self.store.before_validation()
        if early == "server_error":
            return self._server_error(attempt, session)
        if early == "busy":
            self._record(attempt, "busy", self.store.plan.busy_status)
            return self._busy(session, order, values, fetch)
        try:
            if order.ineligible:
                raise Refused(order.ineligible)
            dispute_form = DisputeForm(
                received=values.received,
                reason=values.reason,
                solution=values.solution,
                refund=values.refund,
                amount=values.amount,
                message=values.message,
                files=await _uploads(form),
            )
            accepted = validate(dispute_form, total=order.total)
        except Refused as refusal:
            self._record(attempt, "invalid", 422, str(refusal))
            if fetch:
                return JSONResponse({"status": "invalid", "message": str(refusal)}, 422)
            return render_form(self.web, session, order, values, status=422, error=str(refusal))
        return await self._commit(attempt, session, order, values, accepted)

    async def _commit(
        self,
        attempt: _Attempt,
        session: Session,
        order: Order,
        values: FormValues,
        accepted: AcceptedDispute,
    ) -> Response:
        if self.store.plan.commit_delay_s:  # an overloaded back end commits late
            await self.store.sleep(self.store.plan.commit_delay_s)
        dispute = self.store.create_dispute(order, session.account, accepted)
        late = self.store.after_commit()
        delay = self.store.slow_delay()
        answer = late or "opened"
        if late == "busy_after_commit":
            status = self.store.plan.busy_status
            response = self._busy(session, order, values, attempt.fetch)
        elif late == "server_error":
            status = 500
            response = self._server_error_response(session, attempt.fetch)
        elif attempt.fetch:
            status = 200
            said = dispute.dispute_id
            if self.store.plan.answer_wrong_id:  # the answer names another id than the page
                said = said.replace("D-0", "D-9", 1)
            message = f"Dispute {said} opened"
            body = {"status": "opened", "dispute_id": said, "message": message}
            response = JSONResponse(body, 200)
        else:
            status = 303
            response = RedirectResponse(f"/dispute/{dispute.dispute_id}", status_code=303)
        if delay:
            detail = f"{answer}, answered after {delay:g} s"
            self._record(attempt, "slow", status, detail, dispute.dispute_id)
            await self.store.sleep(delay)
        else:
            self._record(attempt, answer, status, "", dispute.dispute_id)
        return response

    def _expired(self, attempt: _Attempt, session: Session, fetch: bool) -> Response:
        """``single_use_form``: a form whose token was used already (or never issued)."""
        self._record(attempt, "expired", 409, "the form's single-use token was used already")
        if fetch:
            return JSONResponse({"status": "expired", "message": EXPIRED_TEXT}, 409)
        return self.web.render(
            "form_expired.html", session=session, status=409, order_id=attempt.order_id
        )

    def _server_error(self, attempt: _Attempt, session: Session) -> Response:
        self._record(attempt, "server_error", 500)
        return self._server_error_response(session, attempt.fetch)

    def _server_error_response(self, session: Session, fetch: bool) -> Response:
        if fetch:
            return JSONResponse({"status": "error", "message": SERVER_ERROR_TEXT}, 500)
        return self.web.server_error(session)

    def _busy(self, session: Session, order: Order, values: FormValues, fetch: bool) -> Response:
        plan = self.store.plan
        headers = retry_after_headers(plan, self.store.wall_clock())
        text = plan.busy_text
        if plan.echo_cookie:  # a hostile site: the session cookie's value, shown in the answer
            text = f"{text} (request {session.token})"
        if plan.escape_sequences:  # a hostile site: a window title, a cleared screen, a bidi flip
            text = f"{text}{HOSTILE_ESCAPES}"
        if fetch:
            body = {"status": "busy", "message": text}
            return JSONResponse(body, plan.busy_status, headers=headers)
        shown = FormValues() if plan.form_resets_on_busy else values
        return render_form(
            self.web,
            session,
            order,
            shown,
            status=plan.busy_status,
            busy=text,
            headers=headers,
        )


def _json_or_text(fetch: bool, status: int, kind: str, message: str) -> Response:
    if fetch:
        return JSONResponse({"status": kind, "message": message}, status)
    return PlainTextResponse(message, status)


class _TooLarge(Response):
    """413, sent at once; then a bounded "lingering close" before the connection is closed.

    Closing a socket with unread data makes the kernel reset the connection, which can destroy
    the answer on its way to a client still busy uploading; so the answer goes out first, the
    upload is read and discarded for a short bounded while, and only then is the socket closed.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body, "more_body": True})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LINGER_S
        drained = 0
        while drained < LINGER_BYTES and (left := deadline - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                break
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
            drained += len(message.get("body", b""))
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _too_large(fetch: bool) -> Response:
    headers = {"Connection": "close"}
    if fetch:
        body = json.dumps({"status": "too_large"}).encode()
        return _TooLarge(body, 413, headers=headers, media_type="application/json")
    return _TooLarge(b"Request body too large", 413, headers=headers, media_type="text/plain")
