"""Progress on the console: a live status per order and a bar for a batch, or plain lines.

`Progress` is the run's ``on_event`` hook. In live mode (a terminal, and ``CI`` is not true) each
running order has one line, redrawn in place by `rich.live.Live`: the attempt (k of N), then the
countdown to the next try (refreshed by `Progress.tick`, which `ticking_sleep` calls while the
run waits), then the last answer, cut to the terminal's width in cells (a Chinese character or
an emoji takes two), so a line never wraps and the redraw never leaves a stale line. A batch
adds one progress bar under them, and each order that ends leaves one line above
(`Progress.finished`). Log lines and notes go above the live block (`Progress.print_above`,
`Progress.log_stream`) so they never tear it.

In plain mode (a pipe, a file, CI) a single order prints one plain line per attempt, answer and
wait, and a batch one line per finished order, without any escape code. ``Progress(enabled=
False)`` prints nothing (``-q``, JSON logs). Texts from the site are printed with their control
characters made visible (`agent.console.visible`), so a page cannot drive the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console as RichConsole
from rich.console import Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from agent.console import colour_enabled, is_live, plural, rich_console, visible
from agent.events import AnswerEvent, AttemptEvent, DoneEvent, RunEvent, StepEvent, WaitEvent
from agent.outcome import Outcome, Status

__all__ = ["STATUS_STYLES", "Progress", "is_live", "ticking_sleep"]

#: The colour of each final status on a terminal (rich styles).
STATUS_STYLES: Mapping[Status, str] = {
    Status.OPENED: "bold green",
    Status.ALREADY_OPEN: "green",
    Status.INVALID: "bold yellow",
    Status.INELIGIBLE: "yellow",
    Status.GAVE_UP: "bold red",
    Status.NEEDS_HUMAN: "bold yellow",
    Status.CLAIMED: "yellow",
    Status.INTERRUPTED: "yellow",
    Status.ERROR: "bold red",
}
_BAR_WIDTH = 24
#: The terminal's width when it cannot be read.
_DEFAULT_COLUMNS = 100


@dataclass(slots=True)
class _Order:
    """What the console shows of one order (mutable state, updated by events)."""

    order_id: str
    started: float
    step: str | None = None
    attempt: int = 0
    answered: bool = False
    outcome: str | None = None
    text: str = ""
    wait_until: float | None = None
    cause: str | None = None
    status: str | None = None


class _AboveLive:
    """A file-like stream whose lines are printed above the live block (for log lines)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._progress.print_above(line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, ""
            self._progress.print_above(line)

    def isatty(self) -> bool:
        return False


def _columns(stream: TextIO) -> int:
    """The width of the terminal *stream* writes to (``COLUMNS`` first, as shells set it)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return _DEFAULT_COLUMNS


class Progress:
    """The run's event hook that shows each order's progress on a stream."""

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        max_attempts: int | None = None,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        env: Mapping[str, str] | None = None,
        width: int | None = None,
        total: int | None = None,
        enabled: bool = True,
        colour: bool | None = None,
    ) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.max_attempts = max_attempts
        self.enabled = enabled
        self.live = enabled and (is_live(self.stream, env) if live is None else live)
        self.clock = clock
        #: Orders in a batch (None: a single order; no bar, no finished lines).
        self.total = total
        self.colour = colour_enabled(self.stream, env) if colour is None else colour
        self._width = width
        self._orders: dict[str, _Order] = {}
        self._finished: Counter[Status] = Counter()
        self._started = clock()
        self._lock = threading.RLock()
        #: Draws on the stream: rich, on a terminal (the live block, lines above it).
        self._console: RichConsole | None = (
            rich_console(self.stream, colour=self.colour, terminal=True) if self.live else None
        )
        self._live: Live | None = None

    # -- events ----------------------------------------------------------------------------
    def __call__(self, event: RunEvent, /) -> None:
        """Take one run event: step, attempt, answer, wait or done."""
        if not self.enabled:
            return
        with self._lock:
            order_id = visible(event.order_id, 40)
            order = self._orders.get(order_id)
            if order is None:
                order = self._orders[order_id] = _Order(order_id, started=self.clock())
            match event:
                case StepEvent(step=step):
                    order.step = visible(step, 40)
                case AttemptEvent(attempt=attempt):
                    order.attempt = attempt
                    order.answered, order.wait_until, order.cause = False, None, None
                case AnswerEvent(attempt=attempt, outcome=outcome, text=text):
                    order.attempt = attempt
                    order.answered = True
                    order.outcome = visible(outcome, 20)
                    order.text = visible(text, 200)
                case WaitEvent(wait_s=wait_s, cause=cause):
                    order.wait_until = self.clock() + wait_s
                    order.cause = visible(cause or "backoff", 20)
                case DoneEvent(status=status):
                    order.status = visible(status, 20)
                    order.wait_until = None
                case _:  # an event this console does not show
                    return
            if self.live:
                if order.status is not None:
                    del self._orders[order_id]
                self._redraw()
            elif self.total is None:
                self._write(self._plain(event, order) + "\n")
            elif order.status is not None:
                del self._orders[order_id]

    def finished(self, outcome: Outcome) -> None:
        """A batch's order ended: one line for good (above the live block), and the bar moves."""
        if not self.enabled:
            return
        with self._lock:
            self._finished[outcome.status] += 1
            self._orders.pop(visible(outcome.order_id, 40), None)
            done = sum(self._finished.values())
            count = f"[{done}/{self.total}]" if self.total else f"[{done}]"
            dispute = f" {visible(outcome.dispute_id, 40)}" if outcome.dispute_id else ""
            line = Text.assemble(
                f"{count} order {visible(outcome.order_id, 40)}: ",
                (str(outcome.status), self._style(STATUS_STYLES.get(outcome.status, ""))),
                f"{dispute} ({plural(outcome.attempts, 'attempt')}, {outcome.elapsed_s:.1f} s)",
            )
            self._above(line)

    def tick(self) -> None:
        """Redraw the live lines, so countdowns show the time left now; no-op in plain mode."""
        with self._lock:
            if self.live and (self._orders or self.total):
                self._redraw()

    def print_above(self, text: str) -> None:
        """Print *text* as lines of its own, above the live block (which is drawn again)."""
        if not self.enabled:
            return
        with self._lock:
            self._above(Text.from_ansi(text) if self.live else text)

    def log_stream(self) -> TextIO:
        """A stream for the console's log lines: each line is printed above the live block."""
        return _AboveLive(self)  # type: ignore[return-value]

    def close(self) -> None:
        """Take the live block off the screen (the outcome is printed after it)."""
        with self._lock:
            if self._live is not None:
                live, self._live = self._live, None
                with contextlib.suppress(OSError, ValueError):  # a closed or broken console
                    live.stop()
            self._orders.clear()

    # -- rendering -------------------------------------------------------------------------
    def _style(self, style: str) -> str:
        return style if self.colour else ""

    def _of(self, attempt: int) -> str:
        return (
            f"attempt {attempt} of {self.max_attempts}"
            if self.max_attempts
            else f"attempt {attempt}"
        )

    def _remaining(self, order: _Order) -> float:
        return max(0.0, (order.wait_until or 0.0) - self.clock())

    def _plain(self, event: RunEvent, order: _Order) -> str:
        head = f"order {order.order_id}:"
        if isinstance(event, StepEvent):
            return f"{head} step {order.step}"
        if isinstance(event, AttemptEvent):
            return f"{head} {self._of(order.attempt)}"
        if isinstance(event, AnswerEvent):
            return f"{head} {self._of(order.attempt)}: {order.outcome}" + (
                f' "{order.text}"' if order.text else ""
            )
        if isinstance(event, WaitEvent):
            return (
                f"{head} next try in {event.wait_s:.1f} s ({order.cause}), "
                f"{self._of(order.attempt + 1)}"
            )
        return f"{head} done: {order.status} after {plural(order.attempt, 'attempt')}"

    def _line(self, order: _Order, width: int) -> Text:
        """One running order: what it does now and the countdown first, the site's text last,
        cut to *width* terminal cells (the site's text goes first)."""
        if order.attempt:
            now = self._of(order.attempt)
            if order.wait_until is not None:
                now += f" · next try in {self._remaining(order):.1f} s ({order.cause})"
            elif not order.answered:
                now += " · submitting"
        else:
            now = f"step {order.step or 'starting'}"
        tail = ""
        if order.outcome is not None:
            tail = f" · last: {order.outcome}" + (f' "{order.text}"' if order.text else "")
        line = Text.assemble(
            (f"order {order.order_id}: ", self._style("bold")),
            (now, self._style("cyan")),
            (tail, self._style("dim")),
            no_wrap=True,
            overflow="ellipsis",
        )
        line.truncate(max(20, width - 1), overflow="ellipsis")
        return line

    def _bar(self, width: int) -> RenderableType:
        total = self.total or 0
        done = sum(self._finished.values())
        counts = ", ".join(
            f"{status} {n}" for status, n in sorted(self._finished.items(), key=lambda kv: kv[0])
        )
        elapsed = self.clock() - self._started
        text = Text(
            f"] {done}/{total} orders, {len(self._orders)} running"
            + (f", {counts}" if counts else "")
            + f" · {elapsed:.0f} s",
            style=self._style("bold"),
            no_wrap=True,
            overflow="ellipsis",
        )
        text.truncate(max(20, width - 1 - _BAR_WIDTH - 1), overflow="ellipsis")
        grid = Table.grid()
        grid.add_row(
            Text("["),
            ProgressBar(total=max(total, 1), completed=done, width=_BAR_WIDTH),
            text,
        )
        return grid

    def _renderable(self) -> RenderableType:
        width = self._width or _columns(self.stream)
        if self._console is not None:
            self._console.width = width
        lines: list[RenderableType] = [self._line(o, width) for o in self._orders.values()]
        if self.total is not None:
            lines.append(self._bar(width))
        return Group(*lines)

    def _redraw(self) -> None:
        if self._console is None:
            return
        try:
            if self._live is None:
                self._live = Live(
                    console=self._console,
                    auto_refresh=False,
                    transient=True,
                    redirect_stdout=False,
                    redirect_stderr=False,
                    get_renderable=self._renderable,
                )
                self._live.start(refresh=True)
            else:
                self._live.refresh()
        except (OSError, ValueError):  # a closed or broken console must not stop the run
            pass

    def _above(self, line: Text | str) -> None:
        if self._console is None:
            self._write(f"{line}\n")
            return
        try:
            if self._live is None:
                self._console.width = self._width or _columns(self.stream)
            self._console.print(line, soft_wrap=True)
            if self._live is not None:  # the block under it shows what changed (the bar)
                self._live.refresh()
        except (OSError, ValueError):
            pass

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken console must not stop the run
            pass


def ticking_sleep(
    progress: Progress,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    interval_s: float = 0.5,
) -> Callable[[float], Awaitable[None]]:
    """A sleep for the run that redraws the countdown every ``interval_s`` while it waits."""

    async def _sleep(seconds: float) -> None:
        if not progress.live:
            await sleep(seconds)
            return
        remaining = seconds
        while remaining > 0:
            chunk = min(interval_s, remaining)
            await sleep(chunk)
            remaining -= chunk
            progress.tick()

    return _sleep
