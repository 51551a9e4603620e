"""The run folder: numbered screenshots, the timeline of steps and attempts, result.json.

``runs/<YYYYmmdd-HHMMSS>-<order>/`` (mode 0700) holds ``screenshots/NN-<step>.png`` (one
numbering for the run: a screenshot's NN is the number of its timeline entry, so "14. Attempt 4"
shows ``14-attempt-4-busy.png``), ``result.json``, ``log.jsonl`` and what the report module adds,
each file 0600 (`agent.files`). A screenshot that fails is logged and never hides the real error.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Protocol

from agent.errors import OutputUnwritable
from agent.files import DIR_MODE, make_private_dir, record_failure, write_private_bytes
from agent.log import get_logger
from agent.outcome import Outcome, TimelineEntry
from agent.site.existing import Finding

__all__ = [
    "IMAGE_TYPES",
    "Grabbed",
    "RunFolder",
    "all_screenshots",
    "attempt_entries",
    "new_run_folder",
    "present_screenshots",
    "run_dir_of",
    "screenshot_file",
    "slug",
]

#: Screenshot file types a report shows: suffix -> (MIME type, the bytes the file starts with).
IMAGE_TYPES: dict[str, tuple[str, bytes]] = {
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
}

log = get_logger("agent.evidence")


class _Screenshottable(Protocol):
    async def screenshot(
        self, *, timeout: float, full_page: bool, caret: Literal["hide", "initial"]
    ) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Grabbed:
    """A screenshot taken and not yet filed: its PNG, or why there is none."""

    png: bytes | None
    error: str | None = None


class _CDPSession(Protocol):
    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]: ...


#: The DevTools call behind a screenshot, with the encoder set for speed: on Chromium the same
#: viewport PNG as ``page.screenshot()``, a third less CPU (no wait for web fonts, faster
#: compression: the file is ~40 % larger). See docs/performance.md.
_CAPTURE: dict[str, Any] = {"format": "png", "optimizeForSpeed": True}


def _no_session() -> asyncio.Future[_CDPSession | None]:
    done: asyncio.Future[_CDPSession | None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done


async def _cdp_session(page: object) -> _CDPSession | None:
    """A DevTools session on a Chromium page, or None (another browser, a stand-in page)."""
    context = getattr(page, "context", None)
    new_session = getattr(context, "new_cdp_session", None)
    if new_session is None:
        return None
    try:
        session: _CDPSession = await new_session(page)
    except Exception:  # not Chromium, or the page is gone: Playwright's screenshot will say
        return None
    return session


def slug(text: str) -> str:
    """A file-name-safe lower-case slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


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
    #: Each page's DevTools session for screenshots (None: use Playwright's screenshot).
    _sessions: dict[int, tuple[object, asyncio.Future[_CDPSession | None]]] = field(
        default_factory=dict
    )

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
        return self.keep(await self.grab(page, timeout_s=timeout_s), name)

    async def grab(
        self, page: _Screenshottable | None, *, timeout_s: float = 5.0
    ) -> Grabbed | None:
        """The page's viewport now, as a PNG not yet filed (`keep` files it); None if it failed.

        A failed screenshot is logged and never raises: it must never hide the real error.
        """
        if page is None:
            return None
        try:
            png = await asyncio.wait_for(self._capture(page, timeout_s), timeout=timeout_s + 1)
        except Exception as exc:
            return Grabbed(png=None, error=f"{type(exc).__name__}: {exc}"[:300])
        return Grabbed(png=png)

    def keep(self, grabbed: Grabbed | None, name: str) -> str | None:
        """File a grabbed screenshot under the number of the timeline entry about to be recorded
        (0600); its relative path, or None. A screenshot that failed (in the page, or on a full
        disk) leaves its number unused."""
        if grabbed is None:
            return None
        relative = f"screenshots/{len(self.timeline) + 1:02d}-{slug(name)}.png"
        if grabbed.png is None:
            log.warning("agent.screenshot_failed", screenshot=relative, error=grabbed.error)
            return None
        target = self.path / relative
        try:
            make_private_dir(target.parent)
            write_private_bytes(target, grabbed.png)
        except OSError as exc:  # a full disk: recorded (the console says so), the run goes on
            record_failure(target, exc)
            log.warning("agent.screenshot_not_written", screenshot=relative, error=str(exc))
            return None
        self.screenshots.append(relative)
        return relative

    def prepare(self, page: object) -> None:
        """Open the page's DevTools session for screenshots now, while the page loads."""
        known = self._sessions.get(id(page))
        if known is None or known[0] is not page:
            self._sessions[id(page)] = (page, asyncio.ensure_future(_cdp_session(page)))

    async def _capture(self, page: _Screenshottable, timeout_s: float) -> bytes:
        """The viewport as PNG bytes: over DevTools where it can, else ``page.screenshot()``."""
        self.prepare(page)
        session = await self._sessions[id(page)][1]
        if session is not None:
            try:
                answer = await session.send("Page.captureScreenshot", _CAPTURE)
                return base64.b64decode(answer["data"])
            except Exception as exc:  # the session died with its target: try the usual way
                log.info("agent.screenshot_fallback", error=f"{type(exc).__name__}: {exc}"[:200])
                self._sessions[id(page)] = (page, _no_session())
        # caret "initial": hiding the text caret costs two extra trips into the page on every
        # screenshot; a caret in the evidence harms nothing
        return await page.screenshot(timeout=timeout_s * 1000, full_page=False, caret="initial")

    async def step(
        self,
        page: _Screenshottable | None,
        name: str,
        *,
        detail: str | None = None,
        timeout_s: float = 5.0,
    ) -> TimelineEntry:
        """Record a step with its screenshot."""
        return self.grabbed_step(await self.grab(page, timeout_s=timeout_s), name, detail=detail)

    def grabbed_step(
        self, grabbed: Grabbed | None, name: str, *, detail: str | None = None
    ) -> TimelineEntry:
        """Record a step with a screenshot grabbed before its name was known."""
        shot = self.keep(grabbed, name)
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
        grabbed: Grabbed | None = None,
    ) -> TimelineEntry:
        """Record an attempt with its screenshot, named ``attempt-K-<outcome>`` (*grabbed*: one
        taken already, as the answer showed; else *page* is photographed now)."""
        name = f"attempt-{number}-{outcome}"
        shot = (
            self.keep(grabbed, name)
            if grabbed is not None
            else await self.shot(page, name, timeout_s=timeout_s)
        )
        return self._entry(
            kind="attempt",
            name=f"attempt {number}",
            attempt=number,
            outcome=outcome,
            screenshot=shot,
            detail=detail,
            status_code=status_code,
        )

    def check(
        self,
        finding: Finding,
        *,
        attempt: int,
        reads: int = 1,
        why: str = "before_resend",
        grabbed: Grabbed | None = None,
    ) -> TimelineEntry:
        """Record a check of the order page made after attempt *attempt*, with its result.

        ``outcome`` is ``dispute_found`` (``detail``: its id, or "id unknown: <its text>"),
        ``no_dispute``, or ``unreadable`` (``detail``: why); ``purpose`` says why the page was
        read (before_resend, confirm, earlier_run); *grabbed* is the page as it was read.
        """
        detail: str | None
        if finding.state == "found":
            outcome = "dispute_found"
            detail = finding.dispute_id or f"id unknown: {finding.shown}"
        elif finding.state == "unreadable":
            outcome, detail = "unreadable", finding.shown or None
        else:
            outcome, detail = "no_dispute", None
        shot = self.keep(grabbed, f"check-{outcome}")
        log.info("agent.check_recorded", attempt=attempt, outcome=outcome, purpose=why, reads=reads)
        return self._entry(
            kind="check",
            name="order-page-check",
            attempt=attempt,
            outcome=outcome,
            detail=detail,
            screenshot=shot,
            purpose=why,
            reads=reads,
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


def new_run_folder(out_dir: Path, order_id: str, *, now: datetime | None = None) -> RunFolder:
    """Create ``<out>/<YYYYmmdd-HHMMSS>-<order>/`` (with a suffix when it already exists)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{slug(order_id)}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for i in range(1, 1000):
            name = base if i == 1 else f"{base}-{i}"
            path = out_dir / name
            try:
                path.mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue
            os.chmod(path, DIR_MODE)  # whatever the umask
            return RunFolder(path=path, order_id=order_id, run_id=name)
    except OSError as exc:
        raise OutputUnwritable(out_dir, exc) from None
    raise OutputUnwritable(out_dir, "1000 run folders of this order in this second")


# --- reading a run folder back (the report, the ticket, the support chat) -----------------------


def run_dir_of(outcome: Outcome) -> Path:
    """The run folder of an outcome read from one (`Outcome.read` always sets it)."""
    if outcome.run_dir is None:
        raise ValueError(f"the outcome of order {outcome.order_id} has no run folder")
    return outcome.run_dir


def attempt_entries(outcome: Outcome) -> tuple[TimelineEntry, ...]:
    """The timeline's attempts, in order."""
    return tuple(entry for entry in outcome.timeline if entry.kind == "attempt")


def all_screenshots(outcome: Outcome) -> tuple[str, ...]:
    """Every screenshot the run names (result list first, then the timeline's), once each."""
    names = [*outcome.screenshots, *(e.screenshot for e in outcome.timeline if e.screenshot)]
    return tuple(dict.fromkeys(names))


def _inside(run_dir: Path, relative: str) -> Path | None:
    """``run_dir / relative`` when it is a file inside the run folder, else None."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if not relative or pure.is_absolute() or ".." in pure.parts:
        return None
    path = run_dir / Path(*pure.parts)
    try:
        if not path.resolve().is_relative_to(run_dir.resolve()) or not path.is_file():
            return None
    except OSError:
        return None
    return path


def screenshot_file(run_dir: Path, relative: str) -> Path | None:
    """The screenshot's file when it exists inside the run folder and is a real image."""
    path = _inside(run_dir, relative)
    if path is None or path.suffix.lower() not in IMAGE_TYPES:
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return None
    return path if head.startswith(IMAGE_TYPES[path.suffix.lower()][1]) else None


def present_screenshots(outcome: Outcome) -> tuple[str, ...]:
    """The screenshots that exist and can be shown, in run order."""
    run_dir = run_dir_of(outcome)
    return tuple(s for s in all_screenshots(outcome) if screenshot_file(run_dir, s) is not None)
