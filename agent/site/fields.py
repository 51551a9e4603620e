"""Form fields by kind: enter a request value, and read back whether the form still holds it.

Kinds: ``select`` (a native ``<select>``, by label or value), ``dropdown`` (a custom one: open,
pick the option whose text is the label, read back what it shows), ``choice`` (a list of
choices, radios with descriptions say, with no opener: the one whose label is the reason's is
clicked, the checked one read back), ``radio``, ``checkbox``, ``cards`` (clickable, with a marker
for the selected one), ``text`` (typed key by key), ``amount``, ``files`` (with "upload
finished" and the upload's refusal when the site uploads on selection) and ``items`` (the
requested item ticked in the list of the order's items, with its quantity). What a field holds
is read back by `agent.site.readback`.
"""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.errors import InvalidRequest, ProfileMismatch, UnexpectedPage
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.field_values import (
    amount_text,
    choice_labelled,
    form_items,
    option_element,
    reason_of,
    requested_item,
    selected,
    uploads,
    where_of,
)
from agent.site.flow_rules import Field, request_value
from agent.site.locate import CHECK_HINT, SitePage
from agent.site.readback import read_field

__all__ = ["enter", "holds", "option_element"]

log = get_logger("agent.pages")

_OPTION_LABELS = "e => Array.from(e.options, o => o.text)"
#: A custom dropdown is opened this many times at most (an overlay may close its menu).
_DROPDOWN_TRIES = 3
_OPTION_CLICK_MS = 3000


async def _enter_files(site: SitePage, field: Field, prepared: PreparedRequest) -> None:
    files = [str(p) for p in prepared.request.evidence]
    where = where_of(field)
    assert field.element is not None
    target = await site.attached(field.element, where=where)
    if field.remove is not None:  # start from none: a re-attach must not upload twice
        for _ in range(20):
            remove = site.shown(field.remove)
            try:
                if not await remove.is_visible():
                    break
                await remove.click(timeout=site.profile.timeouts.step_s * 1000)
            except PlaywrightError:
                break
    try:
        await target.set_input_files(files, timeout=site.profile.timeouts.step_s * 1000)
    except PlaywrightTimeout:
        raise site.missing(
            field.element, where=where, waited_s=site.profile.timeouts.step_s
        ) from None
    if field.done is None:
        return
    limit = site.profile.timeouts.upload_s
    deadline = asyncio.get_running_loop().time() + limit
    while await uploads(site, field) < len(files):
        if field.refused is not None and await site.visible(field.refused, where=where):
            text = await site.text_of(site.shown(field.refused))
            raise InvalidRequest(
                f"the site refused the evidence: {text}",
                hint="check the files (format, size) and run again",
                context={"site_text": text, "field": "evidence"},
            )
        if asyncio.get_running_loop().time() > deadline:
            raise UnexpectedPage(
                f"{where}: {len(files)} uploads did not finish within {limit:g} s "
                f"(elements.{field.done} of profile {site.profile.source} counts them)",
                url=site.page.url,
                hint="a slow connection: raise timeouts.upload_s; " + CHECK_HINT,
            )
        await asyncio.sleep(0.1)
    await site.attached(field.done, where=where)  # which alternative counted them: drift
    log.info("agent.uploaded", files=len(files))


def _exactly(labels: tuple[str, ...]) -> re.Pattern[str]:
    """A whole text that is one of *labels* (the reason in each of the site's languages)."""
    choices = "|".join(re.escape(label) for label in labels)
    return re.compile(r"^\s*(?:" + choices + r")\s*$")


async def _dropdown(site: SitePage, field: Field, labels: tuple[str, ...]) -> None:
    """Open the dropdown and click the option whose text is one of *labels*. A menu that closed
    before the click (an overlay that popped up and was closed took the click) is opened again."""
    where = where_of(field)
    assert field.element is not None and field.option is not None
    step_ms = site.profile.timeouts.step_s * 1000
    label = labels[0]
    exact = _exactly(labels)
    labelled = site.locator(field.option).filter(has_text=exact)
    option: Locator = labelled.filter(visible=True).first
    for tries in range(_DROPDOWN_TRIES, 0, -1):
        opener = await site.wait_shown(field.element, where=where)
        await opener.click(timeout=step_ms)
        try:
            await option.wait_for(state="visible", timeout=step_ms)
        except PlaywrightTimeout:
            if tries > 1:
                continue
            await site.report(field.option, "required", where, matching=labelled)
            raise ProfileMismatch(
                f"{where}: no option {label!r} in elements.{field.option} "
                f"({site.selector(field.option)!r}) of profile {site.profile.source} after "
                f"opening elements.{field.element}",
                url=site.page.url,
                hint="check the reason's label in [[reasons]]; " + CHECK_HINT,
            ) from None
        await site.report(field.option, "required", where, matching=labelled)
        try:
            await option.click(timeout=min(step_ms, _OPTION_CLICK_MS))
            return
        except PlaywrightTimeout:
            if tries == 1:
                raise
            log.info("agent.dropdown_reopened", field=field.name)


