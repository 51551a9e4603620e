"""Run the command line in a pseudo-terminal and read what a person's screen shows.

`Terminal` starts ``python -m agent …`` with a pty as its stdin, stdout and stderr (its own
session, so a signal can be sent to it alone), collects the bytes it writes, and renders them with
``pyte`` (a VT100 emulator) into the lines a terminal of that size would show.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pyte

__all__ = ["ROOT", "Terminal", "run_demo"]

ROOT = Path(__file__).resolve().parents[1]


class Terminal:
    """``python -m agent ARGS`` in a pseudo-terminal of *columns* x *lines*."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        columns: int = 100,
        lines: int = 40,
        cwd: Path | None = None,
    ) -> None:
        self.columns, self.lines = columns, lines
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        full_env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TERM": "xterm-256color",
            "COLUMNS": str(columns),
            "LINES": str(lines),
            **(env or {}),
        }
        if "CI" not in (env or {}):
            full_env.pop("CI", None)
        for key in ("RETRY_DISPUTE_USER", "RETRY_DISPUTE_PASSWORD"):
            if key not in (env or {}):
                full_env.pop(key, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agent", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.raw = b""

    def read(self, timeout: float = 0.2) -> None:
        """Read what the program wrote within *timeout* seconds."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the program ended and closed the terminal
                return
            if not chunk:
                return
            self.raw += chunk

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 120.0) -> bool:
        """Read until ``predicate(text so far)`` is true (the raw text, escapes included)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate(self.text):
                return True
            if self.proc.poll() is not None:
                self.read(0.5)
                return predicate(self.text)
            self.read(0.2)
        return predicate(self.text)

    def send_signal(self, sig: int) -> None:
        """Send *sig* to the program's process group, as a terminal's Ctrl-C does (SIGINT)."""
        os.killpg(self.proc.pid, sig)

    def finish(self, timeout: float = 120.0) -> int:
        """Wait for the program to end, reading everything it writes; its exit code."""
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read(0.2)
        if self.proc.poll() is None:
            self.kill()
            raise AssertionError(f"still running after {timeout} s:\n{self.text[-3000:]}")
        self.read(0.5)
        os.close(self.master)
        return self.proc.returncode

    def kill(self) -> None:
        """Stop the program and everything it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    @property
    def text(self) -> str:
        """Everything written so far, decoded (escape sequences included)."""
        return self.raw.decode("utf-8", "replace")

    @property
    def plain(self) -> str:
        """What was written, without colour codes (cursor moves kept)."""
        return re.sub(r"\x1b\[[0-9;]*m", "", self.text)

    def screen(self) -> list[str]:
        """The lines the terminal shows now (trailing blanks removed)."""
        screen = pyte.Screen(self.columns, self.lines)
        stream = pyte.Stream(screen)
        stream.feed(self.text.replace("\n", "\r\n") if "\r\n" not in self.text else self.text)
        rows = [line.rstrip() for line in screen.display]
        while rows and not rows[-1]:
            rows.pop()
        return rows


def run_demo(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m agent run ARGS`` without a terminal (``CI=true``), its run folders and journal
    under *tmp_path* (``runs/``, ``state/``), no credentials from the environment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true"}
    for key in ("RETRY_DISPUTE_USER", "RETRY_DISPUTE_PASSWORD"):
        env.pop(key, None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "run",
            *args,
            "--out",
            str(tmp_path / "runs"),
            "--state-dir",
            str(tmp_path / "state"),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
