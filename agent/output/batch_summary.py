"""A batch's own files: ``summary.json`` (every order's outcome) and ``index.html`` (links).

Both go into ``<out>/batch-<YYYYmmdd-HHMMSS>/`` beside the orders' run folders; the summary names
its folder (``batch_dir``, absolute) and each order's ``run_dir`` is relative to it. Each order's
``case_number`` is the support case opened for its run folder (``support-chat.json``), null until
``retry-dispute support`` got one; `refresh_case_numbers` writes both files again after a support
chat. The summary lists every order of the file: the ones run (with their status), the ones an
earlier batch had finished (``"skipped": true``, ``--resume``), and the ones a signal stopped
before they started (``"status": null``, ``"not_run": true``). `earlier_outcomes` reads the
summaries of earlier batches of the same file back, for ``--resume`` and ``--only-failed``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.errors import OutputUnwritable
from agent.files import DIR_MODE, write_private_text
from agent.log import get_logger
from agent.outcome import BatchResult, Outcome
from agent.output.report import write_batch_index
from agent.redaction import redact_data
from agent.support.transcript import open_case, read_chat

__all__ = [
    "SUMMARY_FILE",
    "batch_result_of",
    "case_number_of",
    "earlier_outcomes",
    "new_batch_dir",
    "refresh_case_numbers",
    "summary_dict",
    "write_batch_outputs",
    "write_summary",
]

SUMMARY_FILE = "summary.json"

log = get_logger("agent.batch")


def new_batch_dir(out_dir: Path, *, now: datetime | None = None) -> Path:
    """Create ``<out>/batch-<YYYYmmdd-HHMMSS>/`` (with a suffix when it already exists)."""
    base = f"batch-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for i in range(1, 1000):
            path = out_dir / (base if i == 1 else f"{base}-{i}")
            try:
                path.mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue
            os.chmod(path, DIR_MODE)
            return path
    except OSError as exc:
        raise OutputUnwritable(out_dir, exc) from None
    raise OutputUnwritable(out_dir, "1000 batch folders in this second")


def case_number_of(run_dir: Path | None) -> str | None:
    """The support case opened for a run folder (its last), or None."""
    case = open_case(read_chat(run_dir)) if run_dir is not None else None
    return str(case["case_number"]) if case else None


def _order_entry(batch_dir: Path, o: Outcome, **extra: Any) -> dict[str, Any]:
    run_dir = None
    if o.run_dir is not None:
        run_dir = Path(os.path.relpath(o.run_dir, batch_dir)).as_posix()
    return {
        "order_id": o.order_id,
        "item": o.request.get("item") if o.request else None,
        "status": str(o.status),
        "dispute_id": o.dispute_id,
        "case_number": case_number_of(o.run_dir),
        "attempts": o.attempts,
        "elapsed_s": o.elapsed_s,
        "run_dir": run_dir,
        "exit_code": o.exit_code,
        "message": o.message,
        **extra,
    }


def summary_dict(result: BatchResult) -> dict[str, Any]:
    """The contents of ``summary.json``; ``batch_dir`` is the batch folder (absolute), and each
    order's ``run_dir`` is relative to it."""
    orders = [_order_entry(result.batch_dir, o) for o in result.outcomes]
    orders += [_order_entry(result.batch_dir, o, skipped=True) for o in result.skipped]
    orders += [
        {
            "order_id": order_id,
            "status": None,
            "not_run": True,
            "message": "not started: the batch was stopped first",
        }
        for order_id in result.not_run
    ]
    ran = len(result.outcomes)
    totals = Counter(str(o.status) for o in result.outcomes)
    data: dict[str, Any] = {
        # where the batch is: each order's run_dir is relative to it
        "batch_dir": str(result.batch_dir.resolve()),
        "orders": orders,
        "totals": dict(totals),
        "elapsed_s": result.elapsed_s,
        "concurrency": result.concurrency,
        "exit_code": result.exit_code,
        "orders_per_s": round(ran / result.elapsed_s, 3) if result.elapsed_s else None,
        "retry_budget": dict(result.budget) if result.budget is not None else None,
        "interrupted_by": result.interrupted_by,
        "context": dict(result.context),
    }
    if result.servers:
        data["servers"] = [dict(server) for server in result.servers]
    if result.not_run:
        data["not_run"] = list(result.not_run)
    if result.skipped:
        data["skipped"] = dict(Counter(str(o.status) for o in result.skipped))
    return data


def _source_of(summary: dict[str, Any]) -> str | None:
    context = summary.get("context")
    source = context.get("source") if isinstance(context, dict) else None
    return str(source) if source else None


