"""The floor: a bare Playwright script doing an order's flow, against the agent doing the same.

The bare script (``bare_batch``) starts its own driver and browser (the same Chromium, with the
same flags), logs in once, then for each order: a new context from that session (as the agent's
batch does), the order page, Open dispute and its pop-up, the form filled with ``fill()``,
Submit (the confirm dialog accepted), the answer read. No screenshot, no journal, no reconcile,
no log, no report. The agent does the same orders through ``run_batch`` (the code behind
``run --batch``) at concurrency 1 with every piece of evidence kept (and the order page read
again to confirm the opened answer). Both are measured the same way: wall time and the CPU
seconds of this process's tree (the storefront, in its own process, left out), and
``cpu_vs_bare`` / ``wall_vs_bare`` are the ratios per order.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from common import RssSampler, Storefront
from cost import request_for
from playwright.async_api import Dialog, async_playwright

from agent.browser import BrowserTarget, connect
from agent.flow.batch import BatchOptions, run_batch
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions
from agent.session import Credentials, Session
from agent.site.profile import SiteProfile

__all__ = ["FLOOR_ORDERS", "bare_batch", "section_floor"]

FLOOR_ORDERS = 20


async def bare_batch(
    site: str,
    profile: SiteProfile,
    order_ids: list[str],
    steps: dict[str, float] | None = None,
) -> None:
    """The bare script: log in once, then each order's flow with nothing around it.

    ``steps``, when given, gathers the wall seconds of each step (for breakdown.py).
    """

    def sel(name: str) -> str:
        return profile.elements[name].selector

    timed: dict[str, float] = steps if steps is not None else {}
    clock = time.monotonic
    async with async_playwright() as p:
        browser = await connect(p, BrowserTarget())
        login = await browser.new_context(locale="en-US")
        page = await login.new_page()
        await page.goto(profile.order_url(order_ids[0], base_url=site))
        await page.locator(sel("login_username")).fill("demo")
        await page.locator(sel("login_password")).fill("demo")
        await page.locator(sel("login_submit")).click()
        await page.locator(sel("order_status")).wait_for()
        state = await login.storage_state()
        await login.close()

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        def lap(name: str, since: float) -> float:
            now = clock()
            timed[name] = timed.get(name, 0.0) + now - since
            return now

        for order_id in order_ids:
            t = clock()
            context = await browser.new_context(
                storage_state=state,  # type: ignore[arg-type]  # the dict it returned
                viewport={"width": 1280, "height": 900},
                locale="en-US",
            )
            t = lap("new context", t)
            page = await context.new_page()
            t = lap("new page", t)
            await page.goto(
                profile.order_url(order_id, base_url=site), wait_until="domcontentloaded"
            )
            t = lap("order page: goto", t)
            async with page.expect_popup() as info:
                await page.locator(sel("open_dispute")).click()
            form = await info.value
            form.on("dialog", accept)
            t = lap("open form (click, pop-up)", t)
            await form.locator(sel("received_no")).check()
            await form.locator(sel("reason")).select_option("not_received")
            await form.locator(sel("solution_refund")).check()
            await form.locator(sel("refund_full")).check()
            await form.locator(sel("message")).fill(request_for(int(order_id)).request.message)
            t = lap("form: fill (first action waits for the form)", t)
            await form.locator(sel("submit")).click()
            text = await form.locator(sel("result")).inner_text()
            assert "opened" in text, text
            t = lap("submit and read the answer", t)
            await context.close()
            lap("close context", t)
        await browser.close()


async def _measured(site: Storefront, work: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    rss = RssSampler(exclude=frozenset({site.pid}))
    baseline = rss.ticks_now()
    load = os.getloadavg()[0]
    with rss:
        started = time.monotonic()
        await work()
        wall = time.monotonic() - started
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(rss.cpu_s(baseline), 2),
        "load_1m": round(load, 2),
        "by_process": rss.cpu_by_kind(baseline),
    }


async def _agent_batch(
    site: Storefront, profile: SiteProfile, ids: list[str], *, out: Path
) -> dict[str, Any]:
    """The same orders through ``run_batch`` at concurrency 1, every piece of evidence kept."""
    options = RunOptions(
        site=site.url,
        profile=profile,
        policy=RetryPolicy(initial_wait_s=0.5, max_wait_s=2.0),
        trace="off",
        state_dir=out / "state",
        session=Session(credentials=Credentials("demo", "demo"), browser=BrowserTarget()),
    )
    requests = [request_for(int(i)) for i in ids]
    kept: dict[str, Any] = {}

    async def work() -> None:
        result = await run_batch(
            requests, options=options, batch_dir=out, batch=BatchOptions(concurrency=1)
        )
        assert all(o.status == "opened" for o in result.outcomes), result.outcomes
        kept.update(_evidence(result.outcomes))

    figures = await _measured(site, work)
    with sqlite3.connect(out / "state" / "journal.sqlite3") as db:  # an intent per submit
        (kept["journal_intents"],) = db.execute(
            "SELECT count(*) FROM intents WHERE outcome = 'opened'"
        ).fetchone()
    assert kept["journal_intents"] == len(ids), kept
    return {**figures, "evidence": kept}


async def section_floor(
    site: Storefront,
    profile: SiteProfile,
    *,
    out: Path,
    orders: int = FLOOR_ORDERS,
    rounds: int = 2,
) -> dict[str, Any]:
    """The bare script and the agent, ``rounds`` times each in turn; the per-order ratios.

    Each round runs the bare script on 20 orders, then the agent on 20 others; each side's
    figure is its best round (the one least disturbed by anything else on the machine).
    """
    bare: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    for n in range(rounds):
        bare_ids = [str(2300 + n * orders + i) for i in range(orders)]
        site.reset()
        bare.append(await _measured(site, lambda ids=bare_ids: bare_batch(site.url, profile, ids)))
        site.reset()
        ours.append(
            await _agent_batch(
                site,
                profile,
                [str(2400 + n * orders + i) for i in range(orders)],
                out=out / f"agent-{n}",
            )
        )
    bare_cpu = min(r["cpu_s"] for r in bare) / orders
    bare_wall = min(r["wall_s"] for r in bare) / orders
    our_cpu = min(r["cpu_s"] for r in ours) / orders
    our_wall = min(r["wall_s"] for r in ours) / orders
    return {
        "floor_orders": orders,
        "bare_cpu_s_per_order": round(bare_cpu, 3),
        "bare_wall_s_per_order": round(bare_wall, 3),
        "batch_cpu_s_per_order": round(our_cpu, 3),
        "batch_wall_s_per_order": round(our_wall, 3),
        "cpu_vs_bare": round(our_cpu / bare_cpu, 2),
        "wall_vs_bare": round(our_wall / bare_wall, 2),
        "floor_runs": {"bare": bare, "agent": ours},
    }


def _evidence(outcomes: Any) -> dict[str, int]:
    """What the agent kept (checked: the ratio is with all of it): files, screenshots, journal."""
    kept = {
        "orders": len(outcomes),
        "screenshots": 0,
        "result_json": 0,
        "log_jsonl": 0,
        "report_html": 0,
    }
    for o in outcomes:
        run_dir: Path = o.run_dir
        shots = sorted(p.name for p in (run_dir / "screenshots").glob("*.png"))
        # a screenshot of every step, of the attempt, and of the order page that confirmed
        # the answer's dispute (the submit loop reads it once after an opened answer)
        assert [n[3:] for n in shots] == [
            "order-page.png",
            "dispute-form.png",
            "form-filled.png",
            "attempt-1-opened.png",
            "check-dispute-found.png",
        ], shots
        kept["screenshots"] += len(shots)
        kept["result_json"] += (run_dir / "result.json").is_file()
        kept["log_jsonl"] += (run_dir / "log.jsonl").is_file()
        kept["report_html"] += (run_dir / "report.html").is_file()
    assert kept["result_json"] == kept["log_jsonl"] == kept["report_html"] == len(outcomes), kept
    return kept
