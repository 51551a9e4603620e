"""PostShop: a classic server-rendered store, for the agent's tests (issue 25's second shape).

Every step is a form POST answered by a 303 redirect, and every form carries a single-use token
(a used one gives "This form has expired"). Signing in is a password page, then, for the
account ``otp@post.test``, a one-time-code page. The order page lists the order's items; "Request
a return" starts a five-page wizard: 1 "Before you start", 2 the return itself (the order's
items with a tick box each, all ticked at first, and a quantity each; received; the reason in a
native select; refund / return / replacement; a full or partial refund with an amount bounded by
the order's total; a message with a ``maxlength``; photos), 3 "How to send it back", 4 "Contact
details", 5 the review, whose "Submit return" POSTs ``/returns/{draft}/submit``. Busy is an
HTTP 503 page or, with ``busy_style = "alert"``, the review page again with an in-page alert.
Success redirects to ``/returns/{draft}/done``: "Return R-1001 created". The order page then
says "Return R-1001 requested".

Accounts ``demo@post.test`` / ``demo`` and ``otp@post.test`` / ``demo`` (code ``123456``).
Orders: 700 one lamp (24.50); 701 a lamp (A-1) and four bulbs (B-2); 702 past its return
window (ineligible); 703 with return R-77. Test control: ``PostShop.state`` (``busy_first``,
``busy_style``, ``returns``, ``submits``), ``PostShop.reset()``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.e2e.served import Served

USERS = {"demo@post.test": "demo", "otp@post.test": "demo"}
OTP_USERS = {"otp@post.test"}
OTP_CODE = "123456"
MESSAGE_MAXLENGTH = 300
REASONS = {
    "late": ("Never arrived", False),
    "broken": ("Arrived damaged", True),
    "wrong": ("Not what I ordered", True),
}


@dataclass(frozen=True)
class Line:
    """One item of an order."""

    sku: str
    name: str
    quantity: int
    price: float


ORDERS: dict[str, tuple[Line, ...]] = {
    "700": (Line("S-1", "Desk lamp", 1, 24.50),),
    "701": (Line("A-1", "Desk lamp", 1, 19.00), Line("B-2", "Light bulbs", 4, 2.00)),
    "702": (Line("C-3", "Kettle", 1, 31.00),),
    "703": (Line("D-4", "Toaster", 1, 27.00),),
}
CLOSED = {"702": "The return window for this order closed on 2 March."}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>PostShop</title></head>
<body><header>PostShop {who}</header><main>{body}</main></body></html>"""


@dataclass
class State:
    """What PostShop remembers (reset between tests)."""

    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    returns: list[dict[str, Any]] = field(default_factory=list)
    #: Every POST to a draft's submit URL, with what the store answered.
    submits: list[str] = field(default_factory=list)
    busy_first: int = 0
    busy_style: str = "503"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.drafts.clear()
            self.returns = [{"id": "R-77", "order": "703", "skus": {"D-4": 1}}]
            self.submits = []
            self.busy_first = 0
            self.busy_style = "503"

    def return_of(self, order: str) -> str | None:
        with self.lock:
            found = [r["id"] for r in self.returns if r["order"] == order]
        return found[-1] if found else None


def _token(state: State) -> str:
    token = secrets.token_hex(6)
    with state.lock:
        state.tokens.add(token)
    return f'<input type="hidden" name="token" value="{token}">'


def _use_token(state: State, token: object) -> bool:
    with state.lock:
        if isinstance(token, str) and token in state.tokens:
            state.tokens.discard(token)
            return True
    return False


