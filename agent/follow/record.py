"""What a follow leaves in its folder: ``follow.json``, its screenshots, and the words for people.

``follow.json`` holds how the follow ended (status, exit code, plain words, the deadline), the
last reading of the request's page, every reading and response so far (a watch appends to it
across runs), and the screenshots (``screenshots/follow-NN-<what>.png``). Every text is
redacted on the way out (`agent.files`); files are private. `read_follow` reads it back
leniently (None when absent or damaged) for the report and a batch's index.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from agent.files import make_private_dir, write_private_bytes, write_private_text
from agent.follow.reading import RequestReading
from agent.follow.states import FollowStatus
from agent.log import get_logger
from agent.output.html import local_and_utc
from agent.redaction import redact_text

__all__ = [
    "FOLLOW_JSON",
    "FollowOutcome",
    "FollowShots",
    "ResponseRecord",
    "deadline_words",
    "left_words",
    "read_follow",
]

log = get_logger("agent.follow")

FOLLOW_JSON = "follow.json"
#: The readings follow.json keeps (a long watch keeps its latest).
_KEEP_READINGS = 500


def left_words(left: timedelta) -> str:
    """``4 days 23 h``, ``2 h 13 min``, ``45 min``, ``30 s``."""
    seconds = max(0, int(left.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def deadline_words(deadline: datetime | None, now: datetime) -> str | None:
    """The deadline in local time (UTC beside it) and how long is left, or None."""
    if deadline is None:
        return None
    left = deadline - now
    when = local_and_utc(deadline, date=True)
    if left.total_seconds() <= 0:
        return f"{when}: passed"
    return f"{when} (in {left_words(left)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseRecord:
    """One response sent (or tried) to the store."""

    n: int
    #: The journal's key for it (``<order>:response:<n>``).
    key: str
    #: sent | already_sent (found on the record) | gave_up | refused | needs_human | error
    outcome: str
    attempts: int = 0
    message: str = ""
    evidence: tuple[str, ...] = ()
    at: str = ""
    #: The site's last answer, in its words.
    answer: str = ""

    def to_json(self) -> dict[str, object]:
        """As follow.json records it."""
        return {
            "n": self.n,
            "key": self.key,
            "outcome": self.outcome,
            "attempts": self.attempts,
            "message": redact_text(self.message),
            "evidence": list(self.evidence),
            "at": self.at,
            "answer": redact_text(self.answer),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowOutcome:
    """How one follow ended, and where its evidence is: the contents of ``follow.json``."""

    status: FollowStatus
    order_id: str
    item: str | None = None
    request_id: str | None = None
    message: str = ""
    hint: str | None = None
    folder: Path | None = None
    reading: RequestReading | None = None
    readings: tuple[Mapping[str, Any], ...] = ()
    responses: tuple[Mapping[str, Any], ...] = ()
    screenshots: tuple[str, ...] = ()
    site: str = ""
    profile: str = ""
    #: The signal that stopped it (``SIGINT``, ``SIGTERM``), for ``interrupted`` only.
    interrupted_by: str | None = None
    #: With --watch: the interval, the end asked for, how the watch ended.
    watch: Mapping[str, Any] = field(default_factory=dict)
    #: A loud warning: the deadline is close and nobody answered.
    warning: str | None = None

    @property
    def exit_code(self) -> int:
        """The exit code (130/143 for an interrupt by SIGINT/SIGTERM)."""
        if self.status is FollowStatus.INTERRUPTED and self.interrupted_by == "SIGTERM":
            return 143
        return self.status.exit_code

    def to_json(self, now: datetime | None = None) -> dict[str, object]:
        """The contents of ``follow.json``."""
        moment = now or datetime.now(UTC)
        reading = self.reading
        return {
            "status": str(self.status),
            "exit_code": self.exit_code,
            "label": self.status.label,
            "order_id": self.order_id,
            "item": self.item,
            "request_id": self.request_id,
            "state": str(reading.state) if reading else None,
            "words": reading.state.words if reading else None,
            "message": redact_text(self.message),
            "hint": redact_text(self.hint) if self.hint else None,
            "warning": self.warning,
            "deadline": reading.deadline.isoformat(timespec="seconds")
            if reading and reading.deadline
            else None,
            "deadline_local": deadline_words(reading.deadline, moment) if reading else None,
            "left_s": round(left.total_seconds())
            if reading and (left := reading.left(moment)) is not None
            else None,
            "good_news": reading.good_news if reading else False,
            "reading": reading.to_json() if reading else None,
            "readings": list(self.readings)[-_KEEP_READINGS:],
            "responses": list(self.responses),
            "screenshots": list(self.screenshots),
            "site": self.site,
            "profile": self.profile,
            "watch": dict(self.watch),
            "interrupted_by": self.interrupted_by,
            "updated": moment.isoformat(timespec="seconds"),
        }

    def write(self, now: datetime | None = None) -> Path | None:
        """Write ``follow.json`` into the folder (private, atomic, redacted)."""
        if self.folder is None:
            return None
        target = self.folder / FOLLOW_JSON
        text = json.dumps(self.to_json(now), indent=2, ensure_ascii=False, default=str) + "\n"
        write_private_text(target, text)
        return target


def read_follow(folder: Path) -> dict[str, Any] | None:
    """``follow.json``'s object, or None when there is none or it cannot be read."""
    try:
        data = json.loads((folder / FOLLOW_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class FollowShots:
    """The follow's screenshots in ``screenshots/``, numbered after the ones already there."""

    def __init__(self, folder: Path, *, timeout_s: float, taken: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.timeout_s = timeout_s
        self.taken: list[str] = list(taken)

    def _next_number(self) -> int:
        shots = self.folder / "screenshots"
        numbers = [0]
        if shots.is_dir():
            for path in shots.glob("*.png"):
                head = path.name.removeprefix("follow-").split("-", 1)[0]
                if head.isdigit():
                    numbers.append(int(head))
        return max(numbers) + 1

    async def shot(self, page: Page, name: str) -> str | None:
        """A screenshot of *page* as ``screenshots/follow-NN-<name>.png``; None when it failed
        (logged: a screenshot never hides the real problem)."""
        relative = f"screenshots/follow-{self._next_number():02d}-{name}.png"
        try:
            data = await page.screenshot(timeout=self.timeout_s * 1000)
            make_private_dir(self.folder / "screenshots")
            write_private_bytes(self.folder / relative, data)
        except Exception as exc:
            log.warning("follow.screenshot_failed", step=name, error=str(exc)[:200])
            return None
        self.taken.append(relative)
        return relative
