"""Synthetic run folders for the report's tests: result.json, real tiny PNGs, log and trace.

`make_run` writes a folder the way `agent.run` does (``result.json`` with its timeline,
``screenshots/NN-<step>.png``, ``log.jsonl``, and for a failed run a ``trace.zip``) for any
final status, with a plan of steps, attempts and waits typical of that status.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.outcome import Status

__all__ = [
    "BUSY",
    "FAKE_COOKIE",
    "INELIGIBLE_EXPLAIN",
    "OK_STATUSES",
    "PLANS",
    "STATUSES",
    "TICKET_STATUSES",
    "Attempt",
    "Step",
    "Wait",
    "make_run",
    "png_bytes",
]

BUSY = "System busy, please try again later"
#: A cookie value that the run folder's log and trace hold, and that no shared file may hold.
FAKE_COOKIE = "sid=SECRET-SESSION-COOKIE-42"
INELIGIBLE_EXPLAIN = (
    "Buyer protection ended: disputes can be opened up to 15 days after delivery, "
    "unless the protection was extended in time."
)
#: The final statuses a run folder is made for (an interrupted run's folder has its own tests).
STATUSES = tuple(str(s) for s in Status if s is not Status.INTERRUPTED)
#: The statuses after which no support ticket is written.
OK_STATUSES = frozenset(str(s) for s in Status if s.ok)
#: The statuses after which a support ticket and evidence.zip are written.
TICKET_STATUSES = frozenset(str(s) for s in Status if s.support_ticket)
START = datetime(2025, 11, 24, 3, 16, 0, tzinfo=UTC)


def png_bytes(
    width: int = 320, height: int = 200, rgb: tuple[int, int, int] = (200, 60, 60)
) -> bytes:
    """A valid RGB PNG of one colour (built with zlib and struct)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True, slots=True)
class Step:
    """A step with its screenshot."""

    name: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """A submit attempt with its screenshot and the site's answer."""

    outcome: str
    detail: str | None = None
    status_code: int | None = 200


@dataclass(frozen=True, slots=True)
class Wait:
    """The wait before the next attempt."""

    seconds: float
    cause: str = "backoff"


_FORM = (Step("login-page"), Step("order-page"), Step("dispute-form"), Step("form-filled"))
PLANS: dict[str, tuple[Step | Attempt | Wait, ...]] = {
    "opened": (
        *_FORM,
        Attempt("busy", BUSY),
        Wait(4.2),
        Attempt("busy", BUSY, 503),
        Wait(7.0, "retry_after"),
        Attempt("opened", "Dispute D-000123 opened"),
    ),
    "already_open": (Step("order-page"),),
    "invalid": (
        *_FORM,
        Attempt("invalid", "Please complete your message"),
        Step("stopped-invalid"),
    ),
    "ineligible": (Step("order-page"), Step("stopped-ineligible")),
    "gave_up": (
        *_FORM,
        Attempt("busy", BUSY),
        Wait(3.1),
        Attempt("busy", BUSY, 429),
        Wait(10.0, "retry_after"),
        Attempt("busy", BUSY),
        Step("stopped-gave_up"),
    ),
    "needs_human": (Step("login-required"), Step("stopped-needs_human")),
    "claimed": (Step("stopped-claimed"),),
    "unconfirmed": (
        *_FORM,
        Attempt("timeout", "no answer from the site before the deadline", None),
        Step("stopped-unconfirmed"),
    ),
    "error": (
        *_FORM,
        Attempt("timeout", "no answer from the site in time", None),
        Step("stopped-error"),
    ),
}


