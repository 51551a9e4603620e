"""The control API under ``/__mock/``: for tests and scenarios, never for the agent."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_site.faults import parse_fault_plan
from mock_site.store import Store

__all__ = ["control_routes"]


def control_routes(store: Store) -> list[Route]:
    """The routes of the control API for one Store."""

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
            plan = parse_fault_plan(data)
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
        rows = []
        for order in store.orders():
            existing = store.open_dispute_for(order.order_id)
            reason = order.ineligible or (
                f"Dispute {existing.dispute_id} is open" if existing else ""
            )
            rows.append(
                {
                    "order_id": order.order_id,
                    "account": order.account,
                    "state": order.state,
                    "eligible": not reason,
                    "reason": reason,
                    "total": f"{order.total:.2f}",
                    "dispute_id": existing.dispute_id if existing else None,
                }
            )
        return JSONResponse(rows)

    return [
        Route("/__mock/reset", reset, methods=["POST"]),
        Route("/__mock/faults", get_faults, methods=["GET"]),
        Route("/__mock/faults", put_faults, methods=["PUT"]),
        Route("/__mock/disputes", disputes, methods=["GET"]),
        Route("/__mock/submissions", submissions, methods=["GET"]),
        Route("/__mock/orders", orders, methods=["GET"]),
        Route("/__mock/chats", chats, methods=["GET"]),
    ]
