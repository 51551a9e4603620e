"""The retry policy: exact waits, Retry-After, limits and the tenacity wiring, never sleeping."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import tenacity

from agent.errors import AmbiguousAnswer, InvalidConfig, InvalidField, NeedsHuman, SiteBusy
from agent.flow.policy import (
    RetryDetails,
    RetryPolicy,
    backoff_wait,
    build_async_retrying,
    build_retrying,
    is_retryable,
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

    def sleep(self, seconds: float) -> None:
        """Record the wait and advance the clock by it, at once."""
        self.sleeps.append(seconds)
        self.now += seconds


class Site:
    """A fake submit that fails with the given exceptions in turn, then succeeds."""

    def __init__(self, *failures: BaseException, time: FakeTime | None = None, takes_s: float = 0):
        self.failures = list(failures)
        self.calls = 0
        self.time = time
        self.takes_s = takes_s

    def submit(self) -> str:
        """Return the dispute id, or raise the next failure."""
        self.calls += 1
        if self.time is not None:
            self.time.now += self.takes_s
        if self.failures:
            raise self.failures.pop(0)
        return "D-000100"


def always_busy(time: FakeTime | None = None, *, retry_after_s: float | None = None) -> Site:
    """Return a site that is busy on every submit."""

    class Busy(Site):
        def submit(self) -> str:
            self.calls += 1
            raise SiteBusy(BUSY, status_code=503, retry_after_s=retry_after_s)

    return Busy(time=time)


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


# --- what is retried ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "retried"),
    [
        (SiteBusy(BUSY), True),
        (AmbiguousAnswer("timeout after 30 s"), True),
        (InvalidField("empty", field="message"), False),
        (NeedsHuman(), False),
        (ValueError("bug"), False),
        (KeyboardInterrupt(), False),
    ],
)
def test_is_retryable(exc: BaseException, retried: bool) -> None:
    """Only a busy site and an ambiguous answer are retried."""
    assert is_retryable(exc) is retried


# --- the tenacity wiring ------------------------------------------------------------------------


def test_returns_after_busy_answers() -> None:
    """Two busy answers are retried after 5 and 10 s, and the third attempt's result returned."""
    time = FakeTime()
    site = Site(SiteBusy(BUSY), SiteBusy(BUSY))
    retrying = build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)
    assert retrying(site.submit) == "D-000100"
    assert site.calls == 3
    assert time.sleeps == [5.0, 10.0]


def test_gives_up_after_max_attempts_with_the_last_site_busy() -> None:
    """Always busy: ten attempts, nine exact waits, then the last SiteBusy itself is raised."""
    time = FakeTime()
    site = always_busy()
    retrying = build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)
    with pytest.raises(SiteBusy) as caught:
        retrying(site.submit)
    assert site.calls == 10
    assert time.sleeps == [5, 10, 20, 40, 80, 120, 120, 120, 120]
    assert caught.value.message == BUSY
    assert not isinstance(caught.value, tenacity.RetryError)


def test_attempt_limit_of_one() -> None:
    """With one attempt allowed, a busy answer is raised without any wait."""
    time = FakeTime()
    site = always_busy()
    retrying = build_retrying(
        _policy(max_attempts=1, jitter=False), sleep=time.sleep, clock=time.clock
    )
    with pytest.raises(SiteBusy):
        retrying(site.submit)
    assert (site.calls, time.sleeps) == (1, [])


def test_deadline_on_the_injected_clock() -> None:
    """With many attempts allowed, the 900 s deadline stops before a wait that would pass it."""
    time = FakeTime()
    site = always_busy()
    policy = _policy(max_attempts=100, jitter=False)
    retrying = build_retrying(policy, sleep=time.sleep, clock=time.clock)
    with pytest.raises(SiteBusy):
        retrying(site.submit)
    # attempts start at 0, 5, 15, 35, 75, 155, 275, 395, 515, 635, 755, 875 s; 875 + 120 > 900
    assert time.sleeps == [5, 10, 20, 40, 80, 120, 120, 120, 120, 120, 120]
    assert site.calls == 12
    assert time.now - 1000.0 == 875.0


