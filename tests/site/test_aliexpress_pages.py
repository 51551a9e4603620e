"""The aliexpress skin's pages over HTTP: login origin, order list and detail, returns pages."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from mock_site.aliexpress.wording import INELIGIBLE, REASONS
from mock_site.testing import StorefrontServer
from tests.site.test_aliexpress_shopper import AeShopper, Html

START_1001 = "/p/reverse-pages/start.html?orderId=1001&itemId=100101"


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


@pytest.fixture
def shopper(ae_server: StorefrontServer) -> Iterator[AeShopper]:
    """demo, logged in, on a freshly reset storefront."""
    ae_server.reset()
    shopper = AeShopper(ae_server)
    yield shopper
    shopper.close()


@pytest.mark.parametrize(
    "path",
    [
        "/p/order/index.html",
        "/p/order/detail.html?orderId=1001&spm=a2g0o.order_list.1",
        START_1001,
        "/p/reverse-pages/detail.html?reverseOrderId=5000000000077135",
    ],
)
def test_logged_out_visitors_go_to_the_login_origin(ae_server: StorefrontServer, path: str) -> None:
    """Every order page answers 302 to the other origin, with the full URL to come back to."""
    response = httpx.get(ae_server.url + path)
    assert response.status_code == 302
    expected = ae_server.login_url + "?return_url=" + quote(ae_server.url + path, safe="")
    assert response.headers["location"] == expected
    assert ae_server.login_port != ae_server.port


def test_login_in_two_steps_then_back_through_a_ticket(ae_server: StorefrontServer) -> None:
    """Account, then password, then a one-time ticket that sets the cookies on the storefront."""
    back = ae_server.url + "/p/order/detail.html?orderId=1002&spm=x"
    with httpx.Client(follow_redirects=False) as browser:
        first = Html(browser.get(ae_server.login_url, params={"return_url": back}).text)
        assert [e.attrs.get("id") for e in first.all("fm-text")] == ["fm-login-id"]
        fields = {"step": "account", "fm-login-id": "demo", "return_url": back}
        second = Html(browser.post(ae_server.login_url, data=fields).text)
        assert [e.attrs.get("id") for e in second.all("fm-text")] == ["fm-login-password"]
        assert second.one("fm-account-name").text == "demo"
        fields = {**fields, "step": "password", "fm-login-password": "wrong"}
        refused = browser.post(ae_server.login_url, data=fields)
        assert refused.status_code == 200
        assert (
            Html(refused.text).one("fm-error").text == "Your account name or password is incorrect."
        )
        answer = browser.post(ae_server.login_url, data={**fields, "fm-login-password": "demo"})
        assert answer.status_code == 302
        ticket_url = answer.headers["location"]
        assert ticket_url.startswith(ae_server.url + "/sso/ticket?ticket=")
        landed = browser.get(ticket_url)
        assert landed.status_code == 302
        assert landed.headers["location"] == "/p/order/detail.html?orderId=1002&spm=x"
        assert {"xman_t", "_m_h5_tk"} <= set(browser.cookies.keys())
        assert "httponly" in landed.headers.get_list("set-cookie")[0].lower()
        again = browser.get(ticket_url)
        assert again.headers["location"].startswith(ae_server.login_url)


def test_login_asks_for_an_account_first(ae_server: StorefrontServer) -> None:
    """An empty account is refused at the first step with the site's sentence."""
    answer = httpx.post(ae_server.login_url, data={"step": "account", "fm-login-id": " "})
    page = Html(answer.text)
    assert page.one("fm-error").text == "Please enter your email address or phone number."
    assert [e.attrs.get("id") for e in page.all("fm-text")] == ["fm-login-id"]


def test_login_never_sends_people_to_another_site(ae_server: StorefrontServer) -> None:
    """A return_url outside the storefront is replaced by the order list."""
    fields = {
        "step": "password",
        "fm-login-id": "demo",
        "fm-login-password": "demo",
        "return_url": "http://elsewhere.invalid/steal",
    }
    answer = httpx.post(ae_server.login_url, data=fields)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["return_url"] == [ae_server.url + "/p/order/index.html"]


def test_no_data_testid_and_the_banner_until_accepted(shopper: AeShopper) -> None:
    """No page carries data-testid; the cookie banner is there until gdpr_consent=1."""
    paths = [
        "/p/order/index.html",
        "/p/order/detail.html?orderId=1001",
        START_1001,
        "/p/reverse-pages/detail.html?reverseOrderId=5000000000077135",
    ]
    for path in paths:
        page = shopper.page(path)
        assert "data-testid" not in page.html
        assert len(page.all("btn-accept", "button")) == 1
    assert "data-testid" not in httpx.get(shopper.server.login_url).text
    shopper.client.cookies.set("gdpr_consent", "1")
    assert shopper.page("/p/order/index.html").all("global-gdpr-wrap") == []


