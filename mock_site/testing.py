"""Run the storefront in a background thread, and drive it through its control API.

Used by the tests and by the agent's CLI for the out-of-the-box demo::

    with StorefrontServer(faults={"busy_first": 2}) as server:
        print(server.url)          # http://127.0.0.1:PORT
        server.disputes()          # GET /__mock/disputes

    with StorefrontServer(skin="aliexpress") as server:
        print(server.login_url)    # http://127.0.0.1:LOGIN_PORT/ (the login origin)

Only the standard library is used on top of the storefront's own dependencies.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http.cookies import SimpleCookie
from types import TracebackType
from typing import Any, Self

import uvicorn
from PIL import Image

from mock_site.aliexpress import create_aliexpress_site
from mock_site.app import create_app
from mock_site.faults import parse_fault_plan
from mock_site.skins import Skin, check_skin
from mock_site.store import Store

__all__ = ["SAMPLE_JPEG", "SAMPLE_MOV", "SAMPLE_MP4", "SAMPLE_PNG", "StorefrontServer"]

HOST = "127.0.0.1"


def _picture(fmt: str) -> bytes:
    """A whole 8x8 picture in *fmt*: the agent decodes photos before it sends them."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 60, 60)).save(out, format=fmt)
    return out.getvalue()


#: Tiny files the storefront accepts as evidence (it judges files by their first bytes), and
#: whole pictures the agent's pre-flight accepts too.
SAMPLE_JPEG = _picture("JPEG")
SAMPLE_PNG = _picture("PNG")
SAMPLE_MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(64)
SAMPLE_MOV = b"\x00\x00\x00\x08wide" + bytes(64)


