"""The profile format for a real site: element alternatives and texts, labels and eligibility
phrases in several languages, the pin's cookies; drift in result.json and in check's table."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from agent.outcome import DriftEntry, Outcome, Status
from agent.request import build_request
from agent.site.inspect import ElementLog, Finding, format_findings
from agent.site.locate import stuck_reason
from agent.site.profile import load_profile


def _mock_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "shop.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_element_may_list_alternatives_and_texts(tmp_path: Path) -> None:
    """A list of selectors, or the table form with a list and texts: the first is preferred."""
    path = _mock_with(
        tmp_path,
        'submit = "data-testid=submit-dispute"',
        'submit = ["data-testid=submit-dispute", "role=button[name=\'Submit\']", "text=Submit"]\n'
        'account_alt = { selector = ["#a", ".b"], texts = ["Hi", "Salut"] }',
    )
    profile = load_profile(path)
    submit = profile.elements["submit"]
    assert submit.selectors == (
        "data-testid=submit-dispute",
        "role=button[name='Submit']",
        "text=Submit",
    )
    assert submit.selector == "data-testid=submit-dispute"
    other = profile.elements["account_alt"]
    assert (other.selectors, other.texts, other.scope) == (("#a", ".b"), ("Hi", "Salut"), "page")
    assert other.describe() == "#a | .b with text 'Hi' | 'Salut'"


@pytest.mark.parametrize(
    ("new", "needle"),
    [
        ("submit = []", "elements.submit must be a Playwright selector"),
        ('submit = ["#a", ""]', "elements.submit must be a Playwright selector"),
        ('submit = ["#a", "#a"]', "elements.submit lists the same selector twice"),
        ('submit = { scope = "item" }', "elements.submit.selector is missing"),
        ("submit = { selector = [1] }", "elements.submit.selector must be"),
        ('submit = { selector = "#a", texts = [""] }', "elements.submit.texts must be"),
        ('submit = { selector = "#a", text = "Go" }', "elements.submit.text is not a key"),
    ],
)
def test_bad_alternatives_are_refused_naming_the_key(tmp_path: Path, new: str, needle: str) -> None:
    """A wrong alternatives value is one line naming the element, exit code 2."""
    path = _mock_with(tmp_path, 'submit = "data-testid=submit-dispute"', new)
    with pytest.raises(InvalidConfig) as info:
        load_profile(path)
    assert needle in str(info.value) and info.value.exit_code == 2


def test_reasons_and_eligibility_in_several_languages() -> None:
    """The aliexpress profile's reasons answer to their label in any of its five languages (the
    request then holds our code), and its eligibility phrases match in each."""
    profile = load_profile("aliexpress")
    for label in ("Colis non reçu", "Paket nicht erhalten", "Посылка не получена"):
        reason = profile.reasons.find(label)
        assert reason is not None and reason.code == "not_received"
        assert reason.label == "Didn't receive the package"
    request = build_request(
        order_id="1",
        received="no",
        reason="colis NON reçu",
        message="It never came.",
        reasons=profile.reasons,
    ).request
    assert request.reason == "not_received"
    french = "La protection acheteur de cette commande a pris fin. Les retours ..."
    rule = profile.explain_ineligible(french)
    assert rule is not None and rule.code == "protection_ended"
    assert profile.explain_ineligible("Вы приняли предложение продавца, поэтому") is not None


def test_the_pin_is_profile_data(tmp_path: Path) -> None:
    """[[pin.cookies]]: the aliexpress profile pins English; a bad cookie is refused."""
    [cookie] = load_profile("aliexpress").pin_cookies
    assert (cookie.name, cookie.path) == ("aep_usuc_f", "/")
    assert "b_locale=en_US" in cookie.value
    assert load_profile("mock").pin_cookies == ()
    for pin, needle in zip(
        (
            '[[pin.cookies]]\nname = "a b"\nvalue = "x"\n',
            '[[pin.cookies]]\nname = "lang"\nvalue = "en;fr"\n',
            '[[pin.cookies]]\nname = "lang"\nvalue = "en"\npath = "x"\n',
            '[[pin.cookies]]\nname = "lang"\nvalue = "en"\ndomain = "x"\n',
        ),
        ("pin.cookies[1].name", "pin.cookies[1].value", "pin.cookies[1].path", "domain"),
        strict=True,
    ):
        path = _mock_with(tmp_path, "[urls]", pin + "\n[urls]")
        with pytest.raises(InvalidConfig, match=needle.replace("[", r"\[").replace("]", r"\]")):
            load_profile(path)


def test_drift_is_in_result_json(tmp_path: Path) -> None:
    """An outcome's drift is written to result.json under "drift" and read back."""
    entry = DriftEntry(
        element="confirm",
        alternative=3,
        selector="text=Confirm",
        preferred="div.x--y--1234567 button",
        where="submit.steps[4] (confirm)",
    )
    outcome = Outcome(status=Status.OPENED, order_id="1", run_dir=tmp_path, drift=(entry,))
    assert outcome.to_json()["drift"] == [
        {
            "element": "confirm",
            "alternative": 3,
            "selector": "text=Confirm",
            "preferred": "div.x--y--1234567 button",
            "where": "submit.steps[4] (confirm)",
        }
    ]
    outcome.write()
    assert Outcome.read(tmp_path).drift == (entry,)
    assert Outcome(status=Status.OPENED, order_id="1").to_json()["drift"] == []


