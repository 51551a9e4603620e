"""Ambiguous answers never become a second dispute: the agent reconciles before any resubmission.

Each fault below answers *after* the storefront created the dispute (busy after commit, a slow
answer past the client's timeout, HTTP 500 after commit): the run must stop ``opened`` with that
dispute's id and never submit again. The controls (the same faults *before* the commit) show
that an answer is retried only when the order page says the dispute was not created.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.flow.policy import RetryPolicy
from agent.outcome import Outcome
from mock_site.testing import StorefrontServer
from tests.safety.helpers import (
    FAST,
    AgentLoop,
    checks_before_resend,
    disputes_of,
    events_named,
    profile_with,
    run_agent,
)

pytestmark = pytest.mark.browser

ORDER = "2000"
Run = Callable[..., Outcome]


@pytest.fixture
def run(agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path) -> Run:
    """Run the agent for order 2000 in the shared browser: ``run(faults=..., profile=...)``."""
    return functools.partial(run_agent, agent_loop, storefront, tmp_path, order_id=ORDER)


def assert_one_dispute(server: StorefrontServer, outcome: Outcome, *, submissions: int) -> None:
    """The run opened exactly one dispute, reported its id, and submitted ``submissions`` times."""
    found = disputes_of(server, ORDER)
    assert len(found) == 1, found
    assert outcome.status == "opened", (outcome.status, outcome.message)
    assert outcome.exit_code == 0
    assert outcome.dispute_id == found[0]["dispute_id"]
    sent = [s for s in server.submissions() if s["order_id"] == ORDER]
    assert len(sent) == submissions, sent


def assert_reconciled_before_each_resubmission(outcome: Outcome) -> None:
    """Between two submissions of the run, the order page was checked and showed no dispute."""
    events = [
        e
        for e in events_named(outcome.run_dir, "agent.attempt_started", "agent.reconciled")
        if e.get("purpose", "before_resend") == "before_resend"
    ]
    seen_attempt = False
    checked = False
    for event in events:
        if event["event"] == "agent.reconciled":
            checked = True
            continue
        if seen_attempt:
            assert checked, f"attempt {event['attempt']} was not preceded by a reconcile"
            # the reconcile that allowed this attempt found nothing
            assert events[events.index(event) - 1]["found"] is None
        seen_attempt, checked = True, False


@pytest.mark.parametrize(("style", "status"), [("banner", 200), ("toast", 429), ("modal", 503)])
def test_busy_after_commit_stops_opened_without_resubmitting(
    run: Run, storefront: StorefrontServer, style: str, status: int
) -> None:
    """Busy after the dispute was created (every busy style and status): opened, one submission."""
    outcome = run(
        faults={
            "busy_after_commit": 1,
            "busy_style": style,
            "busy_status": status,
        }
    )
    assert_one_dispute(storefront, outcome, submissions=1)
    [answer] = events_named(outcome.run_dir, "agent.answer")
    assert answer["outcome"] == "busy"
    [check] = checks_before_resend(outcome.run_dir)
    assert check["found"] == outcome.dispute_id


def test_busy_after_commit_on_a_later_attempt(run: Run, storefront: StorefrontServer) -> None:
    """Two busy answers are retried (each after a reconcile); the third commits: one dispute."""
    outcome = run(faults={"busy_first": 2, "busy_after_commit": 1})
    assert_one_dispute(storefront, outcome, submissions=3)
    assert outcome.attempts == 3
    assert_reconciled_before_each_resubmission(outcome)


def test_busy_after_commit_on_the_last_allowed_attempt(
    run: Run, storefront: StorefrontServer
) -> None:
    """One attempt allowed, busy after commit: opened all the same (the last reconcile finds it)."""
    policy = RetryPolicy(initial_wait_s=0.01, max_wait_s=0.04, jitter=False, max_attempts=1)
    outcome = run(faults={"busy_after_commit": 1}, policy=policy)
    assert_one_dispute(storefront, outcome, submissions=1)


@pytest.mark.parametrize("style", ["banner", "toast"])
def test_slow_answer_past_the_client_timeout_that_committed(
    run: Run, storefront: StorefrontServer, style: str
) -> None:
    """Answered at 2.5 s, past a 1 s answer timeout: the request is still in flight, so it is
    waited for (never resent meanwhile) and its answer read: opened, one submission."""
    outcome = run(
        profile=profile_with(answer_s=1.0),
        faults={"slow_submit_s": 2.5, "busy_style": style},
    )
    assert_one_dispute(storefront, outcome, submissions=1)
    [answer] = events_named(outcome.run_dir, "agent.answer")
    assert answer["outcome"] == "opened"
    [sent] = storefront.submissions()
    assert sent["answer"] == "slow"


def test_slow_commit_after_a_busy_answer(run: Run, storefront: StorefrontServer) -> None:
    """Busy, then a commit answered past the answer timeout: waited for (in flight), no third
    submission."""
    outcome = run(
        profile=profile_with(answer_s=1.0),
        faults={"busy_first": 1, "slow_submit_s": 2.5},
    )
    assert_one_dispute(storefront, outcome, submissions=2)
    assert [e["outcome"] for e in events_named(outcome.run_dir, "agent.answer")] == [
        "busy",
        "opened",
    ]
    assert_reconciled_before_each_resubmission(outcome)


@pytest.mark.parametrize("style", ["banner", "toast"])
def test_http_500_after_commit_stops_opened(
    run: Run, storefront: StorefrontServer, style: str
) -> None:
    """HTTP 500 after the dispute was created: the reconcile finds it, opened, one submission."""
    outcome = run(
        faults={
            "server_errors": 1,
            "errors_after_commit": True,
            "busy_style": style,
        }
    )
    assert_one_dispute(storefront, outcome, submissions=1)
    [answer] = events_named(outcome.run_dir, "agent.answer")
    assert answer["outcome"] == "server_error"


def test_http_500_before_commit_is_resubmitted_once(run: Run, storefront: StorefrontServer) -> None:
    """Control: a 500 that created nothing is resubmitted, after a reconcile that found nothing."""
    outcome = run(faults={"server_errors": 1})
    assert_one_dispute(storefront, outcome, submissions=2)
    assert [s["answer"] for s in storefront.submissions()] == ["server_error", "opened"]
    assert_reconciled_before_each_resubmission(outcome)


def test_plain_busy_is_resubmitted_only_after_a_reconcile(
    run: Run, storefront: StorefrontServer
) -> None:
    """Control: three plain busy answers, each reconciled (nothing found) before the next submit."""
    outcome = run(faults={"busy_first": 3})
    assert_one_dispute(storefront, outcome, submissions=4)
    assert_reconciled_before_each_resubmission(outcome)


def test_every_after_commit_fault_at_once_on_many_attempts(
    run: Run, storefront: StorefrontServer
) -> None:
    """A mix (busy, 500 before commit, then busy after commit) still ends with one dispute."""
    faults: dict[str, Any] = {"server_errors": 1, "busy_first": 1, "busy_after_commit": 1}
    outcome = run(faults=faults, policy=FAST)
    assert_one_dispute(storefront, outcome, submissions=3)
    assert [s["answer"] for s in storefront.submissions()] == [
        "server_error",
        "busy",
        "busy_after_commit",
    ]
    assert_reconciled_before_each_resubmission(outcome)


def test_unverifiable_reconcile_never_resubmits(run: Run, storefront: StorefrontServer) -> None:
    """Busy after commit, then a challenge hides the order page: stop, never resubmit blindly."""
    outcome = run(faults={"busy_after_commit": 1, "captcha_after": 1})
    assert outcome.status == "needs_human", (outcome.status, outcome.message)
    assert len(disputes_of(storefront, ORDER)) == 1
    assert len(storefront.submissions()) == 1
