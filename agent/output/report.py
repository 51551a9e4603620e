"""The run report: ``report.html`` for every run, and the support files when no dispute opened.

`write_report` reads a run folder's ``result.json`` and writes a self-contained ``report.html``
(screenshots embedded as ``data:`` URIs, inline CSS, no script, no external URL) with the timeline
of steps, attempts and waits, the final status and what to do next. When the dispute did not open
it also writes ``support-ticket.md`` and ``evidence.zip`` (see `agent.ticket`). A missing or
unreadable screenshot is logged and shown as missing; it never stops the report.
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from agent.log import get_logger
from agent.outcome import Outcome, Status, TimelineEntry
from agent.output import ticket as ticket_mod
from agent.output.advice import next_steps
from agent.output.run_folder import IMAGE_TYPES, run_dir_of, screenshot_file

__all__ = ["render_report", "write_batch_index", "write_report"]

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

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("agent.output", "templates"),
    autoescape=True,  # every text may come from the site or the user: escape all of it
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
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


def _time_texts(item: TimelineEntry) -> tuple[str, str]:
    when = item.when
    if when is None:
        return item.at or "-", item.at or "time unknown"
    return when.strftime("%H:%M:%S UTC"), when.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def _title(item: TimelineEntry) -> str:
    if item.kind == "attempt":
        return f"Attempt {item.attempt}" if item.attempt is not None else item.name.capitalize()
    if item.kind == "wait":
        return "Wait" + (f" before attempt {item.attempt + 1}" if item.attempt is not None else "")
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

    def take(self, relative: str, alt: str) -> tuple[_Shot | None, str | None]:
        if relative in self.used:
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


def render_report(result: Outcome) -> str:
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
        if (run_dir_of(result) / name).is_file()
    ]
    return _env.get_template("report.html.j2").render(
        r=result,
        status_label=result.status.label,
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


def _write_ticket(result: Outcome) -> Path:
    return ticket_mod.write_ticket(result)


def _write_zip(result: Outcome) -> Path:
    return ticket_mod.write_evidence_zip(result)


def _write_html(result: Outcome) -> Path:
    return _write_text(run_dir_of(result) / "report.html", render_report(result))


def write_report(run_dir: Path) -> list[Path]:
    """Write report.html, plus support-ticket.md and evidence.zip when no dispute opened.

    Never raises: a file that cannot be written is logged, and the others are still written.
    """
    result = Outcome.read(run_dir)
    written: list[Path] = []
    jobs: list[Callable[[Outcome], Path]] = [_write_html]
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
    r: Outcome
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
        result = Outcome.read(run_dir)
        rows.append(
            _Row(
                r=result,
                label=result.status.label,
                report=_link(batch_dir, run_dir / "report.html"),
                ticket=_link(batch_dir, run_dir / "support-ticket.md"),
            )
        )
    found = Counter(row.r.status for row in rows)
    order = list(Status)
    html = _env.get_template("index.html.j2").render(
        rows=rows,
        counts={s: found[s] for s in order if found[s]},
        labels={s: s.label for s in Status},
        total=len(rows),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
    return _write_text(batch_dir / "index.html", html)
