"""A batch's ``index.html``: the overall verdict, where the batch ran, and each order's status
with a link to its report and its support case number once ``retry-dispute support`` got one
(orders an earlier batch finished, and orders never started, too)."""

from __future__ import annotations

import json
import os
import shlex
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.console import plural
from agent.follow.record import read_follow
from agent.outcome import BatchResult, Outcome, Status
from agent.output.html import env, local_and_utc, write_text
from agent.support.transcript import open_case, read_chat

__all__ = ["batch_verdict", "write_batch_index"]


@dataclass(frozen=True, slots=True)
class _Row:
    r: Outcome
    label: str
    report: str | None
    ticket: str | None
    kind: str = "ran"  # "ran" | "skipped" | "not_run"
    #: The support case opened for the order's run folder (its last), if any.
    case: str | None = None
    #: After the dispute opened (``follow.json`` of the run folder), when followed.
    follow: Mapping[str, Any] | None = None


def _case(run_dir: Path | None) -> str | None:
    case = open_case(read_chat(run_dir)) if run_dir is not None else None
    return str(case["case_number"]) if case else None


def _link(batch_dir: Path, target: Path) -> str | None:
    return Path(os.path.relpath(target, batch_dir)).as_posix() if target.is_file() else None


def batch_verdict(
    statuses: Sequence[Status],
    *,
    interrupted_by: str | None = None,
    not_run: int = 0,
    skipped: int = 0,
) -> tuple[str, str]:
    """The batch in one sentence, and its tone (``ok``, ``warn``, ``bad``) for the page."""
    total = len(statuses) + not_run + skipped
    open_now = sum(s.ok for s in statuses)
    attention = [s for s in statuses if not s.ok and s is not Status.INTERRUPTED]
    earlier = f"; {skipped} done by an earlier batch" if skipped else ""
    if interrupted_by is not None:
        who = "Ctrl-C" if interrupted_by == "SIGINT" else interrupted_by
        unfinished = not_run + sum(s is Status.INTERRUPTED for s in statuses)
        return (
            f"Stopped by {who}: {plural(unfinished, 'order')} not finished, "
            f"{plural(open_now, 'dispute')} open{earlier}. Run the same command with --resume to "
            "finish the rest.",
            "warn",
        )
    if not attention:
        return (f"Every dispute is open: {plural(total, 'order')}{earlier}.", "ok")
    counts = Counter(attention)
    what = ", ".join(f"{s.label.lower()}: {n}" for s, n in counts.items())
    tone = "bad" if any(s in (Status.ERROR, Status.GAVE_UP) for s in counts) else "warn"
    return (
        f"{plural(len(attention), 'order')} of {total} "
        f"{'needs' if len(attention) == 1 else 'need'} attention ({what}); "
        f"{plural(open_now, 'dispute')} open{earlier}.",
        tone,
    )


def _from_summary(batch_dir: Path) -> BatchResult | None:
    """The batch as its ``summary.json`` recorded it (to write the index again later, when
    ``retry-dispute follow`` adds where each request stands), or None."""
    try:
        data = json.loads((batch_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    entries = [e for e in data.get("orders") or [] if isinstance(e, dict)]
    skipped = tuple(
        Outcome.from_json(
            e,
            run_dir=(batch_dir / str(e["run_dir"])).resolve() if e.get("run_dir") else None,
        )
        for e in entries
        if e.get("skipped")
    )
    context = data.get("context")
    code = data.get("exit_code")
    return BatchResult(
        batch_dir=batch_dir,
        outcomes=(),
        elapsed_s=float(data.get("elapsed_s") or 0.0),
        concurrency=int(data.get("concurrency") or 1),
        exit_code=code if isinstance(code, int) else 0,
        skipped=skipped,
        not_run=tuple(str(e.get("order_id")) for e in entries if e.get("not_run")),
        interrupted_by=data.get("interrupted_by") or None,
        context=context if isinstance(context, dict) else {},
    )


def write_batch_index(
    batch_dir: Path, run_dirs: Sequence[Path], *, result: BatchResult | None = None
) -> Path:
    """Write ``batch_dir/index.html``: the verdict and each order's status with its report
    (and, once followed, where its request stands and its deadline). Without *result*, the
    batch's ``summary.json`` says what the index says about it."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    if result is None:
        result = _from_summary(batch_dir)
    rows = []
    for run_dir in run_dirs:
        outcome = Outcome.read(run_dir)
        rows.append(
            _Row(
                r=outcome,
                label=outcome.status.label,
                report=_link(batch_dir, run_dir / "report.html"),
                ticket=_link(batch_dir, run_dir / "support-ticket.md"),
                case=_case(run_dir),
                follow=read_follow(run_dir),
            )
        )
    ran = [row.r.status for row in rows]
    if result is not None:
        for earlier in result.skipped:
            folder = earlier.run_dir
            rows.append(
                _Row(
                    r=earlier,
                    label=f"Done earlier: {earlier.status.label.lower()}",
                    report=_link(batch_dir, folder / "report.html") if folder else None,
                    ticket=None,
                    kind="skipped",
                    case=_case(folder),
                )
            )
        for order_id in result.not_run:
            rows.append(
                _Row(
                    r=Outcome(
                        status=Status.INTERRUPTED,
                        order_id=order_id,
                        message="not started: the batch was stopped first",
                    ),
                    label="Not started",
                    report=None,
                    ticket=None,
                    kind="not_run",
                )
            )
    verdict, tone = batch_verdict(
        ran,
        interrupted_by=result.interrupted_by if result else None,
        not_run=len(result.not_run) if result else 0,
        skipped=len(result.skipped) if result else 0,
    )
    found = Counter(ran)
    context = dict(result.context) if result is not None else {}
    command = context.get("command")
    html = env.get_template("index.html.j2").render(
        rows=rows,
        counts={s: found[s] for s in Status if found[s]},
        labels={s: s.label for s in Status},
        total=len(rows),
        verdict=verdict,
        tone=tone,
        exit_code=result.exit_code if result is not None else None,
        site=context.get("site"),
        source=context.get("source"),
        command=shlex.join(command) if isinstance(command, list) else None,
        version=context.get("version"),
        summary=_link(batch_dir, batch_dir / "summary.json"),
        followed=any(row.follow for row in rows),
        generated=local_and_utc(datetime.now(UTC), date=True),
    )
    return write_text(batch_dir / "index.html", html)
