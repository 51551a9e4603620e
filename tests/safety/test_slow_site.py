"""Never a duplicate on a slow site: the end-to-end proof of the in-flight rule (issue 20).

An overloaded back end answers late, commits after the agent stopped waiting, answers a side
request on the same URL, or never answers at all. The storefront's ``commit_delay_s``,
``validate_first`` and ``never_answer`` faults reproduce those back ends; ``order_notes``,
``dispute_text_only`` and ``answer_wrong_id`` reshape what the order page and the answer show.
Each test asserts what the site ended with (disputes, submissions), not only what the run said.
The same rules are proven in milliseconds on a fake site in tests/unit/test_loop.py.
"""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import pytest

from agent.flow.journal import Journal, site_key
from agent.flow.policy import RetryPolicy
from agent.outcome import Outcome
from agent.site.flow_rules import Field, Step
from agent.site.profile import SiteProfile
from agent.site.profile_model import Element
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
from tests.safety.test_visible_dispute import _dispute_over_http

pytestmark = pytest.mark.browser

ORDER = "2000"
Run = Callable[..., Outcome]


@pytest.fixture
def run(agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path) -> Run:
    """Run the agent for order 2000 in the shared browser: ``run(faults=..., profile=...)``."""
    return functools.partial(run_agent, agent_loop, storefront, tmp_path, order_id=ORDER)


def sent(server: StorefrontServer) -> list[str]:
    """The answers to every request the order's submit URL received, in order."""
    return [str(s["answer"]) for s in server.submissions() if s["order_id"] == ORDER]


@pytest.mark.parametrize("style", ["banner", "toast"])
def test_a_dispute_committed_after_the_answer_timeout_is_waited_for(
    run: Run, storefront: StorefrontServer, style: str
) -> None:
    """The back end creates the dispute 2.5 s in, the profile waits 1 s for an answer: the
    request is still in flight, so nothing is sent again; one dispute, opened."""
    outcome = run(
        profile=profile_with(answer_s=1.0),
        faults={"commit_delay_s": 2.5, "busy_style": style},
    )
    assert outcome.status == "opened", outcome.message
    [dispute] = disputes_of(storefront, ORDER)
    assert outcome.dispute_id == dispute["dispute_id"]
    assert sent(storefront) == ["opened"]


@pytest.mark.parametrize("style", ["banner", "toast"])
def test_a_validation_request_to_the_submit_url_is_no_answer(
    run: Run, storefront: StorefrontServer, style: str
) -> None:
    """Send first POSTs a validation to the same URL ({"ok": true}), then the submission: the
    validation is never taken for the site's answer; busy once, then opened: one dispute."""
    outcome = run(faults={"validate_first": True, "busy_first": 1, "busy_style": style})
    assert outcome.status == "opened", outcome.message
    assert len(disputes_of(storefront, ORDER)) == 1
    assert sent(storefront) == ["validation", "busy", "validation", "opened"]
    assert outcome.attempts == 2
    assert [e["requests"] for e in events_named(outcome.run_dir, "agent.answer")] == [2, 2]


def test_a_body_matcher_leaves_the_validation_out(run: Run, storefront: StorefrontServer) -> None:
    """With ``[answer] body`` the profile tells the validation from the submission: one
    request per attempt, the validation logged as a side request."""
    base = profile_with()
    test = dataclasses.replace(
        base.answer.request,
        body=_tests(exists_validate=False),
    )
    profile = dataclasses.replace(base, answer=dataclasses.replace(base.answer, request=test))
    outcome = run(profile=profile, faults={"validate_first": True, "busy_style": "toast"})
    assert outcome.status == "opened", outcome.message
    assert [e["requests"] for e in events_named(outcome.run_dir, "agent.answer")] == [1]
    assert events_named(outcome.run_dir, "agent.side_request")


def _tests(*, exists_validate: bool) -> tuple[tuple[object, ...], ...]:
    from agent.site.answer_rules import JsonTest, parse_path

    return ((JsonTest(path=parse_path("validate"), exists=exists_validate),),)


