"""The support ticket and the evidence archive, for a run whose dispute did not open.

``support-ticket.md`` holds short, plain English messages to paste into the marketplace's support
chat one at a time (the chat is in English only and closes after about three minutes of silence),
then the files to attach. ``evidence.zip`` holds those files: the screenshots and ``result.json``.
It never holds ``trace.zip``: a Playwright trace records the session's cookies and what was typed
into the login form, and the archive is meant to be sent to strangers. ``log.jsonl`` is redacted
like ``result.json`` and may be shared (the report lists it), but support does not need it, so
the archive leaves it out.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from agent.files import write_private_bytes, write_private_text
from agent.outcome import RESULT_FILE, Outcome, Status, TimelineEntry
from agent.output.advice import ineligible_advice, plain_reason
from agent.output.held_back import HELD_BACK_WHY, secret_screenshots
from agent.output.run_folder import (
    all_screenshots,
    attempt_entries,
    present_screenshots,
    run_dir_of,
    screenshot_file,
)
from agent.request.text import coded_controls

__all__ = [
    "EVIDENCE_ZIP",
    "MAX_MESSAGE_CHARS",
    "TICKET_FILE",
    "TRACE_WARNING",
    "SupportTicket",
    "build_ticket",
    "evidence_files",
    "plain",
    "render_ticket",
    "write_evidence_zip",
    "write_ticket",
]

#: Characters that mean something in Markdown (or HTML inside it) wherever they stand.
_MARKUP = re.compile(r"([\\`*_\[\]<>&~|])")

TICKET_FILE = "support-ticket.md"
EVIDENCE_ZIP = "evidence.zip"
#: What never to send, said the same way in the ticket and the report.
TRACE_WARNING = "Never send trace.zip: it holds your session's cookies and what was typed."
#: A message longer than this is hard to read in a chat; only an exact quote of the site may be.
MAX_MESSAGE_CHARS = 280


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportTicket:
    """What to tell the marketplace's support, message by message, and what to attach."""

    order_id: str
    status: str
    messages: tuple[str, ...]
    attachments: tuple[str, ...]
    #: Screenshots in the run folder never to send (`agent.output.held_back`).
    held_back: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()
    dispute_message: str | None = None


def plain(text: str) -> str:
    """*text* as plain text inside Markdown: markup characters escaped, control characters
    shown as ``U+001B``, so a site's words are quoted as words, never rendered as markup."""
    shown = _MARKUP.sub(r"\\\1", coded_controls(text))
    return "\\" + shown if shown.startswith(("#", "+", "-", "=")) else shown


def _utc(when: datetime, *, date: bool = True) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC" if date else "%H:%M:%S UTC")


def _when(items: Sequence[TimelineEntry]) -> tuple[datetime, datetime] | None:
    times = [i.when for i in items if i.when is not None]
    return (times[0], times[-1]) if times else None


def _attempts_sentence(result: Outcome) -> str:
    attempts = attempt_entries(result)
    span = _when(attempts) or _when(result.timeline)
    n = result.attempts or len(attempts)
    if span is None:
        at, between = "", ""
    else:
        first, last = span
        same_day = first.date() == last.date()
        at = f", at {_utc(first)}"
        between = f", between {_utc(first)} and {_utc(last, date=not same_day)}"
    if n == 0:
        tried = f"I tried{at[1:] or ' today'}."
        return f"I made 0 attempts: the site did not let me send the dispute form. {tried}"
    if n == 1 or span is None or span[0] == span[1]:
        return f"I made {n} attempt{'s' if n != 1 else ''}{at}."
    return f"I made {n} attempts{between}."


def _quotes(result: Outcome) -> list[str]:
    """The site's texts, exactly, each with the attempts that showed it."""
    seen: dict[str, list[int]] = {}
    for item in attempt_entries(result):
        if item.detail:
            seen.setdefault(item.detail, []).append(item.attempt or item.n)
    if not seen and result.last_answer:
        seen[result.last_answer] = []
    total = len(attempt_entries(result))
    messages = []
    for text, numbers in seen.items():
        exact = " ".join(
            text.split()
        )  # a chat message is one line; the screenshots show the layout
        if total > 1 and len(numbers) == total:
            messages.append(f'Each time, the site said: "{exact}"')
        elif numbers and total > 1:
            listed = ", ".join(str(n) for n in numbers[:-1]) + (" and " if len(numbers) > 1 else "")
            noun = "attempts" if len(numbers) > 1 else "attempt"
            messages.append(f'On {noun} {listed}{numbers[-1]}, the site said: "{exact}"')
        else:
            messages.append(f'The site said: "{exact}"')
    return messages


def _request_sentence(result: Outcome) -> str | None:
    req = result.request
    reason = str(req.get("reason") or "").replace("_", " ").strip()
    if not reason:
        return None
    got = "I did not receive the item" if req.get("received") == "no" else "I received the item"
    if req.get("solution") == "return":
        want = "I want to return it for a refund."
    elif req.get("refund") == "partial" and req.get("amount"):
        want = f"I ask for a partial refund of {req.get('amount')}."
    else:
        want = "I ask for a full refund."
    return f"My problem: {got} (reason: {reason}). {want}"


def _site_text_of_steps(result: Outcome) -> str | None:
    details = [i.detail for i in result.timeline if i.kind == "step" and i.detail]
    return " ".join(details[-1].split()) if details else None


