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
from agent.outcome import RESULT_FILE, Outcome
from agent.output.report import write_report

__all__ = ["save_outcome"]

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
        outcome = replace(outcome, unwritten=tuple(failures.names))
    return outcome
