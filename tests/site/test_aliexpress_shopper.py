"""A shopper's HTTP client and an HTML reader for the aliexpress skin's HTTP tests.

The other ``test_aliexpress_*`` files import :class:`AeShopper` and :class:`Html` from here; the
tests below check the helpers themselves against a live server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from mock_site.testing import SAMPLE_JPEG, StorefrontServer

SUBMIT_PATH = "/h5/mtop.ae.reverse.submit/1.0/"
VALID: dict[str, Any] = {
    "orderId": "1001",
    "itemId": "100101",
    "receiptStatus": "NOT_RECEIVED",
    "solutionType": "REFUND_ONLY",
    "reasonId": "5101",
    "refundAmount": "12.99",
    "currency": "USD",
    "description": "My parcel never arrived.",
    "evidence": [],
}
_VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source"})


@dataclass
class Element:
    """One element: tag, attributes, text content."""

    tag: str
    attrs: dict[str, str | None]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text content, whitespace collapsed."""
        return " ".join("".join(self.parts).split())

    @property
    def classes(self) -> list[str]:
        """The class names."""
        return (self.attrs.get("class") or "").split()


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)


class Html:
    """A parsed page, looked into by class name as the aliexpress profile does."""

    def __init__(self, html: str) -> None:
        parser = _Parser()
        parser.feed(html)
        self.html = html
        self.elements = parser.elements

    def all(self, cls: str, tag: str | None = None) -> list[Element]:
        """Every element with this class (and tag)."""
        return [e for e in self.elements if cls in e.classes and tag in (None, e.tag)]

    def one(self, cls: str) -> Element:
        """The single element with this class."""
        found = self.all(cls)
        assert len(found) == 1, f"{len(found)} elements with class {cls}"
        return found[0]

    def texts(self, cls: str) -> list[str]:
        """The texts of every element with this class."""
        return [e.text for e in self.all(cls)]

    def buttons(self, text: str) -> list[Element]:
        """The ``button.comet-btn`` elements with this text."""
        return [e for e in self.all("comet-btn", "button") if e.text == text]


class AeShopper:
    """demo (or another account) on the aliexpress skin, over httpx."""

    def __init__(self, server: StorefrontServer, username: str = "demo", *, login: bool = True):
        self.server = server
        self.client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
        if login:
            self.client.cookies.update(server.session_cookies(username))

    @property
    def token(self) -> str:
        """The token part of ``_m_h5_tk`` (everything before the last ``_``)."""
        return self.client.cookies.get("_m_h5_tk", "").rsplit("_", 1)[0]

    def page(self, path: str, status: int = 200) -> Html:
        """GET a page, check its status and parse it."""
        response = self.client.get(path)
        assert response.status_code == status, (response.status_code, response.text[:300])
        return Html(response.text)

    def upload(self, name: str = "photo.jpg", content: bytes = SAMPLE_JPEG) -> httpx.Response:
        """Upload one evidence file as the page does."""
        return self.client.post("/x/upload?scene=reverse", files={"file": (name, content)})

    def photo(self) -> str:
        """The id of a freshly uploaded photo."""
        answer = self.upload().json()
        assert answer["success"], answer
        return str(answer["fileId"])

    def submit(self, *, sign: str | None = None, **fields: Any) -> httpx.Response:
        """POST the submit as the page does: a valid request unless ``fields`` say otherwise."""
        data = {**VALID, **fields}
        params = {"api": "mtop.ae.reverse.submit", "v": "1.0", "sign": self.token}
        if sign is not None:
            params["sign"] = sign
        return self.client.post(SUBMIT_PATH, params=params, data={"data": json.dumps(data)})

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def ret(response: httpx.Response) -> list[str]:
    """The ``ret`` of a JSON answer."""
    value: list[str] = response.json()["ret"]
    return value


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


def test_shopper_logs_in_and_submits(ae_server: StorefrontServer) -> None:
    """The helper's login gives both cookies, and its default submit opens a request."""
    ae_server.reset()
    shopper = AeShopper(ae_server)
    try:
        assert set(shopper.client.cookies.keys()) == {"xman_t", "_m_h5_tk"}
        token, expiry = shopper.client.cookies["_m_h5_tk"].rsplit("_", 1)
        assert token == shopper.token != ""
        assert expiry.isdigit()
        assert ret(shopper.submit())[0] == "SUCCESS::调用成功"
    finally:
        shopper.close()


def test_html_reader_finds_by_class() -> None:
    """Html finds elements by class, text and button text."""
    page = Html(
        '<div class="a b">x <span class="b">y</span></div><button class="comet-btn">Go</button>'
    )
    assert page.texts("b") == ["x y", "y"]
    assert page.one("a").tag == "div"
    assert len(page.buttons("Go")) == 1