def test_deadline_counts_the_attempts_own_time() -> None:
    """Time spent inside attempts counts toward the deadline, measured from the first start."""
    time = FakeTime()

    class SlowBusy(Site):
        def submit(self) -> str:
            self.calls += 1
            time.now += 100.0
            raise SiteBusy(BUSY)

    site = SlowBusy()
    policy = _policy(max_attempts=100, deadline_s=300, jitter=False)
    retrying = build_retrying(policy, sleep=time.sleep, clock=time.clock)
    with pytest.raises(SiteBusy):
        retrying(site.submit)
    # attempt 1 ends at 100, waits 5; attempt 2 ends at 205, waits 10; attempt 3 ends at 315
    assert time.sleeps == [5, 10]
    assert site.calls == 3


def test_an_attempt_may_start_at_the_deadline() -> None:
    """A wait that ends exactly at the deadline is still taken."""
    time = FakeTime()
    site = always_busy()
    policy = _policy(max_attempts=100, deadline_s=15, jitter=False)
    retrying = build_retrying(policy, sleep=time.sleep, clock=time.clock)
    with pytest.raises(SiteBusy):
        retrying(site.submit)
    assert time.sleeps == [5, 10]


def test_each_call_has_its_own_deadline() -> None:
    """A Retrying reused for a second call counts that call's deadline from its own start."""
    time = FakeTime()
    policy = _policy(max_attempts=100, deadline_s=15, jitter=False)
    retrying = build_retrying(policy, sleep=time.sleep, clock=time.clock)
    for _ in range(2):
        with pytest.raises(SiteBusy):
            retrying(always_busy().submit)
    assert time.sleeps == [5, 10, 5, 10]


def test_retry_after_is_read_from_site_busy() -> None:
    """The Retry-After carried by SiteBusy replaces the backoff."""
    time = FakeTime()
    site = Site(SiteBusy(BUSY, retry_after_s=30), SiteBusy(BUSY), SiteBusy(BUSY, retry_after_s=2))
    retrying = build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)
    assert retrying(site.submit) == "D-000100"
    assert time.sleeps == [30.0, 10.0, 2.0]


def test_retry_after_is_capped() -> None:
    """A Retry-After of an hour waits only the cap."""
    time = FakeTime()
    site = Site(SiteBusy(BUSY, retry_after_s=3600))
    retrying = build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)
    assert retrying(site.submit) == "D-000100"
    assert time.sleeps == [600.0]


def test_retry_after_past_the_deadline_gives_up() -> None:
    """A Retry-After that would end past the deadline stops at once."""
    time = FakeTime()
    site = always_busy(retry_after_s=600)
    policy = _policy(deadline_s=300, jitter=False)
    retrying = build_retrying(policy, sleep=time.sleep, clock=time.clock)
    with pytest.raises(SiteBusy) as caught:
        retrying(site.submit)
    assert (site.calls, time.sleeps) == (1, [])
    assert caught.value.retry_after_s == 600


def test_invalid_field_is_raised_at_once() -> None:
    """An InvalidField ends the loop after exactly one attempt and no wait."""
    time = FakeTime()
    site = Site(InvalidField("too short (7 characters)", field="message"))
    retrying = build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)
    with pytest.raises(InvalidField):
        retrying(site.submit)
    assert site.calls == 1
    assert time.sleeps == []


def test_other_errors_are_raised_at_once() -> None:
    """A bug or a login page is not retried."""
    for exc in (ValueError("bug"), NeedsHuman()):
        time = FakeTime()
        site = Site(exc)
        with pytest.raises(type(exc)):
            build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)(site.submit)
        assert (site.calls, time.sleeps) == (1, [])


def test_ambiguous_answer_is_retried_with_backoff() -> None:
    """An ambiguous answer is retried like a busy one, with the backoff."""
    time = FakeTime()
    site = Site(AmbiguousAnswer("HTTP 500"), SiteBusy(BUSY))
    retrying = build_retrying(NO_JITTER, sleep=time.sleep, clock=time.clock)
    assert retrying(site.submit) == "D-000100"
    assert time.sleeps == [5.0, 10.0]


def test_ambiguous_answer_last_is_raised() -> None:
    """When the last attempt was ambiguous, that AmbiguousAnswer is what surfaces."""
    time = FakeTime()
    site = Site(SiteBusy(BUSY), AmbiguousAnswer("timeout"), AmbiguousAnswer("timeout"))
    retrying = build_retrying(
        _policy(max_attempts=3, jitter=False), sleep=time.sleep, clock=time.clock
    )
    with pytest.raises(AmbiguousAnswer):
        retrying(site.submit)
    assert site.calls == 3


