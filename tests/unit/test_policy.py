"""The retry policy: exact waits, Retry-After, limits and the tenacity wiring, never sleeping."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import tenacity

from agent.errors import InvalidConfig, InvalidField, NeedsHuman
from agent.flow.policy import (
    RetryDetails,
    RetryPolicy,
    backoff_wait,
    build_async_retrying,
    next_wait,
    parse_retry_after,
)

BUSY = "System busy, please try again later"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
#: The tests' baseline, pinned so they do not move with the documented defaults:
#: waits of 5, 10, 20, 40, 80, 120 s without jitter, full jitter (floor 0) with it.
_BASELINE: dict[str, object] = {
    "max_attempts": 10,
    "initial_wait_s": 5.0,
    "multiplier": 2.0,
    "jitter_floor": 0.0,
}


def _policy(**overrides: object) -> RetryPolicy:
    """A RetryPolicy on the tests' baseline, with ``overrides``."""
    return RetryPolicy(**{**_BASELINE, **overrides})  # type: ignore[arg-type]


NO_JITTER = _policy(jitter=False)


class FakeTime:
    """A clock that only moves when the code under test sleeps (or an attempt takes time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """Return the current fake time."""
        return self.now

    async def asleep(self, seconds: float) -> None:
        """Record the wait and advance the clock by it, at once."""
        self.sleeps.append(seconds)
        self.now += seconds


def one_line(err: BaseException) -> str:
    """Return the error's message after checking it is one line."""
    text = str(err)
    assert "\n" not in text
    return text


# --- the policy ---------------------------------------------------------------------------------


def test_defaults() -> None:
    """The documented defaults suit a real busy site."""
    policy = RetryPolicy()
    assert policy.max_attempts == 15
    assert policy.deadline_s == 900.0
    assert policy.initial_wait_s == 2.0
    assert policy.max_wait_s == 120.0
    assert policy.multiplier == 1.5
    assert policy.jitter is True
    assert policy.jitter_floor == 0.5
    assert policy.retry_after_cap_s == 600.0


def test_policy_is_frozen_and_keyword_only() -> None:
    """The policy cannot be changed after it is made, nor built positionally."""
    policy = _policy()
    with pytest.raises(AttributeError):
        policy.max_attempts = 3  # type: ignore[misc]  # frozen on purpose
    with pytest.raises(TypeError):
        _policy(3)  # type: ignore[call-arg]  # keyword-only on purpose


@pytest.mark.parametrize(
    ("kwargs", "start"),
    [
        (
            {"max_attempts": 0},
            "retry policy max_attempts must be a whole number of 1 or more, not 0",
        ),
        ({"max_attempts": 2.5}, "retry policy max_attempts must be a whole number of 1 or more"),
        ({"max_attempts": True}, "retry policy max_attempts must be a whole number"),
        ({"deadline_s": 0}, "retry policy deadline_s must be a number of seconds above 0, not 0"),
        ({"deadline_s": float("inf")}, "retry policy deadline_s must be a number of seconds"),
        ({"deadline_s": float("nan")}, "retry policy deadline_s must be a number of seconds"),
        ({"initial_wait_s": -1}, "retry policy initial_wait_s must be a number of seconds, 0 or"),
        ({"max_wait_s": 1}, "retry policy max_wait_s must be at least initial_wait_s (5), not 1"),
        ({"multiplier": 0.5}, "retry policy multiplier must be a number of 1 or more, not 0.5"),
        ({"jitter": "yes"}, "retry policy jitter must be true or false, not 'yes'"),
        ({"retry_after_cap_s": -5}, "retry policy retry_after_cap_s must be a number of seconds"),
        ({"deadline_s": "900"}, "retry policy deadline_s must be a number of seconds above 0"),
    ],
)
def test_policy_is_validated(kwargs: dict[str, object], start: str) -> None:
    """Impossible policies are refused in one line naming the field."""
    with pytest.raises(InvalidConfig) as caught:
        _policy(**kwargs)  # type: ignore[arg-type]  # wrong on purpose
    assert one_line(caught.value).startswith(start)
    assert caught.value.key == next(iter(kwargs))


