"""The flow a profile describes: steps (click, fill, press, wait), their conditions, and fields.

Pure data and its parsing; `agent.site.steps` and `agent.site.fields` act on a page. A step or
a field names page elements by their key in the profile's ``[elements]`` table, never by a
selector, so that one element has one selector and `retry-dispute check` can report on it.

Conditions: ``when = {received = "yes", refund = ["partial"]}`` holds when every named request
field has one of the values (``item = "given"`` / ``"absent"`` for the item); ``if_visible`` /
``if_hidden`` name an element that must be visible (hidden) right now.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from agent.errors import InvalidConfig
from agent.request import DisputeRequest, MessageLimits
from agent.site.profile_schema import keys
from agent.site.toml_check import Checker

__all__ = [
    "FIELD_KINDS",
    "KIND_MAY",
    "KIND_NEEDS",
    "KIND_VALUES",
    "REQUEST_VALUES",
    "STEP_ACTIONS",
    "Condition",
    "Field",
    "Step",
    "parse_condition",
    "parse_fields",
    "parse_steps",
    "request_value",
]

StepAction = Literal["click", "fill", "press", "wait"]
STEP_ACTIONS: tuple[StepAction, ...] = ("click", "fill", "press", "wait")
FieldKind = Literal[
    "select", "dropdown", "choice", "radio", "checkbox", "cards", "text", "amount", "files", "items"
]
FIELD_KINDS: tuple[FieldKind, ...] = (
    "select",
    "dropdown",
    "choice",
    "radio",
    "checkbox",
    "cards",
    "text",
    "amount",
    "files",
    "items",
)
NewPage = Literal["none", "expected", "optional"]
#: The request fields a condition or a field can use, and the values they take as text.
REQUEST_VALUES: Mapping[str, tuple[str, ...] | None] = {
    "received": ("yes", "no"),
    "solution": ("refund", "return", "replacement"),
    "refund": ("full", "partial"),
    "item": ("given", "absent"),
    "reason": None,  # any: our code or the site's label
}
#: The request fields a form field can enter.
_FIELD_VALUES = (
    "received",
    "reason",
    "solution",
    "refund",
    "amount",
    "message",
    "evidence",
    "item",
)
#: What a field of each kind may enter.
KIND_VALUES: Mapping[str, tuple[str, ...]] = {
    "select": ("reason",),
    "dropdown": ("reason",),
    "choice": ("reason",),
    "radio": ("received", "solution", "refund"),
    "checkbox": ("received", "solution", "refund"),
    "cards": ("received", "solution", "refund"),
    "text": ("message",),
    "amount": ("amount",),
    "files": ("evidence",),
    "items": ("item",),
}
#: Placeholders a fill step's text may hold.
FILL_PLACEHOLDERS = ("user", "password", "order_id", "item")
#: The placeholders only the login steps fill (the credentials).
LOGIN_PLACEHOLDERS = ("user", "password")


def request_value(request: DisputeRequest, name: str) -> str:
    """A request field as the text conditions and option maps use (``received`` -> yes/no)."""
    if name == "received":
        return "yes" if request.received else "no"
    if name == "item":
        return "absent" if request.item is None else "given"
    value = getattr(request, name)
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """When a step or field applies: request values, and an element visible or hidden now."""

    request: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if_visible: str | None = None
    if_hidden: str | None = None

    def holds_for(self, request: DisputeRequest) -> bool:
        """Whether the request part holds (the page part is the engine's to check)."""
        return all(request_value(request, name) in values for name, values in self.request)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One action on a page; ``where`` names it in the profile (``submit.steps[2]``)."""

    name: str
    where: str
    action: StepAction
    element: str
    text: str | None = None
    key: str | None = None
    state: Literal["visible", "hidden"] = "visible"
    #: After a click: a pop-up or new tab is expected (or may come); the flow goes on in it.
    new_page: NewPage = "none"
    #: With new_page = "expected": stay on this page when this element shows instead.
    or_visible: str | None = None
    #: The click navigates this page: wait for the new document.
    navigates: bool = False
    #: The click opens a JS dialog (alert/confirm/prompt) to answer.
    dialog: Literal["accept", "dismiss"] | None = None
    when: Condition = Condition()


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One form field: which request value it enters, and how (its kind)."""

    name: str
    where: str
    kind: FieldKind
    value: str
    element: str | None = None
    #: radio, cards: our value -> element; checkbox: the values that mean checked.
    options: tuple[tuple[str, str], ...] = ()
    on: tuple[str, ...] = ()
    #: cards: a selector that also matches the selected card.
    selected: str | None = None
    #: select: pick the option by its label (text) or its value.
    by: Literal["label", "value"] = "label"
    #: dropdown: the menu's options; the element that shows what was picked.
    option: str | None = None
    shown: str | None = None
    #: files: one finished upload; the upload error; an upload's remove button.
    done: str | None = None
    refused: str | None = None
    remove: str | None = None
    #: text: typed key by key, as a person would.
    typed: bool = True
    #: text: the message's length the form takes (None: the product's 10 to 2,000).
    limits: MessageLimits | None = None
    #: choice: the label inside a choice; a selector the checked choice also matches.
    label: str | None = None
    checked: str | None = None
    #: items: the requested item's quantity input; every item's box and the attribute of its id.
    quantity: str | None = None
    all: str | None = None
    item_id: str = "value"
    when: Condition = Condition()

    def elements(self) -> tuple[str, ...]:
        """Every element the field uses."""
        names = [
            self.element,
            *(e for _, e in self.options),
            self.option,
            self.shown,
            self.label,
            self.done,
            self.refused,
            self.remove,
            self.quantity,
            self.all,
        ]
        return tuple(n for n in names if n)


def parse_condition(
    chk: Checker, data: Mapping[str, Any], where: str, elements: Collection[str]
) -> Condition:
    """``when``, ``if_visible``, ``if_hidden`` of a step or field."""
    raw = data.get("when", {})
    if not isinstance(raw, dict):
        chk.fail(f"{where}.when", 'must be a table, e.g. when = {received = "yes"}')
    pairs: list[tuple[str, tuple[str, ...]]] = []
    for name, wanted in raw.items():
        if name not in REQUEST_VALUES:
            chk.fail(
                f"{where}.when.{name}",
                f"is not a request field a condition can use ({', '.join(REQUEST_VALUES)})",
            )
        values = (wanted,) if isinstance(wanted, str) else wanted
        if not (
            isinstance(values, list | tuple) and values and all(isinstance(v, str) for v in values)
        ):
            chk.fail(f"{where}.when.{name}", "must be a string or a list of strings")
        allowed = REQUEST_VALUES[name]
        for value in values:
            if allowed is not None and value not in allowed:
                chk.fail(f"{where}.when.{name}", f"must be one of {', '.join(allowed)}")
        pairs.append((name, tuple(values)))
    seen = _element(chk, data, "if_visible", where, elements, required=False)
    hidden = _element(chk, data, "if_hidden", where, elements, required=False)
    return Condition(request=tuple(pairs), if_visible=seen, if_hidden=hidden)


def _element(
    chk: Checker,
    data: Mapping[str, Any],
    key: str,
    where: str,
    elements: Collection[str],
    *,
    required: bool = True,
) -> str | None:
    name = chk.string(data, key, where, required=required)
    if name is not None and name not in elements:
        chk.fail(f"{where}.{key}", f"names no element: add {name!r} to [elements]")
    return name


_STEP_KEYS = keys("steps")


def _no_credentials(chk: Checker, text: str, at: str) -> None:
    """Refuse ``{user}`` or ``{password}`` outside the login steps: they would be empty there."""
    used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    for name in (n for n in LOGIN_PLACEHOLDERS if n in used):
        chk.fail(
            at,
            f"has {{{name}}}, which is filled only in [[login.steps]] (it would be empty "
            "here): move this step to the login steps, or write the text itself",
        )


def parse_steps(
    chk: Checker,
    items: list[dict[str, Any]],
    where: str,
    elements: Collection[str],
    *,
    login: bool = False,
) -> tuple[Step, ...]:
    """An ordered list of steps (``[[open.steps]]``, ...), each with exactly one action;
    ``{user}`` and ``{password}`` only in the *login* steps (the only ones they are filled in)."""
    steps: list[Step] = []
    names: set[str] = set()
    for n, data in enumerate(items, 1):
        at = f"{where}[{n}]"
        chk.known(data, _STEP_KEYS, at)
        actions = [a for a in STEP_ACTIONS if a in data]
        if len(actions) != 1:
            chk.fail(at, f"needs exactly one action: {', '.join(STEP_ACTIONS)} = ELEMENT")
        action = actions[0]
        element = _element(chk, data, action, at, elements)
        assert element is not None
        name = chk.string(data, "name", at, required=False, default=f"{action}-{element}")
        assert name is not None
        if name in names:
            chk.fail(f"{at}.name", f"{name!r} is the name of an earlier step: give each its own")
        names.add(name)
        text = chk.string(data, "text", at, required=action == "fill")
        if text is not None:
            if action != "fill":
                chk.fail(f"{at}.text", "belongs to a fill step")
            chk.placeholders(text, f"{at}.text", FILL_PLACEHOLDERS)
            if not login:
                _no_credentials(chk, text, f"{at}.text")
        key = chk.string(data, "key", at, required=action == "press")
        if key is not None and action != "press":
            chk.fail(f"{at}.key", "belongs to a press step")
        new_page = chk.choice(
            data, "new_page", at, ("none", "expected", "optional"), default="none"
        )
        if new_page != "none" and action != "click":
            chk.fail(f"{at}.new_page", "belongs to a click step")
        or_visible = _element(chk, data, "or_visible", at, elements, required=False)
        if or_visible is not None and new_page == "none":
            chk.fail(f"{at}.or_visible", 'goes with new_page = "expected" or "optional"')
        dialog = data.get("dialog")
        if dialog is not None and (dialog not in ("accept", "dismiss") or action != "click"):
            chk.fail(f"{at}.dialog", 'must be "accept" or "dismiss", on a click step')
        steps.append(
            Step(
                name=name,
                where=at,
                action=action,
                element=element,
                text=text,
                key=key,
                state=cast(
                    "Literal['visible', 'hidden']",
                    chk.choice(data, "state", at, ("visible", "hidden"), default="visible"),
                ),
                new_page=cast("NewPage", new_page),
                or_visible=or_visible,
                navigates=chk.flag(data, "navigates", at, default=False),
                dialog=dialog,
                when=parse_condition(chk, data, at, elements),
            )
        )
    return tuple(steps)


_FIELD_KEYS = keys("form.fields")
#: The keys each kind needs (beyond name, kind, value).
KIND_NEEDS: Mapping[str, tuple[str, ...]] = {
    "select": ("element",),
    "dropdown": ("element", "option", "shown"),
    "choice": ("element",),
    "radio": ("options",),
    "checkbox": ("element", "on"),
    "cards": ("options", "selected"),
    "text": ("element",),
    "amount": ("element",),
    "files": ("element",),
    "items": ("element",),
}
#: The keys each kind may also have.
KIND_MAY: Mapping[str, tuple[str, ...]] = {
    "select": ("by",),
    "dropdown": (),
    "choice": ("label", "checked"),
    "radio": (),
    "checkbox": (),
    "cards": (),
    "text": ("typed", "min_chars", "max_chars"),
    "amount": (),
    "files": ("done", "refused", "remove"),
    "items": ("quantity", "all", "item_id"),
}
_COMMON = ("name", "kind", "value", "when", "if_visible", "if_hidden")


def parse_fields(
    chk: Checker, items: list[dict[str, Any]], where: str, elements: Collection[str]
) -> tuple[Field, ...]:
    """The form's fields, in the order they are filled."""
    fields: list[Field] = []
    names: set[str] = set()
    for n, data in enumerate(items, 1):
        at = f"{where}[{n}]"
        chk.known(data, _FIELD_KEYS, at)
        kind = chk.choice(data, "kind", at, FIELD_KINDS)
        name = chk.text(data, "name", at)
        if name in names:
            chk.fail(f"{at}.name", f"{name!r} names an earlier field: give each its own")
        names.add(name)
        default_value = "item" if kind == "items" else name if name in _FIELD_VALUES else None
        value = chk.string(data, "value", at, required=default_value is None, default=default_value)
        assert value is not None
        if value not in KIND_VALUES[kind]:
            chk.fail(f"{at}.value", f"a {kind} field enters one of: {', '.join(KIND_VALUES[kind])}")
        allowed = (*_COMMON, *KIND_NEEDS[kind], *KIND_MAY[kind])
        for key in data:
            if key not in allowed:
                chk.fail(f"{at}.{key}", f"does not apply to a {kind} field")
        for key in KIND_NEEDS[kind]:
            if key not in data:
                chk.fail(f"{at}.{key}", f"is missing: a {kind} field needs it")
        options: tuple[tuple[str, str], ...] = ()
        if "options" in data:
            raw = data["options"]
            if not isinstance(raw, dict) or not raw:
                chk.fail(f"{at}.options", 'must be a table of value = ELEMENT, e.g. {yes = "..."}')
            choices = REQUEST_VALUES.get(value) or ()
            for option in raw:
                if option not in choices:
                    chk.fail(f"{at}.options.{option}", f"must be one of {', '.join(choices)}")
                _element(chk, raw, option, f"{at}.options", elements)
            options = tuple((str(k), str(v)) for k, v in raw.items())
        on = chk.strings(data, "on", at)
        for value_on in on:
            if value_on not in (REQUEST_VALUES.get(value) or ()):
                chk.fail(f"{at}.on", f"must hold values of {value}")
        fields.append(
            Field(
                name=name,
                where=at,
                kind=cast("FieldKind", kind),
                value=value,
                element=_element(chk, data, "element", at, elements, required=False),
                options=options,
                on=on,
                selected=chk.string(data, "selected", at, required=False),
                by=cast(
                    "Literal['label', 'value']",
                    chk.choice(data, "by", at, ("label", "value"), default="label"),
                ),
                option=_element(chk, data, "option", at, elements, required=False),
                shown=_element(chk, data, "shown", at, elements, required=False),
                done=_element(chk, data, "done", at, elements, required=False),
                refused=_element(chk, data, "refused", at, elements, required=False),
                remove=_element(chk, data, "remove", at, elements, required=False),
                typed=chk.flag(data, "typed", at, default=True),
                limits=_limits(chk, data, at),
                label=_element(chk, data, "label", at, elements, required=False),
                checked=chk.string(data, "checked", at, required=False),
                quantity=_element(chk, data, "quantity", at, elements, required=False),
                all=_element(chk, data, "all", at, elements, required=False),
                item_id=chk.string(data, "item_id", at, required=False, default="value") or "value",
                when=parse_condition(chk, data, at, elements),
            )
        )
    return tuple(fields)


def _limits(chk: Checker, data: Mapping[str, Any], where: str) -> MessageLimits | None:
    """A text field's ``min_chars`` / ``max_chars`` (None when it gives neither)."""
    if "min_chars" not in data and "max_chars" not in data:
        return None
    defaults = MessageLimits()
    values = {k: data.get(k, getattr(defaults, k)) for k in ("min_chars", "max_chars")}
    try:
        return MessageLimits(**values)
    except InvalidConfig as exc:
        chk.fail(f"{where}.{exc.what.split(' ', 1)[0]}", exc.what.split(" ", 1)[1])
