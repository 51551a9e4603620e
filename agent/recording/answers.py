"""What came after the form in a recording: the submit steps, each answer the person checked,
the resubmissions, and the dispute shown on the order page afterwards.

After the last field, the form page's clicks up to the first answer checked (``expect(...)`` in
codegen, ``waitForElement`` in Chrome's Recorder) are the **submit steps**. Each later run of
clicks ending on an answer is a **resubmission**: its last clicks repeat the submit steps from
some step (where a retry starts: ``[retry] from``), the clicks before them dealt with the busy
answer (``[[retry.steps]]``, each run only when its element shows). An answer followed by a
resubmission was **busy** (its element and its text); the last answer, when its text holds an
id, was the **success** (its element, and a pattern for the id's shape). On the order page
afterwards, the link the person followed to the new dispute is the **existing dispute**: read
from its text when that shows the id, else from its ``href``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from agent.recording.draft import Draft, DraftDispute, DraftStep
from agent.recording.ids import (
    dispute_id_in,
    escape,
    id_pattern,
    selector_without_id,
    text_anchored,
    url_anchored,
)
from agent.recording.model import Action, Target
from agent.recording.naming import Namer

__all__ = ["Builder", "Chunk", "chunks_of", "read_answers", "read_dispute"]


class Builder(Protocol):
    """What reading the answers needs of the draft's builder (`agent.recording.flow`)."""

    namer: Namer
    #: The new dispute's id, once the success answer named it.
    success_id: str | None

    def element(self, target: Target, *, hint: str | None = None, note: str = "") -> str:
        """The element's name in the draft (added when new)."""

    def step(self, action: Action, *, hint: str | None = None) -> DraftStep:
        """A click or press as a step."""


#: An element that is the whole page, not the answer's own.
_BROAD = frozenset({"body", "html", "main", ":root"})


@dataclass(slots=True)
class Chunk:
    """One sending of the form: the clicks, and the answer the person checked after them."""

    clicks: list[Action] = field(default_factory=list)
    answer: Action | None = None


def _broad(target: Target | None) -> bool:
    return target is None or any(s.strip() in _BROAD for s in target.selectors)


def chunks_of(after: list[Action], form_page: str) -> tuple[list[Chunk], list[Action]]:
    """The sendings of the form, and the actions after them (elsewhere: the order page)."""
    chunks: list[Chunk] = []
    clicks: list[Action] = []
    rest: list[Action] = []
    for index, action in enumerate(after):
        if action.kind == "goto" or action.page != form_page:
            rest = after[index:]
            break
        if action.kind in ("click", "press"):
            clicks.append(action)
        elif action.kind in ("assert_text", "assert_visible") and (clicks or not chunks):
            chunks.append(Chunk(clicks=clicks, answer=action))
            clicks = []
    if clicks:
        chunks.append(Chunk(clicks=clicks))
    return chunks, rest


def _keys(actions: list[Action]) -> list[str]:
    return [a.target.key if a.target else "" for a in actions]


def _resubmission(submit: list[str], clicks: list[str]) -> tuple[int, int] | None:
    """(how many clicks came before the resubmission, the submit step it started at)."""
    for start in range(len(submit)):
        tail = submit[start:]
        if len(clicks) >= len(tail) and clicks[len(clicks) - len(tail) :] == tail:
            return len(clicks) - len(tail), start
    return None


def read_answers(builder: Builder, draft: Draft, after: list[Action], form_page: str) -> None:
    """The submit steps, the retry, and the answers, from what came after the form."""
    chunks, _ = chunks_of(after, form_page)
    if not chunks or not chunks[0].clicks:
        element = draft.element(
            "submit", ['text="TODO the button that sends the form"'], note="TODO: not recorded"
        )
        draft.submit_steps.append(DraftStep(name="submit", action="click", element=element))
        draft.todo(
            "[[submit.steps]]: the recording stops before the form was sent: name the button "
            "that sends it (and any confirmation)"
        )
        return
    for click in chunks[0].clicks:
        if click.target is not None:
            draft.submit_steps.append(builder.step(click))
    draft.sendings = sum(1 for chunk in chunks if chunk.clicks)
    _retry(builder, draft, chunks)
    for chunk in chunks[:-1]:
        if chunk.answer is not None:
            _busy(builder, draft, chunk.answer)
    final = chunks[-1].answer
    if final is not None and len(chunks) > 1 and final.value in draft.answer.busy_texts:
        draft.todo("the success answer: the recording ended on a busy answer")
    elif final is not None:
        _success(builder, draft, final)
    else:
        draft.todo("the answers: the recording checked none of what the site answered")


