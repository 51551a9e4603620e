"""The run folder: numbered screenshots, the timeline of steps and attempts, result.json.

``runs/<YYYYmmdd-HHMMSS>-<order>/`` holds ``screenshots/NN-<step>.png`` (one sequence for the
run; attempts are ``NN-attempt-K-<outcome>.png``), ``result.json``, ``log.jsonl`` and what the
report module adds. A screenshot that fails is logged and never hides the real error.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from agent.log import get_logger

__all__ = ["RunFolder", "TimelineEntry", "new_run_folder", "slug"]

log = get_logger("agent.evidence")


class _Screenshottable(Protocol):
    async def screenshot(
        self, *, path: str, timeout: float, full_page: bool, caret: Literal["hide", "initial"]
    ) -> bytes: ...


def slug(text: str) -> str:
    """A file-name-safe lower-case slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@dataclass(slots=True, kw_only=True)
class TimelineEntry:
    """One step, attempt or wait of a run, as the report shows it."""

    n: int
    kind: str  # "step" | "attempt" | "wait"
    name: str
    at: str
    t: float
    outcome: str | None = None
    attempt: int | None = None
    screenshot: str | None = None
    detail: str | None = None
    status_code: int | None = None
    wait_s: float | None = None
    wait_cause: str | None = None


@dataclass(slots=True)
class RunFolder:
    """A run's folder and the record of what happened in it."""

    path: Path
    order_id: str
    run_id: str
    started: float = field(default_factory=time.monotonic)
    timeline: list[TimelineEntry] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    @property
    def screenshots_dir(self) -> Path:
        return self.path / "screenshots"

    def elapsed(self) -> float:
        return round(self.clock() - self.started, 3)

    def _entry(self, **values: Any) -> TimelineEntry:
        entry = TimelineEntry(
            n=len(self.timeline) + 1,
            at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            t=self.elapsed(),
            **values,
        )
        self.timeline.append(entry)
        return entry

    async def shot(
        self, page: _Screenshottable | None, name: str, *, timeout_s: float = 5.0
    ) -> str | None:
        """Take the next numbered screenshot; return its run-folder-relative path, or None."""
        if page is None:
            return None
        number = len(self.screenshots) + 1
        relative = f"screenshots/{number:02d}-{slug(name)}.png"
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            await asyncio.wait_for(
                # caret "initial": hiding the text caret costs two extra trips into the page
                # on every screenshot; a caret in the evidence harms nothing
                page.screenshot(
                    path=str(target), timeout=timeout_s * 1000, full_page=False, caret="initial"
                ),
                timeout=timeout_s + 1,
            )
        except Exception as exc:  # a failed screenshot must never hide the real error
            log.warning(
                "agent.screenshot_failed",
                screenshot=relative,
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
            return None
        self.screenshots.append(relative)
        return relative

    async def step(
        self,
        page: _Screenshottable | None,
        name: str,
        *,
        detail: str | None = None,
        timeout_s: float = 5.0,
    ) -> TimelineEntry:
        """Record a step with its screenshot."""
        shot = await self.shot(page, name, timeout_s=timeout_s)
        log.info("agent.step", step=name, screenshot=shot, detail=detail)
        return self._entry(kind="step", name=name, screenshot=shot, detail=detail)

    async def attempt(
        self,
        page: _Screenshottable | None,
        number: int,
        outcome: str,
        *,
        detail: str | None = None,
        status_code: int | None = None,
        timeout_s: float = 5.0,
    ) -> TimelineEntry:
        """Record an attempt with its screenshot, named ``attempt-K-<outcome>``."""
        shot = await self.shot(page, f"attempt-{number}-{outcome}", timeout_s=timeout_s)
        return self._entry(
            kind="attempt",
            name=f"attempt {number}",
            attempt=number,
            outcome=outcome,
            screenshot=shot,
            detail=detail,
            status_code=status_code,
        )

    def wait(self, seconds: float, cause: str, *, attempt: int) -> TimelineEntry:
        """Record the wait before the next attempt and why (backoff or Retry-After)."""
        return self._entry(
            kind="wait",
            name=f"wait before attempt {attempt + 1}",
            attempt=attempt,
            wait_s=round(seconds, 3),
            wait_cause=cause,
        )

    def write_json(self, name: str, data: dict[str, Any]) -> Path:
        """Write ``data`` as JSON into the run folder, atomically."""
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        os.replace(tmp, target)
        return target

    def timeline_dicts(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in asdict(e).items() if v is not None} for e in self.timeline]


def new_run_folder(out_dir: Path, order_id: str, *, now: datetime | None = None) -> RunFolder:
    """Create ``<out>/<YYYYmmdd-HHMMSS>-<order>/`` (with a suffix when it already exists)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{slug(order_id)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(1, 1000):
        name = base if i == 1 else f"{base}-{i}"
        path = out_dir / name
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return RunFolder(path=path, order_id=order_id, run_id=name)
    raise RuntimeError(f"cannot create a run folder under {out_dir}")
