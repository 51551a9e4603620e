"""Site profiles: the bundled ones load, and a bad one is refused at load naming the key."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from agent.errors import InvalidConfig
from agent.site.patterns import compile_pattern
from agent.site.profile import load_profile, parse_profile

OLD_PROFILE = """
name = "shop"
base_url = "https://shop.example"
[urls]
order = "/order/{order_id}"
[selectors]
submit = "#submit"
[texts]
busy = ["busy"]
"""


def _bundled_text(name: str = "mock") -> str:
    return (resources.files("agent") / "profiles" / f"{name}.toml").read_text(encoding="utf-8")


def _refusal(tmp_path: Path, text: str) -> InvalidConfig:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidConfig) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    assert info.value.exit_code == 2
    return info.value


def test_bundled_profile_loads() -> None:
    """The mock profile loads: its elements, steps, fields, reasons, busy texts and URLs."""
    profile = load_profile("mock")
    assert profile.name == "mock"
    assert len(profile.answer.busy_texts) == 6
    assert (
        profile.order_url("1001", base_url="http://127.0.0.1:9/") == "http://127.0.0.1:9/order/1001"
    )
    assert profile.elements["submit"].selector == "data-testid=submit-dispute"
    assert [s.name for s in profile.submit_steps] == ["submit"]
    assert [f.kind for f in profile.form.fields] == [
        "radio",
        "select",
        "radio",
        "radio",
        "amount",
        "text",
        "files",
    ]
    assert profile.reasons.find("Item damaged") is not None
    assert profile.dispute.shows_within_s == 0


def test_busy_texts_match_in_any_language() -> None:
    """A busy phrase is found inside a longer text, case-insensitively, in any language."""
    rules = load_profile("mock").answer
    assert rules.is_busy_text("Error: SYSTEM BUSY, please try again later!")
    assert rules.is_busy_text("系统繁忙\uff0c请稍后再试")  # with its full-width comma
    assert rules.is_busy_text("Dispute D-000100 opened") is None


def test_eligibility_phrases_explain_the_reason() -> None:
    """The order page's words map to a reason code and a plain explanation."""
    rule = load_profile("mock").explain_ineligible("Buyer protection ended 5 days ago.")
    assert rule is not None and rule.code == "protection_ended"


def test_profile_from_file(tmp_path: Path) -> None:
    """A profile TOML file given by path loads like the bundled one."""
    path = tmp_path / "shop.toml"
    path.write_text(_bundled_text().replace('name = "mock"', 'name = "shop"'), encoding="utf-8")
    assert load_profile(path).name == "shop"


def test_dispute_id_is_read_by_the_one_definition() -> None:
    """The existing dispute's id is the profile's pattern in a text; anything else is none."""
    rule = load_profile("mock").dispute
    assert rule.id_in("Dispute D-000123 is open") == "D-000123"
    assert rule.id_in("Dispute is open") is None


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('name = "mock"', 'name = "mock"\ncolour = "red"', "colour"),
        ('submit = "data-testid=submit-dispute"\n', "", "names no element: add 'submit'"),
        ("pattern = 'D-\\d{6}'", "pattern = '(D-\\d{6}'", "dispute.pattern"),
        (
            "success = 'Dispute (?P<dispute_id>D-\\d+) opened'",
            "success = 'Dispute (D-\\d+) opened'",
            "dispute_id",
        ),
        ('order = "/order/{order_id}"', 'order = "/order"', "urls.order"),
        ('order = "/order/{order_id}"', 'order = "/order/{order_id}}"', "stray brace"),
        (
            'order = "/order/{order_id}"',
            'order = "/order/{order_id}/{item}"',
            "unknown placeholder {item}",
        ),
        ('order = "/order/{order_id}"', 'order = "/order/{order_id:>5}"', "format"),
        ("max_files = 6", "max_files = 0", "max_files"),
        ("answer_s = 30", "answer_s = -1", "timeouts.answer_s"),
        ("answer_s = 30", "answer_s = nan", "timeouts.answer_s must be a finite number"),
        ("navigation_s = 30", "navigation_s = inf", "timeouts.navigation_s must be a finite"),
        ("shows_within_s = 0", "shows_within_s = -inf", "dispute.shows_within_s"),
        ("shows_within_s = 0\n", "", "dispute.shows_within_s is missing"),
        ('base_url = "http://127.0.0.1:8000"', 'base_url = "ftp://x"', "base_url"),
        ('kind = "select"', 'kind = "slider"', "form.fields[2].kind"),
        ('by = "label"', 'by = "label"\ntyped = false', "form.fields[2].typed does not apply"),
        (
            'click = "submit"\n',
            'click = "submit"\nfill = "message"\n',
            "submit.steps[1] needs exactly one action",
        ),
        ('dialog = "accept"', 'dialog = "maybe"', "submit.steps[1].dialog"),
        ('when = { refund = "partial" }', 'when = { refund = "half" }', "when.refund"),
        ('url = "**/order/*/dispute"', 'url_pattern = "(?<=x)dispute"', "answer.url_pattern"),
        (
            'opened = { path = "status", equals = "opened" }',
            'opened = { path = "status[", equals = "opened" }',
            "answer.json.opened.path",
        ),
        ('code = "damaged"', 'code = "smashed"', "reasons[13].code"),
        ('label = "Wrong item sent"', 'label = "Item damaged"', "given twice"),
        (
            'label = "Item not received"\nreceived = false',
            'label = "Item not received"\nreceived = 3',
            "reasons[1].received",
        ),
    ],
)
def test_bad_profile_is_refused_naming_the_key(
    tmp_path: Path, old: str, new: str, needle: str
) -> None:
    """Each mistake in a profile is one line naming the file and the key, exit code 2."""
    text = _bundled_text()
    assert old in text
    err = _refusal(tmp_path, text.replace(old, new, 1))
    assert needle in str(err)


