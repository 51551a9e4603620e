"""A Chrome DevTools Recorder export (its JSON "user flow") read into a `Recording`.

The schema is @puppeteer/replay's (``Schema.ts``): ``{"title", "selectorAttribute"?, "steps"}``,
each step ``{"type", "target"?, "selectors"?, ...}``. The steps read: ``navigate`` (a URL),
``click`` and ``doubleClick`` (with ``assertedEvents`` of type ``navigation``), ``change`` (a
text typed, an option of a ``<select>``, files chosen), ``keyDown`` (Enter, Tab, Escape: a key
pressed in the field last used), ``waitForElement`` (what the person checked the page showed;
``properties.innerText`` or ``textContent`` for its text); ``setViewport``, ``scroll``,
``hover``, ``keyUp``, ``close``, ``waitForExpression``, ``emulateNetworkConditions`` and
``customStep`` are skipped. A step's ``target`` other than ``main`` is a new tab or pop-up (its
first URL): the click just before its first step opened it.

Each step's ``selectors`` is a list of alternatives, each a string or a chain (a list: ancestors
first); ``aria/Name[role="button"]``, ``xpath/…``, ``pierce/…``, ``text/…`` and CSS become
Playwright selectors (`agent.recording.selectors`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from agent.errors import InvalidConfig
from agent.recording.model import Action, ActionKind, Recording, Target
from agent.recording.selectors import (
    css_attr,
    label_selector,
    role_selector,
    sort_stable,
    tag_of,
    text_selector,
)

__all__ = ["KNOWN_STEPS", "check_chrome_shape", "is_chrome_flow", "read_chrome"]

#: Every step type of the schema (a flow whose steps are none of these is another format).
KNOWN_STEPS = frozenset(
    {
        "change",
        "click",
        "close",
        "customStep",
        "doubleClick",
        "emulateNetworkConditions",
        "hover",
        "keyDown",
        "keyUp",
        "navigate",
        "scroll",
        "setViewport",
        "waitForElement",
        "waitForExpression",
    }
)
_KEYS = {"Enter": "Enter", "Tab": "Tab", "Escape": "Escape", "NumpadEnter": "Enter"}
_ARIA = re.compile(r'^(?P<name>.*?)(?:\[role="(?P<role>[^"]+)"\])?$', re.DOTALL)
_TEST_ID = re.compile(r'^\[(?P<attr>data-[\w-]+)=["\']?(?P<value>[^"\'\]]+)["\']?\]$')
_TYPE = re.compile(r'\[type=["\']?(?P<type>\w+)')


def is_chrome_flow(data: object) -> bool:
    """Whether parsed JSON has the shape of a Recorder export (a ``steps`` list of typed steps
    of the schema)."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return False
    steps = data["steps"]
    typed = all(isinstance(s, dict) and isinstance(s.get("type"), str) for s in steps)
    return bool(steps) and typed and any(s["type"] in KNOWN_STEPS for s in steps)


class _Selectors:
    """One step's selectors, converted; what the aria selector says of the element."""

    def __init__(self, raw: object, *, typing: bool, attribute: str | None) -> None:
        self.role: str | None = None
        self.name: str | None = None
        self.playwright: list[str] = []
        self.attribute = attribute
        chains = [
            [alternative] if isinstance(alternative, str) else alternative
            for alternative in (raw if isinstance(raw, list) else [])
        ]
        chains = [c for c in chains if isinstance(c, list) and all(isinstance(p, str) for p in c)]
        # what the CSS and XPath alternatives say the element is (for an aria name alone)
        tags = [tag_of(self._plain(c[-1])) for c in chains if not c[-1].startswith("aria/")]
        self.tag = next((t for t in tags if t), None)
        self.field = typing or self.tag in ("input", "select", "textarea")
        for parts in chains:
            converted = [self._part(p, last=i == len(parts) - 1) for i, p in enumerate(parts)]
            if all(converted):
                for tail in self._tails(converted[-1]):
                    self.playwright.append(" >> ".join([*map(str, converted[:-1]), tail]))

    @staticmethod
    def _plain(part: str) -> str:
        if part.startswith("xpath/"):
            return "xpath=" + part[6:]
        return part.removeprefix("pierce/")

    @staticmethod
    def _tails(last: str | tuple[str, ...]) -> tuple[str, ...]:
        return (last,) if isinstance(last, str) else last

    def _part(self, part: str, *, last: bool) -> str | tuple[str, ...]:
        if part.startswith("aria/"):
            found = _ARIA.match(part[5:])
            assert found is not None  # the pattern matches any text
            name, role = found["name"].strip(), found["role"]
            if last:
                self.role, self.name = role or self.role, name or self.name
            if role:
                return role_selector(role, name or None)
            if not name:
                return ""
            # no role: Chrome only names it. A field is found by its label (or placeholder),
            # anything else (a button, a link) by the text it shows.
            if self.field:
                if self.tag == "select":
                    return label_selector(name)
                return (label_selector(name), css_attr("placeholder", name))
            return text_selector(name)
        if part.startswith("text/"):
            return text_selector(part[5:])
        return self._plain(part)

    def target(self) -> Target | None:
        if not self.playwright:
            return None
        test_id = None
        input_type = None
        for selector in self.playwright:
            found = _TEST_ID.match(selector)
            if found and (self.attribute is None or found["attr"] == self.attribute):
                test_id = test_id or found["value"]
            typed = _TYPE.search(selector)
            if typed:
                input_type = input_type or typed["type"].lower()
        return Target(
            selectors=sort_stable(self.playwright),
            role=self.role,
            name=self.name,
            test_id=test_id,
            tag=self.tag,
            input_type=input_type,
        )


