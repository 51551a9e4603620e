"""The run report: ``report.html`` for every run, and the support files when no dispute opened.

`write_report` reads a run folder's ``result.json`` and writes a self-contained ``report.html``
(screenshots embedded as ``data:`` URIs, inline CSS, no script, no external resource) with the
final status and what to do next, where and how the run was made (site, command line, retry
policy, version), the checks of the order page made before each resubmission (the guarantee that
nothing was sent twice), and the timeline of steps, attempts, checks and waits, identical busy
attempts grouped. Times are shown in local time with UTC beside them. When support can help
(`Outcome.support_ticket`) it also writes ``support-ticket.md`` and ``evidence.zip`` (see
`agent.output.ticket`). A missing or unreadable screenshot is logged and shown as missing; it
never stops the report.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.console import plural
from agent.durations import format_duration
from agent.log import get_logger
from agent.outcome import Outcome, Status, TimelineEntry
from agent.output import ticket as ticket_mod
from agent.output.advice import next_steps
from agent.output.batch_index import write_batch_index
from agent.output.chat_advice import after_chat_steps, case_headline
from agent.output.follow_report import follow_view
from agent.output.held_back import HELD_BACK_WHY, secret_screenshots
from agent.output.html import env, local_and_utc, write_text
from agent.output.run_folder import IMAGE_TYPES, run_dir_of, screenshot_file
from agent.support.transcript import CHAT_MD, read_chat

__all__ = ["group_entries", "render_report", "write_batch_index", "write_report"]

log = get_logger("agent.report")

_OUTCOME_LABELS = {
    "opened": "dispute opened",
    "busy": "site busy",
    "invalid": "refused by the site",
    "login_required": "logged out",
    "challenge": "verification challenge",
    "server_error": "server error",
    "timeout": "no answer in time",
    "unknown": "unknown answer",
    "error": "error",
    "interrupted": "interrupted: no answer read",
    "no_dispute": "no dispute yet: safe to resubmit",
    "dispute_found": "dispute found: nothing sent again",
    "unreadable": "the page could not tell",
}
_STEP_TITLES = {
    "login-page": "Login page",
    "login-required": "Login required",
    "order-not-found": "Order not found",
    "order-page": "Order page",
    "dispute-form": "Dispute form opened",
    "form-filled": "Form filled",
}
_WAIT_CAUSES = {
    "backoff": "backoff: the retry policy's growing wait, with jitter",
    "retry_after": "Retry-After: the site asked to wait this long",
}
#: Files of the run folder that are safe to share, in the order the report lists them.
_SHAREABLE = (
    "support-ticket.md",
    CHAT_MD,
    "evidence.zip",
    "result.json",
    "follow.json",
    "log.jsonl",
)


@dataclass(frozen=True, slots=True)
class _Shot:
    key: str
    path: str
    data_uri: str
    alt: str


@dataclass(frozen=True, slots=True)
class _Entry:
    item: TimelineEntry
    title: str
    time: str
    time_full: str
    outcome_label: str | None
    wait_text: str | None
    shot: _Shot | None
    missing: str | None
    #: A screenshot never embedded: its page showed a secret (`agent.output.held_back`).
    held: str | None = None


@dataclass(frozen=True, slots=True)
class _Group:
    """Identical busy attempts in a row, with the waits and checks between them."""

    summary: str
    entries: list[_Entry] = field(default_factory=list)
    is_group: bool = True


def _time_texts(item: TimelineEntry) -> tuple[str, str]:
    when = item.when
    if when is None:
        return item.at or "-", item.at or "time unknown"
    return local_and_utc(when), when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _title(item: TimelineEntry) -> str:
    if item.kind == "attempt":
        return f"Attempt {item.attempt}" if item.attempt is not None else item.name.capitalize()
    if item.kind == "wait":
        return "Wait" + (f" before attempt {item.attempt + 1}" if item.attempt is not None else "")
    if item.kind == "check":
        after = f" after attempt {item.attempt}" if item.attempt else ""
        return f"Order page checked{after}"
    if item.name.startswith("stopped-"):
        status = item.name.removeprefix("stopped-")
        return f"Stopped: {Status.parse(status).label.lower()}"
    return _STEP_TITLES.get(item.name, item.name.replace("-", " ").replace("_", " ").capitalize())


def _data_uri(path: Path) -> str:
    mime = IMAGE_TYPES[path.suffix.lower()][0]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


class _Shots:
    """Each screenshot embedded once; later references and missing files are noted."""

    def __init__(self, result: Outcome) -> None:
        self.result = result
        self.used: set[str] = set()
        self.missing: list[str] = []
        self.held = frozenset(secret_screenshots(result))

    def take(self, relative: str, alt: str) -> tuple[_Shot | None, str | None]:
        if relative in self.used or relative in self.held:
            return None, None
        self.used.add(relative)
        path = screenshot_file(run_dir_of(self.result), relative)
        try:
            data_uri = _data_uri(path) if path is not None else None
        except OSError:
            data_uri = None
        if data_uri is None:
            log.warning(
                "agent.report_screenshot_missing",
                screenshot=relative,
                run_dir=str(run_dir_of(self.result)),
            )
            self.missing.append(relative)
            return None, relative
        return _Shot(key=f"shot-{len(self.used)}", path=relative, data_uri=data_uri, alt=alt), None


def _entries(result: Outcome, shots: _Shots) -> list[_Entry]:
    entries = []
    for item in result.timeline:
        title = _title(item)
        time_short, time_full = _time_texts(item)
        outcome = _OUTCOME_LABELS.get(item.outcome, item.outcome) if item.outcome else None
        shot, missing = (
            shots.take(item.screenshot, f"{title}, {time_short}")
            if item.screenshot
            else (None, None)
        )
        wait_text = None
        if item.kind == "wait":
            cause = _WAIT_CAUSES.get(item.wait_cause or "", item.wait_cause or "cause not recorded")
            wait_text = f"waited {item.wait_s or 0:.1f} s before the next attempt ({cause})"
        elif item.kind == "check":
            wait_text = _check_text(item)
        entries.append(
            _Entry(
                item=item,
                title=title,
                time=time_short,
                time_full=time_full,
                outcome_label=outcome,
                wait_text=wait_text,
                shot=shot,
                missing=missing,
                held=item.screenshot if item.screenshot in shots.held else None,
            )
        )
    return entries


def _check_text(item: TimelineEntry) -> str:
    """What one check of the order page found, for its purpose."""
    reads = f" (read {item.reads} times)" if item.reads and item.reads > 1 else ""
    if item.outcome == "unreadable":
        return f"the order page could not tell ({item.detail or 'no reason recorded'}){reads}"
    found = item.outcome == "dispute_found"
    shown = f"the order page shows dispute {item.detail}" if found else ""
    if item.purpose == "confirm":
        if found:
            return f"{shown}, as the site's answer said"
        return "the order page does not show the dispute yet (a site may take a while to show it)"
    if item.purpose == "start_up":
        if found:
            return f"{shown.replace('the order page', 'the dispute page')} before anything was sent"
        return "no dispute on the page that lists the order's dispute, before anything was sent"
    if item.purpose == "earlier_run":
        if found:
            return f"{shown}: an earlier run's submission opened it, so nothing was sent{reads}"
        return f"no dispute on the order page: an earlier run's submission opened none{reads}"
    if found:
        return f"{shown}: the last attempt opened it, so nothing was sent again{reads}"
    return (
        "no dispute on the order page: the last attempt did not open one, safe to resubmit" + reads
    )


def _same_busy(a: TimelineEntry, b: TimelineEntry) -> bool:
    return (a.outcome, a.detail, a.status_code) == (b.outcome, b.detail, b.status_code)


def group_entries(entries: Sequence[_Entry]) -> list[_Entry | _Group]:
    """Runs of two or more identical busy attempts (same text and HTTP status), with the waits
    and checks between them, become one group; everything else stays as it is."""
    out: list[_Entry | _Group] = []
    i = 0
    while i < len(entries):
        first = entries[i].item
        if not (first.kind == "attempt" and first.outcome == "busy"):
            out.append(entries[i])
            i += 1
            continue
        end, j = i, i + 1  # end: the last identical attempt of the run
        while j < len(entries) and entries[j].item.kind in ("wait", "check"):
            j += 1
            if j < len(entries) and entries[j].item.kind == "attempt":
                if not _same_busy(first, entries[j].item):
                    break
                end = j
                j += 1
        members = list(entries[i : end + 1])
        attempts = [e for e in members if e.item.kind == "attempt"]
        if len(attempts) < 2:
            out.append(entries[i])
            i += 1
            continue
        out.append(_Group(summary=_group_summary(members), entries=members))
        i = end + 1
    return out


def _group_summary(members: Sequence[_Entry]) -> str:
    attempts = [e.item for e in members if e.item.kind == "attempt"]
    waits = [e.item.wait_s or 0.0 for e in members if e.item.kind == "wait"]
    checks = [e.item for e in members if e.item.kind == "check"]
    first = attempts[0]
    code = f", HTTP {first.status_code}" if first.status_code is not None else ""
    text = f"Attempts {attempts[0].attempt} to {attempts[-1].attempt}: site busy{code}, the same "
    text += f"answer {len(attempts)} times"
    if waits:
        text += f"; waited {min(waits):.1f} to {max(waits):.1f} s between them"
    if checks and all(c.outcome == "no_dispute" for c in checks):
        text += "; the order page showed no dispute before each resubmission"
    return text


def _policy_text(policy: Mapping[str, Any]) -> str | None:
    try:
        attempts = int(policy["max_attempts"])
        deadline = format_duration(float(policy["deadline_s"]))
        first = format_duration(float(policy["initial_wait_s"]))
        longest = format_duration(float(policy["max_wait_s"]))
        multiplier = float(policy.get("multiplier", 1.5))
        floor = float(policy.get("jitter_floor", 0.5))
    except (KeyError, TypeError, ValueError):
        return None
    jitter = "no jitter" if floor >= 1 else f"each wait drawn between {floor:g} and 1 times it"
    return (
        f"up to {plural(attempts, 'attempt')} within {deadline}; waits from {first}, "
        f"x{multiplier:g} each time, up to {longest} ({jitter}); a site's Retry-After is honoured"
    )


def _about(result: Outcome) -> dict[str, str]:
    """Where and how the run was made, as the report lists it."""
    context = result.context
    about: dict[str, str] = {}
    if context.get("site"):
        about["Site"] = str(context["site"])
    command = context.get("command")
    if isinstance(command, list) and command:
        about["Command"] = shlex.join(str(c) for c in command)
    policy = context.get("policy")
    if isinstance(policy, dict) and (text := _policy_text(policy)):
        about["Retry policy"] = text
    if context.get("session"):
        about["Session"] = str(context["session"])
    if context.get("profile"):
        about["Site profile"] = str(context["profile"])
    if context.get("version"):
        about["Tool version"] = f"retry-dispute {context['version']}"
    return about


def _safety(result: Outcome) -> str | None:
    """The checks made before each resubmission, in one sentence (None: nothing was resent)."""
    checks = [
        i for i in result.timeline if i.kind == "check" and i.purpose in (None, "before_resend")
    ]
    if not checks:
        return None
    found = next((c for c in checks if c.outcome == "dispute_found"), None)
    clear = sum(c.outcome == "no_dispute" for c in checks)
    text = (
        f"Before each resubmission the order page was read again ({len(checks)} "
        f"check{'' if len(checks) == 1 else 's'}), so a dispute is never sent twice"
    )
    if found is not None:
        return (
            f"{text}: the check after attempt {found.attempt} found dispute {found.detail}, "
            "and nothing was sent again."
        )
    return f"{text}: {clear} showed no dispute, so each resubmission was safe."


def render_report(result: Outcome) -> str:
    """The report's HTML for a run (pure: reads only the run folder's screenshots)."""
    shots = _Shots(result)
    entries = _entries(result, shots)
    extra = [shots.take(s, f"Screenshot {s}") for s in result.screenshots]
    others = [shot for shot, _ in extra if shot is not None]
    started = next((i.when for i in result.timeline if i.when is not None), None)
    request = {k: v for k, v in result.request.items() if v not in (None, "", [])}
    evidence = request.pop("evidence", None)
    folder = run_dir_of(result)
    chat = read_chat(folder)
    return env.get_template("report.html.j2").render(
        r=result,
        status_label=result.status.label,
        # after a support chat its end is the story's: the case first, then what to do
        case=case_headline(chat),
        started=local_and_utc(started, date=True) if started else None,
        steps=after_chat_steps(chat, folder) or next_steps(result),
        held_why=HELD_BACK_WHY,
        items=group_entries(entries),
        others=others,
        missing=shots.missing,
        request=request,
        evidence=evidence if isinstance(evidence, list) else [],
        files=[name for name in _SHAREABLE if (folder / name).is_file()],
        trace=(folder / "trace.zip").is_file(),
        about=_about(result),
        safety=_safety(result),
        chat=chat,
        follow=follow_view(folder),
        generated=local_and_utc(datetime.now(UTC), date=True),
    )


def _write_ticket(result: Outcome) -> Path:
    return ticket_mod.write_ticket(result)


def _write_zip(result: Outcome) -> Path:
    return ticket_mod.write_evidence_zip(result)


def _write_html(result: Outcome) -> Path:
    return write_text(run_dir_of(result) / "report.html", render_report(result))


def write_report(run_dir: Path, outcome: Outcome | None = None) -> list[Path]:
    """Write report.html, plus support-ticket.md and evidence.zip when support can help.

    No ticket when the dispute is open, when a person only has to log in or solve a check
    (support cannot do that for them), when another run has the order, when the run was
    interrupted (it did not finish), or when the profile did not fit the page (our own
    configuration: `retry-dispute check` helps, the marketplace's support cannot). The report
    is of *outcome* when given (a run that could not write its result.json still gets a true
    report), else of the folder's result.json. Never raises: a file that cannot be written is
    logged (and recorded, in a run: `agent.files`), and the others are still written.
    """
    result = Outcome.read(run_dir) if outcome is None else replace(outcome, run_dir=run_dir)
    written: list[Path] = []
    jobs: list[Callable[[Outcome], Path]] = [_write_html]
    if result.support_ticket:
        jobs = [_write_ticket, _write_zip, _write_html]  # the report links the first two
    for job in jobs:
        try:
            written.append(job(result))
        except OSError as exc:  # a full disk, a folder gone: said once, no traceback
            log.warning(
                "agent.report_not_written",
                step=job.__name__.removeprefix("_write_"),
                run_dir=str(run_dir),
                error=str(exc)[:200],
            )
        except Exception as exc:  # a report that fails must never hide the run's outcome
            log.exception(
                "agent.report_failed",
                step=job.__name__.removeprefix("_write_"),
                run_dir=str(run_dir),
                error=f"{type(exc).__name__}: {str(exc)[:200]}",
            )
    log.info("agent.report_written", run_dir=str(run_dir), files=[p.name for p in written])
    return written
