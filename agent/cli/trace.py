"""``retry-dispute trace RUN_DIR``: open a run's ``trace.zip`` in Playwright's trace viewer.

The viewer ships with the ``playwright`` package this tool depends on, so it is started with the
same Python (``python -m playwright show-trace``): no ``playwright`` command needs to be on PATH.
With ``--port`` (or where there is no display) it is served on 127.0.0.1 instead of a window.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.errors import InvalidConfig

__all__ = ["command_trace", "trace_command"]

Runner = Callable[[Sequence[str]], int]


def _run(command: Sequence[str]) -> int:
    return subprocess.call(list(command))


def trace_command(
    run_dir: Path, *, port: int | None = None, has_display: bool | None = None
) -> list[str]:
    """The command that opens *run_dir*'s trace (or the trace file itself)."""
    if not run_dir.exists():
        raise InvalidConfig(
            f"{run_dir}: no such folder",
            hint="give a run folder ('retry-dispute run' prints it: runs/...) or its trace.zip",
        )
    trace = run_dir if run_dir.is_file() else run_dir / "trace.zip"
    if not trace.is_file():
        raise InvalidConfig(
            f"{run_dir} holds no trace.zip",
            hint="a run keeps a trace with --trace on (or retain-on-failure when it fails)",
        )
    if has_display is None:
        has_display = not sys.platform.startswith("linux") or bool(
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        )
    command = [sys.executable, "-m", "playwright", "show-trace"]
    if port is not None or not has_display:
        command += ["--host", "127.0.0.1", "--port", str(port or 9323)]
    return [*command, str(trace)]


def command_trace(args: argparse.Namespace, *, run: Runner = _run) -> int:
    """Open the trace; return the viewer's exit code."""
    command = trace_command(args.run_dir, port=args.port)
    if "--port" in command:
        port = command[command.index("--port") + 1]
        print(
            f"trace viewer on http://127.0.0.1:{port} (Ctrl-C to stop); the trace holds "
            "cookies: never send it to anyone",
            file=sys.stderr,
        )
    return run(command)