def earlier_outcomes(out_dir: Path, source: Path) -> dict[str, Outcome]:
    """Each order's (and item's: keyed ``1001`` or ``1001/2``) last outcome in the earlier
    batches of *source* under *out_dir*.

    Batches are read oldest first (by folder name, a timestamp), so a later batch's outcome
    wins; an order a batch skipped keeps the outcome it was skipped with. A summary that cannot
    be read is passed over.
    """
    wanted = str(source.resolve())
    found: dict[str, Outcome] = {}
    for path in sorted(out_dir.glob(f"batch-*/{SUMMARY_FILE}")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(summary, dict) or _source_of(summary) != wanted:
            continue
        for entry in summary.get("orders") or []:
            if not isinstance(entry, dict) or entry.get("status") is None:
                continue
            run_dir = entry.get("run_dir")
            data = {
                k: entry.get(k)
                for k in ("order_id", "status", "dispute_id", "attempts", "elapsed_s", "message")
            }
            data["request"] = {"order_id": entry.get("order_id"), "item": entry.get("item")}
            earlier = Outcome.from_json(
                data, run_dir=(path.parent / str(run_dir)).resolve() if run_dir else None
            )
            found[earlier.order_key] = earlier
    return found


def write_summary(result: BatchResult) -> Path:
    """Write ``summary.json`` into the batch folder, atomically."""
    target = result.batch_dir / SUMMARY_FILE
    text = json.dumps(redact_data(summary_dict(result)), indent=2, ensure_ascii=False)
    write_private_text(target, text + "\n", redact=False)  # each text redacted above
    return target


def _write_index(result: BatchResult, run_dirs: Sequence[Path]) -> Path:
    batch_dir = result.batch_dir
    try:
        return write_batch_index(batch_dir, run_dirs, result=result)
    except Exception as exc:  # fall back to a plain list of links rather than no index
        log.warning("agent.batch_index_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        links = "\n".join(
            f'<li><a href="{Path(os.path.relpath(d / "report.html", batch_dir)).as_posix()}">'
            f"{d.name}</a></li>"
            for d in run_dirs
        )
        target = batch_dir / "index.html"
        page = f"<!doctype html><meta charset=utf-8><title>batch</title><ul>{links}</ul>\n"
        write_private_text(target, page)
        return target


def _read_summary(batch_dir: Path) -> dict[str, Any]:
    data = json.loads((batch_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
        raise ValueError(f"{SUMMARY_FILE} holds no list of orders")
    return data


def _entry_dir(batch_dir: Path, entry: dict[str, Any]) -> Path | None:
    run_dir = entry.get("run_dir")
    return (batch_dir / str(run_dir)).resolve() if run_dir else None


def batch_result_of(batch_dir: Path) -> BatchResult:
    """The batch as its ``summary.json`` recorded it (the orders' outcomes read from their run
    folders); `ValueError` or `OSError` when the summary cannot be read."""
    data = _read_summary(batch_dir)
    ran: list[Outcome] = []
    skipped: list[Outcome] = []
    not_run: list[str] = []
    for entry in data["orders"]:
        if not isinstance(entry, dict):
            continue
        folder = _entry_dir(batch_dir, entry)
        if entry.get("not_run") or entry.get("status") is None:
            not_run.append(str(entry.get("order_id")))
        elif entry.get("skipped"):
            skipped.append(Outcome.from_json(entry, run_dir=folder))
        elif folder is not None:
            ran.append(Outcome.read(folder))
    context = data.get("context")
    return BatchResult(
        batch_dir=batch_dir,
        outcomes=tuple(ran),
        elapsed_s=float(data.get("elapsed_s") or 0.0),
        concurrency=int(data.get("concurrency") or 1),
        exit_code=int(data.get("exit_code") or 0),
        not_run=tuple(not_run),
        skipped=tuple(skipped),
        interrupted_by=data.get("interrupted_by"),
        context=context if isinstance(context, dict) else {},
    )


def refresh_case_numbers(batch_dir: Path) -> list[str]:
    """Write each order's support case number into the batch's ``summary.json`` (everything
    else kept) and ``index.html`` again; return the files that could not be written."""
    failed = []
    try:
        data = _read_summary(batch_dir)
        for entry in data["orders"]:
            if isinstance(entry, dict) and entry.get("run_dir"):
                entry["case_number"] = case_number_of(_entry_dir(batch_dir, entry))
        text = json.dumps(redact_data(data), indent=2, ensure_ascii=False)
        write_private_text(batch_dir / SUMMARY_FILE, text + "\n", redact=False)
    except (OSError, ValueError) as exc:
        failed.append(SUMMARY_FILE)
        log.warning("agent.batch_summary_not_written", error=str(exc)[:200])
        return [*failed, "index.html"]
    result = batch_result_of(batch_dir)
    try:
        _write_index(result, [o.run_dir for o in result.outcomes if o.run_dir is not None])
    except OSError as exc:
        failed.append("index.html")
        log.warning("agent.batch_index_not_written", error=str(exc)[:200])
    return failed


def write_batch_outputs(result: BatchResult) -> list[str]:
    """Write the batch's ``summary.json`` and ``index.html``; return those that failed (a full
    disk: the batch's outcomes stand, the console says which files are missing)."""
    failed = []
    try:
        write_summary(result)
    except OSError as exc:
        failed.append(SUMMARY_FILE)
        log.warning("agent.batch_summary_not_written", error=str(exc)[:200])
    try:
        _write_index(result, [o.run_dir for o in result.outcomes if o.run_dir is not None])
    except OSError as exc:
        failed.append("index.html")
        log.warning("agent.batch_index_not_written", error=str(exc)[:200])
    return failed
