"""PostShop, a classic server-rendered store (tests/e2e/postshop/), driven by its profile alone.

Every step is a form POST answered by a redirect, the return is a five-page wizard whose pages
3 to 5 are reached by the submit steps, busy is a 503 page or an alert, the form lists the
order's items, and one account gets a one-time-code page after its password (issue 25, the
second store). Runs that make a user-visible promise go through the CLI.
"""

from __future__ import annotations

import json
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
from agent.site.profile import SiteProfile, load_profile
from mock_site.testing import SAMPLE_JPEG
from tests.e2e.postshop.app import MESSAGE_MAXLENGTH, PostShop
from tests.safety.helpers import AgentLoop, cli

pytestmark = pytest.mark.browser

PROFILE = Path(__file__).resolve().parent / "postshop" / "postshop.toml"
FAST = RetryPolicy(initial_wait_s=0.01, max_wait_s=0.04, jitter=False, max_attempts=4)
MESSAGE = "The lamp arrived with its glass shade broken."
POLICY_FLAGS = ["--initial-wait", "0.01", "--max-wait", "0.05", "--max-attempts", "4"]


@pytest.fixture(scope="module")
def loop() -> Iterator[AgentLoop]:
    """One browser in a loop thread for the module."""
    with AgentLoop(timeout_s=300) as running:
        yield running


@pytest.fixture(scope="module")
def served() -> Iterator[PostShop]:
    """PostShop on a free port, for the module."""
    with PostShop() as shop:
        yield shop


@pytest.fixture
def shop(served: PostShop) -> PostShop:
    """PostShop back to its seeded orders, no faults."""
    served.reset()
    return served


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo account's credentials in the environment, for CLI runs."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo@post.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")


def photo(tmp_path: Path) -> Path:
    """A JPEG photo."""
    path = tmp_path / "lamp.jpg"
    path.write_bytes(SAMPLE_JPEG)
    return path


def run(
    loop: AgentLoop,
    shop: PostShop,
    tmp_path: Path,
    *,
    profile: SiteProfile | None = None,
    **fields: Any,
) -> Outcome:
    """Open a return on PostShop through the API, with the demo account."""
    chosen = profile or load_profile(PROFILE)
    values: dict[str, Any] = {
        "order_id": "700",
        "received": "no",
        "reason": "not_received",
        "message": MESSAGE,
        **fields,
    }
    prepared = build_request(
        **values,
        rules=chosen.evidence,
        reasons=chosen.reasons,
        message_limits=chosen.message_limits,
    )
    options = RunOptions(
        site=shop.url,
        profile=chosen,
        policy=FAST,
        out_dir=tmp_path / "runs",
        session=Session(credentials=Credentials("demo@post.test", "demo")),
        state_dir=tmp_path / "state",
        trace="off",
    )

    async def no_sleep(_: float) -> None:
        return None

    runtime = Runtime(sleep=no_sleep, browser=loop.browser)
    return loop.run(open_dispute_async(prepared, options, runtime=runtime))


def cli_run(shop: PostShop, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], Path]:
    """``retry-dispute run`` on PostShop; the exit code, result.json and the run folder."""
    out = tmp_path / "runs"
    code = cli(
        [
            "run",
            "--site",
            shop.url,
            "--profile",
            str(PROFILE),
            "--out",
            str(out),
            *POLICY_FLAGS,
            *list(args),
        ]
    )
    folders = sorted(p for p in out.iterdir() if (p / "result.json").is_file())
    assert folders, f"no run folder (exit {code})"
    return code, json.loads((folders[-1] / "result.json").read_text()), folders[-1]