def build_ticket(result: Outcome) -> SupportTicket:
    """The support ticket of a run whose dispute did not open."""
    order = result.order_id
    messages = [f"Hello. I cannot open a dispute for order {order}.", _attempts_sentence(result)]
    status, quotes = result.status, _quotes(result)
    possible: tuple[str, ...] = ()
    if status is Status.INELIGIBLE:
        site_text = _site_text_of_steps(result)
        messages.append(
            f'The order page says: "{site_text}"'
            if site_text
            else "The site says that no dispute can be opened for this order."
        )
        messages.append(f"The reason it gives: {plain_reason(result)}")
        possible = ineligible_advice(result.reason_code)
    elif status is Status.NEEDS_HUMAN:
        what = result.message.lower()
        messages.append(
            "The site shows a verification check, and I cannot get past it."
            if "challenge" in what
            else "The site logged me out while I was opening the dispute."
            if "expired" in what
            else "The site asks me to log in again, before I can open the dispute."
        )
    elif status is Status.INVALID and not quotes:
        why = " ".join(result.message.split())
        messages.append(
            f"The site did not accept my request: {why}"
            if 0 < len(why) <= 200
            else "The site did not accept my request."
        )
    elif status is Status.ERROR and not quotes:
        messages.append("The dispute page did not work as expected.")
    messages.extend(quotes)
    request = _request_sentence(result)
    if request:
        messages.append(request)
    held = secret_screenshots(result)
    shots = [s for s in present_screenshots(result) if s not in held]
    if shots:
        messages.append("I have screenshots of each step and of the error. I will attach them now.")
    messages.append(
        {
            Status.GAVE_UP: "Can you open the dispute for me, or tell me when the site will work "
            "again?",
            Status.INVALID: "What must I change in my dispute, so the site accepts it?",
            Status.INELIGIBLE: "Can I still open a dispute or get a refund for this order?",
        }.get(status, "Can you help me open the dispute for this order?")
    )
    messages.append("Thank you.")
    attachments = (*(PurePosixPath(s).name for s in shots), EVIDENCE_ZIP) if shots else ()
    dispute_message = str(result.request.get("message") or "").strip() or None
    return SupportTicket(
        order_id=order,
        status=status,
        messages=tuple(messages),
        attachments=attachments,
        held_back=tuple(PurePosixPath(s).name for s in held),
        possible=possible,
        dispute_message=dispute_message,
    )


def render_ticket(ticket: SupportTicket, *, run_name: str = "") -> str:
    """The ticket as Markdown: how to use it, the messages, the files, what is still possible."""
    lines = [
        f"# Support ticket: order {ticket.order_id}",
        "",
        f"Status of the run: {ticket.status}" + (f" (run folder {run_name})." if run_name else "."),
        "",
        "## How to use it",
        "",
        "- The support chat is in English only. Have this file open before you start the chat.",
        "- Paste one message, send it, then paste the next one.",
        "- The chat closes after about three minutes of silence: do not wait between messages.",
        "- When the operator asks for screenshots, attach the files below.",
        "",
        "## Messages",
        "",
        *(f"{i}. {plain(message)}" for i, message in enumerate(ticket.messages, 1)),
        "",
        "## Files to attach",
        "",
    ]
    if ticket.attachments:
        *shots, archive = ticket.attachments
        lines.append(f"- `{archive}`: all the screenshots below (and result.json) in one file.")
        lines.extend(f"- `{name}`" for name in shots)
    else:
        lines.append("- No screenshot was taken in this run.")
    if ticket.held_back:
        names = ", ".join(f"`{name}`" for name in ticket.held_back)
        lines.append(f"- Not to send: {names}: {HELD_BACK_WHY}.")
    lines += ["", TRACE_WARNING, ""]
    if ticket.possible:
        lines += [
            "## What is still possible",
            "",
            *(f"- {plain(text)}" for text in ticket.possible),
            "",
        ]
    if ticket.dispute_message:
        lines += [
            "## If the operator asks for your dispute message",
            "",
            *(f"> {plain(line)}".rstrip() for line in ticket.dispute_message.splitlines()),
            "",
        ]
    return "\n".join(lines)


def evidence_files(result: Outcome) -> tuple[tuple[Path, str], ...]:
    """The files for ``evidence.zip`` and their names inside it: screenshots, then result.json."""
    files: list[tuple[Path, str]] = []
    held = set(secret_screenshots(result))
    for relative in all_screenshots(result):
        if relative in held:  # its page showed a secret the text hid (agent.output.held_back)
            continue
        path = screenshot_file(run_dir_of(result), relative)
        if path is not None:
            files.append((path, path.relative_to(run_dir_of(result)).as_posix()))
    if (run_dir_of(result) / RESULT_FILE).is_file():
        files.append((run_dir_of(result) / "result.json", RESULT_FILE))
    return tuple(files)


def write_ticket(result: Outcome) -> Path:
    """Write ``support-ticket.md`` into the run folder (0600, redacted)."""
    target = run_dir_of(result) / TICKET_FILE
    write_private_text(
        target, render_ticket(build_ticket(result), run_name=run_dir_of(result).name)
    )
    return target


def write_evidence_zip(result: Outcome) -> Path:
    """Write ``evidence.zip`` into the run folder: the screenshots and result.json, nothing else.

    result.json goes in as written (its texts were redacted); the archive is 0600.
    """
    target = run_dir_of(result) / EVIDENCE_ZIP
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in evidence_files(result):
            archive.write(path, name)
    write_private_bytes(target, buffer.getvalue())
    return target