def test_policy_error_names_the_flag() -> None:
    """The fix names the command-line flag of the field."""
    with pytest.raises(InvalidConfig) as caught:
        _policy(max_attempts=0)
    assert str(caught.value).endswith(
        "; set max_attempts (--max-attempts) to a whole number of 1 or more"
    )


def test_zero_waits_are_allowed() -> None:
    """A policy without waits is valid (useful against a local site)."""
    assert _policy(initial_wait_s=0, max_wait_s=0).max_wait_s == 0


# --- waits --------------------------------------------------------------------------------------


def test_exact_backoff_without_jitter() -> None:
    """Without jitter the waits double from 5 s and stay at 120 s."""
    waits = [backoff_wait(NO_JITTER, n) for n in range(1, 10)]
    assert waits == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 120.0, 120.0, 120.0]


def test_backoff_far_out_stays_capped() -> None:
    """A huge attempt number does not overflow: the wait stays at the cap."""
    assert backoff_wait(NO_JITTER, 100_000) == 120.0


def test_backoff_other_multiplier() -> None:
    """The multiplier and the initial wait shape the series."""
    policy = _policy(jitter=False, initial_wait_s=1, multiplier=3, max_wait_s=50)
    assert [backoff_wait(policy, n) for n in range(1, 6)] == [1, 3, 9, 27, 50]


def test_jitter_stays_within_bounds() -> None:
    """With full jitter each wait lies between 0 and the capped exponential value."""
    rng = random.Random(42)
    policy = _policy()
    for attempt in range(1, 30):
        ceiling = backoff_wait(NO_JITTER, attempt)
        for _ in range(20):
            assert 0.0 <= backoff_wait(policy, attempt, rng=rng) <= ceiling


def test_jitter_is_reproducible_with_a_seed() -> None:
    """The same seed gives the same waits, drawn uniformly up to the ceiling."""
    first = [backoff_wait(_policy(), n, rng=random.Random(7)) for n in range(1, 8)]
    second = [backoff_wait(_policy(), n, rng=random.Random(7)) for n in range(1, 8)]
    assert first == second
    expected = [random.Random(7).uniform(0, backoff_wait(NO_JITTER, n)) for n in range(1, 8)]
    assert first == expected


def test_attempt_numbers_start_at_one() -> None:
    """Asking for the wait after attempt 0 is a programming error."""
    with pytest.raises(ValueError, match="start at 1"):
        backoff_wait(NO_JITTER, 0)


def test_next_wait_uses_backoff_without_retry_after() -> None:
    """Without Retry-After the wait is the backoff's."""
    assert next_wait(NO_JITTER, 3, None) == (20.0, "backoff")


def test_next_wait_honours_retry_after_exactly() -> None:
    """A Retry-After is honoured exactly, without jitter, even when shorter than the backoff."""
    assert next_wait(_policy(), 6, 30.0, rng=random.Random(1)) == (30.0, "retry_after")
    assert next_wait(NO_JITTER, 6, 2.0) == (2.0, "retry_after")
    assert next_wait(NO_JITTER, 1, 0.0) == (0.0, "retry_after")


def test_next_wait_caps_retry_after() -> None:
    """A Retry-After above the cap is cut to the cap, even beyond max_wait_s."""
    assert next_wait(NO_JITTER, 1, 3600.0) == (600.0, "retry_after")
    assert next_wait(NO_JITTER, 1, 300.0) == (300.0, "retry_after")
    assert next_wait(_policy(retry_after_cap_s=60), 1, 300.0) == (60.0, "retry_after")


def test_next_wait_negative_retry_after_is_zero() -> None:
    """A negative Retry-After (a clock skew) means no wait."""
    assert next_wait(NO_JITTER, 1, -3.0) == (0.0, "retry_after")


# --- Retry-After --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Sat, 01 Mar 2025 12:02:00 GMT", 120.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("Sat, 99 Foo 2025 12:02:00 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    """Delta-seconds and HTTP dates are read; past dates give 0 and garbage None."""
    assert parse_retry_after(value, now=NOW) == seconds


