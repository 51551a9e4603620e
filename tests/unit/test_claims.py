"""Order claims in the journal: one holder per order, stale claims taken over, a fence on begin().

Each test opens the journal file twice, as two processes would (two connections, two holders);
time is an injected clock, and a "dead" process is a child that has already ended.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agent.errors import ClaimLost, OrderClaimed
from agent.flow.claim import Heartbeat, order_claim
from agent.flow.journal import STALE_AFTER_S, Journal, process_identity, site_key
from tests.journal_rows import intents_of

SITE = "http://127.0.0.1:8123"


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _journal(tmp_path: Path, clock: Clock | None = None, host: str | None = None) -> Journal:
    return Journal(tmp_path / "journal.sqlite3", clock=clock or Clock(), host=host)


def _dead_pid() -> int:
    """The pid of a child process that has ended (and been reaped)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def _forge(path: Path, **values: object) -> None:
    """Write a claim row as another process would have left it."""
    row = {
        "site": SITE,
        "order_id": "2000",
        "token": "theirs",
        "run_id": "their-run",
        "pid": os.getpid(),
        "host": "elsewhere",
        "process": "",
        "claimed_at": 0.0,
        "heartbeat_at": 0.0,
        **values,
    }
    with sqlite3.connect(path) as db:
        db.execute(
            f"INSERT OR REPLACE INTO claims ({', '.join(row)}) "
            f"VALUES ({', '.join('?' for _ in row)})",
            tuple(row.values()),
        )


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    """While one run holds the order, another is refused with its pid, run and heartbeat."""
    clock = Clock()
    with _journal(tmp_path, clock) as first, _journal(tmp_path, clock) as second:
        first.claim(site=SITE, order_id="2000", run_id="run-a")
        clock.now += 3
        with pytest.raises(OrderClaimed) as refused:
            second.claim(site=SITE, order_id="2000", run_id="run-b")
        text = str(refused.value)
        assert f"pid {os.getpid()} on this machine, run run-a" in text
        assert "last heartbeat 3 s ago" in text and "nothing was sent" in text
        assert refused.value.exit_code == 6
        second.claim(site=SITE, order_id="2001", run_id="run-b")  # another order is free


def test_a_released_claim_can_be_taken_at_once(tmp_path: Path) -> None:
    """A run that ended gives the order back."""
    with _journal(tmp_path) as first, _journal(tmp_path) as second:
        first.claim(site=SITE, order_id="2000", run_id="run-a")
        first.release(site=SITE, order_id="2000")
        second.claim(site=SITE, order_id="2000", run_id="run-b")
        holder = second.holder(site=SITE, order_id="2000")
        assert holder is not None and holder.run_id == "run-b"


def test_a_claim_of_a_dead_process_on_this_host_is_taken_over(tmp_path: Path) -> None:
    """A killed run's claim (its pid has ended) is stale at once, however fresh its heartbeat."""
    clock = Clock()
    with _journal(tmp_path, clock) as journal:
        _forge(journal.path, pid=_dead_pid(), host=journal.host, heartbeat_at=clock.now)
        journal.claim(site=SITE, order_id="2000", run_id="mine")
        holder = journal.holder(site=SITE, order_id="2000")
        assert holder is not None and holder.pid == os.getpid() and holder.run_id == "mine"


def test_a_reused_pid_is_not_the_holder(tmp_path: Path) -> None:
    """The pid lives but belongs to another process (another start): the claim is stale."""
    clock = Clock()
    with _journal(tmp_path, clock) as journal:
        _forge(journal.path, host=journal.host, process="another-boot:123", heartbeat_at=clock.now)
        if process_identity(os.getpid()) == "":
            pytest.skip("no process start times here (/proc)")
        journal.claim(site=SITE, order_id="2000", run_id="mine")
        holder = journal.holder(site=SITE, order_id="2000")
        assert holder is not None and holder.run_id == "mine"
        assert holder.process == journal.process != "another-boot:123"


def test_a_live_holder_on_this_host_keeps_its_claim(tmp_path: Path) -> None:
    """Our own (live) pid with its own start time and a fresh heartbeat is a live claim."""
    clock = Clock()
    with _journal(tmp_path, clock) as journal:
        _forge(journal.path, host=journal.host, process=journal.process, heartbeat_at=clock.now)
        with pytest.raises(OrderClaimed):
            journal.claim(site=SITE, order_id="2000", run_id="mine")


def test_another_hosts_claim_goes_stale_only_with_its_heartbeat(tmp_path: Path) -> None:
    """A claim from another machine: live while it beats, taken over once silent too long."""
    clock = Clock()
    with _journal(tmp_path, clock) as journal:
        _forge(journal.path, host="other-machine", heartbeat_at=clock.now)
        clock.now += STALE_AFTER_S - 1
        with pytest.raises(OrderClaimed, match="host other-machine"):
            journal.claim(site=SITE, order_id="2000", run_id="mine")
        clock.now += 2
        journal.claim(site=SITE, order_id="2000", run_id="mine")


