"""Selectors from recordings: Chrome's and codegen's written as Playwright's, stable first."""

from __future__ import annotations

import ast

from agent.recording.chrome import read_chrome
from agent.recording.codegen import read_codegen
from agent.recording.ids import (
    id_pattern,
    order_ids_in,
    selector_without_id,
    text_anchored,
    url_anchored,
    urls_within,
)
from agent.recording.selectors import (
    derived_alternatives,
    is_hashed_class,
    rank_of,
    sort_stable,
    tag_of,
)


def test_stable_selectors_come_first_and_hashed_classes_last() -> None:
    """Roles, labels, test ids, texts, CSS, XPath, positions, then hashed classes, each hashed
    one also by its stable prefix (placed with the plain CSS)."""
    mixed = [
        "div.reverse--form--3Tq9vKd textarea",
        "xpath=//html/body/div[1]/textarea",
        "li:nth-of-type(2) > span",
        'text="Next step"',
        '[data-testid="message"]',
        'internal:label="Message"s',
        'role=button[name="Submit"s]',
        "textarea.plain",
        'xpath=//*[@id="note"]',
    ]
    assert sort_stable(mixed) == (
        'role=button[name="Submit"s]',
        'internal:label="Message"s',
        '[data-testid="message"]',
        'text="Next step"',
        'div[class*="reverse--form--"] textarea',
        "textarea.plain",
        'xpath=//*[@id="note"]',
        "xpath=//html/body/div[1]/textarea",
        "li:nth-of-type(2) > span",
        "div.reverse--form--3Tq9vKd textarea",
    )
    assert sort_stable(["a", "a", " "]) == ("a",)


def test_hashed_class_names_are_told_from_plain_ones() -> None:
    """CSS-module hashes (module--name--hash, name__local___hash, css-…, sc-…) are hashed; BEM
    names and words are not."""
    for hashed in (
        "reverse--form--3Tq9vKd",
        "commet--textarea--Sg0xapL",
        "css-1x2y3z4",
        "sc-bdVaJa",
    ):
        assert is_hashed_class(hashed), hashed
    for plain in ("order-detail-item-btn", "comet-v2-btn-primary", "btn--primary", "card"):
        assert not is_hashed_class(plain), plain
    assert derived_alternatives("button.reverse--next--1Qa7wEe") == (
        'button[class*="reverse--next--"]',
    )
    assert derived_alternatives("button.comet-btn") == ()
    assert rank_of("span.upload--name--1Xc5mWb") == "hashed"
    assert tag_of('xpath=//*[@id="f"]/label[1]/select') == "select"
    assert tag_of("div.x > textarea.commet--textarea--Sg0xapL") == "textarea"


def _chrome_step(
    selectors: list[object], kind: str = "click", value: str = ""
) -> dict[str, object]:
    return {
        "title": "t",
        "steps": [{"type": kind, "selectors": selectors, "value": value, "target": "main"}],
    }


def test_chrome_selectors_become_playwright_selectors() -> None:
    """aria/Name[role] -> role=…; aria/Name alone -> label on a field, text otherwise; xpath/,
    pierce/, text/ and chains (>>); the test id of selectorAttribute is kept."""
    flow = _chrome_step(
        [
            ['aria/Submit[role="button"]'],
            ["aria/Dialog", "aria/OK"],
            ["#ok"],
            ['xpath///*[@id="ok"]'],
            ["pierce/#ok"],
            ["text/OK"],
        ]
    )
    (action,) = read_chrome(flow, source="x").actions
    assert action.target is not None
    assert action.target.selectors == (
        'role=button[name="Submit"s]',
        'text="Dialog" >> text="OK"',
        'text="OK"',
        "#ok",
        'xpath=//*[@id="ok"]',
    )
    field = _chrome_step(
        [["aria/Message"], ['[data-testid="message"]'], ["xpath//html/body/form/textarea"]],
        kind="change",
        value="My parcel never came here.",
    )
    (typed,) = read_chrome({**field, "selectorAttribute": "data-testid"}, source="x").actions
    assert typed.kind == "fill" and typed.target is not None
    assert typed.target.test_id == "message" and typed.target.tag == "textarea"
    assert typed.target.selectors[:2] == ('internal:label="Message"s', '[placeholder="Message"]')
    files = _chrome_step([["#evidence"]], kind="change", value="C:\\fakepath\\box.jpg")
    (chosen,) = read_chrome(files, source="x").actions
    assert chosen.kind == "files" and chosen.files == ("box.jpg",)


