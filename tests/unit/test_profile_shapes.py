"""The profile format's shapes of issue 25, as the loader and the pre-flight read them (no browser).

Frames, ``{item}`` in selectors and form item rows, the ``items`` and ``choice`` field kinds,
the order page's items, the message's limits, evidence rules that relax what has no reason, a
quantity and a replacement in requests, and sessionStorage in a saved session.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.errors import InvalidConfig, InvalidEvidence, InvalidField
from agent.request import EvidenceRules, MessageLimits, build_request
from agent.session import check_storage_state, session_storage_script
from agent.site.profile import SiteProfile, load_profile

ROOT = Path(__file__).resolve().parents[2]
APPSHOP = ROOT / "tests/e2e/appshop/appshop.toml"
POSTSHOP = ROOT / "tests/e2e/postshop/postshop.toml"
MESSAGE = "The lamp arrived broken in two."


def _variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "shop.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _refused(tmp_path: Path, source: Path, old: str, new: str) -> str:
    with pytest.raises(InvalidConfig) as info:
        load_profile(_variant(tmp_path, source, old, new))
    assert info.value.exit_code == 2 and "\n" not in str(info.value)
    return str(info.value)


def _request(profile: SiteProfile, **fields: object) -> None:
    values: dict[str, object] = {
        "order_id": "700",
        "received": "no",
        "reason": "not_received",
        "message": MESSAGE,
        **fields,
    }
    prepared = build_request(
        **values,  # type: ignore[arg-type]  # the fields under test, of every type
        rules=profile.evidence,
        reasons=profile.reasons,
        message_limits=profile.message_limits,
    )
    profile.check_request(prepared.request)


def test_the_forms_frame_is_given_to_its_elements_and_an_element_keeps_its_own() -> None:
    """form.frame puts the ready element, the fields' and the submit steps' elements in the
    iframe; an element with a frame of its own keeps it; the order page's stay outside."""
    profile = load_profile(APPSHOP)
    elements = profile.elements
    for name in ("return_form", "item_pick", "reason_choice", "note", "send"):
        assert elements[name].frame == ("iframe#return-frame",)
        assert elements[name].frame_entry == "form.frame"
    assert elements["done"].frame_entry == "elements.done.frame"
    for name in ("order_head", "start", "busy_overlay", "signin_modal"):
        assert elements[name].frame == ()


def test_an_element_in_the_forms_frame_used_outside_the_form_is_refused(tmp_path: Path) -> None:
    """One element cannot be both in the form's frame and on the order page."""
    said = _refused(tmp_path, APPSHOP, 'ready = "order_head"', 'ready = "return_form"')
    assert "elements.return_form is in the form's frame (form.frame)" in said
    assert "order_page.ready uses it outside the form" in said


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            'message = "#message"',
            'message = "#message-{order}"',
            "elements.message has an unknown placeholder {order}",
        ),
        (
            "item_row = 'tr.line[data-sku=\"{item}\"]'\n",
            "",
            'elements.item_box has scope = "form_item" but form.item_row is not given',
        ),
        (
            'item_id = "data-sku"',
            "",
            "order_page.item_id is missing",
        ),
        (
            'element = "item_box"',
            'element = "item_boxes"',
            "form.fields[1].element elements.item_boxes must find the requested item's box",
        ),
        ("max_chars = 1000", "max_chars = 5\nmin_chars = 10", "min_chars (10) is more than"),
        ("max_chars = 1000", "max_chars = 0", "max_chars must be a whole number of 1 or more"),
        (
            'options = { refund = "sol_refund"',
            'options = { swap = "sol_refund"',
            "options.swap must be one of refund, return, replacement",
        ),
        (
            "photos_required_when_received = false",
            "photos_required_when_received = true\nmax_files = 0",
            "evidence.photos_required_when_received requires evidence but max_files is 0",
        ),
    ],
    ids=[
        "placeholder",
        "form-item-row",
        "item-id",
        "items-element",
        "min-max",
        "max-chars",
        "solution",
        "no-files-but-photos",
    ],
)
def test_new_keys_are_checked_at_load(tmp_path: Path, old: str, new: str, said: str) -> None:
    """Each new key is refused at load with one line naming it when it cannot work."""
    text = _refused(tmp_path, POSTSHOP, old, new)
    assert said in text


def test_a_store_without_video_or_files_needs_no_keys_for_them(tmp_path: Path) -> None:
    """video_formats = [] needs no video rules; max_files = 0 requires no photo by default;
    max_files = 0 with photos required is refused naming the key."""
    profile = load_profile(POSTSHOP)
    assert profile.evidence.video_formats == () and profile.evidence.max_video_bytes == 0
    assert profile.evidence.video_required_reasons == ()
    path = _variant(
        tmp_path,
        POSTSHOP,
        'photos_required_when_received = false\nphoto_required_reasons = ["damaged"]',
        "max_files = 0",
    )
    text = path.read_text(encoding="utf-8")
    start = text.index('[[form.fields]]\nname = "evidence"')
    path.write_text(text[:start] + text[text.index("[[submit.steps]]") :], encoding="utf-8")
    rules = load_profile(path).evidence
    assert rules.max_files == 0 and rules.photos_required_when_received is False
    with pytest.raises(InvalidConfig, match="photos_required_when_received requires evidence"):
        EvidenceRules(max_files=0)