def _file_name(value: str) -> str:
    """``C:\\fakepath\\photo.jpg`` (what a browser says of a chosen file) -> ``photo.jpg``."""
    return PureWindowsPath(value).name or PurePosixPath(value).name or value


def _asserted_text(step: Mapping[str, Any]) -> str | None:
    for holder in ("properties", "attributes"):
        values = step.get(holder)
        if isinstance(values, dict):
            for key in ("innerText", "textContent", "value"):
                text = values.get(key)
                if isinstance(text, str) and text.strip():
                    return " ".join(text.split())
    return None


def read_chrome(data: Mapping[str, Any], *, source: str) -> Recording:
    """The actions of a Recorder export (already parsed, `is_chrome_flow`)."""
    attribute = data.get("selectorAttribute")
    attribute = attribute if isinstance(attribute, str) and attribute else None
    actions: list[Action] = []
    last_target: dict[str, Target] = {}
    pages_seen: set[str] = set()
    for number, step in enumerate(data["steps"], 1):
        kind = step["type"]
        page = step.get("target") if isinstance(step.get("target"), str) else "main"
        page = page or "main"
        if page not in pages_seen:
            if pages_seen:
                _mark_opener(actions, page)
            pages_seen.add(page)
        value = step.get("value") if isinstance(step.get("value"), str) else ""
        selectors = _Selectors(step.get("selectors"), typing=kind == "change", attribute=attribute)
        target = selectors.target()
        action: Action | None = None
        if kind == "navigate" and isinstance(step.get("url"), str):
            action = Action(kind="goto", page=page, value=step["url"], line=number)
        elif kind in ("click", "doubleClick") and target is not None:
            action = Action(
                kind="click",
                page=page,
                target=target,
                navigated_to=_navigation(step.get("assertedEvents")),
                line=number,
            )
        elif kind == "change" and target is not None:
            action = _change(target, value, page, number)
        elif kind == "keyDown" and step.get("key") in _KEYS and page in last_target:
            action = Action(
                kind="press",
                page=page,
                target=last_target[page],
                value=_KEYS[str(step["key"])],
                navigated_to=_navigation(step.get("assertedEvents")),
                line=number,
            )
        elif kind == "waitForElement" and target is not None:
            text = _asserted_text(step)
            action = Action(
                kind="assert_text" if text else "assert_visible",
                page=page,
                target=target,
                value=text or "",
                line=number,
            )
        if action is None:
            continue
        if action.target is not None and action.kind in ("fill", "select", "files", "click"):
            last_target[page] = action.target
        actions.append(action)
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    return Recording(source=source, format="chrome", title=str(title), actions=tuple(actions))


def _change(target: Target, value: str, page: str, number: int) -> Action:
    kind: ActionKind = "fill"
    files: tuple[str, ...] = ()
    if target.tag == "select":
        kind = "select"
    elif target.input_type == "file" or value.lower().startswith("c:\\fakepath\\"):
        kind, files, value = "files", (_file_name(value),), ""
    return Action(kind=kind, page=page, target=target, value=value, files=files, line=number)


def _navigation(events: object) -> str | None:
    if not isinstance(events, list):
        return None
    for event in events:
        if isinstance(event, dict) and event.get("type") == "navigation":
            url = event.get("url")
            if isinstance(url, str) and url:
                return url
    return None


def _mark_opener(actions: list[Action], page: str) -> None:
    """The last click before a new tab's first step opened it."""
    for index in range(len(actions) - 1, -1, -1):
        if actions[index].kind == "click":
            old = actions[index]
            actions[index] = Action(
                kind=old.kind,
                page=old.page,
                target=old.target,
                value=old.value,
                files=old.files,
                opens_page=page,
                dialog=old.dialog,
                navigated_to=old.navigated_to,
                line=old.line,
            )
            return


def check_chrome_shape(data: object, *, source: str) -> Mapping[str, Any]:
    """The export, or InvalidConfig saying why this JSON is not one."""
    if not is_chrome_flow(data):
        raise InvalidConfig(
            'is JSON but not a Chrome DevTools Recorder export (it needs a "steps" list of '
            "the Recorder's steps: navigate, click, change, ...)",
            source=source,
            hint="export the recording from Chrome's Recorder panel (Export: JSON), or give a "
            "Playwright codegen script (--target python)",
        )
    assert isinstance(data, dict)
    return data
