"""The storefront's pages over HTTP: login, orders, each seeded order, the dispute form."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mock_site.testing import StorefrontServer

PACKAGE = Path(__file__).resolve().parents[2] / "mock_site"


def test_pages_need_a_login(storefront: StorefrontServer) -> None:
    """Every page sends a visitor without a session to the login page, coming back afterwards."""
    with httpx.Client(base_url=storefront.url) as client:
        for path in ("/orders", "/order/1002", "/order/1002/dispute", "/dispute/D-000007"):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next={path}"
        assert client.get("/").headers["location"] == "/orders"


def test_login_page_markup(new_shopper) -> None:
    """The login form carries the documented test ids and the next path."""
    page = new_shopper(login=False).page("/login?next=/order/1002")
    for testid in ("login-username", "login-password", "login-submit"):
        assert page.has(testid)
    assert not page.has("login-error")
    assert page.tags("input", name="next")[0].attrs["value"] == "/order/1002"


def test_login_sets_an_httponly_session_cookie(new_shopper) -> None:
    """A good login redirects to next and sets ``session`` HttpOnly, SameSite=Lax."""
    shopper = new_shopper(login=False)
    data = {"username": "demo", "password": "demo", "next": "/order/1002"}
    response = shopper.client.post("/login", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == "/order/1002"
    cookie = response.headers["set-cookie"]
    assert re.match(r"session=[\w-]{30,};", cookie)
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    assert shopper.page("/orders").text("account") == "demo"


@pytest.mark.parametrize(("username", "password"), [("demo", "nope"), ("demo", "démo"), ("x", "x")])
def test_wrong_password_shows_the_login_error(new_shopper, username: str, password: str) -> None:
    """A wrong password or an unknown user answers 401 with login-error and no cookie."""
    shopper = new_shopper(login=False)
    response = shopper.login(username, password)
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert shopper.parse(response).text("login-error") == "Wrong username or password"
    assert shopper.get("/orders").status_code == 303


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", ""])
def test_login_never_redirects_to_another_site(new_shopper, next_path: str) -> None:
    """A next that is not a local path sends the shopper to /orders."""
    shopper = new_shopper(login=False)
    data = {"username": "demo", "password": "demo", "next": next_path}
    assert shopper.client.post("/login", data=data).headers["location"] == "/orders"


def test_logout_ends_the_session(shopper) -> None:
    """Sign out forgets the session on the server."""
    token = shopper.client.cookies["session"]
    assert shopper.client.post("/logout").headers["location"] == "/login"
    shopper.client.cookies.set("session", token)
    assert shopper.get("/orders").status_code == 303


def test_orders_list_has_every_demo_order(shopper) -> None:
    """Orders lists 1001-1007 and the 600 batch orders, never another account's 1008."""
    page = shopper.page("/orders")
    ids = [row.attrs["data-order-id"] for row in page.all("order-row")]
    expected = [str(n) for n in range(1001, 1008)] + [str(n) for n in range(2000, 2600)]
    assert ids == expected
    links = [link.attrs["href"] for link in page.all("order-link")]
    assert links == [f"/order/{n}" for n in expected]


def test_other_account_sees_only_its_order(new_shopper) -> None:
    """The ``other`` account owns 1008 and only 1008."""
    page = new_shopper("other").page("/orders")
    assert [row.attrs["data-order-id"] for row in page.all("order-row")] == ["1008"]


SEEDED = [
    # id, status, total, delivered, days, ineligible, existing
    ("1001", "In transit", "$12.99", "Not delivered yet (shipped 40 days ago)", 20, None, None),
    ("1002", "Delivered", "$24.50", "Delivered 5 days ago", 10, None, None),
    (
        "1003",
        "Delivered",
        "$8.00",
        "Delivered 20 days ago",
        0,
        "Buyer protection ended 5 days ago. Disputes can be opened up to 15 days after delivery.",
        None,
    ),
    ("1004", "Protection extended", "$31.20", "Delivered 20 days ago", 10, None, None),
    (
        "1005",
        "Completed",
        "$5.30",
        "Delivered 8 days ago",
        0,
        "You confirmed receipt of this order. The transaction is closed.",
        None,
    ),
    (
        "1006",
        "Completed",
        "$17.75",
        "Delivered 12 days ago",
        0,
        "You accepted the seller's proposal. The transaction is closed.",
        None,
    ),
    ("1007", "In dispute", "$9.99", "Delivered 3 days ago", 12, None, "Dispute D-000007 is open"),
    ("2000", "In transit", "$10.00", "Not delivered yet (shipped 30 days ago)", 30, None, None),
    ("2599", "In transit", "$10.00", "Not delivered yet (shipped 30 days ago)", 30, None, None),
]


@pytest.mark.parametrize(
    ("order_id", "status", "total", "delivered", "days", "ineligible", "existing"), SEEDED
)
def test_seeded_order_page(
    shopper,
    order_id: str,
    status: str,
    total: str,
    delivered: str,
    days: int,
    ineligible: str | None,
    existing: str | None,
) -> None:
    """Each seeded order's page says what docs/storefront.md says, in its test ids."""
    page = shopper.page(f"/order/{order_id}")
    assert page.text("order-id") == order_id
    assert page.text("order-status") == status
    assert page.text("order-total") == total
    assert page.text("order-delivered") == delivered
    assert page.text("protection-days-left") == f"{days} days left"
    assert page.one("protection-days-left").attrs["data-days"] == str(days)
    button = page.one("open-dispute")
    assert button.attrs["data-form-url"] == f"/order/{order_id}/dispute"
    if ineligible is None:
        assert not page.has("dispute-ineligible")
    else:
        assert page.text("dispute-ineligible") == ineligible
    if existing is None:
        assert not page.has("existing-dispute")
    else:
        assert page.text("existing-dispute") == existing
    assert button.has("disabled") == (ineligible is not None or existing is not None)
    assert page.one("popup-blocked-banner").hidden
    assert page.one("popup-fallback-link").hidden
    assert page.one("popup-fallback-link").attrs["href"] == f"/order/{order_id}/dispute"
    assert page.has("confirm-receipt")
    assert page.has("extend-protection")


