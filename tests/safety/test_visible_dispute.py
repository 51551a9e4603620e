"""The existing dispute is what a person sees, in every path (issue 12, items 1 and 2).

One definition (the profile's ``[dispute]``: its element, visible, its rendered text, the
profile's pattern) serves the order page, the reconcile and the start-up check after a crash.
Before it, the reconcile searched the order page's raw HTML: an id wrapped in ``<b>`` was not
found (busy after commit then opened four disputes for one order), an id in a ``<template>``,
a comment or a script was reported as opened (a phantom), and a site that shows a new dispute
late got a second one. The storefront's ``dispute_id_markup``, ``hidden_dispute_ids`` and
``dispute_shows_after_s`` faults reproduce those pages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from agent.flow.journal import Journal, site_key
from agent.outcome import Outcome
from mock_site.testing import StorefrontServer
from tests.safety.helpers import (
    MESSAGE,
    AgentLoop,
    checks_before_resend,
    disputes_of,
    events_named,
    profile_with,
    run_agent,
)

pytestmark = pytest.mark.browser

ORDER = "2000"
HIDDEN_IDS = {f"D-90000{n}" for n in range(1, 6)}
Run = Callable[..., Outcome]


@pytest.fixture
def run(agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path) -> Run:
    """Run the agent for order 2000 in the shared browser: ``run(faults=..., profile=...)``."""
    return functools.partial(run_agent, agent_loop, storefront, tmp_path, order_id=ORDER)


def submitted(server: StorefrontServer) -> list[dict[str, object]]:
    """Every submission for the order."""
    return [s for s in server.submissions() if s["order_id"] == ORDER]


def test_id_wrapped_in_markup_is_found_by_the_reconcile(
    run: Run, storefront: StorefrontServer
) -> None:
    """Busy after commit three times, the id in <b>: the reconcile finds it, one dispute."""
    outcome = run(faults={"busy_after_commit": 3, "dispute_id_markup": True})
    [dispute] = disputes_of(storefront, ORDER)
    assert outcome.status == "opened", (outcome.status, outcome.message)
    assert outcome.dispute_id == dispute["dispute_id"]
    assert len(submitted(storefront)) == 1
    [check] = checks_before_resend(outcome.run_dir)
    assert check["found"] == dispute["dispute_id"]


def test_id_wrapped_in_markup_is_already_open(run: Run, storefront: StorefrontServer) -> None:
    """The order page reads the wrapped id too: a second run says already_open, sends nothing."""
    first = run(faults={"dispute_id_markup": True})
    assert first.status == "opened"
    second = run()
    assert second.status == "already_open"
    assert second.dispute_id == first.dispute_id
    assert len(submitted(storefront)) == 1


def test_hidden_ids_are_never_taken_for_a_dispute(run: Run, storefront: StorefrontServer) -> None:
    """Ids in a template, a comment, a script and hidden elements: no phantom, a real dispute."""
    outcome = run(faults={"busy_first": 1, "hidden_dispute_ids": True})
    [dispute] = disputes_of(storefront, ORDER)
    assert outcome.status == "opened", (outcome.status, outcome.message)
    assert outcome.dispute_id == dispute["dispute_id"]
    assert outcome.dispute_id not in HIDDEN_IDS
    assert [s["answer"] for s in submitted(storefront)] == ["busy", "opened"]
    [check] = checks_before_resend(outcome.run_dir)
    assert check["found"] is None


def test_hidden_ids_on_the_order_page_are_not_already_open(
    run: Run, storefront: StorefrontServer
) -> None:
    """An order page with only hidden ids is an order without a dispute: opened at once."""
    outcome = run(faults={"hidden_dispute_ids": True})
    assert outcome.status == "opened"
    assert outcome.attempts == 1
    assert outcome.dispute_id not in HIDDEN_IDS


def test_late_dispute_is_waited_for_before_resubmitting(
    run: Run, storefront: StorefrontServer
) -> None:
    """A site that shows a new dispute 2 s late, a profile that says 5 s: found, one dispute."""
    outcome = run(
        profile=profile_with(shows_within_s=5),
        faults={"busy_after_commit": 1, "dispute_shows_after_s": 2},
    )
    [dispute] = disputes_of(storefront, ORDER)
    assert outcome.status == "opened", (outcome.status, outcome.message)
    assert outcome.dispute_id == dispute["dispute_id"]
    assert len(submitted(storefront)) == 1
    [check] = checks_before_resend(outcome.run_dir)
    assert check["reads"] >= 2  # the first read showed nothing: it was read again


def test_late_site_without_a_dispute_is_resubmitted_after_the_bounded_wait(
    run: Run, storefront: StorefrontServer
) -> None:
    """Plain busy on a late site: the order page is re-read for the profile's time, then sent."""
    outcome = run(
        profile=profile_with(shows_within_s=1.5),
        faults={"busy_first": 1, "dispute_shows_after_s": 1},
    )
    assert outcome.status == "opened"
    assert [s["answer"] for s in submitted(storefront)] == ["busy", "opened"]
    assert len(disputes_of(storefront, ORDER)) == 1
    [check] = checks_before_resend(outcome.run_dir)
    assert check["found"] is None and check["reads"] >= 2


def _dispute_over_http(server: StorefrontServer) -> str:
    """Open a dispute for the order as the interrupted run did (a plain HTTP shopper)."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
        assert (
            client.post(
                "/login", data={"username": "demo", "password": "demo", "next": "/orders"}
            ).status_code
            == 303
        )
        form = client.get(f"/order/{ORDER}/dispute").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        answer = client.post(
            f"/order/{ORDER}/dispute",
            data={
                "csrf_token": token.group(1),
                "received": "no",
                "reason": "not_received",
                "solution": "refund",
                "refund": "full",
                "message": MESSAGE,
            },
            files=[("evidence", ("", b"", "application/octet-stream"))],
        )
        assert answer.status_code == 303
    [dispute] = disputes_of(server, ORDER)
    return str(dispute["dispute_id"])


def test_start_up_check_waits_for_a_late_dispute(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A run interrupted after its submission, a dispute that shows 2 s late: found, none sent."""
    storefront.set_faults({"dispute_shows_after_s": 2})
    with Journal(tmp_path / "state" / "journal.sqlite3") as journal:
        journal.begin(site=site_key(storefront.url), order_id=ORDER, run_id="killed", attempt=1)
    dispute_id = _dispute_over_http(storefront)
    outcome = run_agent(
        agent_loop, storefront, tmp_path, order_id=ORDER, profile=profile_with(shows_within_s=5)
    )
    assert outcome.status == "opened", (outcome.status, outcome.message)
    assert outcome.dispute_id == dispute_id
    assert len(submitted(storefront)) == 1  # only the interrupted run's
    [settled] = events_named(outcome.run_dir, "agent.unfinished_intent_settled")
    assert settled["found"] == dispute_id