def test_order_list_pages(shopper: AeShopper) -> None:
    """20 orders a page, the multi-item orders first; buttons in .order-item-btns; 31 pages.

    demo has 610 orders: 1001..1007, 2000..2599 and the three multi-item orders.
    """
    page = shopper.page("/p/order/index.html")
    items = page.all("order-item")
    assert len(items) == 20
    assert page.texts("order-item-header-right-id")[:4] == [
        "3044357010127135",
        "3043329396767135",
        "3042816799787135",
        "1001",
    ]
    assert len(page.all("order-item-btns")) == 20
    link = page.all("order-item-header-right-link")[0].attrs["href"] or ""
    assert link.startswith("/p/order/detail.html?orderId=3044357010127135&spm=")
    assert page.one("order-pagination-current").text == "Page 1 of 31"
    last = shopper.page("/p/order/index.html?page=31")
    assert len(last.all("order-item")) == 610 - 30 * 20
    assert "1008" not in last.html


@pytest.mark.parametrize(
    ("order_id", "status", "buttons", "tip"),
    [
        ("1001", "Awaiting delivery", 1, None),
        ("1002", "Delivered", 1, None),
        ("1003", "Completed", 0, INELIGIBLE["protection_ended"]),
        ("1004", "Delivered", 1, None),
        ("1005", "Completed", 0, INELIGIBLE["receipt_confirmed"]),
        ("1006", "Closed", 0, INELIGIBLE["proposal_accepted"]),
        ("1007", "Delivered", 1, None),  # its request's: the button leads to it
        ("2042", "Awaiting delivery", 1, None),
    ],
)
def test_order_detail(
    shopper: AeShopper, order_id: str, status: str, buttons: int, tip: str | None
) -> None:
    """Status, one Returns/refunds per eligible item line or line with a request, the site's
    words when not eligible."""
    page = shopper.page(f"/p/order/detail.html?orderId={order_id}&spm=a2g0o.1")
    assert page.one("order-status-title").text == status
    assert len(page.buttons("Returns/refunds")) == buttons
    assert page.texts("order-detail-item-tip") == ([tip] if tip else [])


def test_returns_button_shapes(shopper: AeShopper) -> None:
    """Delivered: a button inside a target=_blank link; in transit: a button that asks first."""
    delivered = shopper.page("/p/order/detail.html?orderId=1002")
    [link] = delivered.all("order-detail-item-btn-link", "a")
    assert link.attrs["target"] == "_blank"
    assert link.attrs["href"] == "/p/reverse-pages/start.html?orderId=1002&itemId=100201"
    in_transit = shopper.page("/p/order/detail.html?orderId=1001")
    [button] = in_transit.buttons("Returns/refunds")
    assert button.attrs["data-reverse-href"] == START_1001
    assert "hidden" in in_transit.one("comet-modal-wrap").attrs
    [no] = in_transit.buttons("No")
    [yes] = in_transit.buttons("Yes")
    assert "comet-btn-primary" not in no.classes and "comet-btn-primary" in yes.classes
    links = in_transit.all("comet-modal-link", "a")
    assert [(a.attrs["data-received"], a.attrs["target"]) for a in links] == [
        ("no", "_blank"),
        ("yes", "_blank"),
    ]


def test_existing_requests_show_status_and_id(shopper: AeShopper) -> None:
    """1007 and the multi-item orders show each request's status with its id in the link."""
    page = shopper.page("/p/order/detail.html?orderId=1007")
    assert page.texts("order-detail-item-reverse-status") == ["Waiting for AliExpress's feedback"]
    [link] = page.all("order-detail-item-reverse-link")
    assert link.attrs["href"] == "/p/reverse-pages/detail.html?reverseOrderId=5000000000077135"
    two = shopper.page("/p/order/detail.html?orderId=3044357010127135")
    assert len(two.buttons("Returns/refunds")) == 2
    mixed = shopper.page("/p/order/detail.html?orderId=3043329396767135")
    # an item with a request keeps its button (as on the real site): it leads to the request
    assert len(mixed.buttons("Returns/refunds")) == 2
    assert mixed.texts("order-detail-item-reverse-status") == ["Waiting for your response"]
    done = shopper.page("/p/order/detail.html?orderId=3042816799787135")
    assert len(done.buttons("Returns/refunds")) == 1
    assert [a.attrs["href"] for a in done.all("order-detail-item-btn-link", "a")] == [
        "/p/reverse-pages/detail.html?reverseOrderId=5000000000097135"
    ]
    assert done.texts("order-detail-item-reverse-status") == ["Refund complete"]


def test_unknown_and_other_accounts_orders_are_not_found(shopper: AeShopper) -> None:
    """1008 (other's), an unknown id and a missing id: 404 with the site's sentence."""
    for query in ("orderId=1008", "orderId=999", ""):
        page = shopper.page(f"/p/order/detail.html?{query}", status=404)
        assert page.one("error-page-title").text == "Sorry, we couldn't find this order."


