"""A Playwright codegen script in Python read into a `Recording`, with `ast`: never run.

What ``playwright codegen --target python`` (or ``python-async``, ``python-pytest``) writes:
``page.goto(URL)``; locators (``page.get_by_role("button", name="Submit")``, ``get_by_test_id``,
``get_by_label``, ``get_by_placeholder``, ``get_by_text``, ``get_by_title``,
``get_by_alt_text``, ``locator(CSS)``, chained, with ``.filter(has_text=…)``, ``.nth(N)``,
``.first``, ``.last``) and their actions (``click``, ``dblclick``, ``check``, ``fill``,
``press``, ``press_sequentially``, ``select_option``, ``set_input_files``); a new tab or pop-up
as ``with page.expect_popup() as page1_info:`` around the click and ``page1 =
page1_info.value``; a JS dialog as ``page.once("dialog", lambda dialog: dialog.dismiss())``
before the click (codegen writes ``dismiss`` whatever the person answered); what the person
checked as ``expect(LOCATOR).to_contain_text(TEXT)``, ``to_have_text``, ``to_be_visible()``.
Every other statement is skipped. A locator inside a frame (``frame_locator``,
``content_frame``) is not something a profile can name: its action is skipped and reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from agent.recording.model import Action, ActionKind, Recording, Target
from agent.recording.selectors import (
    css_attr,
    label_selector,
    quoted,
    role_selector,
    sort_stable,
    tag_of,
    test_id_selector,
    text_selector,
)

__all__ = ["CodegenScript", "looks_like_codegen", "read_codegen"]

_ACTIONS: dict[str, ActionKind] = {
    "click": "click",
    "dblclick": "click",
    "tap": "click",
    "check": "check",
    "set_checked": "check",
    "fill": "fill",
    "press_sequentially": "fill",
    "type": "fill",
    "press": "press",
    "select_option": "select",
    "set_input_files": "files",
}
_ASSERTS: dict[str, ActionKind] = {
    "to_contain_text": "assert_text",
    "to_have_text": "assert_text",
    "to_be_visible": "assert_visible",
}
_FRAMES = frozenset({"frame_locator", "content_frame", "frame"})


class _Unsupported(Exception):
    """A locator the profile format cannot express (a frame)."""


@dataclass(slots=True)
class _Locator:
    parts: list[str] = field(default_factory=list)
    role: str | None = None
    name: str | None = None
    test_id: str | None = None


@dataclass(slots=True)
class CodegenScript:
    """What reading a script found: its actions, and the lines it could not use."""

    recording: Recording
    skipped: tuple[int, ...] = ()


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _regex(node: ast.expr | None) -> str | None:
    """``re.compile(r"^Text$")`` -> ``/^Text$/``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "compile"
        and node.args
    ):
        pattern = _string(node.args[0])
        if pattern is not None:
            return "/" + pattern.replace("/", "\\/") + "/"
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _exact(call: ast.Call) -> bool:
    value = _keyword(call, "exact")
    return isinstance(value, ast.Constant) and value.value is True


def _text_arg(node: ast.expr | None) -> tuple[str | None, str | None]:
    """A text argument as (plain text, Playwright regex form)."""
    return _string(node), _regex(node)


def _has_text(locator: _Locator, node: ast.expr | None) -> None:
    text, regex = _text_arg(node)
    if regex is not None:
        locator.parts.append(f"internal:has-text={regex}")
    elif text is not None:
        locator.parts.append(f"internal:has-text={quoted(text)}i")


