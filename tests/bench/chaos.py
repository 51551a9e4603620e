"""Benchmark 8: the chaos soak. Orders under ``chaos`` (every request held 0-1.5 s, banners
late or behind a modal, promos, toasts, the form re-rendered while it is filled) with mixed busy
answers (before the dispute is created, after it is, HTTP 500), across several seeds and both
skins: the share of orders that reached the right final status (opened: every batch order can
take a dispute), and the duplicates the storefront recorded. Goal: >= 99.5 %, 0 duplicates.

Each seed is one batch (`batch_bench.batch_once`, the code of ``run --batch``) on a storefront
subprocess of its skin, driven by the bundled profile of its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batch_bench import batch_once
from common import storefront

from agent.site.profile import load_profile

__all__ = ["CHAOS_PLANS", "section_chaos"]

#: Mixed busy answers: busy before the dispute is created, busy after it was (the answer lies:
#: only the reconcile tells), HTTP 500 before; each seed with its skin and busy style.
_MIXED = {"busy_rate": 0.25, "busy_after_commit_rate": 0.05, "server_error_rate": 0.02}
CHAOS_PLANS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("mock", {**_MIXED, "busy_style": "toast", "seed": 1, "chaos": 1}),
    ("mock", {**_MIXED, "busy_style": "modal", "seed": 2, "chaos": 2}),
    ("aliexpress", {**_MIXED, "seed": 3, "chaos": 3}),
    ("aliexpress", {**_MIXED, "busy_format": "text", "busy_style": "modal", "seed": 4, "chaos": 4}),
)


async def section_chaos(
    *,
    out: Path,
    orders_per_seed: int = 50,
    concurrency: int = 4,
    plans: tuple[tuple[str, dict[str, Any]], ...] = CHAOS_PLANS,
) -> dict[str, Any]:
    """Every plan's batch; the share of orders opened, the duplicates, per seed and in all."""
    runs = []
    for skin, plan in plans:
        with storefront(skin=skin) as site:
            run = await batch_once(
                site,
                load_profile(skin),
                orders=orders_per_seed,
                concurrency=concurrency,
                out=out / f"chaos-{plan['chaos']}",
                faults=plan,
            )
        runs.append({"skin": skin, "chaos": plan["chaos"], **run})
    orders = orders_per_seed * len(runs)
    opened = sum(r["statuses"].get("opened", 0) for r in runs)
    return {
        "chaos_orders": orders,
        "chaos_right_status_share": round(opened / orders, 4),
        "chaos_duplicates": sum(r["duplicates"] for r in runs),
        "chaos_runs": [
            {k: r[k] for k in ("skin", "chaos", "wall_s", "attempts", "statuses", "duplicates")}
            for r in runs
        ],
    }
