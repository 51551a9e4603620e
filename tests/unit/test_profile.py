"""Site profiles: the bundled one loads, and a bad one is refused naming the key."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from agent.site.profile import load_profile


def _bundled_text() -> str:
    return (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")


def test_bundled_profile_loads() -> None:
    """The mock profile loads with its selectors, busy texts in six languages and URLs."""
    profile = load_profile("mock")
    assert profile.name == "mock"
    assert len(profile.texts.busy) == 6
    assert (
        profile.order_url("1001", base_url="http://127.0.0.1:9/") == "http://127.0.0.1:9/order/1001"
    )
    assert profile.selectors.submit == "data-testid=submit-dispute"


def test_busy_texts_match_in_any_language() -> None:
    """is_busy finds the busy phrase inside a longer text, case-insensitively, in any language."""
    texts = load_profile("mock").texts
    assert texts.is_busy("Error: SYSTEM BUSY, please try again later!")
    assert texts.is_busy("系统繁忙\uff0c请稍后再试")  # with its full-width comma
    assert texts.is_busy("Dispute D-000100 opened") is None


def test_eligibility_phrases_explain_the_reason() -> None:
    """The order page's words map to a reason code and a plain explanation."""
    rule = load_profile("mock").explain_ineligible("Buyer protection ended 5 days ago.")
    assert rule is not None and rule.code == "protection_ended"


def test_profile_from_file(tmp_path: Path) -> None:
    """A profile TOML file given by path loads like the bundled one."""
    path = tmp_path / "shop.toml"
    path.write_text(_bundled_text().replace('name = "mock"', 'name = "shop"'))
    assert load_profile(path).name == "shop"


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('name = "mock"', 'name = "mock"\ncolour = "red"', "colour"),
        ('submit = "data-testid=submit-dispute"\n', "", "selectors.submit"),
        (
            "success = 'Dispute (?P<dispute_id>D-\\d+) opened'",
            "success = 'Dispute (D-\\d+) opened'",
            "dispute_id",
        ),
        ('order = "/order/{order_id}"', 'order = "/order"', "urls.order"),
        ("max_files = 6", "max_files = 0", "max_files"),
        ("answer_s = 30", "answer_s = -1", "timeouts.answer_s"),
        ('base_url = "http://127.0.0.1:8000"', 'base_url = "ftp://x"', "base_url"),
    ],
)
def test_bad_profile_is_refused_naming_the_key(
    tmp_path: Path, old: str, new: str, needle: str
) -> None:
    """Each mistake in a profile is one line naming the file and the key, exit code 2."""
    text = _bundled_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(InvalidConfig) as info:
        load_profile(path)
    message = str(info.value)
    assert needle in message and str(path) in message
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_unknown_bundled_profile_and_corrupt_file(tmp_path: Path) -> None:
    """An unknown profile name and a file that is not TOML are refused clearly."""
    with pytest.raises(InvalidConfig, match="no such bundled profile"):
        load_profile("nosuchshop")
    path = tmp_path / "broken.toml"
    path.write_text("name = [")
    with pytest.raises(InvalidConfig, match="not valid TOML"):
        load_profile(path)


def test_bundled_profile_is_valid_toml() -> None:
    """The bundled profile parses as TOML on its own."""
    assert "selectors" in tomllib.loads(_bundled_text())
