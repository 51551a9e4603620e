"""What one command shows: how loud it is, where each line goes, and in which format.

The console is quiet by default: warnings and the outcome on the terminal, every detail in the
run's ``log.jsonl``; ``-v``/``-vv`` show the log's info/debug events, ``-q`` only errors and the
outcome. ``--log-format json`` makes every stderr line one JSON object (notes, progress and errors
included, as log events); ``--json`` prints the result as JSON on stdout and the human summary on
stderr. Every text that came from a site or a file goes through `shown` before it is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from agent.console import Paint, colour_enabled, plural, visible
from agent.log import configure_logging, get_logger
from agent.outcome import Outcome, Status
from agent.output.saving import unwritten_note
from agent.progress import STATUS_STYLES, Progress
from agent.redaction import redact_text
from agent.request import PreparedRequest

__all__ = [
    "Console",
    "command_line",
    "console_from_args",
    "outcome_lines",
    "result_object",
    "say_normalisations",
    "shown",
]

log = get_logger("agent.cli")

#: Console log level by verbosity (-q … -vv), for people and for JSON logs.
_PEOPLE = {-1: "error", 0: "warning", 1: "info", 2: "debug"}
_MACHINES = {-2: "error", -1: "warning", 0: "info", 1: "debug"}


def shown(text: object, limit: int | None = None) -> str:
    """Text from a site, a file or an error, as the console prints it: one line, controls shown,
    secrets masked (an error may quote a --ws-endpoint with a token, a URL with a password)."""
    return visible(redact_text(str(text)), limit)


@dataclass(slots=True)
class Console:
    """One command's console: format, level, streams, and the progress display when any."""

    fmt: str = "console"
    verbosity: int = 0
    json_result: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    progress: Progress | None = None

    @property
    def json_logs(self) -> bool:
        return self.fmt == "json"

    @property
    def level(self) -> str:
        """The console's log level."""
        table = _MACHINES if self.json_logs else _PEOPLE
        return table[max(min(self.verbosity, max(table)), min(table))]

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    def configure(self) -> None:
        """Configure logging for this console (log lines above the live progress, if any)."""
        stream = None
        if self.progress is not None and self.progress.live:
            stream = self.progress.log_stream()
        configure_logging(fmt=self.fmt, level=self.level, stream=stream)

    def new_progress(self, *, max_attempts: int | None, total: int | None = None) -> Progress:
        """The progress display: live on a terminal, plain lines elsewhere, none when quiet or
        with JSON logs (the log events say the same)."""
        self.progress = Progress(
            stream=self.err,
            max_attempts=max_attempts,
            total=total,
            enabled=not (self.quiet or self.json_logs),
        )
        self.configure()
        return self.progress

    # -- lines -----------------------------------------------------------------------------
    def _stderr_line(self, text: str) -> None:
        if self.progress is not None and self.progress.enabled:
            self.progress.print_above(text)
        else:
            print(text, file=self.err, flush=True)

    def _json_line(self, level: str, event: str, **fields: Any) -> None:
        record = {
            "event": event,
            "level": level,
            **fields,
            "timestamp": datetime.now(UTC).isoformat(),
        }
        print(json.dumps(record, default=str, ensure_ascii=False), file=self.err, flush=True)

    def note(self, text: str, *, event: str, **fields: Any) -> None:
        """Something people should know before it matters (not shown with -q); an info log
        event with JSON logs."""
        if self.json_logs:
            log.info(event, **fields)
        elif not self.quiet:
            self._stderr_line(text)

    def warn(self, text: str, *, event: str, **fields: Any) -> None:
        """A warning: on the console even with -q; a warning log event with JSON logs."""
        if self.json_logs:
            log.warning(event, **fields)
        else:
            self._stderr_line(text)

    def error(self, message: str, *, exit_code: int) -> None:
        """One error line (``retry-dispute: what is wrong; how to fix it``)."""
        if self.json_logs:
            self._json_line("error", "agent.error", error=shown(message), exit_code=exit_code)
        else:
            print(f"retry-dispute: {shown(message)}", file=self.err, flush=True)

    # -- the result ------------------------------------------------------------------------
    def outcome(self, outcome: Outcome) -> None:
        """The summary a person reads (stdout; stderr with --json), or its JSON event."""
        if self.progress is not None:
            self.progress.close()
        if self.json_result:
            print(
                json.dumps(result_object(outcome), ensure_ascii=False, default=str),
                file=self.out,
                flush=True,
            )
        if self.json_logs:
            self._json_line(
                "info",
                "agent.outcome",
                status=str(outcome.status),
                order_id=outcome.order_id,
                dispute_id=outcome.dispute_id,
                attempts=outcome.attempts,
                exit_code=outcome.exit_code,
                message=shown(outcome.message),
                run_dir=str(outcome.run_dir) if outcome.run_dir else None,
                unwritten=list(outcome.unwritten),
            )
            return
        stream = self.err if self.json_result else self.out
        for line in outcome_lines(outcome, Paint(colour_enabled(stream))):
            print(line, file=stream)
        stream.flush()


