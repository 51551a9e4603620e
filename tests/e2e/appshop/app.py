"""AppShop: a single-page app store, for the agent's tests (issue 25's first shape).

Every page is the same app shell; the app renders the route itself and talks to one URL,
``POST /graphql``, with an ``operationName`` (``SignIn``, ``Me``, ``Order``, ``Track`` for click
tracking, ``ValidateReturn``, ``UploadPhoto``, ``CreateReturn``); errors come in
``errors[*].extensions.code`` inside an HTTP 200 (``BUSY``, ``UNAUTHENTICATED``,
``BAD_USER_INPUT``). Signing in is a modal; the token is kept in sessionStorage, or in
localStorage when "Keep me signed in" is ticked (``token_store = "memory"``: in a variable only).
"Start a return" replaces the order with the return form, in an ``<iframe>``: the order's items
(a tick box and a quantity each), received, the reason picker (radio choices with descriptions
inside a custom element's shadow root, no opener), a message the app cuts at 200 characters, a
drop zone for photos (each one uploaded when dropped or chosen), and "Review", which validates
and shows the review step with a required check box and "Submit request". Busy is an overlay
over the app with a countdown (``countdown_s``); success: "Request RT-1001 submitted".

Account ``demo@app.test`` / ``demo``. Orders: 800 a lamp; 801 a kettle (K-1) and six mugs
(M-2); 802 with request RT-77; 803 past its return window. Test control: ``AppShop.state``.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.e2e.served import Served

USER, PASSWORD = "demo@app.test", "demo"
NOTE_MAX = 200
REASONS = {
    "R1": ("Never delivered", "The parcel did not reach me"),
    "R2": ("Arrived damaged", "Broken, cracked or dented on arrival"),
    "R3": ("Wrong item", "Not the item I ordered"),
}
ORDERS: dict[str, list[tuple[str, str, int]]] = {
    "800": [("L-1", "Lamp", 1)],
    "801": [("K-1", "Kettle", 1), ("M-2", "Mugs", 6)],
    "802": [("T-3", "Toaster", 1)],
    "803": [("P-4", "Pan", 1)],
}
CLOSED = {"803": "This order can no longer be returned"}

SHELL = """<!doctype html><html><head><meta charset="utf-8"><title>AppShop</title><style>
.modal, .busy-overlay { position: fixed; inset: 0; background: rgba(0,0,0,.4); }
.modal form, .busy-overlay p { background: #fff; margin: 80px auto; width: 320px; padding: 16px; }
iframe { width: 100%; height: 640px; border: 0; }
</style></head><body>
<header><b>AppShop</b> <span class="account" hidden></span></header>
<main id="app"></main>
<div class="modal" id="signin-modal" hidden><form id="signin-form" onsubmit="return false">
  <h2>Sign in</h2><input id="email" placeholder="Email">
  <input id="password" type="password" placeholder="Password">
  <label><input type="checkbox" id="keep"> Keep me signed in</label>
  <button id="signin">Sign in</button><p class="signin-error" hidden>Wrong email or password</p>
</form></div>
<div class="busy-overlay" hidden><p>Our servers are busy. Trying again in
  <span class="count"></span> s.</p></div>
<script>
const STORE = "__STORE__";
const KEY = "appshop.token";
window.appToken = () => STORE === "memory" ? (window.__token || null)
  : sessionStorage.getItem(KEY) || localStorage.getItem(KEY);
window.gql = async (operationName, variables) => {
  const r = await fetch("/graphql", {method: "POST", headers: {"content-type": "application/json",
    "authorization": "Bearer " + (appToken() || "")},
    body: JSON.stringify({operationName, query: operationName, variables: variables || {}})});
  return r.json();
};
window.track = (event) => { gql("Track", {event}); };
const app = document.getElementById("app");
const modal = document.getElementById("signin-modal");
window.showSignin = () => { modal.hidden = false; };
document.getElementById("signin").onclick = async () => {
  const a = await gql("SignIn", {email: document.getElementById("email").value,
    password: document.getElementById("password").value});
  if (a.errors) { document.querySelector(".signin-error").hidden = false; return; }
  const token = a.data.signIn.token;
  if (STORE === "memory") window.__token = token;
  else if (document.getElementById("keep").checked) localStorage.setItem(KEY, token);
  else sessionStorage.setItem(KEY, token);
  modal.hidden = true; route();
};
window.showBusy = (seconds) => {
  const overlay = document.querySelector(".busy-overlay");
  const count = overlay.querySelector(".count");
  let left = seconds; count.textContent = left; overlay.hidden = false;
  const tick = setInterval(() => {
    left -= 1; count.textContent = left;
    if (left <= 0) { clearInterval(tick); overlay.hidden = true; }
  }, 1000);
};
async function route() {
  app.innerHTML = "";
  if (!appToken()) { showSignin(); return; }
  const me = await gql("Me");
  if (me.errors) { showSignin(); return; }
  const account = document.querySelector(".account");
  account.textContent = me.data.me.name; account.hidden = false;
  const m = location.pathname.match(/^\\/orders\\/([\\w-]+)(\\/return)?/);
  if (!m) { app.innerHTML = "<h1 class='home'>Your orders</h1>"; return; }
  if (m[2]) { showReturn(m[1]); return; }
  const a = await gql("Order", {id: m[1]});
  const order = a.data.order;
  if (!order) { app.innerHTML = "<h1>Order not found</h1>"; return; }
  let html = `<h1 class="order-head">Order ${order.id}</h1><ul class="lines">` +
    order.items.map(i => `<li class="line" data-item-id="${i.id}">${i.name} x ${i.qty}</li>`)
      .join("") + "</ul>";
  if (order.returnId) html += `<p class="return-note">Return <span>${order.returnId}</span>` +
    " in progress</p>";
  else if (order.closed) html += `<p class="closed">${order.closed}</p>`;
  else html += '<button class="start-return">Start a return</button>';
  app.innerHTML = html;
  const start = app.querySelector(".start-return");
  if (start) start.onclick = () => {
    track("start"); history.pushState({}, "", `/orders/${order.id}/return`); showReturn(order.id);
  };
}
function showReturn(id) {
  app.innerHTML = `<h1 class="return-head">Return for order ${id}</h1>` +
    `<iframe id="return-frame" src="/embed/return?order=${id}"></iframe>`;
}
window.onpopstate = route;
route();
</script></body></html>"""

EMBED = """<!doctype html><html><head><meta charset="utf-8"><style>
.drop { border: 2px dashed #999; padding: 16px; }
</style></head><body>
<form id="return-form" onsubmit="return false" hidden>
 <section class="step-details">
  <div class="items"></div>
  <fieldset><legend>Did it arrive?</legend>
   <label><input type="radio" name="got" value="yes" id="got-yes"> Yes</label>
   <label><input type="radio" name="got" value="no" id="got-no"> No</label></fieldset>
  <reason-picker></reason-picker>
  <textarea id="note" placeholder="Tell us more"></textarea>
  <div class="drop" id="drop">Drop photos here, or <label>browse
   <input type="file" id="photo-input" multiple hidden></label></div>
  <ul class="thumbs"></ul>
  <p class="form-error" hidden></p>
  <button type="button" id="review">Review</button>
 </section>
 <section class="step-review" hidden>
  <p class="summary"></p>
  <label><input type="checkbox" id="agree"> I confirm these details are correct</label>
  <button type="button" id="send">Submit request</button>
  <p class="need-agree" hidden>Please confirm the details first</p>
 </section>
</form>
<p class="done" hidden></p>
<script>
const REASONS = __REASONS__;
const NOTE_MAX = __NOTE_MAX__;
const gql = parent.gql, track = parent.track;
class ReasonPicker extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({mode: "open"});
    root.innerHTML = '<div role="radiogroup" class="reasons">' + Object.entries(REASONS).map(
      ([v, [title, desc]]) => `<label class="choice"><input type="radio" name="reason" ` +
      `value="${v}"><span class="title">${title}</span> <small class="desc">${desc}</small>` +
      "</label>").join("") + "</div>";
  }
  get value() {
    const on = this.shadowRoot.querySelector("input:checked"); return on ? on.value : "";
  }
}
customElements.define("reason-picker", ReasonPicker);
const params = new URLSearchParams(location.search);
const orderId = params.get("order");
const photos = [];
const note = document.getElementById("note");
note.addEventListener("input", () => {
  if (note.value.length > NOTE_MAX) note.value = note.value.slice(0, NOTE_MAX);
});
async function addFiles(files) {
  for (const f of files) {
    const a = await gql("UploadPhoto", {name: f.name, size: f.size});
    if (a.errors) continue;
    photos.push(f.name);
    const li = document.createElement("li"); li.className = "thumb"; li.textContent = f.name;
    document.querySelector(".thumbs").appendChild(li);
  }
}
const drop = document.getElementById("drop");
drop.addEventListener("dragover", (e) => e.preventDefault());
drop.addEventListener("drop", (e) => { e.preventDefault(); addFiles(e.dataTransfer.files); });
document.getElementById("photo-input").addEventListener("change", (e) => addFiles(e.target.files));
function input() {
  const picked = Array.from(document.querySelectorAll(".pick:checked")).map((b) => ({
    id: b.value, qty: Number(b.closest(".item-row").querySelector(".qty").value)}));
  const got = document.querySelector("input[name=got]:checked");
  return {order: orderId, items: picked, received: got ? got.value : "",
    reason: document.querySelector("reason-picker").value, note: note.value, photos};
}
const details = document.querySelector(".step-details");
const review = document.querySelector(".step-review");
function showDetails() {
  review.hidden = true; details.hidden = false; document.getElementById("agree").checked = false;
}
document.getElementById("review").onclick = async () => {
  track("review");
  const a = await gql("ValidateReturn", {input: input()});
  const error = document.querySelector(".form-error");
  if (a.errors) { error.textContent = a.errors[0].message; error.hidden = false; return; }
  error.hidden = true;
  review.querySelector(".summary").textContent = `Return for order ${orderId}`;
  details.hidden = true; review.hidden = false;
  history.pushState({}, "", location.pathname + location.search + "&step=review");
};
document.getElementById("send").onclick = async () => {
  track("send");
  if (!document.getElementById("agree").checked) {
    document.querySelector(".need-agree").hidden = false; return;
  }
  const a = await gql("CreateReturn", {input: input()});
  const code = a.errors ? a.errors[0].extensions.code : null;
  if (!code) {
    const done = document.querySelector(".done");
    done.textContent = `Request ${a.data.createReturn.id} submitted`; done.hidden = false;
    document.getElementById("return-form").hidden = true; return;
  }
  showDetails();
  if (code === "BUSY") parent.showBusy(a.errors[0].extensions.retryIn || 1);
  else if (code === "UNAUTHENTICATED") parent.showSignin();
  else {
    const error = document.querySelector(".form-error");
    error.textContent = a.errors[0].message; error.hidden = false;
  }
};
(async () => {
  const a = await gql("Order", {id: orderId});
  const order = a.data && a.data.order;
  if (!order) return;
  document.querySelector(".items").innerHTML = order.items.map((i) =>
    `<div class="item-row" data-item="${i.id}"><label><input type="checkbox" class="pick" ` +
    `value="${i.id}"> ${i.name}</label> <input type="number" class="qty" min="1" ` +
    `max="${i.qty}" value="1"></div>`).join("");
  document.getElementById("return-form").hidden = false;
})();
</script></body></html>"""


@dataclass
class State:
    """What AppShop remembers (reset between tests)."""

    tokens: set[str] = field(default_factory=set)
    returns: list[dict[str, Any]] = field(default_factory=list)
    #: Every GraphQL call, by operationName, in order.
    calls: list[str] = field(default_factory=list)
    busy_first: int = 0
    retry_after_s: int | None = None
    countdown_s: int = 1
    #: Where the app keeps its token: "session" (sessionStorage unless "Keep me signed in")
    #: or "memory" (a variable: gone with the page).
    token_store: str = "session"
    created: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.returns = [{"id": "RT-77", "order": "802"}]
            self.calls = []
            self.busy_first = self.created = 0
            self.retry_after_s = None
            self.countdown_s = 1
            self.token_store = "session"

    def creates(self) -> int:
        with self.lock:
            return self.calls.count("CreateReturn")


def _error(code: str, message: str, **extensions: object) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
    }


def create_appshop(state: State) -> Starlette:
    """The AppShop app over *state*."""

    async def shell(request: Request) -> Response:
        return HTMLResponse(SHELL.replace("__STORE__", state.token_store))

    async def embed(request: Request) -> Response:
        reasons = {k: list(v) for k, v in REASONS.items()}
        page = EMBED.replace("__REASONS__", json.dumps(reasons))
        return HTMLResponse(page.replace("__NOTE_MAX__", str(NOTE_MAX)))

    def order_data(order_id: str) -> dict[str, Any] | None:
        items = ORDERS.get(order_id)
        if items is None:
            return None
        with state.lock:
            found = [r["id"] for r in state.returns if r["order"] == order_id]
        return {
            "id": order_id,
            "items": [{"id": i, "name": n, "qty": q} for i, n, q in items],
            "returnId": found[-1] if found else None,
            "closed": CLOSED.get(order_id),
        }

    def problem(data: dict[str, Any]) -> str | None:
        if not data.get("items") or data.get("received") not in ("yes", "no"):
            return "Tick an item and say whether it arrived"
        if data.get("reason") not in REASONS or len(data.get("note", "")) < 10:
            return "Pick a reason and tell us more"
        return None

    async def graphql(request: Request) -> Response:
        body = await request.json()
        op = str(body.get("operationName", ""))
        variables = body.get("variables") or {}
        with state.lock:
            state.calls.append(op)
        if op == "SignIn":
            if variables.get("email") == USER and variables.get("password") == PASSWORD:
                token = secrets.token_hex(8)
                with state.lock:
                    state.tokens.add(token)
                return JSONResponse({"data": {"signIn": {"token": token}}})
            return JSONResponse(_error("BAD_USER_INPUT", "Wrong email or password"))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in state.tokens:
            return JSONResponse(_error("UNAUTHENTICATED", "Please sign in"))
        if op == "Me":
            return JSONResponse({"data": {"me": {"name": "Demo Buyer"}}})
        if op == "Order":
            return JSONResponse({"data": {"order": order_data(str(variables.get("id")))}})
        if op == "Track":
            return JSONResponse({"data": {"track": True}})
        if op == "UploadPhoto":
            return JSONResponse({"data": {"uploadPhoto": {"id": secrets.token_hex(3)}}})
        data = variables.get("input") or {}
        if op == "ValidateReturn":
            said = problem(data)
            return JSONResponse(_error("BAD_USER_INPUT", said) if said else {"data": {"ok": True}})
        if op != "CreateReturn":
            return JSONResponse(_error("BAD_REQUEST", f"unknown operation {op}"))
        said = problem(data)
        if said:
            return JSONResponse(_error("BAD_USER_INPUT", said))
        with state.lock:
            state.created += 1
            if state.created <= state.busy_first:
                headers = {}
                if state.retry_after_s is not None:
                    headers["Retry-After"] = str(state.retry_after_s)
                answer = _error(
                    "BUSY", "Servers are busy, try again shortly", retryIn=state.countdown_s
                )
                return JSONResponse(answer, headers=headers)
            number = f"RT-{1000 + len(state.returns)}"
            state.returns.append({"id": number, **data})
        return JSONResponse({"data": {"createReturn": {"id": number}}})

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/embed/return", embed),
            Route("/", shell),
            Route("/orders/{rest:path}", shell),
            Route("/account", shell),
        ]
    )


class AppShop(Served):
    """AppShop on a free port of 127.0.0.1; ``state`` is what it remembers."""

    def __init__(self) -> None:
        self.state = State()
        self.state.reset()
        super().__init__(create_appshop(self.state))

    def reset(self) -> None:
        """Back to the seeded orders (RT-77 for 802), no faults; tokens are kept."""
        self.state.reset()
