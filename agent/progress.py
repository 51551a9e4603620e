"""Progress on the console: one live line per order, or plain lines for logs and CI.

`Progress` is the run's ``on_event`` hook. In live mode (a terminal, and ``CI`` is not true) each
order has one line, redrawn in place with ANSI codes: the attempt (k of N), the last outcome, and
a countdown to the next try that `Progress.tick` refreshes from the clock (`ticking_sleep` calls it
while the run waits). Otherwise each event prints one plain line without any escape code. Texts
from the site are stripped of control characters, so a page cannot drive the terminal.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from agent.events import AnswerEvent, AttemptEvent, DoneEvent, RunEvent, StepEvent, WaitEvent

__all__ = ["Progress", "is_live", "ticking_sleep"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_UP = "\x1b[{n}A"  # cursor up n lines (column 0 is kept: every drawn line ends with a newline)
_CLEAR_LINE = "\x1b[2K"


def _clean(text: object, limit: int) -> str:
    """One line of printable text, at most ``limit`` characters."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 3)] + "..."


def is_live(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal and the environment is not CI (nor a dumb terminal)."""
    env = os.environ if env is None else env
    if env.get("CI", "").strip().lower() in ("true", "1") or env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


@dataclass(slots=True)
class _Order:
    """What the console shows of one order (mutable state, updated by events)."""

    order_id: str
    step: str | None = None
    attempt: int = 0
    answered: bool = False
    outcome: str | None = None
    text: str = ""
    wait_until: float | None = None
    cause: str | None = None
    status: str | None = None


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
    ) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.max_attempts = max_attempts
        self.live = is_live(self.stream, env) if live is None else live
        self.clock = clock
        self._width = width
        self._orders: dict[str, _Order] = {}
        self._committed = 0  # leading finished lines that are never redrawn again
        self._drawn = 0  # lines of the live block currently on screen

    # -- events ----------------------------------------------------------------------------
    def __call__(self, event: RunEvent, /) -> None:
        """Take one run event: step, attempt, answer, wait or done."""
        order_id = _clean(event.order_id, 40)
        order = self._orders.get(order_id)
        if order is None:
            order = self._orders[order_id] = _Order(order_id)
        match event:
            case StepEvent(step=step):
                order.step = _clean(step, 40)
            case AttemptEvent(attempt=attempt):
                order.attempt = attempt
                order.answered, order.wait_until, order.cause = False, None, None
            case AnswerEvent(attempt=attempt, outcome=outcome, text=text):
                order.attempt = attempt
                order.answered = True
                order.outcome = _clean(outcome, 20)
                order.text = _clean(text, 200)
            case WaitEvent(wait_s=wait_s, cause=cause):
                order.wait_until = self.clock() + wait_s
                order.cause = _clean(cause or "backoff", 20)
            case DoneEvent(status=status):
                order.status = _clean(status, 20)
                order.wait_until = None
            case _:  # an event this console does not show
                return
        if self.live:
            self._redraw()
        else:
            self._write(self._plain(event, order) + "\n")

    def tick(self) -> None:
        """Redraw the live lines, so countdowns show the time left now; no-op in plain mode."""
        if self.live and self._orders:
            self._redraw()

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
        noun = "attempt" if order.attempt == 1 else "attempts"
        return f"{head} done: {order.status} after {order.attempt} {noun}"

    def _line(self, order: _Order) -> str:
        parts = [f"order {order.order_id}:"]
        if order.status is not None:
            noun = "attempt" if order.attempt == 1 else "attempts"
            parts.append(f"{order.status} after {order.attempt} {noun}")
        elif order.attempt:
            parts.append(self._of(order.attempt))
        else:
            parts.append(f"step {order.step or 'starting'}")
        if order.outcome is not None:
            parts.append(
                f"| last: {order.outcome}" + (f' "{_clean(order.text, 60)}"' if order.text else "")
            )
        if order.status is None and order.wait_until is not None:
            parts.append(f"| next try in {self._remaining(order):.1f} s ({order.cause})")
        elif order.status is None and order.attempt and not order.answered:
            parts.append("| submitting")
        return " ".join(parts)

    def _redraw(self) -> None:
        width = self._width or shutil.get_terminal_size((100, 24)).columns
        block = list(self._orders.values())[self._committed :]
        out = [_UP.format(n=self._drawn)] if self._drawn else []
        for order in block:
            out.append(_CLEAR_LINE + _clean(self._line(order), max(20, width - 1)) + "\n")
        self._write("".join(out))
        self._drawn = len(block)
        for order in block:  # finished lines at the top of the block stay as they are, for good
            if order.status is None:
                break
            self._committed += 1
            self._drawn -= 1

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
