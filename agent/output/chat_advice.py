"""What a person does next after a support chat: the report's headline once support was reached.

After ``retry-dispute support`` (or ``run --escalate``) the end of the story is the chat, not the
run: a case number (when support opened it, what support asked, what to do now), or the question
only the person can answer, or why the chat gave no case. `after_chat_steps` reads the run
folder's ``support-chat.json`` (`agent.support.transcript.read_chat`'s record) and says it; None
when no chat was held, and the run's own advice (`agent.output.advice.next_steps`) stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.output.advice import NextSteps
from agent.output.html import local_and_utc
from agent.support.transcript import cases_of, chats_of

__all__ = ["after_chat_steps", "case_headline"]

#: What the operator's messages asked (their ``why``), as the report says it.
_ASKED = {
    "order_number": "the order number",
    "screenshots": "screenshots of the error",
    "what_happened": "what happened",
    "when": "when the error was first seen",
    "attempts": "how many attempts were made",
    "error_text": "the error's exact text",
}


def _time(iso: object) -> str:
    try:
        return local_and_utc(datetime.fromisoformat(str(iso).replace("Z", "+00:00")), date=True)
    except ValueError:
        return str(iso or "an unknown time")


def case_headline(chat: Mapping[str, Any] | None) -> str | None:
    """``Support case CASE-… opened at …`` (the last case), or None when there is none."""
    cases = cases_of(chat)
    if not cases:
        return None
    last = cases[-1]
    return f"Support case {last['case_number']} opened at {_time(last['opened_at'])}."


def _asked(chat: Mapping[str, Any]) -> str | None:
    kinds = [
        str(m.get("why"))
        for m in chat.get("messages") or []
        if isinstance(m, Mapping) and m.get("sender") == "operator"
    ]
    asked = list(dict.fromkeys(_ASKED[k] for k in kinds if k in _ASKED))
    if not asked:
        return None
    return (
        f"What support asked: {', '.join(asked)}; the agent answered from this run folder "
        "(support-chat.md has every message)."
    )


def _case_said(chat: Mapping[str, Any], number: str) -> str | None:
    for message in chat.get("messages") or []:
        if isinstance(message, Mapping) and number in str(message.get("text") or ""):
            return str(message.get("text"))
    return None


def after_chat_steps(chat: Mapping[str, Any] | None, run_dir: Path) -> NextSteps | None:
    """The headline and what to do next after the run folder's support chats, or None."""
    chats = chats_of(chat)
    if chat is None or not chats:
        return None
    latest = chats[-1]
    headline = case_headline(chat)
    if headline is not None:
        number = str(cases_of(chat)[-1]["case_number"])
        with_case = next(c for c in reversed(chats) if c.get("case_number") == number)
        said = _case_said(with_case, number)
        asked = _asked(with_case)
        items = [
            *([asked] if asked else []),
            f'Support said: "{said}"' if said else f"Support gave the case number {number}.",
            f"What to do next: keep the case number {number} and quote it in every message to "
            "support about this order; wait for their answer (by e-mail or in the site's "
            "messages).",
            "The dispute itself is not open yet. Do not start another chat for this order: "
            "`retry-dispute support` refuses while this case is open (--again opens another).",
        ]
        if len(cases_of(chat)) > 1:
            others = ", ".join(c["case_number"] for c in cases_of(chat)[:-1])
            items.append(f"Earlier cases for this order: {others} (support-chat.md).")
        return NextSteps(headline=headline, items=tuple(items))
    end = latest.get("end")
    message = str(latest.get("message") or "")
    hint = str(latest.get("hint") or "").replace("RUN_DIR", str(run_dir))
    again = f"retry-dispute support {run_dir}"
    if end == "person":
        question = str(latest.get("question") or message)
        return NextSteps(
            headline=f'Support asked a question only you can answer: "{question}"',
            items=(
                "Answer it in the site's support chat, or run the support chat again in a "
                "terminal and type the answer when it is asked.",
                "support-chat.md has the whole conversation.",
            ),
            commands=(again,),
        )
    return NextSteps(
        headline=f"The support chat gave no case number: {message}.".replace("..", "."),
        items=(
            *([f"What to do: {hint}."] if hint else []),
            "support-chat.md has the whole conversation.",
        ),
        commands=(again,),
    )
