"""Access: the dispute form needs its CSRF token, and one account never reaches another's order.

HTTP-level, against the running storefront: a shopper's client logs in through the login form
and submits the dispute form the way a browser does (multipart, with the form's hidden token).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from mock_site.testing import StorefrontServer

MESSAGE = "My parcel never arrived, please refund me."
FORM = {
    "received": "no",
    "reason": "not_received",
    "solution": "refund",
    "refund": "full",
    "message": MESSAGE,
}
FETCH = {"X-Requested-With": "fetch"}
NO_FILE = [("evidence", ("", b"", "application/octet-stream"))]


class Shopper:
    """A logged-in account's HTTP client."""

    def __init__(self, server: StorefrontServer, account: str) -> None:
        self.client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        response = self.client.post(
            "/login", data={"username": account, "password": account, "next": "/orders"}
        )
        assert response.status_code == 303, response.text[:300]

    def csrf(self, order_id: str) -> str:
        """The token in the order's dispute form."""
        page = self.client.get(f"/order/{order_id}/dispute")
        assert page.status_code == 200, page.status_code
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match is not None
        return match.group(1)

    def submit(self, order_id: str, *, csrf: str | None, fetch: bool = False) -> httpx.Response:
        """POST the dispute form, with this token (None: no token field at all)."""
        data = dict(FORM) if csrf is None else {**FORM, "csrf_token": csrf}
        return self.client.post(
            f"/order/{order_id}/dispute", data=data, files=NO_FILE, headers=FETCH if fetch else {}
        )


@pytest.fixture
def shoppers(storefront: StorefrontServer) -> Iterator[dict[str, Shopper]]:
    """The demo and the other account, each logged in with its own client."""
    made = {name: Shopper(storefront, name) for name in ("demo", "other")}
    yield made
    for shopper in made.values():
        shopper.client.close()


def disputes_of(server: StorefrontServer, order_id: str) -> list[str]:
    """The dispute ids the storefront holds for an order."""
    return [d["dispute_id"] for d in server.disputes() if d["order_id"] == order_id]


@pytest.mark.parametrize("fetch", [False, True], ids=["page", "fetch"])
def test_submission_without_csrf_token_is_refused(
    storefront: StorefrontServer, shoppers: dict[str, Shopper], fetch: bool
) -> None:
    """No csrf_token field: 403, no dispute, the submission recorded as forbidden."""
    response = shoppers["demo"].submit("2000", csrf=None, fetch=fetch)
    assert response.status_code == 403
    if fetch:
        assert response.json()["status"] == "forbidden"
    assert disputes_of(storefront, "2000") == []
    assert [(s["answer"], s["status_code"]) for s in storefront.submissions()] == [
        ("forbidden", 403)
    ]


@pytest.mark.parametrize("token", ["", "x" * 43, "not-the-token"], ids=["empty", "forged", "junk"])
def test_submission_with_a_wrong_csrf_token_is_refused(
    storefront: StorefrontServer, shoppers: dict[str, Shopper], token: str
) -> None:
    """An empty, forged or junk token: 403 and no dispute."""
    shoppers["demo"].csrf("2000")  # the form was loaded, its token is not sent
    response = shoppers["demo"].submit("2000", csrf=token)
    assert response.status_code == 403
    assert disputes_of(storefront, "2000") == []


def test_another_sessions_token_is_refused(
    storefront: StorefrontServer, shoppers: dict[str, Shopper]
) -> None:
    """A token is bound to its session: the other account's valid token does not work for demo."""
    foreign = shoppers["other"].csrf("1008")
    response = shoppers["demo"].submit("2000", csrf=foreign)
    assert response.status_code == 403
    assert disputes_of(storefront, "2000") == []


def test_the_right_token_is_accepted(
    storefront: StorefrontServer, shoppers: dict[str, Shopper]
) -> None:
    """Control: the form's own token opens the dispute."""
    demo = shoppers["demo"]
    response = demo.submit("2000", csrf=demo.csrf("2000"))
    assert response.status_code == 303
    assert disputes_of(storefront, "2000") == ["D-000100"]


def test_without_a_session_nothing_is_created(storefront: StorefrontServer) -> None:
    """No session cookie: the submission is sent to the login page and creates nothing."""
    with httpx.Client(base_url=storefront.url, follow_redirects=False, timeout=30) as client:
        response = client.post(
            "/order/2000/dispute", data={**FORM, "csrf_token": "x"}, files=NO_FILE
        )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert disputes_of(storefront, "2000") == []


@pytest.mark.parametrize("path", ["/order/1008", "/order/1008/dispute"])
def test_demo_cannot_see_another_accounts_order(shoppers: dict[str, Shopper], path: str) -> None:
    """Order 1008 belongs to "other": for demo its page and its form are 404, as if missing."""
    response = shoppers["demo"].client.get(path)
    assert response.status_code == 404
    assert "1008" not in shoppers["demo"].client.get("/orders").text
    assert shoppers["other"].client.get(path).status_code == 200


@pytest.mark.parametrize("fetch", [False, True], ids=["page", "fetch"])
def test_demo_cannot_dispute_another_accounts_order(
    storefront: StorefrontServer, shoppers: dict[str, Shopper], fetch: bool
) -> None:
    """demo posting a dispute for 1008 with its own valid token: 404 and no dispute."""
    demo = shoppers["demo"]
    response = demo.submit("1008", csrf=demo.csrf("2000"), fetch=fetch)
    assert response.status_code == 404
    assert disputes_of(storefront, "1008") == []
    assert [s["answer"] for s in storefront.submissions()] == ["not_found"]


def test_demo_cannot_see_another_accounts_dispute(
    storefront: StorefrontServer, shoppers: dict[str, Shopper]
) -> None:
    """A dispute "other" opened for 1008 is 404 for demo and visible to its owner."""
    other = shoppers["other"]
    assert other.submit("1008", csrf=other.csrf("1008")).status_code == 303
    [dispute_id] = disputes_of(storefront, "1008")
    assert shoppers["demo"].client.get(f"/dispute/{dispute_id}").status_code == 404
    assert other.client.get(f"/dispute/{dispute_id}").status_code == 200