def test_the_old_format_is_refused_naming_the_new_keys(tmp_path: Path) -> None:
    """A profile with [selectors] and [texts] is refused in one line naming the new sections."""
    err = _refusal(tmp_path, OLD_PROFILE)
    message = str(err)
    assert "old profile format" in message
    for key in (
        "[elements]",
        "[[open.steps]]",
        "[[form.fields]]",
        "[[submit.steps]]",
        "[answer]",
        "[[reasons]]",
        "[dispute]",
    ):
        assert key in message


def test_regular_expressions_are_linear_time(tmp_path: Path) -> None:
    """A backreference is refused at load; a catastrophic pattern runs in linear time."""
    text = _bundled_text().replace("pattern = 'D-\\d{6}'", "pattern = '(D)-\\1'")
    err = _refusal(tmp_path, text)
    assert "linear time" in str(err) and "dispute.pattern" in str(err)
    # (a+)+$ backtracks for ever in Python's re on this text; RE2 answers at once
    assert compile_pattern("(a+)+$").search("a" * 50_000 + "b") is None
    long_text = "x" * 200_000 + "D-000001"
    assert load_profile("mock").dispute.id_in(long_text) is None  # past the bounded text


def test_support_chat_table_is_read_by_the_support_chats_parser(tmp_path: Path) -> None:
    """Both bundled profiles carry a [support_chat] table; a wrong one is refused at load."""
    for name in ("mock", "aliexpress"):
        chat = load_profile(name).support_chat
        assert chat is not None and chat.path.startswith("/")
    text = _bundled_text().replace("idle_s = 180", "idle_s = -1")
    err = _refusal(tmp_path, text)
    assert "support_chat" in str(err)


def test_item_scoped_element_needs_item_lines(tmp_path: Path) -> None:
    """An element scoped to the item line is refused when the profile has no item_line."""
    text = _bundled_text().replace(
        'existing_dispute = "data-testid=existing-dispute"',
        'existing_dispute = { selector = "data-testid=existing-dispute", scope = "item" }',
    )
    err = _refusal(tmp_path, text)
    assert "elements.existing_dispute" in str(err) and "item_line" in str(err)


def test_unknown_bundled_profile_and_corrupt_file(tmp_path: Path) -> None:
    """An unknown profile name and a file that is not TOML are refused clearly."""
    with pytest.raises(InvalidConfig, match="no such bundled profile"):
        load_profile("nosuchshop")
    path = tmp_path / "broken.toml"
    path.write_text("name = [")
    with pytest.raises(InvalidConfig, match="not valid TOML"):
        load_profile(path)


def test_bundled_profile_is_valid_toml() -> None:
    """The bundled profile parses as TOML on its own and as a profile from the parsed data."""
    data = tomllib.loads(_bundled_text())
    assert "elements" in data
    assert parse_profile(data, source="mock.toml").name == "mock"


def test_a_dispute_pattern_that_matches_the_order_id_is_refused_before_anything(
    tmp_path: Path,
) -> None:
    """A ``[dispute] pattern`` that matches the order id itself would see a phantom dispute on
    every order page: the pre-flight refuses it in one line naming the key."""
    from agent.request import build_request

    text = _bundled_text().replace("pattern = 'D-\\d{6}'", "pattern = '[0-9]+'")
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile(path)
    request = build_request(
        order_id="2103", received="no", reason="not_received", message="It never came here."
    ).request
    with pytest.raises(InvalidConfig, match="matches the order id 2103 itself") as info:
        profile.check_request(request)
    assert info.value.key == "dispute.pattern" and "\n" not in str(info.value)
    load_profile("mock").check_request(request)  # the bundled pattern is anchored on "D-"
