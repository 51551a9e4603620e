"""A crash-safe journal of submissions and of which run holds each order.

SQLite in WAL mode with ``synchronous=FULL``. Before every click on Submit the agent records an
intent (site, order, run, attempt) and commits it; after the answer it records the outcome. A
run that finds an unfinished intent for its order (a process killed between the click and the
answer) reconciles on the site before anything else, so re-running never opens a second dispute.

Before it reads the order page, a run takes the order's **claim**: a lease naming its process
(pid, host, the process's start) with a heartbeat, taken in one transaction. Another run on a
claimed order never submits (`OrderClaimed`). A claim whose process is gone (this host: the pid
is dead or belongs to another process now) or whose heartbeat is older than `STALE_AFTER_S` is
stale and taken over. Each intent is recorded only while its run still holds the claim (checked
in the same transaction), so a run whose claim was taken over stops before its next click
(`ClaimLost`). The heartbeat is kept by `agent.flow.claim`.

The journal lives in the state folder: ``--state-dir``, else ``$RETRY_DISPUTE_STATE_DIR``, else
``$XDG_STATE_HOME/retry-dispute`` (``~/.local/state/retry-dispute``). A journal that cannot be
opened, is damaged or stays locked longer than `LOCK_TIMEOUT_S` is `JournalUnavailable`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from agent.errors import ClaimLost, JournalUnavailable, OrderClaimed
from agent.log import get_logger

__all__ = [
    "LOCK_TIMEOUT_S",
    "STALE_AFTER_S",
    "Holder",
    "Intent",
    "Journal",
    "default_state_dir",
    "process_identity",
    "site_key",
]

log = get_logger("agent.journal")

#: How long to wait for another process's lock on the journal before giving up, in seconds.
LOCK_TIMEOUT_S = 10.0
#: A claim whose heartbeat is older than this is stale (its process is stopped or gone).
STALE_AFTER_S = 60.0

_COLUMNS = "id, site, order_id, run_id, attempt, started_at, outcome, dispute_id, abandoned_at"
_HOLDER_COLUMNS = "token, run_id, pid, host, process, claimed_at, heartbeat_at"
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
    finished_at REAL,
    abandoned_at REAL
);
CREATE INDEX IF NOT EXISTS intents_order ON intents (site, order_id);
CREATE TABLE IF NOT EXISTS claims (
    site TEXT NOT NULL,
    order_id TEXT NOT NULL,
    token TEXT NOT NULL,
    run_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    process TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    PRIMARY KEY (site, order_id)
);
"""