def result_object(outcome: Outcome) -> dict[str, object]:
    """What ``--json`` prints: result.json's object, with the run folder and its report as
    absolute paths (``run_dir``, ``report``: None when not written), for scripts."""
    data = outcome.to_json()
    folder = outcome.run_dir.resolve() if outcome.run_dir is not None else None
    data["run_dir"] = str(folder) if folder is not None else None
    written = folder is not None and "report.html" not in outcome.unwritten
    data["report"] = str(folder / "report.html") if folder is not None and written else None
    return data


def outcome_lines(outcome: Outcome, paint: Paint) -> list[str]:
    """What happened and where the evidence is, in three or four lines."""
    status = paint(str(outcome.status), STATUS_STYLES.get(outcome.status, ""))
    lines = [f"{status}: {shown(outcome.message)}"]
    if outcome.hint:
        lines.append(f"  what to do: {shown(outcome.hint)}")
    lines.append(
        f"  order {shown(outcome.order_id)}, {plural(outcome.attempts, 'attempt')}, "
        f"{outcome.elapsed_s:.1f} s, exit code {outcome.exit_code}"
    )
    if outcome.run_dir is not None:
        folder = paint(f"{outcome.run_dir}/", "bold")
        report = outcome.run_dir / "report.html"
        open_it = "" if "report.html" in outcome.unwritten else f"; open {report}"
        if outcome.status is Status.INTERRUPTED:
            lines.append(f"  run folder: {folder} ({open_it.removeprefix('; ')})")
        else:
            shots = plural(len(outcome.screenshots), "screenshot")
            lines.append(f"  evidence: {folder} ({shots}{open_it})")
    note = unwritten_note(outcome)  # after the outcome and its exit code, never instead
    if note:
        lines.append(f"  {note}")
    return lines


def console_from_args(args: argparse.Namespace) -> Console:
    """The console the flags ask for (-v, -q, --log-format, --json)."""
    console = Console(
        fmt=getattr(args, "log_format", "console") or "console",
        verbosity=int(getattr(args, "verbose", 0) or 0) - int(getattr(args, "quiet", 0) or 0),
        json_result=bool(getattr(args, "json", False)),
    )
    console.configure()
    return console


def command_line(args: argparse.Namespace) -> tuple[str, ...]:
    """The command line as typed (``retry-dispute run …``), for result.json and the report."""
    given = getattr(args, "argv", None)
    return ("retry-dispute", *(sys.argv[1:] if given is None else given))


def say_normalisations(console: Console, prepared: PreparedRequest) -> None:
    """What the pre-flight changed in the request, said before anything is sent."""
    order_id = prepared.request.order_id
    for change in prepared.normalisations:
        console.note(
            f"order {shown(order_id)}: changed before sending: {shown(change)}",
            event="agent.preflight_changed",
            order_id=order_id,
            change=str(change),
        )
