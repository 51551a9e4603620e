"""After the dispute opens, without a browser: the states and their exit codes, the profile's
[follow] table (parsed, refused, every language's phrases), deadlines, amounts, the message."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from agent.errors import InvalidConfig, InvalidField
from agent.follow.message import default_message, prepare_message
from agent.follow.reach import follow_view
from agent.follow.reading import RequestReading
from agent.follow.record import deadline_words, left_words
from agent.follow.states import FollowStatus, RequestState, follow_batch_exit_code
from agent.outcome import CASE_OPENED_EXIT_CODE, Status
from agent.site.profile import load_profile, parse_profile
from mock_site.aliexpress.lang import LANGUAGES, wording
from mock_site.aliexpress.wording import REQUEST_STATES
from mock_site.request_texts import STATE_TEXTS

PROFILES = Path(__file__).resolve().parents[2] / "agent" / "profiles"
#: The storefront's state codes (mock_site.lifecycle.state_code) and ours for them.
SITE_TO_OURS = {
    "waiting_seller": RequestState.WAITING_STORE,
    "proposal_partial": RequestState.PROPOSED_PARTIAL,
    "proposal_return": RequestState.PROPOSED_RETURN,
    "refused": RequestState.REFUSED,
    "evidence_requested": RequestState.EVIDENCE_REQUESTED,
    "escalated": RequestState.ESCALATED,
    "refund_complete": RequestState.REFUND_COMPLETE,
    "closed_accepted": RequestState.CLOSED_ACCEPTED,
    "closed_deadline_missed": RequestState.CLOSED_DEADLINE,
    "closed_withdrawn": RequestState.CLOSED_WITHDRAWN,
}
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _reading(state: RequestState, **fields: Any) -> RequestReading:
    return RequestReading(request_id="D-000100", state=state, text="", at=NOW, **fields)


def test_follow_exit_codes_are_distinct_and_the_usual_ones_are_runs() -> None:
    """resolved 0, open 10, decide 11, closed 12; invalid, needs_human, gave_up keep run's codes;
    none is a code of run (its statuses, or run --escalate's case opened)."""
    own = {s: s.exit_code for s in FollowStatus}
    assert (own[FollowStatus.RESOLVED], own[FollowStatus.OPEN]) == (0, 10)
    assert (own[FollowStatus.DECIDE], own[FollowStatus.CLOSED]) == (11, 12)
    for shared in ("invalid", "needs_human", "gave_up", "error", "interrupted"):
        assert FollowStatus(shared).exit_code == Status(shared).exit_code
    mine = [own[s] for s in (FollowStatus.OPEN, FollowStatus.DECIDE, FollowStatus.CLOSED)]
    assert not set(mine) & ({s.exit_code for s in Status} | {CASE_OPENED_EXIT_CODE})


def test_every_state_ends_a_follow_somewhere() -> None:
    """Proposals, a refusal and evidence asked wait for the shopper; refunded is resolved."""
    waits = {s for s in RequestState if s.awaits_shopper}
    assert waits == {
        RequestState.PROPOSED_PARTIAL,
        RequestState.PROPOSED_RETURN,
        RequestState.REFUSED,
        RequestState.EVIDENCE_REQUESTED,
        RequestState.AWAITING_YOU,
    }
    assert RequestState.REFUND_COMPLETE.status is FollowStatus.RESOLVED
    assert {s.status for s in RequestState if s.value.startswith("closed")} == {FollowStatus.CLOSED}


def test_batch_exit_code_puts_the_shoppers_decision_first() -> None:
    """A batch with one request to decide, one closed and one open exits 11; all resolved 0."""
    assert follow_batch_exit_code([0, 10, 12, 11]) == 11
    assert follow_batch_exit_code([0, 10, 12]) == 12
    assert follow_batch_exit_code([0, 0]) == 0


@pytest.mark.parametrize("language", sorted(STATE_TEXTS))
def test_mock_profile_maps_every_state_in_every_language(language: str) -> None:
    """Each sentence the mock skin's request page says (six languages) maps to our code."""
    rules = load_profile("mock").follow
    assert rules is not None
    for code, text in STATE_TEXTS[language].items():
        assert rules.state_of(f"  {text} ") is SITE_TO_OURS[code], (language, code, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_aliexpress_profile_maps_every_state_in_every_language(language: str) -> None:
    """The aliexpress skin's title and status line (its five interface languages) map to our
    code."""
    rules = load_profile("aliexpress").follow
    assert rules is not None
    words = wording(language)
    for code in REQUEST_STATES:
        title, status = words.title(code), words.status(code)
        assert title and status, (language, code)
        assert rules.state_of(f"{title} {status}") is SITE_TO_OURS[code], (language, code)
    assert rules.state_of("Waiting for your response") is RequestState.AWAITING_YOU


def test_deadlines_as_an_instant_or_a_countdown() -> None:
    """An ISO attribute gives the instant; a countdown counts from the read; junk gives None."""
    mock, ae = load_profile("mock").follow, load_profile("aliexpress").follow
    assert mock is not None and ae is not None and mock.deadline and ae.deadline
    assert mock.deadline.parse("2026-12-01T09:30:00Z", now=NOW) == datetime(
        2026, 12, 1, 9, 30, tzinfo=UTC
    )
    assert mock.deadline.parse("tomorrow", now=NOW) is None
    left = ae.deadline.parse("4 jours 23:59:58", now=NOW)
    assert left == NOW + timedelta(days=4, hours=23, minutes=59, seconds=58)
    assert ae.proposal is not None and ae.proposal.parse("US $2.00") == Decimal("2.00")


def _with_follow(follow: str) -> dict[str, Any]:
    text = (PROFILES / "mock.toml").read_text(encoding="utf-8")
    head = text.split("\n[follow]\n", 1)[0]
    return tomllib.loads(head + "\n" + follow)


@pytest.mark.parametrize(
    ("follow", "key"),
    [
        ('[follow]\nready = "request_state"\nstate = "request_state"\n', "follow "),
        (
            '[follow]\nurl = "/d/{id}"\nready = "request_state"\nstate = "request_state"\n'
            '[[follow.states]]\ncode = "refused"\nmatch = "x"\n',
            "follow.url",
        ),
        (
            '[follow]\nurl = "/d/{request_id}"\nready = "request_state"\n'
            'state = "request_state"\n[[follow.states]]\ncode = "lost"\nmatch = "x"\n',
            "follow.states[1].code",
        ),
        (
            '[follow]\nurl = "/d/{request_id}"\nready = "nowhere"\nstate = "request_state"\n'
            '[[follow.states]]\ncode = "refused"\nmatch = "x"\n',
            "follow.ready",
        ),
        (
            '[follow]\nurl = "/d/{request_id}"\nready = "request_state"\nstate = "request_state"\n'
            'deadline = { element = "request_deadline" }\n'
            '[[follow.states]]\ncode = "refused"\nmatch = "x"\n',
            "follow.deadline",
        ),
        (
            '[follow]\nurl = "/d/{request_id}"\nready = "request_state"\nstate = "request_state"\n'
            '[[follow.states]]\ncode = "refused"\nmatch = "x"\n'
            '[follow.respond.form]\nready = "response_form"\n'
            '[[follow.respond.form.fields]]\nname = "message"\nkind = "text"\n'
            'element = "response_message"\n'
            '[[follow.respond.submit.steps]]\nclick = "response_send"\n'
            '[follow.respond.answer]\nurl = "**/respond"\n'
            '[follow.respond.answer.json]\nbusy = { path = "status", equals = "busy" }\n',
            "follow.respond.answer.json.opened",
        ),
    ],
)
def test_a_bad_follow_table_is_refused_naming_its_key(follow: str, key: str) -> None:
    """No way to the page, a bad placeholder, an unknown state code, an unknown element, a
    deadline with neither attribute nor pattern, an answer without "opened": one line each."""
    with pytest.raises(InvalidConfig) as refused:
        parse_profile(_with_follow(follow), source="bad.toml")
    assert str(refused.value).startswith(f"profile bad.toml: {key}"), str(refused.value)


def test_a_profile_without_follow_loads() -> None:
    """[follow] is optional: a profile without it loads, with follow None."""
    text = (PROFILES / "mock.toml").read_text(encoding="utf-8").split("\n[follow]\n", 1)[0]
    assert parse_profile(tomllib.loads(text), source="plain.toml").follow is None


def test_default_message_disagrees_in_plain_english() -> None:
    """A partial refund: the amount refused, the reason, the dispute's words, what is asked;
    it passes the dispute message's pre-flight unchanged."""
    reading = _reading(RequestState.PROPOSED_PARTIAL, proposal=Decimal("2.00"))
    request = {"reason": "damaged", "message": "The box arrived crushed."}
    text = default_message(reading, request)
    assert text == (
        "I do not agree with a partial refund of US $2.00. The item arrived damaged. As I "
        'wrote: "The box arrived crushed." I ask for a full refund. Please see my evidence.'
    )
    assert prepare_message(text) == (text, ())
    refused = default_message(_reading(RequestState.REFUSED), {})
    assert refused.startswith("I do not agree with the seller's answer.")


def test_a_message_is_preflighted_like_the_disputes() -> None:
    """--message: a missing final period is added; Cyrillic is refused before anything."""
    assert prepare_message("I do not agree")[0] == "I do not agree."
    with pytest.raises(InvalidField, match="non-Latin letters"):
        prepare_message("Я не согласен с этим решением.")  # noqa: RUF001 - Cyrillic on purpose


def test_good_news_is_a_proposal_that_gives_everything() -> None:
    """A proposal at or above the amount asked is good news; below it, not."""
    full = _reading(
        RequestState.PROPOSED_PARTIAL, proposal=Decimal("12.99"), requested=Decimal("12.99")
    )
    less = _reading(
        RequestState.PROPOSED_PARTIAL, proposal=Decimal("2.00"), requested=Decimal("12.99")
    )
    assert full.good_news and not less.good_news


def test_deadline_words_say_local_time_and_what_is_left() -> None:
    """The deadline in local time with UTC, and the time left; a passed one says so."""
    assert left_words(timedelta(days=4, hours=23, minutes=5)) == "4 days 23 h"
    assert left_words(timedelta(minutes=45, seconds=3)) == "45 min"
    said = deadline_words(NOW + timedelta(hours=2, minutes=13), NOW)
    assert said is not None and said.endswith("(in 2 h 13 min)") and "UTC" in said
    assert (deadline_words(NOW - timedelta(1), NOW) or "").endswith(": passed")


def test_follow_dismisses_every_confirmation_no_step_asked_for() -> None:
    """The pages follow opens answer JS dialogs with dismiss (the mock skin's accept asks with a
    confirm()), though the profile accepts them for the dispute's own flow; no entry of either
    bundled profile names the accept button."""
    for name in ("mock", "aliexpress"):
        profile = load_profile(name)
        assert profile.page.dialogs == "accept"
        assert follow_view(profile).page.dialogs == "dismiss"
        selectors = " ".join(e.selector for e in profile.elements.values())
        assert "accept-proposal" not in selectors and "reverse--accept" not in selectors