def _listen() -> socket.socket:
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (with proto 0 it
    # does not, and Nagle + delayed ACKs add 40 ms to many answers)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post_no_redirect(url: str, fields: Mapping[str, str]) -> tuple[int, Any]:
    """POST a form without following redirects: the status and the headers."""
    data = urllib.parse.urlencode(fields).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as answer:  # 3xx and 4xx arrive here without redirects
        return answer.code, answer.headers


def _get_no_redirect(url: str) -> tuple[int, Any]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers


def _cookies(headers: Any) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for line in headers.get_all("Set-Cookie") or []:
        jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


class StorefrontServer:
    """The storefront served by uvicorn on a free port of 127.0.0.1, in a daemon thread.

    ``skin="aliexpress"`` serves the real-shaped storefront, with its login origin on a second
    free port (``login_port``, ``login_url``). The skin defaults to the given store's (else
    ``mock``); a given ``store`` must be of the same skin.
    """

    def __init__(
        self,
        *,
        faults: Mapping[str, object] | None = None,
        store: Store | None = None,
        startup_timeout: float = 10.0,
        skin: Skin | str | None = None,
    ) -> None:
        if skin is None:
            skin = store.skin if store is not None else "mock"
        self.skin: Skin = check_skin(skin)
        if store is not None and store.skin != self.skin:
            raise ValueError(f"the store is of the {store.skin} skin, not {self.skin}")
        plan = parse_fault_plan(faults, skin=self.skin) if faults is not None else None
        self.store = store if store is not None else Store(faults=plan, skin=self.skin)
        if store is not None and plan is not None:
            self.store.set_plan(plan)
        self.startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._login_port = 0

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash."""
        if self._server is None:
            raise RuntimeError("the storefront is not running; call start()")
        return f"http://{HOST}:{self.port}"

    @property
    def login_port(self) -> int:
        """The port of the login page: the storefront's own (mock), or the login origin's."""
        if self._server is None:
            raise RuntimeError("the storefront is not running; call start()")
        return self._login_port

    @property
    def login_url(self) -> str:
        """The login page: ``URL/login`` (mock) or ``http://127.0.0.1:LOGIN_PORT/``."""
        if self.skin == "aliexpress":
            return f"http://{HOST}:{self.login_port}/"
        return f"{self.url}/login"

    @property
    def seeded_dispute_ids(self) -> list[str]:
        """The ids of the disputes that exist after every reset, as this skin shows them."""
        return self.store.seeded_dispute_ids()

    def start(self) -> Self:
        """Start serving; raise RuntimeError if it is not up within ``startup_timeout``."""
        if self._server is not None:
            return self
        socks = [_listen()]
        self.port = self._login_port = socks[0].getsockname()[1]
        if self.skin == "aliexpress":
            socks.append(_listen())
            self._login_port = socks[1].getsockname()[1]
            app: Any = create_aliexpress_site(
                self.store, storefront_port=self.port, login_port=self._login_port, host=HOST
            )
        else:
            app = create_app(self.store)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": socks}, name="storefront", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                for sock in socks:
                    sock.close()
                raise RuntimeError(f"the storefront did not start within {self.startup_timeout} s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread (bounded)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=self.startup_timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def session_cookies(
        self, username: str = "demo", password: str | None = None
    ) -> dict[str, str]:
        """Log in through the skin's login pages; the storefront's cookies, by name.

        mock: ``session``; aliexpress: ``xman_t`` and ``_m_h5_tk`` (after the login origin's
        password step and the SSO ticket). ValueError for wrong credentials.
        """
        secret = username if password is None else password
        if self.skin == "mock":
            fields = {"username": username, "password": secret, "next": "/orders"}
            status, headers = _post_no_redirect(self.login_url, fields)
        else:
            fields = {
                "step": "password",
                "fm-login-id": username,
                "fm-login-password": secret,
                "return_url": self.url + "/p/order/index.html",
            }
            status, headers = _post_no_redirect(self.login_url, fields)
            if status == 302:
                status, headers = _get_no_redirect(headers["Location"])
        cookies = _cookies(headers)
        if status not in (302, 303) or not cookies:
            raise ValueError(f"the storefront refused the login of {username!r}")
        return cookies

    # -- control API ------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: object = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:  # our own http:// URL
            return json.loads(response.read())

    def reset(self) -> None:
        """Back to the seeded state (``POST /__mock/reset``)."""
        self._call("POST", "/__mock/reset")

    def set_faults(self, faults: Mapping[str, object]) -> dict[str, Any]:
        """Replace the fault plan (``PUT /__mock/faults``); ValueError names a bad key."""
        try:
            result: dict[str, Any] = self._call("PUT", "/__mock/faults", dict(faults))
        except urllib.error.HTTPError as error:
            raise ValueError(json.loads(error.read()).get("error", str(error))) from None
        return result

    def faults(self) -> dict[str, Any]:
        """The fault plan in force."""
        result: dict[str, Any] = self._call("GET", "/__mock/faults")
        return result

    def disputes(self) -> list[dict[str, Any]]:
        """Every dispute created, duplicates included."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock/disputes")
        return result

    def store_answer(self, dispute_id: str, action: str, **fields: object) -> dict[str, Any]:
        """The store answers a request (``POST /__mock/disputes/{id}/store``): ``action`` and
        ``amount``, ``reason``, ``deadline_s``; ValueError with the storefront's words."""
        payload = {"action": action, **fields}
        try:
            path = f"/__mock/disputes/{urllib.parse.quote(dispute_id)}/store"
            result: dict[str, Any] = self._call("POST", path, payload)
        except urllib.error.HTTPError as error:
            raise ValueError(json.loads(error.read()).get("error", str(error))) from None
        return result

    def submissions(self) -> list[dict[str, Any]]:
        """Every submit and its answer."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock/submissions")
        return result

    def orders(self) -> list[dict[str, Any]]:
        """The seeded orders with their eligibility."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock/orders")
        return result

    def chats(self) -> list[dict[str, Any]]:
        """Every support chat's transcript since the reset (``GET /__mock/chats``)."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock/chats")
        return result
