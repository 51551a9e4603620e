"""The run report: ``report.html`` for every run, and the support files when no dispute opened.

`write_report` reads a run folder's ``result.json`` and writes a self-contained ``report.html``
(screenshots embedded as ``data:`` URIs, inline CSS, no script, no external URL) with the timeline
of steps, attempts and waits, the final status and what to do next. When the dispute did not open
it also writes ``support-ticket.md`` and ``evidence.zip`` (see `agent.ticket`). A missing or
unreadable screenshot is logged and shown as missing; it never stops the report.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

import jinja2

from agent import ticket as ticket_mod
from agent.log import get_logger

__all__ = [
    "OK_STATUSES",
    "STATUSES",
    "NextSteps",
    "RunResult",
    "TimelineItem",
    "load_result",
    "next_steps",
    "render_report",
    "write_batch_index",
    "write_report",
]

log = get_logger("agent.report")

#: Every final status, in the order a batch summary lists them.
STATUSES = ("opened", "already_open", "invalid", "ineligible", "gave_up", "needs_human", "error")
#: Statuses after which no support ticket is needed.
OK_STATUSES = frozenset({"opened", "already_open"})

_STATUS_LABELS = {
    "opened": "Dispute opened",
    "already_open": "Dispute already open",
    "invalid": "Request refused",
    "ineligible": "Order not eligible",
    "gave_up": "Gave up: the site stayed busy",
    "needs_human": "A person is needed",
    "error": "Unexpected error",
}
_OUTCOME_LABELS = {
    "opened": "dispute opened",
    "busy": "site busy",
    "invalid": "refused by the site",
    "ineligible": "not eligible",
    "login_required": "logged out",
    "challenge": "verification challenge",
    "server_error": "server error",
    "timeout": "no answer in time",
    "unknown": "unknown answer",
    "error": "error",
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
_IMAGE_TYPES = {
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("agent", "templates"),
    autoescape=True,  # every text may come from the site or the user: escape all of it
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineItem:
    """One step, attempt or wait of a run, as ``result.json`` records it."""

    n: int
    kind: str
    name: str
    at: str = ""
    t: float = 0.0
    outcome: str | None = None
    attempt: int | None = None
    screenshot: str | None = None
    detail: str | None = None
    status_code: int | None = None
    wait_s: float | None = None
    wait_cause: str | None = None

    @property
    def when(self) -> datetime | None:
        """The entry's time as an aware UTC datetime, or None when it cannot be read."""
        return _parse_time(self.at)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """A run folder's ``result.json``, read leniently, with paths checked against the folder."""

    run_dir: Path
    status: str
    order_id: str
    dispute_id: str | None = None
    attempts: int = 0
    elapsed_s: float = 0.0
    message: str = ""
    exit_code: int | None = None
    reason_code: str | None = None
    last_answer: str | None = None
    screenshots: tuple[str, ...] = ()
    normalisations: tuple[str, ...] = ()
    request: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    timeline: tuple[TimelineItem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a dispute exists for the order (opened now or before)."""
        return self.status in OK_STATUSES

    @property
    def attempt_items(self) -> tuple[TimelineItem, ...]:
        """The timeline's attempts, in order."""
        return tuple(item for item in self.timeline if item.kind == "attempt")

    def all_screenshots(self) -> tuple[str, ...]:
        """Every screenshot the run names (result list first, then the timeline's), once each."""
        names = [*self.screenshots, *(i.screenshot for i in self.timeline if i.screenshot)]
        return tuple(dict.fromkeys(names))

    def screenshot_file(self, relative: str) -> Path | None:
        """The screenshot's file when it exists inside the run folder and is a real image."""
        path = _inside(self.run_dir, relative)
        if path is None or path.suffix.lower() not in _IMAGE_TYPES:
            return None
        try:
            with path.open("rb") as fh:
                head = fh.read(8)
        except OSError:
            return None
        return path if head.startswith(_IMAGE_TYPES[path.suffix.lower()][1]) else None

    def present_screenshots(self) -> tuple[str, ...]:
        """The screenshots that exist and can be shown, in run order."""
        return tuple(s for s in self.all_screenshots() if self.screenshot_file(s) is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class NextSteps:
    """What a person does next after a status: a headline, plain sentences, commands."""

    headline: str
    items: tuple[str, ...]
    commands: tuple[str, ...] = ()


def _inside(run_dir: Path, relative: str) -> Path | None:
    """``run_dir / relative`` when it is a file inside the run folder, else None."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if not relative or pure.is_absolute() or ".." in pure.parts:
        return None
    path = run_dir / Path(*pure.parts)
    try:
        if not path.resolve().is_relative_to(run_dir.resolve()) or not path.is_file():
            return None
    except OSError:
        return None
    return path


def _parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _opt_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _item(raw: Mapping[str, Any], index: int) -> TimelineItem:
    return TimelineItem(
        n=_opt_int(raw.get("n")) or index,
        kind=str(raw.get("kind", "step")),
        name=str(raw.get("name", "")),
        at=str(raw.get("at", "")),
        t=_opt_float(raw.get("t")) or 0.0,
        outcome=_opt_str(raw.get("outcome")),
        attempt=_opt_int(raw.get("attempt")),
        screenshot=_opt_str(raw.get("screenshot")),
        detail=_opt_str(raw.get("detail")),
        status_code=_opt_int(raw.get("status_code")),
        wait_s=_opt_float(raw.get("wait_s")),
        wait_cause=_opt_str(raw.get("wait_cause")),
    )


def load_result(run_dir: Path) -> RunResult:
    """Read ``run_dir/result.json``; an unreadable file gives an ``error`` result saying so."""
    try:
        data = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("result.json does not hold an object")
    except (OSError, ValueError) as exc:
        log.warning("agent.report_result_unreadable", run_dir=str(run_dir), error=str(exc)[:200])
        return RunResult(
            run_dir=run_dir,
            status="error",
            order_id=_order_from_folder(run_dir),
            message=f"result.json could not be read: {str(exc)[:200]}",
        )
    timeline = data.get("timeline") or []
    request = data.get("request") or {}
    return RunResult(
        run_dir=run_dir,
        status=str(data.get("status") or "error"),
        order_id=str(data.get("order_id") or _order_from_folder(run_dir)),
        dispute_id=_opt_str(data.get("dispute_id")),
        attempts=_opt_int(data.get("attempts")) or 0,
        elapsed_s=_opt_float(data.get("elapsed_s")) or 0.0,
        message=str(data.get("message") or ""),
        exit_code=_opt_int(data.get("exit_code")),
        reason_code=_opt_str(data.get("reason_code")),
        last_answer=_opt_str(data.get("last_answer")),
        screenshots=tuple(str(s) for s in data.get("screenshots") or () if s),
        normalisations=tuple(str(s) for s in data.get("normalisations") or ()),
        request=MappingProxyType(dict(request) if isinstance(request, dict) else {}),
        timeline=tuple(_item(raw, i) for i, raw in enumerate(timeline, 1) if isinstance(raw, dict)),
    )


def _order_from_folder(run_dir: Path) -> str:
    parts = run_dir.name.split("-", 2)  # <YYYYmmdd>-<HHMMSS>-<order>
    return parts[2] if len(parts) == 3 else run_dir.name


def next_steps(result: RunResult) -> NextSteps:
    """What to do next after this run's status, in plain sentences."""
    status, dispute = result.status, result.dispute_id or "(see the screenshots)"
    support = (
        "Or contact the marketplace's support: paste the messages of support-ticket.md one at "
        "a time (the chat closes after about three minutes of silence) and attach evidence.zip."
    )
    if status == "opened":
        return NextSteps(
            headline=f"Dispute {dispute} is open.",
            items=(
                f"Keep the dispute id {dispute}: every question about this dispute needs it.",
                "Watch for the seller's answer on the dispute page, and reply within the time "
                "the site gives.",
                "Keep this folder: it shows when and how the dispute was opened.",
            ),
        )
    if status == "already_open":
        return NextSteps(
            headline=f"A dispute for this order is already open: {dispute}.",
            items=(
                f"Do not open a second one: follow the existing dispute {dispute} on the site.",
                "Answer the seller there, and add your evidence to that dispute if it is missing.",
            ),
        )
    if status == "invalid":
        return NextSteps(
            headline="The request was refused, so no dispute was opened.",
            items=(
                f"What was wrong: {result.message or 'see the last screenshot'}",
                "Fix the request (the flags or the request file) and run again.",
            ),
            commands=("retry-dispute run --request FILE.toml",),
        )
    if status == "ineligible":
        return NextSteps(
            headline="The site will not open a dispute for this order.",
            items=(
                f"Why: {ticket_mod.plain_reason(result)}",
                *ticket_mod.ineligible_advice(result.reason_code),
            ),
        )
    if status == "gave_up":
        noun = "attempt" if result.attempts == 1 else "attempts"
        return NextSteps(
            headline=f"The site was still busy after {result.attempts} {noun}.",
            items=(
                "Try again later, for example in an hour or outside busy hours: "
                "run the same command again.",
                "Allow more tries with --max-attempts and --deadline if the site is busy for long.",
                support,
            ),
        )
    if status == "needs_human":
        return NextSteps(
            headline="A person is needed: the site asked to log in or to prove you are human.",
            items=(
                f"What happened: {result.message or 'see the last screenshot'}",
                "Log in again in the browser that opens, then run again with the saved session.",
                "If the site shows a verification challenge, solve it in that browser, "
                "then run again.",
            ),
            commands=(
                "retry-dispute login --site URL --save-session FILE",
                "retry-dispute run --storage-state FILE ...",
            ),
        )
    has_trace = (result.run_dir / "trace.zip").is_file()
    return NextSteps(
        headline="The run stopped on an unexpected error.",
        items=(
            f"What happened: {result.message or 'see log.jsonl'}",
            "Look at what the browser did with the trace (in this folder); "
            "log.jsonl has every event."
            if has_trace
            else "No trace.zip was kept: run again with --trace on to get one; log.jsonl has "
            "every event.",
            "Run again. If it happens again, report it with log.jsonl "
            "(never share trace.zip: it holds your session).",
        ),
        commands=("playwright show-trace trace.zip",) if has_trace else (),
    )


@dataclass(frozen=True, slots=True)
class _Shot:
    key: str
    path: str
    data_uri: str
    alt: str


@dataclass(frozen=True, slots=True)
class _Entry:
    item: TimelineItem
    title: str
    time: str
    time_full: str
    outcome_label: str | None
    wait_text: str | None
    shot: _Shot | None
    missing: str | None


def _time_texts(item: TimelineItem) -> tuple[str, str]:
    when = item.when
    if when is None:
        return item.at or "-", item.at or "time unknown"
    return when.strftime("%H:%M:%S UTC"), when.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def _title(item: TimelineItem) -> str:
    if item.kind == "attempt":
        return f"Attempt {item.attempt}" if item.attempt is not None else item.name.capitalize()
    if item.kind == "wait":
        return "Wait" + (f" before attempt {item.attempt + 1}" if item.attempt is not None else "")
    if item.name.startswith("stopped-"):
        status = item.name.removeprefix("stopped-")
        return f"Stopped: {_STATUS_LABELS.get(status, status).lower()}"
    return _STEP_TITLES.get(item.name, item.name.replace("-", " ").replace("_", " ").capitalize())


def _data_uri(path: Path) -> str:
    mime = _IMAGE_TYPES[path.suffix.lower()][0]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


class _Shots:
    """Each screenshot embedded once; later references and missing files are noted."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.used: set[str] = set()
        self.missing: list[str] = []

    def take(self, relative: str, alt: str) -> tuple[_Shot | None, str | None]:
        if relative in self.used:
            return None, None
        self.used.add(relative)
        path = self.result.screenshot_file(relative)
        try:
            data_uri = _data_uri(path) if path is not None else None
        except OSError:
            data_uri = None
        if data_uri is None:
            log.warning(
                "agent.report_screenshot_missing",
                screenshot=relative,
                run_dir=str(self.result.run_dir),
            )
            self.missing.append(relative)
            return None, relative
        return _Shot(key=f"shot-{len(self.used)}", path=relative, data_uri=data_uri, alt=alt), None


def _entries(result: RunResult, shots: _Shots) -> list[_Entry]:
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
            )
        )
    return entries


def render_report(result: RunResult) -> str:
    """The report's HTML for a run (pure: reads only the run folder's screenshots)."""
    shots = _Shots(result)
    entries = _entries(result, shots)
    extra = [shots.take(s, f"Screenshot {s}") for s in result.screenshots]
    others = [shot for shot, _ in extra if shot is not None]
    started = next((i.when for i in result.timeline if i.when is not None), None)
    request = {k: v for k, v in result.request.items() if v not in (None, "", [])}
    evidence = request.pop("evidence", None)
    files = [
        name
        for name in ("support-ticket.md", "evidence.zip", "result.json", "log.jsonl", "trace.zip")
        if (result.run_dir / name).is_file()
    ]
    return _env.get_template("report.html.j2").render(
        r=result,
        status_label=_STATUS_LABELS.get(result.status, result.status),
        started=started.strftime("%Y-%m-%d %H:%M:%S UTC") if started else None,
        steps=next_steps(result),
        entries=entries,
        others=others,
        missing=shots.missing,
        request=request,
        evidence=evidence if isinstance(evidence, list) else [],
        files=files,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def _write_text(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _write_ticket(result: RunResult) -> Path:
    return ticket_mod.write_ticket(result)


def _write_zip(result: RunResult) -> Path:
    return ticket_mod.write_evidence_zip(result)


def _write_html(result: RunResult) -> Path:
    return _write_text(result.run_dir / "report.html", render_report(result))


def write_report(run_dir: Path) -> list[Path]:
    """Write report.html, plus support-ticket.md and evidence.zip when no dispute opened.

    Never raises: a file that cannot be written is logged, and the others are still written.
    """
    result = load_result(run_dir)
    written: list[Path] = []
    jobs: list[Callable[[RunResult], Path]] = [_write_html]
    if not result.ok:
        jobs = [_write_ticket, _write_zip, _write_html]  # the report links the first two
    for job in jobs:
        try:
            written.append(job(result))
        except Exception as exc:  # a report that fails must never hide the run's outcome
            log.exception(
                "agent.report_failed",
                step=job.__name__.removeprefix("_write_"),
                run_dir=str(run_dir),
                error=f"{type(exc).__name__}: {str(exc)[:200]}",
            )
    log.info("agent.report_written", run_dir=str(run_dir), files=[p.name for p in written])
    return written


@dataclass(frozen=True, slots=True)
class _Row:
    r: RunResult
    label: str
    report: str | None
    ticket: str | None


def _link(batch_dir: Path, target: Path) -> str | None:
    return Path(os.path.relpath(target, batch_dir)).as_posix() if target.is_file() else None


def write_batch_index(batch_dir: Path, run_dirs: Sequence[Path]) -> Path:
    """Write ``batch_dir/index.html``: each order's status with a link to its report."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for run_dir in run_dirs:
        result = load_result(run_dir)
        rows.append(
            _Row(
                r=result,
                label=_STATUS_LABELS.get(result.status, result.status),
                report=_link(batch_dir, run_dir / "report.html"),
                ticket=_link(batch_dir, run_dir / "support-ticket.md"),
            )
        )
    found = Counter(row.r.status for row in rows)
    order = [*STATUSES, *sorted(set(found) - set(STATUSES))]
    html = _env.get_template("index.html.j2").render(
        rows=rows,
        counts={s: found[s] for s in order if found[s]},
        labels=_STATUS_LABELS,
        total=len(rows),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
    return _write_text(batch_dir / "index.html", html)
