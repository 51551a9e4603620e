"""Playwright's own recorder (``playwright codegen``) run for a person, and what it wrote.

``playwright codegen --target python --output FLOW.py --save-har FLOW.har [--load-storage
SESSION] URL`` opens a browser window and its recorder; it ends when the person closes the
window (or after the timeout: then it is asked to stop as Ctrl-C does, and saves what it has).
The browser is the one `agent.browser` finds for a window; one that is not Playwright's own is
handed to codegen in ``PWTEST_CLI_EXECUTABLE_PATH``, the variable its command line reads for an
executable. The recording and its HAR hold what the person typed and the session's cookies:
they are written into a private folder (0700) and never logged.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.files import make_private_dir, secure_file
from agent.log import get_logger

__all__ = ["Recorded", "codegen_command", "record_flow"]

log = get_logger("agent.recording")

EXECUTABLE_ENV = "PWTEST_CLI_EXECUTABLE_PATH"
_STOP_WAIT_S = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """What a recording session left: the script, its network data, how it ended."""

    script: Path
    har: Path
    #: The person closed the window (False: the timeout stopped it).
    closed: bool
    exit_code: int


def codegen_command(*, url: str, script: Path, har: Path, storage_state: Path | None) -> list[str]:
    """The command line of Playwright's recorder for this recording."""
    command = [
        sys.executable,
        "-m",
        "playwright",
        "codegen",
        "--target",
        "python",
        "--output",
        str(script),
        "--save-har",
        str(har),
        "--viewport-size",
        "1280,900",
    ]
    if storage_state is not None:
        command += ["--load-storage", str(storage_state)]
    return [*command, url]


def codegen_env(executable: str | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The recorder's environment: ours, with the browser to use when it is not Playwright's."""
    env = dict(os.environ if base is None else base)
    if executable:
        env[EXECUTABLE_ENV] = executable
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the recorder to stop as Ctrl-C does (it saves the HAR), then make sure it did."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(_STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def record_flow(
    *,
    url: str,
    folder: Path,
    storage_state: Path | None,
    executable: str | None,
    timeout_s: float,
    spawn: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen,
    clock: Callable[[], float] = time.monotonic,
    stop: Callable[[subprocess.Popen[bytes]], None] | None = None,
    command: Sequence[str] | None = None,
) -> Recorded:
    """Run the recorder until the person closes its window or *timeout_s* runs out.

    *spawn*, *clock*, *stop* and *command* are for tests (a fake recorder, no real wait).
    """
    stop = stop or _stop
    make_private_dir(folder)
    script, har = folder / "recording.py", folder / "recording.har"
    argv = (
        list(command)
        if command
        else codegen_command(url=url, script=script, har=har, storage_state=storage_state)
    )
    process = spawn(argv, env=codegen_env(executable), start_new_session=True)
    log.info("agent.recorder_started", url=url, folder=str(folder))
    deadline = clock() + timeout_s
    closed = True
    try:
        while process.poll() is None:
            if clock() >= deadline:
                closed = False
                stop(process)
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.5)
    except BaseException:  # Ctrl-C: the recorder stops with us, its files saved
        stop(process)
        raise
    for path in (script, har):
        if path.exists():
            secure_file(path)
    code = process.returncode if process.returncode is not None else 1
    log.info("agent.recorder_ended", closed=closed, exit_code=code)
    return Recorded(script=script, har=har, closed=closed, exit_code=code)
