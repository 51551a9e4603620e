"""Where the retry is decided: from one submission's answer and the check that followed it.

`decide` is pure. It takes what one submission sent and what came back (a `Submission`) and,
when the answer does not settle the run by itself, what the order page showed afterwards (a
`Finding`), and returns a value: `Settled` (the run ends, and how) or `Resend` (no dispute was
made: submitting again is safe; whether the budget allows it is the retry policy's to say).

The rules, each proven by a fast test (tests/unit/test_decide.py, tests/unit/test_loop.py):

- A request that had not ended when the wait gave up: ``in_flight``. It may still reach the
  site: never followed by a resend.
- Nothing sent (no request the profile names left): the site refused before sending
  (``invalid``, a login form, a challenge), else the profile's submit steps are wrong
  (``nothing_sent``). No attempt is counted for it.
- ``expired`` (the form's single-use token was spent): a definite refusal, resent at once with
  the form opened again (no check needed: the site refused it before it was judged).
- ``opened`` with the dispute's id, ``invalid``, ``login_required``, ``challenge``: settled by
  the answer alone; but a session that ended (``login_required``) when the run can sign in again
  (credentials and the profile's login steps) is checked like an ambiguous answer, and resent
  after signing in (`Resend` with cause ``signed_out``).
- Anything else (busy, an HTTP 500, a timeout, an unknown page, "opened" without an id) does not
  prove the dispute was NOT created: it is settled only by the check of the order page that
  follows it. A dispute shown there (its id readable or not) ends the run ``opened``; a page that
  could not be read ends it ``unreadable`` (never a blind resend); a page that shows none, read
  for as long as the profile says a new dispute may take to show, allows a `Resend`.
- When several requests the profile names left, the answer read may be a side request's: the
  same proof is needed as after an ambiguous answer, unless an answer says ``opened`` with an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agent.flow.port import Finding, Submission
from agent.site.answer import Answer

__all__ = ["Decision", "Resend", "Settled", "Verdict", "decide", "needs_check"]

#: How a run's submissions ended.
Verdict = Literal[
    "opened",
    "invalid",
    "login_required",
    "challenge",
    "nothing_sent",
    "in_flight",
    "unreadable",
    "exhausted",
]

#: Answers that settle the run without a check of the order page.
_FINAL = frozenset({"invalid", "login_required", "challenge"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Settled:
    """The run's submissions are over: why, and the dispute when there is one."""

    verdict: Verdict
    #: The last answer (None: nothing was submitted in this run).
    answer: Answer | None = None
    #: The dispute's id (``opened``), None when unknown.
    dispute_id: str | None = None
    #: What the order page showed, when it settled the run (or could not be read).
    finding: Finding | None = None
    #: The dispute came from the answer, not from the order page.
    by_answer: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Resend:
    """No dispute was made by the last submission: another one is safe (budget permitting)."""

    answer: Answer
    #: "busy" (the site said so), "ambiguous" (no proof either way, now disproved by the check),
    #: "signed_out" (the session ended: sign in again first), or "expired" (the form's
    #: single-use token was spent: open the form again).
    cause: Literal["busy", "ambiguous", "signed_out", "expired"]
    #: The site's Retry-After, in seconds, counted from its answer.
    retry_after_s: float | None = None


Decision = Settled | Resend


def _final(outcome: str, *, can_sign_in: bool) -> bool:
    if outcome == "login_required" and can_sign_in:
        return False
    return outcome in _FINAL


def needs_check(submission: Submission, *, can_sign_in: bool = False) -> bool:
    """Whether the order page must be checked before deciding: the answer does not prove the
    dispute was NOT created (busy, ambiguous, a session that ended when the run can sign in)."""
    answer = submission.answer
    if submission.in_flight or submission.sent == 0:
        return False
    if answer.outcome == "opened" and answer.dispute_id:
        return False
    if answer.outcome == "expired":  # a definite refusal: the form's single-use token was spent
        return False
    return not _final(answer.outcome, can_sign_in=can_sign_in)


def decide(
    submission: Submission,
    finding: Finding | None,
    *,
    retry_after_s: float | None = None,
    can_sign_in: bool = False,
) -> Decision:
    """The decision after one submission (and the check of the order page that followed it).

    *finding* is None when `needs_check` said no check was needed; *retry_after_s* is the
    site's Retry-After counted from its answer; *can_sign_in*: the run can sign in again when
    the session ends (credentials and the profile's login steps).
    """
    answer = submission.answer
    if submission.in_flight:
        return Settled(verdict="in_flight", answer=answer)
    if submission.sent == 0:
        if answer.outcome in _FINAL:
            return Settled(verdict=_verdict(answer.outcome), answer=answer)
        return Settled(verdict="nothing_sent", answer=answer)
    if answer.outcome == "opened" and answer.dispute_id:
        return Settled(
            verdict="opened", answer=answer, dispute_id=answer.dispute_id, by_answer=True
        )
    if _final(answer.outcome, can_sign_in=can_sign_in):
        return Settled(verdict=_verdict(answer.outcome), answer=answer)
    if answer.outcome == "expired":
        return Resend(answer=answer, cause="expired")
    if finding is None:
        msg = f"an answer {answer.outcome!r} needs a check of the order page before a decision"
        raise ValueError(msg)
    if finding.exists:
        return Settled(
            verdict="opened", answer=answer, dispute_id=finding.dispute_id, finding=finding
        )
    if finding.state == "unreadable":
        return Settled(verdict="unreadable", answer=answer, finding=finding)
    cause: Literal["busy", "ambiguous", "signed_out", "expired"] = "ambiguous"
    if answer.outcome == "busy":
        cause = "busy"
    elif answer.outcome == "login_required":
        cause = "signed_out"
    return Resend(answer=answer, cause=cause, retry_after_s=retry_after_s)


def _verdict(outcome: str) -> Verdict:
    if outcome == "invalid":
        return "invalid"
    if outcome == "login_required":
        return "login_required"
    return "challenge"
