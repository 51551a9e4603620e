"""The chat's record: ``support-chat.json`` (for programs and the report) and ``support-chat.md``.

Every message with its time, who sent it and what it carried; the queue, notes (a refusal, the
offline notice) and the chat's screenshots; how it ended. Every text is passed through the log's
redaction before it is written: a transcript never holds a cookie, a token or a password.
`read_chat` reads the JSON back (leniently: None when absent or damaged).

A run folder keeps every chat held for it: the JSON's top level is the latest chat (as it always
was), ``earlier`` holds the ones before it (oldest first) and ``cases`` every case number support
gave, with the time it was given (`open_case` the last one); the Markdown shows them all, in
order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.files import write_private_text
from agent.support.port import Sender
from agent.support.preflight import mask_secrets

__all__ = [
    "CHAT_JSON",
    "CHAT_MD",
    "Attachment",
    "Entry",
    "Transcript",
    "cases_of",
    "chats_of",
    "open_case",
    "read_chat",
]

CHAT_JSON = "support-chat.json"
CHAT_MD = "support-chat.md"


@dataclass(frozen=True, slots=True)
class Attachment:
    """An image sent with a message: its name in the chat, type, size and source in the run."""

    name: str
    type: str
    size: int
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One message of the conversation."""

    n: int
    sender: Sender
    text: str
    at: str
    t: float
    #: Why the agent sent it (``order_number``, ``holding``, ``person``, ...); for the operator's
    #: messages, what it asks (an ask kind, ``question`` for a person) or ``case``.
    why: str | None = None
    attachments: tuple[Attachment, ...] = ()


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class Transcript:
    """The conversation as it happens; ``clock`` is monotonic seconds, ``wall`` the UTC time."""

    clock: Callable[[], float]
    wall: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    started: float = 0.0
    started_at: datetime | None = None
    entries: list[Entry] = field(default_factory=list)
    queue: list[dict[str, object]] = field(default_factory=list)
    notes: list[dict[str, object]] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    #: The run's screenshots never attached, and why (their page held a secret).
    held_back: list[dict[str, str]] = field(default_factory=list)
    #: When the chat gave its case number (ISO, UTC), once it did.
    case_at: str | None = None
    #: The chats held for this run folder before this one (`read_chat`'s record), kept.
    before: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.started_at = self.wall()

    def _now(self) -> tuple[str, float]:
        return _iso(self.wall()), round(self.clock() - self.started, 3)

    def message(
        self,
        sender: Sender,
        text: str,
        *,
        why: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Entry:
        """Record a message as it appeared in the chat."""
        at, t = self._now()
        entry = Entry(
            n=len(self.entries),
            sender=sender,
            text=mask_secrets(text),
            at=at,
            t=t,
            why=why,
            attachments=attachments,
        )
        self.entries.append(entry)
        return entry

    def case_given(self) -> None:
        """Record that the chat gave its case number now (the first time only)."""
        if self.case_at is None:
            self.case_at = self._now()[0]

    def hold_back(self, screenshot: str, why: str) -> str:
        """Record a screenshot never attached, and why; the note, as said."""
        self.held_back.append({"screenshot": screenshot, "why": why})
        text = f"Screenshot {screenshot} is not attached: {why}."
        self.note(text)
        return text

    def queued(self, position: int | None) -> None:
        """Record the queue position shown now."""
        at, t = self._now()
        self.queue.append({"at": at, "t": t, "position": position})

    def note(self, text: str) -> None:
        """Record something that is no message (a refusal, the offline notice, a drop)."""
        at, t = self._now()
        self.notes.append({"at": at, "t": t, "text": mask_secrets(text)})

    def to_json(self, result: Mapping[str, object]) -> dict[str, object]:
        """The contents of ``support-chat.json``: ``result`` (how it ended) and the record."""
        ended_at, t = self._now()
        return {
            **{k: mask_secrets(v) if isinstance(v, str) else v for k, v in result.items()},
            "started_at": _iso(self.started_at) if self.started_at else None,
            "ended_at": ended_at,
            "elapsed_s": t,
            "queue": self.queue,
            "messages": [asdict(entry) for entry in self.entries],
            "notes": self.notes,
            "screenshots": self.screenshots,
            "held_back": self.held_back,
            "case_at": self.case_at if result.get("case_number") else None,
        }

    def write(self, run_dir: Path, result: Mapping[str, object]) -> list[Path]:
        """Write ``support-chat.json`` and ``support-chat.md`` into the run folder, the chats
        held before this one kept (`Transcript.before`)."""
        data = _kept(self.before, self.to_json(result))
        paths = []
        for name, text in (
            (CHAT_JSON, json.dumps(data, indent=2, ensure_ascii=False) + "\n"),
            (CHAT_MD, render_markdown(data)),
        ):
            target = run_dir / name
            write_private_text(target, text)  # 0600, atomic, redacted, like every run file
            paths.append(target)
        return paths


def _alone(chat: Mapping[str, Any]) -> dict[str, Any]:
    """One chat's own record: without the folder's history."""
    return {k: v for k, v in chat.items() if k not in ("earlier", "cases")}


def chats_of(data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every chat of a folder's record, oldest first (the latest is the record itself)."""
    if not data:
        return []
    earlier = [c for c in data.get("earlier") or [] if isinstance(c, Mapping)]
    return [*(_alone(c) for c in earlier), _alone(data)]


def cases_of(data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every case number support gave for this run, oldest first: number, time, order."""
    cases = []
    for chat in chats_of(data):
        number = chat.get("case_number")
        if number:
            cases.append(
                {
                    "case_number": str(number),
                    "opened_at": chat.get("case_at") or chat.get("ended_at"),
                    "order_id": chat.get("order_id"),
                }
            )
    return cases


def open_case(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The last case support opened for this run, or None."""
    cases = cases_of(data)
    return cases[-1] if cases else None


def _kept(before: Mapping[str, Any] | None, latest: dict[str, Any]) -> dict[str, Any]:
    """The folder's record: the latest chat, the earlier ones and every case, in order."""
    earlier = chats_of(before)
    record = {**latest, "earlier": earlier}
    record["cases"] = cases_of(record)
    return record


def _clock_time(iso: object) -> str:
    text = str(iso or "")
    return f"{text[11:19]} UTC" if len(text) >= 19 else text


def render_markdown(data: Mapping[str, Any]) -> str:
    """``support-chat.md``: every chat of the run folder, oldest first, each with how it ended
    and its messages with their times; the case numbers first when there are several chats."""
    chats = chats_of(data)
    if len(chats) <= 1:
        return "\n".join(_chat_lines(data, heading="#")) + "\n"
    lines = [f"# Support chats: order {data.get('order_id', '')}", ""]
    cases = cases_of(data)
    if cases:
        lines += ["Support cases, oldest first:", ""]
        lines += [f"- **{c['case_number']}**, opened {_when(c['opened_at'])}" for c in cases]
        lines.append("")
    for n, chat in enumerate(chats, 1):
        lines += _chat_lines(chat, heading="##", title=f"Chat {n} of {len(chats)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _when(iso: object) -> str:
    return f"{str(iso or '')[:19].replace('T', ' ')} UTC"


def _chat_lines(data: Mapping[str, Any], *, heading: str, title: str | None = None) -> list[str]:
    """One chat: how it ended, the queue, each message, notes, screenshots."""
    case = data.get("case_number")
    sub = heading + "#"
    lines = [
        f"{heading} {title or 'Support chat'}: order {data.get('order_id', '')}",
        "",
        f"Started {str(data.get('started_at') or '')[:19].replace('T', ' ')} UTC, "
        f"ended {str(data.get('ended_at') or '')[:19].replace('T', ' ')} UTC "
        f"({float(data.get('elapsed_s') or 0):.0f} s). Site: {data.get('site', '')}.",
        "",
        f"**{data.get('message', '')}**" + (f" Case number: **{case}**." if case else ""),
        f"Exit code {data.get('exit_code')}.",
        "",
    ]
    queue = data.get("queue") or []
    if queue:
        positions = [str(q.get("position")) for q in queue if q.get("position") is not None]
        shown = " → ".join(dict.fromkeys(positions))
        lines += [
            f"Waited in the queue {float(queue[-1].get('t') or 0):.0f} s"
            + (f" (positions {shown})." if shown else "."),
            "",
        ]
    lines += [f"{sub} Messages", ""]
    for entry in data.get("messages") or []:
        operator = entry.get("sender") == "operator"
        who = "Support" if operator else "You"
        why = entry.get("why")
        if operator:
            tag = f" _(asks: {why})_" if why and why not in ("none", "case") else ""
        else:
            tag = f" _({why})_" if why and why not in ("person",) else ""
        text = str(entry.get("text") or "").replace("\n", " ")
        lines.append(f"- `{_clock_time(entry.get('at'))}` **{who}**: {text}{tag}")
        for item in entry.get("attachments") or []:
            lines.append(
                f"  - attached `{item.get('name')}` ({item.get('type')}, "
                f"{item.get('size')} bytes; from `{item.get('source')}`)"
            )
    if not data.get("messages"):
        lines.append("- (no message)")
    notes = data.get("notes") or []
    if notes:
        lines += ["", f"{sub} Notes", ""]
        lines += [f"- `{_clock_time(n.get('at'))}` {n.get('text')}" for n in notes]
    shots = data.get("screenshots") or []
    if shots:
        lines += ["", f"{sub} Screenshots of the chat", ""]
        lines += [f"- `{shot}`" for shot in shots]
    return lines


def read_chat(run_dir: Path) -> dict[str, Any] | None:
    """``support-chat.json`` of a run folder, or None when there is none or it cannot be read."""
    try:
        data = json.loads((run_dir / CHAT_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
