"""A crash-safe journal of submissions: the intent is committed before the click.

SQLite in WAL mode with ``synchronous=FULL``. Before every click on Submit the agent records an
intent (site, order, run, attempt) and commits it; after the answer it records the outcome. A
run that finds an unfinished intent for its order (a process killed between the click and the
answer) reconciles on the site before anything else, so re-running never opens a second dispute.

The journal lives in the state folder: ``--state-dir``, else ``$RETRY_DISPUTE_STATE_DIR``, else
``$XDG_STATE_HOME/retry-dispute`` (``~/.local/state/retry-dispute``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["Intent", "Journal", "default_state_dir", "site_key"]

_COLUMNS = "id, site, order_id, run_id, attempt, started_at, outcome, dispute_id"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    order_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at REAL NOT NULL,
    outcome TEXT,
    dispute_id TEXT,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS intents_order ON intents (site, order_id);
"""


def default_state_dir() -> Path:
    """The documented state folder."""
    env = os.environ.get("RETRY_DISPUTE_STATE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "retry-dispute"


def site_key(url: str) -> str:
    """The journal's name for a site: scheme, host and port of its URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class Intent:
    """A submission that was about to be made."""

    id: int
    site: str
    order_id: str
    run_id: str
    attempt: int
    started_at: float
    outcome: str | None
    dispute_id: str | None


class Journal:
    """Intents and outcomes of submissions, one row per click on Submit."""

    def __init__(self, path: Path, *, clock: object = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def in_state_dir(cls, state_dir: Path | None = None) -> Journal:
        return cls((state_dir or default_state_dir()) / "journal.sqlite3")

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]

    def now(self) -> float:
        """The journal's clock: what an intent's ``started_at`` is measured in."""
        return self._now()

    def begin(self, *, site: str, order_id: str, run_id: str, attempt: int) -> int:
        """Record and commit the intent to submit; return its id."""
        cur = self._db.execute(
            "INSERT INTO intents (site, order_id, run_id, attempt, started_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (site, order_id, run_id, attempt, self._now()),
        )
        return int(cur.lastrowid or 0)

    def finish(self, intent_id: int, *, outcome: str, dispute_id: str | None = None) -> None:
        """Record the answer to a submission."""
        self._db.execute(
            "UPDATE intents SET outcome = ?, dispute_id = ?, finished_at = ? WHERE id = ?",
            (outcome, dispute_id, self._now(), intent_id),
        )

    def unfinished(self, *, site: str, order_id: str) -> list[Intent]:
        """Intents for this order with no recorded answer (a crash between click and answer)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM intents "
            "WHERE site = ? AND order_id = ? AND outcome IS NULL ORDER BY id",
            (site, order_id),
        ).fetchall()
        return [Intent(*row) for row in rows]

    def settle(
        self, *, site: str, order_id: str, outcome: str, dispute_id: str | None = None
    ) -> int:
        """Close every unfinished intent of an order after reconciling on the site."""
        cur = self._db.execute(
            "UPDATE intents SET outcome = ?, dispute_id = ?, finished_at = ? "
            "WHERE site = ? AND order_id = ? AND outcome IS NULL",
            (outcome, dispute_id, self._now(), site, order_id),
        )
        return cur.rowcount

    def history(self, *, site: str, order_id: str) -> list[Intent]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM intents WHERE site = ? AND order_id = ? ORDER BY id",
            (site, order_id),
        ).fetchall()
        return [Intent(*row) for row in rows]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