def test_a_taken_over_run_cannot_record_an_intent(tmp_path: Path) -> None:
    """begin() checks the claim in its transaction: a run whose claim was taken over stops."""
    clock = Clock()
    with _journal(tmp_path, clock, host="a") as slow, _journal(tmp_path, clock, host="b") as other:
        slow.claim(site=SITE, order_id="2000", run_id="slow")
        slow.begin(site=SITE, order_id="2000", run_id="slow", attempt=1)
        clock.now += STALE_AFTER_S + 1  # the slow run went silent (a suspended laptop)
        other.claim(site=SITE, order_id="2000", run_id="other")
        with pytest.raises(ClaimLost):
            slow.begin(site=SITE, order_id="2000", run_id="slow", attempt=2)
        assert [i.attempt for i in intents_of(other, site=SITE, order_id="2000")] == [1]
        assert other.unfinished(site=SITE, order_id="2000")[0].run_id == "slow"


def test_begin_without_a_claim_is_refused_while_another_run_holds_the_order(
    tmp_path: Path,
) -> None:
    """A caller who never claimed cannot record an intent on an order another run holds."""
    with _journal(tmp_path) as holder, _journal(tmp_path) as stranger:
        holder.claim(site=SITE, order_id="2000", run_id="holder")
        with pytest.raises(ClaimLost):
            stranger.begin(site=SITE, order_id="2000", run_id="stranger", attempt=1)
        stranger.begin(site=SITE, order_id="2001", run_id="stranger", attempt=1)


def test_release_never_removes_another_runs_claim(tmp_path: Path) -> None:
    """A run that lost its claim and then ends does not free the order for a third run."""
    clock = Clock()
    with _journal(tmp_path, clock, host="a") as lost, _journal(tmp_path, clock, host="b") as new:
        lost.claim(site=SITE, order_id="2000", run_id="lost")
        clock.now += STALE_AFTER_S + 1
        new.claim(site=SITE, order_id="2000", run_id="new")
        lost.release(site=SITE, order_id="2000")
        holder = new.holder(site=SITE, order_id="2000")
        assert holder is not None and holder.run_id == "new"


def test_the_heartbeat_refreshes_every_claim_held(tmp_path: Path) -> None:
    """One beat moves the heartbeat of each claim this journal holds to now."""
    clock = Clock()
    with _journal(tmp_path, clock) as journal:
        journal.claim(site=SITE, order_id="2000", run_id="r")
        journal.claim(site=SITE, order_id="2001", run_id="r")
        clock.now += 42
        assert Heartbeat(journal).beat_once() == 2
        for order in ("2000", "2001"):
            holder = journal.holder(site=SITE, order_id=order)
            assert holder is not None and holder.heartbeat_at == clock.now


def test_order_claim_holds_for_the_block_with_a_heartbeat_thread(tmp_path: Path) -> None:
    """The context manager claims, keeps its journal's heartbeat running while held, and
    releases."""
    with _journal(tmp_path) as journal, _journal(tmp_path) as rival:
        keeper = Heartbeat.of(journal)
        assert Heartbeat.of(journal) is keeper and not keeper.running
        with order_claim(journal, site=SITE, order_id="2000", run_id="r"):
            assert keeper.running
            with pytest.raises(OrderClaimed):
                rival.claim(site=SITE, order_id="2000", run_id="rival")
        assert not keeper.running
        rival.claim(site=SITE, order_id="2000", run_id="rival")


def test_the_heartbeat_thread_beats_at_each_interval(tmp_path: Path) -> None:
    """The heartbeat's loop beats once per interval while it goes on (the interval's wait is
    the thread's; here it is a scripted yes, yes, no)."""
    clock = Clock()
    with _journal(tmp_path, clock) as journal:
        journal.claim(site=SITE, order_id="2000", run_id="r")
        ticks = iter([True, True, False])

        def keep_going() -> bool:
            clock.now += 7
            return next(ticks)

        db = journal.connect_again()
        try:
            assert Heartbeat(journal).beat_while(keep_going, db) == 2
        finally:
            db.close()
        holder = journal.holder(site=SITE, order_id="2000")
        assert holder is not None and holder.heartbeat_at == clock.now - 7


def test_no_journal_means_nothing_to_claim(tmp_path: Path) -> None:
    """A caller that runs without a journal is not stopped by claims, and no journal is made."""
    ran = []
    with order_claim(None, site=SITE, order_id="2000", run_id="r"):
        ran.append(True)
    assert ran == [True]
    assert list(tmp_path.iterdir()) == []


def test_a_site_key_never_holds_a_user_name() -> None:
    """Credentials in a URL never become part of the journal's key."""
    assert site_key("https://user:pw@Shop.Example:8443/x") == "https://shop.example:8443"
