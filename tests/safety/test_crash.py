"""Crash safety: each intent is committed before the click; a killed run never duplicates.

The unit tests open the journal from a second connection (and from a killed process) to show
that an intent is durable before the click. The kill loop runs the real CLI as a subprocess
against an in-process storefront, kills it (its whole process group: Python, the Playwright
driver and Chromium, as a crash or a power cut would) with SIGKILL at seeded random moments
and, on some runs, exactly while the storefront holds the answer to a submission that already
created the dispute; then re-runs the same order to its end. Exactly one dispute per order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from agent.flow.journal import Journal, default_state_dir, site_key
from mock_site.store import Store
from mock_site.testing import StorefrontServer
from tests.journal_rows import intents_of
from tests.safety.helpers import MESSAGE, AgentLoop, disputes_of, duplicates, run_agent

REPO = Path(__file__).resolve().parents[2]
SITE = "http://127.0.0.1:8123"

# --- the journal itself -------------------------------------------------------------------------


def test_journal_is_wal_with_full_sync(tmp_path: Path) -> None:
    """The journal file is in WAL mode (seen from a second connection) and syncs fully."""
    with Journal(tmp_path / "journal.sqlite3") as journal:
        assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        other = sqlite3.connect(tmp_path / "journal.sqlite3")
        try:
            assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            other.close()


def test_intent_is_committed_before_the_click(tmp_path: Path) -> None:
    """Right after begin() (before any answer), a second connection sees the unfinished intent."""
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        intent = journal.begin(site=SITE, order_id="2000", run_id="run-1", attempt=1)
        other = sqlite3.connect(path)
        try:
            rows = other.execute(
                "SELECT id, order_id, attempt, outcome FROM intents WHERE order_id = '2000'"
            ).fetchall()
        finally:
            other.close()
        assert rows == [(intent, "2000", 1, None)]
        with Journal(path) as second:
            assert [i.id for i in second.unfinished(site=SITE, order_id="2000")] == [intent]


def test_intent_survives_a_sigkill_of_its_writer(tmp_path: Path) -> None:
    """A process that records an intent and is killed at once leaves it for the next run."""
    path = tmp_path / "journal.sqlite3"
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from agent.flow.journal import Journal\n"
        "j = Journal(Path(sys.argv[1]))\n"
        "j.begin(site=sys.argv[2], order_id='2000', run_id='killed', attempt=3)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path), SITE], env=_env(), timeout=60, check=False
    )
    assert proc.returncode == -signal.SIGKILL
    with Journal(path) as journal:
        [left] = journal.unfinished(site=SITE, order_id="2000")
    assert (left.run_id, left.attempt, left.outcome) == ("killed", 3, None)


def test_finish_and_settle_close_intents(tmp_path: Path) -> None:
    """finish() records an answer; settle() closes the unfinished intents of one site's order."""
    with Journal(tmp_path / "journal.sqlite3") as journal:
        done = journal.begin(site=SITE, order_id="2000", run_id="r", attempt=1)
        journal.finish(done, outcome="busy")
        journal.begin(site=SITE, order_id="2000", run_id="r", attempt=2)
        journal.begin(site=SITE, order_id="2000", run_id="r2", attempt=1)
        journal.begin(site=SITE, order_id="2001", run_id="r3", attempt=1)
        journal.begin(site="http://other.example", order_id="2000", run_id="r4", attempt=1)
        assert len(journal.unfinished(site=SITE, order_id="2000")) == 2
        assert (
            journal.settle(site=SITE, order_id="2000", outcome="opened", dispute_id="D-000100") == 2
        )
        assert journal.unfinished(site=SITE, order_id="2000") == []
        assert [
            (i.outcome, i.dispute_id) for i in intents_of(journal, site=SITE, order_id="2000")
        ] == [
            ("busy", None),
            ("opened", "D-000100"),
            ("opened", "D-000100"),
        ]
        assert len(journal.unfinished(site=SITE, order_id="2001")) == 1
        assert len(journal.unfinished(site="http://other.example", order_id="2000")) == 1


def test_site_key_ignores_path_and_case() -> None:
    """One site is one journal key, whatever the path or the case of its URL."""
    assert site_key("HTTP://127.0.0.1:8123/orders/") == "http://127.0.0.1:8123"
    assert site_key("https://Shop.Example/") == site_key("https://shop.example/x?y=1")
    assert site_key("https://shop.example:8443") != site_key("https://shop.example")


