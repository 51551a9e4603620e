"""Benchmark 3: a batch of 50 orders, busy_rate 0.3, sequential against 2, 4 and 8 at a time.

Each run goes through `agent.batch.run_batch`, the code behind ``run --batch``: it starts its own
browser, logs in once, runs the orders with the shared retry budget and writes every run folder,
report, summary.json and index.html. The tree measured is this process and all its descendants
(the Playwright driver and every Chromium process), sampled every 50 ms; the storefront runs in
a process of its own and is left out, as a real site would be elsewhere. The peak PSS sum is
the memory the tree takes; the peak sum of VmRSS counts pages shared between Chromium's
processes more than once. `batch_once` with the ``latency`` fault is benchmark 5 (latency.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from common import RssSampler, Storefront
from cost import request_for

from agent.browser import BrowserTarget
from agent.flow.batch import BatchOptions, run_batch
from agent.flow.budget import DEFAULT_BURST, RetryBudget
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions
from agent.session import Credentials, Session
from agent.site.profile import SiteProfile

__all__ = [
    "BATCH_FAULTS",
    "BATCH_POLICY",
    "CONCURRENCIES",
    "batch_once",
    "best_run",
    "budget_demo",
    "section_batch",
]

CONCURRENCIES = (1, 2, 4, 8)
BATCH_FAULTS = {"busy_rate": 0.3, "seed": 7}
#: Small waits: the benchmark is about running orders side by side, not about waiting.
BATCH_POLICY = RetryPolicy(initial_wait_s=0.5, max_wait_s=2.0)


async def batch_once(
    site: Storefront,
    profile: SiteProfile,
    *,
    orders: int,
    concurrency: int,
    out: Path,
    trace: str = "off",
    faults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One batch; its wall time, throughput, CPU, peak memory and outcomes."""
    site.reset(faults or BATCH_FAULTS)
    requests = [request_for(2000 + i) for i in range(orders)]
    batch_dir = out / f"batch-c{concurrency}"
    batch_dir.mkdir(parents=True, exist_ok=True)
    exclude = frozenset({site.pid})
    load_before = os.getloadavg()[0]
    rss = RssSampler(exclude=exclude)
    baseline = rss.ticks_now()
    with rss:
        started = time.monotonic()
        options = RunOptions(
            site=site.url,
            profile=profile,
            policy=BATCH_POLICY,
            trace=trace,
            session=Session(credentials=Credentials("demo", "demo"), browser=BrowserTarget()),
            state_dir=out / f"state-c{concurrency}",
        )
        result = await run_batch(
            requests,
            options=options,
            batch_dir=batch_dir,
            batch=BatchOptions(
                concurrency=concurrency, budget=RetryBudget(burst=max(DEFAULT_BURST, concurrency))
            ),
        )
        wall = time.monotonic() - started
    # this process (agent, and the storefront when it runs in a thread), the driver, Chromium
    cpu = rss.cpu_s(baseline)
    statuses: dict[str, int] = {}
    for o in result.outcomes:
        statuses[str(o.status)] = statuses.get(str(o.status), 0) + 1
    created = [d for d in site.disputes() if d["order_id"] != "1007"]
    return {
        "concurrency": concurrency,
        "wall_s": round(wall, 1),
        "orders_per_s": round(orders / wall, 3),
        "peak_rss_mib": rss.peak_mib,
        "peak_pss_mib": rss.peak_pss_mib,
        "peak_processes": rss.peak_processes,
        "attempts": sum(o.attempts for o in result.outcomes),
        "load_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "cpu_s": round(cpu, 1),
        # the share of the machine's cores the batch got: low with concurrency = a busy machine
        "cpu_share": round(cpu / (wall * (os.cpu_count() or 1)), 2),
        "statuses": statuses,
        "duplicates": len(created) - len({d["order_id"] for d in created}),
        "budget": result.budget,
    }