def _locator(node: ast.expr, pages: set[str]) -> tuple[str, _Locator] | None:
    """The page a locator expression starts from, and its selector parts (None: not one)."""
    if isinstance(node, ast.Name):
        return (node.id, _Locator()) if node.id in pages else None
    if isinstance(node, ast.Attribute) and node.attr in ("first", "last"):
        inner = _locator(node.value, pages)
        if inner is not None:
            inner[1].parts.append("nth=0" if node.attr == "first" else "nth=-1")
        return inner
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    method = node.func.attr
    if method in _FRAMES:
        raise _Unsupported(method)
    inner = _locator(node.func.value, pages)
    if inner is None:
        return None
    page, loc = inner
    arg = node.args[0] if node.args else None
    text, regex = _text_arg(arg)
    if method == "locator" and text is not None:
        loc.parts.append(text)
        _has_text(loc, _keyword(node, "has_text"))
    elif method == "get_by_role" and text is not None:
        name_node = _keyword(node, "name")
        name, name_regex = _text_arg(name_node)
        if name_regex is not None:
            loc.parts.append(f"role={text}[name={name_regex}]")
        elif name is not None and not _exact(node):
            # get_by_role without exact: the name anywhere in it, any case (what it builds)
            loc.parts.append(f"internal:role={text}[name={quoted(name)}i]")
        else:
            loc.parts.append(role_selector(text, name))
        loc.role, loc.name = text, name
    elif method == "get_by_test_id" and text is not None:
        loc.parts.append(test_id_selector(text))
        loc.test_id = text
    elif method == "get_by_label" and (text is not None or regex is not None):
        loc.parts.append(label_selector(text) if text is not None else f"internal:label={regex}")
        loc.name = text
    elif method == "get_by_placeholder" and text is not None:
        loc.parts.append(css_attr("placeholder", text))
        loc.name = text
    elif method in ("get_by_title", "get_by_alt_text") and text is not None:
        loc.parts.append(css_attr("title" if method == "get_by_title" else "alt", text))
        loc.name = text
    elif method == "get_by_text" and (text is not None or regex is not None):
        if regex is not None:
            loc.parts.append(f"text={regex}")
        else:
            assert text is not None
            loc.parts.append(text_selector(text, exact=_exact(node)))
            loc.name = text
    elif method == "filter":
        _has_text(loc, _keyword(node, "has_text"))
    elif method == "nth" and isinstance(arg, ast.Constant) and isinstance(arg.value, int):
        loc.parts.append(f"nth={arg.value}")
    else:
        return None
    return page, loc


