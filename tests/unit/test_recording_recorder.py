"""`retry-dispute record`'s recorder: the codegen command, its end, and no display refused."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent.recording.recorder import EXECUTABLE_ENV, codegen_command, codegen_env, record_flow
from tests.safety.helpers import cli


def test_the_codegen_command_saves_the_network_and_loads_the_session(tmp_path: Path) -> None:
    """python -m playwright codegen, in Python, to the script, with --save-har and the session;
    the browser found for a window handed over in the variable codegen reads."""
    command = codegen_command(
        url="https://shop.example",
        script=tmp_path / "flow.py",
        har=tmp_path / "flow.har",
        storage_state=tmp_path / "shop.json",
    )
    assert command[1:4] == ["-m", "playwright", "codegen"]
    assert command[command.index("--target") + 1] == "python"
    assert command[command.index("--output") + 1] == str(tmp_path / "flow.py")
    assert command[command.index("--save-har") + 1] == str(tmp_path / "flow.har")
    assert command[command.index("--load-storage") + 1] == str(tmp_path / "shop.json")
    assert command[-1] == "https://shop.example"
    assert "--load-storage" not in codegen_command(
        url="u", script=tmp_path / "a", har=tmp_path / "b", storage_state=None
    )
    assert codegen_env("/usr/bin/chromium", {"HOME": "/h"}) == {
        "HOME": "/h",
        EXECUTABLE_ENV: "/usr/bin/chromium",
    }
    assert codegen_env(None, {"HOME": "/h"}) == {"HOME": "/h"}


class _Recorder:
    """A recorder process that ends after *polls* polls (None: never by itself)."""

    def __init__(self, polls: int | None) -> None:
        self.polls = polls
        self.returncode: int | None = None
        self.pid = 4242

    def poll(self) -> int | None:
        if self.polls is not None:
            self.polls -= 1
            if self.polls <= 0:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            raise subprocess.TimeoutExpired("codegen", timeout or 0)
        return self.returncode


def _run(tmp_path: Path, process: _Recorder, stopped: list[Any]) -> Any:
    now = [0.0]

    def clock() -> float:
        now[0] += 60.0
        return now[0]

    def stop(proc: Any) -> None:
        stopped.append(proc)
        proc.returncode = 130

    def spawn(argv: list[str], **kwargs: Any) -> _Recorder:
        (tmp_path / "rec" / "recording.py").write_text("print()", encoding="utf-8")
        return process

    return record_flow(
        url="http://127.0.0.1:9",
        folder=tmp_path / "rec",
        storage_state=None,
        executable=None,
        timeout_s=300,
        spawn=spawn,
        clock=clock,
        stop=stop,
    )


def test_the_recorder_is_stopped_at_the_timeout_and_its_files_kept_private(
    tmp_path: Path,
) -> None:
    """A recorder still open at the timeout is stopped (as Ctrl-C does); the folder is 0700,
    the script 0600; one whose window was closed is not stopped."""
    stopped: list[Any] = []
    recorded = _run(tmp_path, _Recorder(polls=None), stopped)
    assert recorded.closed is False and recorded.exit_code == 130 and len(stopped) == 1
    assert stat.S_IMODE((tmp_path / "rec").stat().st_mode) == 0o700
    assert stat.S_IMODE(recorded.script.stat().st_mode) == 0o600
    stopped.clear()
    recorded = _run(tmp_path, _Recorder(polls=2), stopped)
    assert recorded.closed is True and recorded.exit_code == 0 and stopped == []


def test_record_without_a_display_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No DISPLAY (Linux): one line saying to use xvfb-run, exit 2, nothing started."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    code = cli(["record", "--site", "http://127.0.0.1:9", "--order", "1", "--runs", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        "retry-dispute: no display for record: a browser window needs one; run it under "
        "xvfb-run (xvfb-run -a retry-dispute ...), or set DISPLAY to a running X server"
    ]
    assert list(tmp_path.iterdir()) == []