async def budget_demo(
    site: Storefront,
    profile: SiteProfile,
    *,
    out: Path,
    orders: int = 8,
    busy_s: float = 12.0,
) -> dict[str, Any]:
    """The site busy for everyone: resubmissions per second with and without the shared budget.

    ``orders`` orders at once, retrying with zero waits while the site is busy for ``busy_s``;
    the rate is counted from the site's log over the busy window.
    """
    policy = RetryPolicy(initial_wait_s=0, max_wait_s=0, max_attempts=500)
    rates: dict[str, float] = {}
    for name, budget in (("without", None), ("with", RetryBudget(burst=orders))):
        site.reset({"busy_for_s": busy_s})
        options = RunOptions(
            site=site.url,
            profile=profile,
            policy=policy,
            trace="off",
            session=Session(credentials=Credentials("demo", "demo"), browser=BrowserTarget()),
            state_dir=out / f"state-b-{name}",
        )
        await run_batch(
            [request_for(2500 + i) for i in range(orders)],
            options=options,
            batch_dir=out / f"budget-{name}",
            batch=BatchOptions(concurrency=orders, budget=budget),
        )
        subs = site.submissions()
        first = float(subs[0]["at"])
        busy = [s for s in subs if s["answer"] == "busy"]
        span = max(float(busy[-1]["at"]) - first, 1e-3)
        rates[name] = round((len(busy) - orders) / span, 2)  # resubmissions: past each first one
    return {
        "budget_orders": orders,
        "resubmits_per_s_without_budget": rates["without"],
        "resubmits_per_s_with_budget": rates["with"],
        "budget_rate_per_s": RetryBudget().rate,
    }


def best_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The lowest concurrency whose wall time is within 5 % of the fastest run's.

    More orders at a time that buy nothing measurable only cost memory.
    """
    fastest = min(r["wall_s"] for r in runs)
    return min((r for r in runs if r["wall_s"] <= fastest * 1.05), key=lambda r: r["concurrency"])


async def section_batch(
    site: Storefront,
    profile: SiteProfile,
    *,
    out: Path,
    orders: int = 50,
    concurrencies: tuple[int, ...] = CONCURRENCIES,
) -> dict[str, Any]:
    """Sequential against each concurrency: wall time, orders/s, peak RSS; the best speed-up."""
    runs = [
        await batch_once(site, profile, orders=orders, concurrency=c, out=out)
        for c in concurrencies
    ]
    demo = await budget_demo(site, profile, out=out)
    sequential = runs[0]["wall_s"]
    best = best_run(runs)
    cores = os.cpu_count() or 1
    by_c = {r["concurrency"]: r for r in runs}
    per_context = None
    if 1 in by_c and max(by_c) > 1:
        top = max(by_c)
        per_context = round((by_c[top]["peak_rss_mib"] - by_c[1]["peak_rss_mib"]) / (top - 1), 1)
    return {
        "batch_orders": orders,
        "batch_speedup": round(sequential / best["wall_s"], 2),
        "batch_best_concurrency": best["concurrency"],
        # the ceiling of any speed-up on this machine: all its cores busy with the CPU work
        # the sequential run did (cores x sequential wall / sequential CPU seconds)
        "batch_speedup_cpu_bound": round(cores * sequential / runs[0]["cpu_s"], 2),
        # busy 30 % of the time: resubmissions and reconciles included (the floor section's
        # batch_cpu_s_per_order is the same batch with no busy answer)
        "batch_busy_cpu_s_per_order": round(runs[0]["cpu_s"] / orders, 2),
        "batch_peak_rss_mib": best["peak_rss_mib"],
        "batch_peak_pss_mib": best["peak_pss_mib"],
        "batch_peak_rss_mib_max": max(r["peak_rss_mib"] for r in runs),
        "batch_peak_rss_max_concurrency": max(runs, key=lambda r: r["peak_rss_mib"])["concurrency"],
        "batch_rss_per_extra_context_mib": per_context,
        "batch_runs": runs,
        **demo,
    }
