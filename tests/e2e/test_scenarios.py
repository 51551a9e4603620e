"""The scenario runner end to end: real scenarios through `retry-dispute scenario`, in-process."""

from __future__ import annotations

import argparse
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mock_site.scenarios import command_scenario

pytestmark = pytest.mark.browser

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"


def run_command(paths: list[Path], out: Path, *, jobs: int = 1) -> int:
    """Run `retry-dispute scenario PATHS --out OUT --jobs N` in a worker thread (free of any
    event loop)."""
    args = argparse.Namespace(paths=paths, out=out, browser_path=None, jobs=jobs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(command_scenario, args).result()


def rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows by scenario name: expected, got, attempts, disputes, seconds, result."""
    lines = stdout.splitlines()
    end = lines.index("") if "" in lines else len(lines)
    return {line.split()[0]: line.split()[1:] for line in lines[2:end] if not line.startswith(" ")}


def scenario_folder(out: Path, name: str) -> Path:
    """The folder one scenario's run left under --out (one catalogue run per test)."""
    (catalogue,) = [p for p in out.iterdir() if p.is_dir()]
    return catalogue / name


def test_catalogue_scenarios_pass_and_keep_their_run_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Busy then opened, busy after commit and a pre-flight refusal meet theirs: exit 0.

    The last two run on both storefronts (their rows on the aliexpress skin are NAME@aliexpress).
    Two lanes run them, each on storefronts of its own: every scenario still sees only its own
    dispute, and the table keeps the catalogue's order.
    """
    names = ["busy-banner-en", "busy-after-commit", "preflight-oversize"]
    code = run_command([CATALOGUE / f"{name}.toml" for name in names], tmp_path, jobs=2)
    out = capsys.readouterr().out
    assert code == 0, out
    table = rows(out)
    assert table["busy-banner-en"][:4] == ["opened", "opened", "3", "1"]
    assert table["busy-after-commit"][:4] == ["opened", "opened", "1", "1"]
    assert table["preflight-oversize"][:4] == ["invalid", "invalid", "0", "0"]
    assert table["busy-after-commit@aliexpress"][:4] == ["opened", "opened", "1", "1"]
    assert table["preflight-oversize@aliexpress"][:4] == ["invalid", "invalid", "0", "0"]
    assert "busy-banner-en@aliexpress" not in table  # storefront = "mock": a banner is mock's
    assert list(table) == [
        "busy-banner-en",
        "busy-after-commit",
        "busy-after-commit@aliexpress",
        "preflight-oversize",
        "preflight-oversize@aliexpress",
    ]
    assert all(row[-1] == "ok" for row in table.values())
    assert "5 scenarios, all met their expectation" in out
    record = json.loads((scenario_folder(tmp_path, "busy-banner-en") / "scenario.json").read_text())
    run_dir = Path(record["observed"]["run_dir"])
    assert (run_dir / "result.json").is_file()
    assert len(list((run_dir / "screenshots").glob("*.png"))) >= 7


def test_a_wrong_expectation_makes_the_runner_exit_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario expecting gave_up where the agent opens the dispute is a mismatch: exit 1."""
    wrong = tmp_path / "scenarios" / "wrong-expectation.toml"
    wrong.parent.mkdir()
    text = (CATALOGUE / "busy-banner-zh.toml").read_text(encoding="utf-8")
    assert 'status = "opened"' in text
    wrong.write_text(text.replace('status = "opened"', 'status = "gave_up"'), encoding="utf-8")
    shutil.copy(CATALOGUE / "preflight-cyrillic.toml", wrong.parent)
    code = run_command(sorted(wrong.parent.glob("*.toml")), tmp_path / "runs")
    out = capsys.readouterr().out
    assert code == 1
    table = rows(out)
    assert table["wrong-expectation"][:2] == ["gave_up", "opened"]
    assert table["wrong-expectation"][-1] == "MISMATCH"
    assert table["preflight-cyrillic"][-1] == "ok"
    assert table["preflight-cyrillic@aliexpress"][-1] == "ok"
    assert "  - status: expected gave_up, got opened" in out
    assert "3 scenarios, 1 MISMATCH" in out


def test_generated_evidence_works_with_a_relative_out_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a relative --out (as `make scenarios` gives), generated evidence files are found."""
    monkeypatch.chdir(tmp_path)
    paths = [CATALOGUE / "preflight-oversize.toml", CATALOGUE / "preflight-disguised-file.toml"]
    assert run_command(paths, Path("rel-out")) == 0
    assert (tmp_path / "rel-out").is_dir()
