"""Every request of a batch folder followed, and the batch's ``summary.json`` and ``index.html``
told where each stands and its deadline.

The requests are followed one after another in one browser; with ``watch_s`` in rounds (each
round reads every request still open, then waits) until all are over or ``until``. Each order's
run folder gets its ``follow.json`` and report section; the summary gains a ``follow`` object per
order (status, state, words, deadline) and one for the batch (totals, exit code); the index a
column for each.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

from agent.browser import connect
from agent.files import write_private_text
from agent.follow.inputs import FollowTarget, batch_targets
from agent.follow.record import FollowOutcome, deadline_words
from agent.follow.run import FollowOptions, follow_request
from agent.follow.states import FollowStatus, follow_batch_exit_code
from agent.log import get_logger
from agent.output.batch_index import write_batch_index
from agent.redaction import redact_data

__all__ = ["BatchFollow", "follow_batch"]

log = get_logger("agent.follow")

_SUMMARY = "summary.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchFollow:
    """How a batch's follow ended: each request's outcome, the orders passed over, the code."""

    batch_dir: Path
    outcomes: tuple[FollowOutcome, ...]
    passed: tuple[tuple[str, str], ...]
    exit_code: int

    def to_json(self) -> dict[str, Any]:
        """The batch's follow, as ``summary.json``'s ``follow`` holds it (and ``--json``)."""
        return {
            "exit_code": self.exit_code,
            "totals": dict(Counter(str(o.status) for o in self.outcomes)),
            "orders": [_entry(o) for o in self.outcomes],
            "passed_over": [{"order_id": o, "why": why} for o, why in self.passed],
        }


def _entry(outcome: FollowOutcome, now: datetime | None = None) -> dict[str, Any]:
    reading = outcome.reading
    moment = now or datetime.now().astimezone()
    return {
        "order_id": outcome.order_id,
        "item": outcome.item,
        "request_id": outcome.request_id,
        "status": str(outcome.status),
        "exit_code": outcome.exit_code,
        "state": str(reading.state) if reading else None,
        "words": reading.state.words if reading else None,
        "deadline": reading.deadline.isoformat(timespec="seconds")
        if reading and reading.deadline
        else None,
        "deadline_local": deadline_words(reading.deadline, moment) if reading else None,
        "message": outcome.message,
    }


@contextlib.asynccontextmanager
async def _shared(options: FollowOptions) -> AsyncIterator[FollowOptions]:
    if options.browser is not None:
        yield options
        return
    target = options.session.browser
    async with async_playwright() as playwright:
        browser: Browser = await connect(playwright, target)
        try:
            yield replace(options, browser=browser)
        finally:
            if not target.cdp_url:
                await browser.close()


def _update_summary(batch_dir: Path, result: BatchFollow) -> None:
    path = batch_dir / _SUMMARY
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(summary, dict):
        return
    by_order = {(o.order_id, o.item): _entry(o) for o in result.outcomes}
    for entry in summary.get("orders") or []:
        if isinstance(entry, dict):
            found = by_order.get((str(entry.get("order_id")), None)) or next(
                (v for (order, _), v in by_order.items() if order == str(entry.get("order_id"))),
                None,
            )
            if found is not None:
                entry["follow"] = found
    data = result.to_json()
    summary["follow"] = {
        "exit_code": data["exit_code"],
        "totals": data["totals"],
        "passed_over": data["passed_over"],
        "updated": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    text = json.dumps(redact_data(summary), indent=2, ensure_ascii=False)
    write_private_text(path, text + "\n", redact=False)


async def follow_batch(batch_dir: Path, options: FollowOptions) -> BatchFollow:
    """Follow every request of a batch folder; update its summary and index."""
    targets, passed = batch_targets(batch_dir)
    outcomes: dict[int, FollowOutcome] = {}
    interval = options.watch_s
    async with _shared(replace(options, watch_s=None)) as shared:
        pending: list[tuple[int, FollowTarget]] = list(enumerate(targets))
        while pending:
            for index, target in pending:
                outcomes[index] = await follow_request(target, shared)
            pending = [
                (i, t)
                for i, t in pending
                if outcomes[i].reading is not None
                and not outcomes[i].reading.state.over  # type: ignore[union-attr]
                and outcomes[i].status not in (FollowStatus.INTERRUPTED, FollowStatus.INVALID)
            ]
            now = options.now()
            if interval is None or (options.until is not None and now >= options.until):
                break
            if pending:
                pause = interval
                if options.until is not None:
                    pause = max(0.0, min(pause, (options.until - now).total_seconds()))
                await options.sleep(pause)
    ordered = tuple(outcomes[i] for i in range(len(targets)))
    result = BatchFollow(
        batch_dir=batch_dir,
        outcomes=ordered,
        passed=tuple(passed),
        exit_code=follow_batch_exit_code([o.exit_code for o in ordered]),
    )
    try:
        _update_summary(batch_dir, result)
        write_batch_index(batch_dir, [t.folder for t in targets], result=None)
    except OSError as exc:
        log.warning("follow.batch_files_not_written", error=str(exc)[:200])
    return result
