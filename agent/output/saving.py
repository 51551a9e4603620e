"""The end of a run: result.json and the report written, whatever the disk says.

`save_outcome` writes ``result.json``, then the report (``report.html``, and the support files
when no dispute opened). A file that cannot be written (a full disk) never changes the outcome:
it is named in ``Outcome.unwritten`` (and in ``result.json`` when that could be written), and
the console says it after the outcome and its exit code.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from agent.files import Failures
from agent.log import get_logger
from agent.outcome import RESULT_FILE, BatchResult, Outcome
from agent.output.report import write_report

__all__ = ["save_outcome", "unwritten_lines", "unwritten_note"]

log = get_logger("agent.evidence")


def _write_result(outcome: Outcome, run_dir: Path) -> None:
    try:
        outcome.write(run_dir)
    except OSError as exc:  # recorded by agent.files; the outcome stands
        log.warning("agent.result_not_written", error=str(exc)[:200])


def save_outcome(outcome: Outcome, run_dir: Path, failures: Failures) -> Outcome:
    """Write result.json and the report; never raises; return the outcome with ``unwritten``."""
    outcome = replace(outcome, unwritten=tuple(failures.names))
    _write_result(outcome, run_dir)
    write_report(run_dir, outcome)
    if tuple(failures.names) != outcome.unwritten:  # the report lost files: say so there too
        outcome = replace(outcome, unwritten=tuple(failures.names))
        if RESULT_FILE not in failures.names:
            _write_result(outcome, run_dir)
            # a result.json that cannot be updated is still there, with the outcome
            failures.discard(RESULT_FILE)
    return outcome


def unwritten_note(outcome: Outcome) -> str | None:
    """One line naming the run's files that could not be written, or None when all were."""
    if not outcome.unwritten:
        return None
    names = ", ".join(outcome.unwritten[:8]) + (
        f" and {len(outcome.unwritten) - 8} more" if len(outcome.unwritten) > 8 else ""
    )
    where = f" in {outcome.run_dir}" if outcome.run_dir is not None else ""
    return (
        f"could not write{where}: {names} (a full disk?); the outcome above stands; "
        "free some space, or pass --out another folder next time"
    )


def unwritten_lines(result: BatchResult) -> list[str]:
    """A batch's lines about files that could not be written (none when all were)."""
    lines = []
    short = [o.order_id for o in result.outcomes if o.unwritten]
    if short:
        lines.append(
            f"  files not written (a full disk?) for order {', '.join(short)}: each "
            "result.json, or the run's lines above, name them"
        )
    if result.unwritten:
        lines.append(f"  could not write {', '.join(result.unwritten)} in {result.batch_dir}")
    return lines