def _codegen(line: str) -> list[str]:
    script = f"from playwright.sync_api import expect\ndef run(page):\n    {line}\n"
    recording = read_codegen(ast.parse(script), source="x").recording
    return [s for a in recording.actions if a.target for s in a.target.selectors]


def test_codegen_locators_become_playwright_selectors() -> None:
    """get_by_role (exact or not, a regex name), get_by_test_id, get_by_label, get_by_placeholder,
    get_by_text, locator(css) with filter, nth and first: the selectors Playwright builds."""
    assert _codegen('page.get_by_role("button", name="Submit", exact=True).click()') == [
        'role=button[name="Submit"s]'
    ]
    assert _codegen('page.get_by_role("button", name="Submit").click()') == [
        'internal:role=button[name="Submit"i]'
    ]
    assert _codegen('page.get_by_role("link", name=re.compile(r"^D-")).click()') == [
        "role=link[name=/^D-/]"
    ]
    assert _codegen('page.get_by_test_id("reason").select_option("x")') == [
        '[data-testid="reason"]'
    ]
    assert _codegen('page.get_by_label("Message").fill("x")') == ['internal:label="Message"s']
    assert _codegen('page.get_by_placeholder("Describe").fill("x")') == ['[placeholder="Describe"]']
    assert _codegen('page.get_by_text("Yes", exact=True).click()') == ['text="Yes"']
    assert _codegen('page.locator("div").filter(has_text="Reason").nth(2).click()') == [
        'div >> internal:has-text="Reason"i >> nth=2'
    ]
    assert _codegen('page.locator("#list").get_by_role("option").first.click()') == [
        "#list >> role=option >> nth=0"
    ]
    assert _codegen('page.frame_locator("iframe").get_by_role("button").click()') == []


def test_ids_in_urls_and_answers_become_patterns() -> None:
    """The order id from URLs (also inside next= and return_url=); an id's shape as a pattern;
    a selector naming an element by a text with the id names it by the pattern."""
    urls = urls_within(
        [
            "http://127.0.0.1:8001/?return_url=http%3A%2F%2F127.0.0.1%3A8000%2Fp%2Fd.html%3ForderId%3D1001"
        ]
    )
    assert order_ids_in(urls).most_common(1) == [("1001", 1)]
    assert id_pattern("D-000100") == r"D-\d{6}"
    assert id_pattern("5000000001007135") == r"\d{16}"
    assert (
        selector_without_id('internal:role=link[name="Dispute D-000100 is open"i]', "D-000100")
        == r"internal:role=link[name=/Dispute D-\d{6} is open/]"
    )
    assert selector_without_id('a[href="/dispute/D-000100"]', "D-000100") is None
    assert selector_without_id("a.link", "D-000100") == "a.link"


def test_dispute_patterns_are_anchored_on_what_surrounds_the_id() -> None:
    """On the words before the id in a text (else the word after), on its key in a URL: never
    a bare id pattern an order's own id would match."""
    assert (
        text_anchored("Dispute D-000100 is open", "D-000100") == r"Dispute (?P<dispute_id>D-\d{6})"
    )
    assert text_anchored("D-000100 open", "D-000100") == r"(?P<dispute_id>D-\d{6}) open"
    assert (
        url_anchored("http://h/p/d.html?reverseOrderId=5000000001007135", "5000000001007135")
        == r"reverseOrderId=(?P<dispute_id>\d{16})"
    )
    assert (
        url_anchored("http://h/dispute/D-000100", "D-000100") == r"dispute\/(?P<dispute_id>D-\d{6})"
    )
    assert url_anchored("http://h/orders", "D-000100") is None
