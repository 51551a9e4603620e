"""A draft profile written as TOML, with its TODOs as comments, and checked by the profile loader.

The text is what a person reads and finishes: a header naming the recording and listing what it
could not know, each section in the README's order, comments where a value was guessed or
is missing. `write_draft` parses the text back with the loader (`agent.site.profile`): a draft
the loader would refuse is a bug of the writer, never handed to the person.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping

from agent.recording.draft import Draft, DraftField, DraftStep, JsonRule
from agent.site.profile import SiteProfile, parse_profile

__all__ = ["draft_text", "toml_value", "write_draft"]

_WRAP = 96


def toml_value(value: object) -> str:
    """A TOML value: a string (literal when it can be), a bool, a number, a list, a table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        plain = "'" not in value and "\n" not in value and value.isprintable()
        if plain and ("\\" in value or '"' in value):
            return f"'{value}'"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Iterable):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def _key(key: str) -> str:
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii()
        else json.dumps(key)
    )


def _comment(text: str, indent: str = "") -> list[str]:
    """A comment, wrapped."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        words, line = paragraph.split(), ""
        for word in words:
            if line and len(indent) + 2 + len(line) + 1 + len(word) > _WRAP:
                lines.append(f"{indent}# {line}")
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(f"{indent}# {line}".rstrip())
    return lines


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def comment(self, text: str) -> None:
        if text:
            self.lines.extend(_comment(text))

    def gap(self) -> None:
        """An empty comment line (a paragraph break in the header)."""
        self.lines.append("#")

    def todo(self, text: str) -> None:
        self.comment(f"TODO: {text}")

    def pair(self, key: str, value: object, note: str = "") -> None:
        line = f"{_key(key)} = {toml_value(value)}"
        if note and len(line) + len(note) + 3 <= _WRAP:
            line += f"  # {note}"
        elif note:
            self.comment(note)
        self.lines.append(line)

    def table(self, name: str, note: str = "") -> None:
        self.blank()
        self.comment(note)
        self.lines.append(f"[{name}]")

    def array(self, name: str, note: str = "") -> None:
        self.blank()
        self.comment(note)
        self.lines.append(f"[[{name}]]")


def _header(out: _Out, draft: Draft) -> None:
    out.comment(
        f"Site profile drafted by `retry-dispute profile import` from {draft.source}. "
        "Read it before you use it: what a recording cannot know is marked TODO, and a "
        "guess says so. The format: README.md, 'Site profiles'."
    )
    if draft.learned:
        out.gap()
        out.comment("Where its facts come from:")
        for line in draft.learned:
            out.comment(f"- {line}")
    if draft.todos:
        out.gap()
        out.comment("TODO before a real run:")
        for line in draft.todos:
            out.comment(f"- {line}")
    out.gap()
    out.comment(
        "Then check it without submitting anything: retry-dispute check --site URL "
        "--profile THIS_FILE --order ID ..."
    )


def _step(out: _Out, section: str, step: DraftStep) -> None:
    out.array(section, step.note)
    out.pair("name", step.name)
    if step.when:
        out.pair("when", step.when)
    if step.if_visible:
        out.pair("if_visible", step.if_visible)
    out.pair(step.action, step.element)
    if step.text is not None:
        out.pair("text", step.text)
    if step.key is not None:
        out.pair("key", step.key)
    if step.new_page:
        out.pair("new_page", step.new_page)
    if step.or_visible:
        out.pair("or_visible", step.or_visible)
    if step.navigates:
        out.pair("navigates", True)
    if step.dialog:
        out.pair("dialog", step.dialog)


def _field(out: _Out, item: DraftField) -> None:
    out.array("form.fields", item.note)
    out.pair("name", item.name)
    out.pair("kind", item.kind)
    if item.when:
        out.pair("when", item.when)
    for key in ("element", "by", "option", "shown", "selected"):
        value = getattr(item, key)
        if value is not None:
            out.pair(key, value)
    if item.options:
        out.pair("options", item.options)


def _rule(rule: JsonRule) -> dict[str, object]:
    out: dict[str, object] = {"path": rule.path}
    if rule.prefix is not None:
        out["prefix"] = rule.prefix
    elif rule.equals is not None:
        out["equals"] = rule.equals
    return out


def _answer(out: _Out, draft: Draft) -> None:
    answer = draft.answer
    note = {
        "har": "the request the recording's network data shows after the final click",
        "live": "the request the page tried to send when the final click was made on the "
        "second pass (blocked: nothing was sent). CONFIRM that it sends the dispute",
    }.get(answer.url_from, "")
    out.table("answer", "The submit request: its response alone is the site's answer. " + note)
    if answer.url:
        out.pair("method", answer.method or "POST")
        out.pair("url", answer.url)
    else:
        out.todo(
            "the submit request: the recording holds no network data. Submit once by hand "
            "with the browser's Network tab open, or import again with --site and a session"
        )
        out.pair("method", "POST")
        out.pair("url", "**/TODO-the-submit-request")
    if answer.busy_texts:
        out.comment(
            "What the site said when it was busy, as the recording showed it. TODO: the same "
            "sentence in every language the site speaks"
        )
        out.pair("busy_texts", answer.busy_texts)
    else:
        out.todo('busy_texts = ["..."]: the site\'s busy sentence in each of its languages')
    if answer.json:
        out.table("answer.json", "Read from the answers the recording's network data holds.")
        for kind in ("opened", "busy"):
            if kind in answer.json:
                out.pair(kind, _rule(answer.json[kind]))
        if answer.dispute_id_path:
            out.pair("dispute_id", answer.dispute_id_path)
        if answer.message_path:
            out.pair("message", answer.message_path)
        if answer.message_pattern:
            out.pair("message_pattern", answer.message_pattern)
    out.table("answer.page", "The answer's elements, as the recording checked them.")
    if answer.page_result and answer.success:
        out.pair("result", answer.page_result)
        out.pair("success", answer.success)
    else:
        out.todo(
            "result and success: the element and the pattern (its group dispute_id) of a success"
        )
    if answer.page_busy:
        out.pair("busy", answer.page_busy)


def draft_text(draft: Draft) -> str:
    """The draft as the TOML text of a profile."""
    out = _Out()
    _header(out, draft)
    out.blank()
    out.pair("name", draft.name)
    out.pair("description", f"Drafted from the recording {draft.source}: check it")
    out.pair("base_url", draft.base_url)
    out.table("urls")
    out.pair("order", draft.order_path)
    if draft.login_url:
        out.pair("login", draft.login_url)
    out.table(
        "elements",
        "Every element, with the alternatives the recording (and the live page) gave, the "
        "preferred first: roles, labels, test ids and texts, then CSS; hashed class names last, "
        "each also by its stable prefix.",
    )
    for element in draft.elements.values():
        out.comment(element.note)
        value: object = element.selectors[0] if len(element.selectors) == 1 else element.selectors
        if element.scope != "page":
            value = {"selector": value, "scope": element.scope}
        out.pair(element.name, value)
    out.table("page")
    if draft.page_login:
        out.pair("login", draft.page_login)
    out.pair("dialogs", draft.dialogs)
    out.todo("challenge (a verification challenge) and signed_in (shows only when logged in)")
    for overlay, close in draft.overlays:
        out.array("page.overlays", "Shown over the page when it loads: closed whenever it shows.")
        out.pair("element", overlay)
        out.pair("close", close)
    if draft.login_steps:
        out.table("login")
        out.todo("error: the element that says a login was refused")
        for step in draft.login_steps:
            _step(out, "login.steps", step)
    out.table("order_page")
    out.pair("ready", draft.order_ready or "")
    out.todo(
        "not_eligible: the element that says why no dispute can be opened; then its phrases "
        "in [[eligibility]] (match, code, explain)"
    )
    dispute = draft.dispute
    assert dispute is not None
    out.table("dispute", dispute.note)
    out.pair("element", dispute.element)
    if dispute.attribute:
        out.pair("attribute", dispute.attribute)
    if dispute.pattern:
        out.pair("pattern", dispute.pattern)
    out.pair(
        "shows_within_s",
        dispute.shows_within_s,
        "TODO: how long a new dispute takes to show on the order page",
    )
    for step in draft.open_steps:
        _step(out, "open.steps", step)
    out.table("form")
    out.pair("ready", draft.form_ready or "")
    for item in draft.fields:
        _field(out, item)
    for step in draft.submit_steps:
        _step(out, "submit.steps", step)
    if draft.retry_kept or draft.retry_steps:
        out.table("retry", "What the recording did after a busy answer before sending again.")
        if draft.retry_kept and draft.retry_from:
            out.pair("kept", draft.retry_kept)
            out.pair("from", draft.retry_from)
        for step in draft.retry_steps:
            _step(out, "retry.steps", step)
    _answer(out, draft)
    for reason in draft.reasons:
        note = "code guessed from the label: check it" if reason.guessed else ""
        out.array("reasons", note)
        if reason.code:
            out.pair("code", reason.code)
        out.pair("label", reason.label)
        out.pair("received", reason.received)
        if reason.value is not None:
            out.pair("value", reason.value)
    for method, url in draft.harmless:
        out.array(
            "check.harmless",
            "Sent by the site on its own while the pages were browsed (a beacon): "
            "`retry-dispute check` lets it through.",
        )
        out.pair("method", method)
        out.pair("url", url)
    out.blank()
    out.todo(
        "[evidence]: the site's rules for photos and videos (formats, sizes, how many); "
        "the defaults apply until then"
    )
    return "\n".join(out.lines).rstrip() + "\n"


def write_draft(draft: Draft, *, source: str) -> tuple[str, SiteProfile]:
    """The draft's text, and the profile the loader reads from it (a refusal is a bug)."""
    text = draft_text(draft)
    profile = parse_profile(tomllib.loads(text), source=source)
    return text, profile
