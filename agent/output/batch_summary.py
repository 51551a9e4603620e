"""A batch's own files: ``summary.json`` (every order's outcome) and ``index.html`` (links).

Both go into ``<out>/batch-<YYYYmmdd-HHMMSS>/`` beside the orders' run folders; ``run_dir`` in the
summary is relative to the batch folder.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.log import get_logger
from agent.outcome import BatchResult
from agent.output.report import write_batch_index

__all__ = ["new_batch_dir", "summary_dict", "write_batch_outputs", "write_summary"]

log = get_logger("agent.batch")


def new_batch_dir(out_dir: Path, *, now: datetime | None = None) -> Path:
    """Create ``<out>/batch-<YYYYmmdd-HHMMSS>/`` (with a suffix when it already exists)."""
    base = f"batch-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(1, 1000):
        path = out_dir / (base if i == 1 else f"{base}-{i}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"cannot create a batch folder under {out_dir}")


def summary_dict(result: BatchResult) -> dict[str, Any]:
    """The contents of ``summary.json``; ``run_dir`` is relative to the batch folder."""
    orders = []
    for o in result.outcomes:
        run_dir = None
        if o.run_dir is not None:
            run_dir = Path(os.path.relpath(o.run_dir, result.batch_dir)).as_posix()
        orders.append({
            "order_id": o.order_id, "status": str(o.status), "dispute_id": o.dispute_id,
            "attempts": o.attempts, "elapsed_s": o.elapsed_s, "run_dir": run_dir,
            "exit_code": o.exit_code, "message": o.message,
        })
    totals = Counter(str(o.status) for o in result.outcomes)
    data: dict[str, Any] = {
        "orders": orders, "totals": dict(totals), "elapsed_s": result.elapsed_s,
        "concurrency": result.concurrency, "exit_code": result.exit_code,
        "orders_per_s": round(len(orders) / result.elapsed_s, 3) if result.elapsed_s else None,
        "retry_budget": dict(result.budget) if result.budget is not None else None,
    }
    if result.not_run:
        data["not_run"] = list(result.not_run)
    return data


def write_summary(result: BatchResult) -> Path:
    """Write ``summary.json`` into the batch folder, atomically."""
    target = result.batch_dir / "summary.json"
    tmp = target.with_suffix(".json.tmp")
    text = json.dumps(summary_dict(result), indent=2, ensure_ascii=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


def _write_index(batch_dir: Path, run_dirs: Sequence[Path]) -> Path:
    try:
        return write_batch_index(batch_dir, run_dirs)
    except Exception as exc:  # fall back to a plain list of links rather than no index
        log.warning("agent.batch_index_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        links = "\n".join(
            f'<li><a href="{Path(os.path.relpath(d / "report.html", batch_dir)).as_posix()}">'
            f"{d.name}</a></li>" for d in run_dirs
        )
        target = batch_dir / "index.html"
        page = f"<!doctype html><meta charset=utf-8><title>batch</title><ul>{links}</ul>\n"
        target.write_text(page, encoding="utf-8")
        return target


def write_batch_outputs(result: BatchResult) -> None:
    """Write the batch's ``summary.json`` and ``index.html``."""
    write_summary(result)
    _write_index(result.batch_dir, [o.run_dir for o in result.outcomes if o.run_dir is not None])
