"""Scenario files with a support chat: [support], expect.chat*, the check and the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from agent.site.profile import load_profile
from mock_site.scenarios import (
    Count,
    Observed,
    ScenarioResult,
    check,
    format_table,
    load_scenario,
    load_scenarios,
)

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"

CHAT = """\
description = "Gave up, then the chat."

[faults]
busy_first = 1000
chat_idle_s = 8

[request]
order_id = "1001"
received = "no"
reason = "not_received"
message = "My parcel has not arrived after 40 days."

[support]
idle_s = 8
hold_margin_s = 3
idle_counts = "always"

[expect]
status = "gave_up"
chat = "case"
chat_attachments = 5
chat_holding = { max = 2 }
"""


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "chat.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(InvalidConfig) as caught:
        _load(tmp_path, text)
    return str(caught.value)


def test_a_chat_scenario_loads_with_its_support_overrides(tmp_path: Path) -> None:
    """[support] overrides the profile's chat timing; expect.chat and the counts are read."""
    scenario = _load(tmp_path, CHAT)
    assert dict(scenario.support) == {
        "idle_s": 8.0,
        "hold_margin_s": 3.0,  # type: ignore[attr-defined]
        "idle_counts": "always",
    }
    expect = scenario.expect  # type: ignore[attr-defined]
    assert (expect.chat, expect.chat_attachments, expect.chat_holding) == (
        "case",
        Count(min=5, max=5),
        Count(min=0, max=2),
    )
    chat = scenario.profile_for(load_profile("mock")).support_chat  # type: ignore[attr-defined]
    assert (chat.idle_s, chat.hold_margin_s, chat.idle_counts) == (8.0, 3.0, "always")


def test_an_empty_support_table_keeps_the_profile(tmp_path: Path) -> None:
    """[support] with no key: the chat runs with the profile's own values."""
    text = CHAT.replace('idle_s = 8\nhold_margin_s = 3\nidle_counts = "always"\n', "")
    scenario = _load(tmp_path, text)
    assert dict(scenario.support) == {}  # type: ignore[attr-defined]
    chat = scenario.profile_for(load_profile("mock")).support_chat  # type: ignore[attr-defined]
    assert chat == load_profile("mock").support_chat


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("\nidle_s = 8\n", "\nidel_s = 8\n", '"support.idel_s" is not a known key; did you'),
        ("hold_margin_s = 3", "hold_margin_s = 9", '"support.hold_margin_s" (9) must be below'),
        ('idle_counts = "always"', 'idle_counts = "never"', '"support.idle_counts" must be turn'),
        ("\nidle_s = 8\n", "\nidle_s = 0\n", '"support.idle_s" must be a number of seconds'),
        ('chat = "case"', 'chat = "won"', '"expect.chat" must be one of case, offline'),
        ("chat_attachments = 5", "chat_attachments = -1", '"expect.chat_attachments" must be'),
    ],
)
def test_bad_chat_keys_are_refused_naming_the_key(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    """Each mistake in [support] or the chat expectations names the file and the dotted key."""
    assert old in CHAT
    message = _refused(tmp_path, CHAT.replace(old, new, 1))
    assert message.startswith(f"{tmp_path / 'chat.toml'}: ")
    assert words in message


def test_a_chat_expectation_needs_a_support_table(tmp_path: Path) -> None:
    """expect.chat without [support] is refused: no chat would run."""
    text = CHAT.replace('[support]\nidle_s = 8\nhold_margin_s = 3\nidle_counts = "always"\n', "")
    assert '"expect.chat" needs a [support] table' in _refused(tmp_path, text)


def test_the_check_compares_how_the_chat_ended(tmp_path: Path) -> None:
    """A chat that dropped, with too many holding messages, is two problems; the right one none."""
    scenario = _load(tmp_path, CHAT)
    expect = scenario.expect  # type: ignore[attr-defined]
    good = Observed(status="gave_up", chat="case", chat_attachments=5, chat_holding=1)
    assert check(expect, good) == ()
    bad = Observed(status="gave_up", chat="dropped", chat_attachments=5, chat_holding=3)
    assert check(expect, bad) == (
        "chat: expected case, got dropped",
        "chat_holding: expected 0-2, got 3",
    )
    table = format_table(
        [
            ScenarioResult(
                scenario=scenario,
                observed=bad,  # type: ignore[arg-type]
                problems=check(expect, bad),
            )
        ]
    )
    assert "gave_up, chat case" in table and "gave_up, chat dropped" in table


def test_the_catalogue_covers_every_way_a_chat_ends_but_the_rare_ones() -> None:
    """Chat scenarios in the catalogue: a case, offline, dropped, and a question for a person."""
    ends = {s.expect.chat for s in load_scenarios([CATALOGUE]) if s.expect.chat}
    assert ends >= {"case", "offline", "dropped", "person"}
    faults = {k for s in load_scenarios([CATALOGUE]) for k in s.faults}
    assert faults >= {
        "chat_idle_s",
        "chat_idle_mode",
        "chat_operator_delay_s",
        "chat_queue_s",
        "chat_offline",
        "chat_free_question",
    }
