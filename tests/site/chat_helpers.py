"""A shopper's client of the support chat's JSON endpoints, for the tests/site/test_chat_*.py."""

from __future__ import annotations

import re
from typing import Any

import httpx

from mock_site.chat_routes import CSRF_HEADER

GREETING = "Hello, my name is Anna. Thank you for contacting MockMart support."
ASK_ORDER = "Please tell me your order number."
ORDER_NOT_FOUND = (
    "Sorry, I cannot find this order. Could you please send the order number from your order page?"
)
ASK_SCREENSHOTS = "Thank you. Please send screenshots of the error."
SCREENSHOTS_PLEASE = "Please attach screenshots of the error."
GOT_SCREENSHOTS = "Thank you for the screenshots."
WRITE_IN_ENGLISH = "Please write in English."
KEEP_IT_SHORT = "Please keep your messages short."
GOODBYE = "Thank you for contacting MockMart support. Goodbye!"
INACTIVITY = "The chat was closed due to inactivity"
DEFAULT_QUESTION = "When did you first see the error?"


def case_text(case_number: str) -> str:
    """The operator's message giving the case number."""
    return f"Thank you. Your case number is {case_number}. Our team will contact you by email."


class ChatClient:
    """Drives /support/chat/* for one logged-in shopper (an httpx client with its cookie)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self._csrf: str | None = None

    @property
    def csrf(self) -> str:
        """The session's CSRF token, read once from the chat page."""
        if self._csrf is None:
            page = self.client.get("/support/chat")
            assert page.status_code == 200, page.status_code
            match = re.search(r'data-csrf="([^"]+)"', page.text)
            assert match, "no data-csrf on the chat page"
            self._csrf = match.group(1)
        return self._csrf

    def faults(self, **plan: object) -> None:
        """Replace the fault plan through the control API."""
        response = self.client.put("/__mock/faults", json=plan)
        assert response.status_code == 200, response.text

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST to a chat endpoint with the CSRF header."""
        headers = {CSRF_HEADER: self.csrf, **kwargs.pop("headers", {})}
        return self.client.post("/support/chat/" + path, headers=headers, **kwargs)

    def start(self) -> dict[str, Any]:
        """Start (or resume) the chat; its view."""
        response = self.post("start")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def state(self, since: int = 0, chat: str | None = None) -> dict[str, Any]:
        """Poll the latest chat."""
        params: dict[str, str | int] = {"since": since}
        if chat is not None:
            params["chat"] = chat
        response = self.client.get("/support/chat/state", params=params)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def say(self, text: str) -> httpx.Response:
        """Send a text message."""
        return self.post("send", json={"text": text})

    def attach(self, files: list[tuple[str, bytes]], text: str | None = None) -> httpx.Response:
        """Send images (and an optional text) as one message."""
        parts = [("images", (name, content)) for name, content in files]
        data = {"text": text} if text is not None else {}
        return self.post("attach", files=parts, data=data)

    def operator_says(self) -> list[str]:
        """Every operator message visible now, in order."""
        return [m["text"] for m in self.state()["messages"] if m["sender"] == "operator"]

    def transcripts(self) -> list[dict[str, Any]]:
        """GET /__mock/chats."""
        rows: list[dict[str, Any]] = self.client.get("/__mock/chats").json()
        return rows