@pytest.mark.parametrize("order_id", ["1008", "2600", "999", "abc"])
def test_unknown_or_foreign_order_is_404(shopper, order_id: str) -> None:
    """Another account's order (1008) is as invisible as a missing one."""
    assert shopper.page(f"/order/{order_id}", 404).text("not-found") == "Order not found"
    assert shopper.get(f"/order/{order_id}/dispute").status_code == 404


def test_owner_sees_order_1008(new_shopper) -> None:
    """The other account sees its own order 1008."""
    page = new_shopper("other").page("/order/1008")
    assert page.text("order-total") == "$14.00"


def test_order_page_says_when_a_dispute_was_opened(shopper) -> None:
    """After a dispute is created, the order page shows it and Open dispute is disabled."""
    assert shopper.submit("1002").headers["location"] == "/dispute/D-000100"
    page = shopper.page("/order/1002")
    assert page.text("existing-dispute") == "Dispute D-000100 is open"
    assert page.one("open-dispute").has("disabled")
    assert not page.has("dispute-ineligible")


def test_dispute_page(new_shopper) -> None:
    """/dispute/ID says it opened; unknown ids and other accounts' disputes are 404."""
    shopper = new_shopper()
    assert shopper.page("/dispute/D-000007").text("dispute-result") == "Dispute D-000007 opened"
    assert shopper.get("/dispute/D-999999").status_code == 404
    assert new_shopper("other").get("/dispute/D-000007").status_code == 404


def test_dispute_form_markup(shopper) -> None:
    """The form carries every documented test id, empty reasons and a disabled amount."""
    page = shopper.page("/order/1002/dispute")
    form = page.one("dispute-form")
    assert form.attrs["action"] == "/order/1002/dispute"
    assert form.attrs["enctype"] == "multipart/form-data"
    assert form.attrs["data-submit"] == "page"
    for testid in (
        "received-yes",
        "received-no",
        "reason",
        "solution-refund",
        "solution-return",
        "refund-full",
        "refund-partial",
        "amount",
        "message",
        "evidence",
        "submit-dispute",
        "form-error",
    ):
        assert page.has(testid), testid
    assert page.options() == [""]
    assert page.one("amount").has("disabled")
    assert page.one("evidence").has("multiple")
    assert page.one("evidence").attrs["type"] == "file"
    assert page.one("solution-refund").has("checked")
    assert page.one("refund-full").has("checked")
    assert not page.one("received-yes").has("checked")
    assert page.one("form-error").hidden
    assert not page.has("busy-banner")
    assert len(page.tags("input", name="csrf_token")) == 1
    reasons = page.one("reason").attrs["data-reasons"] or ""
    assert "not_received" in reasons
    assert "does_not_work" in reasons


def test_dispute_form_of_an_ineligible_order(shopper) -> None:
    """An ineligible order's form page says why and has no form."""
    page = shopper.page("/order/1005/dispute")
    assert page.text("dispute-ineligible").startswith("You confirmed receipt")
    assert not page.has("dispute-form")


def test_confirm_receipt_closes_the_order(shopper) -> None:
    """Confirm receipt (with the CSRF token) makes the order ineligible."""
    token = shopper.csrf("1002")
    response = shopper.client.post("/order/1002/confirm-receipt", data={"csrf_token": token})
    assert response.headers["location"] == "/order/1002"
    page = shopper.page("/order/1002")
    assert page.text("dispute-ineligible").startswith("You confirmed receipt")
    assert page.one("open-dispute").has("disabled")
    assert page.one("confirm-receipt").has("disabled")


def test_extend_protection_adds_15_days_once(shopper) -> None:
    """Extend protection adds 15 days and then is disabled; a wrong token is refused."""
    token = shopper.csrf("1002")
    refused = shopper.client.post("/order/1002/extend-protection", data={"csrf_token": "x"})
    assert refused.status_code == 403
    shopper.client.post("/order/1002/extend-protection", data={"csrf_token": token})
    page = shopper.page("/order/1002")
    assert page.text("protection-days-left") == "25 days left"
    assert page.text("order-status") == "Protection extended"
    assert page.one("extend-protection").has("disabled")


def test_static_files_and_no_external_urls(shopper) -> None:
    """CSS and JS are served locally; no page or asset refers to another host."""
    for asset in ("/static/site.css", "/static/site.js"):
        assert shopper.get(asset).status_code == 200
    texts = [p.read_text(encoding="utf-8") for p in (PACKAGE / "templates").iterdir()]
    texts += [p.read_text(encoding="utf-8") for p in (PACKAGE / "static").iterdir()]
    texts += [shopper.get(path).text for path in ("/orders", "/order/1002", "/login")]
    for text in texts:
        assert "http://" not in text
        assert "https://" not in text
