"""The scenario format's [follow] table, without a browser: the catalogue covers each branch on
both storefronts, a bad table is refused naming its key, a missed expectation is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from mock_site.scenarios import Count, Expectation, Observed, check, load_scenario
from mock_site.scenarios.loading import load_scenarios

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"

BASE = """\
description = "Follow after it opened."

[request]
order_id = "1001"
received = "no"
reason = "not_received"
message = "My parcel has not arrived after 40 days."

[policy]
initial_wait_s = 0.05
max_wait_s = 0.2
"""


def test_the_catalogue_follows_every_branch_on_both_storefronts() -> None:
    """Agree, partial refund disagreed with while busy, refusal escalated, deadline passed,
    proposal left to the shopper, crash between click and answer: each on both skins."""
    follows = [s for s in load_scenarios([CATALOGUE]) if s.follow is not None]
    by_name: dict[str, set[str]] = {}
    for scenario in follows:
        by_name.setdefault(scenario.path.stem, set()).add(scenario.storefront)
    for name in (
        "follow-store-agrees",
        "follow-partial-disagree-busy",
        "follow-refused-escalate",
        "follow-deadline-passes",
        "follow-proposal-no-respond",
        "follow-crash-response",
    ):
        assert by_name[name] == {"mock", "aliexpress"}, name
    ends = {s.expect.follow for s in follows}
    assert {"resolved", "open", "decide", "closed", "invalid"} <= ends
    crash = next(s for s in follows if s.path.stem == "follow-crash-response")
    assert crash.follow is not None and crash.follow.crash and crash.follow.respond
    assert crash.expect.responses == 1


def test_the_catalogue_follows_a_request_on_a_store_in_another_language() -> None:
    """One follow runs on the aliexpress skin in German with the profile's pin removed, so the
    request's page is read and answered through the profile's phrases and labels alone."""
    [scenario] = [s for s in load_scenarios([CATALOGUE]) if s.path.stem == "follow-ae-unpinned-de"]
    assert scenario.storefront == "aliexpress" and not scenario.pin
    assert scenario.faults["ui_language"] == "de"
    assert scenario.follow is not None and scenario.follow.respond
    assert scenario.expect.responses == 1 and scenario.expect.drift is False


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[follow]\nstore = [{ action = "shout" }]\n', "follow.store[1].action"),
        ("[follow]\nrespond = 1\n", "follow.respond"),
        ("[follow]\nuntil_s = 5\n", "follow.until_s"),
        ("[follow]\ncrash = true\n", "follow.crash"),
        ("[follow]\nlater = 1\n", "follow.later"),
    ],
)
def test_a_bad_follow_table_is_refused_naming_its_key(tmp_path: Path, table: str, key: str) -> None:
    """An unknown action, a non-boolean, until without watch, a crash without respond, an
    unknown key: refused before anything runs, naming the key."""
    path = tmp_path / "case.toml"
    path.write_text(f'{BASE}\n{table}\n[expect]\nstatus = "opened"\n', encoding="utf-8")
    with pytest.raises(InvalidConfig) as refused:
        load_scenario(path)
    assert refused.value.context.get("key") == key, str(refused.value)


def test_follow_expectations_need_a_follow_table(tmp_path: Path) -> None:
    """expect.follow without [follow] is refused: nothing would check it."""
    path = tmp_path / "case.toml"
    path.write_text(f'{BASE}\n[expect]\nstatus = "opened"\nfollow = "open"\n', encoding="utf-8")
    with pytest.raises(InvalidConfig, match="needs a \\[follow\\] table"):
        load_scenario(path)


def test_a_missed_follow_expectation_is_named() -> None:
    """Each follow expectation missed gives its own problem line; met, none."""
    expect = Expectation(
        status="opened",
        follow="open",
        follow_state="escalated",
        responses=1,
        follow_attempts=Count(min=3, max=3),
    )
    met = Observed(
        status="opened", follow="open", follow_state="escalated", responses=1, follow_attempts=3
    )
    assert check(expect, met) == ()
    missed = Observed(
        status="opened", follow="decide", follow_state="refused", responses=2, follow_attempts=1
    )
    assert check(expect, missed) == (
        "follow: expected open, got decide",
        "follow_state: expected escalated, got refused",
        "responses: expected 1, got 2",
        "follow_attempts: expected 3, got 1",
    )
