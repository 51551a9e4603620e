"""The retry policy: when to resubmit after "System busy", how long to wait, and when to give up.

`RetryPolicy` is plain configuration. `build_async_retrying` turns it into the
`tenacity.AsyncRetrying` that drives the submit loop's rounds (`agent.flow.loop`): its sleep, clock
and random source are injected, so tests assert the exact waits and never sleep. The policy says
*when* and *how often* another round may run; whether one is safe and needed is
`agent.flow.decide`'s to say (a round returns a value: tenacity retries on the result).

Choices:

- Backoff: the ceiling of the wait after failed attempt *n* is
  ``min(max_wait_s, initial_wait_s * multiplier ** (n - 1))``, i.e. 2, 3, 4.5, 6.75, 10.1… up to
  120 s with the defaults. With *jitter* the wait is drawn uniformly between
  ``jitter_floor * ceiling`` and the ceiling, which spreads the resubmissions of many runs (a
  batch) against one busy site. ``jitter_floor = 0`` is "full jitter" (AWS's name); the default,
  0.5, is "equal jitter". Why not full jitter by default: the wait that ends a busy spell is then
  anywhere between 0 and the ceiling, and the ceiling grows with the spell, so full jitter often
  retries long after the site is back (measured in the benchmarks: a busy window of 20 s ended
  after more than 1.5 * 20 s about one time in five). The multiplier 1.5 keeps the last wait near
  half of the time already waited, so the overshoot stays near half the busy spell.
- ``Retry-After``: when the busy answer carries one, it is honoured exactly (no jitter, no
  minimum, not limited by *max_wait_s*) in place of the backoff, but capped at *retry_after_cap_s*
  so a site asking for hours cannot stall a run; the deadline still applies.
- Stops: after *max_attempts* attempts, or when the next wait would end after *deadline_s*
  counted from the start of the first attempt on the injected clock (tenacity's own
  ``stop_after_delay`` reads the real monotonic clock). An attempt may start at the deadline,
  never after it.
- What is retried: a round whose value *should_retry* accepts (the loop's `Resend`: the answer was
  busy or ambiguous, and the order page then showed no dispute). Every other value, and every
  exception, ends the rounds at once.
- Giving up: when the policy stops, the last round's value is returned as it is, not wrapped in
  ``tenacity.RetryError``, for the loop to turn into a gave-up outcome with the attempts and time.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import tenacity

from agent.errors import InvalidConfig

__all__ = [
    "RetryDetails",
    "RetryPolicy",
    "WaitCause",
    "backoff_wait",
    "build_async_retrying",
    "next_wait",
    "parse_retry_after",
]

WaitCause = Literal["backoff", "retry_after"]

#: The command-line flag of each policy field, for error hints.
_FLAGS = {
    "max_attempts": "--max-attempts",
    "deadline_s": "--deadline",
    "initial_wait_s": "--initial-wait",
    "max_wait_s": "--max-wait",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How a busy site is retried; the defaults suit a real marketplace's busy spells.

    Invalid values raise `InvalidConfig` naming the field.
    """

    #: Attempts in all, the first one included (with the defaults: about 8 minutes of busy).
    max_attempts: int = 15
    #: No attempt starts later than this many seconds after the first one (15 minutes).
    deadline_s: float = 900.0
    #: The wait after the first busy answer.
    initial_wait_s: float = 2.0
    #: No backoff wait is longer than this (a Retry-After may be: see *retry_after_cap_s*).
    max_wait_s: float = 120.0
    #: Each backoff wait is this many times the previous one, up to *max_wait_s*.
    multiplier: float = 1.5
    #: Draw each backoff wait uniformly between jitter_floor * its computed value and that value.
    jitter: bool = True
    #: The share of each backoff wait that is always waited: 0 is full jitter, 0.5 equal jitter.
    jitter_floor: float = 0.5
    #: The longest wait a Retry-After header can ask for (10 minutes).
    retry_after_cap_s: float = 600.0

    def __post_init__(self) -> None:
        if not _is_int(self.max_attempts) or self.max_attempts < 1:
            raise _invalid("max_attempts", self.max_attempts, "a whole number of 1 or more")
        if not _is_number(self.deadline_s) or self.deadline_s <= 0:
            raise _invalid("deadline_s", self.deadline_s, "a number of seconds above 0")
        if not _is_number(self.initial_wait_s) or self.initial_wait_s < 0:
            raise _invalid("initial_wait_s", self.initial_wait_s, "a number of seconds, 0 or more")
        if not _is_number(self.max_wait_s) or self.max_wait_s < self.initial_wait_s:
            raise _invalid(
                "max_wait_s", self.max_wait_s, f"at least initial_wait_s ({self.initial_wait_s:g})"
            )
        if not _is_number(self.multiplier) or self.multiplier < 1:
            raise _invalid("multiplier", self.multiplier, "a number of 1 or more")
        if not isinstance(self.jitter, bool):
            raise _invalid("jitter", self.jitter, "true or false")
        if not _is_number(self.jitter_floor) or not 0 <= self.jitter_floor <= 1:
            raise _invalid("jitter_floor", self.jitter_floor, "a number from 0 to 1")
        if not _is_number(self.retry_after_cap_s) or self.retry_after_cap_s < 0:
            raise _invalid(
                "retry_after_cap_s", self.retry_after_cap_s, "a number of seconds, 0 or more"
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _invalid(key: str, value: object, expected: str) -> InvalidConfig:
    flag = _FLAGS.get(key)
    where = f"{key} ({flag})" if flag else key
    return InvalidConfig(
        f"retry policy {key} must be {expected}, not {value!r}",
        key=key,
        hint=f"set {where} to {expected}",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryDetails:
    """What the ``before_sleep`` hook of `build_async_retrying` receives before each wait."""

    #: The number of the attempt that just failed (1 for the first); the next one is this + 1.
    retry_num: int
    #: The wait about to start, in seconds.
    wait_for: float
    #: Why the wait is this long: the backoff, or the site's Retry-After.
    wait_cause: WaitCause
    #: Seconds since the first attempt started, on the injected clock.
    elapsed_s: float


_DELTA_SECONDS = re.compile(r"[0-9]+")


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Return the seconds a ``Retry-After`` header asks to wait, or None when absent or unreadable.

    Both forms of RFC 9110 are read: delta-seconds (digits only) and an HTTP date, measured from
    *now* (a naive *now* or date is taken as UTC); a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_wait(policy: RetryPolicy, attempt: int, *, rng: random.Random | None = None) -> float:
    """Return the backoff wait after failed attempt number *attempt* (1 for the first).

    ``min(max_wait_s, initial_wait_s * multiplier ** (attempt - 1))``, or with jitter a uniform
    draw from *rng* between ``jitter_floor`` times that and that.
    """
    if attempt < 1:
        msg = f"attempt numbers start at 1, not {attempt}"
        raise ValueError(msg)
    try:
        raw = policy.initial_wait_s * policy.multiplier ** (attempt - 1)
    except OverflowError:
        raw = math.inf
    capped = min(policy.max_wait_s, raw)
    if not policy.jitter:
        return capped
    draw = rng if rng is not None else random.Random()
    return draw.uniform(policy.jitter_floor * capped, capped)


def next_wait(
    policy: RetryPolicy,
    attempt: int,
    retry_after_s: float | None,
    *,
    rng: random.Random | None = None,
) -> tuple[float, WaitCause]:
    """Return the wait after failed attempt *attempt* and its cause.

    A Retry-After (*retry_after_s*) is honoured exactly, capped at ``policy.retry_after_cap_s``;
    without one, the backoff applies (`backoff_wait`).
    """
    if retry_after_s is not None:
        return min(max(0.0, retry_after_s), policy.retry_after_cap_s), "retry_after"
    return backoff_wait(policy, attempt, rng=rng), "backoff"


def build_async_retrying(
    policy: RetryPolicy,
    *,
    should_retry: Callable[[object], bool],
    retry_after_of: Callable[[object], float | None] = lambda _: None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    before_sleep: Callable[[RetryDetails], None] | None = None,
) -> tenacity.AsyncRetrying:
    """Return a `tenacity.AsyncRetrying` that applies *policy* to the values a round returns.

    A round (``await retrying(round_fn)``) returns a value; *should_retry* says whether it asks
    for another round. Waits follow `next_wait` (the value's Retry-After, from
    *retry_after_of*, in place of the backoff); the rounds stop after ``max_attempts`` or when
    the next wait would end past ``deadline_s`` on *clock*, counted from the first round's
    start; *before_sleep* gets `RetryDetails` before each wait, *sleep* is awaited for it. When
    the policy stops, the last value is returned as it is (never ``tenacity.RetryError``); an
    exception a round raises ends the rounds at once and is raised as it is. *rng* defaults to
    a fresh ``random.Random()``.
    """
    draw = rng if rng is not None else random.Random()
    started: list[float] = []
    causes: list[WaitCause] = []

    def before(state: tenacity.RetryCallState) -> None:
        if state.attempt_number == 1:
            started[:] = [clock()]

    def elapsed() -> float:
        return clock() - (started[0] if started else clock())

    def result_of(state: tenacity.RetryCallState) -> object:
        assert state.outcome is not None
        return state.outcome.result()

    def wait(state: tenacity.RetryCallState) -> float:
        seconds, cause = next_wait(
            policy, state.attempt_number, retry_after_of(result_of(state)), rng=draw
        )
        causes[:] = [cause]
        return seconds

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= policy.max_attempts:
            return True
        return elapsed() + state.upcoming_sleep > policy.deadline_s

    def announce(state: tenacity.RetryCallState) -> None:
        if before_sleep is not None:
            before_sleep(
                RetryDetails(
                    retry_num=state.attempt_number,
                    wait_for=state.upcoming_sleep,
                    wait_cause=causes[0] if causes else "backoff",
                    elapsed_s=elapsed(),
                )
            )

    return tenacity.AsyncRetrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=tenacity.retry_if_result(should_retry),
        before=before,
        before_sleep=announce,
        retry_error_callback=result_of,
        reraise=True,
    )
