"""The site profile's [support_chat] table: the mock's values, and each bad key named."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from agent.errors import InvalidConfig
from agent.site.chat_profile import ASK_KINDS, parse_chat_profile
from agent.site.patterns import BoundedPattern
from agent.site.profile import load_profile, parse_profile


def mock_data() -> dict[str, Any]:
    """The bundled mock profile, parsed from its TOML."""
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_mock_profile_describes_its_chat() -> None:
    """The bundled profile's chat: the page, the 180 s idle limit with a 30 s margin, the limits."""
    chat = load_profile("mock").support_chat
    assert chat is not None
    assert chat.url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/support/chat"
    assert (chat.idle_s, chat.hold_margin_s, chat.idle_counts) == (180.0, 30.0, "turn")
    assert (chat.max_chars, chat.max_images, chat.max_image_bytes) == (300, 5, 3 * 1024 * 1024)
    assert chat.selectors.send == "data-testid=chat-send"
    assert chat.selectors.error == "data-testid=chat-error"


def test_operator_messages_are_matched_first_entry_first() -> None:
    """A thank-you that mentions screenshots asks nothing; a request for them asks screenshots."""
    chat = load_profile("mock").support_chat
    assert chat is not None
    assert chat.ask_of("Thank you for the screenshots.") == "none"
    assert chat.ask_of("Thank you. Please send screenshots of the error.") == "screenshots"
    assert chat.ask_of("Please tell me your order number.") == "order_number"
    assert chat.ask_of("When did you first see the error?") == "when"
    assert chat.ask_of("Which browser do you use?") is None


def test_case_number_and_drop_are_read_from_the_texts() -> None:
    """The case number comes out of the operator's message; the inactivity notice is a drop."""
    chat = load_profile("mock").support_chat
    assert chat is not None
    text = "Thank you. Your case number is CASE-100001. Our team will contact you by email."
    assert chat.find_case_number(text) == "CASE-100001"
    assert chat.find_case_number("Thank you for the screenshots.") is None
    assert chat.is_dropped("The chat was closed due to inactivity")
    assert not chat.is_dropped("The operator closed the chat")


def test_a_profile_without_the_table_has_no_chat() -> None:
    """[support_chat] is optional: without it the profile loads and has no chat."""
    data = mock_data()
    del data["support_chat"]
    assert parse_profile(data, source="p.toml").support_chat is None


def _refusal(change: Any) -> str:
    data = mock_data()
    change(data["support_chat"])
    with pytest.raises(InvalidConfig) as caught:
        parse_profile(data, source="shop.toml")
    assert caught.value.exit_code == 2
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t.update(colour="red"), "support_chat.colour is not a known key"),
        (lambda t: t.pop("path"), "support_chat.path is missing"),
        (lambda t: t.update(path="support"), "support_chat.path must be a path starting with /"),
        (lambda t: t["selectors"].pop("send"), "support_chat.selectors.send is missing"),
        (lambda t: t["selectors"].update(send=""), "selectors.send must be a non-empty"),
        (lambda t: t["selectors"].update(sned="x"), "selectors.sned is not a known key"),
        (lambda t: t["asks"][1].update(kind="weather"), "support_chat.asks[2].kind must be one of"),
        (lambda t: t["asks"][0].update(match=[]), "support_chat.asks[1].match must be a string"),
        (lambda t: t.update(asks=[]), "support_chat.asks must be a non-empty array"),
        (lambda t: t.update(case_number="CASE-\\d+"), "needs a group named case_number"),
        (lambda t: t.update(case_number="(?P<case_number>"), "is not a valid regular expression"),
        (lambda t: t.update(idle_s=0), "support_chat.idle_s must be a number of seconds above 0"),
        (lambda t: t.update(idle_s=True), "support_chat.idle_s must be a number of seconds"),
        (lambda t: t.update(max_images=2.5), "support_chat.max_images must be a whole number"),
        (lambda t: t.update(idle_counts="never"), "support_chat.idle_counts must be one of turn"),
        (lambda t: t.update(hold_margin_s=180), "hold_margin_s (180) must be below idle_s (180)"),
        (lambda t: t.update(dropped=[]), "support_chat.dropped must be a string or a non-empty"),
    ],
)
def test_a_bad_table_is_refused_naming_the_file_and_key(change: Any, words: str) -> None:
    """Each mistake is one line that names the profile file and the dotted key."""
    message = _refusal(change)
    assert message.startswith("profile shop.toml: "), message
    assert words in message
    assert "\n" not in message


def test_the_table_must_be_a_table() -> None:
    """support_chat = "yes" is refused."""
    with pytest.raises(InvalidConfig, match=r"profile p\.toml: \[support_chat\] must be a table"):
        parse_chat_profile("yes", source="p.toml")


def test_every_kind_is_documented_in_the_readme() -> None:
    """The README's profile section names every kind of question the agent can answer."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The support chat's profile table", 1)[1].split("\n## ", 1)[0]
    for kind in ASK_KINDS:
        assert re.search(rf"`{kind}`", section), kind


def test_the_case_number_pattern_runs_on_re2() -> None:
    """The chat's case_number runs on RE2 like every profile pattern: a backtracking pattern
    cannot hang the chat, and what RE2 cannot run in linear time is refused at load."""
    chat = load_profile("mock").support_chat
    assert chat is not None
    assert isinstance(chat.case_number, BoundedPattern)
    hostile = parse_chat_profile(
        {**mock_data()["support_chat"], "case_number": "(?P<case_number>(a+)+$)"},
        source="p.toml",
    )
    assert hostile.find_case_number("a" * 5000 + "!") is None  # linear: no catastrophic search
    message = _refusal(lambda t: t.update(case_number=r"(?P<case_number>(\w)\2)"))
    assert "support_chat.case_number is not a valid regular expression" in message
    assert "linear time" in message
