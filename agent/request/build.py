"""The whole request: each field checked and normalised, in the form's order (`build_request`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TypeVar

from agent.errors import InvalidField
from agent.request.amount import normalise_amount
from agent.request.evidence import EvidenceRules, check_evidence
from agent.request.message import MessageLimits, check_message, normalise_message
from agent.request.model import (
    NOT_RECEIVED_REASONS,
    RECEIVED_REASONS,
    REFUNDS,
    SOLUTIONS,
    DisputeRequest,
    Normalisation,
    PreparedRequest,
    RefundKind,
    Solution,
)
from agent.request.reasons import SiteReasons
from agent.request.text import quote, suggest, type_name

__all__ = ["build_request"]

_ORDER_ID_MAX = 64
#: The most of one item a dispute can be for (a sanity bound; the form says its own).
_QUANTITY_MAX = 9999
_ORDER_ID = re.compile(r"[A-Za-z0-9-]+")
_YES_NO = {"yes": True, "no": False}
_SOLUTION_VALUES: dict[str, Solution] = {s: s for s in SOLUTIONS}
_REFUND_VALUES: dict[str, RefundKind] = {r: r for r in REFUNDS}


def _order_id(raw: object, changes: list[Normalisation]) -> str:
    if not isinstance(raw, str):
        raise InvalidField(
            f"must be text, not {type_name(raw)}",
            field="order_id",
            hint="give the order number shown on the order page, e.g. 1002",
        )
    value = raw.strip()
    if value != raw:
        changes.append(Normalisation("order_id", "surrounding whitespace trimmed", raw, value))
    if not value:
        raise InvalidField(
            "empty",
            field="order_id",
            hint="give the order number shown on the order page, e.g. 1002",
        )
    if not _ORDER_ID.fullmatch(value) or len(value) > _ORDER_ID_MAX:
        raise InvalidField(
            f"{quote(value)} is not an order number",
            field="order_id",
            hint=f"an order number has only letters, digits and dashes (at most {_ORDER_ID_MAX}): "
            "copy it from the order page",
        )
    return value


def _received(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _YES_NO:
        return _YES_NO[raw.strip().lower()]
    shown = quote(raw) if isinstance(raw, str) else type_name(raw)
    raise InvalidField(
        f"must be yes or no, not {shown}",
        field="received",
        hint="say whether the item arrived: yes or no",
    )


def _item(raw: object, changes: list[Normalisation]) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        raise InvalidField(
            f"must be text, not {type_name(raw)}",
            field="item",
            hint="give the item's id as the order page shows it, or leave it out",
        )
    value = raw.strip()
    if value != raw:
        changes.append(Normalisation("item", "surrounding whitespace trimmed", raw, value))
    if not _ORDER_ID.fullmatch(value) or len(value) > _ORDER_ID_MAX:
        raise InvalidField(
            f"{quote(value)} is not an item id",
            field="item",
            hint=f"an item id has only letters, digits and dashes (at most {_ORDER_ID_MAX})",
        )
    return value


def _quantity(raw: object) -> int:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 1
    hint = "give how many of the item the dispute is for, e.g. 2 (default 1)"
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidField(
            f"must be a whole number, not {type_name(raw)}", field="quantity", hint=hint
        )
    text = raw.strip() if isinstance(raw, str) else str(raw)
    if not text.isdigit() or not 1 <= int(text) <= _QUANTITY_MAX:
        raise InvalidField(
            f"{quote(text)} is not a whole number from 1 to {_QUANTITY_MAX}",
            field="quantity",
            hint=hint,
        )
    return int(text)


def _reason(
    raw: object,
    *,
    received: bool,
    reasons: SiteReasons | None = None,
    changes: list[Normalisation] | None = None,
) -> str:
    if reasons is None:
        expected, other = (
            (RECEIVED_REASONS, NOT_RECEIVED_REASONS)
            if received
            else (NOT_RECEIVED_REASONS, RECEIVED_REASONS)
        )
    else:
        expected, other = reasons.names(received), reasons.names(not received)
    answer = "yes" if received else "no"
    choices = f"reasons when received is {answer}: {', '.join(expected)}"
    if not isinstance(raw, str):
        raise InvalidField(
            f"must be a reason code, not {type_name(raw)}", field="reason", hint=choices
        )
    value = raw.strip().lower()
    found = reasons.find(raw) if reasons is not None else None
    if found is not None:  # our code or the site's label: the request holds the code
        value = found.key
        label_given = found.has_label(raw)
        if found.code is not None and label_given and changes is not None:
            changes.append(
                Normalisation("reason", "site label replaced by our code", raw, found.code)
            )
    if value in expected:
        return value
    if value in other:
        flipped = "no" if received else "yes"
        raise InvalidField(
            f"{value} is a reason for received = {flipped}, but received is {answer}",
            field="reason",
            hint=f"set received to {flipped}, or use one of the {choices}",
        )
    raise InvalidField(
        f"unknown code {quote(raw)}", field="reason", hint=suggest(value, expected) + choices
    )


_T = TypeVar("_T", bound=str)


def _choice(field: str, raw: object, values: Mapping[str, _T]) -> _T:
    if isinstance(raw, str) and raw.strip().lower() in values:
        return values[raw.strip().lower()]
    shown = quote(raw) if isinstance(raw, str) else type_name(raw)
    names = list(values)
    either = " or ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} or {names[-1]}"
    raise InvalidField(f"must be {either}, not {shown}", field=field, hint=f"use {either}")


def _amount(raw: object, *, refund: RefundKind, changes: list[Normalisation]) -> Decimal | None:
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if raw is None:
        if refund == "partial":
            raise InvalidField(
                "missing",
                field="amount",
                hint="refund is partial: give the amount to claim, e.g. 5.30",
            )
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise InvalidField(
            f"must be a number, not {type_name(raw)}",
            field="amount",
            hint="give the amount to claim, e.g. 5.30",
        )
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, Decimal):
        text = format(raw, "f")
    else:
        text = repr(raw)  # the shortest form: 5.3 -> "5.3"
    if refund == "full":
        raise InvalidField(
            f"{quote(text.strip())} given but refund is full",
            field="amount",
            hint="remove the amount, or set refund to partial",
        )
    value, fixes = normalise_amount(text)
    changes.extend(fixes)
    return value


def build_request(
    *,
    order_id: str,
    received: bool | str,
    reason: str,
    solution: str | None = "refund",
    refund: str | None = "full",
    amount: str | int | float | Decimal | None = None,
    message: str,
    evidence: Iterable[str | os.PathLike[str]] | None = (),
    rules: EvidenceRules | None = None,
    item: str | None = None,
    quantity: int | str | None = None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> PreparedRequest:
    """Check and normalise a request given as raw values (flags, TOML) and return it prepared.

    Everything is checked, in field order: the order id (letters, digits, dashes), received
    (yes/no or a bool), the reason (known and matching received), solution and refund, the amount
    (required for a partial refund and refused for a full one), the message and the evidence.
    The first problem raises `InvalidField` or `InvalidEvidence`, one line naming the field.
    None for *solution*, *refund* or *evidence* (a flag not given) means the default.
    *item* picks one item of a multi-item order, *quantity* how many of it (1 by default).
    *reasons* is the site's reason list (a profile's): the reason may then be our code or the
    site's label, and must be one the site offers for that received answer; without it, our
    codes are checked. *message_limits*: the message's length as the site's form takes it (a
    profile's), else 10 to 2,000 characters.
    """
    changes: list[Normalisation] = []
    clean_id = _order_id(order_id, changes)
    which = _item(item, changes)
    count = _quantity(quantity)
    got = _received(received)
    why = _reason(reason, received=got, reasons=reasons, changes=changes)
    chosen = _choice("solution", "refund" if solution is None else solution, _SOLUTION_VALUES)
    kind = _choice("refund", "full" if refund is None else refund, _REFUND_VALUES)
    value = _amount(amount, refund=kind, changes=changes)
    if chosen == "replacement" and kind == "partial":
        raise InvalidField(
            "a partial refund with a replacement",
            field="refund",
            hint="a replacement takes no refund: leave refund and amount out",
        )
    if not isinstance(message, str):
        raise InvalidField(
            f"must be text, not {type_name(message)}",
            field="message",
            hint="describe the problem in English, in a sentence or two",
        )
    text, fixes = normalise_message(message)
    check_message(text, message_limits)
    changes.extend(fixes)
    files = check_evidence(evidence or (), received=got, reason=why, rules=rules)
    request = DisputeRequest(
        order_id=clean_id,
        item=which,
        quantity=count,
        received=got,
        reason=why,
        solution=chosen,
        refund=kind,
        amount=value,
        message=text,
        evidence=tuple(f.path for f in files),
    )
    return PreparedRequest(request, tuple(changes), tuple(files))
