"""Where a batch's orders run: one browser, or one browser on each of several Playwright servers.

A *lane* is one browser and the orders running in it, at most ``per_lane`` at a time. `spread`
hands the batch's orders to the lanes as their slots free up (a shared queue: a fast server
takes more orders). When a lane's browser goes away (its server died, the connection broke),
every order that was running in it and ended in an ``error`` goes back to the front of the
queue (and one that gave up, or whose submission was still on its way when its browser went:
its attempts may have failed for the lost browser), and the lane
takes no more orders; another lane runs it again, and that run starts as
every run does: it reads the order page first and settles the journal's unfinished intents
there (a dispute the lost run created is found, never submitted twice) before it submits.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, Playwright

from agent.browser import BrowserTarget, connect
from agent.errors import InvalidConfig
from agent.log import get_logger
from agent.outcome import Outcome, Status

__all__ = ["REQUEUE_LIMIT", "Lane", "close_lanes", "open_lanes", "spread"]

log = get_logger("agent.batch")

#: How many times one order may go back to the queue because its browser went away.
REQUEUE_LIMIT = 2
#: After an order's run ended in an error: how long to wait for the news that its browser is
#: gone (Playwright fails the pending calls a moment before it reports the disconnection).
LOST_GRACE_S = 1.0
#: The outcomes a lost browser can cause: the order runs again elsewhere. (Every other one was
#: read from the site: opened, already open, not eligible, refused, a login or a challenge.)
_LOST_WITH_THE_BROWSER = frozenset({Status.ERROR, Status.GAVE_UP, Status.UNCONFIRMED})


@dataclass(eq=False)
class Lane:
    """One browser of the batch and what it did."""

    name: str
    browser: Browser
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    done: int = 0
    requeued: int = 0
    #: Set when the batch closes the browser itself: that disconnection is no loss.
    closing: bool = False

    def watch(self, on_gone: Callable[[], None]) -> None:
        """Call ``on_gone`` once, when the browser disconnects."""

        def _disconnected(_: Browser) -> None:
            if not self.closing and not self.gone.is_set():
                self.gone.set()
                log.warning("agent.batch_browser_lost", server=self.name)
                on_gone()

        self.browser.on("disconnected", _disconnected)

    async def lost(self, grace_s: float) -> bool:
        """Whether the browser is gone, waiting up to ``grace_s`` for the news."""
        if self.gone.is_set() or not self.browser.is_connected():
            return True
        try:
            await asyncio.wait_for(self.gone.wait(), grace_s)
        except TimeoutError:
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        """The lane in ``summary.json``: its server, orders finished and given back, lost."""
        return {
            "server": self.name,
            "orders": self.done,
            "requeued": self.requeued,
            "lost": self.gone.is_set(),
        }


async def open_lanes(playwright: Playwright, target: BrowserTarget) -> list[Lane]:
    """A lane per Playwright server of ``target``, or the one browser it names.

    With several servers, one that cannot be reached is logged and left out; InvalidConfig
    (exit 2) when none can.
    """
    servers = target.servers
    if len(servers) <= 1:
        name = target.cdp_url or (servers[0] if servers else "local")
        return [Lane(name=name, browser=await connect(playwright, target))]
    one_each = [
        dataclasses.replace(target, ws_endpoint=server, ws_endpoints=()) for server in servers
    ]
    reached = await asyncio.gather(
        *(connect(playwright, t) for t in one_each), return_exceptions=True
    )
    lanes: list[Lane] = []
    for server, browser in zip(servers, reached, strict=True):
        if isinstance(browser, InvalidConfig):
            log.warning("agent.server_unreachable", server=server, error=browser.what)
        elif isinstance(browser, BaseException):
            raise browser
        else:
            lanes.append(Lane(name=server, browser=browser))
    if not lanes:
        raise InvalidConfig(
            f"none of the {len(servers)} Playwright servers could be reached: "
            + ", ".join(servers),
            hint="check --ws-endpoint, and that `playwright run-server` runs there",
        )
    return lanes


async def close_lanes(lanes: list[Lane]) -> None:
    """Close every lane's browser; one that is gone already is skipped."""
    for lane in lanes:
        if lane.gone.is_set():
            continue
        lane.closing = True
        try:
            await lane.browser.close()
        except Exception as exc:  # closing must never hide the batch's outcomes
            log.warning("agent.batch_close_failed", server=lane.name, error=str(exc)[:200])


async def spread(
    count: int,
    lanes: list[Lane],
    *,
    per_lane: int,
    run: Callable[[int, Lane], Awaitable[Outcome]],
    finished: Callable[[int, Outcome], Awaitable[None]],
    requeue_limit: int = REQUEUE_LIMIT,
    grace_s: float | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> list[int]:
    """Run orders ``0 .. count-1``: ``run(index, lane)``, then ``finished(index, outcome)``.

    Each lane runs at most ``per_lane`` orders at a time. An ``error`` or ``gave_up`` outcome
    from a lane whose browser is gone is not finished: the order goes back to the queue (at most
    ``requeue_limit`` times). Returns the orders not finished: left when every lane was lost,
    or not started once ``stopping()`` said so (a signal). ``grace_s``: how long to wait for a
    lane's disconnection after an error (default ``LOST_GRACE_S``). Cancelled, it waits for
    the orders in flight to end (each records its interruption) before it raises.
    """
    grace = LOST_GRACE_S if grace_s is None else grace_s
    queue: deque[int] = deque(range(count))
    requeues = [0] * count
    in_flight = 0
    changed = asyncio.Condition()
    wakers: set[asyncio.Task[None]] = set()

    async def wake() -> None:
        async with changed:
            changed.notify_all()

    def on_gone() -> None:
        task = asyncio.get_running_loop().create_task(wake())
        wakers.add(task)
        task.add_done_callback(wakers.discard)

    for lane in lanes:
        lane.watch(on_gone)

    async def worker(lane: Lane) -> None:
        nonlocal in_flight
        while True:
            async with changed:
                while not queue and in_flight and not lane.gone.is_set():
                    await changed.wait()
                if not queue or lane.gone.is_set() or stopping():
                    return
                index = queue.popleft()
                in_flight += 1
            outcome: Outcome | None = None
            try:
                outcome = await run(index, lane)
                if (
                    not stopping()
                    and outcome.status in _LOST_WITH_THE_BROWSER
                    and requeues[index] < requeue_limit
                    and await lane.lost(grace)
                ):
                    requeues[index] += 1
                    lane.requeued += 1
                    log.warning(
                        "agent.batch_order_requeued",
                        order_id=outcome.order_id,
                        server=lane.name,
                        abandoned_run=str(outcome.run_dir) if outcome.run_dir else None,
                    )
                    outcome = None
                else:
                    lane.done += 1
                    await finished(index, outcome)
            finally:
                async with changed:
                    in_flight -= 1
                    if outcome is None:
                        queue.appendleft(index)
                    changed.notify_all()

    # return_exceptions: cancelled, gather waits for every order in flight to record its end
    results = await asyncio.gather(
        *(worker(lane) for lane in lanes for _ in range(per_lane)), return_exceptions=True
    )
    for failure in results:
        if isinstance(failure, BaseException) and not isinstance(failure, asyncio.CancelledError):
            raise failure
    current = asyncio.current_task()
    if current is not None and current.cancelling():
        raise asyncio.CancelledError
    return sorted(queue)