def test_an_answer_that_never_comes_ends_unconfirmed_by_the_deadline(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A submission the site never answers: the run stops at its deadline saying it may still
    be in flight (exit 7), sends nothing again, and keeps the intent open; the next run waits
    for it, then opens the one dispute."""
    policy = RetryPolicy(initial_wait_s=0.01, max_wait_s=0.04, jitter=False, deadline_s=3.0)
    first = run_agent(
        agent_loop,
        storefront,
        tmp_path,
        order_id=ORDER,
        profile=profile_with(answer_s=1.0),
        policy=policy,
        faults={"never_answer": True, "busy_style": "toast"},
    )
    assert first.status == "unconfirmed", first.message
    assert first.exit_code == 7
    assert "still on its way" in first.message
    assert first.elapsed_s < 60  # stopped by its deadline, not hung on the answer
    assert sent(storefront) == ["unanswered"]
    assert disputes_of(storefront, ORDER) == []
    assert not (first.run_dir / "support-ticket.md").exists()  # type: ignore[operator]
    journal_path = tmp_path / "state" / "journal.sqlite3"
    with sqlite3.connect(journal_path) as db:
        [(outcome, abandoned)] = db.execute("SELECT outcome, abandoned_at FROM intents").fetchall()
    assert outcome is None and abandoned is not None
    second = run_agent(
        agent_loop,
        storefront,
        tmp_path,
        order_id=ORDER,
        profile=profile_with(answer_s=1.0),
        faults={"busy_style": "toast"},
    )
    assert second.status == "opened", second.message
    assert len(disputes_of(storefront, ORDER)) == 1
    [waited] = events_named(second.run_dir, "agent.unfinished_intent_settled")
    assert waited["outcome"] == "not_created"


def test_an_interrupted_submission_is_waited_for_even_where_disputes_show_at_once(
    agent_loop: AgentLoop, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """An earlier run's click with no answer, a profile that says disputes show at once: the
    next run still reads the order page until that click's answer could have come (the
    dispute shows 1.5 s late here): found, nothing sent."""
    storefront.set_faults({"dispute_shows_after_s": 1.5})
    with Journal(tmp_path / "state" / "journal.sqlite3") as journal:
        journal.begin(site=site_key(storefront.url), order_id=ORDER, run_id="killed", attempt=1)
    dispute_id = _dispute_over_http(storefront)
    outcome = run_agent(
        agent_loop,
        storefront,
        tmp_path,
        order_id=ORDER,
        profile=profile_with(answer_s=4.0, shows_within_s=0),
    )
    assert outcome.status == "opened", outcome.message
    assert outcome.dispute_id == dispute_id
    assert sent(storefront) == ["opened"]  # the earlier run's only
    assert events_named(outcome.run_dir, "agent.waiting_for_earlier_submission")


def _with_elements(profile: SiteProfile, **selectors: str) -> SiteProfile:
    elements = dict(profile.elements)
    for name, selector in selectors.items():
        elements[name] = Element(name=name, selectors=(selector,))
    return dataclasses.replace(profile, elements=MappingProxyType(elements))


def test_a_broad_dispute_element_is_read_to_the_end(run: Run, storefront: StorefrontServer) -> None:
    """A dispute element that matches 35 lines before the notice still finds the dispute."""
    first = run()
    assert first.status == "opened"
    broad = _with_elements(profile_with(), existing_dispute="css=section.card p")
    again = run(profile=broad, faults={"order_notes": 30})
    assert again.status == "already_open", again.message
    assert again.dispute_id == first.dispute_id
    assert len(disputes_of(storefront, ORDER)) == 1


def test_a_dispute_shown_without_its_id_is_never_no_dispute(
    run: Run, storefront: StorefrontServer
) -> None:
    """Busy after the commit, an order page that shows "A dispute is open" without the id:
    opened, id unknown, never sent again; the next run says already open."""
    outcome = run(faults={"busy_after_commit": 1, "dispute_text_only": True})
    assert outcome.status == "opened", outcome.message
    assert outcome.dispute_id is None and outcome.reason_code == "dispute_id_unknown"
    assert "A dispute is open for this order" in outcome.message
    assert sent(storefront) == ["busy_after_commit"]
    [check] = checks_before_resend(outcome.run_dir)
    assert check["state"] == "found"
    again = run(faults={"dispute_text_only": True})
    assert again.status == "already_open" and again.dispute_id is None
    assert len(disputes_of(storefront, ORDER)) == 1


def test_the_answers_id_is_compared_with_the_order_page(
    run: Run, storefront: StorefrontServer
) -> None:
    """The JSON names another id than the order page then shows: reported, not hidden."""
    outcome = run(faults={"answer_wrong_id": True, "busy_style": "toast"})
    [dispute] = disputes_of(storefront, ORDER)
    assert outcome.status == "opened"
    assert outcome.reason_code == "dispute_ids_differ"
    assert str(dispute["dispute_id"]) in outcome.message
    assert outcome.dispute_id != dispute["dispute_id"]


def test_submit_steps_that_send_nothing_are_the_profiles_mistake(
    run: Run, storefront: StorefrontServer
) -> None:
    """Submit steps that click something that sends nothing: profile_mismatch, no attempt
    counted, no support ticket, nothing on the site."""
    base = profile_with(answer_s=1.0)
    step = Step(name="submit", where="submit.steps[1]", action="click", element="refund_full")
    profile = dataclasses.replace(base, submit_steps=(step,))
    outcome = run(profile=profile, policy=FAST)
    assert outcome.status == "error" and outcome.reason_code == "profile_mismatch"
    assert outcome.attempts == 0
    assert "sent nothing" in outcome.message
    assert sent(storefront) == []
    assert not (outcome.run_dir / "support-ticket.md").exists()  # type: ignore[operator]


@pytest.mark.parametrize("style", ["banner", "toast"])
def test_a_field_that_submits_the_form_is_taken_for_the_submission(
    run: Run, storefront: StorefrontServer, style: str
) -> None:
    """A profile whose last field clicks Submit: that click is the submission (its intent
    recorded, its answer read, nothing clicked again), never "an error with no id"."""
    base = profile_with()
    sends = Field(  # a "card" whose element is the Submit button: entering it clicks Submit
        name="sends",
        where="form.fields[8]",
        kind="cards",
        value="received",
        options=(("no", "submit"),),
        selected="[data-never-selected]",
    )
    profile = dataclasses.replace(
        base, form=dataclasses.replace(base.form, fields=(*base.form.fields, sends))
    )
    outcome = run(profile=profile, faults={"busy_style": style})
    [dispute] = disputes_of(storefront, ORDER)
    assert outcome.status == "opened", outcome.message
    assert outcome.dispute_id == dispute["dispute_id"]
    assert outcome.attempts == 1 and sent(storefront) == ["opened"]
    assert events_named(outcome.run_dir, "agent.form_sent_while_filling")
    assert events_named(outcome.run_dir, "agent.sent_before_submit_steps")


def test_an_expired_form_is_opened_again_and_resent(run: Run, storefront: StorefrontServer) -> None:
    """A single-use form token: busy, then the resubmission of the same form answers "This
    form has expired"; the form is opened again from the order page (a fresh token) and sent,
    with no check or unknown-answer wait for the expired answer: one dispute."""
    outcome = run(faults={"single_use_form": True, "busy_first": 1, "busy_style": "toast"})
    assert outcome.status == "opened", outcome.message
    assert sent(storefront) == ["busy", "expired", "opened"]
    assert len(disputes_of(storefront, ORDER)) == 1
    assert [e["outcome"] for e in events_named(outcome.run_dir, "agent.answer")] == [
        "busy",
        "expired",
        "opened",
    ]
    assert len(checks_before_resend(outcome.run_dir)) == 1  # after the busy answer only
    assert events_named(outcome.run_dir, "agent.form_reopened_from_the_order_page")


def _returns_profile() -> SiteProfile:
    """The bundled profile reading the dispute from a "Your returns" page: the order's row,
    the id in an attribute (issue 25, section 1)."""
    base = _with_elements(
        profile_with(),
        return_row="css=tr[data-testid='return-row'][data-order-id='{order_id}']",
    )
    rule = dataclasses.replace(
        base.dispute, element="return_row", attribute="data-request-id", page="/returns"
    )
    return dataclasses.replace(base, dispute=rule)


def test_a_dispute_listed_on_a_returns_page_is_read_there_every_time(
    run: Run, storefront: StorefrontServer
) -> None:
    """The order page shows no dispute, a "Your returns" page lists it by order: the check after
    a busy answer that made it reads it there (opened, its id), and so does the next run's
    start (already_open): one definition, one dispute."""
    profile = _returns_profile()
    first = run(profile=profile, faults={"returns_page": True, "busy_after_commit": 1})
    [dispute] = disputes_of(storefront, ORDER)
    assert first.status == "opened", first.message
    assert first.dispute_id == dispute["dispute_id"]
    assert sent(storefront) == ["busy_after_commit"]
    again = run(profile=profile, faults={"returns_page": True})
    assert again.status == "already_open", again.message
    assert again.dispute_id == dispute["dispute_id"]
    assert len(disputes_of(storefront, ORDER)) == 1
