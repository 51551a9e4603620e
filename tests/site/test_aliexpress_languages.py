"""The aliexpress skin's interface languages over HTTP: which one a page gets, and its words."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator

import httpx
import pytest

from mock_site.aliexpress.lang import LANGUAGES, pick_language, wording
from mock_site.aliexpress.lang import en as english
from mock_site.testing import StorefrontServer
from tests.site.test_aliexpress_shopper import AeShopper, ret

OTHERS = [lang for lang in LANGUAGES if lang != "en"]
#: English sentences a page of another language must not show.
ENGLISH = (
    "Returns/refunds",
    "Next step",
    "Reason for refund",
    "Buyer protection",
    "Waiting for",
    "View possible solutions",
    "Accept solution",
    "Please respond within",
    "Upload more photos/videos",
)
START = "/p/reverse-pages/start.html?orderId=1002&itemId=100201"


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


@pytest.fixture
def shopper(ae_server: StorefrontServer) -> Iterator[AeShopper]:
    """demo, logged in, on a freshly reset storefront with a healthy plan."""
    ae_server.reset()
    shopper = AeShopper(ae_server)
    yield shopper
    shopper.close()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_text() -> None:
    """Each language words every key of the English table, with the same placeholders."""
    for language in OTHERS:
        words = wording(language)
        for key, text in english.WORDING.items():
            assert words[key].strip(), (language, key)
            assert _placeholders(words[key]) == _placeholders(text), (language, key)


@pytest.mark.parametrize(
    ("cookie", "default", "accept", "expected"),
    [
        ("site=glo&c_tp=USD&region=FR&b_locale=fr_FR", "de", "es-ES,es;q=0.9", "fr"),
        ("site=glo&b_locale=pt_BR", "de", "es", "en"),  # a locale the skin does not speak
        (None, "de", "es-ES,es;q=0.9", "de"),
        ("site=glo&c_tp=USD", None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, None, "it-IT,it;q=0.9,es;q=0.5,fr;q=0.7", "fr"),
        (None, None, "de;q=0,es", "es"),
        (None, None, None, "en"),
        (None, None, "garbage;;,", "en"),
    ],
)
def test_language_comes_from_cookie_then_store_then_browser(
    cookie: str | None, default: str | None, accept: str | None, expected: str
) -> None:
    """The cookie's b_locale, else the store's ui_language, else Accept-Language, else en."""
    assert pick_language(cookie=cookie, accept_language=accept, default=default) == expected


@pytest.mark.parametrize("language", OTHERS)
def test_every_page_speaks_the_store_language(
    shopper: AeShopper, ae_server: StorefrontServer, language: str
) -> None:
    """With ui_language set, the order list, order page, parcel modal, tips, returns wizard,
    request page, 404 and login page are in that language, with no English left."""
    ae_server.set_faults({"ui_language": language})
    words = wording(language)
    pages = {
        "/p/order/index.html": [words["my_orders"], words["order.awaiting_delivery"]],
        "/p/order/detail.html?orderId=1001": [
            words["returns_refunds"],
            words["parcel_title"],
            words["no"],
            words.delivery("Not delivered yet (shipped 40 days ago)"),
        ],
        "/p/order/detail.html?orderId=1003": [words["ineligible.protection_ended"]],
        "/p/order/detail.html?orderId=1007": [words["status.escalated"]],
        START: [
            words["step_details"],
            words["received"],
            words["refund_only"],
            words["reason_label"],
            words.reason("damaged"),
            words["next_step"],
            words["submit"],
            words["confirm"],
            words["cookie_accept"],
        ],
        "/p/reverse-pages/detail.html?reverseOrderId=5000000000077135": [
            words["title.escalated"],
            words["status.escalated"],
            words["request_id"],
            words["cancel_request"],
        ],
        # the seeded proposal: its state, countdown, proposal, buttons and modals
        "/p/reverse-pages/detail.html?reverseOrderId=5000000000087135": [
            words["title.proposal_partial"],
            words["status.proposal_partial"],
            words["respond_within"],
            words["seller_proposal"],
            words["partial_refund"],
            words["accept_solution"],
            words["view_solutions"],
            words["disagree_check"],
            words["upload_more"],
            words["accept_warning"],
            words["cancel_warning"],
        ],
    }
    for path, expected in pages.items():
        html = shopper.page(path).html
        assert f'<html lang="{language}">' in html
        for text in expected:
            assert text.replace("&", "&amp;").replace("'", "&#39;") in html, (path, text)
        for text in ENGLISH:
            assert text not in html, (path, text)
    missing = shopper.page("/p/order/detail.html?orderId=99", status=404)
    assert missing.one("error-page-title").text == words["order_not_found"]
    login = httpx.get(ae_server.login_url, timeout=10).text
    assert words["sign_in"] in login and "Sign in" not in login


def test_the_pin_cookie_beats_the_store_language(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """The profile's pin (aep_usuc_f with b_locale=en_US) gives English on a French store."""
    ae_server.set_faults({"ui_language": "fr"})
    shopper.client.cookies.set("aep_usuc_f", "site=glo&c_tp=USD&region=US&b_locale=en_US")
    html = shopper.page(START).html
    assert '<html lang="en">' in html and "Next step" in html and "Étape suivante" not in html


