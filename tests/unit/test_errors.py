"""The error tree: exit codes, one-line messages with a fix, structured context."""

from __future__ import annotations

import pytest

from agent.errors import (
    ChallengeShown,
    CheckFailed,
    GaveUp,
    InvalidConfig,
    InvalidEvidence,
    InvalidField,
    InvalidRequest,
    LoginRequired,
    NeedsHuman,
    NotEligible,
    RetryDisputeError,
    SessionExpired,
    SiteError,
    SubmissionUnconfirmed,
    UnexpectedPage,
)


def _one_line(err: BaseException) -> str:
    text = str(err)
    assert "\n" not in text
    assert "\r" not in text
    assert text == text.strip()
    return text


EXAMPLES: list[RetryDisputeError] = [
    RetryDisputeError("something broke", hint="report it"),
    InvalidRequest("bad request", hint="fix it"),
    InvalidField("too short (3 characters)", field="message", hint="write more"),
    InvalidEvidence("x.jpg does not exist", path="x.jpg", hint="check the path"),
    InvalidConfig("bad flag", key="max_attempts", hint="use a number"),
    NotEligible("Buyer protection ended 5 days ago.", order_id="1003"),
    GaveUp(attempts=10, elapsed_s=635.2, last_answer="System busy, please try again later"),
    NeedsHuman(),
    LoginRequired(),
    SessionExpired(),
    ChallengeShown(),
    SiteError("the site broke", hint="look at the screenshots"),
    UnexpectedPage(url="http://127.0.0.1:8000/x"),
    CheckFailed(attempts=2, elapsed_s=12.0, last_answer="System busy", why="HTTP 500"),
    SubmissionUnconfirmed("attempt 1 was still on its way at the deadline"),
]


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (RetryDisputeError, 1),
        (InvalidRequest, 2),
        (InvalidField, 2),
        (InvalidEvidence, 2),
        (InvalidConfig, 2),
        (NotEligible, 3),
        (GaveUp, 4),
        (NeedsHuman, 5),
        (LoginRequired, 5),
        (SessionExpired, 5),
        (ChallengeShown, 5),
        (SiteError, 1),
        (UnexpectedPage, 1),
        (CheckFailed, 4),
        (SubmissionUnconfirmed, 7),
    ],
)
def test_exit_codes(cls: type[RetryDisputeError], code: int) -> None:
    """Each error class carries the exit code of the CLI contract."""
    assert cls.exit_code == code


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (InvalidRequest, RetryDisputeError),
        (InvalidField, InvalidRequest),
        (InvalidEvidence, InvalidRequest),
        (InvalidConfig, InvalidRequest),
        (NotEligible, RetryDisputeError),
        (GaveUp, RetryDisputeError),
        (LoginRequired, NeedsHuman),
        (SessionExpired, NeedsHuman),
        (ChallengeShown, NeedsHuman),
        (NeedsHuman, RetryDisputeError),
        (UnexpectedPage, SiteError),
        (SiteError, RetryDisputeError),
        (CheckFailed, GaveUp),
        (SubmissionUnconfirmed, RetryDisputeError),
    ],
)
def test_tree(cls: type[RetryDisputeError], parent: type[RetryDisputeError]) -> None:
    """The classes form the tree drawn in the module docstring."""
    assert issubclass(cls, parent)


def test_a_failed_check_says_nothing_was_sent_again() -> None:
    """CheckFailed names the last answer and why the order page could not be read."""
    err = CheckFailed(attempts=2, elapsed_s=12.0, last_answer="System busy", why="HTTP 500")
    assert _one_line(err).startswith(
        'stopped after attempt 2: the site answered "System busy", and the order page could '
        "not be read to check whether that opened the dispute (HTTP 500); nothing was sent again"
    )
    assert err.context["why"] == "HTTP 500"


