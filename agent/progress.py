"""Progress on the console: a live status per order and a bar for a batch, or plain lines.

`Progress` is the run's ``on_event`` hook. In live mode (a terminal, and ``CI`` is not true) each
running order has one line, redrawn in place: the attempt (k of N), then the countdown to the next
try (refreshed by `Progress.tick`, which `ticking_sleep` calls while the run waits), then the last
answer, cut to the terminal's width. A batch adds one progress bar under them, and each order that
ends leaves one line above (`Progress.finished`). Log lines and notes go above the live block
(`Progress.print_above`, `Progress.log_stream`) so they never tear it.

In plain mode (a pipe, a file, CI) a single order prints one plain line per attempt, answer and
wait, and a batch one line per finished order, without any escape code. ``Progress(enabled=
False)`` prints nothing (``-q``, JSON logs). Texts from the site are printed with their control
characters made visible (`agent.console.visible`), so a page cannot drive the terminal.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from agent.console import Paint, colour_enabled, is_live, plural, visible
from agent.events import AnswerEvent, AttemptEvent, DoneEvent, RunEvent, StepEvent, WaitEvent
from agent.outcome import Outcome, Status

__all__ = ["STATUS_STYLES", "Progress", "is_live", "ticking_sleep"]

_UP = "\x1b[{n}A"  # cursor up n lines (column 0 is kept: every drawn line ends with a newline)
_CLEAR_LINE = "\x1b[2K"
_CLEAR_BELOW = "\x1b[J"

#: The colour of each final status on a terminal.
STATUS_STYLES: Mapping[Status, tuple[str, ...]] = {
    Status.OPENED: ("green", "bold"),
    Status.ALREADY_OPEN: ("green",),
    Status.INVALID: ("yellow", "bold"),
    Status.INELIGIBLE: ("yellow",),
    Status.GAVE_UP: ("red", "bold"),
    Status.NEEDS_HUMAN: ("yellow", "bold"),
    Status.INTERRUPTED: ("yellow",),
    Status.ERROR: ("red", "bold"),
}
_BAR_WIDTH = 24


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
        self.paint = Paint(colour_enabled(self.stream, env) if colour is None else colour)
        self._width = width
        self._orders: dict[str, _Order] = {}
        self._finished: Counter[Status] = Counter()
        self._started = clock()
        self._drawn = 0  # lines of the live block currently on screen
        self._lock = threading.RLock()

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
            status = self.paint(str(outcome.status), *STATUS_STYLES.get(outcome.status, ()))
            dispute = f" {visible(outcome.dispute_id, 40)}" if outcome.dispute_id else ""
            line = (
                f"{count} order {visible(outcome.order_id, 40)}: {status}{dispute} "
                f"({plural(outcome.attempts, 'attempt')}, {outcome.elapsed_s:.1f} s)"
            )
            self.print_above(line)

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
            if not self.live:
                self._write(text + "\n")
                return
            self._write(self._erase() + text + "\n")
            self._drawn = 0
            self._redraw()

    def log_stream(self) -> TextIO:
        """A stream for the console's log lines: each line is printed above the live block."""
        return _AboveLive(self)  # type: ignore[return-value]

    def close(self) -> None:
        """Take the live block off the screen (the outcome is printed after it)."""
        with self._lock:
            if self.live and self._drawn:
                self._write(self._erase())
                self._drawn = 0
            self._orders.clear()

    # -- rendering -------------------------------------------------------------------------
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

    def _line(self, order: _Order, width: int) -> str:
        """One running order: what it does now and the countdown first, the site's text last."""
        head = f"order {order.order_id}: "
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
        plain = visible(head + now + tail, max(20, width - 1))
        # colour only the parts that were not cut
        cut_head = plain[: len(head)]
        rest = plain[len(head) :]
        now_part, tail_part = rest[: len(now)], rest[len(now) :]
        return (
            self.paint(cut_head, "bold")
            + self.paint(now_part, "cyan")
            + self.paint(tail_part, "dim")
        )

    def _bar(self, width: int) -> str:
        total = self.total or 0
        done = sum(self._finished.values())
        filled = round(_BAR_WIDTH * done / total) if total else 0
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        counts = ", ".join(
            f"{status} {n}" for status, n in sorted(self._finished.items(), key=lambda kv: kv[0])
        )
        elapsed = self.clock() - self._started
        text = (
            f"[{bar}] {done}/{total} orders, {len(self._orders)} running"
            + (f", {counts}" if counts else "")
            + f" · {elapsed:.0f} s"
        )
        return self.paint(visible(text, max(20, width - 1)), "bold")

    def _erase(self) -> str:
        if not self._drawn:
            return ""
        return _UP.format(n=self._drawn) + "\r" + _CLEAR_BELOW

    def _redraw(self) -> None:
        width = self._width or shutil.get_terminal_size((100, 24)).columns
        lines = [self._line(order, width) for order in self._orders.values()]
        if self.total is not None:
            lines.append(self._bar(width))
        out = [_UP.format(n=self._drawn)] if self._drawn else []
        out.extend(_CLEAR_LINE + line + "\n" for line in lines)
        if self._drawn > len(lines):  # fewer lines than before: clear what is left below
            out.append(_CLEAR_BELOW)
        self._write("".join(out))
        self._drawn = len(lines)

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
