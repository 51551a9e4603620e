"""The second pass's reading of the dispute form: what the recording touched one of.

Every option of a radio group (its other inputs of the same ``name``, or the other
``role=radio`` of its ``radiogroup``, named by their labels' words: yes, no, refund, ...), the
full list of reasons (a ``<select>``'s options for each answer to "received?" the form has; a
custom dropdown's options, opened and closed again), and the form's container.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from agent.recording.cutting import option_word
from agent.recording.draft import Draft, DraftReason
from agent.recording.live_selectors import selectors_for
from agent.recording.reasons import code_for
from agent.site.locate import SitePage

__all__ = ["FormReader"]

_GROUP = """el => {
  let members = [];
  if (el.name && el.type === "radio") {
    members = Array.from((el.form || document).querySelectorAll(`input[type=radio]`))
      .filter(r => r.name === el.name);
  } else {
    const group = el.closest('[role="radiogroup"]');
    members = group ? Array.from(group.querySelectorAll('[role="radio"]')) : [];
  }
  return members.map((m, i) => {
    m.setAttribute("data-retry-dispute-option", String(i));
    const label = m.labels && m.labels[0] ? m.labels[0].textContent : m.textContent;
    return [m.value || "", (label || "").trim(), m.getAttribute("data-testid") || ""];
  });
}"""
_SELECT_OPTIONS = "e => Array.from(e.options, o => [o.value, o.text.trim()])"
_FORM = """els => {
  const first = els[0];
  const form = first && first.closest("form");
  if (form) { form.setAttribute("data-retry-dispute-form", ""); return true; }
  return false;
}"""


class FormReader:
    """Reads the form for one draft; *on* sees a page through the draft as it is now."""

    def __init__(self, draft: Draft, on: Callable[[Page], SitePage], found: list[str]) -> None:
        self.draft = draft
        self._on = on
        self.found = found

    async def radios(self, page: Page) -> None:
        """Every option of each radio group the recording ticked one of."""
        for item in self.draft.fields:
            if item.kind != "radio" or not item.options:
                continue
            known = self._on(page).locator(next(iter(item.options.values()))).first
            try:
                members = await known.evaluate(_GROUP)
            except PlaywrightError:
                continue
            for index, (value, label, test_id) in enumerate(members):
                word = option_word(label or value, test_id or value)
                if word is None or word[0] != item.name or word[1] in item.options:
                    continue
                located = page.locator(f'[data-retry-dispute-option="{index}"]').first
                selectors = await selectors_for(page, located)
                if selectors:
                    item.options[word[1]] = self.draft.element(
                        f"{item.name}_{word[1]}", list(selectors)
                    )
                    self.found.append(f"the {item.name} field's option {word[1]!r}")

    async def reasons(self, form_site: SitePage) -> None:
        """The form's reasons: a select's options for each answer to "received?" the form
        has, a custom dropdown's options."""
        item = next((f for f in self.draft.fields if f.name == "reason"), None)
        if item is None or item.element is None:
            return
        page = form_site.page
        found: list[DraftReason] = []
        recorded = self.draft.recorded
        assert recorded is not None
        if item.kind == "select":
            received_field = next((f for f in self.draft.fields if f.name == "received"), None)
            answers: list[bool | None] = [recorded.received]
            if received_field is not None and {"yes", "no"} <= set(received_field.options):
                answers = [recorded.received, not recorded.received]
            for answer in answers:
                if answer is not None and received_field is not None:
                    option = received_field.options["yes" if answer else "no"]
                    with contextlib.suppress(PlaywrightError):
                        await self._on(page).locator(option).first.check(timeout=5000)
                select = self._on(page).locator(item.element).first
                try:
                    options = await select.evaluate(_SELECT_OPTIONS)
                except PlaywrightError:
                    continue
                for value, label in options:
                    if value and label:
                        found.append(_reason(label, value, bool(answer)))
        elif item.kind == "dropdown" and item.option is not None:
            labels = await _dropdown_labels(self._on(page), item.element, item.option)
            found.extend(_reason(label, None, bool(recorded.received)) for label in labels)
        if found:
            self._set_reasons(found)

    def _set_reasons(self, found: list[DraftReason]) -> None:
        seen_codes: set[str] = set()
        seen_labels: set[str] = set()
        reasons: list[DraftReason] = []
        for reason in found:
            if reason.label.casefold() in seen_labels:
                continue
            seen_labels.add(reason.label.casefold())
            if reason.code in seen_codes:
                reason.code, reason.guessed = None, False
            if reason.code:
                seen_codes.add(reason.code)
            reasons.append(reason)
        self.draft.reasons = reasons
        self.draft.todos[:] = [t for t in self.draft.todos if "[[reasons]]" not in t]
        states = {"received" if r.received else "not received" for r in reasons}
        self.found.append(f"{len(reasons)} reasons from the form ({' and '.join(sorted(states))})")
        if len(states) == 1:
            self.draft.todo(
                "[[reasons]]: the form's reasons were read for one answer to 'received?' only "
                "(the one the recording gave): add the others"
            )

    async def form_ready(self, page: Page) -> None:
        """The form's container (``[form] ready``): the ``<form>`` its first field is in."""
        first = next((f.element for f in self.draft.fields if f.element), None)
        if first is None:
            return
        try:
            if not await self._on(page).locator(first).evaluate_all(_FORM):
                return
        except PlaywrightError:
            return
        marked = page.locator("[data-retry-dispute-form]").first
        selectors = await selectors_for(page, marked)
        with contextlib.suppress(PlaywrightError):
            await marked.evaluate("el => el.removeAttribute('data-retry-dispute-form')")
        if selectors:
            self.draft.form_ready = self.draft.element("form", list(selectors))
            self.found.append("the form's container ([form] ready)")


def _reason(label: str, value: str | None, received: bool) -> DraftReason:
    code, guessed = code_for(label, value)
    return DraftReason(label=label, received=received, code=code, value=value, guessed=guessed)


async def _dropdown_labels(site: SitePage, element: str, option: str) -> list[str]:
    """Open a custom dropdown, read its options' texts, close it."""
    page = site.page
    opener = site.locator(element).first
    options = site.locator(option)
    try:
        await opener.click(timeout=5000)
        await options.first.wait_for(state="visible", timeout=5000)
        labels = [" ".join(t.split()) for t in await options.all_inner_texts()]
        await page.keyboard.press("Escape")
        if await options.first.is_visible():
            await opener.click(timeout=5000)
    except PlaywrightError:
        return []
    return [label for label in labels if label]
