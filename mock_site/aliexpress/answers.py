"""The JSON answers of the aliexpress skin's submit endpoint, in the mtop gateway's envelope.

Every answer is ``{"api": "mtop.ae.reverse.submit", "v": "1.0", "ret": [...], "data": {...}}``;
``ret[0]`` is ``SUCCESS::调用成功`` or an error code and its message joined by ``::``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.responses import JSONResponse

from mock_site.aliexpress.lang import Wording, wording
from mock_site.aliexpress.wording import (
    BUSY_TEXTS,
    GATEWAY_BUSY_RET,
    STATUS_TEXTS,
    STATUS_TITLES,
)
from mock_site.faults import FaultPlan
from mock_site.lifecycle import state_code
from mock_site.records import Dispute

__all__ = [
    "API",
    "RESPOND_API",
    "RESPOND_PATH",
    "SUBMIT_PATH",
    "SUCCESS_RET",
    "UPLOAD_PATH",
    "busy",
    "challenge",
    "malformed",
    "mtop",
    "not_found",
    "refused",
    "server_error",
    "session_expired",
    "success",
    "token_illegal",
    "too_large",
    "validated",
]

API = "mtop.ae.reverse.submit"
SUBMIT_PATH = f"/h5/{API}/1.0/"
#: The buyer's answer on a request's page (disagree, accept, cancel).
RESPOND_API = "mtop.ae.reverse.respond"
RESPOND_PATH = f"/h5/{RESPOND_API}/1.0/"
UPLOAD_PATH = "/x/upload?scene=reverse"
SUCCESS_RET = "SUCCESS::调用成功"


def mtop(
    ret: Sequence[str],
    data: Mapping[str, object] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    api: str = API,
) -> JSONResponse:
    """One answer in the gateway's envelope."""
    body = {"api": api, "v": "1.0", "ret": list(ret), "data": dict(data or {})}
    return JSONResponse(body, status_code=status, headers=headers)


def success(dispute: Dispute, detail_url: str) -> JSONResponse:
    """The request was created: its id, state, status and page.

    ``statusText`` and ``title`` are English whatever the interface language (the page's script
    shows its own words for ``state``, the state's code: `mock_site.lifecycle.state_code`).
    """
    code = state_code(dispute)
    data = {
        "success": True,
        "reverseOrderId": dispute.dispute_id,
        "status": dispute.status.upper(),
        "state": code,
        "statusText": STATUS_TEXTS[code],
        "title": STATUS_TITLES[code],
        "detailUrl": detail_url,
    }
    return mtop([SUCCESS_RET], data)


def validated() -> JSONResponse:
    """The form's validation call (fault ``validate_first``): checked, nothing created."""
    return mtop([SUCCESS_RET], {"valid": True})


def busy(plan: FaultPlan, headers: Mapping[str, str], *, api: str = API) -> JSONResponse:
    """Busy, with the plan's status code: the gateway's RGV587 answer or a busy text."""
    if plan.busy_format == "gateway":
        return mtop(GATEWAY_BUSY_RET, status=plan.busy_status, headers=headers, api=api)
    text = BUSY_TEXTS[plan.language]
    return mtop(
        [f"FAIL_BIZ_SYSTEM_BUSY::{text}"], status=plan.busy_status, headers=headers, api=api
    )


def challenge(punish_url: str) -> JSONResponse:
    """The slider verification is up: the gateway's RGV587 answer with the verification URL."""
    return mtop(GATEWAY_BUSY_RET, {"url": punish_url, "dialogSize": {"w": 420, "h": 320}})


def refused(code: str, message: str) -> JSONResponse:
    """A business refusal (validation, ineligible order): HTTP 200, the site's sentence."""
    return mtop([f"FAIL_BIZ_{code}::{message}"])


def not_found(words: Wording | None = None) -> JSONResponse:
    """An unknown order or item, or another account's."""
    return refused("ORDER_NOT_FOUND", (words or wording("en"))["order_not_exist"])


def session_expired() -> JSONResponse:
    """No session, or it expired."""
    return mtop(["FAIL_SYS_SESSION_EXPIRED::SESSION失效"])


def token_illegal() -> JSONResponse:
    """A missing or wrong token (the site's CSRF check)."""
    return mtop(["FAIL_SYS_TOKEN_ILLEGAL::非法令牌"])


def server_error() -> JSONResponse:
    """HTTP 500 (the ``server_errors`` faults)."""
    return mtop(["FAIL_SYS_SERVICE_INNER_FAULT::服务竟然出错了"], status=500)


def malformed() -> JSONResponse:
    """A body without a JSON object in its ``data`` field."""
    return mtop(["FAIL_SYS_ILLEGAL_ACCESS::非法请求"], status=400)


def too_large() -> JSONResponse:
    """A body over the limit, refused before it is read."""
    return mtop(["FAIL_SYS_REQUEST_TOO_LARGE::请求过大"], status=413)