async def _choice(site: SitePage, field: Field, labels: tuple[str, ...]) -> None:
    """Click the choice whose label is one of *labels* (a radio list with descriptions, no
    opener)."""
    assert field.element is not None
    where = where_of(field)
    step_ms = site.profile.timeouts.step_s * 1000
    labelled = choice_labelled(site, field, labels)
    target = labelled.filter(visible=True).first
    try:
        await target.click(timeout=step_ms)
    except PlaywrightTimeout:
        await site.report(field.element, "required", where, matching=labelled)
        if await site.visible(field.element, where=where):  # choices, but none with the label
            raise ProfileMismatch(
                f"{where}: no choice labelled {labels[0]!r} in elements.{field.element} "
                f"({site.selector(field.element)!r}) of profile {site.profile.source}",
                url=site.page.url,
                hint="check the reason's label in [[reasons]]; " + CHECK_HINT,
            ) from None
        raise site.missing(field.element, where=where, waited_s=step_ms / 1000) from None
    await site.report(field.element, "required", where, matching=labelled)


async def _items(site: SitePage, field: Field, prepared: PreparedRequest) -> None:
    """Tick the requested item (the only one when none is given), untick the others, and
    enter its quantity."""
    assert field.element is not None
    where = where_of(field)
    step_ms = site.profile.timeouts.step_s * 1000
    item = await requested_item(site, field, prepared)
    for index, (other, ticked) in enumerate(await form_items(site, field)):
        if ticked and other != item:  # the form ticked it: the dispute is for one item only
            assert field.all is not None
            await site.locator(field.all).nth(index).uncheck(timeout=step_ms)
    scoped = site.with_item(item)
    await scoped.act_on(field.element, lambda t: t.set_checked(True, timeout=step_ms), where=where)
    if field.quantity is not None:
        count = str(prepared.request.quantity)
        await scoped.act_on(field.quantity, lambda t: t.fill(count, timeout=step_ms), where=where)


async def enter(site: SitePage, field: Field, prepared: PreparedRequest) -> None:
    """Enter the request's value into one field."""
    where = where_of(field)
    step_ms = site.profile.timeouts.step_s * 1000
    kind = field.kind
    if kind == "files":
        if prepared.request.evidence:
            await _enter_files(site, field, prepared)
        return
    if kind == "items":
        await _items(site, field, prepared)
        return
    if kind in ("radio", "cards"):
        name = option_element(field, prepared)
        if name is None:
            return
        if kind == "radio":
            await site.act_on(name, lambda t: t.check(timeout=step_ms), where=where)
            return
        target = await site.wait_shown(name, where=where)
        if not await selected(site, name, field.selected or ""):
            await target.click(timeout=step_ms)
        return
    assert field.element is not None
    if kind == "dropdown":
        await _dropdown(site, field, reason_of(site, prepared, field).labels)
        return
    if kind == "choice":
        await _choice(site, field, reason_of(site, prepared, field).labels)
        return
    # each action waits for its element to show (`SitePage.act_on`): one round trip a field
    if kind == "checkbox":
        on = request_value(prepared.request, field.value) in field.on
        await site.act_on(field.element, lambda t: t.set_checked(on, timeout=step_ms), where=where)
    elif kind == "select":
        reason = reason_of(site, prepared, field)
        if field.by == "value":
            await site.act_on(
                field.element,
                lambda t: t.select_option(value=reason.value, timeout=step_ms),
                where=where,
            )
        else:

            async def _pick(target: Locator) -> None:
                label = reason.label
                if reason.translations:  # the label of the site's language, as it lists it
                    shown = await target.evaluate(_OPTION_LABELS, timeout=step_ms)
                    label = next((t for t in shown if reason.has_label(str(t))), label)
                await target.select_option(label=label, timeout=step_ms)

            await site.act_on(field.element, _pick, where=where)
    elif kind == "amount":
        await site.act_on(
            field.element, lambda t: t.fill(amount_text(prepared), timeout=step_ms), where=where
        )
    elif field.typed:  # text, key by key as a person types (never through the clipboard)
        message = prepared.request.message

        async def _type(target: Locator) -> None:
            await target.fill("", timeout=step_ms)  # typing adds to what the field holds
            await target.press_sequentially(message, timeout=step_ms * 10)

        await site.act_on(field.element, _type, where=where)
    else:  # text set at once (fill replaces what the field holds)
        await site.act_on(
            field.element, lambda t: t.fill(prepared.request.message, timeout=step_ms), where=where
        )


async def holds(site: SitePage, field: Field, prepared: PreparedRequest) -> bool:
    """Whether the form still holds what was entered into this field."""
    return (await read_field(site, field, prepared)).holds
