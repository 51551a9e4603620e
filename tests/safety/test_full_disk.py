"""A full disk never hides an opened dispute: the outcome and its exit code, then what is lost.

Two ways to fill the disk under ``--out`` while a run opens a dispute (busy once, then opened):

- an injected writer (`agent.files.use_writer`) that fails like a full disk once a byte budget
  is spent, at seven fill levels spread over what a healthy run writes (measured first): the
  log, screenshots, result.json and the report each fail at some level;
- a real tmpfs: tests/safety/test_full_tmpfs.py.

Each level: exit code 0, the first line printed says ``opened`` with the dispute's id, the exit
code comes before any line about files that could not be written, no traceback, exactly one
dispute on the storefront; every file present is private (0600) and a result.json present says
``opened``; the screenshot numbers never repeat.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.files import use_writer
from mock_site.testing import StorefrontServer
from tests.safety.disk_checks import ORDER, check_console, check_folder, run_argv
from tests.safety.filling_disk import FillingDisk
from tests.safety.helpers import cli, disputes_of


def _healthy_bytes(site: StorefrontServer, tmp_path: Path) -> int:
    """What a run that opens the dispute writes, measured through the injected writer."""
    disk = FillingDisk(None)
    site.set_faults({"busy_first": 1})
    with use_writer(disk):
        assert cli(run_argv(site, tmp_path / "healthy", tmp_path / "healthy-state")) == 0
    site.reset()
    return disk.used


FILL_LEVELS = (0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99)


@pytest.mark.browser
@pytest.mark.slow(22)
def test_a_disk_that_fills_up_never_hides_the_opened_dispute(
    storefront: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seven fill levels of an injected full disk: opened, exit 0 first, then the lost files."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    total = _healthy_bytes(storefront, tmp_path)
    capsys.readouterr()
    refused_somewhere = set()
    for level in FILL_LEVELS:
        storefront.reset()
        storefront.set_faults({"busy_first": 1})
        disk = FillingDisk(int(total * level))
        out = tmp_path / f"out-{level}"
        with use_writer(disk):
            code = cli(run_argv(storefront, out, tmp_path / f"state-{level}"))
        printed = capsys.readouterr()
        dispute_id = check_console(code, printed.out, printed.err, lost=disk.refused > 0)
        assert disk.refused > 0, f"level {level}: the disk never filled up"
        assert [d["dispute_id"] for d in disputes_of(storefront, ORDER)] == [dispute_id]
        check_folder(out, dispute_id)
        refused_somewhere.add("result.json" in printed.out.split("could not write")[-1])
    assert refused_somewhere == {True, False}, "result.json was lost at no level, or at every one"


@pytest.mark.browser
def test_a_full_out_folder_is_refused_before_anything_is_sent(
    storefront: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No byte left under --out: one line, exit 2, and the storefront saw no submission."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    with use_writer(FillingDisk(0)):
        code = cli(run_argv(storefront, tmp_path / "out", tmp_path / "state"))
    printed = capsys.readouterr()
    assert code == 2
    [line] = printed.err.splitlines()
    assert line.startswith("retry-dispute: ") and "no space left" in line and "--out" in line
    assert storefront.submissions() == []
