"""Memory per order slot: the PSS and VmRSS the process tree takes for each extra context.

One browser (as a batch starts it, the storefront left out), then contexts opened one by one,
each holding what an order in flight holds: the dispute form's pop-up, filled (the order page
closed once the pop-up is open, as the agent does). After each, the tree's memory is read once
it settles: the sum of PSS (shared pages divided among the processes sharing them: what the
machine pays) and the sum of VmRSS (every shared page counted once per process).
``pss_per_extra_context_mib`` is the slope of a least-squares line through the PSS figures.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from common import Storefront, tree_pss_kib, tree_rss_kib
from cost import request_for
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from agent.browser import BrowserTarget, connect
from agent.site.form import DisputeForm
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile
from agent.site.steps import StepRun

__all__ = ["CONTEXTS", "section_memory"]

CONTEXTS = 8
SETTLE_S = 1.0


async def _order_in_flight(
    browser: Browser, site: Storefront, profile: SiteProfile, state: Path, order_id: int
) -> BrowserContext:
    context = await browser.new_context(
        storage_state=str(state), viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = await context.new_page()
    await arm_page(page, profile)
    order = OrderPage(SitePage(page, profile), base_url=site.url)
    await order.goto(str(order_id))
    await order.read_state()

    async def arm(new: Page) -> None:
        await arm_page(new, profile)

    prepared = request_for(order_id)
    form_site = await order.open_form(StepRun(request=prepared.request, on_new_page=arm))
    form = DisputeForm(form_site)
    await form.wait_ready()
    await form.fill(prepared)
    if form_site.page is not page:
        await page.close()  # as the agent does once the form is open
    return context


def _slope(xs: list[int], ys: list[float]) -> float:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mean_x) ** 2 for x in xs)


async def section_memory(
    site: Storefront,
    profile: SiteProfile,
    *,
    state: Path,
    contexts: int = CONTEXTS,
) -> dict[str, Any]:
    """PSS and RSS of the tree with 0 .. ``contexts`` orders in flight; the slope per context."""
    site.reset()
    exclude = frozenset({site.pid})
    pss: list[float] = []
    rss: list[float] = []
    opened: list[BrowserContext] = []
    async with async_playwright() as p:
        browser = await connect(p, BrowserTarget())
        try:
            for n in range(contexts + 1):
                if n:
                    opened.append(await _order_in_flight(browser, site, profile, state, 2500 + n))
                await asyncio.sleep(SETTLE_S)
                pss.append(round(tree_pss_kib(os.getpid(), exclude=exclude) / 1024, 1))
                rss.append(round(tree_rss_kib(os.getpid(), exclude=exclude)[0] / 1024, 1))
        finally:
            for context in opened:
                await context.close()
            await browser.close()
    counts = list(range(1, contexts + 1))
    return {
        "pss_per_extra_context_mib": round(_slope(counts, pss[1:]), 1),
        "rss_per_extra_context_mib": round(_slope(counts, rss[1:]), 1),
        "memory_pss_mib_by_contexts": pss,
        "memory_rss_mib_by_contexts": rss,
    }