def test_start_page_wizard_markup(shopper: AeShopper) -> None:
    """Not received: Refund only chosen, Return & refund disabled, the not-received reasons."""
    page = shopper.page(START_1001)
    cards = page.all("solution--card--2Xk9WqP")
    assert [c.attrs["data-solution"] for c in cards] == ["REFUND_ONLY", "RETURN_AND_REFUND"]
    assert "solution--selected--1cYhT0s" in cards[0].classes
    assert "solution--disabled--3QmRz8v" in cards[1].classes
    assert page.texts("comet-v2-menu-item") == [r.label for r in REASONS["no"]]
    assert page.one("comet-v2-select-show-arrow").tag == "div"
    assert page.one("comet-v2-input-number-input").attrs["value"] == "12.99"
    assert page.one("commet--textarea--Sg0xapL").tag == "textarea"
    assert page.one("upload--input--0Zx4cVb").attrs["type"] == "file"
    assert [b.text for b in page.all("comet-v2-btn", "button")] == [
        "Next step",
        "Back",
        "Submit",
        "Cancel",
        "Confirm",
    ]
    [submit] = [b for b in page.all("comet-v2-btn") if b.text == "Submit"]
    assert submit.attrs["data-pl"] == "buyersubmit_btn_submit"
    assert "Upload photos/videos (optional)" in page.texts("reverse--label--2Gb7nQc")
    switch = page.one("reverse--switchReceived--4kLp9Zt")
    assert switch.text == "I have received the package"
    assert switch.attrs["href"] == START_1001 + "&received=yes"


def test_start_page_received(shopper: AeShopper) -> None:
    """A delivered item opens as received: no card chosen, the received reasons, photos required."""
    page = shopper.page("/p/reverse-pages/start.html?orderId=1002&itemId=100201")
    assert page.all("solution--selected--1cYhT0s") == []
    assert page.all("solution--disabled--3QmRz8v") == []
    assert page.texts("comet-v2-menu-item") == [r.label for r in REASONS["yes"]]
    assert "Upload photos/videos (required)" in page.texts("reverse--label--2Gb7nQc")
    switched = shopper.page(START_1001 + "&received=yes")
    assert switched.texts("comet-v2-menu-item") == [r.label for r in REASONS["yes"]]


def test_start_page_of_an_item_with_a_request_or_ineligible(shopper: AeShopper) -> None:
    """A request's item shows its status and id instead of the wizard; 1003 shows why not."""
    page = shopper.page("/p/reverse-pages/start.html?orderId=1007&itemId=100701")
    assert page.one("verticalSteps--title--1m4xoBw").text == "We're reviewing your request"
    assert page.one("reminder--statusStr--3FMxRSU").text == "Waiting for AliExpress's feedback"
    assert page.one("reverse--requestIdValue--1Tn4bWc").text == "5000000000077135"
    assert page.all("comet-v2-select") == []
    ended = shopper.page("/p/reverse-pages/start.html?orderId=1003&itemId=100301")
    assert ended.one("reverse--notice--4Hs1bXo").text == INELIGIBLE["protection_ended"]
    shopper.page("/p/reverse-pages/start.html?orderId=1001&itemId=100201", status=404)


def test_request_page(shopper: AeShopper, ae_server: StorefrontServer) -> None:
    """A request's page shows its title, status and id; another account gets 404."""
    path = "/p/reverse-pages/detail.html?reverseOrderId=5000000000087135"
    page = shopper.page(path)
    assert page.one("verticalSteps--title--1m4xoBw").text == (
        "The seller proposed a partial refund"
    )
    assert page.one("reminder--statusStr--3FMxRSU").text == "Waiting for your response"
    other = AeShopper(ae_server, "other")
    try:
        other.page(path, status=404)
    finally:
        other.close()


def test_verification_page_while_the_challenge_is_up(
    shopper: AeShopper, ae_server: StorefrontServer
) -> None:
    """captcha_after=0: pages go to the slider page, which sends back once it is gone."""
    ae_server.set_faults({"captcha_after": 0})
    answer = shopper.client.get("/p/order/detail.html?orderId=1001")
    assert answer.status_code == 302
    punish = answer.headers["location"]
    assert punish.startswith("/_____tmd_____/punish?x5secdata=")
    assert "action=captcha" in punish
    page = shopper.page(punish)
    assert page.one("nc-lang-cnt").text == "Please slide to verify"
    assert page.one("punish-title").text == (
        "Sorry, we have detected unusual traffic from your network."
    )
    ae_server.set_faults({})
    back = shopper.client.get(punish)
    assert back.headers["location"] == "/p/order/detail.html?orderId=1001"
