"""Draft profiles from the four fixtures, without a browser: what the writer puts in each, read
back by the profile loader."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from agent.cli.parser import build_parser
from agent.cli.profile_import import check_args
from agent.recording.draft import Draft, Recorded
from agent.recording.importing import ImportRequest, draft_recording, har_beside
from agent.recording.reasons import code_for
from agent.recording.writer import write_draft
from agent.site.profile import SiteProfile, load_profile
from tests.terminal import ROOT

RECORDINGS = ROOT / "tests" / "recordings"


def _draft(name: str, *, har: bool = True) -> tuple[Draft, str, SiteProfile]:
    path = RECORDINGS / name
    draft = draft_recording(ImportRequest(recording=path, har=har_beside(path) if har else None))
    text, profile = write_draft(draft, source="draft.toml")
    return draft, text, profile


def _elements(profile: SiteProfile, name: str) -> tuple[str, ...]:
    return profile.elements[name].selectors


def test_the_mock_codegen_recording_drafts_its_flow() -> None:
    """Login with placeholders, the pop-up, radio/select/text fields, the submit with its
    dialog, the busy modal's close as a retry step, the answers and the dispute link."""
    _, text, profile = _draft("mock-codegen.py")
    assert profile.order_path == "/order/{order_id}" and profile.login_path == "/login"
    assert [(s.action, s.element, s.text) for s in profile.login.steps] == [
        ("fill", "login_user", "{user}"),
        ("fill", "login_password", "{password}"),
        ("click", "login_submit", None),
    ]
    (opening,) = profile.open_steps
    assert opening.element == "open_dispute" and opening.new_page == "expected"
    fields = {f.name: f for f in profile.form.fields}
    assert list(fields) == ["received", "reason", "message"]
    assert fields["received"].kind == "radio"
    assert dict(fields["received"].options) == {"no": "received_no"}
    assert (fields["reason"].kind, fields["reason"].by) == ("select", "value")
    assert fields["message"].kind == "text"
    (submit,) = profile.submit_steps
    assert submit.dialog == "accept" and submit.element == "submit_dispute"
    (close,) = profile.retry.steps
    assert close.element == "busy_modal_close" and close.when.if_visible == "busy_modal_close"
    assert profile.answer.busy_texts == ("System busy, please try again later",)
    assert profile.answer.page is not None and profile.answer.page.result == "result"
    found = (
        profile.answer.page.success.search("Dispute D-000123 opened")
        if profile.answer.page.success
        else None
    )
    assert found is not None and found.group("dispute_id") == "D-000123"
    assert profile.dispute.element == "existing_dispute" and profile.dispute.attribute is None
    assert profile.dispute.id_in("Dispute D-000042 is open") == "D-000042"
    assert profile.dispute.id_in("Order D-000042") is None  # anchored on the words before it
    assert "demo" not in text.split("[elements]")[1]  # what was typed is never kept


