"""`retry-dispute follow` as a person runs it (a subprocess), on real run folders of the bundled
storefront: the state in plain words with the deadline, follow.json, the report's section, the
disagreement sent through busy answers (never accepting), a batch's summary and index, an
interrupted watch, and the store's own record of every action."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mock_site.testing import StorefrontServer
from tests.e2e.agent_helpers import photo

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--initial-wait", "0.1", "--max-wait", "0.2"]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RETRY_DISPUTE_USER": "demo",
        "RETRY_DISPUTE_PASSWORD": "demo",
        "RETRY_DISPUTE_STATE_DIR": str(tmp_path / "state"),
        "NO_COLOR": "1",
    }


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m agent ARGS` with the demo account, a private state folder, cwd *tmp_path*."""
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _open(tmp_path: Path, server: StorefrontServer, order: str = "1002") -> Path:
    """Open order *order*'s dispute (received, damaged, a photo) through the CLI: its folder."""
    evidence = photo(tmp_path)
    done = cli(
        tmp_path,
        "run",
        "--site",
        server.url,
        "--order",
        order,
        "--received",
        "yes",
        "--reason",
        "damaged",
        "--message",
        "The box arrived crushed and the lamp is broken.",
        "--evidence",
        str(evidence),
        "--out",
        "runs",
        "-q",
    )
    assert done.returncode == 0, done.stderr
    [run_dir] = (tmp_path / "runs").glob(f"*-{order}")
    return run_dir


def _request(server: StorefrontServer, order: str) -> dict[str, Any]:
    return [d for d in server.disputes() if d["order_id"] == order][-1]


@pytest.mark.slow(25)
def test_follow_says_decide_then_disagrees_through_busy_answers(
    tmp_path: Path, storefront: StorefrontServer
) -> None:
    """A partial refund proposed: follow prints the decision and the deadline (exit 11), writes
    follow.json and the report's section; --respond disagree then sends the message and the
    run's photo again through two busy answers (exit 10); the store records one disagreement,
    and the proposal was never accepted."""
    run_dir = _open(tmp_path, storefront)
    request_id = _request(storefront, "1002")["dispute_id"]
    storefront.store_answer(request_id, "propose_partial", amount="2.00", deadline_s=3600)
    read = cli(tmp_path, "follow", str(run_dir), "--site", storefront.url)
    assert read.returncode == 11, read.stderr
    first = read.stdout.splitlines()[0]
    assert first.startswith(f"decide: order 1002, request {request_id}: the store proposes a")
    assert "partial refund of US $2.00 (the request asked for US $24.50)" in first
    assert "  deadline: " in read.stdout and "(in 59 min)" in read.stdout
    follow = json.loads((run_dir / "follow.json").read_text())
    assert (follow["status"], follow["state"], follow["exit_code"]) == (
        "decide",
        "proposed_partial",
        11,
    )
    assert follow["deadline"] == _request(storefront, "1002")["deadline"]
    assert all((run_dir / s).is_file() for s in follow["screenshots"])
    report = (run_dir / "report.html").read_text()
    assert 'data-testid="follow" data-status="decide"' in report
    assert "retry-dispute never accepts a store's proposal" in report

    storefront.set_faults({"respond_busy_first": 2, "busy_style": "toast"})
    sent = cli(
        tmp_path, "follow", str(run_dir), "--site", storefront.url, "--respond", "disagree",
        "--json", *FAST,
    )  # fmt: skip
    assert sent.returncode == 10, sent.stderr
    printed = json.loads(sent.stdout)
    assert (printed["status"], printed["state"]) == ("open", "escalated")
    [response] = printed["responses"]
    assert (response["outcome"], response["attempts"], response["evidence"]) == (
        "sent",
        3,
        ["photo.jpg"],
    )
    assert "the site is busy: trying again" in sent.stderr
    record = _request(storefront, "1002")
    assert record["state"] == "escalated"
    actions = [(a["by"], a["action"]) for a in record["actions"]]
    assert actions == [("store", "propose_partial"), ("buyer", "disagree")]
    assert record["actions"][1]["message"].startswith("I do not agree with a partial refund")
    assert record["actions"][1]["files"] == ["photo.jpg"]
    answers = [s["answer"] for s in storefront.submissions() if s["via"] == "response"]
    assert answers == ["busy", "busy", "sent"]
    report = (run_dir / "report.html").read_text()
    assert 'data-testid="follow-response" data-outcome="sent"' in report


@pytest.mark.slow(30)
def test_follow_a_batch_folder(tmp_path: Path, storefront: StorefrontServer) -> None:
    """A batch of two: one refunded, one proposal; follow BATCH_DIR exits 8 (a decision is
    due first), summary.json and index.html say where each stands and its deadline."""
    (tmp_path / "orders.toml").write_text(
        "\n".join(
            f'[[request]]\norder_id = "{order}"\nreceived = "no"\nreason = "not_received"\n'
            'message = "My parcel has not arrived after forty days."\n'
            for order in ("1001", "1004")
        ),
        encoding="utf-8",
    )
    made = cli(
        tmp_path, "run", "--site", storefront.url, "--batch", "orders.toml", "--out", "runs", "-q"
    )
    assert made.returncode == 0, made.stderr
    [batch_dir] = (tmp_path / "runs").glob("batch-*")
    storefront.store_answer(_request(storefront, "1001")["dispute_id"], "agree")
    storefront.store_answer(
        _request(storefront, "1004")["dispute_id"], "propose_return", deadline_s=7200
    )
    followed = cli(tmp_path, "follow", str(batch_dir), "--site", storefront.url)
    assert followed.returncode == 11, followed.stderr
    summary = json.loads((batch_dir / "summary.json").read_text())
    by_order = {o["order_id"]: o["follow"] for o in summary["orders"]}
    assert (by_order["1001"]["status"], by_order["1001"]["state"]) == (
        "resolved",
        "refund_complete",
    )
    assert (by_order["1004"]["status"], by_order["1004"]["state"]) == ("decide", "proposed_return")
    assert by_order["1004"]["deadline_local"].endswith("(in 1 h 59 min)")
    assert summary["follow"]["exit_code"] == 11
    index = (batch_dir / "index.html").read_text()
    assert 'data-follow-status="resolved" data-state="refund_complete"' in index
    assert "(in 1 h 59 min)" in index
    assert "Every dispute is open" in index  # the batch's own verdict, read back from summary


