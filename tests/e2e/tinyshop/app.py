"""TinyShop: a tiny storefront whose flow differs from both bundled skins, for the agent's tests.

One page signs in (email and password on one form). The order page links to the claim form in
the same tab. The form has a checkbox "I received the item", a native select whose values are
the site's own ids, radios, a text area and a plain file input. "Send claim" fires a tracking
beacon, then POSTs JSON to /api/v2/claims; the answer is JSON of its own shape
(``{"ok": true, "claim": {"number": "C-1001"}}`` or ``{"ok": false, "error": {"code", "text"}}``,
busy as ``RATE_LIMITED`` in an HTTP 200) and a toast that is removed after one second. The
order page shows a claim as ``Claim <em>C-1001</em> is under review``.

Test control: ``POST /__test/faults`` ({"busy_first": N, "busy_after_commit": N}),
``GET /__test/recorded`` (the claims and the tracking beacons counted); `TinyShop` serves it
on a free port of 127.0.0.1.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

REASONS = {"w1": "It never came", "w2": "It is broken", "w3": "It smells odd"}
BUSY_TEXT = "Too many claims right now, try again in a minute"
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>TinyShop</title>
<style>.toast {{ position: fixed; top: 0; background: #fd8; }}</style></head>
<body><header>TinyShop</header>{body}</body></html>"""
FORM = """
<h2>Claim for order {order}</h2>
<form id="claim" onsubmit="return false">
  <label><input type="checkbox" id="got"> I received the item</label>
  <label>Why? <select id="why"><option value="">--</option>{options}</select></label>
  <label><input type="radio" name="want" id="want-money" value="money" checked> Money back</label>
  <label><input type="radio" name="want" id="want-return" value="return"> Send it back</label>
  <textarea id="note"></textarea>
  <input type="file" id="pics" multiple>
  <button type="button" id="send">Send claim</button>
</form>
<p class="done" hidden></p>
<script>
const send = document.getElementById("send");
function toast(text) {{
  const box = document.createElement("div"); box.className = "toast"; box.textContent = text;
  document.body.appendChild(box); setTimeout(() => box.remove(), 1000);
}}
send.onclick = async () => {{
  fetch("/t/collect", {{method: "POST", body: "click"}});
  await fetch("/t/collect", {{method: "POST", body: "send"}});
  const body = {{order: "{order}", got: document.getElementById("got").checked,
    why: document.getElementById("why").value,
    want: document.querySelector("input[name=want]:checked").value,
    note: document.getElementById("note").value,
    pics: Array.from(document.getElementById("pics").files).map((f) => f.name)}};
  const answer = await (await fetch("/api/v2/claims", {{method: "POST",
    headers: {{"content-type": "application/json"}}, body: JSON.stringify(body)}})).json();
  if (answer.ok) {{
    const done = document.querySelector(".done");
    done.textContent = "Claim " + answer.claim.number + " sent"; done.hidden = false;
    document.getElementById("claim").hidden = true;
  }} else {{ toast(answer.error.text); }}
}};
</script>"""


@dataclass
class Shop:
    """What TinyShop remembers."""

    sessions: set[str] = field(default_factory=set)
    claims: list[dict[str, Any]] = field(default_factory=list)
    beacons: int = 0
    busy_first: int = 0
    busy_after_commit: int = 0
    answered: int = 0
    committed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.claims = [{"number": "C-77", "order": "501", "why": "w2"}]
            self.beacons = self.answered = self.committed = 0
            self.busy_first = self.busy_after_commit = 0

    def claim_of(self, order: str) -> str | None:
        with self.lock:
            found = [c["number"] for c in self.claims if c["order"] == order]
        return found[-1] if found else None


