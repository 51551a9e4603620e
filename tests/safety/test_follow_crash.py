"""A response to the store is never sent twice: `retry-dispute follow --respond disagree` killed
with SIGKILL (its whole process group: Python, the Playwright driver, Chromium) while the store
holds the answer to a response it already recorded, then run again. The journal's entry for the
response survived; the run reads the request's page before anything else and sends nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.flow.journal import Journal, site_key
from mock_site.testing import StorefrontServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def _env(state: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RETRY_DISPUTE_USER": "demo",
        "RETRY_DISPUTE_PASSWORD": "demo",
        "RETRY_DISPUTE_STATE_DIR": str(state),
    }


def _disagreements(server: StorefrontServer, request_id: str) -> int:
    [row] = [d for d in server.disputes() if d["dispute_id"] == request_id]
    return sum(a["by"] == "buyer" and a["action"] == "disagree" for a in row["actions"])


@pytest.mark.slow(30)
def test_a_killed_response_is_not_sent_again(tmp_path: Path) -> None:
    """Killed between the click and the answer (the store records the response and holds its
    answer 60 s): the journal keeps the intent; the next follow finds the response on the
    request's page, settles the intent and exits 7 with one disagreement on the record."""
    state = tmp_path / "state"
    with StorefrontServer() as server:
        request_id = "D-000007"  # the seeded request of order 1007
        server.store_answer(request_id, "refuse", reason="Delivered.", deadline_s=3600)
        server.set_faults({"respond_slow_s": 60})
        argv = [
            sys.executable, "-m", "agent", "follow", "--order", "1007", "--site", server.url,
            "--respond", "disagree", "--out", str(tmp_path / "runs"),
        ]  # fmt: skip
        killed = subprocess.Popen(
            argv,
            env=_env(state),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the browser dies with it
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not _disagreements(server, request_id):
                assert killed.poll() is None, "the follow ended before its response was recorded"
                time.sleep(0.1)
            assert _disagreements(server, request_id) == 1
        finally:
            os.killpg(killed.pid, signal.SIGKILL)
            killed.wait(timeout=30)
        with Journal(state / "journal.sqlite3") as journal:
            pending = journal.unfinished(site=site_key(server.url), order_id="1007:response:1")
            assert [i.attempt for i in pending] == [1]
        server.set_faults({})
        again = subprocess.run(
            argv, env=_env(state), capture_output=True, text=True, timeout=180, check=False
        )
        assert again.returncode == 10, again.stderr
        assert "is on the store's record: the request moved on; nothing is sent again" in (
            again.stderr
        )
        assert _disagreements(server, request_id) == 1
        responses = [s for s in server.submissions() if s["via"] == "response"]
        assert len(responses) == 1
        with Journal(state / "journal.sqlite3") as journal:
            [intent] = journal.history(site=site_key(server.url), order_id="1007:response:1")
            assert intent.outcome == "opened"
        follow = json.loads((tmp_path / "runs" / "follow-1007" / "follow.json").read_text())
        assert [r["outcome"] for r in follow["responses"]] == ["already_sent"]
