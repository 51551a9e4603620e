"""One run per order: the order's claim in the journal, held with a heartbeat for the whole run.

`order_claim` takes the claim (`agent.flow.journal.Journal.claim`: one transaction, before the
order page is read) and gives it back when the run ends. While a journal holds claims, a thread
refreshes their heartbeat every `HEARTBEAT_S` seconds (with its own connection, so a busy event
loop does not starve it); a process that is killed leaves its claim behind, and the next run
takes it over once its pid is gone (this host) or its heartbeat is older than
`agent.flow.journal.STALE_AFTER_S`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import ClassVar

from agent.flow.journal import Journal
from agent.log import get_logger

__all__ = ["HEARTBEAT_S", "Heartbeat", "order_claim"]

log = get_logger("agent.claim")

#: Seconds between two heartbeats of the claims a process holds.
HEARTBEAT_S = 5.0


class Heartbeat:
    """Refreshes the heartbeat of every claim one journal holds, from a thread of its own.

    One keeper per journal (`Heartbeat.of`): the journal tells it when claims are taken or
    given back, and it runs its thread while any is held.
    """

    _keepers: ClassVar[weakref.WeakKeyDictionary[Journal, Heartbeat]] = weakref.WeakKeyDictionary()

    def __init__(self, journal: Journal, *, interval_s: float = HEARTBEAT_S) -> None:
        self.journal = journal
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def of(cls, journal: Journal) -> Heartbeat:
        """The journal's keeper, made and attached on first use."""
        keeper = cls._keepers.get(journal)
        if keeper is None:
            keeper = cls._keepers[journal] = cls(journal)
            journal.on_claims_changed = keeper.changed
        return keeper

    @property
    def running(self) -> bool:
        """Whether the heartbeat thread runs (it does while the journal holds a claim)."""
        return self._thread is not None

    def changed(self, journal: Journal) -> None:
        """The journal took or gave back a claim: start the thread, or stop it when none is left."""
        with self._lock:
            held = bool(journal.held_tokens())
            if held and self._thread is None:
                stop = self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(stop,), name="claim-heartbeat", daemon=True
                )
                self._thread.start()
            elif not held and self._thread is not None and self._stop is not None:
                self._stop.set()
                self._thread = self._stop = None

    def beat_once(self, db: sqlite3.Connection | None = None) -> int:
        """Refresh the heartbeat of the claims held now; return how many were refreshed."""
        try:
            return self.journal.beat(self.journal.held_tokens(), db=db)
        except (sqlite3.Error, RuntimeError) as exc:  # locked or full: the next beat tries again
            log.warning("agent.claim_heartbeat_failed", error=str(exc)[:200])
            return 0

    def beat_while(self, keep_going: Callable[[], bool], db: sqlite3.Connection) -> int:
        """Beat each time *keep_going()* says so (it waits the interval); the beats made."""
        beats = 0
        while keep_going():
            self.beat_once(db)
            beats += 1
        return beats

    def _run(self, stop: threading.Event) -> None:
        try:
            db = self.journal.connect_again()
        except sqlite3.Error as exc:
            log.warning("agent.claim_heartbeat_failed", error=str(exc)[:200])
            return
        try:
            self.beat_while(lambda: not stop.wait(self.interval_s), db)
        finally:
            db.close()


@contextlib.contextmanager
def order_claim(
    journal: Journal | None, *, site: str, order_id: str, run_id: str
) -> Iterator[None]:
    """Hold the order's claim for the block; raises `OrderClaimed` when another run has it.

    Without a journal (a caller who turned it off) there is nothing to claim.
    """
    if journal is None:
        yield
        return
    Heartbeat.of(journal)
    journal.claim(site=site, order_id=order_id, run_id=run_id)
    try:
        yield
    finally:
        journal.release(site=site, order_id=order_id)
