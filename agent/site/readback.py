"""What the form really holds, and what it declares it takes, field by field.

`read_field` reads one field back: what it holds, as text for people (the report,
``result.json``'s ``form``), and whether that is what the request asked for. `declared_limit`
reads the limits a field declares in its markup (a text's ``maxlength``/``minlength``, an
amount's or a quantity's ``min``/``max``) and says, before anything is typed, when the request
does not fit them. Neither changes the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from agent.errors import InvalidField
from agent.request import PreparedRequest
from agent.site.field_values import (
    READ_MS,
    amount_text,
    checked_choice,
    form_items,
    option_element,
    reason_of,
    requested_item,
    selected,
    uploads,
)
from agent.site.flow_rules import Field, request_value
from agent.site.locate import SitePage

__all__ = ["Reading", "declared_limit", "read_field"]

_SELECTED_LABEL = "e => e.selectedIndex >= 0 ? e.options[e.selectedIndex].text : ''"
_LIMITS = (
    "e => [e.getAttribute('minlength'), e.getAttribute('maxlength'), "
    "e.getAttribute('min'), e.getAttribute('max')]"
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One field read back: what it holds (text for people) and whether that is what was asked."""

    holds: bool
    value: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


async def _read(site: SitePage, field: Field, prepared: PreparedRequest) -> Reading:
    request = prepared.request
    kind = field.kind
    if kind == "files":
        count = await uploads(site, field) if request.evidence else 0
        return Reading(count == len(request.evidence), _plural(count, "file"))
    if kind in ("radio", "cards"):
        for key, name in field.options:
            located = site.locator(name).first
            if kind == "radio":
                on = await located.count() > 0 and await located.is_checked(timeout=READ_MS)
            else:
                on = await selected(site, name, field.selected or "")
            if on:
                wanted = option_element(field, prepared)
                return Reading(wanted is None or name == wanted, key)
        return Reading(option_element(field, prepared) is None, "none")
    if kind == "items":
        item = await requested_item(site, field, prepared)
        scoped = site.with_item(item)
        assert field.element is not None
        ticked = await scoped.locator(field.element).first.is_checked(timeout=READ_MS)
        others = [i for i, on in await form_items(site, field) if on and i != item]
        quantity = request.quantity
        if field.quantity is not None:
            held = await scoped.locator(field.quantity).first.input_value(timeout=READ_MS)
            ok = ticked and held.strip() == str(quantity)
            value = f"{item} x {held.strip() or '?'}" if ticked else "none"
        else:
            ok, value = ticked, item if ticked else "none"
        if others:
            value = ", ".join([value, *others]) if ticked else ", ".join(others)
        return Reading(ok and not others, value)
    assert field.element is not None
    if kind == "dropdown":
        assert field.shown is not None
        shown = site.locator(field.shown).first
        text = await shown.inner_text(timeout=READ_MS) if await shown.is_visible() else ""
        text = " ".join(text.split())
        return Reading(reason_of(site, prepared, field).has_label(text), text)
    if kind == "choice":
        label = await checked_choice(site, field) or ""
        return Reading(reason_of(site, prepared, field).has_label(label), label)
    element = site.locator(field.element).first
    if kind == "checkbox":
        on = request_value(request, field.value) in field.on
        checked = await element.is_checked(timeout=READ_MS)
        return Reading(checked == on, "checked" if checked else "not checked")
    if kind == "select":
        reason = reason_of(site, prepared, field)
        label = str(await element.evaluate(_SELECTED_LABEL, timeout=READ_MS))
        if field.by == "value":
            value = await element.input_value(timeout=READ_MS)
            return Reading(value == reason.value, label)
        return Reading(reason.has_label(label), label)
    value = await element.input_value(timeout=READ_MS)
    if kind == "amount":
        return Reading(value == amount_text(prepared), value)
    return Reading(value == request.message, value)


async def read_field(site: SitePage, field: Field, prepared: PreparedRequest) -> Reading:
    """Read one field back; a field that went away (the page changed) holds nothing."""
    try:
        return await _read(site, field, prepared)
    except PlaywrightError:
        return Reading(False, "")


def _number(text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


async def _limits(located: Locator) -> list[str | None]:
    try:
        found: list[str | None] = await located.evaluate(_LIMITS, timeout=READ_MS)
    except PlaywrightError:  # not there (the check will say so when the field is used)
        return [None, None, None, None]
    return found


async def declared_limit(
    site: SitePage, field: Field, prepared: PreparedRequest
) -> InvalidField | None:
    """The request's value against the limits the field declares in its markup, or None.

    A message longer than the text field's ``maxlength`` (the browser would cut it) or shorter
    than its ``minlength``; an amount outside the amount field's ``min``/``max``; a quantity
    above the item's quantity field's ``max``: each is an `InvalidField` saying what the form
    takes, for the run to refuse before anything is typed or sent.
    """
    request = prepared.request
    if field.kind == "text" and field.element is not None:
        least, most, _, _ = await _limits(site.locator(field.element).first)
        length = len(request.message)
        if most is not None and most.isdigit() and length > int(most):
            return InvalidField(
                f"{length} characters, but the form's {field.name} field takes at most {most} "
                "(its maxlength): the browser would cut the rest",
                field="message",
                hint=f"shorten the message to {most} characters (and set max_chars = {most} on "
                "the profile's message field)",
                context={"length": length, "maxlength": int(most)},
            )
        if least is not None and least.isdigit() and length < int(least):
            return InvalidField(
                f"{length} characters, but the form's {field.name} field needs at least {least}",
                field="message",
                hint=f"write at least {least} characters",
                context={"length": length, "minlength": int(least)},
            )
    if field.kind == "amount" and field.element is not None and request.amount is not None:
        _, _, low, high = await _limits(site.locator(field.element).first)
        floor, ceiling = _number(low), _number(high)
        if ceiling is not None and request.amount > ceiling:
            return InvalidField(
                f"{amount_text(prepared)} is more than the form takes (at most {high}, its max)",
                field="amount",
                hint=f"claim at most {high}",
                context={"max": high},
            )
        if floor is not None and request.amount < floor:
            return InvalidField(
                f"{amount_text(prepared)} is less than the form takes (at least {low}, its min)",
                field="amount",
                hint=f"claim at least {low}",
                context={"min": low},
            )
    if field.kind == "items" and field.quantity is not None and request.quantity != 1:
        item = await requested_item(site, field, prepared)
        _, _, _, high = await _limits(site.with_item(item).locator(field.quantity).first)
        ceiling = _number(high)
        if ceiling is not None and request.quantity > ceiling:
            return InvalidField(
                f"{request.quantity} of item {item}, but the form takes at most {high} (its max: "
                "the order has that many)",
                field="quantity",
                hint=f"ask for at most {high}",
                context={"max": high},
            )
    return None
