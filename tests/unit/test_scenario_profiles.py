"""Scenarios with a profile of one's own: ``--profile SKIN=FILE`` and ``--storefront SKIN``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from mock_site.scenarios.loading import load_scenarios
from mock_site.scenarios.options import parse_profile_args
from tests.terminal import ROOT

SCENARIOS = ROOT / "scenarios"


def test_a_profile_file_drives_a_storefront(tmp_path: Path) -> None:
    """--profile mock=FILE loads the file for the mock storefront; a bad form or an unknown
    storefront is one line naming what to give."""
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    path = tmp_path / "shop.toml"
    path.write_text(text.replace('name = "mock"', 'name = "shop"'), encoding="utf-8")
    profiles = parse_profile_args([f"mock={path}"])
    assert list(profiles) == ["mock"] and profiles["mock"].name == "shop"
    for bad in ("mock", f"shop={path}", "mock="):
        with pytest.raises(InvalidConfig, match="is not SKIN=FILE"):
            parse_profile_args([bad])


def test_storefront_keeps_the_copies_on_it_and_checks_faults_for_it_only() -> None:
    """--storefront aliexpress: one copy of a scenario that runs on both; a fault only that
    storefront knows (class_drift) is accepted then, refused without it."""
    path = SCENARIOS / "busy-first-n.toml"
    both = load_scenarios([path])
    assert [s.name for s in both] == ["busy-first-n", "busy-first-n@aliexpress"]
    (only,) = load_scenarios([path], storefronts=["aliexpress"], faults={"class_drift": 7})
    assert only.name == "busy-first-n@aliexpress" and only.faults["class_drift"] == 7
    with pytest.raises(InvalidConfig, match="class_drift"):
        load_scenarios([path], faults={"class_drift": 7})
    assert load_scenarios([SCENARIOS / "busy-banner-en.toml"], storefronts=["aliexpress"]) == []
    with pytest.raises(InvalidConfig, match="no such storefront"):
        load_scenarios([path], storefronts=["shop"])
