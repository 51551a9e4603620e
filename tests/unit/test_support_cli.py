"""`retry-dispute support` refuses bad input in one line, exit code 2, before anything starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.cli import main
from agent.cli.parser import build_parser
from tests.runfolders import make_run


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_missing_run_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """RUN_DIR that does not exist: one line, exit 2."""
    err = _refused(capsys, ["support", str(tmp_path / "nope")])
    assert re.match(r"retry-dispute: run folder .*nope does not exist; pass the run folder", err)


def test_not_a_run_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A folder without result.json: one line, exit 2."""
    err = _refused(capsys, ["support", str(tmp_path)])
    assert "is not a run folder (it has no result.json)" in err


def test_a_run_that_opened_its_dispute(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Nothing to escalate: exit 2, the dispute named."""
    err = _refused(capsys, ["support", str(make_run(tmp_path, "opened"))])
    assert "the dispute of order 1001 is open (D-000123): nothing to escalate" in err


def test_a_profile_without_a_chat(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A profile with no [support_chat] table: exit 2, naming the profile."""
    source = (Path(__file__).resolve().parents[2] / "agent/profiles/mock.toml").read_text()
    profile = tmp_path / "nochat.toml"
    profile.write_text(source.split("\n[support_chat]", 1)[0], encoding="utf-8")
    run_dir = make_run(tmp_path, "gave_up")
    err = _refused(capsys, ["support", str(run_dir), "--profile", str(profile)])
    assert f"profile {profile} has no [support_chat] table" in err
    err = _refused(capsys, ["run", "--escalate", "--profile", str(profile)])
    assert "has no [support_chat] table" in err


def test_a_run_folder_holding_a_link_is_refused_and_its_target_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """log.jsonl a link to an executable: refused in one line (exit 2) before any browser or
    write, the executable neither appended to nor made 0600."""
    run_dir = make_run(tmp_path / "runs", "gave_up")
    tool = tmp_path / "tool.sh"
    tool.write_text("#!/bin/sh\n", encoding="utf-8")
    tool.chmod(0o755)
    (run_dir / "log.jsonl").unlink()
    (run_dir / "log.jsonl").symlink_to(tool)
    err = _refused(capsys, ["support", str(run_dir), "--site", "http://127.0.0.1:9"])
    assert f"{run_dir / 'log.jsonl'} is a symbolic link: support writes into the run folder" in err
    assert tool.read_text(encoding="utf-8") == "#!/bin/sh\n"
    assert tool.stat().st_mode & 0o777 == 0o755
    assert not (run_dir / "support-chat.json").exists()


def test_faults_need_the_bundled_storefront(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--faults with --site is refused like for run."""
    run_dir = make_run(tmp_path, "gave_up")
    err = _refused(
        capsys, ["support", str(run_dir), "--site", "http://127.0.0.1:9", "--faults", "x.toml"]
    )
    assert "--faults only applies to the bundled storefront" in err


def test_escalate_is_for_one_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """run --escalate --batch is refused: support is per run folder."""
    batch = tmp_path / "b.csv"
    batch.write_text("order_id\n1001\n", encoding="utf-8")
    err = _refused(capsys, ["run", "--escalate", "--batch", str(batch)])
    assert "--escalate applies to one order, not a batch" in err


def test_support_takes_the_session_flags_of_run() -> None:
    """support accepts the same session flags as run, and --no-input."""
    args = build_parser().parse_args(
        [
            "support",
            "runs/x",
            "--site",
            "http://h",
            "--profile",
            "p.toml",
            "--storage-state",
            "s.json",
            "--cdp-url",
            "http://c",
            "--ws-endpoint",
            "ws://w",
            "--browser-path",
            "b",
            "--no-input",
            "--headed",
        ]
    )
    assert (args.command, str(args.run_dir), args.no_input, args.headed) == (
        "support",
        "runs/x",
        True,
        True,
    )
    assert (
        args.site,
        args.profile,
        str(args.storage_state),
        args.cdp_url,
        args.ws_endpoint,
        args.browser_path,
    ) == ("http://h", "p.toml", "s.json", "http://c", ["ws://w"], "b")


def test_check_and_support_help_list_every_exit_code_they_return(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """check can return 0, 1, 2, 5, 130 and support 0, 1, 2, 4, 5, 130: both --help list them
    (before: check's help said "0 or 2" and it exited 5 when the site asked to log in); run's
    lists 7, run --escalate's case opened."""
    codes = {"check": ("0", "1", "2", "5", "130"), "support": ("0", "1", "2", "4", "5", "130")}
    for command, expected in codes.items():
        assert main([command, "--help"]) == 0
        epilog = capsys.readouterr().out.split("\nexit codes:\n", 1)[1]
        listed = re.findall(r"(?m)^  (\d+) ", epilog.split("\n\n", 1)[0])
        assert tuple(listed) == expected, command
    assert main(["run", "--help"]) == 0
    assert re.search(
        r"(?m)^  8 +run --escalate: gave up, and support opened a case", (capsys.readouterr().out)
    )
