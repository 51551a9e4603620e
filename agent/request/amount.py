"""The refund amount: a positive number of cents in the order's currency.

A currency sign or code is dropped (the amount is taken in the order's currency); ``5,30``
becomes ``5.30``; anything that may hold a thousands separator (``1,234``, ``1.234,56``,
``1,234.56``, ``1 234``) is refused, asking for ``1234.00``; more than two written decimals
(``5.300`` included) are refused. The result is quantized to cents, so ``f"{amount:.2f}"`` is
what the form gets.
"""

from __future__ import annotations

import re
from decimal import Decimal

from agent.errors import InvalidField
from agent.request.model import Normalisation
from agent.request.text import quote

__all__ = ["normalise_amount"]

_CENTS = Decimal("0.01")

_CURRENCY = r"(?:US\$|USD|EUR|GBP|RUB|RUR|[$€£₽¥])"
_AMOUNT_PARTS = re.compile(
    rf"(?P<sign>[+-]?)\s*(?P<pre>{_CURRENCY})?\s*(?P<body>.*?)\s*(?P<post>{_CURRENCY})?",
    re.IGNORECASE | re.DOTALL,
)
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_AMOUNT_EXAMPLE = "write it with a decimal point and no thousands separator, e.g. 5.30 or 1234.00"
#: The most digits before the decimal point: no order costs a trillion (and Decimal stays exact).
_MAX_WHOLE_DIGITS = 12


def normalise_amount(raw: str) -> tuple[Decimal, list[Normalisation]]:
    """Return the refund amount in *raw* as a positive `Decimal` in cents, and each change made.

    A currency sign or code is removed and a decimal comma (``5,30``) becomes a point; anything
    ambiguous, not a number, not positive or with more than two decimals is refused
    (`InvalidField`).
    """
    field = "amount"
    shown = quote(raw if len(raw) <= 40 else raw[:40] + "...")  # one readable line, always
    changes: list[Normalisation] = []
    stripped = raw.strip()
    parts = _AMOUNT_PARTS.fullmatch(stripped)
    if not stripped or parts is None:
        raise InvalidField("empty", field=field, hint="give the amount to claim, e.g. 5.30")
    sign, body = parts["sign"], parts["body"]
    if parts["pre"] or parts["post"]:
        changes.append(Normalisation(field, "currency removed", stripped, sign + body))
    if any(ch.isspace() for ch in body):
        raise InvalidField(
            f"{shown} has spaces inside the number", field=field, hint=_AMOUNT_EXAMPLE
        )
    if "," in body and "." in body:
        raise InvalidField(
            f"{shown} is ambiguous (both a comma and a point)", field=field, hint=_AMOUNT_EXAMPLE
        )
    if "," in body:
        if not _DECIMAL_COMMA.fullmatch(body):
            raise InvalidField(
                f"{shown} is ambiguous (a thousands separator or a decimal comma?)",
                field=field,
                hint=_AMOUNT_EXAMPLE,
            )
        before, body = sign + body, sign + body.replace(",", ".")
        changes.append(Normalisation(field, "decimal comma replaced with a point", before, body))
        sign, body = "", body.lstrip("+-")
    if not _NUMBER.fullmatch(body):
        raise InvalidField(f"{shown} is not a number", field=field, hint=_AMOUNT_EXAMPLE)
    whole = body.partition(".")[0].lstrip("0")
    if len(whole) > _MAX_WHOLE_DIGITS:
        raise InvalidField(
            f"{shown} is too large ({len(whole)} digits before the decimal point)",
            field=field,
            hint="give the amount to claim in the order's currency, e.g. 5.30",
        )
    decimals = len(body.partition(".")[2])
    if decimals > 2:
        raise InvalidField(
            f"{shown} has {decimals} decimals",
            field=field,
            hint="the site takes cents at most: write e.g. 5.31 (and 1234.00, without separators)",
        )
    value = Decimal(sign + body)
    if value <= 0:
        raise InvalidField(
            f"{shown} is not more than 0",
            field=field,
            hint="give the amount to claim, e.g. 5.30 (for all of it, set refund to full)",
        )
    return value.quantize(_CENTS), changes