def _retry(builder: Builder, draft: Draft, chunks: list[Chunk]) -> None:
    if len(chunks) < 2:
        return
    submit_keys = _keys(chunks[0].clicks)
    found = _resubmission(submit_keys, _keys(chunks[1].clicks))
    if found is None:
        draft.todo("[retry]: the recording's second sending does not repeat the submit steps")
        return
    before, start = found
    for click in chunks[1].clicks[:before]:
        if click.target is None:
            continue
        step = builder.step(click)
        step.if_visible = step.element
        step.note = "clicked after the busy answer, before sending again (when it shows)"
        draft.retry_steps.append(step)
    if start > 0:
        draft.retry_from = draft.submit_steps[start].name
        draft.retry_kept = draft.submit_steps[start].element
        draft.learned.append(
            f"after a busy answer the recording sent again from {draft.retry_from!r}: "
            f"[retry] from, while {draft.retry_kept!r} shows"
        )


def _busy(builder: Builder, draft: Draft, answer: Action) -> None:
    if answer.value and answer.value not in draft.answer.busy_texts:
        draft.answer.busy_texts.append(answer.value)
    if not _broad(answer.target):
        assert answer.target is not None
        element = builder.element(answer.target, hint="busy_answer")
        if element not in draft.answer.page_busy:
            draft.answer.page_busy.append(element)
    if answer.value:
        draft.learned.append(f"a busy answer: {answer.value!r} (the person sent the form again)")


def _success(builder: Builder, draft: Draft, answer: Action) -> None:
    token = dispute_id_in(answer.value)
    if token is None:
        draft.todo(
            f"the success answer: the last answer checked ({answer.value!r}) holds no dispute id"
        )
        return
    draft.learned.append(f"the success: {answer.value!r}, the new dispute's id {token}")
    builder.success_id = draft.success_id = token
    if _broad(answer.target):
        draft.todo(
            "[answer.page] result: the recording checked the success on the whole page: name "
            "the element that shows the new dispute's id"
        )
        return
    assert answer.target is not None
    before, _, after = answer.value.partition(token)
    general = [x for x in (selector_without_id(s, token) for s in answer.target.selectors) if x]
    draft.answer.page_result = builder.element(
        answer.target.with_selectors(tuple(general) or answer.target.selectors), hint="result"
    )
    draft.answer.success = escape(before) + f"(?P<dispute_id>{id_pattern(token)})" + escape(after)


def read_dispute(
    builder: Builder, draft: Draft, after: list[Action], form_page: str, order_path: str
) -> DraftDispute | None:
    """The element that shows the new dispute on the order page, from the link the person
    followed there after the success; None when the recording does not show one."""
    _, rest = chunks_of(after, form_page)
    token: str | None = builder.success_id
    on_order = False
    for action in rest:
        if action.kind == "goto":
            on_order = order_path.split("{order_id}")[0] in action.value
            continue
        if not on_order or action.kind != "click" or action.target is None:
            continue
        target = action.target
        named = token is not None and token in (target.name or "") + " ".join(target.selectors)
        if token is None:
            token = dispute_id_in(target.name or "")
            named = token is not None
        if token is None:
            continue
        selectors = [s for s in (selector_without_id(x, token) for x in target.selectors) if s]
        if not selectors:
            continue
        name = builder.namer.reserve("existing_dispute")
        draft.element(name, selectors, note="the new dispute, as the order page shows it")
        opened = next(
            (u for u in (action.opens_page, action.navigated_to) if u and "://" in u), None
        )
        pattern = (
            text_anchored(target.name or "", token)
            if named and target.name and token in target.name
            else (url_anchored(opened, token) if opened else None)
        )
        if pattern is None:
            pattern = id_pattern(token)
            draft.todo(
                "[dispute] pattern: anchor it on what surrounds the id in the link's href "
                "(its key, e.g. 'key=(?P<dispute_id>...)'): the recording did not show the href"
            )
        draft.learned.append(
            "the dispute on the order page: the link the recording followed to it"
            + ("" if named else " (its id read from its href)")
        )
        return DraftDispute(
            element=name,
            attribute=None if named else "href",
            pattern=pattern,
            note="An open dispute on the order page: one definition for the order page, the "
            "reconcile and a crash's recovery.",
        )
    return None
