"""The batch's shared retry budget: a token bucket checked with a fake clock and a fake sleep."""

from __future__ import annotations

import asyncio

import pytest

from agent.errors import InvalidConfig
from agent.flow.budget import RetryBudget


class FakeTime:
    """A clock that moves only when the budget sleeps or a test advances it."""

    def __init__(self, *, advance: bool = True) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self.advance = advance

    def clock(self) -> float:
        """Return the fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Record the wait and (unless the clock stands still) advance the clock by it, at once."""
        self.sleeps.append(seconds)
        if self.advance:
            self.now += seconds


def budget(t: FakeTime, **options: object) -> RetryBudget:
    """A budget on the fake clock."""
    return RetryBudget(clock=t.clock, sleep=t.sleep, **options)  # type: ignore[arg-type]


def test_a_full_bucket_gives_its_burst_at_once() -> None:
    """A new budget starts full: *burst* tokens are taken without any wait."""
    t = FakeTime()
    b = budget(t, rate=1.0, burst=3)

    async def take() -> list[float]:
        return [await b.acquire() for _ in range(3)]

    assert asyncio.run(take()) == [0.0, 0.0, 0.0]
    assert t.sleeps == []


def test_an_empty_bucket_spaces_tokens_by_the_rate() -> None:
    """Once the burst is spent, each token waits exactly 1/rate after the previous one."""
    t = FakeTime()
    b = budget(t, rate=2.0, burst=1)
    waits = [b.reserve() for _ in range(4)]
    assert waits == [0.0, 0.5, 1.0, 1.5]


def test_tokens_come_back_with_time_up_to_the_burst() -> None:
    """Idle time refills the bucket at *rate*, never above *burst*."""
    t = FakeTime()
    b = budget(t, rate=1.0, burst=2)
    b.reserve()
    b.reserve()
    assert b.tokens == pytest.approx(0.0)
    t.now += 1.5
    assert b.tokens == pytest.approx(1.5)
    t.now += 60
    assert b.tokens == pytest.approx(2.0)


def test_concurrent_callers_are_served_in_order_with_exact_waits() -> None:
    """Five orders asking at once: two ride the burst, the rest wait 1, 2 and 3 s."""
    t = FakeTime(advance=False)
    b = budget(t, rate=1.0, burst=2)

    async def all_at_once() -> list[float]:
        return list(await asyncio.gather(*(b.acquire() for _ in range(5))))

    assert asyncio.run(all_at_once()) == [0.0, 0.0, 1.0, 2.0, 3.0]
    assert b.stats.taken == 5
    assert b.stats.waits == 3
    assert b.stats.longest_wait_s == 3.0


def test_attempts_stay_bounded_however_many_orders_ask() -> None:
    """200 resubmissions asked at once: no more than burst + rate * T are due by any time T."""
    t = FakeTime()
    b = budget(t, rate=2.0, burst=4)
    due = [b.reserve() for _ in range(200)]
    for horizon in (0.0, 1.0, 10.0, 50.0):
        assert sum(1 for w in due if w <= horizon) <= 4 + 2.0 * horizon


def test_the_first_attempt_of_each_order_is_free() -> None:
    """An order's hook lets its first attempt through and charges every later one."""
    t = FakeTime()
    b = budget(t, rate=1.0, burst=1)

    async def order() -> None:
        hook = b.for_order()
        for _ in range(3):
            await hook()

    asyncio.run(order())
    assert (b.stats.free, b.stats.taken) == (1, 2)
    assert t.sleeps == [1.0]


def test_every_attempt_can_be_charged() -> None:
    """With first_attempt_free=False the first attempt takes a token too."""
    t = FakeTime()
    b = budget(t, rate=1.0, burst=1, first_attempt_free=False)

    async def order() -> None:
        hook = b.for_order()
        await hook()
        await hook()

    asyncio.run(order())
    assert (b.stats.free, b.stats.taken) == (0, 2)
    assert t.sleeps == [1.0]


def test_each_order_has_its_own_free_first_attempt() -> None:
    """Two orders' hooks count separately: each gets one free first attempt."""
    t = FakeTime()
    b = budget(t, rate=1.0, burst=1)

    async def two_orders() -> None:
        first, second = b.for_order(), b.for_order()
        await first()
        await second()

    asyncio.run(two_orders())
    assert (b.stats.free, b.stats.taken) == (2, 0)


def test_a_cancelled_waiter_gives_its_token_back() -> None:
    """A caller cancelled while it waits returns the token it had reserved."""
    never = asyncio.Event

    async def scenario() -> tuple[float, float]:
        forever = never()

        async def blocked_sleep(_: float) -> None:
            await forever.wait()

        clock = FakeTime()
        b = RetryBudget(rate=1.0, burst=1, clock=clock.clock, sleep=blocked_sleep)
        b.reserve()
        task = asyncio.create_task(b.acquire())
        await asyncio.sleep(0)  # let it reserve and start waiting
        before = b.tokens
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return before, b.tokens

    before, after = asyncio.run(scenario())
    assert before == pytest.approx(-1.0)
    assert after == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("rate", "burst", "key"), [(0, 1, "rate"), (-1, 1, "rate"), (1, 0.5, "burst")]
)
def test_a_bad_rate_or_burst_is_refused(rate: float, burst: float, key: str) -> None:
    """A rate not above 0 or a burst below 1 is refused naming the setting."""
    with pytest.raises(InvalidConfig) as info:
        RetryBudget(rate=rate, burst=burst)
    assert info.value.key == key
