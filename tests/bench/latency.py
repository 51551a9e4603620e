"""Benchmark 5: a batch of 50 orders on a site as slow as a real marketplace.

The storefront's ``latency = "marketplace"`` fault holds every page 0.3-0.9 s and every
submission's answer 1-3 s (seeded draws, docs/storefront.md); 30 % of the submissions are busy.
The same batch runs sequentially, then 2, 4, 8 and 16 orders at a time (`batch_once`: the code
behind ``run --batch``, the storefront in its own process, the agent's tree measured). Here the
sequential run mostly waits on the site, so concurrency pays until the two cores are busy:
``latency_batch_speedup`` is the sequential wall time over the best run's (the lowest
concurrency within 5 % of the fastest), ``latency_batch_peak_pss_mib`` the best run's peak PSS.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from batch_bench import batch_once, best_run
from common import Storefront

from agent.site.profile import SiteProfile

__all__ = ["LATENCY_CONCURRENCIES", "LATENCY_FAULTS", "section_latency"]

LATENCY_CONCURRENCIES = (1, 2, 4, 8, 16)
LATENCY_FAULTS: dict[str, Any] = {"latency": "marketplace", "busy_rate": 0.3, "seed": 7}


async def section_latency(
    site: Storefront,
    profile: SiteProfile,
    *,
    out: Path,
    orders: int = 50,
    concurrencies: tuple[int, ...] = LATENCY_CONCURRENCIES,
) -> dict[str, Any]:
    """Sequential against each concurrency on a slow site: the speed-up and its memory."""
    runs = [
        await batch_once(
            site, profile, orders=orders, concurrency=c, out=out, faults=LATENCY_FAULTS
        )
        for c in concurrencies
    ]
    best = best_run(runs)
    sequential = runs[0]
    return {
        "latency_batch_orders": orders,
        "latency_batch_speedup": round(sequential["wall_s"] / best["wall_s"], 2),
        "latency_batch_best_concurrency": best["concurrency"],
        "latency_batch_peak_pss_mib": best["peak_pss_mib"],
        "latency_batch_peak_rss_mib": best["peak_rss_mib"],
        "latency_batch_sequential_wall_s": sequential["wall_s"],
        # the share of a core the sequential run used: the rest of the time it waited on the site
        "latency_batch_sequential_cpu_share": round(sequential["cpu_s"] / sequential["wall_s"], 2),
        "latency_batch_cores": os.cpu_count(),
        "latency_batch_runs": runs,
    }
