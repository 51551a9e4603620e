"""The agent end to end in a real browser against the bundled storefront."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator

import agent
from agent.flow.policy import RetryPolicy
from agent.site.profile import load_profile
from mock_site.testing import StorefrontServer
from tests.e2e.agent_helpers import NOT_RECEIVED, PNG_MAGIC, photo, run_agent, video

pytestmark = pytest.mark.browser


def test_healthy_site_opens_at_first_attempt(
    storefront: StorefrontServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A healthy site opens the dispute in one attempt, with one dispute recorded. The form
    opens in a pop-up window, which the agent follows; the bundled profile (typed = false)
    fills the message at once: no key events, the same message arrives."""
    typed: list[str] = []
    monkeypatch.setattr(Locator, "press_sequentially", lambda self, text, **_: typed.append(text))
    run = run_agent(storefront, tmp_path)
    assert run.outcome.status == "opened"
    assert run.outcome.attempts == 1
    assert run.outcome.dispute_id == run.disputes()[0]["dispute_id"]
    assert len(run.disputes()) == 1
    assert run.waits == []
    assert any(e["event"] == "agent.popup_opened" for e in run.log_events())
    assert typed == []
    assert [d["message"] for d in run.disputes()] == [NOT_RECEIVED["message"]]


def test_a_profile_that_types_key_by_key_enters_the_same_message(
    storefront: StorefrontServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text field with typed = true: key by key (also on the refill after a reset form)."""
    typed: list[str] = []
    original = Locator.press_sequentially

    async def spy(self: Locator, text: str, **kwargs: Any) -> None:
        typed.append(text)
        await original(self, text, **kwargs)

    monkeypatch.setattr(Locator, "press_sequentially", spy)
    mock = load_profile("mock")
    fields = tuple(
        dataclasses.replace(f, typed=True) if f.kind == "text" else f for f in mock.form.fields
    )
    profile = dataclasses.replace(mock, form=dataclasses.replace(mock.form, fields=fields))
    run = run_agent(
        storefront, tmp_path, profile=profile, faults={"busy_first": 1, "form_resets_on_busy": True}
    )
    assert run.outcome.status == "opened"
    assert typed == [NOT_RECEIVED["message"]] * 2
    assert [d["message"] for d in run.disputes()] == [NOT_RECEIVED["message"]]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_honoured(
    status: int, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """HTTP 429/503 with Retry-After: the agent waits what the site asked, counted from the
    answer. The answer came after the form was filled and before attempt 1 was recorded, so the
    time the agent spent since (its screenshot, the order-page check) bounds the wait on both
    sides, however loaded the machine."""
    run = run_agent(
        storefront, tmp_path, faults={"busy_first": 1, "busy_status": status, "retry_after_s": 7}
    )
    assert run.outcome.status == "opened"
    assert len(run.waits) == 1
    timeline = {e["name"]: e for e in run.result["timeline"]}
    wait = timeline["wait before attempt 2"]
    assert wait["wait_cause"] == "retry_after"
    since_filled = wait["t"] - timeline["form-filled"]["t"]
    since_recorded = wait["t"] - timeline["attempt 1"]["t"]
    assert since_recorded > 0
    assert 7.0 - since_filled - 0.01 <= run.waits[0] <= 7.0 - since_recorded + 0.01


def test_retry_after_date_is_honoured(storefront: StorefrontServer, tmp_path: Path) -> None:
    """A Retry-After given as an HTTP date is turned into a wait of about that many seconds."""
    run = run_agent(
        storefront,
        tmp_path,
        faults={
            "busy_first": 1,
            "busy_status": 503,
            "retry_after_s": 30,
            "retry_after_format": "date",
        },
    )
    assert run.outcome.status == "opened"
    assert len(run.waits) == 1
    assert 25 <= run.waits[0] <= 31


def test_demo_like_run_leaves_one_screenshot_per_attempt(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """Every attempt leaves a valid PNG named after its outcome, and every step one too."""
    run = run_agent(storefront, tmp_path, faults={"busy_first": 3})
    assert run.outcome.attempts == 4
    shots = run.attempt_shots()
    assert [s.split("-attempt-")[1] for s in shots] == [
        "1-busy.png",
        "2-busy.png",
        "3-busy.png",
        "4-opened.png",
    ]
    assert run.outcome.run_dir is not None
    for shot in run.outcome.screenshots:
        assert (run.outcome.run_dir / shot).read_bytes()[:8] == PNG_MAGIC
    names = [Path(s).name for s in run.outcome.screenshots]
    assert names[0].startswith("01-") and any("order-page" in n for n in names)


def test_blocked_popup_follows_the_fallback_link(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """When the site says pop-ups are blocked, the fallback link leads to the form."""
    run = run_agent(storefront, tmp_path, faults={"popup_blocked": True})
    assert run.outcome.status == "opened"
    assert any(e["event"] == "agent.popup_blocked" for e in run.log_events())


def test_confirm_dialog_is_accepted(storefront: StorefrontServer, tmp_path: Path) -> None:
    """The confirm() before submission is accepted, once per attempt, and logged with the run id."""
    run = run_agent(storefront, tmp_path, faults={"busy_first": 1})
    dialogs = [e for e in run.log_events() if e["event"] == "agent.dialog_accepted"]
    assert len(dialogs) == 2
    assert all(e["run_id"] == run.outcome.run_dir.name for e in dialogs)  # type: ignore[union-attr]


def test_overlay_always_is_closed_whenever_it_appears(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A promo overlay on every page and after every answer does not stop the flow."""
    run = run_agent(
        storefront, tmp_path, faults={"overlay": "always", "busy_first": 2, "busy_style": "toast"}
    )
    assert run.outcome.status == "opened"
    assert any(e["event"] == "agent.overlay_closed" for e in run.log_events())


def test_form_reset_on_busy_is_refilled_with_evidence(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """When a busy answer empties the form, everything is refilled, the photo included."""
    run = run_agent(
        storefront,
        tmp_path,
        faults={"busy_first": 2, "busy_style": "toast", "form_resets_on_busy": True},
        order_id="1002",
        received="yes",
        reason="damaged",
        message="The item arrived broken into two pieces.",
        evidence=[photo(tmp_path)],
    )
    assert run.outcome.status == "opened"
    refills = [e for e in run.log_events() if e["event"] == "agent.form_refilled"]
    assert len(refills) == 2
    assert run.disputes()[0]["files"] == ["photo.jpg"]


def test_full_page_busy_reattaches_files(storefront: StorefrontServer, tmp_path: Path) -> None:
    """A full-page busy answer keeps the text but loses the files: they are re-attached."""
    run = run_agent(
        storefront,
        tmp_path,
        faults={"busy_first": 1, "busy_style": "banner"},
        order_id="1002",
        received="yes",
        reason="does_not_work",
        message="The device does not switch on.",
        evidence=[photo(tmp_path), video(tmp_path)],
    )
    assert run.outcome.status == "opened"
    refills = [e for e in run.log_events() if e["event"] == "agent.form_refilled"]
    assert refills and refills[0]["fields"] == ["evidence"]
    assert sorted(run.disputes()[0]["files"]) == ["photo.jpg", "video.mp4"]


def test_partial_refund_amount_is_entered(storefront: StorefrontServer, tmp_path: Path) -> None:
    """A partial refund written 5,30 is entered as 5.30 and accepted."""
    run = run_agent(storefront, tmp_path, refund="partial", amount="5,30")
    assert run.outcome.status == "opened"
    assert run.disputes()[0]["amount"] in ("5.30", 5.3)
    assert any("amount" in n for n in run.result["normalisations"])


@pytest.mark.parametrize(
    ("order_id", "code"),
    [("1003", "protection_ended"), ("1005", "receipt_confirmed"), ("1006", "proposal_accepted")],
)
def test_ineligible_orders_stop_with_exit_3(
    order_id: str, code: str, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """An ineligible order stops before the form, says why, and sends nothing."""
    run = run_agent(storefront, tmp_path, order_id=order_id)
    assert run.outcome.status == "ineligible"
    assert run.outcome.exit_code == 3
    assert run.outcome.reason_code == code
    assert storefront.submissions() == []


def test_existing_dispute_is_already_open(storefront: StorefrontServer, tmp_path: Path) -> None:
    """An order with a dispute already open ends as already_open, exit 0, without submitting."""
    run = run_agent(storefront, tmp_path, order_id="1007")
    assert run.outcome.status == "already_open"
    assert run.outcome.dispute_id == "D-000007"
    assert run.outcome.exit_code == 0
    assert storefront.submissions() == []


def test_another_accounts_order_is_refused(storefront: StorefrontServer, tmp_path: Path) -> None:
    """Order 1008 belongs to another account: not found, exit 2, nothing sent."""
    run = run_agent(storefront, tmp_path, order_id="1008")
    assert run.outcome.status == "invalid"
    assert "1008" in run.outcome.message
    assert storefront.submissions() == []


def test_a_session_that_expires_is_signed_in_again(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """The session ends at the second submission (after a busy answer): with the credentials
    given, the run signs in again where the site asks, checks the order page, and opens the one
    dispute; the sign-in is in the timeline."""
    run = run_agent(storefront, tmp_path, faults={"busy_first": 1, "session_expires_after": 1})
    assert run.outcome.status == "opened", run.outcome.message
    assert len(run.disputes()) == 1
    assert [s["answer"] for s in storefront.submissions()] == ["busy", "login_required", "opened"]
    names = [e["name"] for e in run.result["timeline"]]
    assert "signed-in-again" in names
    signed = [e for e in run.log_events() if e["event"] == "agent.signing_in_again"]
    assert [e["sign_in"] for e in signed] == [1]


def test_a_site_that_keeps_ending_the_session_is_signed_in_to_at_most_three_times(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """Every submission ends the session: the run signs in again three times (the bound), then
    stops needs_human saying so, with one submission per sign-in and no dispute."""
    faults = {"session_expires_after": 0, "session_expires_again": True}
    run = run_agent(storefront, tmp_path, faults=faults)
    assert run.outcome.status == "needs_human", run.outcome.message
    assert "after 3 sign-ins" in run.outcome.message
    signed = [e for e in run.log_events() if e["event"] == "agent.signing_in_again"]
    assert [e["sign_in"] for e in signed] == [1, 2, 3]
    assert [s["answer"] for s in storefront.submissions()] == ["login_required"] * 4
    assert run.disputes() == []


def test_a_session_that_ends_without_credentials_says_what_signing_in_needs(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A saved session (no credentials) that the site ends mid-run: needs_human, and the message
    says signing in again needs the credential variables, not "pass --storage-state"."""
    state = tmp_path / "session.json"
    cookies = [
        {"name": name, "value": value, "domain": "127.0.0.1", "path": "/"}
        for name, value in storefront.session_cookies().items()
    ]
    state.write_text(json.dumps({"cookies": cookies, "origins": []}), encoding="utf-8")
    state.chmod(0o600)
    storefront.set_faults({"session_expires_after": 0})
    run = run_agent(storefront, tmp_path, credentials=None, storage_state=state)
    assert run.outcome.status == "needs_human", run.outcome.message
    assert "ended the session during the run" in run.outcome.message
    assert "RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD" in run.outcome.message
    assert run.disputes() == []


def test_no_credentials_needs_a_person(storefront: StorefrontServer, tmp_path: Path) -> None:
    """Without a session or credentials the agent stops at the login page with exit 5."""
    run = run_agent(storefront, tmp_path, credentials=None)
    assert run.outcome.status == "needs_human"
    assert storefront.submissions() == []


def test_busy_to_the_end_gives_up(storefront: StorefrontServer, tmp_path: Path) -> None:
    """A site busy on every attempt ends in gave_up (exit 4) after max_attempts, with every wait."""
    policy = RetryPolicy(
        initial_wait_s=0.01, max_wait_s=0.04, multiplier=2.0, jitter=False, max_attempts=4
    )
    run = run_agent(storefront, tmp_path, faults={"busy_first": 100}, policy=policy)
    assert run.outcome.status == "gave_up"
    assert run.outcome.exit_code == 4
    assert run.outcome.attempts == 4
    assert run.waits == [0.01, 0.02, 0.04]
    assert len(run.attempt_shots()) == 4
    assert run.disputes() == []


def test_site_refusal_is_not_retried(storefront: StorefrontServer, tmp_path: Path) -> None:
    """An amount above the order total is refused by the site: invalid, one attempt only."""
    run = run_agent(storefront, tmp_path, refund="partial", amount="99.00")
    assert run.outcome.status == "invalid"
    assert run.outcome.attempts == 1
    assert "order total" in run.outcome.message


def test_busy_after_commit_opens_exactly_one_dispute(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """Busy after the dispute was created: the reconcile finds it, and nothing is resubmitted."""
    run = run_agent(storefront, tmp_path, faults={"busy_after_commit": 1})
    assert run.outcome.status == "opened"
    assert len(run.disputes()) == 1
    assert run.outcome.dispute_id == run.disputes()[0]["dispute_id"]
    assert len(storefront.submissions()) == 1


def test_a_busy_modal_the_profile_cannot_read_is_closed_before_the_resend(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """A busy modal in a language the profile does not know (Russian, HTTP 200) reads as an
    unknown answer: checked, then resent. The retry step that says what it closes
    (``if_visible = "busy_modal"``) runs before that resend too, so the modal does not stay over
    Submit, and the dispute opens on the second submission."""
    bundled = (Path(agent.__file__).parent / "profiles" / "mock.toml").read_text(encoding="utf-8")
    english_only = bundled.replace('busy = { path = "status", equals = "busy" }\n', "").replace(
        'busy = ["busy_banner", "busy_toast", "busy_modal"]\n', ""
    )
    foreign = ("Система занята", "Système occupé", "Sistema ocupado", "系统繁忙")
    lines = english_only.splitlines()
    english_only = "\n".join(t for t in lines if not any(f in t for f in foreign)) + "\n"
    assert "busy_modal_close" in english_only and "Система" not in english_only
    profile_file = tmp_path / "english-only.toml"
    profile_file.write_text(english_only, encoding="utf-8")
    run = run_agent(
        storefront,
        tmp_path,
        faults={"busy_first": 1, "busy_style": "modal", "busy_status": 200, "language": "ru"},
        profile=load_profile(profile_file),
    )
    assert run.outcome.status == "opened", run.outcome.message
    attempts = [e for e in run.result["timeline"] if e["kind"] == "attempt"]
    assert [e["outcome"] for e in attempts] == ["unknown", "opened"]
    assert len(storefront.submissions()) == 2