def test_accept_language_without_a_store_language(shopper: AeShopper) -> None:
    """Without ui_language (the default), the browser's Accept-Language picks the language."""
    shopper.client.headers["Accept-Language"] = "es-ES,es;q=0.9,en;q=0.5"
    page = shopper.page("/p/order/detail.html?orderId=1001")
    assert page.buttons(wording("es")["returns_refunds"])


def test_the_wizard_script_gets_its_texts(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """The returns page hands its script the toasts and summary texts in its language."""
    ae_server.set_faults({"ui_language": "ru"})
    html = shopper.page(START).html
    init = re.search(r'<script type="application/json" id="reverse-init-data">(.*?)</script>', html)
    assert init is not None
    assert wording("ru")["success_toast"] in init.group(1).encode().decode("unicode_escape")


@pytest.mark.parametrize("language", ["fr", "ru"])
def test_refusals_and_answers_in_the_store_language(
    shopper: AeShopper, ae_server: StorefrontServer, language: str
) -> None:
    """The server's refusals and its not-found are in the page's language; what the control API
    records stays English, and so do the success answer's statusText and title (the JSON's
    words), while the page is handed its new state's words in its language."""
    ae_server.set_faults({"ui_language": language})
    words = wording(language)
    short = shopper.submit(description="My parcel never arrived")
    assert ret(short) == [
        f"FAIL_BIZ_PARAM_INVALID::{words.refusal('Please complete your message')}"
    ]
    assert ae_server.submissions()[-1]["detail"] == "Please complete your message"
    upload = shopper.upload("notes.txt", b"plain text, not a photo").json()
    assert upload["message"] == words.refusal("Unsupported file format: notes.txt")
    missing = shopper.submit(orderId="99", itemId="9901")
    assert ret(missing) == [f"FAIL_BIZ_ORDER_NOT_FOUND::{words['order_not_exist']}"]
    opened = shopper.submit().json()["data"]
    assert (opened["state"], opened["statusText"], opened["title"]) == (
        "waiting_seller",
        "Waiting for the seller's response",
        "Waiting for the seller to respond",
    )
    page = shopper.page("/p/reverse-pages/start.html?orderId=1002&itemId=100201").html
    init = re.search(r'<script type="application/json" id="reverse-init-data">(.*?)</script>', page)
    assert init is not None
    states = json.loads(init.group(1))["states"]
    assert states["waiting_seller"] == [
        words.title("waiting_seller"),
        words.status("waiting_seller"),
    ]
    assert words.status("waiting_seller") != opened["statusText"]


def test_support_chat_stays_english(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """Whatever the interface language, the support chat's page is English."""
    ae_server.set_faults({"ui_language": "de"})
    chat = shopper.page("/p/support-chat/index.html").html
    assert "Chat now" in chat


@pytest.mark.parametrize(("key", "value"), [("ui_language", "fr"), ("class_drift", 3)])
def test_aliexpress_only_keys_are_refused_on_the_mock_skin(key: str, value: object) -> None:
    """ui_language and class_drift mean nothing on the English, hash-free mock skin."""
    from mock_site.faults import parse_fault_plan

    with pytest.raises(ValueError, match=f"{key} has no meaning on the mock storefront"):
        parse_fault_plan({key: value})
    with pytest.raises(ValueError, match="ui_language"):
        parse_fault_plan({"ui_language": "it"}, skin="aliexpress")