def test_parse_retry_after_naive_now_is_utc() -> None:
    """A naive now is taken as UTC."""
    naive = NOW.replace(tzinfo=None)
    assert parse_retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now=naive) == 30.0


# --- the tenacity wiring: rounds return values, tenacity retries on them -------------------------


@dataclass(frozen=True)
class Again:
    """A round's value asking for another round (the loop's Resend), with a Retry-After."""

    retry_after_s: float | None = None


class Rounds:
    """A fake round function: returns the given values in turn (the last one repeats), each
    round taking *takes_s* of fake time."""

    def __init__(self, *values: object, time: FakeTime | None = None, takes_s: float = 0.0):
        self.values = list(values)
        self.calls = 0
        self.time = time
        self.takes_s = takes_s

    async def __call__(self) -> object:
        self.calls += 1
        if self.time is not None:
            self.time.now += self.takes_s
        return self.values[min(self.calls, len(self.values)) - 1]


def retrying_for(policy: RetryPolicy, time: FakeTime, **kwargs: Any) -> tenacity.AsyncRetrying:
    """The builder as the loop uses it: retry on `Again`, its Retry-After honoured."""
    return build_async_retrying(
        policy,
        should_retry=lambda v: isinstance(v, Again),
        retry_after_of=lambda v: v.retry_after_s if isinstance(v, Again) else None,
        sleep=time.asleep,
        clock=time.clock,
        **kwargs,
    )


def test_returns_after_rounds_that_ask_again() -> None:
    """Two rounds ask again: waits of 5 and 10 s, and the third round's value returned."""
    time = FakeTime()
    rounds = Rounds(Again(), Again(), "opened")
    assert asyncio.run(retrying_for(NO_JITTER, time)(rounds)) == "opened"
    assert rounds.calls == 3
    assert time.sleeps == [5.0, 10.0]


def test_gives_up_after_max_attempts_returning_the_last_value() -> None:
    """Always again: ten rounds, nine exact waits, then the last value is returned as it is."""
    time = FakeTime()
    last = Again()
    rounds = Rounds(last)
    assert asyncio.run(retrying_for(NO_JITTER, time)(rounds)) is last
    assert rounds.calls == 10
    assert time.sleeps == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 120.0, 120.0, 120.0]


def test_attempt_limit_of_one() -> None:
    """max_attempts = 1: one round, no wait."""
    time = FakeTime()
    rounds = Rounds(Again())
    asyncio.run(retrying_for(_policy(max_attempts=1, jitter=False), time)(rounds))
    assert rounds.calls == 1 and time.sleeps == []


def test_deadline_on_the_injected_clock() -> None:
    """Waits of 5, 10, 20 s against a 30 s deadline: the third wait would end past it."""
    time = FakeTime()
    rounds = Rounds(Again())
    asyncio.run(retrying_for(_policy(jitter=False, deadline_s=30.0), time)(rounds))
    assert time.sleeps == [5.0, 10.0]
    assert rounds.calls == 3


def test_deadline_counts_the_rounds_own_time() -> None:
    """Each round takes 10 s: the deadline counts it too."""
    time = FakeTime()
    rounds = Rounds(Again(), time=time, takes_s=10.0)
    asyncio.run(retrying_for(_policy(jitter=False, deadline_s=40.0), time)(rounds))
    assert time.sleeps == [5.0, 10.0]
    assert rounds.calls == 3


def test_a_round_may_start_at_the_deadline() -> None:
    """A wait that ends exactly at the deadline is allowed."""
    time = FakeTime()
    rounds = Rounds(Again())
    asyncio.run(retrying_for(_policy(jitter=False, deadline_s=15.0), time)(rounds))
    assert time.sleeps == [5.0, 10.0]


def test_each_call_has_its_own_deadline() -> None:
    """A retrying object used twice counts each call's deadline from its own first round."""
    time = FakeTime()
    retrying = retrying_for(_policy(jitter=False, deadline_s=15.0), time)
    asyncio.run(retrying(Rounds(Again())))
    time.now += 1000
    time.sleeps.clear()
    asyncio.run(retrying(Rounds(Again())))
    assert time.sleeps == [5.0, 10.0]