@pytest.mark.parametrize("err", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_message_is_one_line_with_a_fix(err: RetryDisputeError) -> None:
    """Every error renders as one non-empty line that says how to fix it."""
    text = _one_line(err)
    assert err.hint
    assert text.endswith(err.hint)
    assert "; " in text


def test_what_and_hint_are_joined() -> None:
    """The line is what is wrong, a semicolon, then the fix."""
    err = RetryDisputeError("the thing is wrong", hint="do this")
    assert str(err) == "the thing is wrong; do this"
    assert err.what == "the thing is wrong"
    assert err.hint == "do this"
    assert err.context == {}


def test_without_hint_only_what() -> None:
    """An error without a hint renders as its description alone."""
    assert str(RetryDisputeError("plain")) == "plain"


def test_line_breaks_are_flattened() -> None:
    """Line breaks and control characters in the parts never break the line."""
    err = RetryDisputeError('the site said "busy\r\nnow"\x00', hint="wait\nthen retry")
    assert _one_line(err) == 'the site said "busy now"; wait then retry'


def test_invalid_field_names_the_field() -> None:
    """InvalidField starts with the field name and keeps it in its context."""
    err = InvalidField("too short (7 characters)", field="message", hint="write more")
    assert str(err) == "message: too short (7 characters); write more"
    assert err.field == "message"
    assert err.context == {"field": "message"}


def test_source_prefixes_the_line() -> None:
    """A source file in the context comes first, then the field."""
    err = InvalidField("unknown code", field="reason", hint="use one", context={"source": "r.toml"})
    assert str(err) == "r.toml: reason: unknown code; use one"


def test_source_added_later_shows() -> None:
    """A source added to the context after the error was made still shows in the line."""
    err = InvalidField("empty", field="order_id", hint="give it")
    err.context["source"] = "req.toml"
    assert str(err) == "req.toml: order_id: empty; give it"


def test_invalid_evidence_context() -> None:
    """InvalidEvidence names the evidence field and the file."""
    err = InvalidEvidence("a.jpg is empty", path="a.jpg", hint="attach the photo")
    assert str(err) == "evidence: a.jpg is empty; attach the photo"
    assert err.context == {"field": "evidence", "path": "a.jpg"}
    assert err.path == "a.jpg"


def test_invalid_config_key_and_source() -> None:
    """InvalidConfig carries the key and the file it is about."""
    err = InvalidConfig('unknown key "colour"', key="colour", source="req.toml", hint="remove it")
    assert str(err) == 'req.toml: unknown key "colour"; remove it'
    assert err.context == {"key": "colour", "source": "req.toml"}
    assert err.key == "colour"


def test_invalid_config_as_the_browser_module_uses_it() -> None:
    """A positional description and a hint are enough."""
    err = InvalidConfig("browser path '/x' is not an executable file", hint="fix --browser-path")
    assert str(err) == "browser path '/x' is not an executable file; fix --browser-path"
    assert err.exit_code == 2


def test_not_eligible_says_why() -> None:
    """NotEligible quotes the page's reason and keeps it in the context."""
    err = NotEligible(
        "Buyer protection ended 5 days ago.", order_id="1003", code="protection_ended"
    )
    assert _one_line(err).startswith(
        "order 1003 is not eligible for a dispute: Buyer protection ended 5 days ago; "
    )
    assert err.reason == "Buyer protection ended 5 days ago."
    assert err.context["reason"] == "Buyer protection ended 5 days ago."
    assert err.context["code"] == "protection_ended"


def test_gave_up_fields() -> None:
    """GaveUp carries the attempts, the time and the last answer."""
    err = GaveUp(attempts=10, elapsed_s=635.2, last_answer="System busy, please try again later")
    assert _one_line(err).startswith(
        'gave up after 10 attempts in 635 s: the site still answered "System busy, please try '
        'again later"; '
    )
    assert err.context == {
        "attempts": 10,
        "elapsed_s": 635.2,
        "last_answer": "System busy, please try again later",
    }
    assert (err.attempts, err.elapsed_s) == (10, 635.2)


def test_gave_up_singular() -> None:
    """One attempt is written in the singular."""
    assert "after 1 attempt in" in str(GaveUp(attempts=1, elapsed_s=0, last_answer="x"))


def test_needs_human_defaults() -> None:
    """The NeedsHuman errors have a default description and a fix naming the login command."""
    assert str(LoginRequired()).startswith("not logged in to the site; ")
    assert "retry-dispute login" in str(LoginRequired())
    assert "RETRY_DISPUTE_USER" in str(LoginRequired())
    assert str(SessionExpired()).startswith("the site's session expired during the run; ")
    assert str(ChallengeShown()).startswith("the site shows a verification challenge; ")


def test_needs_human_overrides() -> None:
    """A caller may give its own description and fix."""
    err = ChallengeShown("the site shows a challenge (after submit)", hint="solve it")
    assert str(err) == "the site shows a challenge (after submit); solve it"


def test_unexpected_page() -> None:
    """UnexpectedPage keeps the URL in its context."""
    err = UnexpectedPage("no dispute form", url="http://h/x", hint="check the profile")
    assert str(err) == "no dispute form; check the profile"
    assert err.context == {"url": "http://h/x"}
    assert err.url == "http://h/x"


def test_extra_context_is_kept() -> None:
    """Extra structured fields given by the caller join the error's own."""
    err = GaveUp(attempts=1, elapsed_s=1.0, last_answer="busy", context={"attempt": 3})
    assert err.context["attempt"] == 3
    assert err.context["last_answer"] == "busy"
