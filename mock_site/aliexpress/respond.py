"""The buyer's answer on a request's page: ``POST /h5/mtop.ae.reverse.respond/1.0/``.

The page's script sends ``data = {"reverseOrderId", "action": DISAGREE | ACCEPT | CANCEL,
"description", "evidence": [file ids]}`` (the files uploaded on their own first, as in the
wizard), signed like the submission. Judged in order: size -> session -> token -> a parsable
body -> `mock_site.responses.judge_response` (the request, ``respond_busy_first``, the state and
the content, the action recorded, ``respond_busy_after_commit``, ``respond_slow_s``). Answers in
the gateway's envelope with ``"api": "mtop.ae.reverse.respond"``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_site.aliexpress import answers
from mock_site.aliexpress.submit import MAX_SUBMIT_BODY, request_data
from mock_site.aliexpress.uploads import Uploads
from mock_site.aliexpress.web import AeWeb
from mock_site.aliexpress.wording import STATUS_TEXTS, STATUS_TITLES
from mock_site.lifecycle import state_code
from mock_site.responses import judge_response
from mock_site.submit import read_limited, retry_after_headers
from mock_site.validation import Upload

__all__ = ["ACTIONS", "AeResponder"]

#: The site's action names, and the store's.
ACTIONS = {"DISAGREE": "disagree", "ACCEPT": "accept", "CANCEL": "withdraw"}
_API = answers.RESPOND_API


def _mtop(ret: list[str], data: dict[str, object] | None = None, status: int = 200) -> Response:
    return answers.mtop(ret, data, status=status, api=_API)


class AeResponder:
    """Judges and answers the buyer's answers on request pages."""

    def __init__(self, web: AeWeb, uploads: Uploads) -> None:
        self.web = web
        self.store = web.store
        self.uploads = uploads

    async def respond(self, request: Request) -> Response:
        response = await self._respond(request)
        await self.store.latency("submit")
        return response

    async def _respond(self, request: Request) -> Response:
        body = await read_limited(request, MAX_SUBMIT_BODY)
        if body is None:
            return _mtop(["FAIL_SYS_REQUEST_TOO_LARGE::请求过大"], status=413)
        session = self.web.session(request)
        if session is None:
            return _mtop(["FAIL_SYS_SESSION_EXPIRED::SESSION失效"])
        if request.query_params.get("sign", "") != session.csrf_token:
            return _mtop(["FAIL_SYS_TOKEN_ILLEGAL::非法令牌"])
        data = request_data(body)
        action = ACTIONS.get(str((data or {}).get("action", "")))
        if data is None or action is None:
            return _mtop(["FAIL_SYS_ILLEGAL_ACCESS::非法请求"], status=400)
        raw_ids = data.get("evidence")
        ids = [i for i in raw_ids if isinstance(i, str)] if isinstance(raw_ids, list) else []
        files = []
        for file_id in ids:
            stored = self.uploads.get(file_id, session.account)
            files.append(stored.upload if stored else Upload(file_id, b""))
        description = data.get("description")
        verdict = judge_response(
            self.store,
            account=session.account,
            dispute_id=str(data.get("reverseOrderId", "")),
            action=action,
            message=description if isinstance(description, str) else "",
            files=files,
        )
        if verdict.kind == "not_found" or verdict.dispute is None:
            return _mtop(["FAIL_BIZ_REVERSE_NOT_FOUND::The request does not exist."])
        if verdict.delay_s:
            await self.store.sleep(verdict.delay_s)
        plan = self.store.plan
        if verdict.kind in ("busy", "busy_after_commit"):
            headers = retry_after_headers(plan, self.store.wall_clock())
            return answers.busy(plan, headers, api=_API)
        if verdict.kind == "refused":
            return _mtop([f"FAIL_BIZ_REVERSE_STATUS_INVALID::{verdict.message}"])
        dispute = verdict.dispute
        code = state_code(dispute)
        answer: dict[str, object] = {
            "success": True,
            "reverseOrderId": dispute.dispute_id,
            "status": dispute.status.upper(),
            "state": code,
            "statusText": STATUS_TEXTS[code],
            "title": STATUS_TITLES[code],
        }
        return JSONResponse({"api": _API, "v": "1.0", "ret": [answers.SUCCESS_RET], "data": answer})