def _message(status: str, order_id: str, attempts: int, last: str | None) -> str:
    return {
        "opened": f"dispute D-000123 opened for order {order_id}",
        "already_open": f"a dispute is already open for order {order_id}: D-000007",
        "invalid": "the site refused the dispute: Please complete your message",
        "ineligible": f"order {order_id} is not eligible for a dispute: {INELIGIBLE_EXPLAIN[:-1]}",
        "gave_up": f"the site was still busy after {attempts} attempts: {last}",
        "needs_human": "not logged in to the site",
        "claimed": f"order {order_id} is being worked on by another run (pid 4242 on this "
        "machine, since 03:15:58 UTC); nothing was sent",
        "unconfirmed": f"attempt {attempts} for order {order_id} was still on its way to the "
        "site at the deadline: it may still open the dispute, so nothing was sent again",
        "error": "unexpected error: TimeoutError: Page.click: Timeout 30000ms exceeded.",
    }[status]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def make_run(
    root: Path,
    status: str,
    *,
    order_id: str = "1001",
    plan: tuple[Step | Attempt | Wait, ...] | None = None,
    message: str | None = None,
    request_message: str = "My parcel has not arrived after 40 days. Please refund me.",
    trace: bool | None = None,
    **result: Any,
) -> Path:
    """Write a run folder for ``status`` under ``root`` and return its path."""
    run_dir = root / f"20251124-031600-{_slug(order_id) or 'x'}"
    shots_dir = run_dir / "screenshots"
    shots_dir.mkdir(parents=True)
    timeline: list[dict[str, Any]] = []
    screenshots: list[str] = []
    t, attempts, last = 0.0, 0, None
    for item in plan if plan is not None else PLANS[status]:
        t += 1.25
        entry: dict[str, Any] = {
            "n": len(timeline) + 1,
            "at": (START + timedelta(seconds=t)).isoformat(timespec="milliseconds"),
            "t": round(t, 3),
        }
        if isinstance(item, Wait):
            entry.update(
                kind="wait",
                name=f"wait before attempt {attempts + 1}",
                attempt=attempts,
                wait_s=item.seconds,
                wait_cause=item.cause,
            )
            t += item.seconds
        else:
            if isinstance(item, Attempt):
                attempts += 1
                last = item.detail
                name = f"attempt-{attempts}-{item.outcome}"
                entry.update(
                    kind="attempt",
                    name=f"attempt {attempts}",
                    attempt=attempts,
                    outcome=item.outcome,
                    detail=item.detail,
                    status_code=item.status_code,
                )
            else:
                name = item.name
                entry.update(kind="step", name=item.name, detail=item.detail)
            relative = f"screenshots/{len(screenshots) + 1:02d}-{_slug(name)}.png"
            colour = (40 * len(screenshots) % 256, 120, 200 - 10 * len(screenshots) % 200)
            (run_dir / relative).write_bytes(png_bytes(rgb=colour))
            screenshots.append(relative)
            entry["screenshot"] = relative
        timeline.append({k: v for k, v in entry.items() if v is not None})
    data: dict[str, Any] = {
        "status": status,
        "order_id": order_id,
        "dispute_id": {"opened": "D-000123", "already_open": "D-000007"}.get(status),
        "attempts": attempts,
        "elapsed_s": round(t + 0.5, 3),
        "message": message if message is not None else _message(status, order_id, attempts, last),
        "exit_code": {
            "opened": 0,
            "already_open": 0,
            "error": 1,
            "invalid": 2,
            "ineligible": 3,
            "gave_up": 4,
            "needs_human": 5,
            "claimed": 6,
            "unconfirmed": 7,
        }[status],
        "reason_code": "protection_ended" if status == "ineligible" else None,
        "last_answer": last,
        "screenshots": screenshots,
        "normalisations": ["message: replaced 1 typographic quote with a plain one"],
        "request": {
            "order_id": order_id,
            "received": "no",
            "reason": "in_transit_too_long",
            "solution": "refund",
            "refund": "full",
            "amount": None,
            "message": request_message,
            "evidence": [],
        },
        "timeline": timeline,
    }
    data.update(result)
    (run_dir / "result.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (run_dir / "log.jsonl").write_text(
        json.dumps({"event": "agent.run_started", "cookie": FAKE_COOKIE}) + "\n", encoding="utf-8"
    )
    if trace if trace is not None else status not in ("opened", "already_open"):
        with zipfile.ZipFile(run_dir / "trace.zip", "w") as archive:
            archive.writestr(
                "trace.network", json.dumps({"headers": [{"name": "cookie", "value": FAKE_COOKIE}]})
            )
    return run_dir
