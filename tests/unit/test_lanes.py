"""Spreading a batch over several browsers: the bound per browser, and a browser that dies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest
from playwright.async_api import Browser

from agent.cli.session import ws_endpoints
from agent.errors import InvalidConfig
from agent.flow.lanes import Lane, close_lanes, spread
from agent.outcome import Outcome, Status


class FakeBrowser:
    """The little of a Playwright Browser a lane uses: the disconnected event."""

    def __init__(self) -> None:
        self.connected = True
        self.listeners: list[Callable[[Any], None]] = []

    def on(self, event: str, listener: Callable[[Any], None]) -> None:
        assert event == "disconnected"
        self.listeners.append(listener)

    def is_connected(self) -> bool:
        return self.connected

    def die(self) -> None:
        self.connected = False
        for listener in self.listeners:
            listener(self)

    async def close(self) -> None:
        self.die()  # Playwright reports its own closing as a disconnection too


def lane(name: str) -> tuple[Lane, FakeBrowser]:
    browser = FakeBrowser()
    return Lane(name=name, browser=cast(Browser, browser)), browser


class Recorder:
    """A stand-in for the batch's run and finished hooks, recording what ran where."""

    def __init__(self) -> None:
        self.ran: list[tuple[int, str]] = []
        self.finished: dict[int, Outcome] = {}
        self.running: dict[str, int] = {}
        self.most: dict[str, int] = {}

    async def finish(self, index: int, outcome: Outcome) -> None:
        assert index not in self.finished, f"order {index} finished twice"
        self.finished[index] = outcome


def test_orders_spread_over_the_lanes_within_the_bound_of_each() -> None:
    """Twelve orders, two lanes of 2: never more than 2 at once in a lane, both lanes used."""
    rec = Recorder()
    (a, _), (b, _) = lane("ws://a/"), lane("ws://b/")

    async def run(index: int, where: Lane) -> Outcome:
        rec.ran.append((index, where.name))
        rec.running[where.name] = rec.running.get(where.name, 0) + 1
        rec.most[where.name] = max(rec.most.get(where.name, 0), rec.running[where.name])
        for _ in range(3):
            await asyncio.sleep(0)  # let the other workers interleave
        rec.running[where.name] -= 1
        return Outcome(status=Status.OPENED, order_id=str(index))

    left = asyncio.run(spread(12, [a, b], per_lane=2, run=run, finished=rec.finish))
    assert left == []
    assert sorted(rec.finished) == list(range(12))
    assert rec.most == {"ws://a/": 2, "ws://b/": 2}
    assert (a.done, b.done) == (6, 6)
    assert a.as_dict() == {"server": "ws://a/", "orders": 6, "requeued": 0, "lost": False}


def test_the_orders_of_a_lost_browser_run_again_in_another() -> None:
    """Lane A dies with two orders in flight: both go back, run in B, and finish once each."""
    rec = Recorder()
    (a, browser_a), (b, _) = lane("ws://a/"), lane("ws://b/")
    release = asyncio.Event()

    async def run(index: int, where: Lane) -> Outcome:
        rec.ran.append((index, where.name))
        if where is a:
            if len([r for r in rec.ran if r[1] == "ws://a/"]) == 2:
                browser_a.die()  # the second order in A: the server goes away
                release.set()
            await release.wait()
            return Outcome(status=Status.ERROR, order_id=str(index), message="target closed")
        await release.wait()
        return Outcome(status=Status.OPENED, order_id=str(index))

    left = asyncio.run(spread(6, [a, b], per_lane=2, run=run, finished=rec.finish, grace_s=0))
    assert left == []
    assert sorted(rec.finished) == list(range(6))
    assert all(o.status is Status.OPENED for o in rec.finished.values())
    in_a = [i for i, name in rec.ran if name == "ws://a/"]
    assert len(in_a) == 2
    for index in in_a:  # each lost order ran again in B
        assert (index, "ws://b/") in rec.ran
    assert a.as_dict() == {"server": "ws://a/", "orders": 0, "requeued": 2, "lost": True}
    assert b.done == 6


