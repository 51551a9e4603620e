"""The request from the command line: ``--request FILE``, the request flags, or the demo's."""

from __future__ import annotations

import argparse
from typing import cast

from agent.cli.bundled import demo_request
from agent.errors import InvalidConfig, InvalidField
from agent.request import PreparedRequest, build_request, load_request_toml
from agent.site.profile import SiteProfile

__all__ = ["request_flags_given", "request_from_args"]

_FLAG_FIELDS = (
    "order",
    "item",
    "quantity",
    "received",
    "reason",
    "solution",
    "refund",
    "amount",
    "message",
)


def request_flags_given(args: argparse.Namespace) -> bool:
    """Whether any request flag (--order, --reason, …, --evidence) was given."""
    return any(getattr(args, name) not in (None, []) for name in (*_FLAG_FIELDS, "evidence"))


def request_from_args(
    args: argparse.Namespace, profile: SiteProfile, *, demo: bool
) -> PreparedRequest:
    """The request from --request or the flags; on the bundled storefront (*demo*), the demo
    request with every flag given in place of its value. The pre-flight runs on the result."""
    if args.request is not None:
        if request_flags_given(args):
            raise InvalidConfig(
                "give either --request FILE or the request flags, not both",
                hint="drop the flags or the file",
            )
        return load_request_toml(
            args.request,
            rules=profile.evidence,
            reasons=profile.reasons,
            message_limits=profile.message_limits,
        )
    if args.order is not None and not args.order.strip():  # given, but empty: say so
        raise InvalidField(
            "--order is empty",
            field="order_id",
            hint="give the order number shown on the order page, e.g. --order 1002",
        )
    given = {
        "order_id": args.order,
        "item": args.item,
        "quantity": args.quantity,
        "received": args.received,
        "reason": args.reason,
        "solution": args.solution,
        "refund": args.refund,
        "amount": args.amount,
        "message": args.message,
        "evidence": args.evidence,
    }
    if demo:  # the bundled storefront: every flag given replaces the demo request's value
        values = {
            **demo_request(),
            **{k: v for k, v in given.items() if v not in (None, [])},
        }
    elif args.order is None:
        raise InvalidConfig(
            "no request given", hint="pass --request FILE.toml or --order ID with its flags"
        )
    else:
        values = given
        missing = [k for k in ("received", "reason", "message") if values.get(k) in (None, "")]
        if missing:
            raise InvalidConfig(
                f"--{missing[0]} is required with --order",
                hint="pass it, or use --request FILE.toml",
            )
    return build_request(
        order_id=str(values["order_id"]),
        received=cast("str | bool", values["received"]),
        reason=cast("str", values["reason"]),
        solution=cast("str | None", values.get("solution")),
        refund=cast("str | None", values.get("refund")),
        amount=cast("str | None", values.get("amount")),
        message=cast("str", values["message"]),
        evidence=[str(path) for path in cast("list[object]", values.get("evidence") or [])],
        rules=profile.evidence,
        item=cast("str | None", values.get("item")),
        quantity=cast("str | None", values.get("quantity")),
        reasons=profile.reasons,
        message_limits=profile.message_limits,
    )
