"""A secret in any field of an outcome reaches no file of the run folder and not the console.

Every field of `Outcome` (and of its timeline entries, and a batch's context) gets a
``token=…`` and a URL with a password; the run folder is written the one way runs write it
(`Outcome.write`, `write_report`: result.json, report.html, support-ticket.md, evidence.zip),
and every file, every member of the zip and the console's outcome lines are searched.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from types import MappingProxyType
from typing import Any

from agent.cli.output import Console, outcome_lines
from agent.console import Paint
from agent.outcome import BatchResult, DriftEntry, Outcome, Status, TimelineEntry
from agent.output.batch_summary import summary_dict, write_batch_outputs
from agent.output.report import write_report

SECRET = "s3cr3tV4lue99"
PASSWORD = "hunter2pass"
LEAKY = f"token={SECRET} wss://bob:{PASSWORD}@remote.example:3000/?x=1"


def leaky_entry(n: int) -> TimelineEntry:
    """A timeline entry with the secret in each of its texts."""
    texts = {
        f.name: f"{f.name} {LEAKY}"
        for f in dataclasses.fields(TimelineEntry)
        if f.name not in ("n", "kind", "at") and f.type in ("str", "str | None")
    }
    return TimelineEntry(n=n, kind="attempt", at="2026-12-06T10:00:00+00:00", attempt=1, **texts)


def leaky_outcome(run_dir: Path) -> Outcome:
    """An outcome with the secret in every field that holds text (the run folder aside)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Outcome):
        if f.name in ("status", "run_dir", "attempts", "elapsed_s"):
            continue
        if f.name == "timeline":
            values[f.name] = (leaky_entry(1),)
        elif f.name == "drift":
            values[f.name] = (
                DriftEntry(
                    element=f"confirm {LEAKY}",
                    alternative=2,
                    selector=f"selector {LEAKY}",
                    preferred=f"preferred {LEAKY}",
                    where=f"where {LEAKY}",
                ),
            )
        elif f.name in ("request", "context"):
            values[f.name] = MappingProxyType(
                {
                    "command": ["retry-dispute", "run", "--ws-endpoint", LEAKY],
                    "session": f"a Playwright server ({LEAKY})",
                    "nested": {"url": LEAKY},
                }
            )
        elif f.name == "form":  # what the form held: field name -> its value, as read back
            values[f.name] = MappingProxyType({"message": f"typed {LEAKY}"})
        elif f.type.startswith("tuple"):
            values[f.name] = (f"{f.name} {LEAKY}",)
        else:
            values[f.name] = f"{f.name} {LEAKY}"
    return Outcome(status=Status.GAVE_UP, run_dir=run_dir, attempts=1, **values)


def assert_clean(text: str, where: str) -> None:
    """Neither the token nor the URL's password is in *text*."""
    assert SECRET not in text, f"{where}: the token leaked"
    assert PASSWORD not in text, f"{where}: the URL's password leaked"


def test_every_field_of_an_outcome_is_redacted_in_every_file_and_on_the_console(
    tmp_path: Path,
) -> None:
    """result.json, report.html, the ticket, each member of evidence.zip and the console's
    outcome lines hold neither the token nor the password, whichever field carried them."""
    run_dir = tmp_path / "20261206-100000-1001"
    (run_dir / "screenshots").mkdir(parents=True)
    outcome = leaky_outcome(run_dir)
    outcome.write()
    written = write_report(run_dir, outcome)
    names = {p.name for p in written}
    assert {"report.html", "support-ticket.md", "evidence.zip"} <= names  # all were written
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"result.json", *names}
    for path in files:
        assert_clean(path.read_bytes().decode("utf-8", "replace"), path.name)
    with zipfile.ZipFile(run_dir / "evidence.zip") as archive:
        for member in archive.namelist():
            assert_clean(archive.read(member).decode("utf-8", "replace"), f"evidence.zip {member}")
    console = "\n".join(outcome_lines(Outcome.read(run_dir), Paint(False)))
    assert_clean(console, "the console")
    on_disk = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert "[redacted]" in on_disk["context"]["command"][3]  # masked, not dropped


def test_a_batch_context_is_redacted_in_its_summary_and_index(tmp_path: Path) -> None:
    """The command line of a batch (its --ws-endpoint) reaches neither summary.json, index.html
    nor the summary that --json prints."""
    batch_dir = tmp_path / "batch-20261206-100000"
    batch_dir.mkdir()
    result = BatchResult(
        batch_dir=batch_dir,
        outcomes=(),
        elapsed_s=1.0,
        concurrency=1,
        exit_code=0,
        context={"command": ["retry-dispute", "run", "--ws-endpoint", LEAKY], "site": LEAKY},
    )
    assert write_batch_outputs(result) == []
    for path in batch_dir.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    assert_clean(json.dumps(summary_dict(result)), "the --json summary")


def test_an_error_line_quoting_a_secret_url_masks_it() -> None:
    """A browser that cannot be reached at a --ws-endpoint with a token (or a --cdp-url with a
    password) is one error line on the console, the token and the password masked, in both
    console formats."""
    for fmt in ("console", "json"):
        err = io.StringIO()
        Console(fmt=fmt, err=err).error(
            f"cannot start or reach the browser at {LEAKY}: connect ECONNREFUSED", exit_code=2
        )
        assert_clean(err.getvalue(), f"the {fmt} error line")
        assert "[redacted]" in err.getvalue()