def _target(loc: _Locator) -> Target:
    selector = " >> ".join(loc.parts)
    tags = [t for t in (tag_of(p) for p in loc.parts[-1:]) if t]
    return Target(
        selectors=sort_stable([selector]),
        role=loc.role,
        name=loc.name,
        test_id=loc.test_id,
        tag=tags[0] if tags else None,
    )


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in order, function bodies included (the script's ``run``)."""
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _statements(stmt.body)
        else:
            yield stmt


def _unwrap(node: ast.expr) -> ast.expr:
    return node.value if isinstance(node, ast.Await) else node


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pages: set[str] = {"page"}
        self.infos: dict[str, str] = {}  # page1_info -> page1
        self.dialog: set[str] = set()
        self.actions: list[Action] = []
        self.skipped: list[int] = []

    def read(self, body: Sequence[ast.stmt]) -> None:
        for stmt in _statements(body):
            self.statement(stmt)

    def statement(self, stmt: ast.stmt, *, opens: str | None = None) -> None:
        if isinstance(stmt, ast.With | ast.AsyncWith):
            popup = self._popup(stmt)
            for inner in stmt.body:
                self.statement(inner, opens=popup or opens)
            return
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            self._assign(stmt.targets[0], _unwrap(stmt.value))
            return
        if isinstance(stmt, ast.Expr):
            self._expression(_unwrap(stmt.value), line=stmt.lineno, opens=opens)

    def _popup(self, stmt: ast.With | ast.AsyncWith) -> str | None:
        for item in stmt.items:
            call = _unwrap(item.context_expr)
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("expect_popup", "expect_page")
                and isinstance(item.optional_vars, ast.Name)
            ):
                info = item.optional_vars.id
                page = info.removesuffix("_info")
                self.infos[info] = page
                return page
        return None

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            return
        if (
            isinstance(value, ast.Attribute)
            and value.attr == "value"
            and isinstance(value.value, ast.Name)
            and value.value.id in self.infos
        ):
            opened = self.infos[value.value.id]
            self.pages.add(target.id)
            if opened != target.id:
                self._rename(opened, target.id)
            return
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "new_page"
        ):
            self.pages.add(target.id)

    def _rename(self, old: str, new: str) -> None:
        for index, action in enumerate(self.actions):
            if action.opens_page == old:
                self.actions[index] = _replace(action, opens_page=new)

    def _expression(self, node: ast.expr, *, line: int, opens: str | None) -> None:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return
        method = node.func.attr
        receiver = _unwrap(node.func.value)
        if method in ("once", "on") and isinstance(receiver, ast.Name):
            if _string(node.args[0] if node.args else None) == "dialog":
                self.dialog.add(receiver.id)
            return
        if method == "goto" and isinstance(receiver, ast.Name) and receiver.id in self.pages:
            url = _string(node.args[0] if node.args else None)
            if url is not None:
                self.actions.append(Action(kind="goto", page=receiver.id, value=url, line=line))
            return
        if method in _ASSERTS:
            self._assert(node, receiver, _ASSERTS[method], line)
            return
        if method not in _ACTIONS:
            return
        try:
            located = _locator(receiver, self.pages)
        except _Unsupported:
            self.skipped.append(line)
            return
        if located is None:
            return
        page, loc = located
        self._action(node, _ACTIONS[method], page, loc, line=line, opens=opens)

    def _action(
        self,
        node: ast.Call,
        kind: ActionKind,
        page: str,
        loc: _Locator,
        *,
        line: int,
        opens: str | None,
    ) -> None:
        arg = node.args[0] if node.args else None
        value = _string(arg) or ""
        files: tuple[str, ...] = ()
        if kind == "select":
            label = _keyword(node, "label")
            value = _string(label) or value or _first_string(arg)
        elif kind == "files":
            files = tuple(
                s
                for s in (
                    [_string(arg)]
                    if _string(arg)
                    else [_string(e) for e in arg.elts]
                    if isinstance(arg, ast.List | ast.Tuple)
                    else []
                )
                if s
            )
        dialog = page in self.dialog
        self.dialog.discard(page)
        self.actions.append(
            Action(
                kind=kind,
                page=page,
                target=_target(loc),
                value=value,
                files=files,
                opens_page=opens if kind == "click" else None,
                dialog=dialog,
                line=line,
            )
        )

    def _assert(self, node: ast.Call, receiver: ast.expr, kind: ActionKind, line: int) -> None:
        if not (
            isinstance(receiver, ast.Call)
            and isinstance(receiver.func, ast.Name)
            and receiver.func.id == "expect"
            and receiver.args
        ):
            return
        try:
            located = _locator(_unwrap(receiver.args[0]), self.pages)
        except _Unsupported:
            self.skipped.append(line)
            return
        if located is None:
            return
        page, loc = located
        text = _string(node.args[0] if node.args else None) or ""
        self.actions.append(
            Action(
                kind=kind, page=page, target=_target(loc), value=" ".join(text.split()), line=line
            )
        )


def _first_string(node: ast.expr | None) -> str:
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return _string(node.elts[0]) or ""
    return ""


def _replace(action: Action, *, opens_page: str) -> Action:
    return Action(
        kind=action.kind,
        page=action.page,
        target=action.target,
        value=action.value,
        files=action.files,
        opens_page=opens_page,
        dialog=action.dialog,
        navigated_to=action.navigated_to,
        line=action.line,
    )


def looks_like_codegen(tree: ast.Module) -> bool:
    """Whether a parsed script uses Playwright (imports it, or calls a page's goto)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("playwright"):
            return True
        if isinstance(node, ast.Import) and any(
            a.name.startswith("playwright") for a in node.names
        ):
            return True
    return False


def read_codegen(tree: ast.Module, *, source: str) -> CodegenScript:
    """The actions of a parsed codegen script (`looks_like_codegen`)."""
    reader = _Reader(source)
    reader.read(tree.body)
    recording = Recording(source=source, format="codegen", actions=tuple(reader.actions))
    return CodegenScript(recording=recording, skipped=tuple(reader.skipped))
