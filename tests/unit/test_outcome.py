"""Statuses, outcomes and result.json: one definition, written and read back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.errors import (
    PROFILE_MISMATCH,
    GaveUp,
    InvalidField,
    LoginRequired,
    NotEligible,
    ProfileMismatch,
    SiteError,
    UnexpectedPage,
)
from agent.outcome import (
    BatchResult,
    Outcome,
    Status,
    TimelineEntry,
    batch_exit_code,
)


def test_every_status_has_its_documented_exit_code_and_a_label() -> None:
    """The README's exit codes, status by status; every status has a label for people."""
    codes = {str(s): s.exit_code for s in Status}
    assert codes == {
        "opened": 0,
        "already_open": 0,
        "error": 1,
        "invalid": 2,
        "ineligible": 3,
        "gave_up": 4,
        "needs_human": 5,
        "claimed": 6,
        "unconfirmed": 7,
        "interrupted": 130,
    }
    assert all(s.label and s.label[0].isupper() for s in Status)
    assert {s for s in Status if s.ok} == {Status.OPENED, Status.ALREADY_OPEN}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidField("bad", field="amount"), Status.INVALID),
        (NotEligible("protection ended"), Status.INELIGIBLE),
        (GaveUp(attempts=3, elapsed_s=9.0, last_answer="busy"), Status.GAVE_UP),
        (LoginRequired(), Status.NEEDS_HUMAN),
        (SiteError("odd"), Status.ERROR),
    ],
)
def test_an_error_maps_to_the_status_of_its_exit_code(error: Exception, status: Status) -> None:
    """A run stopped by one of our errors ends with the status whose exit code it carries."""
    assert Status.of_error(error) is status  # type: ignore[arg-type]


def test_an_unknown_status_in_a_file_reads_as_error() -> None:
    """A damaged result.json never invents a status."""
    assert Status.parse("maybe_opened") is Status.ERROR
    assert Status.parse(None) is Status.ERROR


def test_result_json_round_trips_through_write_and_read(tmp_path: Path) -> None:
    """What `Outcome.write` puts in result.json is what `Outcome.read` gives back."""
    outcome = Outcome(
        status=Status.GAVE_UP,
        order_id="1001",
        attempts=3,
        elapsed_s=12.5,
        message="gave up",
        hint="try later",
        last_answer="System busy",
        run_dir=tmp_path,
        screenshots=("screenshots/01-order-page.png",),
        normalisations=("message: final period added",),
        request={"order_id": "1001", "received": "no"},
        timeline=(
            TimelineEntry(n=1, kind="step", name="order-page", at="2026-11-27T10:00:00+00:00"),
            TimelineEntry(
                n=2, kind="attempt", name="attempt 1", attempt=1, outcome="busy", status_code=503
            ),
            TimelineEntry(
                n=3, kind="wait", name="wait", attempt=1, wait_s=2.0, wait_cause="backoff"
            ),
        ),
    )
    outcome.write()
    data = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert data["status"] == "gave_up" and data["exit_code"] == 4
    assert Outcome.read(tmp_path) == outcome


def test_an_unreadable_result_json_is_an_error_outcome_saying_so(tmp_path: Path) -> None:
    """A broken result.json gives an error outcome naming the problem, never an exception."""
    run_dir = tmp_path / "20261127-100000-1001"
    run_dir.mkdir()
    (run_dir / "result.json").write_text("{not json", encoding="utf-8")
    outcome = Outcome.read(run_dir)
    assert outcome.status is Status.ERROR
    assert outcome.order_id == "1001"
    assert "result.json could not be read" in outcome.message


def test_a_plain_string_status_is_checked_when_an_outcome_is_built() -> None:
    """Callers may pass "opened"; a misspelt status is refused at once."""
    assert Outcome(status="opened", order_id="1").status is Status.OPENED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Outcome(status="opend", order_id="1")  # type: ignore[arg-type]


def test_the_batch_exit_code_takes_the_most_urgent_status() -> None:
    """0 only when all opened; otherwise interrupted > needs a person > error > … > ineligible."""
    assert batch_exit_code([0, 0]) == 0
    assert batch_exit_code([3, 4]) == 4
    assert batch_exit_code([3, 4, 5]) == 5
    assert batch_exit_code([5, 130]) == 130
    result = BatchResult(
        batch_dir=Path("."), outcomes=(), elapsed_s=0.0, concurrency=1, exit_code=0
    )
    assert result.not_run == ()


def test_a_profile_that_does_not_fit_the_page_gets_no_support_ticket() -> None:
    """An error from a profile mismatch is local: no ticket; any other error still gets one."""
    mismatch = ProfileMismatch("elements.message ('#x') of profile p.toml was not found")
    assert mismatch.context["code"] == PROFILE_MISMATCH
    assert isinstance(mismatch, UnexpectedPage) and Status.of_error(mismatch) is Status.ERROR
    local = Outcome(status=Status.ERROR, order_id="1", reason_code=PROFILE_MISMATCH)
    assert not local.support_ticket
    assert Outcome(status=Status.ERROR, order_id="1").support_ticket
    assert Outcome(status=Status.GAVE_UP, order_id="1", reason_code=None).support_ticket
