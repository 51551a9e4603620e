"""Console progress: live lines redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

import pyte
import pytest
from rich.cells import cell_len

from agent.console import visible
from agent.events import AnswerEvent, AttemptEvent, DoneEvent, StepEvent, WaitEvent
from agent.outcome import Outcome, Status
from agent.progress import Progress, is_live, ticking_sleep

BUSY = "System busy, please try again later"
EVENTS: dict[str, type] = {
    "step": StepEvent,
    "attempt": AttemptEvent,
    "answer": AnswerEvent,
    "wait": WaitEvent,
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


def screen(output: str, columns: int = 200) -> list[str]:
    """What a terminal shows after ``output`` (rendered by pyte, a VT100 emulator)."""
    term = pyte.Screen(columns, 30)
    pyte.Stream(term).feed(output.replace("\n", "\r\n"))
    return [line.rstrip() for line in term.display if line.strip()]


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
    """The live line gives attempt k of N and the countdown first, then the last answer."""
    out, clock = Tty(), FakeClock()
    progress = Progress(stream=out, max_attempts=5, live=True, clock=clock, width=200)
    run_events(progress)
    assert screen(out.getvalue()) == [
        f'order 1001: attempt 1 of 5 · next try in 5.0 s (backoff) · last: busy "{BUSY}"'
    ]
    clock.now += 2.0
    progress.tick()
    assert "· next try in 3.0 s (backoff) ·" in screen(out.getvalue())[-1]
    clock.now += 10.0
    progress.tick()
    assert "· next try in 0.0 s (backoff) ·" in screen(out.getvalue())[-1]
    emit(progress, "attempt", {"order_id": "1001", "attempt": 2})
    assert screen(out.getvalue()) == [
        f'order 1001: attempt 2 of 5 · submitting · last: busy "{BUSY}"'
    ]


def test_the_countdown_survives_a_narrow_terminal() -> None:
    """At 80 columns the site's long text is cut, never the countdown before it."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=15, live=True, clock=FakeClock(), width=80)
    run_events(progress, "8123456789")
    (line,) = screen(out.getvalue(), columns=80)
    assert "attempt 1 of 15 · next try in 5.0 s (backoff)" in line
    assert len(line) <= 79 and line.endswith("…")


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
    assert out.getvalue().count("order 1001: ") >= 5  # drawn again and again, in place


def test_a_finished_single_order_leaves_the_screen_to_the_outcome() -> None:
    """When the one order is done its live line is cleared (the outcome is printed after)."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=3, live=True, clock=FakeClock(), width=200)
    run_events(progress)
    emit(progress, "done", {"order_id": "1001", "status": "opened"})
    assert screen(out.getvalue()) == []


def outcome(order_id: str, status: Status, attempts: int = 1) -> Outcome:
    """A finished order's outcome, as a batch hands it to the progress display."""
    return Outcome(
        status=status,
        order_id=order_id,
        attempts=attempts,
        elapsed_s=2.5,
        dispute_id="D-000100" if status.ok else None,
    )


def test_a_batch_shows_running_orders_a_bar_and_a_line_per_finished_order() -> None:
    """Finished orders stay above, the running ones below them, and one bar at the bottom."""
    out, clock = Tty(), FakeClock()
    progress = Progress(
        stream=out, max_attempts=3, live=True, clock=clock, width=120, total=3, colour=False
    )
    run_events(progress, "1001")
    run_events(progress, "1002")
    clock.now += 4
    emit(progress, "done", {"order_id": "1001", "status": "opened"})
    progress.finished(outcome("1001", Status.OPENED))
    lines = screen(out.getvalue(), columns=120)
    assert lines[0] == "[1/3] order 1001: opened D-000100 (1 attempt, 2.5 s)"
    assert lines[1].startswith("order 1002: attempt 1 of 3")
    assert lines[2].startswith("[━━━━━━━━                ] 1/3 orders, 1 running, opened 1")
    assert len(lines) == 3
    progress.finished(outcome("1002", Status.GAVE_UP, attempts=3))
    progress.finished(outcome("1003", Status.INELIGIBLE, attempts=0))
    lines = screen(out.getvalue(), columns=120)
    assert lines[1] == "[2/3] order 1002: gave_up (3 attempts, 2.5 s)"
    assert lines[2] == "[3/3] order 1003: ineligible (0 attempts, 2.5 s)"
    assert lines[3].startswith("[━━━━━━━━━━━━━━━━━━━━━━━━] 3/3 orders, 0 running")
    progress.close()
    assert len(screen(out.getvalue(), columns=120)) == 3


