"""Fixtures for the storefront's HTTP-level tests: a shopper's HTTP client and an HTML reader."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from mock_site.store import Store
from mock_site.testing import SAMPLE_JPEG, StorefrontServer

_VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source"})


@dataclass
class Element:
    """One element of a page: its tag, attributes and text content."""

    tag: str
    attrs: dict[str, str | None]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text content, whitespace collapsed."""
        return " ".join("".join(self.parts).split())

    @property
    def hidden(self) -> bool:
        """Whether the element carries the ``hidden`` attribute."""
        return "hidden" in self.attrs

    def has(self, attribute: str) -> bool:
        """Whether a (boolean) attribute is present."""
        return attribute in self.attrs


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


class Page:
    """A parsed HTML answer, looked into by ``data-testid`` like the agent does."""

    def __init__(self, html: str) -> None:
        parser = _Parser()
        parser.feed(html)
        self.html = html
        self.elements = parser.elements

    def all(self, testid: str) -> list[Element]:
        """Every element with this test id."""
        return [e for e in self.elements if e.attrs.get("data-testid") == testid]

    def has(self, testid: str) -> bool:
        """Whether an element with this test id is in the page (hidden or not)."""
        return bool(self.all(testid))

    def one(self, testid: str) -> Element:
        """The single element with this test id."""
        found = self.all(testid)
        assert len(found) == 1, f"{len(found)} elements with data-testid={testid}"
        return found[0]

    def text(self, testid: str) -> str:
        """The text of the single element with this test id."""
        return self.one(testid).text

    def tags(self, tag: str, **attrs: str) -> list[Element]:
        """Elements by tag and exact attribute values."""
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def options(self) -> list[str]:
        """The values of the reason select's options."""
        return [o.attrs.get("value") or "" for o in self.tags("option")]


VALID = {
    "received": "no",
    "reason": "not_received",
    "solution": "refund",
    "refund": "full",
    "message": "My parcel never arrived.",
}


class Shopper:
    """A shopper's HTTP client (httpx against the server, or Starlette's TestClient)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def login(self, username: str = "demo", password: str = "demo") -> httpx.Response:
        """Log in through the login form."""
        data = {"username": username, "password": password, "next": "/orders"}
        return self.client.post("/login", data=data)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET a path (redirects are not followed)."""
        return self.client.get(path, **kwargs)

    @staticmethod
    def parse(response: httpx.Response) -> Page:
        """Parse an HTML answer."""
        return Page(response.text)

    def page(self, path: str, status: int = 200) -> Page:
        """GET a page, check its status and parse it."""
        response = self.client.get(path)
        assert response.status_code == status, (response.status_code, response.text[:500])
        return Page(response.text)

    def csrf(self, order_id: str = "1002") -> str:
        """The CSRF token from the order's dispute form."""
        match = re.search(
            r'name="csrf_token" value="([^"]+)"', self.get(f"/order/{order_id}/dispute").text
        )
        assert match, "no csrf_token in the dispute form"
        return match.group(1)

    def submit(
        self,
        order_id: str = "1002",
        *,
        fetch: bool = False,
        csrf: str | None = None,
        files: list[tuple[str, bytes]] | None = None,
        **fields: str,
    ) -> httpx.Response:
        """POST the dispute form: a valid not-received dispute unless fields say otherwise."""
        data = {**VALID, **fields}
        data["csrf_token"] = self.csrf(order_id) if csrf is None else csrf
        if data.get("received") == "yes" and files is None:
            files = [("photo.jpg", SAMPLE_JPEG)]
        parts = [("evidence", (name, content)) for name, content in files or []]
        headers = {"X-Requested-With": "fetch"} if fetch else {}
        if parts:
            return self.client.post(
                f"/order/{order_id}/dispute", data=data, files=parts, headers=headers
            )
        # multipart even without files, as the browser sends it
        empty = [("evidence", ("", b"", "application/octet-stream"))]
        return self.client.post(
            f"/order/{order_id}/dispute", data=data, files=empty, headers=headers
        )


@pytest.fixture
def new_shopper(storefront: StorefrontServer) -> Iterator[Callable[..., Shopper]]:
    """Make logged-in shoppers (``new_shopper("other")``) against the running storefront."""
    clients: list[httpx.Client] = []

    def make(username: str = "demo", *, login: bool = True) -> Shopper:
        client = httpx.Client(
            base_url=storefront.url, follow_redirects=False, timeout=30, verify=False
        )
        clients.append(client)
        shopper = Shopper(client)
        if login:
            assert shopper.login(username, username).status_code == 303
        return shopper

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def shopper(new_shopper: Callable[..., Shopper]) -> Shopper:
    """The demo account, logged in, against the running storefront."""
    return new_shopper()


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Local:
    """A storefront whose clock, wall clock and sleep are the test's (its own server)."""

    store: Store
    clock: FakeClock
    shopper: Shopper
    sleeps: list[float]
    during_sleep: list[Callable[[], None]]


WALL_TIME = 1_700_000_000.0  # what the controlled storefront's wall clock always says


@pytest.fixture(scope="session")
def _controlled() -> Iterator[
    tuple[StorefrontServer, FakeClock, list[float], list[Callable[[], None]]]
]:
    clock = FakeClock()
    sleeps: list[float] = []
    during_sleep: list[Callable[[], None]] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        for check in during_sleep:
            check()

    store = Store(clock=clock, wall_clock=lambda: WALL_TIME, sleep=fake_sleep)
    with StorefrontServer(store=store) as server:
        yield server, clock, sleeps, during_sleep


@pytest.fixture
def local(
    _controlled: tuple[StorefrontServer, FakeClock, list[float], list[Callable[[], None]]],
) -> Iterator[Local]:
    """A freshly reset storefront whose time and sleeping are under the test's control."""
    server, clock, sleeps, during_sleep = _controlled
    clock.now = 1000.0
    sleeps.clear()
    during_sleep.clear()
    server.reset()
    with httpx.Client(
        base_url=server.url, follow_redirects=False, timeout=30, verify=False
    ) as client:
        shopper = Shopper(client)
        assert shopper.login().status_code == 303
        yield Local(server.store, clock, shopper, sleeps, during_sleep)
