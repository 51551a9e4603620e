"""``retry-dispute support BATCH_DIR``: each order of a batch that support can help with, one
chat after another.

`batch_plan` reads the batch's ``summary.json`` and decides, before any browser starts, which
orders go to the chat: those whose run folder `read_run_folder` accepts (gave up, refused, an
error of the site's) and that have no support case open yet (unless ``again``); every other
order is skipped with its reason. `run_batch_support` holds the chats in file order, in one
browser, stops asking once support is offline (the next orders would find it offline too), and
writes the case numbers into the batch's ``summary.json`` and ``index.html``, whatever happened.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, async_playwright

from agent.browser import connect
from agent.errors import InvalidConfig
from agent.log import get_logger
from agent.outcome import RESULT_FILE, batch_exit_code
from agent.output.batch_summary import SUMMARY_FILE, refresh_case_numbers
from agent.support.facts import read_run_folder
from agent.support.run import SupportOptions, SupportResult, refuse_open_case, run_support

__all__ = [
    "BatchOrder",
    "BatchSupport",
    "batch_plan",
    "is_batch_folder",
    "run_batch_support",
]

log = get_logger("agent.support")

_HINT = "pass the batch folder that `retry-dispute run --batch` printed (runs/batch-<date>-<time>/)"
OFFLINE_SKIP = "support was offline for an earlier order: run this again in support's hours"


def is_batch_folder(path: Path) -> bool:
    """Whether *path* is a batch's folder (its ``summary.json``), not a run folder."""
    return (path / SUMMARY_FILE).is_file() and not (path / RESULT_FILE).is_file()


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchOrder:
    """One order of the batch: its run folder and, when it is not escalated, why."""

    order_id: str
    run_dir: Path | None
    #: Why this order is not taken to the chat (None: it is).
    skip: str | None = None
    #: How its chat ended, once held.
    result: SupportResult | None = None

    def to_json(self) -> dict[str, object]:
        """The order's line of the JSON summary."""
        result = self.result.to_json() if self.result is not None else {}
        return {
            "order_id": self.order_id,
            "run_dir": str(self.run_dir) if self.run_dir is not None else None,
            "skipped": self.skip,
            **{k: result.get(k) for k in ("end", "case_number", "exit_code", "message", "hint")},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchSupport:
    """How the batch's chats ended."""

    batch_dir: Path
    orders: tuple[BatchOrder, ...]
    #: The batch's files that could not be written again (``summary.json``, ``index.html``).
    unwritten: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """0 when every chat held got a case number, else the most urgent chat's code."""
        return batch_exit_code(o.result.exit_code for o in self.orders if o.result is not None)

    def to_json(self) -> dict[str, object]:
        """The batch's support summary, for ``--json``."""
        return {
            "batch_dir": str(self.batch_dir.resolve()),
            "orders": [o.to_json() for o in self.orders],
            "exit_code": self.exit_code,
            "unwritten": list(self.unwritten),
        }


def _entries(batch_dir: Path) -> list[dict[str, object]]:
    try:
        data = json.loads((batch_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidConfig(
            f"{batch_dir / SUMMARY_FILE} cannot be read: {exc}", hint=_HINT
        ) from None
    orders = data.get("orders") if isinstance(data, dict) else None
    if not isinstance(orders, list):
        raise InvalidConfig(f"{batch_dir / SUMMARY_FILE} lists no orders", hint=_HINT)
    return [entry for entry in orders if isinstance(entry, dict)]


def batch_plan(batch_dir: Path, *, again: bool = False) -> tuple[BatchOrder, ...]:
    """Every order of the batch, each escalated or skipped with its reason; `InvalidConfig`
    (exit 2) when no order can be taken to the chat."""
    plan = []
    for entry in _entries(batch_dir):
        order_id = str(entry.get("order_id") or "?")
        relative = entry.get("run_dir")
        run_dir = (batch_dir / str(relative)) if relative else None
        skip = None
        if run_dir is None:
            skip = "it has no run folder (the batch did not run it)"
        else:
            try:
                read_run_folder(run_dir)
                refuse_open_case(run_dir, again=again)
            except InvalidConfig as refused:
                skip = refused.what
        plan.append(BatchOrder(order_id=order_id, run_dir=run_dir, skip=skip))
    if not any(order.skip is None for order in plan):
        reasons = "; ".join(f"order {o.order_id}: {o.skip}" for o in plan[:3])
        raise InvalidConfig(
            f"no order of batch {batch_dir} can be taken to support ({reasons})",
            hint="`support` is for orders that did not open their dispute; --again chats "
            "for an order whose case is open",
        )
    return tuple(plan)


@contextlib.asynccontextmanager
async def _one_browser(options: SupportOptions) -> AsyncIterator[Browser]:
    if options.browser is not None:
        yield options.browser
        return
    target = options.session.browser
    async with async_playwright() as playwright:
        browser = await connect(playwright, target)
        try:
            yield browser
        finally:
            if not target.cdp_url:
                await browser.close()


async def run_batch_support(
    batch_dir: Path,
    plan: tuple[BatchOrder, ...],
    options: SupportOptions,
    *,
    on_order: Callable[[BatchOrder], None] | None = None,
) -> BatchSupport:
    """Hold the chat of each order of *plan* that is not skipped, one after another."""
    done: list[BatchOrder] = []
    unwritten: list[str] = []
    try:
        async with _one_browser(options) as browser:
            shared = dataclasses.replace(options, browser=browser)
            offline = False
            for order in plan:
                if order.skip is None and offline:
                    order = dataclasses.replace(order, skip=OFFLINE_SKIP)
                if order.skip is None and order.run_dir is not None:
                    log.info("agent.support_batch_order", order_id=order.order_id)
                    result = await run_support(order.run_dir, shared)
                    order = dataclasses.replace(order, result=result)
                    offline = result.end == "offline"
                done.append(order)
                if on_order is not None:
                    on_order(order)
    finally:  # the case numbers so far, in the batch's files, even after Ctrl-C
        unwritten = refresh_case_numbers(batch_dir)
    return BatchSupport(batch_dir=batch_dir, orders=tuple(done), unwritten=tuple(unwritten))
