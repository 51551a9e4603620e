"""The support chat on the aliexpress skin: its own page (class names), the shared endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_site.testing import StorefrontServer
from tests.site.test_aliexpress_shopper import AeShopper

PAGE = "/p/support-chat/index.html"


@pytest.fixture(scope="module")
def ae_chat_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


@pytest.fixture
def shopper(ae_chat_server: StorefrontServer) -> Iterator[AeShopper]:
    """demo logged in on a freshly reset aliexpress store, the operator quick."""
    ae_chat_server.reset()
    ae_chat_server.set_faults({"chat_queue_s": 0, "chat_operator_delay_s": 0})
    shopper = AeShopper(ae_chat_server)
    yield shopper
    shopper.close()


def test_the_page_needs_a_login(ae_chat_server: StorefrontServer) -> None:
    """A logged-out visitor goes to the login origin, coming back to the chat afterwards."""
    visitor = AeShopper(ae_chat_server, login=False)
    try:
        response = visitor.client.get(PAGE)
        assert response.status_code == 302
        assert response.headers["location"].startswith(ae_chat_server.login_url)
        assert "support-chat" in response.headers["location"]
    finally:
        visitor.close()


def test_the_page_has_this_skins_markup(shopper: AeShopper) -> None:
    """Class names, no test ids: start button, disabled editor, the API and limits on the root."""
    page = shopper.page(PAGE)
    [root] = page.all("im-chat--wrap--7Hq2dLm")
    assert (root.attrs["data-api"], root.attrs["data-status"]) == ("/support/chat", "none")
    assert root.attrs["data-max-images"] == "5"
    assert page.one("im-chat--start--9Lm4nVb").text == "Chat now"
    assert "disabled" in page.one("im-chat--send--4Hj6kLz").attrs
    assert "data-testid" not in page.one("im-chat--input--5Nb3vCx").attrs
    assert "Hi, demo" in page.texts("my-account--name--2Vh3kQe")


def test_offline_hides_the_start_button(
    shopper: AeShopper, ae_chat_server: StorefrontServer
) -> None:
    """chat_offline: the hours shown, no start button."""
    ae_chat_server.set_faults({"chat_offline": True})
    page = shopper.page(PAGE)
    assert page.one("im-chat--offline--5Tr2eWq").text.startswith("Our support team is offline.")
    assert "hidden" not in page.one("im-chat--offline--5Tr2eWq").attrs
    assert "hidden" in page.one("im-chat--start--9Lm4nVb").attrs


def test_the_json_endpoints_take_the_token_cookie(
    shopper: AeShopper, ae_chat_server: StorefrontServer
) -> None:
    """POSTs carry the _m_h5_tk token as X-CSRF-Token; the chat is the store's, seen by /__mock."""
    headers = {"X-CSRF-Token": shopper.token}
    refused = shopper.client.post("/support/chat/start", headers={"X-CSRF-Token": "nope"})
    assert refused.status_code == 403
    view = shopper.client.post("/support/chat/start", headers=headers).json()
    assert view["status"] == "open"
    assert [m["text"] for m in view["messages"]][-1] == "Please tell me your order number."
    sent = shopper.client.post("/support/chat/send", headers=headers, json={"text": "Order 1001."})
    assert sent.json()["status"] == "sent"
    [row] = ae_chat_server.chats()
    assert (row["account"], row["order_id"]) == ("demo", "1001")