def test_checks_table_shows_drift_with_the_hint() -> None:
    """check's table has a drift column; an element found by an alternative says to update the
    profile, and is still found."""
    log = ElementLog(load_profile("aliexpress"))
    log.findings["elements.confirm"] = Finding(
        name="confirm", selector="…", where="submit.steps[4] (confirm)", use="required", visible=1
    )
    log.alternative_used("confirm", 3, "role=dialog >> role=button")
    log.findings["elements.next"] = Finding(
        name="next", selector="…", where="x", use="required", visible=1
    )
    table = format_findings(log)
    head, _, *rows = table.splitlines()
    assert head.split()[:4] == ["entry", "status", "matches", "drift"]
    confirm = next(r for r in rows if r.startswith("elements.confirm"))
    assert "found" in confirm and "alternative 3" in confirm
    assert "update the profile" in confirm and "role=dialog >> role=button" in confirm
    nxt = next(r for r in rows if r.startswith("elements.next"))
    assert " - " in nxt and "update" not in nxt
    assert log.ok and [f.name for f in log.drifted()] == ["confirm"]


def test_a_stuck_actions_reason_is_taken_from_playwrights_log() -> None:
    """The step's error says what Playwright saw (something in front), else nothing."""
    log = (
        "Locator.click: Timeout 10000ms exceeded.\nCall log:\n"
        "  - waiting for locator('x')\n    - element is visible, enabled and stable\n"
        '    - <div class="global-gdpr-mask"></div> intercepts pointer events\n'
        "  - retrying click action\n"
    )
    assert stuck_reason(Exception(log)) == (
        ': <div class="global-gdpr-mask"></div> intercepts pointer events'
    )
    assert stuck_reason(Exception("Timeout 5000ms exceeded.")) == ""


def test_every_hashed_element_of_the_aliexpress_profile_has_a_hash_free_alternative() -> None:
    """Each element whose preferred selector names a CSS-module hash, the run's and follow's
    alike, has another alternative that names none: a release of new hashes leaves it a match."""
    from mock_site.aliexpress.drift import HASHED_CLASS

    profile = load_profile("aliexpress")
    hashed = [e for e in profile.elements.values() if HASHED_CLASS.search(e.selectors[0])]
    names = {e.name for e in hashed}
    assert {"form", "confirm", "request_title", "request_disagreed", "evidence_submit"} <= names
    for element in hashed:
        assert any(not HASHED_CLASS.search(s) for s in element.selectors[1:]), element.name