def variant(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the profile with one text replaced."""
    text = PROFILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_every_wizard_page_the_items_a_replacement_and_what_the_form_held(
    shop: PostShop, tmp_path: Path, signed: None
) -> None:
    """Three bulbs of order 701 replaced, busy once as an alert: every page of the wizard is
    photographed once (pages 3 to 5 by the submit steps), and result.json and the report
    record what the form held when it was sent."""
    shop.state.busy_first, shop.state.busy_style = 1, "alert"
    code, result, folder = cli_run(
        shop,
        tmp_path,
        *("--order", "701", "--item", "B-2", "--quantity", "3", "--received", "yes"),
        *("--reason", "damaged", "--solution", "replacement", "--message", MESSAGE),
        *("--evidence", str(photo(tmp_path))),
    )
    assert code == 0, result["message"]
    created = shop.state.returns[-1]
    assert created["skus"] == {"B-2": 3}
    assert (created["solution"], created["reason"], created["photos"]) == (
        "replacement",
        "broken",
        ["lamp.jpg"],
    )
    assert shop.state.submits == ["busy", "created"]  # the alert kept the draft: Submit again
    names = [Path(s).stem.split("-", 1)[1] for s in result["screenshots"]]
    for page in ("click-start", "click-continue-2", "click-continue-3", "click-continue-4"):
        assert names.count(page) == 1, names
    assert (
        names.index("click-continue-2")
        < names.index("click-continue-4")
        < names.index("attempt-1-busy")
    )
    assert result["form"] == {
        "items": "B-2 x 3",
        "received": "yes",
        "reason": "Arrived damaged",
        "solution": "replacement",
        "refund": "full",
        "message": MESSAGE,
        "evidence": "1 file",
    }
    assert result["request"]["quantity"] == 3
    report = (folder / "report.html").read_text()
    assert "What the form held when it was sent" in report and "B-2 x 3" in report


def test_busy_as_a_503_page_reopens_the_form_and_sends_it_again(
    loop: AgentLoop, shop: PostShop, tmp_path: Path
) -> None:
    """An HTTP 503 page, then the return: the form is opened again, refilled and sent; one
    return, the single-use tokens never reused."""
    shop.state.busy_first = 1
    outcome = run(loop, shop, tmp_path)
    assert outcome.status == "opened", outcome.message
    assert outcome.attempts == 2
    assert shop.state.submits == ["busy", "created"]
    assert [r["order"] for r in shop.state.returns].count("700") == 1


def test_an_order_of_several_items_without_an_item_is_refused_listing_them(
    shop: PostShop, tmp_path: Path, signed: None
) -> None:
    """Order 701 has a lamp and bulbs: without --item the order page's items are listed and
    nothing is started (exit 2)."""
    code, result, _ = cli_run(
        shop,
        tmp_path,
        *("--order", "701", "--received", "no", "--reason", "not_received"),
        *("--message", MESSAGE),
    )
    assert code == 2
    assert result["status"] == "invalid"
    assert "order 701 has 2 items: A-1 (Desk lamp" in result["message"]
    assert "B-2 (Light bulbs" in result["message"]
    assert "--item" in result["hint"]
    assert shop.state.drafts == {}  # "Request a return" was never pressed


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        (
            {"message": "It came broken. " * 22 + "Sorry."},
            f"but the form's message field takes at most {MESSAGE_MAXLENGTH} (its maxlength)",
        ),
        (
            {"refund": "partial", "amount": "30"},
            "30.00 is more than the form takes (at most 24.50, its max)",
        ),
        (
            {"order_id": "701", "item": "B-2", "quantity": "5"},
            "5 of item B-2, but the form takes at most 4",
        ),
    ],
    ids=["maxlength", "amount-max", "quantity-max"],
)
def test_the_limits_the_form_declares_refuse_before_anything_is_typed(
    loop: AgentLoop, shop: PostShop, tmp_path: Path, fields: dict[str, str], said: str
) -> None:
    """A message past the textarea's maxlength (the browser would cut it), an amount past the
    amount's max, a quantity past the order's: refused before typing, nothing sent."""
    outcome = run(loop, shop, tmp_path, **fields)
    assert outcome.status == "invalid"
    assert said in outcome.message
    assert shop.state.submits == []
    assert not any("form-filled" in s for s in outcome.screenshots)


def test_a_one_time_code_after_the_password_is_named_and_photographed(
    shop: PostShop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OTP account's code page after the password: needs_human (exit 5), saying to log in
    once with `retry-dispute login`, with the code page's screenshot."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "otp@post.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    code, result, _ = cli_run(
        shop,
        tmp_path,
        *("--order", "700", "--received", "no", "--reason", "not_received", "--message", MESSAGE),
    )
    assert code == 5
    assert result["status"] == "needs_human"
    assert "the site asks for a verification code" in result["message"]
    assert "elements.code_form" in result["message"]
    assert "log in once with `retry-dispute login` and reuse the session" in result["hint"]
    assert any(s.endswith("-verification-code.png") for s in result["screenshots"])
    assert shop.state.drafts == {}


def test_a_damaged_item_without_a_photo_is_refused_before_the_browser(
    shop: PostShop, tmp_path: Path, signed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """photo_required_reasons = ["damaged"]: no photo, exit 2 before the site is opened."""
    sessions = len(shop.state.sessions)
    code = cli(
        [
            "run",
            "--site",
            shop.url,
            "--profile",
            str(PROFILE),
            "--out",
            str(tmp_path / "runs"),
            "--order",
            "700",
            "--received",
            "yes",
            "--reason",
            "damaged",
            "--message",
            MESSAGE,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "no photo attached" in err and "the reason damaged needs a photo" in err
    assert len(shop.state.sessions) == sessions  # nobody signed in


def test_a_store_that_takes_no_evidence(
    loop: AgentLoop, shop: PostShop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """max_files = 0 and no files field: a received item opens without a photo; a file given
    is refused before the browser."""
    text = PROFILE.read_text(encoding="utf-8")
    start = text.index('[[form.fields]]\nname = "evidence"')
    text = text[:start] + text[text.index("[[submit.steps]]") :]
    text = text.replace('photo_required_reasons = ["damaged"]', "max_files = 0")
    path = tmp_path / "no-evidence.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile(path)
    assert profile.evidence.max_files == 0
    outcome = run(loop, shop, tmp_path, profile=profile, received="yes", reason="wrong_item")
    assert outcome.status == "opened", outcome.message
    assert shop.state.returns[-1]["photos"] == []
    code = cli(
        [
            "run",
            "--site",
            shop.url,
            "--profile",
            str(path),
            "--order",
            "700",
            "--received",
            "yes",
            "--reason",
            "wrong_item",
            "--message",
            MESSAGE,
            "--evidence",
            str(photo(tmp_path)),
            "--out",
            str(tmp_path / "runs"),
        ]
    )
    assert code == 2
    assert "the site takes no evidence files" in capsys.readouterr().err


def test_check_reports_the_items_and_is_content_with_orders_that_cannot_take_a_return(
    shop: PostShop, tmp_path: Path, signed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """check on order 701's bulbs finds the items field's boxes (exit 0); on an order past its
    window or with a return open, it says why the form was not reached, exit 0."""

    def check(order: str, *more: str) -> tuple[int, str]:
        code = cli(
            [
                "check",
                "--site",
                shop.url,
                "--profile",
                str(PROFILE),
                "--order",
                order,
                "--received",
                "no",
                "--reason",
                "not_received",
                "--message",
                MESSAGE,
                "--out",
                str(tmp_path / "out"),
                *more,
            ]
        )
        return code, capsys.readouterr().out

    code, out = check("701", "--item", "B-2", "--quantity", "2")
    assert code == 0, out
    rows = {
        line.split()[0]: line.split()[1]
        for line in out.splitlines()
        if line.startswith("elements.")
    }
    assert rows["elements.item_box"] == "found" and rows["elements.item_qty"] == "found"
    assert shop.state.submits == []
    code, out = check("702")
    assert code == 0, out
    assert "the form was not reached: the order page says not eligible" in out
    code, out = check("703")
    assert code == 0, out
    assert "the form was not reached: the order page says a dispute is open (R-77)" in out


def test_a_selector_playwright_refuses_is_one_line_naming_the_entry(
    shop: PostShop, tmp_path: Path, signed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """``start = "button[id="``: check and run both end with one line naming elements.start
    (exit 2), not an unexpected error."""
    path = variant(tmp_path, 'start = "#start-return"', 'start = "button[id="')
    common = ["--site", shop.url, "--profile", str(path), "--order", "700"]
    request = ["--received", "no", "--reason", "not_received", "--message", MESSAGE]
    for command in ("check", "run"):
        code = cli([command, *common, *request, "--out", str(tmp_path / command)])
        said = capsys.readouterr()
        printed = said.out + said.err
        assert code == 2, printed
        assert "elements.start ('button[id=') is a selector Playwright refuses" in printed
        assert "this is a bug" not in printed and "Traceback" not in printed
    [folder] = (tmp_path / "run").iterdir()
    result = json.loads((folder / "result.json").read_text())
    assert result["reason_code"] == "profile_mismatch"  # ours to fix: no support ticket
    assert not (folder / "support-ticket.md").exists()
    assert shop.state.drafts == {}


def test_check_names_an_open_step_whose_form_post_it_blocks(
    shop: PostShop, tmp_path: Path, signed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without [[check.harmless]], "Request a return" is a POST check blocks: its navigation
    never comes, and check names the step and the request (exit 2), not an unexpected error."""
    text = PROFILE.read_text(encoding="utf-8")
    path = tmp_path / "no-harmless.toml"
    path.write_text(text[: text.index("# `retry-dispute check` blocks")], encoding="utf-8")
    code = cli(
        [
            "check",
            "--site",
            shop.url,
            "--profile",
            str(path),
            "--order",
            "700",
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            MESSAGE,
            "--out",
            str(tmp_path / "out"),
        ]
    )
    said = capsys.readouterr()
    assert code == 2, said.err
    assert "blocked: open.steps[1] (click-start) sent POST /returns/start" in said.out
    assert "the page the click leads to did not load" in said.out
    assert "this is a bug" not in said.err
    assert shop.state.drafts == {}


def test_login_headless_stops_at_a_one_time_code_saying_so(
    shop: PostShop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`login --headless` for the OTP account: the code page is named (exit 5), nothing saved
    (a window lets the person type the code)."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "otp@post.test")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    saved = tmp_path / "session.json"
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
    assert "the site asks for a verification code after the login steps" in err
    assert not saved.exists()
