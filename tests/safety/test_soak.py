"""Soak: 200 orders in one batch against a seeded fault mix; zero duplicates, every order ends.

The mix is the issue's: 30 % busy, 10 % busy after commit, 5 % slow (answered past the
client's answer timeout, after the dispute was created), 5 % HTTP 500; one seed, so the
storefront's draws replay. The batch runs in one browser, four orders at a time, with no waits
between attempts (the backoff is not what the soak is about: its timing has its own tests).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agent.flow.batch import BatchOptions, run_batch
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.request import build_request
from agent.session import Credentials, Session
from mock_site.testing import StorefrontServer
from tests.safety.helpers import AgentLoop, duplicates, profile_with

pytestmark = pytest.mark.browser

ORDERS = [str(n) for n in range(2000, 2200)]
FAULTS = {
    "busy_rate": 0.3,
    "busy_after_commit_rate": 0.1,
    "slow_submit_s": 2.5,
    "slow_rate": 0.05,
    "server_error_rate": 0.05,
    "seed": 7,
}
#: Ten attempts: an order that meets busy or HTTP 500 ten times in a row (0.35 ** 10) is rare.
POLICY = RetryPolicy(initial_wait_s=0, max_wait_s=0, max_attempts=10)
#: Short, so typing it key by key costs little: 200 orders run on two cores in a few minutes.
MESSAGE = "Not arrived."
TIMEOUT_S = 1800.0
TERMINAL = {"opened", "already_open", "invalid", "ineligible", "gave_up", "needs_human", "error"}


@pytest.mark.slow(212)
def test_soak_200_orders_zero_duplicates_all_terminal(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """200 orders under the fault mix: one dispute per order, and each order has a final status."""
    storefront.set_faults(FAULTS)
    requests = [
        build_request(order_id=order, received="no", reason="not_received", message=MESSAGE)
        for order in ORDERS
    ]
    batch_dir = tmp_path / "batch"
    batch_dir.mkdir()
    options = RunOptions(
        site=storefront.url,
        profile=profile_with(answer_s=2.0),
        policy=POLICY,
        session=Session(credentials=Credentials("demo", "demo")),
        trace="off",
        state_dir=tmp_path / "state",
    )
    result = agent_loop.run(
        timeout_s=TIMEOUT_S,
        coro=run_batch(
            requests,
            options=options,
            batch_dir=batch_dir,
            batch=BatchOptions(concurrency=4, reports=False),
            runtime=Runtime(browser=agent_loop.browser),
        ),
    )

    # every fault of the mix happened
    answers = Counter(s["answer"] for s in storefront.submissions())
    assert {"busy", "busy_after_commit", "slow", "server_error", "opened"} <= set(answers), answers

    # zero duplicates, and every dispute belongs to the order whose run reported it
    assert duplicates(storefront) == {}
    disputes = {d["order_id"]: d["dispute_id"] for d in storefront.disputes()}

    # every order has a terminal status, in the batch's result and in its own result.json
    summary = json.loads((batch_dir / "summary.json").read_text(encoding="utf-8"))
    statuses = {o["order_id"]: o["status"] for o in summary["orders"]}
    assert sorted(statuses) == ORDERS, summary.get("not_run")
    assert {o.order_id for o in result.outcomes} == set(ORDERS)
    for outcome in result.outcomes:
        assert outcome.status in TERMINAL, outcome
        assert outcome.run_dir is not None
        on_disk = json.loads((outcome.run_dir / "result.json").read_text(encoding="utf-8"))
        assert on_disk["status"] == outcome.status
    not_opened = {
        o.order_id: (o.status, o.message)
        for o in result.outcomes
        if o.status not in ("opened", "already_open")
    }
    assert not_opened == {}
    for outcome in result.outcomes:
        assert outcome.dispute_id == disputes[outcome.order_id], outcome

    # the batch's shared login never left a storage state in the output
    for path in batch_dir.rglob("*.json"):
        assert '"cookies"' not in path.read_text(encoding="utf-8"), path
    print(f"soak: {len(ORDERS)} orders in {result.elapsed_s:.0f} s; answers {dict(answers)}")