def test_an_answer_read_from_the_site_stands_though_its_browser_died() -> None:
    """An order opened just before its browser died is finished, not run again."""
    rec = Recorder()
    (a, browser_a), (b, _) = lane("ws://a/"), lane("ws://b/")

    async def run(index: int, where: Lane) -> Outcome:
        rec.ran.append((index, where.name))
        if where is a:
            browser_a.die()
        return Outcome(status=Status.OPENED, order_id=str(index))

    asyncio.run(spread(2, [a, b], per_lane=1, run=run, finished=rec.finish, grace_s=0))
    assert len(rec.ran) == 2 and sorted(rec.finished) == [0, 1]
    assert a.requeued == 0 and a.gone.is_set()


def test_an_error_in_a_live_browser_is_final() -> None:
    """An error while the browser still runs is the order's outcome: no second run."""
    rec = Recorder()
    (a, _) = lane("local")

    async def run(index: int, where: Lane) -> Outcome:
        rec.ran.append((index, where.name))
        return Outcome(status=Status.ERROR, order_id=str(index))

    asyncio.run(spread(3, [a], per_lane=1, run=run, finished=rec.finish, grace_s=0))
    assert len(rec.ran) == 3
    assert all(o.status is Status.ERROR for o in rec.finished.values())


def test_orders_left_when_every_browser_is_lost_are_returned() -> None:
    """One lane that dies at its first order: that order (requeued) and the rest are left."""
    rec = Recorder()
    (a, browser_a) = lane("ws://a/")

    async def run(index: int, where: Lane) -> Outcome:
        rec.ran.append((index, where.name))
        browser_a.die()
        return Outcome(status=Status.GAVE_UP, order_id=str(index))

    left = asyncio.run(spread(4, [a], per_lane=1, run=run, finished=rec.finish, grace_s=0))
    assert left == [0, 1, 2, 3]
    assert rec.finished == {}


def test_an_order_that_keeps_losing_its_browser_stops_after_the_limit() -> None:
    """Every lane dies under the same order: after two runs again it ends in its error."""
    rec = Recorder()
    lanes = [lane(f"ws://{n}/") for n in "abcd"]

    async def run(index: int, where: Lane) -> Outcome:
        rec.ran.append((index, where.name))
        dict(lanes)[where].die()
        return Outcome(status=Status.ERROR, order_id=str(index))

    left = asyncio.run(
        spread(
            1,
            [lane_ for lane_, _ in lanes],
            per_lane=1,
            run=run,
            finished=rec.finish,
            requeue_limit=2,
            grace_s=0,
        )
    )
    assert left == []
    assert len(rec.ran) == 3
    assert rec.finished[0].status is Status.ERROR


def test_closing_the_browsers_at_the_end_is_no_loss() -> None:
    """The batch's own close disconnects the browser: the lane is not reported lost."""
    (a, browser_a) = lane("ws://a/")
    a.watch(lambda: None)
    asyncio.run(close_lanes([a]))
    assert not browser_a.connected
    assert a.as_dict()["lost"] is False


# --- --ws-endpoint ------------------------------------------------------------------------


def test_ws_endpoints_come_from_urls_and_files_in_order_once_each(tmp_path) -> None:
    """URLs as given, a file's lines (comments and blanks skipped), the same server once."""
    servers = tmp_path / "servers.txt"
    servers.write_text("# two more\nws://10.0.0.2:3000/\n\nws://10.0.0.3:3000/\n", encoding="utf-8")
    assert ws_endpoints(["ws://10.0.0.1:3000/", str(servers), "ws://10.0.0.2:3000/"]) == [
        "ws://10.0.0.1:3000/",
        "ws://10.0.0.2:3000/",
        "ws://10.0.0.3:3000/",
    ]
    assert ws_endpoints(None) == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "is neither a ws:// URL nor a readable file"),
        ("ws://10.0.0.1:3000/\n10.0.0.2:3000\n", "line 2: '10.0.0.2:3000' is not a ws:// URL"),
        ("# nothing\n\n", "lists no Playwright server"),
    ],
)
def test_a_bad_ws_endpoint_is_one_line_exit_2(tmp_path, content: str | None, says: str) -> None:
    """A value that is no URL nor file, a bad line, an empty list: one line naming it."""
    path = tmp_path / "servers.txt"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidConfig) as info:
        ws_endpoints([str(path)])
    assert says in str(info.value) and "\n" not in str(info.value)
    assert info.value.exit_code == 2