def create_postshop(state: State) -> Starlette:
    """The PostShop app over *state*."""

    def session(request: Request) -> dict[str, Any] | None:
        return state.sessions.get(request.cookies.get("post", ""))

    def signed_in(request: Request) -> str | None:
        found = session(request)
        return found["user"] if found and found.get("ok") else None

    def page(request: Request, body: str, status: int = 200) -> HTMLResponse:
        user = signed_in(request)
        who = f'<span class="who">Signed in as {escape(user)}</span>' if user else ""
        return HTMLResponse(PAGE.format(who=who, body=body), status_code=status)

    def to_signin(request: Request) -> Response:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/signin?next={target}", status_code=303)

    def expired(request: Request) -> Response:
        return page(request, '<h1 class="expired">This form has expired</h1>', 400)

    async def signin(request: Request) -> Response:
        nxt = request.query_params.get("next", "/orders")
        error = ""
        if request.method == "POST":
            form = await request.form()
            nxt = str(form.get("next") or "/orders")
            user = str(form.get("email", ""))
            if USERS.get(user) == form.get("password"):
                sid = secrets.token_hex(8)
                state.sessions[sid] = {"user": user, "ok": user not in OTP_USERS, "next": nxt}
                goto = nxt if user not in OTP_USERS else "/signin/code"
                answer = RedirectResponse(goto, status_code=303)
                answer.set_cookie("post", sid, httponly=True)
                return answer
            error = '<p class="signin-error">Wrong email or password</p>'
        body = (
            f'<form method="post" action="/signin" id="signin">{error}'
            '<label>Email <input name="email" id="email"></label>'
            '<label>Password <input name="password" id="password" type="password"></label>'
            f'<input type="hidden" name="next" value="{escape(nxt)}">'
            '<button id="signin-button">Sign in</button></form>'
        )
        return page(request, body)

    async def code(request: Request) -> Response:
        found = session(request)
        if found is None:
            return RedirectResponse("/signin", status_code=303)
        if request.method == "POST":
            form = await request.form()
            if form.get("code") == OTP_CODE:
                found["ok"] = True
                return RedirectResponse(found.get("next", "/orders"), status_code=303)
        body = (
            '<form method="post" id="code-form"><h1>Check your phone</h1>'
            "<label>Enter the 6-digit code we sent you "
            '<input name="code" id="code" autocomplete="one-time-code"></label>'
            '<button id="code-button">Verify</button></form>'
        )
        return page(request, body)

    async def orders(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        links = "".join(f'<li><a href="/orders/{o}">Order {o}</a></li>' for o in ORDERS)
        return page(request, f'<h1 class="orders">Your orders</h1><ul>{links}</ul>')

    async def order(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        order_id = request.path_params["order"]
        lines = ORDERS.get(order_id)
        if lines is None:
            return page(request, "<h1>No such order</h1>", 404)
        items = "".join(
            f'<li class="item" data-sku="{x.sku}">{x.name} &times; {x.quantity}</li>' for x in lines
        )
        body = f'<h1 class="order-title">Order {order_id}</h1><ul class="items">{items}</ul>'
        existing = state.return_of(order_id)
        if existing:
            body += f'<p class="return-status">Return <b>{existing}</b> requested</p>'
        elif order_id in CLOSED:
            body += f'<p class="notice">{CLOSED[order_id]}</p>'
        else:
            body += (
                f'<form method="post" action="/returns/start">{_token(state)}'
                f'<input type="hidden" name="order" value="{order_id}">'
                '<button id="start-return">Request a return</button></form>'
            )
        return page(request, body)

    async def start(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        form = await request.form()
        if not _use_token(state, form.get("token")):
            return expired(request)
        draft = secrets.token_hex(4)
        with state.lock:
            state.drafts[draft] = {"order": str(form.get("order")), "fields": {}}
        return RedirectResponse(f"/returns/{draft}/1", status_code=303)

    def wizard(request: Request, draft: str, n: int, inner: str, alert: str = "") -> Response:
        title = {
            1: "Before you start",
            2: "Your return",
            3: "How to send it back",
            4: "Contact details",
            5: "Review your return",
        }[n]
        action = f"/returns/{draft}/submit" if n == 5 else f"/returns/{draft}/{n}"
        button = (
            '<button id="submit-return">Submit return</button>'
            if n == 5
            else f'<button id="continue-{n}">Continue</button>'
        )
        body = (
            f'<h1 class="step step-{n}">Step {n} of 5: {title}</h1>{alert}'
            f'<form method="post" action="{action}" enctype="multipart/form-data" '
            f'id="wizard-{n}">{_token(state)}{inner}{button}</form>'
        )
        return page(request, body)

    def return_form(draft: dict[str, Any], error: str = "") -> str:
        lines = ORDERS[draft["order"]]
        total = sum(x.price * x.quantity for x in lines)
        ticked = " checked" if len(lines) > 1 else ""  # every item of the order, at first
        rows = "".join(
            f'<tr class="line" data-sku="{x.sku}"><td><input type="checkbox" name="sku" '
            f'value="{x.sku}"{ticked}></td><td>{x.name}</td><td><input type="number" '
            f'class="qty" name="qty-{x.sku}" min="1" max="{x.quantity}" value="1"></td></tr>'
            for x in lines
        )
        options = "".join(f'<option value="{k}">{v[0]}</option>' for k, v in REASONS.items())
        return (
            f'{error}<table class="lines">{rows}</table>'
            "<fieldset><legend>Did it arrive?</legend>"
            '<label><input type="radio" name="received" value="yes" id="got-yes"> Yes</label>'
            '<label><input type="radio" name="received" value="no" id="got-no"> No</label>'
            "</fieldset>"
            f'<label>Reason <select name="reason" id="reason"><option value="">Choose</option>'
            f"{options}</select></label>"
            "<fieldset><legend>What would you like?</legend>"
            '<label><input type="radio" name="solution" value="refund" id="sol-refund" checked>'
            " A refund</label>"
            '<label><input type="radio" name="solution" value="return" id="sol-return">'
            " Send it back for a refund</label>"
            '<label><input type="radio" name="solution" value="replacement" '
            'id="sol-replacement"> A replacement</label></fieldset>'
            '<fieldset><label><input type="radio" name="refund" value="full" id="ref-full" '
            'checked> Full refund</label><label><input type="radio" name="refund" '
            'value="partial" id="ref-partial"> Part of it</label>'
            f'<input type="number" name="amount" id="amount" min="0.01" max="{total:.2f}" '
            'step="0.01"></fieldset>'
            f'<textarea name="message" id="message" maxlength="{MESSAGE_MAXLENGTH}"></textarea>'
            '<input type="file" name="photos" id="photos" multiple>'
        )

    async def step(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        draft_id = request.path_params["draft"]
        n = int(request.path_params["n"])
        draft = state.drafts.get(draft_id)
        if draft is None or not 1 <= n <= 5:
            return page(request, "<h1>No such return</h1>", 404)
        if request.method == "POST":
            form = await request.form()
            if not _use_token(state, form.get("token")):
                return expired(request)
            if n == 2:
                skus = [str(s) for s in form.getlist("sku")]
                photos = [
                    p.filename
                    for p in form.getlist("photos")
                    if isinstance(p, UploadFile) and p.filename
                ]
                fields = {
                    "skus": {s: int(str(form.get(f"qty-{s}") or 1)) for s in skus},
                    "received": form.get("received"),
                    "reason": form.get("reason"),
                    "solution": form.get("solution"),
                    "refund": form.get("refund"),
                    "amount": form.get("amount") or None,
                    "message": str(form.get("message", "")),
                    "photos": photos,
                }
                if not skus or fields["reason"] not in REASONS or len(fields["message"]) < 10:
                    error = '<p class="form-error">Please tick an item and fill in the form</p>'
                    return wizard(request, draft_id, 2, return_form(draft, error))
                draft["fields"] = fields
            return RedirectResponse(f"/returns/{draft_id}/{n + 1}", status_code=303)
        alert = ""
        if n == 5 and request.query_params.get("busy"):
            alert = (
                '<div class="alert" role="alert">We are very busy right now. '
                "Please try again in a moment.</div>"
            )
        inner = {
            1: "<p>Returns are free within 30 days.</p>",
            2: return_form(draft) if n == 2 else "",
            3: "<p>Drop the parcel at any post office.</p>",
            4: f'<p class="contact">We will write to {escape(signed_in(request) or "")}</p>',
            5: f'<p class="review">Return for order {draft["order"]}</p>',
        }[n]
        return wizard(request, draft_id, n, inner, alert)

    async def submit(request: Request) -> Response:
        if not signed_in(request):
            return to_signin(request)
        draft_id = request.path_params["draft"]
        draft = state.drafts.get(draft_id)
        form = await request.form()
        if draft is None or not _use_token(state, form.get("token")):
            with state.lock:
                state.submits.append("expired")
            return expired(request)
        with state.lock:
            busy = len(state.submits) < state.busy_first
            state.submits.append("busy" if busy else "created")
            if busy:
                style = state.busy_style
            else:
                number = f"R-{1000 + len(state.returns)}"
                state.returns.append({"id": number, "order": draft["order"], **draft["fields"]})
                draft["created"] = number
        if busy and style == "alert":
            return RedirectResponse(f"/returns/{draft_id}/5?busy=1", status_code=303)
        if busy:
            body = (
                '<h1 class="unavailable">Service unavailable</h1>'
                "<p>We are very busy. Please try again later.</p>"
            )
            return page(request, body, 503)
        return RedirectResponse(f"/returns/{draft_id}/done", status_code=303)

    async def done(request: Request) -> Response:
        draft = state.drafts.get(request.path_params["draft"], {})
        number = draft.get("created", "?")
        return page(request, f'<div class="done">Return {number} created</div>')

    return Starlette(
        routes=[
            Route("/signin", signin, methods=["GET", "POST"]),
            Route("/signin/code", code, methods=["GET", "POST"]),
            Route("/orders", orders),
            Route("/orders/{order}", order),
            Route("/returns/start", start, methods=["POST"]),
            Route("/returns/{draft}/submit", submit, methods=["POST"]),
            Route("/returns/{draft}/done", done),
            Route("/returns/{draft}/{n:int}", step, methods=["GET", "POST"]),
        ]
    )


class PostShop(Served):
    """PostShop on a free port of 127.0.0.1; ``state`` is what it remembers."""

    def __init__(self) -> None:
        self.state = State()
        self.state.reset()
        super().__init__(create_postshop(self.state))

    def reset(self) -> None:
        """Back to the seeded orders (R-77 for 703), no faults; sessions are kept."""
        self.state.reset()