def test_jittered_waits_match_the_seeded_draws() -> None:
    """With jitter, the sleeps are the seeded draws between 0 and the exponential ceiling."""
    time = FakeTime()
    site = always_busy()
    retrying = build_retrying(
        _policy(max_attempts=6), sleep=time.sleep, clock=time.clock, rng=random.Random(3)
    )
    with pytest.raises(SiteBusy):
        retrying(site.submit)
    draws = random.Random(3)
    assert time.sleeps == [draws.uniform(0, ceiling) for ceiling in (5, 10, 20, 40, 80)]
    assert all(0 <= s <= c for s, c in zip(time.sleeps, (5, 10, 20, 40, 80), strict=True))


def test_before_sleep_receives_the_details() -> None:
    """The hook receives, before each wait, the attempt, the wait, its cause and the error."""
    time = FakeTime()
    first, second = SiteBusy(BUSY, retry_after_s=30), AmbiguousAnswer("timeout")
    site = Site(first, second, time=time, takes_s=2.0)
    seen: list[RetryDetails] = []
    retrying = build_retrying(
        NO_JITTER, sleep=time.sleep, clock=time.clock, before_sleep=seen.append
    )
    assert retrying(site.submit) == "D-000100"
    assert seen == [
        RetryDetails(
            retry_num=1, wait_for=30.0, wait_cause="retry_after", caused_by=first, elapsed_s=2.0
        ),
        RetryDetails(
            retry_num=2, wait_for=10.0, wait_cause="backoff", caused_by=second, elapsed_s=34.0
        ),
    ]
    assert time.sleeps == [30.0, 10.0]


def test_iteration_form_applies_the_policy() -> None:
    """The ``for attempt in retrying`` form waits and stops the same way."""
    time = FakeTime()
    retrying = build_retrying(
        _policy(max_attempts=3, jitter=False), sleep=time.sleep, clock=time.clock
    )
    attempts = 0
    with pytest.raises(SiteBusy):
        for attempt in retrying:
            with attempt:
                attempts += 1
                raise SiteBusy(BUSY)
    assert attempts == 3
    assert time.sleeps == [5.0, 10.0]


# --- the async controller -----------------------------------------------------------------------


class FakeAsyncTime(FakeTime):
    """The fake clock with an awaitable sleep, for the async controller."""

    async def asleep(self, seconds: float) -> None:
        """Record the wait and advance the clock by it, without waiting."""
        self.sleep(seconds)


def test_async_retrying_applies_the_policy() -> None:
    """The async controller waits the same exact waits and returns the coroutine's result."""
    time = FakeAsyncTime()
    failures: list[BaseException] = [SiteBusy(BUSY), SiteBusy(BUSY, retry_after_s=30)]
    seen: list[RetryDetails] = []

    async def submit(order_id: str) -> str:
        if failures:
            raise failures.pop(0)
        return f"dispute for {order_id}"

    retrying = build_async_retrying(
        NO_JITTER, sleep=time.asleep, clock=time.clock, before_sleep=seen.append
    )
    assert asyncio.run(retrying(submit, "1002")) == "dispute for 1002"
    assert time.sleeps == [5.0, 30.0]
    assert [d.wait_cause for d in seen] == ["backoff", "retry_after"]


def test_async_retrying_gives_up_on_the_deadline() -> None:
    """The async controller stops on the injected clock's deadline and re-raises SiteBusy."""
    time = FakeAsyncTime()
    calls = 0

    async def submit() -> str:
        nonlocal calls
        calls += 1
        raise SiteBusy(BUSY)

    policy = _policy(max_attempts=100, deadline_s=35, jitter=False)
    retrying = build_async_retrying(policy, sleep=time.asleep, clock=time.clock)
    with pytest.raises(SiteBusy):
        asyncio.run(retrying(submit))
    assert time.sleeps == [5, 10, 20]
    assert calls == 4


def test_async_retrying_does_not_retry_invalid_field() -> None:
    """The async controller raises an InvalidField after one attempt."""
    time = FakeAsyncTime()

    async def submit() -> str:
        raise InvalidField("empty", field="message")

    retrying = build_async_retrying(NO_JITTER, sleep=time.asleep, clock=time.clock)
    with pytest.raises(InvalidField):
        asyncio.run(retrying(submit))
    assert time.sleeps == []


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
