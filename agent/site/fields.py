"""Form fields by kind: enter a request value, and read back whether the form still holds it.

Kinds: ``select`` (a native ``<select>``, by label or value), ``dropdown`` (a custom one: open,
pick the option whose text is the label, read back what it shows), ``radio``, ``checkbox``,
``cards`` (clickable, with a marker for the selected one), ``text`` (typed key by key),
``amount`` and ``files`` (with "upload finished" and the upload's refusal when the site
uploads on selection).
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
from agent.request.reasons import SiteReason
from agent.site.flow_rules import Field, request_value
from agent.site.locate import CHECK_HINT, SitePage

__all__ = ["enter", "holds", "option_element"]

log = get_logger("agent.pages")

_SELECTED_LABEL = "e => e.selectedIndex >= 0 ? e.options[e.selectedIndex].text : ''"
_FILE_COUNT = "e => e.files ? e.files.length : 0"
_OPTION_LABELS = "e => Array.from(e.options, o => o.text)"
#: How long a read-back waits for its element (it is there, or the form changed).
_READ_MS = 2000
#: A custom dropdown is opened this many times at most (an overlay may close its menu).
_DROPDOWN_TRIES = 3
_OPTION_CLICK_MS = 3000


def _reason(site: SitePage, prepared: PreparedRequest, field: Field) -> SiteReason:
    found = site.profile.reasons.find(prepared.request.reason)
    if found is None:  # the pre-flight checked it against the same list
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


def _where(field: Field) -> str:
    return f"{field.where} ({field.name})"


def _amount(prepared: PreparedRequest) -> str:
    amount = prepared.request.amount
    return "" if amount is None else f"{amount:.2f}"


async def _selected(site: SitePage, name: str, marker: str) -> bool:
    return await site.locator(name).and_(site.page.locator(marker)).count() > 0


async def _uploads(site: SitePage, field: Field) -> int:
    if field.done is not None:
        return await site.locator(field.done).count()
    files = site.locator(field.element or "").first
    return int(await files.evaluate(_FILE_COUNT, timeout=_READ_MS))


async def _enter_files(site: SitePage, field: Field, prepared: PreparedRequest) -> None:
    files = [str(p) for p in prepared.request.evidence]
    where = _where(field)
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
    while await _uploads(site, field) < len(files):
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
    where = _where(field)
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


async def enter(site: SitePage, field: Field, prepared: PreparedRequest) -> None:
    """Enter the request's value into one field."""
    where = _where(field)
    step_ms = site.profile.timeouts.step_s * 1000
    kind = field.kind
    if kind == "files":
        if prepared.request.evidence:
            await _enter_files(site, field, prepared)
        return
    if kind in ("radio", "cards"):
        name = option_element(field, prepared)
        if name is None:
            return
        if kind == "radio":
            await site.act_on(name, lambda t: t.check(timeout=step_ms), where=where)
            return
        target = await site.wait_shown(name, where=where)
        if not await _selected(site, name, field.selected or ""):
            await target.click(timeout=step_ms)
        return
    assert field.element is not None
    if kind == "dropdown":
        await _dropdown(site, field, _reason(site, prepared, field).labels)
        return
    # each action waits for its element to show (`SitePage.act_on`): one round trip a field
    if kind == "checkbox":
        on = request_value(prepared.request, field.value) in field.on
        await site.act_on(field.element, lambda t: t.set_checked(on, timeout=step_ms), where=where)
    elif kind == "select":
        reason = _reason(site, prepared, field)
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
            field.element, lambda t: t.fill(_amount(prepared), timeout=step_ms), where=where
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
    kind = field.kind
    request = prepared.request
    try:
        if kind == "files":
            return not request.evidence or await _uploads(site, field) == len(request.evidence)
        if kind in ("radio", "cards"):
            name = option_element(field, prepared)
            if name is None:
                return True
            if kind == "radio":
                return await site.locator(name).first.is_checked(timeout=_READ_MS)
            return await _selected(site, name, field.selected or "")
        assert field.element is not None
        if kind == "dropdown":
            assert field.shown is not None
            shown = site.locator(field.shown).first
            text = await shown.inner_text(timeout=_READ_MS) if await shown.is_visible() else ""
            return _reason(site, prepared, field).has_label(text)
        element = site.locator(field.element).first
        if kind == "checkbox":
            on = request_value(request, field.value) in field.on
            return await element.is_checked(timeout=_READ_MS) == on
        if kind == "select":
            reason = _reason(site, prepared, field)
            if field.by == "value":
                return await element.input_value(timeout=_READ_MS) == reason.value
            label = await element.evaluate(_SELECTED_LABEL, timeout=_READ_MS)
            return reason.has_label(str(label))
        if kind == "amount":
            return await element.input_value(timeout=_READ_MS) == _amount(prepared)
        return await element.input_value(timeout=_READ_MS) == request.message
    except PlaywrightError:  # gone (the page changed): it does not hold it
        return False
