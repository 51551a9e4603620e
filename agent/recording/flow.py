"""A draft profile read out of a recording: where each action belongs, and what it means.

The recording is cut in the order a dispute is opened (`Phases`): the **login** (the fills
before the form, the first one the account, the last the password, never written: placeholders
``{user}`` and ``{password}``; the presses and clicks that send them), the **open** steps (the
clicks from the order page to the form: a click that opened a tab or pop-up is ``new_page``),
the **form** (a ``<select>``: the reason; a combobox then an option: a custom dropdown; a radio
or a check: the received / solution / refund answer its words say; a long text: the message; a
number: the amount; files: the evidence), the **submit** steps (the clicks after the last field,
up to the site's answer), each **resubmission** (what was clicked after a busy answer: retry
steps, then the submit steps from where the person started again), the **answers** the person
checked (an answer followed by a resubmission was busy; the last one, holding an id, a success),
and the **dispute** on the order page afterwards (the element that shows it, and its id's shape).
What none of it can tell is a TODO in the draft.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from agent.errors import InvalidConfig
from agent.recording.answers import read_answers, read_dispute
from agent.recording.cutting import (
    OPTION_ROLES,
    clean,
    cut,
    is_message,
    order_url,
    origin_of,
    same_site,
    target_word,
)
from agent.recording.draft import Draft, DraftDispute, DraftField, DraftReason, DraftStep, Recorded
from agent.recording.ids import urls_within
from agent.recording.model import Action, Recording, Target
from agent.recording.naming import Namer, slug
from agent.recording.reasons import code_for, is_received_code
from agent.recording.selectors import role_selector, sort_stable

__all__ = ["draft_from"]


def _unpositioned(selector: str) -> str:
    """A selector without its positions (``li:nth-of-type(1) > span`` -> ``li > span``)."""
    return re.sub(r":nth-(?:child|of-type)\(\d+\)|\[\d+\]", "", selector)


class _Builder:  # implements agent.recording.answers.Builder
    """Builds the draft from the phases."""

    def __init__(self, draft: Draft, namer: Namer) -> None:
        self.draft = draft
        self.namer = namer
        self.received: bool | None = None
        self.reason_label: str | None = None
        self.reason_value: str | None = None
        self.success_id: str | None = None

    def element(self, target: Target, *, hint: str | None = None, note: str = "") -> str:
        name = self.namer.name(target, hint=hint)
        return self.draft.element(name, list(sort_stable(target.selectors)), note=note)

    def step(self, action: Action, *, hint: str | None = None) -> DraftStep:
        assert action.target is not None
        element = self.element(action.target, hint=hint)
        names = {s.name for s in self._all_steps()}
        name = element if element not in names else f"{element}-{len(names) + 1}"
        if action.kind == "press":
            return DraftStep(name=name, action="press", element=element, key=action.value)
        return DraftStep(
            name=name,
            action="click",
            element=element,
            new_page="expected" if action.opens_page else None,
            navigates=bool(action.navigated_to) and not action.opens_page,
            dialog="accept" if action.dialog else None,
            note="a JS dialog came up: the recording answered it (codegen writes dismiss), and "
            "the form was sent, so it is accepted"
            if action.dialog
            else "",
        )

    def _all_steps(self) -> list[DraftStep]:
        d = self.draft
        return [*d.login_steps, *d.open_steps, *d.submit_steps, *d.retry_steps]

    def login(self, actions: list[Action]) -> None:
        fills = [a for a in actions if a.kind == "fill"]
        if not fills:
            return
        password = next((a for a in fills if _looks_secret(a.target)), fills[-1])
        user = fills[0] if fills[0] is not password else None
        for action in actions:
            assert action.target is not None
            if action.kind == "fill":
                is_password = action is password
                hint = "login_password" if is_password else "login_user"
                element = self.element(action.target, hint=hint)
                self.draft.login_steps.append(
                    DraftStep(
                        name=f"fill-{element}",
                        action="fill",
                        element=element,
                        text="{password}" if is_password else "{user}",
                    )
                )
            elif action.kind in ("click", "press"):
                step = self.step(action, hint="login_submit" if action.kind == "click" else None)
                step.name = f"{step.action}-{step.element}"
                self.draft.login_steps.append(step)
        shown = [self.namer.name(f.target) for f in (user, password) if f and f.target]
        selectors = [s for name in shown for s in self.draft.elements[name].selectors]
        self.draft.page_login = self.draft.element(
            "login_page", selectors, note="the login form (either of its fields)"
        )
        self.draft.learned.append(
            "the login steps: the fields the recording filled before the order "
            "(what was typed is not kept: {user} and {password} come from "
            "RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD)"
        )

    def opening(self, actions: list[Action]) -> None:
        for action in actions:
            if action.target is None:
                continue
            step = self.step(action)
            word = target_word(action.target)
            if word is not None and word[0] == "received" and action.target.name:
                # "Have you received the package? No": the answer is the request's
                step.when = {"received": word[1]}
                step.note = "the recording answered the site's question here"
                self.received = word[1] == "yes"
            self.draft.open_steps.append(step)
        if not self.draft.open_steps:
            self.draft.todo("[[open.steps]]: the recording opened the form without a click")
        opener = next((i for i, s in enumerate(self.draft.open_steps) if s.new_page), None)
        for step in self.draft.open_steps[: opener or 0]:
            step.note = step.note or (
                "a click before the one that opened the form: if it closes a banner or a "
                "pop-up, it belongs in [[page.overlays]] (the second pass moves it there when "
                "it sees one)"
            )

    def form(self, actions: list[Action]) -> None:
        radios: dict[str, DraftField] = {}
        index = 0
        while index < len(actions):
            action = actions[index]
            following = actions[index + 1] if index + 1 < len(actions) else None
            index += 1
            target = action.target
            if target is None:
                continue
            if action.kind == "select":
                element = self.element(target, hint="reason")
                self.reason_value = action.value
                self._field(DraftField(name="reason", kind="select", element=element, by="value"))
            elif (
                action.kind == "click"
                and following is not None
                and following.target
                and (following.target.role in OPTION_ROLES)
            ):
                index += 1
                self._dropdown(target, following)
            elif action.kind == "fill" and is_message(action.value):
                element = self.element(target, hint="message")
                self._field(DraftField(name="message", kind="text", element=element))
            elif action.kind == "fill":
                element = self.element(target, hint="amount")
                self._field(
                    DraftField(
                        name="amount",
                        kind="amount",
                        element=element,
                        when={"refund": "partial"},
                    )
                )
            elif action.kind == "files":
                element = self.element(target, hint="evidence")
                self._field(
                    DraftField(
                        name="evidence",
                        kind="files",
                        element=element,
                        note="TODO when files upload as soon as they are chosen: done (a "
                        "finished upload), refused (its error), remove (its remove button)",
                    )
                )
            else:
                self._radio(target, radios)
        if self.draft.fields:
            self.draft.form_ready = self.draft.fields[0].element or next(
                iter(self.draft.fields[0].options.values()), None
            )

    def _field(self, item: DraftField) -> None:
        if all(f.name != item.name for f in self.draft.fields):
            self.draft.fields.append(item)

    def _dropdown(self, opener: Target, option: Action) -> None:
        assert option.target is not None
        element = self.element(opener, hint="reason")
        role = option.target.role
        # every option: by its role (the recorded selectors name the one chosen)
        generic = (
            [role_selector(role)]
            if role
            else [
                _unpositioned(s)
                for s in option.target.selectors
                if not s.startswith(("role=", "text=", "internal:"))
                and (option.target.name or "") not in s
            ]
        )
        options = self.draft.element(
            f"{element}_option", list(sort_stable(generic)), note="the dropdown's options"
        )
        self.reason_label = option.target.name
        self._field(
            DraftField(
                name="reason",
                kind="dropdown",
                element=element,
                option=options,
                shown=element,
                note="a custom dropdown: opened, then the option whose text is the reason's "
                "label; what it shows afterwards is read back",
            )
        )

    def _radio(self, target: Target, radios: dict[str, DraftField]) -> None:
        word = target_word(target)
        if word is None:
            self.draft.todo(
                f"the form's click on {target.key!r} enters no request value the draft "
                "recognises: add it as a field or a step if the form needs it"
            )
            return
        request_field, value = word
        element = self.element(target, hint=f"{request_field}_{value}")
        item = radios.get(request_field)
        if item is None:
            item = DraftField(name=request_field, kind="radio")
            radios[request_field] = item
            self._field(item)
        item.options[value] = element
        if request_field == "received":
            self.received = value == "yes"


def _looks_secret(target: Target | None) -> bool:
    if target is None:
        return False
    words = " ".join(
        [target.name or "", target.test_id or "", target.input_type or "", *target.selectors]
    ).lower()
    return any(w in words for w in ("password", "passwd", "pwd", "pass"))


def _reasons(builder: _Builder, draft: Draft) -> None:
    label = builder.reason_label or builder.reason_value
    if label is None:
        draft.todo("[[reasons]]: the recording chose no reason")
        return
    code, guessed = code_for(label, builder.reason_value)
    received = builder.received
    if received is None and code is not None:
        received = is_received_code(code)
    if received is None:
        draft.todo("whether the recorded reason is for a received item (received = ...)")
        received = False
    if code is not None and code == label:
        code = None  # the label is our code already (an option's value, the label unknown)
    draft.reasons.append(
        DraftReason(
            label=label,
            received=received,
            code=code,
            value=builder.reason_value,
            guessed=guessed,
        )
    )
    draft.todo(
        "[[reasons]]: the recording showed one reason; list every reason the form offers "
        "(the second pass with --site reads them)"
    )


def draft_from(
    recording: Recording,
    *,
    order_id: str | None = None,
    site: str | None = None,
    name: str | None = None,
) -> Draft:
    """The draft profile a recording shows; InvalidConfig (one line) for a recording that is
    not of a dispute being opened, or of another site than *site*."""
    order_id, origin, order_path = order_url(recording, order_id)
    if site is not None and not same_site(origin, site):
        raise InvalidConfig(
            f"is a recording of {urlsplit(origin).hostname}, not of "
            f"{urlsplit(site).hostname} (--site)",
            source=recording.source,
            hint="give the --site the recording was made on, or record this site",
        )
    actions = clean(recording.actions)
    phases = cut(actions, recording.source)
    base = site.rstrip("/") if site else origin
    host = urlsplit(base).hostname or ""
    draft = Draft(
        name=name or ("shop" if host.replace(".", "").isdigit() else slug(host)) or "shop",
        source=recording.source,
        base_url=base,
        order_path=order_path,
        origin=origin,
    )
    draft.learned.append(f"the order page: {order_path} (order {order_id} in the recording)")
    builder = _Builder(draft, Namer())
    builder.login(phases.login)
    if draft.login_steps:
        draft.login_url = _login_url(recording, origin)
    builder.opening(phases.opening)
    builder.form(phases.form)
    if draft.open_steps:
        draft.order_ready = draft.open_steps[0].element
        draft.todo(
            "[order_page] ready: the first element the recording clicked on the order page "
            "stands for it; an order that cannot take a dispute may not show it (the second "
            "pass finds a better one)"
        )
    else:
        draft.order_ready = draft.form_ready
    read_answers(builder, draft, phases.after, phases.form_page)
    dispute = read_dispute(builder, draft, phases.after, phases.form_page, order_path)
    draft.dispute = dispute or _no_dispute(draft)
    _reasons(builder, draft)
    draft.recorded = Recorded(
        order_id=order_id,
        received=builder.received
        if builder.received is not None
        else (draft.reasons[0].received if draft.reasons else None),
        reason=(draft.reasons[0].code or draft.reasons[0].label) if draft.reasons else None,
    )
    return draft


def _login_url(recording: Recording, origin: str) -> str | None:
    """Where the login starts: the first page opened, when it is on the site (its path), else
    the site's page the login page says it goes to next (``return_url``)."""
    gotos = [a.value for a in recording.actions if a.kind == "goto"]
    if not gotos:
        return None
    first, *inner = urls_within(gotos[:1])
    if origin_of(first) == origin:
        return urlsplit(first).path or "/"
    for url in inner:
        parts = urlsplit(url)
        if url.startswith("/") or origin_of(url) == origin:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def _no_dispute(draft: Draft) -> DraftDispute:
    element = draft.element(
        "existing_dispute",
        ['text="TODO the element that shows an open dispute on the order page"'],
    )
    draft.todo(
        "[dispute]: the recording never showed a dispute on the order page. Without it a run "
        "cannot see that its submission went through: write element and pattern before any "
        "real run"
    )
    return DraftDispute(element=element, note="TODO: not in the recording")
