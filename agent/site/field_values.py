"""What a field is meant to hold, and the small reads the field kinds share.

The request's value for a field as the form shows it (the reason's label, the amount as
``5.30``, the option element of a radio), the reads of a page that entering and reading back
both need (uploads finished, a card's marker, the checked choice, the order's items in the
form), and how a field is named in messages.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator

from agent.errors import InvalidField, ProfileMismatch
from agent.request import PreparedRequest
from agent.request.reasons import SiteReason
from agent.site.flow_rules import Field, request_value
from agent.site.locate import SitePage, within

__all__ = [
    "READ_MS",
    "amount_text",
    "checked_choice",
    "choice_labelled",
    "form_items",
    "option_element",
    "reason_of",
    "requested_item",
    "selected",
    "uploads",
    "where_of",
]

#: How long a read-back waits for its element (it is there, or the form changed).
READ_MS = 2000
_FILE_COUNT = "e => e.files ? e.files.length : 0"
_CHECKED = """e => {
  const c = e.control || e;
  if (c.checked === true || c.getAttribute('aria-checked') === 'true') return true;
  return !!e.querySelector('input:checked, [aria-checked="true"]');
}"""
_IDS = "(els, name) => els.map(e => e.getAttribute(name) ?? '')"


def where_of(field: Field) -> str:
    """The field as messages name it: ``form.fields[2] (reason)``."""
    return f"{field.where} ({field.name})"


def reason_of(site: SitePage, prepared: PreparedRequest, field: Field) -> SiteReason:
    """The profile's reason for the request (the pre-flight checked it is there)."""
    found = site.profile.reasons.find(prepared.request.reason)
    if found is None:
        raise ProfileMismatch(
            f"{field.where}: the reason {prepared.request.reason!r} is not in the profile's "
            "[[reasons]]",
            hint="add it to the profile's [[reasons]]",
        )
    return found


def option_element(field: Field, prepared: PreparedRequest) -> str | None:
    """For radio and cards fields: the element of the request's value (None: none given)."""
    key = request_value(prepared.request, field.value)
    return dict(field.options).get(key)


def amount_text(prepared: PreparedRequest) -> str:
    """The amount as the form takes it (``5.30``), "" when none."""
    amount = prepared.request.amount
    return "" if amount is None else f"{amount:.2f}"


async def selected(site: SitePage, name: str, marker: str) -> bool:
    """Whether element *name* also matches the card marker *marker*."""
    return await site.locator(name).and_(site.page.locator(marker)).count() > 0


async def uploads(site: SitePage, field: Field) -> int:
    """How many files the field holds: finished uploads (``done``), else the input's files."""
    if field.done is not None:
        return await site.locator(field.done).count()
    files = site.locator(field.element or "").first
    return int(await files.evaluate(_FILE_COUNT, timeout=READ_MS))


def choice_labelled(site: SitePage, field: Field, labels: tuple[str, ...]) -> Locator:
    """The choices of a ``choice`` field whose label is exactly one of *labels* (the reason in
    each of the site's languages; any case, spacing)."""
    assert field.element is not None
    words = "|".join(re.escape(" ".join(label.split())) for label in labels)
    exact = re.compile(r"^\s*(?:" + words + r")\s*$", re.IGNORECASE)
    choices = site.locator(field.element)
    if field.label is None:
        return choices.filter(has_text=exact)
    inner = within(site.page, site.profile.elements[field.label])
    return choices.filter(has=inner.filter(has_text=exact))


async def checked_choice(site: SitePage, field: Field) -> str | None:
    """The label of the checked choice of a ``choice`` field (None: none is checked)."""
    assert field.element is not None
    choices = site.locator(field.element)
    if field.checked is not None:
        chosen = choices.and_(site.page.locator(field.checked)).first
        if not await chosen.count():
            return None
    else:
        marks = await choices.evaluate_all(f"els => els.map({_CHECKED})")
        if True not in marks:
            return None
        chosen = choices.nth(marks.index(True))
    if field.label is not None:
        chosen = within(chosen, site.profile.elements[field.label]).first
    return " ".join((await chosen.inner_text(timeout=READ_MS)).split())


async def form_items(site: SitePage, field: Field) -> list[tuple[str, bool]]:
    """The items an ``items`` field lists (``all``): each one's id and whether it is ticked."""
    if field.all is None:
        return []
    boxes = site.locator(field.all)
    # a list: the first box stands for them in `check`
    await site.report(field.all, "looked", where_of(field), matching=boxes.first)
    ids = await boxes.evaluate_all(_IDS, field.item_id)
    ticks = await boxes.evaluate_all(f"els => els.map({_CHECKED})")
    return [(str(i), bool(t)) for i, t in zip(ids, ticks, strict=True)]


async def requested_item(site: SitePage, field: Field, prepared: PreparedRequest) -> str:
    """The item an ``items`` field is for: the request's, else the form's only one.

    An order of several items and no ``--item`` is the request's problem: `InvalidField`
    listing them (exit 2, nothing sent).
    """
    if prepared.request.item is not None:
        return prepared.request.item
    listed = [item for item, _ in await form_items(site, field)]
    if len(listed) == 1:
        return listed[0]
    if not listed:
        raise InvalidField(
            f"the form asks which item ({where_of(field)}) and no item was given",
            field="item",
            hint="pass --item ID (the item's id on the order page)",
        )
    raise InvalidField(
        f"the order has {len(listed)} items ({', '.join(listed)}) and no item was given",
        field="item",
        hint=f'say which with --item (item = "{listed[0]}" in a request file)',
        context={"items": listed},
    )
