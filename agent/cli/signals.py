"""Ctrl-C and SIGTERM: a clean stop within a bounded time, and a second Ctrl-C that quits at once.

`interruptible` installs handlers for SIGINT and SIGTERM around a command. Before the command's
event loop runs, a signal raises `Interrupted` (nothing was sent yet). While it runs
(`run_interruptible`), the first signal sets the run's `StopRequest` and cancels the main task:
each order records an ``interrupted`` outcome, its result.json and report, and a batch its
summary; the command prints its outcome and exits 130 (Ctrl-C) or 143 (SIGTERM). If that takes
longer than the grace period, or a second signal comes, the process says so in one line and
exits at once with the same code (the browsers end with the Playwright driver, whose pipe
closes).

The browsers the agent launches are started with Playwright's own signal handling off
(`agent.browser.launch_args`), and the driver ignores SIGINT: a Ctrl-C reaches only this process,
which closes them in order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from types import FrameType
from typing import Any, TypeVar

from agent.flow.stop import SIGNAL_WORDS, StopRequest
from agent.log import get_logger
from agent.outcome import INTERRUPT_EXIT_CODES

__all__ = ["GRACE_S", "Interrupted", "Interruptible", "interruptible"]

T = TypeVar("T")
log = get_logger("agent.cli")

#: How long a clean stop may take before the process exits at once.
GRACE_S = 20.0
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """A signal stopped the command before (or instead of) a recorded outcome."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name

    @property
    def exit_code(self) -> int:
        return INTERRUPT_EXIT_CODES.get(self.signal_name, 130)

    @property
    def words(self) -> str:
        return SIGNAL_WORDS.get(self.signal_name, self.signal_name)


#: On a terminal, before the last line: back to the start of the line, erase it (the live
#: line's last row), and show the cursor again (the live display hides it).
_TERMINAL_RESET = "\r\x1b[2K\x1b[?25h"


def _hard_exit(signal_name: str, why: str) -> None:
    code = INTERRUPT_EXIT_CODES.get(signal_name, 130)
    line = f"retry-dispute: {why}; stopped at once (exit code {code})\n"
    with contextlib.suppress(OSError):
        if os.isatty(2):
            line = _TERMINAL_RESET + line
    with contextlib.suppress(OSError):
        os.write(2, line.encode())
    os._exit(code)


class Interruptible:
    """The signal handling of one command (see the module's docstring)."""

    def __init__(
        self,
        *,
        grace_s: float = GRACE_S,
        on_stop: Callable[[StopRequest], None] | None = None,
    ) -> None:
        self.stop = StopRequest()
        self.grace_s = grace_s
        #: Called in the event loop when the first signal arrives (the console's notice).
        self.on_stop = on_stop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._watchdog: threading.Timer | None = None

    def _handle(self, signum: int, _: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.stop.signal is not None:
            _hard_exit(self.stop.signal, f"{SIGNAL_WORDS.get(name, name)} again")
        self.stop.signal = name
        loop, task = self._loop, self._task
        if loop is None or task is None or task.done() or loop.is_closed():
            raise Interrupted(name)
        self._watchdog = threading.Timer(
            self.grace_s,
            _hard_exit,
            args=(name, f"the clean stop took longer than {self.grace_s:g} s"),
        )
        self._watchdog.daemon = True
        self._watchdog.start()
        loop.call_soon_threadsafe(self._first, task)

    def _first(self, task: asyncio.Task[Any]) -> None:
        if self.on_stop is not None:
            with contextlib.suppress(Exception):  # a notice must never stop the stop
                self.on_stop(self.stop)
        log.info("agent.stopping", signal=self.stop.signal)
        task.cancel()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run *coro* in a new event loop; a signal cancels it (see the module's docstring).

        Raises `Interrupted` when the coroutine ended cancelled (no outcome of its own).
        """

        async def main() -> T:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._loop.set_exception_handler(_quiet_exception)
            return await coro

        try:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # the usual case: no loop in this thread
                with asyncio.Runner() as runner:
                    return runner.run(main())
            # a loop already runs in this thread (a notebook, a test): a worker thread's loop
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(asyncio.run, main()).result()
        except asyncio.CancelledError:
            raise Interrupted(self.stop.signal or "SIGINT") from None
        finally:
            self._loop = self._task = None
            if self._watchdog is not None:
                self._watchdog.cancel()


def _quiet_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's leftovers ("Future exception was never retrieved") go to the log, not stderr."""
    error = context.get("exception")
    log.debug(
        "agent.asyncio_leftover",
        message=str(context.get("message", ""))[:200],
        error=f"{type(error).__name__}: {error}"[:200] if error else None,
    )


@contextlib.contextmanager
def interruptible(
    *, grace_s: float = GRACE_S, on_stop: Callable[[StopRequest], None] | None = None
) -> Iterator[Interruptible]:
    """Handle SIGINT and SIGTERM for the duration of a command (main thread only)."""
    handler = Interruptible(grace_s=grace_s, on_stop=on_stop)
    if threading.current_thread() is not threading.main_thread():
        yield handler  # signals go to the main thread only: nothing to install here
        return
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in _SIGNALS:
        signal.signal(sig, handler._handle)
    try:
        yield handler
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        sys.stderr.flush()
