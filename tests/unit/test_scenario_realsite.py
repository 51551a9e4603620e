"""Scenarios of the real site, without a browser: the pin removed, drift expected, faults added
to every scenario from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from agent.site.profile import load_profile
from mock_site.scenarios import Expectation, Observed, check, load_scenario, load_scenarios
from mock_site.scenarios.options import parse_fault_args

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"
CASE = """\
description = "A French store."
storefront = "aliexpress"
%s
[faults]
ui_language = "fr"

[request]
order_id = "1001"
received = "no"
reason = "Colis non reçu"
message = "My parcel has not arrived after 40 days."

[expect]
status = "opened"
%s
"""


def write(tmp_path: Path, profile: str = "", expect: str = "") -> Path:
    """A scenario file with these [profile] lines and [expect] lines."""
    path = tmp_path / "case.toml"
    path.write_text(CASE % (profile, expect), encoding="utf-8")
    return path


def test_profile_pin_false_runs_without_the_pin(tmp_path: Path) -> None:
    """[profile] pin = false drops the profile's pin cookies for that scenario only."""
    profile = load_profile("aliexpress")
    pinned = load_scenario(write(tmp_path))
    assert pinned.profile_for(profile).pin_cookies == profile.pin_cookies != ()
    unpinned = load_scenario(write(tmp_path, "[profile]\npin = false\n"))
    assert unpinned.profile_for(profile).pin_cookies == ()
    with pytest.raises(InvalidConfig, match=r'"profile\.pin" must be true or false'):
        load_scenario(write(tmp_path, '[profile]\npin = "no"\n'))
    with pytest.raises(InvalidConfig, match=r"profile\.cookies"):
        load_scenario(write(tmp_path, "[profile]\ncookies = false\n"))


@pytest.mark.parametrize(
    ("expect", "drift", "problems"),
    [
        ("drift = true", (), ["drift: expected some in result.json, got none"]),
        ("drift = true", ("form",), []),
        ("drift = false", ("form", "next"), ["drift: expected none, got form, next"]),
        ("drift = false", (), []),
        (
            'drift = ["form", "confirm"]',
            ("form",),
            ["drift: confirm is not in result.json's drift"],
        ),
        ('drift = ["form"]', ("form", "next"), []),
    ],
)
def test_expect_drift(
    tmp_path: Path, expect: str, drift: tuple[str, ...], problems: list[str]
) -> None:
    """expect.drift: some, none, or at least the elements named, in result.json's drift."""
    scenario = load_scenario(write(tmp_path, expect=expect))
    assert isinstance(scenario.expect, Expectation)
    assert list(check(scenario.expect, Observed(status="opened", drift=drift))) == problems


def test_fault_options_are_added_to_every_scenario(tmp_path: Path) -> None:
    """--fault KEY=VALUE reads JSON or a word, is added to each scenario and checked as each of
    its storefronts will: ui_language is refused for a scenario that also runs on mock."""
    assert parse_fault_args(["chaos=7", "ui_language=de", "banner_with_modal=true"]) == {
        "chaos": 7,
        "ui_language": "de",
        "banner_with_modal": True,
    }
    with pytest.raises(InvalidConfig, match="is not KEY=VALUE"):
        parse_fault_args(["chaos"])
    [french] = load_scenarios([write(tmp_path)], faults={"chaos": 7})
    assert dict(french.faults) == {"ui_language": "fr", "chaos": 7}
    with pytest.raises(InvalidConfig, match="ui_language has no meaning on the mock storefront"):
        load_scenarios([CATALOGUE / "busy-first-n.toml"], faults={"ui_language": "fr"})
    both = load_scenarios([CATALOGUE / "late-banner.toml"], faults={"chaos": 3})
    assert [s.name for s in both] == ["late-banner", "late-banner@aliexpress"]
    assert all(s.faults["chaos"] == 3 for s in both)


def test_class_drift_added_by_option_turns_no_drift_into_some() -> None:
    """A new release's class names injected with --fault class_drift are drift by design: a
    scenario that expects none then expects some (its run must name what it found another way);
    a scenario that names its elements, or says nothing, keeps its expectation."""
    [pinned] = load_scenarios([CATALOGUE / "ae-pinned-fr.toml"])
    assert pinned.expect.drift is False
    [drifted] = load_scenarios([CATALOGUE / "ae-pinned-fr.toml"], faults={"class_drift": 7})
    assert drifted.expect.drift is True
    [chaos] = load_scenarios([CATALOGUE / "ae-pinned-fr.toml"], faults={"chaos": 7})
    assert chaos.expect.drift is False
    [named] = load_scenarios([CATALOGUE / "ae-class-drift.toml"], faults={"class_drift": 9})
    [named_alone] = load_scenarios([CATALOGUE / "ae-class-drift.toml"])
    assert named.expect.drift == named_alone.expect.drift
