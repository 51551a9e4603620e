"""The control API under ``/__mock/``: for tests and scenarios, never for the agent."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_site.faults import parse_fault_plan
from mock_site.seed import Order
from mock_site.store import Store

__all__ = ["OrderRow", "control_routes", "order_row"]

OrderRow = Callable[[Store, Order], dict[str, object]]


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
        return JSONResponse([dispute.to_dict() for dispute in store.disputes()])

    async def chats(request: Request) -> Response:
        return JSONResponse(store.chats.transcripts())

    async def submissions(request: Request) -> Response:
        return JSONResponse([submission.to_dict() for submission in store.submissions()])

    async def orders(request: Request) -> Response:
        return JSONResponse([row(store, order) for order in store.orders()])

    return [
        Route("/__mock/reset", reset, methods=["POST"]),
        Route("/__mock/faults", get_faults, methods=["GET"]),
        Route("/__mock/faults", put_faults, methods=["PUT"]),
        Route("/__mock/disputes", disputes, methods=["GET"]),
        Route("/__mock/submissions", submissions, methods=["GET"]),
        Route("/__mock/orders", orders, methods=["GET"]),
        Route("/__mock/chats", chats, methods=["GET"]),
    ]
