"""Console progress: live lines redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest

from agent.events import AnswerEvent, AttemptEvent, DoneEvent, StepEvent, WaitEvent
from agent.progress import Progress, is_live, ticking_sleep

BUSY = "System busy, please try again later"
EVENTS: dict[str, type] = {
    "step": StepEvent, "attempt": AttemptEvent, "answer": AnswerEvent, "wait": WaitEvent,
    "done": DoneEvent,
}


@dataclass(frozen=True)
class SomethingNew:
    """An event kind the console does not know (a later version's)."""

    order_id: str


def emit(progress: Progress, kind: str, fields: dict[str, Any]) -> None:
    """Hand the run event of that kind, with those fields, to the progress hook."""
    event = EVENTS.get(kind, SomethingNew)(**fields)
    progress(event)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def screen(output: str) -> list[str]:
    """What a terminal shows after ``output``: supports newline, cursor up and clear line."""
    lines, row = [""], 0
    for token in re.findall(r"\x1b\[(\d*)([A-Za-z])|(\n)|([^\x1b\n]+)", output):
        count, code, newline, text = token
        if newline:
            row += 1
            if row == len(lines):
                lines.append("")
        elif code == "A":
            row = max(0, row - int(count or 1))
        elif code == "K":
            lines[row] = ""
        elif text:
            lines[row] += text
        else:
            raise AssertionError(f"unexpected escape {token!r}")
    return [line for line in lines if line]


def run_events(progress: Progress, order_id: str = "1001") -> None:
    """A short run: two busy answers with waits, then opened."""
    emit(progress, "step", {"order_id": order_id, "step": "order-page"})
    emit(progress, "attempt", {"order_id": order_id, "attempt": 1})
    emit(progress, "answer", {"order_id": order_id, "attempt": 1, "outcome": "busy", "text": BUSY})
    emit(progress, "wait", {"order_id": order_id, "attempt": 1, "wait_s": 5.0, "cause": "backoff"})


def test_plain_mode_prints_one_plain_line_per_event() -> None:
    """Without a terminal, each event is one line with no escape code."""
    out = io.StringIO()
    progress = Progress(stream=out, max_attempts=5, clock=FakeClock())
    assert progress.live is False
    run_events(progress)
    progress.tick()  # nothing to redraw in plain mode
    emit(progress, "attempt", {"order_id": "1001", "attempt": 2})
    emit(
        progress,
        "answer",
        {"order_id": "1001", "attempt": 2, "outcome": "opened", "text": "Dispute D-000123 opened"},
    )
    emit(progress, "done", {"order_id": "1001", "status": "opened"})
    assert out.getvalue().splitlines() == [
        "order 1001: step order-page",
        "order 1001: attempt 1 of 5",
        f'order 1001: attempt 1 of 5: busy "{BUSY}"',
        "order 1001: next try in 5.0 s (backoff), attempt 2 of 5",
        "order 1001: attempt 2 of 5",
        'order 1001: attempt 2 of 5: opened "Dispute D-000123 opened"',
        "order 1001: done: opened after 2 attempts",
    ]
    assert "\x1b" not in out.getvalue()


@pytest.mark.parametrize(
    ("env", "tty", "live"),
    [
        ({}, True, True),
        ({"CI": "true"}, True, False),
        ({"CI": "TRUE"}, True, False),
        ({"CI": "false"}, True, True),
        ({}, False, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_live_only_on_a_terminal_outside_ci(env: dict[str, str], tty: bool, live: bool) -> None:
    """Live mode needs a terminal, and CI=true (or a dumb terminal) turns it off."""
    stream = Tty() if tty else io.StringIO()
    assert is_live(stream, env) is live
    assert Progress(stream=stream, max_attempts=3, env=env).live is live


def test_explicit_live_overrides_detection() -> None:
    """live=True or live=False wins over what the stream and environment say."""
    assert Progress(stream=io.StringIO(), live=True).live is True
    assert Progress(stream=Tty(), live=False, env={}).live is False


def test_live_line_shows_attempt_outcome_and_countdown() -> None:
    """The live line gives attempt k of N, the last outcome and the time left to the next try."""
    out, clock = Tty(), FakeClock()
    progress = Progress(stream=out, max_attempts=5, live=True, clock=clock, width=200)
    run_events(progress)
    assert screen(out.getvalue()) == [
        f'order 1001: attempt 1 of 5 | last: busy "{BUSY}" | next try in 5.0 s (backoff)'
    ]
    clock.now += 2.0
    progress.tick()
    assert screen(out.getvalue())[-1].endswith("| next try in 3.0 s (backoff)")
    clock.now += 10.0
    progress.tick()
    assert screen(out.getvalue())[-1].endswith("| next try in 0.0 s (backoff)")
    emit(progress, "attempt", {"order_id": "1001", "attempt": 2})
    assert screen(out.getvalue()) == [
        f'order 1001: attempt 2 of 5 | last: busy "{BUSY}" | submitting'
    ]


def test_live_mode_keeps_one_line_per_order() -> None:
    """Two orders interleaved stay on two lines, each redrawn in place."""
    out, clock = Tty(), FakeClock()
    progress = Progress(stream=out, max_attempts=3, live=True, clock=clock, width=200)
    run_events(progress, "1001")
    run_events(progress, "1002")
    emit(progress, "attempt", {"order_id": "1001", "attempt": 2})
    lines = screen(out.getvalue())
    assert len(lines) == 2
    assert lines[0].startswith("order 1001: attempt 2 of 3")
    assert lines[1].startswith("order 1002: attempt 1 of 3") and "next try in 5.0 s" in lines[1]
    assert "\x1b[2A" in out.getvalue()


def test_finished_orders_stay_put_and_stop_being_redrawn() -> None:
    """A done line at the top is left as it is; later redraws touch only running orders."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=3, live=True, clock=FakeClock(), width=200)
    run_events(progress, "1001")
    run_events(progress, "1002")
    emit(progress, "done", {"order_id": "1001", "status": "gave_up"})
    before = len(out.getvalue())
    progress.tick()
    redraw = out.getvalue()[before:]
    assert "1001" not in redraw and redraw.startswith("\x1b[1A")
    emit(progress, "done", {"order_id": "1002", "status": "opened"})
    assert screen(out.getvalue()) == [
        f'order 1001: gave_up after 1 attempt | last: busy "{BUSY}"',
        f'order 1002: opened after 1 attempt | last: busy "{BUSY}"',
    ]


def test_live_lines_fit_the_terminal_width() -> None:
    """A long site text is cut so the line never wraps (wrapping would break the redraw)."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=3, live=True, clock=FakeClock(), width=50)
    emit(
        progress, "answer", {"order_id": "1001", "attempt": 1, "outcome": "busy", "text": "x" * 500}
    )
    assert all(len(line) <= 49 for line in screen(out.getvalue()))


@pytest.mark.parametrize("live", [True, False])
def test_site_text_cannot_drive_the_terminal(live: bool) -> None:
    """Control characters in the site's text or the order id are removed before printing."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=3, live=live, clock=FakeClock(), width=200)
    emit(
        progress,
        "answer",
        {
            "order_id": "10\x1b[2J01",
            "attempt": 1,
            "outcome": "busy",
            "text": "System\x1b[31m busy\r\x07 now\x9b",
        },
    )
    text = out.getvalue()
    assert (
        "\x1b[31m" not in text and "\x1b[2J" not in text and "\r" not in text and "\x07" not in text
    )
    assert "\x9b" not in text
    assert 'busy "System [31m busy now"' in screen(text)[0]


def test_missing_max_attempts_and_unknown_events_are_tolerated() -> None:
    """Without max_attempts the line says "attempt k"; an unknown event is ignored."""
    out = io.StringIO()
    progress = Progress(stream=out, clock=FakeClock())
    emit(progress, "attempt", {"order_id": "7", "attempt": 1})
    emit(progress, "something_new", {"order_id": "7"})
    assert out.getvalue() == "order 7: attempt 1\n"


def test_ticking_sleep_counts_down_while_it_waits() -> None:
    """The run's sleep sleeps in small steps and redraws the countdown after each."""
    out, clock = Tty(), FakeClock()
    progress = Progress(stream=out, max_attempts=3, live=True, clock=clock, width=200)
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    run_events(progress)
    seen = []
    original_tick = progress.tick

    def spy_tick() -> None:
        original_tick()
        seen.append(screen(out.getvalue())[-1].rsplit("next try in ", 1)[1])

    progress.tick = spy_tick  # type: ignore[method-assign]  # spy on the redraws
    asyncio.run(ticking_sleep(progress, sleep=fake_sleep, interval_s=2.0)(5.0))
    assert slept == [2.0, 2.0, 1.0]
    assert seen == ["3.0 s (backoff)", "1.0 s (backoff)", "0.0 s (backoff)"]


def test_ticking_sleep_sleeps_once_in_plain_mode() -> None:
    """Without a live line there is nothing to count down: one sleep of the whole wait."""
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    progress = Progress(stream=io.StringIO(), max_attempts=3, clock=FakeClock())
    asyncio.run(ticking_sleep(progress, sleep=fake_sleep)(7.5))
    assert slept == [7.5]


def test_a_broken_stream_does_not_stop_the_run() -> None:
    """Writing to a closed stream is ignored."""
    out = io.StringIO()
    out.close()
    emit(
        Progress(stream=out, max_attempts=3, clock=FakeClock()),
        "attempt",
        {"order_id": "1", "attempt": 1},
    )