def test_the_codegen_har_gives_the_submit_request_and_its_json() -> None:
    """The HAR beside a codegen script: the request sent once per sending of the form (not the
    login, not the beacons), and JSON rules that read its recorded answers right."""
    _, _, mock = _draft("mock-codegen.py")
    assert mock.answer.request.shown == "**/order/*/dispute"
    assert mock.answer.request.matches("POST", "http://127.0.0.1:9/order/2001/dispute")
    assert not mock.answer.request.matches("POST", "http://127.0.0.1:9/login")
    _, _, ae = _draft("aliexpress-codegen.py")
    assert ae.answer.request.shown == "**/h5/mtop.ae.reverse.submit/1.0/*"
    assert not ae.answer.request.matches("POST", "http://127.0.0.1:9/gw/aplus/track")
    har = json.loads((RECORDINGS / "aliexpress-codegen.har").read_text(encoding="utf-8"))
    answers = [
        json.loads(e["response"]["content"]["text"])
        for e in har["log"]["entries"]
        if "mtop.ae.reverse.submit" in e["request"]["url"]
    ]
    assert ae.answer.json is not None
    busy, opened = (ae.answer.json.judge(a) for a in answers)
    assert busy.kind == "busy" and busy.message == "The system is busy. Please try again later."
    assert opened.kind == "opened" and opened.dispute_id == "5000000001007135"
    gateway = {"ret": ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::x"], "data": {}}
    assert ae.answer.json.judge(gateway).kind != "opened"


def test_the_aliexpress_codegen_recording_drafts_its_wizard() -> None:
    """Two-step login by Enter, the received question's answer as a condition, the dropdown,
    the wizard's three submit steps, a retry from Submit, the request's href as the dispute."""
    draft, _, profile = _draft("aliexpress-codegen.py")
    assert [s.action for s in profile.login.steps] == ["fill", "press", "fill", "press"]
    assert profile.login_path == "/p/order/detail.html?orderId=1001"
    assert [s.element for s in profile.open_steps] == ["accept_cookies", "returns_refunds", "no"]
    assert profile.open_steps[2].when.request == (("received", ("no",)),)
    reason = profile.form.fields[0]
    assert (reason.kind, reason.option, reason.shown) == ("dropdown", "reason_option", "reason")
    assert _elements(profile, "reason_option") == ("role=option",)
    assert [s.name for s in profile.submit_steps] == ["next_step", "submit", "confirm"]
    assert (profile.retry.kept, profile.retry.from_step) == ("submit", "submit")
    assert [s.element for s in profile.retry.steps] == ["ok"]
    assert profile.dispute.attribute == "href"
    assert profile.dispute.pattern.pattern == r"reverseOrderId=(?P<dispute_id>\d{16})"  # the HAR's
    assert profile.dispute.id_in("/p/reverse-pages/detail.html?reverseOrderId=5000000000077135")
    assert profile.dispute.id_in("3044357010127135") is None  # a 16-digit order id is no dispute
    assert profile.check.is_harmless("POST", "http://127.0.0.1:9/gw/aplus/track")  # the beacon
    assert not profile.check.is_harmless(
        "POST", "http://127.0.0.1:9/h5/mtop.ae.reverse.submit/1.0/"
    )
    (reason_row,) = profile.reasons.reasons
    assert (reason_row.label, reason_row.code, reason_row.received) == (
        "Didn't receive the package",
        "not_received",
        False,
    )
    assert any("whole page" in t for t in draft.todos)  # codegen checked the id on <body>


def test_the_chrome_recordings_draft_alternatives_and_todos() -> None:
    """The Recorder's alternatives, stable first and hashed classes last with their prefixes;
    no network data: the submit request is a TODO; the success by its element, the id a
    pattern even in the element's text selector."""
    _, text, profile = _draft("mock-chrome.json")
    assert profile.answer.request.shown == "**/TODO-the-submit-request"
    assert any("[answer] url" in line or "submit request" in line for line in text.splitlines())
    assert _elements(profile, "received_no")[0] == 'internal:label="No"s'
    assert r"text=/Dispute D-\d{6} opened/" in _elements(profile, "result")
    assert profile.answer.page is not None and profile.answer.page.busy == ("busy_answer",)
    _, _, ae = _draft("aliexpress-chrome.json")
    message = _elements(ae, "message")
    name = "Please describe the problem in detail to help the seller understand your request"
    assert message[:2] == (f'internal:label="{name}"s', f'[placeholder="{name}"]')
    assert message[-2:] == (
        "xpath=/html/body/div[1]/div/div[3]/div[5]/textarea",
        "textarea.commet--textarea--Sg0xapL",
    )
    assert 'textarea[class*="commet--textarea--"]' in message
    assert ae.dispute.attribute == "href"  # anchored on the URL the link opened (its target)
    assert ae.dispute.pattern.pattern == r"reverseOrderId=(?P<dispute_id>\d{16})"


def test_a_typed_password_never_reaches_the_draft(tmp_path: Path) -> None:
    """The password the person typed is in the recording; the draft has {password} instead."""
    script = (RECORDINGS / "mock-codegen.py").read_text(encoding="utf-8")
    secret = "s3cret-Pa55word"
    parts = script.split('.fill("demo")')
    assert len(parts) == 3
    script = parts[0] + '.fill("shopper@example.com")' + parts[1] + f'.fill("{secret}")' + parts[2]
    path = tmp_path / "flow.py"
    path.write_text(script, encoding="utf-8")
    draft = draft_recording(ImportRequest(recording=path))
    text, profile = write_draft(draft, source="draft.toml")
    assert secret not in text and "shopper@example.com" not in text
    assert [s.text for s in profile.login.steps if s.action == "fill"] == ["{user}", "{password}"]


def test_a_written_draft_loads_as_a_profile(tmp_path: Path) -> None:
    """The file the import writes is a profile the loader accepts as it is."""
    draft, text, _ = _draft("aliexpress-chrome.json")
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    assert load_profile(path).name == draft.name == "shop"
    assert tomllib.loads(text)["base_url"] == "http://127.0.0.1:8000"


def _labels() -> list[tuple[str, str]]:
    out = []
    for name in ("mock", "aliexpress"):
        for reason in load_profile(name).reasons.reasons:
            assert reason.code is not None
            out.append((reason.label, reason.code))
    return out


@pytest.mark.parametrize(("label", "code"), _labels())
def test_the_bundled_profiles_reasons_get_their_codes_from_their_words(
    label: str, code: str
) -> None:
    """Every English label of both bundled profiles is guessed as its own code (and said to
    be a guess); a select's value that is our code is exact."""
    assert code_for(label) == (code, True)
    assert code_for("Whatever", code) == (code, False)
    assert code_for("Paket nicht erhalten") == (None, False)


def test_the_imports_check_has_every_argument_the_check_command_has(tmp_path: Path) -> None:
    """The check run after an import gets a namespace with every argument `retry-dispute check`
    parses (a request flag added to check, --quantity, would crash the import's check)."""
    draft = Draft(name="s", source="r.json", base_url="https://shop.example", order_path="/o")
    draft.recorded = Recorded(order_id="1002", received=True, reason="damaged")
    parsed = build_parser().parse_args(
        ["check", "--site", "https://shop.example", "--profile", "p.toml", "--order", "1"]
    )
    given = check_args(parsed, draft, tmp_path / "p.toml", "https://shop.example")
    # the command's name, and the console's options (set up before the command, read with defaults)
    global_options = {"command", "log_format", "verbose", "quiet"}
    assert set(vars(parsed)) - global_options <= set(vars(given))
