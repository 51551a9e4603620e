"""The control API under ``/__mock/``: for tests and scenarios, never for the agent.

It answers local tools only (the tests, the scenario runner, `mock_site.testing.StorefrontServer`,
curl): a request whose ``Host`` is not a loopback name (DNS rebinding), whose ``Origin`` is
another site's, or that a browser marks as cross-site (``Sec-Fetch-Site``) gets 403 and changes
nothing, so a web page open in the same browser cannot reset the store or change its faults.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_site.faults import parse_fault_plan
from mock_site.lifecycle import NotAllowed, state_code
from mock_site.records import Dispute
from mock_site.seed import Order
from mock_site.store import Store

__all__ = [
    "LOCAL_HOSTS",
    "OrderRow",
    "control_routes",
    "dispute_row",
    "foreign_request",
    "order_row",
]

OrderRow = Callable[[Store, Order], dict[str, object]]
Handler = Callable[[Request], Awaitable[Response]]

#: Host names the control API answers to (any port).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def foreign_request(request: Request) -> str | None:
    """Why a request may come from a web page rather than a local tool, or None."""
    host = request.headers.get("host", "")
    name = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    if name.lower() not in LOCAL_HOSTS:
        return f"the control API answers requests to 127.0.0.1 only, not to Host {host!r}"
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() != f"http://{host}".lower():
        return f"the control API refuses requests from another origin ({origin})"
    if request.headers.get("sec-fetch-site", "none") not in ("none", "same-origin"):
        return "the control API refuses requests a browser sends for another site"
    return None


def _local_only(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        why = foreign_request(request)
        if why is not None:
            return JSONResponse({"error": why}, 403)
        return await handler(request)

    return guarded


def order_row(store: Store, order: Order) -> dict[str, object]:
    """One row of ``GET /__mock/orders`` as the mock skin answers it."""
    existing = store.open_dispute_for(order.order_id)
    reason = order.ineligible or (f"Dispute {existing.dispute_id} is open" if existing else "")
    return {
        "order_id": order.order_id,
        "account": order.account,
        "state": order.state,
        "eligible": not reason,
        "reason": reason,
        "total": f"{order.total:.2f}",
        "dispute_id": existing.dispute_id if existing else None,
    }


def dispute_row(store: Store, dispute: Dispute) -> dict[str, object]:
    """One row of ``GET /__mock/disputes``: the request, its state and every action on it."""
    wall = store.deadline_wall(dispute)
    deadline = None
    if wall is not None:
        deadline = datetime.fromtimestamp(wall, tz=UTC).isoformat(timespec="seconds")
    return {**dispute.to_dict(), "state": state_code(dispute), "deadline": deadline}


def control_routes(store: Store, *, row: OrderRow = order_row) -> list[Route]:
    """The routes of the control API for one Store; ``row`` answers one order of the skin."""

    async def reset(request: Request) -> Response:
        store.reset()
        return JSONResponse({"status": "reset"})

    async def get_faults(request: Request) -> Response:
        return JSONResponse(store.plan.to_dict())

    async def put_faults(request: Request) -> Response:
        try:
            data = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "the fault plan is not valid JSON"}, 400)
        try:
            plan = parse_fault_plan(data, skin=store.skin)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, 400)
        store.set_plan(plan)
        return JSONResponse(plan.to_dict())

    async def disputes(request: Request) -> Response:
        return JSONResponse([dispute_row(store, dispute) for dispute in store.disputes()])

    async def store_answers(request: Request) -> Response:
        """``POST /__mock/disputes/{id}/store``: the store answers a request."""
        try:
            data = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "the body is not valid JSON"}, 400)
        if not isinstance(data, dict) or set(data) - {"action", "amount", "reason", "deadline_s"}:
            return JSONResponse(
                {"error": "expected an object {action, amount, reason, deadline_s}"}, 400
            )
        dispute_id = request.path_params["dispute_id"]
        try:
            changed = store.store_action(
                dispute_id,
                str(data.get("action")),
                amount=data.get("amount"),
                reason=data.get("reason"),
                deadline_s=data.get("deadline_s"),
            )
        except NotAllowed as refusal:
            status = 409 if refusal.conflict else 400
            return JSONResponse({"error": str(refusal)}, status)
        if changed is None:
            return JSONResponse({"error": f"no request {dispute_id}"}, 404)
        return JSONResponse(dispute_row(store, changed))

    async def chats(request: Request) -> Response:
        return JSONResponse(store.chats.transcripts())

    async def submissions(request: Request) -> Response:
        return JSONResponse([submission.to_dict() for submission in store.submissions()])

    async def orders(request: Request) -> Response:
        return JSONResponse([row(store, order) for order in store.orders()])

    return [
        Route("/__mock/reset", _local_only(reset), methods=["POST"]),
        Route("/__mock/faults", _local_only(get_faults), methods=["GET"]),
        Route("/__mock/faults", _local_only(put_faults), methods=["PUT"]),
        Route("/__mock/disputes", _local_only(disputes), methods=["GET"]),
        Route("/__mock/disputes/{dispute_id}/store", _local_only(store_answers), methods=["POST"]),
        Route("/__mock/submissions", _local_only(submissions), methods=["GET"]),
        Route("/__mock/orders", _local_only(orders), methods=["GET"]),
        Route("/__mock/chats", _local_only(chats), methods=["GET"]),
    ]