@pytest.mark.slow(20)
def test_watch_warns_of_a_close_deadline_and_stops_on_ctrl_c(
    tmp_path: Path, storefront: StorefrontServer
) -> None:
    """--watch on a refusal due in 60 s, every 40 s: a loud DEADLINE SOON; Ctrl-C ends it with
    130 and follow.json says interrupted; run again, it goes on from the readings it had."""
    storefront.store_answer("D-000007", "refuse", reason="Delivered.", deadline_s=60)
    argv = ["follow", "--order", "1007", "--site", storefront.url, "--out", "runs"]
    folder = tmp_path / "runs" / "follow-1007"
    watch = subprocess.Popen(
        [sys.executable, "-m", "agent", *argv, "--watch", "40s"],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (folder / "follow.json").is_file():
            time.sleep(0.2)
        time.sleep(0.5)
        watch.send_signal(signal.SIGINT)
        _out, err = watch.communicate(timeout=60)
    finally:
        if watch.poll() is None:
            watch.kill()
    assert watch.returncode == 130, err
    assert "DEADLINE SOON for order 1007: the store refused the request" in err
    follow = json.loads((folder / "follow.json").read_text())
    assert (follow["status"], follow["exit_code"]) == ("interrupted", 130)
    assert follow["warning"].startswith("DEADLINE SOON")
    again = cli(tmp_path, *argv)
    assert again.returncode == 11, again.stderr
    follow = json.loads((folder / "follow.json").read_text())
    assert len(follow["readings"]) == 2 and follow["status"] == "decide"
    assert (folder / "report.html").is_file()  # a follow without a run has a report of its own


@pytest.mark.slow(20)
def test_check_walks_the_follow_table_without_sending(tmp_path: Path) -> None:
    """check on the aliexpress skin's seeded proposal: the request's page reached from the order
    page and by its URL, its state read, the disagreement's form opened and filled: every
    element found (exit 0), and nothing reached the store."""
    with StorefrontServer(skin="aliexpress") as server:
        done = cli(
            tmp_path, "check", "--site", server.url, "--profile", "aliexpress",
            "--order", "3043329396767135", "--item", "3043329396777135", "--received", "no",
            "--reason", "not_received", "--message", "It has not arrived.", "--out", "checks",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        rows = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines()[2:] if line}
        for name in ("request_title", "request_countdown", "view_solutions", "disagree_check",
                     "upload_more", "evidence_text", "evidence_submit"):  # fmt: skip
            assert rows[f"elements.{name}"] == "found", name
        assert "follow: the answer's form was filled and NOT sent" in done.stderr
        [seeded] = [d for d in server.disputes() if d["dispute_id"] == "5000000000087135"]
        assert (seeded["state"], seeded["actions"]) == ("proposal_partial", [])
        assert [s for s in server.submissions() if s["via"] == "response"] == []


@pytest.mark.slow(30)
def test_follow_on_a_french_store_pinned_and_unpinned(tmp_path: Path) -> None:
    """On a French aliexpress store, follow sets the profile's pin like run: the request's page
    is read in English; with the pin removed it is read in French, through the profile's French
    phrases: the same state, amounts and exit code either way."""
    bundled = Path(__file__).resolve().parents[2] / "agent" / "profiles" / "aliexpress.toml"
    pin = (
        '[[pin.cookies]]\nname = "aep_usuc_f"\n'
        'value = "site=glo&c_tp=USD&region=US&b_locale=en_US"\n'
    )
    text = bundled.read_text(encoding="utf-8")
    assert pin in text
    unpinned = tmp_path / "unpinned.toml"
    unpinned.write_text(text.replace(pin, ""), encoding="utf-8")
    with StorefrontServer(skin="aliexpress", faults={"ui_language": "fr"}) as server:
        evidence = photo(tmp_path)
        done = cli(
            tmp_path, "run", "--site", server.url, "--profile", "aliexpress", "--order", "1002",
            "--received", "yes", "--reason", "damaged", "--message",
            "The box arrived crushed and the lamp is broken.", "--evidence", str(evidence),
            "--out", "runs", "-q",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        [run_dir] = (tmp_path / "runs").glob("*-1002")
        server.store_answer(
            _request(server, "1002")["dispute_id"], "propose_partial", amount="2.00"
        )
        texts = {}
        for name, profile in (("pinned", "aliexpress"), ("unpinned", str(unpinned))):
            read = cli(tmp_path, "follow", str(run_dir), "--site", server.url, "--profile", profile)
            assert read.returncode == 11, read.stdout + read.stderr
            follow = json.loads((run_dir / "follow.json").read_text())
            last = follow["readings"][-1]
            assert (last["state"], last["proposal"]) == ("proposed_partial", "2.00"), name
            texts[name] = last["text"]
    assert texts["pinned"] == "The seller proposed a partial refund Waiting for your response"
    assert texts["unpinned"] == (
        "Le vendeur a proposé un remboursement partiel En attente de votre réponse"
    )