def create_tinyshop(shop: Shop) -> Starlette:
    """The TinyShop app over *shop*."""

    def signed_in(request: Request) -> bool:
        return request.cookies.get("tiny", "") in shop.sessions

    async def signin(request: Request) -> Response:
        nxt = request.query_params.get("next", "/")
        if request.method == "POST":
            form = await request.form()
            if form.get("email") == "demo@tiny.test" and form.get("pass") == "demo":
                token = secrets.token_hex(8)
                shop.sessions.add(token)
                answer = RedirectResponse(str(form.get("next") or "/"), status_code=303)
                answer.set_cookie("tiny", token, httponly=True)
                return answer
            error = '<p class="oops">Wrong email or password</p>'
        else:
            error = ""
        body = (
            f'<form method="post" id="signin">{error}<input name="email" id="email">'
            f'<input name="pass" id="pass" type="password">'
            f'<input type="hidden" name="next" value="{escape(nxt)}">'
            f'<button id="signin-button">Sign in</button></form>'
        )
        return HTMLResponse(PAGE.format(body=body))

    def to_signin(request: Request) -> Response:
        return RedirectResponse(
            f"/account/signin?next={request.url.path}?{request.url.query}", status_code=303
        )

    async def order(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        order_id = request.query_params.get("id", "")
        claim = shop.claim_of(order_id)
        note = (
            f'<div class="claim">Claim <em>{claim}</em> is under review</div>'
            if claim
            else f'<a class="start" href="/shop/claim/{order_id}">Start a claim</a>'
        )
        head = f'<h2 class="order-head">Order #{order_id}</h2>'
        return HTMLResponse(PAGE.format(body=head + note))

    async def claim_form(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        options = "".join(f'<option value="{k}">{v}</option>' for k, v in REASONS.items())
        return HTMLResponse(
            PAGE.format(body=FORM.format(order=request.path_params["order"], options=options))
        )

    async def beacon(request: Request) -> Response:
        with shop.lock:
            shop.beacons += 1
        return JSONResponse({"ok": True})

    async def claims(request: Request) -> Response:
        if not signed_in(request):
            return JSONResponse({"ok": False, "error": {"code": "AUTH", "text": "Sign in"}}, 401)
        data = json.loads(await request.body())
        with shop.lock:
            shop.answered += 1
            if shop.answered <= shop.busy_first:
                return JSONResponse(
                    {"ok": False, "error": {"code": "RATE_LIMITED", "text": BUSY_TEXT}}
                )
            if data.get("why") not in REASONS or len(data.get("note", "")) < 10:
                return JSONResponse(
                    {"ok": False, "error": {"code": "BAD_INPUT", "text": "Please fill in the form"}}
                )
            number = f"C-{1000 + len(shop.claims)}"
            shop.claims.append({**data, "number": number})
            shop.committed += 1
            if shop.committed <= shop.busy_after_commit:
                return JSONResponse(
                    {"ok": False, "error": {"code": "RATE_LIMITED", "text": BUSY_TEXT}}
                )
        return JSONResponse({"ok": True, "claim": {"number": number}})

    async def faults(request: Request) -> Response:
        data = await request.json()
        with shop.lock:
            shop.busy_first = int(data.get("busy_first", 0))
            shop.busy_after_commit = int(data.get("busy_after_commit", 0))
            shop.answered = shop.committed = 0
        return JSONResponse(data)

    async def recorded(request: Request) -> Response:
        with shop.lock:
            return JSONResponse({"claims": shop.claims, "beacons": shop.beacons})

    return Starlette(
        routes=[
            Route("/account/signin", signin, methods=["GET", "POST"]),
            Route("/shop/orders", order),
            Route("/shop/claim/{order}", claim_form),
            Route("/t/collect", beacon, methods=["POST"]),
            Route("/api/v2/claims", claims, methods=["POST"]),
            Route("/__test/faults", faults, methods=["POST"]),
            Route("/__test/recorded", recorded),
        ]
    )


class TinyShop:
    """TinyShop served by uvicorn on a free port of 127.0.0.1, in a daemon thread."""

    def __init__(self) -> None:
        self.shop = Shop()
        self.shop.reset()
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            create_tinyshop(self.shop), log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("TinyShop did not start within 10 s")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
