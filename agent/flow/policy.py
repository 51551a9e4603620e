"""The retry policy: when to resubmit after "System busy", how long to wait, and when to give up.

`RetryPolicy` is plain configuration. `build_retrying` turns it into a `tenacity.Retrying`
(`build_async_retrying` into a `tenacity.AsyncRetrying`, for the async run loop) whose sleep, clock
and random source are injected, so tests assert the exact waits and never sleep.

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
- What is retried: `is_retryable` alone decides. `SiteBusy` is retried. `AmbiguousAnswer` (a
  timeout, an HTTP 500, an unknown page: the dispute may have been created) is retried too, so one
  loop, one budget and one deadline cover both; the attempt function must therefore reconcile
  (look for the dispute on the order page) before it submits again after any failed attempt. This
  is needed anyway: a busy answer may come after the dispute was created. Everything else (an
  `InvalidField`, `NeedsHuman`, a bug) ends the loop at once.
- Giving up: the last exception (`SiteBusy` or `AmbiguousAnswer`) is re-raised as is, not wrapped
  in ``tenacity.RetryError``, for the run loop to turn into `GaveUp` with the attempts and time.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import tenacity

from agent.errors import AmbiguousAnswer, InvalidConfig, SiteBusy

__all__ = [
    "RetryDetails",
    "RetryPolicy",
    "WaitCause",
    "backoff_wait",
    "build_async_retrying",
    "build_retrying",
    "is_retryable",
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
    """What the ``before_sleep`` hook of `build_retrying` receives before each wait."""

    #: The number of the attempt that just failed (1 for the first); the next one is this + 1.
    retry_num: int
    #: The wait about to start, in seconds.
    wait_for: float
    #: Why the wait is this long: the backoff, or the site's Retry-After.
    wait_cause: WaitCause
    #: The exception the failed attempt raised (a `SiteBusy` or an `AmbiguousAnswer`).
    caused_by: BaseException
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


def is_retryable(exc: BaseException) -> bool:
    """Return whether a failed attempt is tried again: a busy site, or an ambiguous answer.

    An `AmbiguousAnswer` is retried only because the attempt function reconciles first (see the
    module's documentation); anything else is final.
    """
    return isinstance(exc, SiteBusy | AmbiguousAnswer)


class _Call:
    """What the policy remembers about one retried call: its start and its last wait's cause."""

    __slots__ = ("cause", "started")

    def __init__(self, started: float) -> None:
        self.started = started
        self.cause: WaitCause = "backoff"


@dataclass(frozen=True, slots=True)
class _Hooks:
    """The tenacity strategies of one policy, shared by the sync and the async controllers."""

    stop: Callable[[tenacity.RetryCallState], bool]
    wait: Callable[[tenacity.RetryCallState], float]
    retry: tenacity.retry_if_exception
    before: Callable[[tenacity.RetryCallState], None]
    before_sleep: Callable[[tenacity.RetryCallState], None]


def _hooks(
    policy: RetryPolicy,
    *,
    clock: Callable[[], float],
    rng: random.Random | None,
    before_sleep: Callable[[RetryDetails], None] | None,
) -> _Hooks:
    draw = rng if rng is not None else random.Random()
    calls: weakref.WeakKeyDictionary[tenacity.RetryCallState, _Call] = weakref.WeakKeyDictionary()

    def call_of(state: tenacity.RetryCallState) -> _Call:
        call = calls.get(state)
        if call is None:  # only when tenacity skipped `before`: count from now
            call = calls[state] = _Call(clock())
        return call

    def before(state: tenacity.RetryCallState) -> None:
        if state.attempt_number == 1:
            calls[state] = _Call(clock())

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = exc.retry_after_s if isinstance(exc, SiteBusy) else None
        seconds, cause = next_wait(policy, state.attempt_number, retry_after, rng=draw)
        call_of(state).cause = cause
        return seconds

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= policy.max_attempts:
            return True
        elapsed = clock() - call_of(state).started
        return elapsed + state.upcoming_sleep > policy.deadline_s

    def announce(state: tenacity.RetryCallState) -> None:
        if before_sleep is None:
            return
        call = call_of(state)
        exc = state.outcome.exception() if state.outcome is not None else None
        before_sleep(
            RetryDetails(
                retry_num=state.attempt_number,
                wait_for=state.upcoming_sleep,
                wait_cause=call.cause,
                caused_by=exc if exc is not None else RuntimeError("no exception recorded"),
                elapsed_s=clock() - call.started,
            )
        )

    return _Hooks(stop, wait, tenacity.retry_if_exception(is_retryable), before, announce)


def build_retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    before_sleep: Callable[[RetryDetails], None] | None = None,
) -> tenacity.Retrying:
    """Return a `tenacity.Retrying` that applies *policy*.

    It retries what `is_retryable` accepts, waits per `next_wait` (reading ``retry_after_s``
    from the `SiteBusy` raised), stops after ``max_attempts`` or when the next wait would end past
    ``deadline_s`` on *clock*, calls *before_sleep* with `RetryDetails` before each wait, sleeps
    with *sleep*, and re-raises the last exception when it stops. *rng* defaults to a fresh
    ``random.Random()``. Use it as ``retrying(fn)`` or ``for attempt in retrying: with attempt:``.
    """
    hooks = _hooks(policy, clock=clock, rng=rng, before_sleep=before_sleep)
    return tenacity.Retrying(
        sleep=sleep,
        stop=hooks.stop,
        wait=hooks.wait,
        retry=hooks.retry,
        before=hooks.before,
        before_sleep=hooks.before_sleep,
        reraise=True,
    )


def build_async_retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    before_sleep: Callable[[RetryDetails], None] | None = None,
) -> tenacity.AsyncRetrying:
    """Return a `tenacity.AsyncRetrying` that applies *policy*, as `build_retrying` does.

    For coroutines: ``await retrying(coro_fn, *args)`` or ``async for attempt in retrying:``;
    *sleep* is awaited between attempts.
    """
    hooks = _hooks(policy, clock=clock, rng=rng, before_sleep=before_sleep)
    return tenacity.AsyncRetrying(
        sleep=sleep,
        stop=hooks.stop,
        wait=hooks.wait,
        retry=hooks.retry,
        before=hooks.before,
        before_sleep=hooks.before_sleep,
        reraise=True,
    )