def test_a_plain_batch_prints_only_a_line_per_finished_order() -> None:
    """Without a terminal a batch stays quiet: one line per order as it ends, no escape code."""
    out = io.StringIO()
    progress = Progress(stream=out, max_attempts=3, clock=FakeClock(), total=2)
    run_events(progress, "1001")
    emit(progress, "done", {"order_id": "1001", "status": "opened"})
    progress.finished(outcome("1001", Status.OPENED))
    assert out.getvalue() == "[1/2] order 1001: opened D-000100 (1 attempt, 2.5 s)\n"


def test_log_lines_are_printed_above_the_live_block() -> None:
    """A warning logged while orders run appears on a line of its own, the live line intact."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=3, live=True, clock=FakeClock(), width=200)
    run_events(progress)
    stream = progress.log_stream()
    stream.write("a warning line\nand a sec")
    stream.write("ond one\n")
    lines = screen(out.getvalue())
    assert lines[:2] == ["a warning line", "and a second one"]
    assert lines[2].startswith("order 1001: attempt 1 of 3 · next try in")


@pytest.mark.parametrize(("env", "coloured"), [({}, True), ({"NO_COLOR": "1"}, False)])
def test_colour_on_a_terminal_unless_no_color(env: dict[str, str], coloured: bool) -> None:
    """A terminal gets colour; NO_COLOR (any value) turns it off."""
    out = Tty()
    progress = Progress(
        stream=out, max_attempts=3, live=True, clock=FakeClock(), width=200, env=env
    )
    run_events(progress)
    assert ("\x1b[36m" in out.getvalue()) is coloured


def test_disabled_progress_prints_nothing() -> None:
    """-q and JSON logs: no progress line at all."""
    out = Tty()
    progress = Progress(stream=out, max_attempts=3, clock=FakeClock(), enabled=False, total=2)
    run_events(progress)
    progress.finished(outcome("1001", Status.OPENED))
    progress.print_above("note")
    assert out.getvalue() == ""


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
    """Control characters in the site's text or the order id are shown as escapes, not run."""
    out = Tty()
    progress = Progress(
        stream=out, max_attempts=3, live=live, clock=FakeClock(), width=200, colour=False
    )
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
    for control in ("\x1b[31m", "\x1b[2J", "\r", "\x07", "\x9b"):
        assert control not in text
    assert 'busy "System\\x1b[31m busy \\x07 now\\x9b"' in screen(text)[0]
    assert "order 10\\x1b[2J01:" in screen(text)[0]


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
        seen.append(screen(out.getvalue())[-1].split("next try in ", 1)[1].split(" · ")[0])

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


@pytest.mark.parametrize(
    "text",
    [
        "系统繁忙，请稍后再试",  # noqa: RUF001  # the storefront's Chinese busy text
        "系统繁忙，请稍后再试。" * 9,  # noqa: RUF001  # a long one
        "Busy 🙂 again 🙂 please 🙂 wait 🙂 " * 6,
    ],
)
def test_wide_text_is_cut_by_terminal_cells_and_never_wraps(text: str) -> None:
    """At 80 columns, Chinese and emoji (two cells each) are cut by cells: after five attempts
    and their countdowns the screen holds one line, within 79 cells, countdown first."""
    out, clock = Tty(), FakeClock()
    progress = Progress(stream=out, max_attempts=15, live=True, clock=clock, width=80)
    for attempt in range(1, 6):
        emit(progress, "attempt", {"order_id": "1001", "attempt": attempt})
        emit(
            progress,
            "answer",
            {"order_id": "1001", "attempt": attempt, "outcome": "busy", "text": text},
        )
        emit(
            progress,
            "wait",
            {"order_id": "1001", "attempt": attempt, "wait_s": 3.0, "cause": "backoff"},
        )
        for _ in range(3):
            clock.now += 0.5
            progress.tick()
    rows = screen(out.getvalue(), columns=80)
    assert len(rows) == 1, rows  # no wrapped line, no stale copy above
    assert rows[0].startswith("order 1001: attempt 5 of 15 · next try in 1.5 s (backoff)")
    assert cell_len(rows[0]) <= 79


def test_visible_cuts_by_terminal_cells() -> None:
    """A limit counts cells: ten Chinese characters are twenty; the cut never splits one."""
    chinese = "系统繁忙请稍后再试啊"
    assert visible(chinese, 20) == chinese
    cut = visible(chinese, 11)
    assert cut == "系统繁忙..." and cell_len(cut) <= 11
    assert visible("🙂" * 10, 9) == "🙂🙂🙂..."