def test_the_message_limits_come_from_the_message_field(tmp_path: Path) -> None:
    """The text field's min_chars/max_chars are the pre-flight's limits, beyond 2,000 too."""
    path = _variant(tmp_path, POSTSHOP, "max_chars = 1000", "max_chars = 3000\nmin_chars = 20")
    profile = load_profile(path)
    assert profile.message_limits == MessageLimits(min_chars=20, max_chars=3000)
    _request(profile, message="It broke. " * 250)  # 2,500 characters: the profile takes them
    with pytest.raises(InvalidField, match=r"too short \(16 characters\)"):
        _request(profile, message="It is broken ok.")
    with pytest.raises(InvalidField, match="the site takes at most 3000 characters"):
        _request(profile, message="It broke. " * 301)


def test_a_quantity_an_item_and_a_replacement_against_the_profile() -> None:
    """A quantity needs an items field with a quantity; a replacement needs the site to offer
    it; an item is fine for a profile with an items field."""
    post, app, tiny = (
        load_profile(POSTSHOP),
        load_profile(APPSHOP),
        load_profile(ROOT / "tests/e2e/tinyshop/tinyshop.toml"),
    )
    _request(post, item="B-2", quantity="3", solution="replacement")
    _request(app, item="M-2", quantity=2)
    with pytest.raises(InvalidField, match="offers no 'replacement' solution"):
        _request(app, solution="replacement")
    with pytest.raises(InvalidField, match="a quantity of 2, but the tinyshop form asks for none"):
        _request(tiny, order_id="500", quantity=2)
    with pytest.raises(InvalidField, match="does not describe items"):
        _request(tiny, order_id="500", item="A-1")


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"quantity": "0"}, 'quantity: "0" is not a whole number from 1 to 9999'),
        ({"quantity": "two"}, 'quantity: "two" is not a whole number'),
        ({"quantity": 1.5}, "quantity: must be a whole number, not a number"),
        (
            {"solution": "replacement", "refund": "partial", "amount": "3"},
            "refund: a partial refund with a replacement",
        ),
    ],
)
def test_bad_quantities_and_a_partial_replacement_are_refused(
    fields: dict[str, object], said: str
) -> None:
    """The pre-flight refuses a quantity that is not a whole number from 1, and a replacement
    with a partial refund."""
    with pytest.raises(InvalidField) as info:
        _request(load_profile(POSTSHOP), **fields)
    assert str(info.value).startswith(said)


def test_photo_required_reasons_and_no_files() -> None:
    """photo_required_reasons refuses "damaged" without a photo, received or not; a store that
    takes no files refuses one."""
    rules = EvidenceRules(photos_required_when_received=False, photo_required_reasons=("damaged",))
    with pytest.raises(InvalidEvidence, match="no photo attached"):
        build_request(order_id="1", received="yes", reason="damaged", message=MESSAGE, rules=rules)
    build_request(order_id="1", received="yes", reason="wrong_item", message=MESSAGE, rules=rules)
    none = EvidenceRules(
        max_files=0, photos_required_when_received=False, video_required_reasons=()
    )
    with pytest.raises(InvalidEvidence, match="the site takes no evidence files"):
        build_request(
            order_id="1",
            received="no",
            reason="not_received",
            message=MESSAGE,
            evidence=[str(POSTSHOP)],
            rules=none,
        )


def test_session_storage_in_a_saved_session(tmp_path: Path) -> None:
    """A saved session's sessionStorage is checked like its cookies, and put back only in
    pages of its origin, never over what the site set in that tab."""
    good = {
        "cookies": [],
        "origins": [],
        "sessionStorage": [
            {"origin": "http://127.0.0.1:8", "items": [{"name": "t", "value": "tok-123456"}]}
        ],
    }
    path = tmp_path / "session.json"
    path.write_text(json.dumps(good), encoding="utf-8")
    assert check_storage_state(path) == path
    script = session_storage_script(good["sessionStorage"])  # type: ignore[arg-type]
    assert script is not None
    assert '"http://127.0.0.1:8": {"t": "tok-123456"}' in script
    assert "sessionStorage.getItem(name) === null" in script
    assert session_storage_script([]) is None
    good["sessionStorage"] = [{"origin": "http://x", "items": [{"name": "t"}]}]
    path.write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(InvalidConfig, match=r"sessionStorage 1 has a \"items\" that is not"):
        check_storage_state(path)


def test_credentials_outside_the_login_steps_are_refused_at_load(tmp_path: Path) -> None:
    """{user} and {password} are filled only in the login steps: elsewhere the profile is
    refused at load in one line (they would be typed empty); a literal {{user}} is text."""
    step = '[[open.steps]]\nclick = "start"'
    said = _refused(
        tmp_path,
        POSTSHOP,
        step,
        f'[[open.steps]]\nfill = "password"\ntext = "{{password}}"\n\n{step}',
    )
    assert said.startswith("profile ") and "open.steps[1].text has {password}" in said
    assert "filled only in [[login.steps]]" in said
    literal = f'[[open.steps]]\nfill = "password"\ntext = "{{{{user}}}}"\n\n{step}'
    assert load_profile(_variant(tmp_path, POSTSHOP, step, literal)).open_steps[0].text
    assert any(s.text == "{password}" for s in load_profile(POSTSHOP).login.steps)
