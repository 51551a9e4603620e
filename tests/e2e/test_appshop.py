"""AppShop, a single-page app (tests/e2e/appshop/), driven by its profile alone.

A sign-in modal, the return form in an iframe (``form.frame``), the reason as radio choices
with descriptions in a shadow root (the ``choice`` kind), the order's items with ``{item}`` in
their selectors, a drop zone for photos, a review step with a required check box, a busy overlay
with a countdown and GraphQL on one URL (issue 25, the first store).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.api import open_dispute_async
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import Outcome
from agent.request import build_request
from agent.session import Credentials, Session
from agent.site.profile import load_profile
from mock_site.testing import SAMPLE_JPEG
from tests.e2e.appshop.app import NOTE_MAX, AppShop
from tests.safety.helpers import AgentLoop, cli

pytestmark = pytest.mark.browser

PROFILE = Path(__file__).resolve().parent / "appshop" / "appshop.toml"
FAST = RetryPolicy(initial_wait_s=0.01, max_wait_s=0.04, jitter=False, max_attempts=4)
MESSAGE = "The kettle arrived with a cracked lid."
REQUEST = ["--received", "no", "--reason", "not_received", "--message", MESSAGE]


@pytest.fixture(scope="module")
def loop() -> Iterator[AgentLoop]:
    """One browser in a loop thread for the module."""
    with AgentLoop(timeout_s=300) as running:
        yield running


@pytest.fixture(scope="module")
def served() -> Iterator[AppShop]:
    """AppShop on a free port, for the module."""
    with AppShop() as shop:
        yield shop


@pytest.fixture
def shop(served: AppShop) -> AppShop:
    """AppShop back to its seeded orders, no faults."""
    served.reset()
    return served


def run(
    loop: AgentLoop,
    shop: AppShop,
    tmp_path: Path,
    *,
    waits: list[float] | None = None,
    **fields: Any,
) -> Outcome:
    """Open a request on AppShop through the API, signing in with the demo account (the waits
    the policy asked for go into *waits*)."""
    profile = load_profile(PROFILE)
    values: dict[str, Any] = {
        "order_id": "800",
        "received": "no",
        "reason": "not_received",
        "message": MESSAGE,
        **fields,
    }
    prepared = build_request(
        **values,
        rules=profile.evidence,
        reasons=profile.reasons,
        message_limits=profile.message_limits,
    )
    options = RunOptions(
        site=shop.url,
        profile=profile,
        policy=FAST,
        out_dir=tmp_path / "runs",
        session=Session(credentials=Credentials("demo@app.test", "demo")),
        state_dir=tmp_path / "state",
        trace="off",
    )

    async def no_sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)

    runtime = Runtime(sleep=no_sleep, browser=loop.browser)
    return loop.run(open_dispute_async(prepared, options, runtime=runtime))


def variant(tmp_path: Path, old: str, new: str, name: str = "variant.toml") -> Path:
    """A copy of the profile with one text replaced."""
    text = PROFILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_form_in_a_frame_with_choices_in_a_shadow_root_items_and_photos(
    loop: AgentLoop, shop: AppShop, tmp_path: Path
) -> None:
    """Two of order 801's six mugs, arrived damaged, with a photo dropped in the drop zone: the
    frame, the shadow root's choice, the {item} boxes, the review check box: one request."""
    picture = tmp_path / "mugs.jpg"
    picture.write_bytes(SAMPLE_JPEG)
    outcome = run(
        loop,
        shop,
        tmp_path,
        order_id="801",
        item="M-2",
        quantity="2",
        received="yes",
        reason="damaged",
        evidence=[picture],
    )
    assert outcome.status == "opened", outcome.message
    created = shop.state.returns[-1]
    assert outcome.dispute_id == created["id"]
    assert created["items"] == [{"id": "M-2", "qty": 2}]
    assert (created["received"], created["reason"], created["photos"]) == (
        "yes",
        "R2",
        ["mugs.jpg"],
    )
    assert outcome.form["reason"] == "Arrived damaged"  # the checked choice, read back
    assert outcome.form["items"] == "M-2 x 2"


