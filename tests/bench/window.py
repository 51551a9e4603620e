"""Benchmark 2: time to success when the site is busy for a window of W seconds.

Completion time is taken from the site's own log (``GET /__mock/submissions``): from the arrival
of the first submission, which opens the busy window, to the arrival of the one that opened the
dispute. The agent's end-to-end figure (first click to the success answer on screen, which adds
one answer's round trip and screenshot) is kept beside it. Waits are real; jitter comes from a
seeded random source (seed = W) so a run can be replayed, and the spread over 2,000 seeds is
simulated from the policy's own wait function with the measured cost of an attempt.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from common import EventClock, Storefront
from cost import run_one
from playwright.async_api import Browser

from agent.events import WaitEvent
from agent.flow.journal import Journal
from agent.flow.policy import RetryPolicy, backoff_wait
from agent.site.profile import SiteProfile

__all__ = ["POLICIES", "WINDOWS", "section_window", "simulate"]

WINDOWS = (5, 10, 20)
#: The default policy, polling every second, and plain exponential backoff without jitter
#: (1, 2, 4, 8 … s, the textbook doubling). The baselines may make as many attempts as they need.
POLICIES: dict[str, RetryPolicy] = {
    "default": RetryPolicy(),
    "fixed_1s": RetryPolicy(
        initial_wait_s=1, max_wait_s=1, multiplier=1, jitter=False, max_attempts=100
    ),
    "exponential": RetryPolicy(
        initial_wait_s=1, max_wait_s=120, multiplier=2, jitter=False, max_attempts=100
    ),
}
RETRY_AFTER_WINDOW = 10


def _goal(ratio: float, attempts: int, window: float) -> bool:
    return ratio * window <= 1.5 * window + 1 and attempts <= 8


def simulate(
    policy: RetryPolicy, window: float, *, attempt_s: float, seeds: int = 2000
) -> dict[str, Any]:
    """The spread over seeds of completion/W and attempts, from the policy's wait function."""
    ratios: list[float] = []
    attempts: list[int] = []
    met = 0
    for seed in range(seeds):
        rng = random.Random(seed)
        t, n = 0.0, 1
        while t < window and n < policy.max_attempts:
            t += attempt_s + backoff_wait(policy, n, rng=rng)
            n += 1
        ratios.append(t / window)
        attempts.append(n)
        met += t >= window and _goal(t / window, n, window)
    ratios.sort()
    attempts.sort()
    return {
        "ratio_p50": round(ratios[seeds // 2], 2),
        "ratio_p90": round(ratios[seeds * 9 // 10], 2),
        "attempts_p50": attempts[seeds // 2],
        "attempts_max": attempts[-1],
        "share_meeting_goal": round(met / seeds, 3),
    }


def _site_times(site: Storefront) -> tuple[float, float, int]:
    subs = site.submissions()
    opened = [s for s in subs if s["answer"] == "opened"]
    assert opened, subs
    return float(subs[0]["at"]), float(opened[0]["at"]), len(subs)


async def _one(
    browser: Browser,
    site: Storefront,
    profile: SiteProfile,
    order_id: int,
    *,
    policy: RetryPolicy,
    faults: dict[str, Any],
    seed: int,
    out: Path,
    journal: Journal,
    state: Path,
) -> dict[str, Any]:
    site.reset(faults)
    outcome, clock, _ = await run_one(
        browser,
        site,
        profile,
        order_id,
        out=out,
        journal=journal,
        state=state,
        policy=policy,
        real_sleep=True,
        rng=random.Random(seed),
    )
    assert outcome.status == "opened", outcome
    first_at, opened_at, submissions = _site_times(site)
    assert submissions == outcome.attempts, (submissions, outcome.attempts)
    starts, answers = clock.times("attempt"), clock.times("answer")
    waits = [e.wait_s for _, e in clock.events if isinstance(e, WaitEvent)]
    return {
        "completion_s": round(opened_at - first_at, 2),
        "client_completion_s": round(_client_completion(clock), 2),
        "attempts": outcome.attempts,
        # the first attempt until its answer was recorded (submit, answer, screenshot), and
        # from that answer to the next attempt beyond the wait the policy asked for
        "first_answer_s": round(answers[0] - starts[0], 3),
        "waited_s": round(waits[0], 3) if waits else None,
        "beyond_wait_s": round(starts[1] - answers[0] - waits[0], 3)
        if waits and len(starts) > 1
        else None,
    }


def _client_completion(clock: EventClock) -> float:
    return clock.times("answer", outcome="opened")[0] - clock.times("attempt")[0]


async def section_window(
    browser: Browser,
    site: Storefront,
    profile: SiteProfile,
    *,
    out: Path,
    journal: Journal,
    state: Path,
    attempt_ms: float | None,
    windows: tuple[int, ...] = WINDOWS,
) -> dict[str, Any]:
    """Completion/W and attempts per policy and window; the Retry-After overshoot."""
    table: dict[str, dict[str, Any]] = {}
    order = 2450
    for name, policy in POLICIES.items():
        for window in windows:
            order += 1
            row = await _one(
                browser,
                site,
                profile,
                order,
                policy=policy,
                faults={"busy_for_s": window},
                seed=window,
                out=out,
                journal=journal,
                state=state,
            )
            row["ratio"] = round(row["completion_s"] / window, 2)
            row["meets_goal"] = _goal(row["ratio"], row["attempts"], window)
            table[f"{name}/W{window}"] = row
    order += 1
    faults = {"busy_for_s": RETRY_AFTER_WINDOW, "retry_after_s": RETRY_AFTER_WINDOW}
    after = await _one(
        browser,
        site,
        profile,
        order,
        policy=POLICIES["default"],
        faults=faults,
        seed=0,
        out=out,
        journal=journal,
        state=state,
    )
    top = max(windows)
    figures: dict[str, Any] = {
        f"window{top}_ratio": table[f"default/W{top}"]["ratio"],
        f"window{top}_attempts": table[f"default/W{top}"]["attempts"],
        "retry_after_overshoot_s": round(after["completion_s"] - RETRY_AFTER_WINDOW, 2),
        "retry_after_attempts": after["attempts"],
        "retry_after_run": after,
        "retry_after_client_overshoot_s": round(
            after["client_completion_s"] - RETRY_AFTER_WINDOW, 2
        ),
        "windows": table,
    }
    if attempt_ms:
        figures["window_simulated"] = {
            f"{name}/W{window}": simulate(policy, window, attempt_s=attempt_ms / 1000)
            for name, policy in POLICIES.items()
            for window in windows
        }
    return figures