def default_state_dir() -> Path:
    """The documented state folder."""
    env = os.environ.get("RETRY_DISPUTE_STATE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "retry-dispute"


def site_key(url: str) -> str:
    """The journal's name for a site: scheme, host and port of its URL (never a user name)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}".lower()


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def process_identity(pid: int) -> str | None:
    """Who *pid* is on this host: ``<boot>:<start time>`` (Linux), ``""`` when unknown, or
    None when no live process has that pid (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        stat = ""
    if stat:
        fields = stat.rpartition(")")[2].split()
        if len(fields) < 20 or fields[0] in ("Z", "X"):
            return None
        return f"{_boot_id()}:{fields[19]}"
    try:  # no /proc: ask the kernel whether the pid exists
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return ""


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
    #: When the run stopped waiting for this submission's answer while it was still in flight
    #: (None: the run was interrupted or killed before its answer, or it was answered).
    abandoned_at: float | None = None

    def may_show_until(self, *, answer_s: float, shows_within_s: float) -> float:
        """Until when (wall clock) a dispute this submission made may still appear: its answer
        could take ``answer_s`` from the click (or from the moment its wait was abandoned), and
        the dispute ``shows_within_s`` more to show."""
        since = max(self.started_at, self.abandoned_at or self.started_at)
        return since + answer_s + shows_within_s


@dataclass(frozen=True, slots=True)
class Holder:
    """The run holding an order's claim."""

    token: str
    run_id: str
    pid: int
    host: str
    process: str
    claimed_at: float
    heartbeat_at: float

    def stale(self, *, now: float, host: str, stale_after_s: float) -> str | None:
        """Why this claim no longer protects anything (its process is gone, it went silent)."""
        if self.host == host:
            alive = process_identity(self.pid)
            if alive is None or (self.process and alive and alive != self.process):
                return f"its process {self.pid} has ended"
        silent = now - self.heartbeat_at
        if silent > stale_after_s:
            return f"no heartbeat for {silent:.0f} s"
        return None

    def describe(self, *, now: float, host: str) -> str:
        """``pid 1234 on this machine, run …, since 12:00:01 UTC, last heartbeat 3 s ago``."""
        where = "this machine" if self.host == host else f"host {self.host}"
        since = datetime.fromtimestamp(self.claimed_at, tz=UTC).strftime("%H:%M:%S UTC")
        return (
            f"pid {self.pid} on {where}, run {self.run_id}, since {since}, "
            f"last heartbeat {max(0.0, now - self.heartbeat_at):.0f} s ago"
        )


def _unavailable(path: Path, exc: BaseException) -> JournalUnavailable:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return JournalUnavailable(
            path,
            f"is locked by another process (waited {LOCK_TIMEOUT_S:g} s)",
            hint="wait for the other retry-dispute to finish, or close what holds the file open",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return JournalUnavailable(
            path,
            "is damaged (not a readable SQLite database)",
            hint="move it away and run again (a new one is made; the old one only mattered for "
            "runs interrupted between a click and its answer), or pass another --state-dir",
        )
    if "full" in text:
        return JournalUnavailable(path, "cannot be written: the disk is full")
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return JournalUnavailable(path, "cannot be made: its folder is a file")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return JournalUnavailable(path, f"cannot be opened or written ({reason.lower()})")


class Journal:
    """Intents and outcomes of submissions (one row per click on Submit), and order claims."""

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = time.time, host: str | None = None
    ) -> None:
        self.path = path
        self.host = host or socket.gethostname()
        self.pid = os.getpid()
        self.process = process_identity(self.pid) or ""
        self._clock = clock
        #: (site, order) -> the token of the claim this journal holds for it.
        self._held: dict[tuple[str, str], str] = {}
        #: Told when a claim is taken or released (the heartbeat keeper).
        self.on_claims_changed: Callable[[Journal], None] | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _unavailable(path, exc) from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._migrate()
            with self._write():  # the write lock can be had (a bounded wait), or say so now
                pass
        except (OSError, sqlite3.Error, JournalUnavailable) as exc:
            self._db.close()
            if isinstance(exc, JournalUnavailable):
                raise
            raise _unavailable(path, exc) from None

    def _migrate(self) -> None:
        """A journal written by an older version gains the columns it lacks."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(intents)")}
        if "abandoned_at" not in columns:
            self._db.execute("ALTER TABLE intents ADD COLUMN abandoned_at REAL")

    @classmethod
    def in_state_dir(cls, state_dir: Path | None = None) -> Journal:
        return cls((state_dir or default_state_dir()) / "journal.sqlite3")

    def now(self) -> float:
        """The journal's clock (wall time: claims are compared across processes)."""
        return float(self._clock())

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE), committed or rolled back."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _unavailable(self.path, exc) from None
        try:
            yield self._db
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise _unavailable(self.path, exc) from None

    # -- claims ----------------------------------------------------------------------------
    def holder(self, *, site: str, order_id: str) -> Holder | None:
        """The run holding this order's claim, if any."""
        row = self._db.execute(
            f"SELECT {_HOLDER_COLUMNS} FROM claims WHERE site = ? AND order_id = ?",
            (site, order_id),
        ).fetchone()
        return Holder(*row) if row else None

    def claim(
        self, *, site: str, order_id: str, run_id: str, stale_after_s: float = STALE_AFTER_S
    ) -> str:
        """Take the order's claim for *run_id* in one transaction; return its token.

        Raises OrderClaimed when another run holds a live claim; takes a stale one over.
        """
        token = uuid.uuid4().hex
        now = self.now()
        with self._write() as db:
            row = db.execute(
                f"SELECT {_HOLDER_COLUMNS} FROM claims WHERE site = ? AND order_id = ?",
                (site, order_id),
            ).fetchone()
            before = Holder(*row) if row else None
            why = (
                before.stale(now=now, host=self.host, stale_after_s=stale_after_s)
                if before is not None
                else ""
            )
            if before is not None and why is None:
                raise OrderClaimed(
                    f"order {order_id} is being worked on by another run "
                    f"({before.describe(now=now, host=self.host)}); nothing was sent"
                )
            db.execute(
                "INSERT OR REPLACE INTO claims (site, order_id, token, run_id, pid, host, process, "
                "claimed_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (site, order_id, token, run_id, self.pid, self.host, self.process, now, now),
            )
        if before is not None:
            log.warning(
                "agent.claim_taken_over",
                order_id=order_id,
                previous_pid=before.pid,
                previous_host=before.host,
                previous_run=before.run_id,
                why=why,
            )
        self._held[(site, order_id)] = token
        self._changed()
        return token

    def release(self, *, site: str, order_id: str) -> None:
        """Give the order's claim back (if this journal still holds it); never raises."""
        token = self._held.pop((site, order_id), None)
        if token is None:
            return
        self._changed()
        try:
            with self._write() as db:
                db.execute(
                    "DELETE FROM claims WHERE site = ? AND order_id = ? AND token = ?",
                    (site, order_id, token),
                )
        except JournalUnavailable as exc:  # left behind: taken over as stale by the next run
            log.warning("agent.claim_not_released", order_id=order_id, error=str(exc))

    def held_tokens(self) -> tuple[str, ...]:
        """The tokens of the claims this journal holds now."""
        return tuple(self._held.values())

    def _changed(self) -> None:
        if self.on_claims_changed is not None:
            self.on_claims_changed(self)

    def beat(self, tokens: Iterable[str], *, db: sqlite3.Connection | None = None) -> int:
        """Refresh the heartbeat of these claims; return how many are still held."""
        wanted = list(tokens)
        if not wanted:
            return 0
        conn = db or self._db
        marks = ", ".join("?" for _ in wanted)
        cur = conn.execute(
            f"UPDATE claims SET heartbeat_at = ? WHERE token IN ({marks})", (self.now(), *wanted)
        )
        return cur.rowcount

    def connect_again(self) -> sqlite3.Connection:
        """A second connection to the same file (for another thread: the heartbeat)."""
        return sqlite3.connect(
            self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )

    # -- intents ---------------------------------------------------------------------------
    def begin(self, *, site: str, order_id: str, run_id: str, attempt: int) -> int:
        """Record and commit the intent to submit; return its id.

        In the same transaction, the claim is checked: when another run holds the order (this
        run's claim was taken over), nothing is recorded and `ClaimLost` is raised.
        """
        mine = self._held.get((site, order_id))
        with self._write() as db:
            row = db.execute(
                "SELECT token FROM claims WHERE site = ? AND order_id = ?", (site, order_id)
            ).fetchone()
            holder = row[0] if row else None
            if holder != mine:
                raise ClaimLost(
                    f"order {order_id} was taken over by another run before attempt {attempt}; "
                    "nothing more was sent"
                )
            cur = db.execute(
                "INSERT INTO intents (site, order_id, run_id, attempt, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (site, order_id, run_id, attempt, self.now()),
            )
        return int(cur.lastrowid or 0)

    def finish(self, intent_id: int, *, outcome: str, dispute_id: str | None = None) -> None:
        """Record the answer to a submission; never raises.

        The answer is already known: a journal that cannot be written now (a full disk) must not
        change the run's outcome. The intent then stays unfinished, and the next run of the
        order reads the order page before anything else, as after a crash.
        """
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE intents SET outcome = ?, dispute_id = ?, finished_at = ? WHERE id = ?",
                    (outcome, dispute_id, self.now(), intent_id),
                )
        except JournalUnavailable as exc:
            log.warning("agent.journal_not_written", intent=intent_id, error=str(exc))

    def abandon(self, intent_id: int) -> None:
        """The run stopped waiting while the submission was in flight: the intent stays
        unfinished (the next run waits for it), with the time its wait ended; never raises."""
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE intents SET abandoned_at = ? WHERE id = ?", (self.now(), intent_id)
                )
        except JournalUnavailable as exc:
            log.warning("agent.journal_not_written", intent=intent_id, error=str(exc))

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
        with self._write() as db:
            cur = db.execute(
                "UPDATE intents SET outcome = ?, dispute_id = ?, finished_at = ? "
                "WHERE site = ? AND order_id = ? AND outcome IS NULL",
                (outcome, dispute_id, self.now(), site, order_id),
            )
        return cur.rowcount

    def history(self, *, site: str, order_id: str) -> list[Intent]:
        """Every intent recorded for this order (or key), oldest first, answered or not."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM intents WHERE site = ? AND order_id = ? ORDER BY id",
            (site, order_id),
        ).fetchall()
        return [Intent(*row) for row in rows]

    def close(self) -> None:
        for site, order_id in list(self._held):
            self.release(site=site, order_id=order_id)
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
