"""The storefront's request lifecycle as pure transitions (mock_site/lifecycle.py)."""

from __future__ import annotations

import pytest

from mock_site.lifecycle import (
    NotAllowed,
    buyer_answer,
    deadline_passed,
    parse_store_answer,
    state_code,
    store_answer,
)
from mock_site.records import Dispute


def _new() -> Dispute:
    return Dispute(
        dispute_id="D-000100",
        order_id="1001",
        account="demo",
        received="no",
        reason="not_received",
        solution="refund",
        refund="full",
        amount="12.99",
        message="It never came.",
        files=(),
        created_at=0.0,
    )


def test_a_new_request_waits_for_the_store() -> None:
    """A request just opened waits for the seller, with no deadline and no action yet."""
    fresh = _new()
    assert (state_code(fresh), fresh.deadline_at, fresh.actions) == ("waiting_seller", None, ())


@pytest.mark.parametrize(
    ("action", "fields", "state", "amount"),
    [
        ("propose_partial", {"amount": "2"}, "proposal_partial", "2.00"),
        ("propose_return", {}, "proposal_return", "12.99"),
        ("refuse", {"reason": "Delivered."}, "refused", None),
        ("ask_evidence", {"reason": "A photo of the box."}, "evidence_requested", None),
    ],
)
def test_store_answers_that_wait_for_the_buyer(
    action: str, fields: dict[str, object], state: str, amount: str | None
) -> None:
    """Proposals, a refusal and a request for evidence wait for the buyer until a deadline."""
    after = store_answer(_new(), action, now=10.0, deadline_s=60, **fields)
    assert (state_code(after), after.proposal_amount, after.deadline_at) == (state, amount, 70.0)
    [made] = after.actions
    assert (made.by, made.action, made.at, made.deadline_s) == ("store", action, 10.0, 60.0)


def test_agree_is_a_refund_and_over() -> None:
    """The store agrees: refund complete; nothing more can be done to it."""
    done = store_answer(_new(), "agree", now=1.0)
    assert state_code(done) == "refund_complete"
    with pytest.raises(NotAllowed, match="it is over") as refused:
        store_answer(done, "refuse", now=2.0)
    assert refused.value.conflict


def test_buyer_disagrees_accepts_or_withdraws() -> None:
    """Disagreeing escalates (an answer to an evidence request goes back to the store),
    accepting a proposal closes it, withdrawing closes any open request; each is recorded."""
    proposed = store_answer(_new(), "propose_partial", now=1.0, amount="2.00")
    disagreed = buyer_answer(proposed, "disagree", now=2.0, message="No.", files=("a.jpg",))
    assert state_code(disagreed) == "escalated" and disagreed.deadline_at is None
    assert disagreed.actions[-1].files == ("a.jpg",)
    asked = store_answer(_new(), "ask_evidence", now=1.0)
    assert state_code(buyer_answer(asked, "disagree", now=2.0, message="Here.")) == (
        "waiting_seller"
    )
    accepted = buyer_answer(proposed, "accept", now=3.0)
    assert (state_code(accepted), accepted.actions[-1].amount) == ("closed_accepted", "2.00")
    assert state_code(buyer_answer(_new(), "withdraw", now=1.0)) == "closed_withdrawn"


def test_what_the_buyer_cannot_do() -> None:
    """No accepting a refusal, no answer before the store spoke, nothing on a closed request."""
    refused = store_answer(_new(), "refuse", now=1.0)
    with pytest.raises(NotAllowed, match="no proposal"):
        buyer_answer(refused, "accept", now=2.0)
    with pytest.raises(NotAllowed, match="not waiting for your response"):
        buyer_answer(_new(), "disagree", now=2.0, message="No.")
    closed = buyer_answer(refused, "withdraw", now=3.0)
    with pytest.raises(NotAllowed, match="closed"):
        buyer_answer(closed, "disagree", now=4.0, message="No.")


def test_a_deadline_that_passes_closes_the_request() -> None:
    """Unanswered past its deadline, the request closes, the site's action dated then."""
    proposed = store_answer(_new(), "propose_partial", now=0.0, amount="2", deadline_s=5)
    assert deadline_passed(proposed, 4.9) is None
    closed = deadline_passed(proposed, 9.0)
    assert closed is not None and state_code(closed) == "closed_deadline_missed"
    assert (closed.actions[-1].by, closed.actions[-1].at) == ("site", 5.0)
    assert deadline_passed(closed, 10.0) is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"action": "shout"}, "store_answer.action"),
        ({"action": "propose_partial"}, "needs an amount"),
        ({"action": "refuse", "deadline_s": 0}, "deadline_s"),
        ({"action": "refuse", "after_s": -1}, "after_s"),
        ({"action": "refuse", "when": 1}, "expected null or"),
    ],
)
def test_store_answer_fault_is_checked(value: dict[str, object], error: str) -> None:
    """A bad store_answer fault is refused naming what is wrong."""
    with pytest.raises(ValueError, match=error):
        parse_store_answer(value)