def test_retry_after_replaces_the_backoff() -> None:
    """A round's Retry-After is waited exactly, in place of the backoff."""
    time = FakeTime()
    rounds = Rounds(Again(retry_after_s=30), Again(), Again(retry_after_s=2), "opened")
    asyncio.run(retrying_for(NO_JITTER, time)(rounds))
    assert time.sleeps == [30.0, 10.0, 2.0]


def test_retry_after_is_capped() -> None:
    """A Retry-After of an hour is cut to the policy's cap."""
    time = FakeTime()
    rounds = Rounds(Again(retry_after_s=3600), "opened")
    asyncio.run(retrying_for(NO_JITTER, time)(rounds))
    assert time.sleeps == [600.0]


def test_retry_after_past_the_deadline_gives_up() -> None:
    """A Retry-After that would end past the deadline stops the rounds at once."""
    time = FakeTime()
    rounds = Rounds(Again(retry_after_s=120))
    asyncio.run(retrying_for(_policy(deadline_s=60.0), time)(rounds))
    assert rounds.calls == 1 and time.sleeps == []


def test_a_final_value_ends_the_rounds_at_once() -> None:
    """A value that does not ask again is returned after one round."""
    time = FakeTime()
    rounds = Rounds("invalid")
    assert asyncio.run(retrying_for(NO_JITTER, time)(rounds)) == "invalid"
    assert rounds.calls == 1


@pytest.mark.parametrize(
    "exc", [InvalidField("empty", field="message"), NeedsHuman(), ValueError()]
)
def test_an_exception_ends_the_rounds_as_it_is(exc: Exception) -> None:
    """A round that raises is never retried: the exception itself comes out."""
    time = FakeTime()

    async def failing() -> object:
        raise exc

    with pytest.raises(type(exc)):
        asyncio.run(retrying_for(NO_JITTER, time)(failing))
    assert time.sleeps == []


def test_jittered_waits_match_the_seeded_draws() -> None:
    """With jitter, the waits are the seeded generator's draws, in order."""
    time = FakeTime()
    rounds = Rounds(Again(), Again(), Again(), "opened")
    asyncio.run(retrying_for(_policy(), time, rng=random.Random(7))(rounds))
    expected = [backoff_wait(_policy(), n, rng=r) for n, r in _same_draws(7, 3)]
    assert time.sleeps == expected


def _same_draws(seed: int, count: int) -> list[tuple[int, random.Random]]:
    rng = random.Random(seed)
    return [(n, rng) for n in range(1, count + 1)]


def test_before_sleep_receives_the_details() -> None:
    """The hook gets the round's number, the wait, its cause and the elapsed time."""
    time = FakeTime()
    seen: list[RetryDetails] = []
    rounds = Rounds(Again(retry_after_s=30), Again(), "opened", time=time, takes_s=1.0)
    asyncio.run(retrying_for(NO_JITTER, time, before_sleep=seen.append)(rounds))
    assert seen == [
        RetryDetails(retry_num=1, wait_for=30.0, wait_cause="retry_after", elapsed_s=1.0),
        RetryDetails(retry_num=2, wait_for=10.0, wait_cause="backoff", elapsed_s=32.0),
    ]


def test_equal_jitter_stays_in_the_upper_half() -> None:
    """With the default floor of 0.5 each wait lies between half its ceiling and the ceiling."""
    policy = RetryPolicy()
    rng = random.Random(3)
    ceilings = [backoff_wait(RetryPolicy(jitter=False), n) for n in range(1, 10)]
    assert ceilings[:4] == [2.0, 3.0, 4.5, 6.75]
    for n, ceiling in enumerate(ceilings, start=1):
        wait = backoff_wait(policy, n, rng=rng)
        assert ceiling / 2 <= wait <= ceiling


def test_jitter_floor_is_validated() -> None:
    """A jitter floor outside 0..1 is refused naming the field."""
    with pytest.raises(InvalidConfig, match="jitter_floor"):
        RetryPolicy(jitter_floor=1.5)
