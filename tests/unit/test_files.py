"""Run-folder files: private, atomic, redacted, and a failed write recorded instead of fatal."""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.files import (
    Appender,
    check_writable_dir,
    make_private_dir,
    tracking_failures,
    use_writer,
    write_private_text,
)
from agent.output.run_folder import RunFolder
from agent.redaction import REDACTED, add_secret, forget_secrets, known_secrets


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class FullDisk:
    """Every write fails with ENOSPC, or only the writes after the first *good* ones."""

    def __init__(self, good: int = 0) -> None:
        self.good = good

    def write(self, fd: int, data: bytes, /) -> None:
        """Write *data*, or fail like a full disk."""
        if self.good <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.good -= 1
        os.write(fd, data)


@pytest.fixture
def secret() -> Iterator[str]:
    """A registered secret, forgotten again after the test."""
    before = known_secrets()
    add_secret("sekrit-value-123")
    yield "sekrit-value-123"
    forget_secrets(keep=before)


def test_a_text_file_is_private_atomic_and_redacted(tmp_path: Path, secret: str) -> None:
    """0600 whatever the umask, no temporary file left, a registered secret masked."""
    old = os.umask(0)
    try:
        write_private_text(tmp_path / "a.md", f"the site said {secret}")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.md") == 0o600
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == f"the site said {REDACTED}"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_a_failed_write_is_recorded_in_a_run_and_raised(tmp_path: Path) -> None:
    """In a run the failure is named (relative to the run folder), and the caller still sees it."""
    (tmp_path / "old.json").write_text("old", encoding="utf-8")
    with tracking_failures(tmp_path) as failures, use_writer(FullDisk()), pytest.raises(OSError):
        write_private_text(tmp_path / "old.json", "new")
    assert failures.names == ["old.json"]
    assert failures.reasons["old.json"] == "no space left on device"
    assert (tmp_path / "old.json").read_text(encoding="utf-8") == "old"  # never half a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]


def test_the_log_appender_goes_quiet_after_its_first_failure(tmp_path: Path) -> None:
    """Two lines fit; the third fails and is recorded once; later lines are not tried."""
    disk = FullDisk(good=2)
    with tracking_failures(tmp_path) as failures, use_writer(disk):
        log = Appender(tmp_path / "log.jsonl")
        for n in range(5):
            log.write_line(f"line {n}")
        log.close()
    assert (tmp_path / "log.jsonl").read_text(encoding="utf-8") == "line 0\nline 1\n"
    assert failures.names == ["log.jsonl"]
    assert _mode(tmp_path / "log.jsonl") == 0o600


def test_folders_are_private_and_checked(tmp_path: Path) -> None:
    """make_private_dir gives 0700; a file in a folder's place and a full disk are refused."""
    make_private_dir(tmp_path / "run" / "screenshots")
    assert _mode(tmp_path / "run" / "screenshots") == 0o700
    check_writable_dir(tmp_path / "out")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        check_writable_dir(tmp_path / "file")
    with use_writer(FullDisk()), pytest.raises(OSError, match="No space left"):
        check_writable_dir(tmp_path / "full")
    assert list((tmp_path / "full").iterdir()) == []


class Camera:
    """A page whose screenshots work, except those named in *broken* (by call number)."""

    def __init__(self, broken: set[int]) -> None:
        self.broken = broken
        self.calls = 0

    async def screenshot(self, *, timeout: float, full_page: bool, caret: str) -> bytes:
        self.calls += 1
        if self.calls in self.broken:
            raise TimeoutError("the page did not paint in time")
        return b"\x89PNG\r\n\x1a\n" + bytes(16)


def test_a_failed_screenshot_never_lends_its_number(tmp_path: Path) -> None:
    """Steps 1 and 4 photographed, 2 fails in the page, 3 on a full disk: each screenshot has
    the number of its timeline entry, and a failed one leaves its number unused."""
    folder = RunFolder(path=tmp_path, order_id="2000", run_id="r")
    camera = Camera(broken={2})

    async def shots() -> list[str | None]:
        taken = []
        for name in ("one", "two"):
            taken.append((await folder.step(camera, name)).screenshot)
        with use_writer(FullDisk()):
            taken.append((await folder.step(camera, "three")).screenshot)
        taken.append((await folder.step(camera, "four")).screenshot)
        return taken

    with tracking_failures(tmp_path) as failures:
        taken = asyncio.run(shots())
    assert taken == ["screenshots/01-one.png", None, None, "screenshots/04-four.png"]
    assert folder.screenshots == ["screenshots/01-one.png", "screenshots/04-four.png"]
    assert failures.names == ["screenshots/03-three.png"]
    assert sorted(p.name for p in (tmp_path / "screenshots").iterdir()) == [
        "01-one.png",
        "04-four.png",
    ]
    assert all(_mode(p) == 0o600 for p in (tmp_path / "screenshots").iterdir())


def test_a_link_planted_in_a_run_folder_is_never_followed(tmp_path: Path) -> None:
    """log.jsonl, a temporary file and the screenshots folder replaced by links: nothing is
    written through them, and no target's mode changes (an executable stays 0755)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    tool = outside / "tool.sh"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    shots = outside / "shots"
    shots.mkdir(mode=0o755)
    shots.chmod(0o755)
    run = tmp_path / "run"
    run.mkdir()
    (run / "log.jsonl").symlink_to(tool)
    (run / f".result.json.{os.getpid()}.tmp").symlink_to(tool)
    (run / "screenshots").symlink_to(shots)
    with tracking_failures(run) as failures:
        appender = Appender(run / "log.jsonl")
        appender.write_line('{"event": "x"}')
        appender.close()
        with pytest.raises(OSError):
            write_private_text(run / "result.json", "{}")
        with pytest.raises(OSError) as caught:
            make_private_dir(run / "screenshots")
    assert caught.value.errno == errno.ELOOP
    assert failures.names == ["log.jsonl", "result.json"]
    assert tool.read_text() == "#!/bin/sh\n" and _mode(tool) == 0o755
    assert _mode(shots) == 0o755 and list(shots.iterdir()) == []