def test_a_message_the_app_cuts_is_refused_before_anything_is_sent(
    shop: AppShop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app keeps the first 200 characters of the message (no maxlength to read): the form
    is read back before the first submission, the run is refused saying what it takes."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo@app.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    message = "The kettle arrived with a cracked lid and a bent spout. " * 5
    out = tmp_path / "runs"
    code = cli(
        [
            "run",
            "--site",
            shop.url,
            "--profile",
            str(PROFILE),
            "--order",
            "800",
            "--out",
            str(out),
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            message,
        ]
    )
    [folder] = out.iterdir()
    result = json.loads((folder / "result.json").read_text())
    assert code == 2 and result["status"] == "invalid"
    assert (
        f"kept {NOTE_MAX} of the message's {len(message.strip())} characters" in result["message"]
    )
    assert f"shorten the message to {NOTE_MAX} characters" in result["hint"]
    assert "ValidateReturn" not in shop.state.calls and "CreateReturn" not in shop.state.calls
    assert any(s.endswith("-form-filled.png") for s in result["screenshots"])


def test_check_reports_the_frame_and_a_missing_frame_as_its_own_row(
    shop: AppShop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """check finds the form's frame and the choices in its shadow root; with a wrong frame
    selector the frame's row says missing and the elements inside point at it."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo@app.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")

    def check(profile: Path) -> tuple[int, dict[str, str]]:
        code = cli(
            [
                "check",
                "--site",
                shop.url,
                "--profile",
                str(profile),
                "--order",
                "800",
                *REQUEST,
                "--out",
                str(tmp_path / "out"),
            ]
        )
        out = capsys.readouterr().out
        rows = {line.split("  ")[0].strip(): line for line in out.splitlines() if "  " in line}
        return code, rows

    code, rows = check(PROFILE)
    assert code == 0, rows
    assert rows["form.frame"].split()[1] == "found"
    assert rows["elements.reason_choice"].split()[1] == "found"
    assert rows["elements.item_pick"].split()[1] == "found"
    broken = variant(tmp_path, 'frame = "iframe#return-frame"\n', 'frame = "iframe#claim"\n')
    code, rows = check(broken)
    assert code == 2
    assert rows["form.frame"].split()[1] == "missing"
    assert "no frame matches" in rows["form.frame"]
    assert "its frame (form.frame) is missing" in rows["elements.return_form"]
    assert shop.state.creates() == 0


def test_login_saves_the_session_storage_token_and_a_run_uses_it(
    shop: AppShop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without "Keep me signed in" the token lives in sessionStorage: login saves it (0600),
    checks it opens the site signed in from a fresh browser, and a run without credentials
    opens the request with it."""
    profile = variant(tmp_path, '[[login.steps]]\nclick = "keep"\n\n', "", "session.toml")
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo@app.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    saved = tmp_path / "appshop-session.json"
    code = cli(
        [
            "login",
            "--site",
            shop.url,
            "--profile",
            str(profile),
            "--save-session",
            str(saved),
            "--headless",
        ]
    )
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "checked: it opens the site signed in from a fresh browser" in said.out
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    state = json.loads(saved.read_text())
    [origin] = state["sessionStorage"]
    assert origin["origin"] == shop.url
    assert [i["name"] for i in origin["items"]] == ["appshop.token"]
    monkeypatch.delenv("RETRY_DISPUTE_USER")
    monkeypatch.delenv("RETRY_DISPUTE_PASSWORD")
    out = tmp_path / "runs"
    code = cli(
        [
            "run",
            "--site",
            shop.url,
            "--profile",
            str(profile),
            "--order",
            "800",
            *REQUEST,
            "--storage-state",
            str(saved),
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().out
    assert shop.state.returns[-1]["order"] == "800"


def test_login_does_not_save_a_session_that_a_fresh_browser_does_not_keep(
    shop: AppShop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A token kept only in the page's memory: the fresh browser is not signed in, so login
    says so (exit 5) and writes no file."""
    shop.state.token_store = "memory"
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo@app.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    saved = tmp_path / "appshop-session.json"
    code = cli(
        [
            "login",
            "--site",
            shop.url,
            "--profile",
            str(PROFILE),
            "--save-session",
            str(saved),
            "--headless",
        ]
    )
    err = capsys.readouterr().err
    assert code == 5
    assert "signed in from a fresh browser: the site did not keep the login" in err
    assert not saved.exists()


def test_graphql_busy_in_an_http_200_is_read_from_the_submission_itself(
    loop: AgentLoop, shop: AppShop, tmp_path: Path
) -> None:
    """Every call is POST /graphql; clicking Review and Submit sends Track and ValidateReturn
    first. Only CreateReturn's answer is the submission's ([answer] body): its BUSY in
    errors[*].extensions.code inside an HTTP 200, and its Retry-After (3 s), are honoured."""
    shop.state.busy_first, shop.state.retry_after_s = 1, 3
    waits: list[float] = []
    outcome = run(loop, shop, tmp_path, waits=waits)
    assert outcome.status == "opened", outcome.message
    assert outcome.attempts == 2
    [busy, opened] = [e for e in outcome.timeline if e.kind == "attempt"]
    assert (busy.outcome, busy.status_code) == ("busy", 200)
    assert busy.detail == "Servers are busy, try again shortly"
    assert opened.outcome == "opened"
    # the site's Retry-After (3 s), counted from its answer (the overlay's 1 s countdown was
    # waited out since), not the policy's backoff (at most 0.04 s)
    assert 1.0 <= waits[0] <= 3.0, waits
    assert shop.state.calls.count("CreateReturn") == 2
    assert outcome.dispute_id == shop.state.returns[-1]["id"]
