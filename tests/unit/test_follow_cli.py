"""`retry-dispute follow` refuses bad input in one line, exit code 2, before any browser starts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.cli import main
from agent.cli.follow import parse_until
from agent.errors import InvalidConfig
from tests.runfolders import make_run

PROFILES = Path(__file__).resolve().parents[2] / "agent" / "profiles"


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(["follow", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_nothing_to_follow(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """No folder and no --order, both, or a folder that is not a run folder: one line each."""
    assert "nothing to follow" in _refused(capsys, [])
    run_dir = make_run(tmp_path, "opened")
    assert "not both" in _refused(capsys, [str(run_dir), "--order", "1001"])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "is not a run folder (no result.json)" in _refused(capsys, [str(empty)])


def test_a_run_that_opened_no_dispute(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A run that gave up has no request to follow: said plainly, exit 2."""
    err = _refused(capsys, [str(make_run(tmp_path, "gave_up"))])
    assert "opened no dispute" in err and "there is no request to follow" in err


def test_flags_that_go_together(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--until needs --watch; --message and --evidence need --respond."""
    run_dir = str(make_run(tmp_path, "opened"))
    assert "--until goes with --watch" in _refused(capsys, [run_dir, "--until", "6h"])
    err = _refused(capsys, [run_dir, "--message", "I do not agree."])
    assert "--message and --evidence are what --respond disagree sends" in err


def test_profiles_without_follow_or_respond(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A profile with no [follow] (or, with --respond, no [follow.respond]): refused naming it."""
    source = (PROFILES / "mock.toml").read_text(encoding="utf-8")
    plain = tmp_path / "plain.toml"
    plain.write_text(source.split("\n[follow]\n", 1)[0], encoding="utf-8")
    run_dir = str(make_run(tmp_path, "opened"))
    err = _refused(capsys, [run_dir, "--profile", str(plain)])
    assert f"profile {plain} has no [follow] table" in err
    head, tail = source.split("\n[follow.respond.form]\n", 1)
    no_respond = tmp_path / "noanswer.toml"
    no_respond.write_text(head + "\n[support_chat]\n" + tail.split("\n[support_chat]\n", 1)[1])
    err = _refused(capsys, [run_dir, "--profile", str(no_respond), "--respond", "disagree"])
    assert "has no [follow.respond] table" in err


def test_response_preflight(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A Cyrillic --message, or a run's evidence that cannot be found: exit 2, nothing sent."""
    run_dir = make_run(tmp_path, "opened")
    err = _refused(
        capsys,
        [str(run_dir), "--respond", "disagree", "--message", "Не согласен с решением."],  # noqa: RUF001 - Cyrillic on purpose
    )
    assert "message: non-Latin letters" in err
    data = json.loads((run_dir / "result.json").read_text())
    data["request"]["evidence"] = ["gone.jpg"]
    (run_dir / "result.json").write_text(json.dumps(data))
    err = _refused(capsys, [str(run_dir), "--respond", "disagree"])
    assert (
        "(gone.jpg) cannot be found from here; give the files to send again with --evidence" in err
    )


def test_until_takes_a_duration_or_a_time() -> None:
    """6h from now, an aware ISO time as is, a naive one in local time; junk refused."""
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_until("6h", now=now) == now + timedelta(hours=6)
    assert parse_until("2026-12-01T18:00+00:00", now=now) == datetime(2026, 12, 1, 18, tzinfo=UTC)
    naive = parse_until("2026-12-01T18:00", now=now)
    assert naive == datetime(2026, 12, 1, 18, 0).astimezone().astimezone(UTC)
    with pytest.raises(InvalidConfig, match="neither a duration nor a date"):
        parse_until("soon", now=now)