def test_state_dir_is_documented_and_overridable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """$RETRY_DISPUTE_STATE_DIR, else $XDG_STATE_HOME/retry-dispute, else ~/.local/state/..."""
    monkeypatch.setenv("RETRY_DISPUTE_STATE_DIR", str(tmp_path / "explicit"))
    assert default_state_dir() == tmp_path / "explicit"
    monkeypatch.delenv("RETRY_DISPUTE_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "retry-dispute"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_state_dir() == tmp_path / "home" / ".local" / "state" / "retry-dispute"


# --- an unfinished intent settles the next run --------------------------------------------------


@pytest.mark.browser
def test_unfinished_intent_with_a_dispute_ends_opened_without_submitting(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """Killed between click and answer (dispute made): the next run says opened, sends nothing."""
    first = run_agent(agent_loop, storefront, tmp_path, order_id="2000")
    assert first.status == "opened"
    path = tmp_path / "state" / "journal.sqlite3"
    with sqlite3.connect(path) as db:  # as if the process died before recording the answer
        db.execute("UPDATE intents SET outcome = NULL, dispute_id = NULL, finished_at = NULL")
    again = run_agent(agent_loop, storefront, tmp_path, order_id="2000")
    assert again.status == "opened", again.message
    assert again.dispute_id == first.dispute_id
    assert again.attempts == 0
    assert "interrupted" in again.message
    assert len(storefront.submissions()) == 1
    assert len(disputes_of(storefront, "2000")) == 1
    with Journal(path) as journal:
        key = site_key(storefront.url)
        assert journal.unfinished(site=key, order_id="2000") == []
        assert intents_of(journal, site=key, order_id="2000")[-1].outcome == "opened"


@pytest.mark.browser
def test_unfinished_intent_without_a_dispute_is_settled_then_submitted(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A crash before the site got the click: settled as not created, then one dispute opened."""
    path = tmp_path / "state" / "journal.sqlite3"
    key = site_key(storefront.url)
    with Journal(path) as journal:
        journal.begin(site=key, order_id="2001", run_id="crashed", attempt=1)
    outcome = run_agent(agent_loop, storefront, tmp_path, order_id="2001")
    assert outcome.status == "opened", outcome.message
    assert len(disputes_of(storefront, "2001")) == 1
    with Journal(path) as journal:
        assert [(i.run_id, i.outcome) for i in intents_of(journal, site=key, order_id="2001")] == [
            ("crashed", "not_created"),
            (outcome.run_dir.name if outcome.run_dir else "", "opened"),
        ]


# --- the kill loop ------------------------------------------------------------------------------

#: Fault plans the orders cycle through: each run takes seconds, and every committing answer is
#: held for a second (the dispute already exists while the browser waits).
PLANS: tuple[dict[str, Any], ...] = (
    {"busy_first": 2, "slow_submit_s": 1.0},
    {"busy_first": 1, "busy_after_commit": 1, "slow_submit_s": 1.0},
    {"server_errors": 1, "errors_after_commit": True, "slow_submit_s": 1.0},
    {"busy_rate": 0.5, "busy_after_commit_rate": 0.3, "seed": 11, "slow_submit_s": 1.0},
)
KILLS_WANTED = 22
MAX_ORDERS = 40
#: The order whose full, uninterrupted run measures how long a run takes on this machine now.
CALIBRATION_ORDER = "2599"
RUN_TIMEOUT_S = 240.0
SEED = 20240611


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRY_DISPUTE_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


class Killer:
    """The storefront's sleep: kills the armed agent while a committed answer is held back."""

    def __init__(self) -> None:
        self.armed: subprocess.Popen[bytes] | None = None
        self.kills = 0

    async def sleep(self, seconds: float) -> None:
        proc, self.armed = self.armed, None
        if proc is not None and proc.poll() is None:
            _kill_group(proc)
            self.kills += 1
        await asyncio.sleep(seconds)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # its own session: Python, driver, Chromium
        os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class KillLoop:
    """The storefront of the kill loop, its killer, and what the loop saw."""

    server: StorefrontServer
    killer: Killer
    state_dir: Path
    logs: Path
    #: The bundled profile with a 4 s answer timeout: a run after a kill mid-submission waits
    #: that long from the killed click before it may send again (the in-flight rule).
    profile: Path
    runs: int = 0
    kills: list[dict[str, Any]] = field(default_factory=list)

    def start(self, order_id: str) -> subprocess.Popen[bytes]:
        """Start ``python -m agent run`` for one order, in its own process group."""
        self.runs += 1
        out = (self.logs / f"{self.runs:03d}-{order_id}.out").open("wb")
        argv = [
            sys.executable,
            "-m",
            "agent",
            "run",
            "--site",
            self.server.url,
            "--order",
            order_id,
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            MESSAGE,
            "--state-dir",
            str(self.state_dir),
            "--profile",
            str(self.profile),
            "--out",
            str(self.logs.parent / "runs"),
            # no backoff: the kill moments are drawn over the measured run, waits or not
            "--initial-wait",
            "0",
            "--max-wait",
            "0",
            "--log-format",
            "json",
        ]
        env = _env(RETRY_DISPUTE_USER="demo", RETRY_DISPUTE_PASSWORD="demo")
        with out:
            return subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def unfinished(self, order_id: str) -> int:
        """Intents of the order without an answer, read from a separate connection."""
        path = self.state_dir / "journal.sqlite3"
        if not path.exists():
            return 0
        with Journal(path) as journal:
            return len(journal.unfinished(site=site_key(self.server.url), order_id=order_id))


@pytest.fixture(scope="module")
def kill_loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillLoop]:
    """A storefront of its own whose held answers can kill the agent, and folders for the runs."""
    killer = Killer()
    base = tmp_path_factory.mktemp("kill-loop")
    (base / "logs").mkdir()
    profile = base / "mock-fast.toml"
    bundled = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    assert "answer_s = 30\n" in bundled
    profile.write_text(bundled.replace("answer_s = 30\n", "answer_s = 4\n"), encoding="utf-8")
    with StorefrontServer(store=Store(sleep=killer.sleep)) as server:
        yield KillLoop(
            server=server,
            killer=killer,
            state_dir=base / "state",
            logs=base / "logs",
            profile=profile,
        )


@pytest.mark.browser
@pytest.mark.slow(157)
def test_kill_loop_never_creates_a_second_dispute(kill_loop: KillLoop) -> None:
    """SIGKILL at 20+ random moments (some mid-answer), each order re-run to its end: 1 dispute."""
    rng = random.Random(SEED)
    loop = kill_loop
    orders: dict[str, str] = {}
    # Random kill moments are drawn over a whole run (from before the browser starts to the
    # end), so first measure one uninterrupted run of the first plan on this machine, now.
    loop.server.set_faults(PLANS[0])
    started = time.monotonic()
    assert loop.start(CALIBRATION_ORDER).wait(timeout=RUN_TIMEOUT_S) == 0
    span = time.monotonic() - started
    rerun_span = span  # a run after a crash is often shorter: measured on each final run below
    orders[CALIBRATION_ORDER] = disputes_of(loop.server, CALIBRATION_ORDER)[0]["dispute_id"]
    for number in range(MAX_ORDERS):
        if len(loop.kills) >= KILLS_WANTED:
            break
        order_id = str(2000 + number)
        loop.server.set_faults(PLANS[number % len(PLANS)])
        for kill_number in range(rng.choice((1, 2, 3))):
            at_hold = kill_number == 0 and number % 2 == 0
            delay = rng.uniform(0.0, span if kill_number == 0 else rerun_span)
            proc = loop.start(order_id)
            if at_hold:
                loop.killer.armed = proc
                returncode = proc.wait(timeout=RUN_TIMEOUT_S)
                loop.killer.armed = None
            else:
                try:
                    returncode = proc.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    _kill_group(proc)
                    returncode = proc.wait(timeout=RUN_TIMEOUT_S)
            if returncode != -signal.SIGKILL:
                assert returncode == 0, _tail(loop, order_id)  # it ended before the kill
                continue
            loop.kills.append(
                {
                    "order": order_id,
                    "at": "held answer" if at_hold else f"{delay:.2f} s",
                    "unfinished": loop.unfinished(order_id),
                    "disputes": len(disputes_of(loop.server, order_id)),
                }
            )
            assert len(disputes_of(loop.server, order_id)) <= 1, loop.kills[-1]
        started = time.monotonic()
        proc = loop.start(order_id)
        returncode = proc.wait(timeout=RUN_TIMEOUT_S)
        rerun_span = time.monotonic() - started
        assert returncode == 0, _tail(loop, order_id)
        found = disputes_of(loop.server, order_id)
        assert len(found) == 1, (order_id, found, loop.kills)
        assert found[0]["dispute_id"] in _last_output(loop, order_id)
        assert loop.unfinished(order_id) == 0
        orders[order_id] = found[0]["dispute_id"]

    assert len(loop.kills) >= 20, loop.kills
    held = [k for k in loop.kills if k["at"] == "held answer"]
    assert held, "no kill landed while a committed answer was held"
    # a kill while the answer was held: the intent was committed before the click
    assert all(k["unfinished"] >= 1 and k["disputes"] == 1 for k in held), held
    assert duplicates(loop.server) == {}
    assert all(len(disputes_of(loop.server, order)) == 1 for order in orders)
    after_commit = sum(1 for k in loop.kills if k["disputes"])
    mid_click = sum(1 for k in loop.kills if k["unfinished"])
    print(
        f"kill loop: a full run took {span:.1f} s; "
        f"{len(loop.kills)} kills over {len(orders)} orders and {loop.runs} runs; "
        f"{len(held)} while a committed answer was held, {after_commit} after the commit, "
        f"{mid_click} with an unfinished intent; disputes: {sorted(orders.values())}"
    )


def _last_output(loop: KillLoop, order_id: str) -> str:
    latest = sorted(loop.logs.glob(f"*-{order_id}.out"))[-1]
    return latest.read_text(encoding="utf-8", errors="replace")


def _tail(loop: KillLoop, order_id: str) -> str:
    return _last_output(loop, order_id)[-3000:]
