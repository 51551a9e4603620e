"""A retry budget shared by a whole batch: an async token bucket.

Every resubmission of any order in the batch takes one token; tokens come back at *rate* per
second, up to *burst* in store. So over any span of T seconds a batch makes at most
``burst + rate * T`` resubmissions, however many orders it runs: when the site is busy for
everyone, the attempts do not multiply with the number of orders.

Choices:

- The first attempt of each order is free (``first_attempt_free=True``, the default). First
  attempts are already paced by the batch's concurrency and by the time every order takes to
  reach its form (order page, log-in, pop-up, typing the message: seconds), and while the site
  is busy for everyone the orders in flight keep their slots, so new first attempts only come as
  orders end. Charging them too would cap a healthy site's batch at *rate* orders per second,
  which is not what a budget for retries is for. With ``first_attempt_free=False`` every
  submission takes a token and the bound above covers all attempts.
- Reservation, not polling: a caller that finds the bucket empty reserves the next token (the
  count goes below zero) and sleeps exactly until it is due, outside any lock. Callers are served
  in the order they asked, the waits are computed up front (tests assert them with a fake clock
  and a fake sleep), and nobody spins. A caller cancelled while it waits gives its token back.
- The budget's wait comes on top of the policy's backoff wait (which spreads the orders, with
  jitter); the run's deadline is checked by the policy before its own wait, not here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from agent.errors import InvalidConfig

__all__ = [
    "DEFAULT_BURST",
    "DEFAULT_RATE",
    "BudgetStats",
    "RetryBudget",
]

#: Resubmissions per second for a whole batch, once the burst is spent.
DEFAULT_RATE = 2.0
#: Resubmissions a batch may make at once before the rate applies.
DEFAULT_BURST = 4.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetStats:
    """What the budget did: tokens taken, free first attempts, and the waits it imposed."""

    taken: int
    free: int
    waits: int
    waited_s: float
    longest_wait_s: float


class RetryBudget:
    """A token bucket of resubmissions, shared by every order of a batch.

    ``rate`` tokens per second, at most ``burst`` in store (it starts full). ``clock`` and
    ``sleep`` are injectable so tests never sleep.
    """

    def __init__(
        self,
        *,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        first_attempt_free: bool = True,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not rate > 0:
            raise InvalidConfig(
                f"retry budget rate {rate!r} is not above 0",
                key="rate",
                hint="give the resubmissions per second, e.g. 2",
            )
        if not isinstance(burst, int | float) or isinstance(burst, bool) or not burst >= 1:
            raise InvalidConfig(
                f"retry budget burst {burst!r} is below 1",
                key="burst",
                hint="give how many resubmissions may go at once, e.g. 4",
            )
        self.rate = float(rate)
        self.burst = float(burst)
        self.first_attempt_free = first_attempt_free
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._taken = 0
        self._free = 0
        self._waits = 0
        self._waited_s = 0.0
        self._longest_s = 0.0

    @property
    def tokens(self) -> float:
        """Tokens in store now (below zero while callers wait for reserved tokens)."""
        self._refill()
        return self._tokens

    @property
    def stats(self) -> BudgetStats:
        """A snapshot of what the budget has done so far."""
        return BudgetStats(
            taken=self._taken,
            free=self._free,
            waits=self._waits,
            waited_s=round(self._waited_s, 3),
            longest_wait_s=round(self._longest_s, 3),
        )

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)

    def reserve(self) -> float:
        """Take a token now, or reserve the next one; return how long to wait for it (seconds)."""
        self._refill()
        wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
        self._tokens -= 1
        self._taken += 1
        if wait > 0:
            self._waits += 1
            self._waited_s += wait
            self._longest_s = max(self._longest_s, wait)
        return wait

    async def acquire(self) -> float:
        """Wait for a token and take it; return the seconds waited."""
        wait = self.reserve()
        if wait <= 0:
            return 0.0
        try:
            await self._sleep(wait)
        except asyncio.CancelledError:
            self._tokens = min(self.burst, self._tokens + 1)  # give the reserved token back
            self._taken -= 1
            raise
        return wait

    def for_order(self) -> Callable[[], Awaitable[None]]:
        """A ``before_attempt`` hook for one order: first attempt free (by default), then tokens."""
        calls = 0

        async def before_attempt() -> None:
            nonlocal calls
            calls += 1
            if calls == 1 and self.first_attempt_free:
                self._free += 1
                return
            await self.acquire()

        return before_attempt

    def as_dict(self) -> dict[str, float | int | bool]:
        """The budget's settings and figures, as a batch's ``summary.json`` records them."""
        stats = self.stats
        return {
            "rate_per_s": self.rate,
            "burst": self.burst,
            "first_attempt_free": self.first_attempt_free,
            "tokens_taken": stats.taken,
            "waits": stats.waits,
            "waited_s": stats.waited_s,
            "longest_wait_s": stats.longest_wait_s,
        }
