"""`decide`: the one function that says whether another submission is safe and needed."""

from __future__ import annotations

import pytest

from agent.flow.decide import Resend, Settled, decide, needs_check
from agent.flow.port import Finding, Submission
from agent.site.answer import Answer

NONE = Finding(state="none")
FOUND = Finding(state="found", dispute_id="D-000007", ids=("D-000007",))
UNKNOWN_ID = Finding(state="found", shown="Request under review")
UNREADABLE = Finding(state="unreadable", shown="HTTP 500")


def sent(outcome: str, *, dispute_id: str | None = None, n: int = 1) -> Submission:
    """A submission that left (*n* requests) and got *outcome*."""
    return Submission(answer=Answer(outcome=outcome, dispute_id=dispute_id), sent=n, ended_at=1.0)


@pytest.mark.parametrize("outcome", ["invalid", "login_required", "challenge"])
def test_final_answers_settle_without_a_check(outcome: str) -> None:
    """The site refused, logged out or challenged: settled by the answer alone."""
    submission = sent(outcome)
    assert not needs_check(submission)
    decision = decide(submission, None)
    assert isinstance(decision, Settled) and decision.verdict == outcome


def test_opened_with_an_id_settles_by_the_answer() -> None:
    """ "opened" with the dispute's id: settled, the id from the answer."""
    decision = decide(sent("opened", dispute_id="D-1"), None)
    assert decision == Settled(
        verdict="opened",
        answer=Answer(outcome="opened", dispute_id="D-1"),
        dispute_id="D-1",
        by_answer=True,
    )


@pytest.mark.parametrize("outcome", ["busy", "server_error", "timeout", "unknown"])
def test_ambiguous_answers_need_the_check(outcome: str) -> None:
    """Busy, HTTP 500, a timeout, an unknown page: nothing is decided without the order page."""
    submission = sent(outcome)
    assert needs_check(submission)
    with pytest.raises(ValueError, match="needs a check"):
        decide(submission, None)


def test_a_found_dispute_ends_opened() -> None:
    """The check shows the dispute: opened with its id."""
    decision = decide(sent("busy"), FOUND)
    assert isinstance(decision, Settled)
    assert (decision.verdict, decision.dispute_id, decision.by_answer) == (
        "opened",
        "D-000007",
        False,
    )


def test_a_dispute_without_a_readable_id_ends_opened_id_unknown() -> None:
    """A dispute element shows but its id cannot be read: opened, never "no dispute"."""
    decision = decide(sent("timeout"), UNKNOWN_ID)
    assert isinstance(decision, Settled) and decision.verdict == "opened"
    assert decision.dispute_id is None and decision.finding == UNKNOWN_ID


def test_an_unreadable_page_is_never_a_resend() -> None:
    """The order page could not be read: settled unreadable."""
    decision = decide(sent("busy"), UNREADABLE)
    assert isinstance(decision, Settled) and decision.verdict == "unreadable"


@pytest.mark.parametrize(("outcome", "cause"), [("busy", "busy"), ("server_error", "ambiguous")])
def test_no_dispute_allows_a_resend(outcome: str, cause: str) -> None:
    """A busy or ambiguous answer and no dispute on the order page: a resend, with its cause."""
    decision = decide(sent(outcome), NONE, retry_after_s=7.0)
    assert isinstance(decision, Resend)
    assert (decision.cause, decision.retry_after_s) == (cause, 7.0)


def test_in_flight_is_never_resent() -> None:
    """A request that had not ended: settled in_flight, whatever the page showed."""
    submission = Submission(answer=Answer(outcome="timeout"), sent=1, in_flight=True)
    assert not needs_check(submission)
    decision = decide(submission, None)
    assert isinstance(decision, Settled) and decision.verdict == "in_flight"


def test_nothing_sent_is_the_profiles_problem() -> None:
    """No request left and the page said nothing: nothing_sent."""
    submission = Submission(answer=Answer(outcome="unknown"), sent=0)
    decision = decide(submission, None)
    assert isinstance(decision, Settled) and decision.verdict == "nothing_sent"


def test_several_requests_and_an_opened_answer() -> None:
    """A side request and an answer naming its dispute: opened by the answer."""
    decision = decide(sent("opened", dispute_id="D-3", n=2), None)
    assert isinstance(decision, Settled) and decision.dispute_id == "D-3"
    assert sent("busy", n=2).several


def test_a_session_that_ended_is_final_unless_the_run_can_sign_in_again() -> None:
    """login_required: needs a person without credentials; with them, it is checked like an
    ambiguous answer and resent after signing in (cause signed_out)."""
    submission = sent("login_required")
    assert not needs_check(submission)
    assert needs_check(submission, can_sign_in=True)
    decision = decide(submission, NONE, can_sign_in=True)
    assert isinstance(decision, Resend) and decision.cause == "signed_out"
    found = decide(submission, FOUND, can_sign_in=True)
    assert isinstance(found, Settled) and found.dispute_id == "D-000007"


def test_an_expired_form_is_resent_at_once_without_a_check() -> None:
    """The form's single-use token was spent: a definite refusal, resent (the form reopened)."""
    submission = sent("expired")
    assert not needs_check(submission)
    decision = decide(submission, None)
    assert isinstance(decision, Resend) and decision.cause == "expired"
