"""classify: the one function that says what the site's answer means."""

from __future__ import annotations

import pytest

from agent.site.answer import classify
from agent.site.profile import load_profile
from mock_site.faults import BUSY_TEXTS

PROFILE = load_profile("mock")


@pytest.mark.parametrize(
    ("shown", "status", "timed_out", "outcome"),
    [
        ({"result": "Dispute D-000123 opened"}, 303, False, "opened"),
        ({"busy": "System busy, please try again later"}, 200, False, "busy"),
        ({"busy": "Système occupé, veuillez réessayer plus tard"}, 200, False, "busy"),
        ({}, 429, False, "busy"),
        ({}, 503, False, "busy"),
        ({"error": "Please complete your message"}, 200, False, "invalid"),
        ({"challenge": "Please slide to verify"}, 403, False, "challenge"),
        ({"login": "Sign in"}, 200, False, "login_required"),
        ({}, 401, False, "login_required"),
        ({}, 500, False, "server_error"),
        ({}, None, True, "timeout"),
        ({}, 200, False, "unknown"),
        ({"result": "Something else"}, 200, False, "unknown"),
    ],
)
def test_answers_are_classified(
    shown: dict[str, str], status: int | None, timed_out: bool, outcome: str
) -> None:
    """Each kind of answer gets its outcome."""
    answer = classify(PROFILE, shown=shown, status_code=status, timed_out=timed_out)
    assert answer.outcome == outcome


def test_opened_carries_the_dispute_id() -> None:
    """The success text gives the dispute id."""
    answer = classify(PROFILE, shown={"result": "Dispute D-000123 opened"}, status_code=200)
    assert answer.dispute_id == "D-000123"
    assert not answer.ambiguous


def test_challenge_wins_over_busy() -> None:
    """A challenge shown with a busy text is a challenge: it needs a person, not a retry."""
    answer = classify(
        PROFILE, shown={"challenge": "verify", "busy": "System busy, please try again later"}
    )
    assert answer.outcome == "challenge"


@pytest.mark.parametrize("outcome_status", [(None, True), (500, False), (200, False)])
def test_ambiguous_answers_are_marked(outcome_status: tuple[int | None, bool]) -> None:
    """Timeouts, HTTP 500 and unknown pages do not prove the dispute was not created."""
    status, timed_out = outcome_status
    assert classify(PROFILE, shown={}, status_code=status, timed_out=timed_out).ambiguous


def test_retry_after_is_kept_raw() -> None:
    """The Retry-After header is passed on as the site sent it, for the policy to parse."""
    answer = classify(
        PROFILE, shown={}, status_code=429, retry_after="Wed, 21 Oct 2026 07:28:00 GMT"
    )
    assert answer.retry_after == "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.mark.parametrize("language", ["fr", "ru", "es", "pt", "zh"])
def test_the_storefronts_busy_text_is_busy_in_every_language_with_http_200(language: str) -> None:
    """The very text the bundled storefront shows for busy in each language (mock_site.faults),
    in any of its notices, is busy under HTTP 200: the text alone decides. (This replaced five
    browser runs, one per language: the storefront's tests prove the page shows this text, and
    the catalogue's busy-toast-fr proves a run reads a toast at HTTP 200.)"""
    answer = classify(PROFILE, shown={"busy": BUSY_TEXTS[language]}, status_code=200)
    assert answer.outcome == "busy"
