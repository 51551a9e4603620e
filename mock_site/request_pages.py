"""The mock skin's request page (``/dispute/{id}``) and the buyer's actions on it.

The page says where the dispute stands (in the plan's ``language``), the store's proposal or
words, the deadline (``<time datetime>``) and the history. While the dispute waits for the
buyer: a response form (a message and evidence: "Disagree and send", by ``fetch()`` when the
busy style is a toast or a modal, else a full-page POST, like the dispute form), "Accept the
proposal" behind a JS confirm that warns it closes the case, and "Withdraw the dispute".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from mock_site.lifecycle import state_code
from mock_site.records import Action, Dispute
from mock_site.request_texts import state_text
from mock_site.responses import judge_response
from mock_site.store import Session
from mock_site.submit import parse_form, read_limited, retry_after_headers
from mock_site.validation import MAX_BODY_BYTES, Upload
from mock_site.web import FORBIDDEN_TEXT, Web, same_token

__all__ = ["ACCEPT_WARNING", "RequestPages", "history_text"]

ACCEPT_WARNING = (
    "Accept the seller's proposal? This closes the dispute for good: you will not be able to "
    "ask for more or open another dispute for this order."
)
WITHDRAW_WARNING = "Withdraw this dispute? It closes for good."
_WAITING = frozenset({"proposal_partial", "proposal_return", "refused", "evidence_requested"})


def history_text(action: Action) -> str:
    """One action of the request's life, in words (the page's history)."""
    amount = f" of ${action.amount}" if action.amount else ""
    said = f': "{action.reason}"' if action.reason else ""
    words = {
        "agree": f"The seller agreed to a full refund{amount}",
        "propose_partial": f"The seller proposed a partial refund{amount}{said}",
        "propose_return": f"The seller proposed a return, then a refund{amount}{said}",
        "refuse": f"The seller refused the dispute{said}",
        "ask_evidence": f"The seller asked for more evidence{said}",
        "accept": f"You accepted the seller's proposal{amount}",
        "withdraw": "You withdrew the dispute",
        "deadline_passed": "The time to respond ran out",
    }
    if action.action == "disagree":
        files = f" ({len(action.files)} file{'s' if len(action.files) != 1 else ''})"
        return f'You disagreed: "{action.message}"' + (files if action.files else "")
    return words.get(action.action, action.action)


@dataclass(frozen=True, slots=True)
class _Event:
    by: str
    action: str
    text: str


async def _form(request: Request) -> FormData | None:
    body = await read_limited(request, MAX_BODY_BYTES)
    if body is None:
        return None
    try:
        return await parse_form(request, body)
    except HTTPException:
        return None


async def _uploads(form: FormData) -> list[Upload]:
    uploads = []
    for item in form.getlist("evidence"):
        if isinstance(item, UploadFile):
            content = await item.read()
            if item.filename or content:
                uploads.append(Upload(item.filename or "unnamed", content))
    return uploads


class RequestPages:
    """``GET /dispute/{id}`` and ``POST /dispute/{id}/respond|accept|withdraw``."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.store = web.store

    def render(
        self,
        session: Session,
        dispute: Dispute,
        *,
        status: int = 200,
        busy: str | None = None,
        error: str | None = None,
        sent: bool = False,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The request's page (with a busy banner or an error after a full-page answer)."""
        plan = self.store.plan
        code = state_code(dispute)
        wall = self.store.deadline_wall(dispute)
        deadline = datetime.fromtimestamp(wall, tz=UTC) if wall is not None else None
        return self.web.render(
            "dispute.html",
            session=session,
            status=status,
            headers=headers,
            overlay=True,
            dispute=dispute,
            state=code,
            state_text=state_text(plan.language, code),
            waiting_for_you=code in _WAITING,
            proposal=code in ("proposal_partial", "proposal_return"),
            is_open=dispute.status in ("waiting_seller", "waiting_response", "waiting_feedback"),
            deadline_iso=deadline.isoformat(timespec="seconds").replace("+00:00", "Z")
            if deadline
            else None,
            deadline_text=deadline.strftime("%d %b %Y, %H:%M UTC") if deadline else None,
            history=[_Event(a.by, a.action, history_text(a)) for a in dispute.actions],
            busy=busy,
            busy_style=plan.busy_style,
            fetch=plan.uses_fetch,
            resets_on_busy=plan.form_resets_on_busy,
            error=error,
            sent=sent,
            message=message,
            accept_warning=ACCEPT_WARNING,
            withdraw_warning=WITHDRAW_WARNING,
        )

    async def view(self, request: Request) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        dispute = self.store.dispute(request.path_params["dispute_id"], session.account)
        if dispute is None:
            return self.web.not_found(session, "Dispute")
        return self.render(session, dispute, sent=request.query_params.get("sent") == "1")

    async def respond(self, request: Request) -> Response:
        """Disagree: the message and the evidence; answered like the dispute form."""
        response = await self._respond(request)
        await self.store.latency("submit")
        return response

    async def _respond(self, request: Request) -> Response:
        fetch = request.headers.get("x-requested-with", "").lower() == "fetch"
        dispute_id = request.path_params["dispute_id"]
        session = self.web.session(request)
        if session is None:
            if fetch:
                return JSONResponse({"status": "login_required"}, 401)
            return self.web.login_redirect(f"/dispute/{dispute_id}")
        form = await _form(request)
        if form is None:
            return JSONResponse({"status": "invalid", "message": "Malformed form"}, 400)
        try:
            token = form.get("csrf_token")
            if not same_token(token if isinstance(token, str) else "", session.csrf_token):
                if fetch:
                    return JSONResponse({"status": "forbidden", "message": FORBIDDEN_TEXT}, 403)
                return self.web.forbidden(session)
            raw = form.get("message")
            message = raw if isinstance(raw, str) else ""
            verdict = judge_response(
                self.store,
                account=session.account,
                dispute_id=dispute_id,
                action="disagree",
                message=message,
                files=await _uploads(form),
            )
        finally:
            await form.close()
        plan = self.store.plan
        if verdict.kind == "not_found" or verdict.dispute is None:
            if fetch:
                return JSONResponse({"status": "not_found"}, 404)
            return self.web.not_found(session, "Dispute")
        dispute = verdict.dispute
        if verdict.delay_s:
            await self.store.sleep(verdict.delay_s)
        if verdict.kind in ("busy", "busy_after_commit"):
            headers = retry_after_headers(plan, self.store.wall_clock())
            if fetch:
                body = {"status": "busy", "message": plan.busy_text}
                return JSONResponse(body, plan.busy_status, headers=headers)
            kept = "" if plan.form_resets_on_busy else message
            return self.render(
                session,
                dispute,
                status=plan.busy_status,
                busy=plan.busy_text,
                message=kept,
                headers=headers,
            )
        if verdict.kind == "refused":
            if fetch:
                return JSONResponse({"status": "invalid", "message": verdict.message}, 422)
            return self.render(session, dispute, status=422, error=verdict.message, message=message)
        said = f"Your response to dispute {dispute.dispute_id} was sent."
        if fetch:
            code = state_code(dispute)
            body = {
                "status": "sent",
                "dispute_id": dispute.dispute_id,
                "message": said,
                "state": code,
                "state_text": state_text(plan.language, code),
            }
            return JSONResponse(body)
        return RedirectResponse(f"/dispute/{dispute.dispute_id}?sent=1", status_code=303)

    async def _act(self, request: Request, action: str) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        dispute_id = request.path_params["dispute_id"]
        async with request.form() as form:
            token = form.get("csrf_token")
        if not same_token(token if isinstance(token, str) else "", session.csrf_token):
            return self.web.forbidden(session)
        verdict = judge_response(
            self.store, account=session.account, dispute_id=dispute_id, action=action
        )
        if verdict.dispute is None:
            return self.web.not_found(session, "Dispute")
        if verdict.kind == "refused":
            return self.render(session, verdict.dispute, status=409, error=verdict.message)
        return RedirectResponse(f"/dispute/{dispute_id}", status_code=303)

    async def accept(self, request: Request) -> Response:
        """Accept the store's proposal: the dispute closes (the page asked first)."""
        return await self._act(request, "accept")

    async def withdraw(self, request: Request) -> Response:
        """Withdraw the dispute: it closes."""
        return await self._act(request, "withdraw")
