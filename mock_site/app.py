"""The storefront's Starlette application: pages, the dispute submission, the request's page and
the buyer's answers on it (mock_site/request_pages.py), the support chat and the control API.
The chat's JSON endpoints come from mock_site/chat_routes.py (shared by every skin); its page,
``GET /support/chat``, is this skin's (templates/chat.html, static/chat.js)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mock_site import chat_script
from mock_site.chaos_latency import ChaosLatency
from mock_site.chat_routes import CHAT_BASE, CSRF_HEADER, chat_api_routes
from mock_site.control import control_routes
from mock_site.latency import PageLatency
from mock_site.request_pages import RequestPages
from mock_site.seed import Order
from mock_site.store import Session, Store
from mock_site.submit import FormValues, Submitter, render_form
from mock_site.web import COOKIE, STATIC, Web, safe_next, same_token

__all__ = ["create_app"]


class Pages:
    """The HTML pages other than the dispute submission."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.store = web.store

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/orders", status_code=303)

    async def login_page(self, request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        return self.web.render("login.html", next=next_path, username="", error=None)

    async def login(self, request: Request) -> Response:
        async with request.form() as form:
            username = str(form.get("username", ""))
            password = str(form.get("password", ""))
            next_path = safe_next(str(form.get("next", "")))
        session = self.store.login(username, password)
        if session is None:
            error = "Wrong username or password"
            if self.store.plan.echo_password:  # a hostile site: the password typed, shown back
                error += f' (you typed "{password}")'
            return self.web.render(
                "login.html", status=401, next=next_path, username=username, error=error
            )
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(COOKIE, session.token, httponly=True, samesite="lax", path="/")
        return response

    async def logout(self, request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            self.store.end_session(token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def orders(self, request: Request) -> Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        orders = self.store.orders(session.account)
        return self.web.render("orders.html", session=session, overlay=True, orders=orders)

    async def returns(self, request: Request) -> Response:
        """``GET /returns``: the account's requests, one row per order (``returns_page``)."""
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        rows = [
            shown
            for order in self.store.orders(session.account)
            if (shown := self.store.shown_dispute_for(order.order_id)) is not None
        ]
        return self.web.render("returns.html", session=session, overlay=True, rows=rows)

    def _order(self, request: Request) -> tuple[Session, Order] | Response:
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        order = self.store.order(request.path_params["order_id"], session.account)
        if order is None:
            return self.web.not_found(session)
        return session, order

    async def order(self, request: Request) -> Response:
        found = self._order(request)
        if isinstance(found, Response):
            return found
        session, order = found
        existing = self.store.shown_dispute_for(order.order_id)
        eligible = order.ineligible is None and existing is None
        plan = self.store.plan
        return self.web.render(
            "order.html",
            session=session,
            overlay=True,
            order=order,
            existing=None if plan.returns_page else existing,
            id_markup=plan.dispute_id_markup,
            hidden_ids=plan.hidden_dispute_ids,
            notes=range(1, min(plan.order_notes, 500) + 1),
            text_only=plan.dispute_text_only,
            can_open=eligible,
            can_confirm=eligible,
            can_extend=eligible and not order.protection_extended,
            popup_blocked=self.store.plan.popup_blocked,
            extra_popups=self.store.plan.extra_popups,
        )

    async def _order_action(self, request: Request, action: str) -> Response:
        found = self._order(request)
        if isinstance(found, Response):
            return found
        session, order = found
        async with request.form() as form:
            token = str(form.get("csrf_token", ""))
        if not same_token(token, session.csrf_token):
            return self.web.forbidden(session)
        eligible = order.ineligible is None and self.store.open_dispute_for(order.order_id) is None
        if eligible and action == "confirm":
            self.store.confirm_receipt(order)
        elif eligible and action == "extend" and not order.protection_extended:
            self.store.extend_protection(order)
        return RedirectResponse(f"/order/{order.order_id}", status_code=303)

    async def confirm_receipt(self, request: Request) -> Response:
        return await self._order_action(request, "confirm")

    async def extend_protection(self, request: Request) -> Response:
        return await self._order_action(request, "extend")

    async def dispute_form(self, request: Request) -> Response:
        found = self._order(request)
        if isinstance(found, Response):
            return found
        session, order = found
        return render_form(self.web, session, order, FormValues())

    async def support_chat(self, request: Request) -> Response:
        """The support chat page; the script in static/chat.js talks to the JSON endpoints."""
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        return self.web.render(
            "chat.html",
            session=session,
            chat_base=CHAT_BASE,
            csrf_header=CSRF_HEADER,
            offline=self.store.plan.chat_offline,
            offline_text=chat_script.OFFLINE_TEXT,
            operator=chat_script.OPERATOR_NAME,
            max_chars=chat_script.MAX_MESSAGE_CHARS,
            max_images=chat_script.MAX_IMAGES,
            max_image_bytes=chat_script.MAX_IMAGE_BYTES,
            window=self.store.plan.chat_window,
        )


def create_app(store: Store | None = None) -> Starlette:
    """The mock skin as an ASGI app; pass a Store (of the mock skin) to share or control it."""
    if store is not None and store.skin != "mock":
        raise ValueError(f"create_app serves the mock skin, not a store of the {store.skin} skin")
    web = Web(store if store is not None else Store())
    pages = Pages(web)
    submitter = Submitter(web)
    requests = RequestPages(web)
    routes = [
        Route("/", pages.home),
        Route("/login", pages.login_page, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/orders", pages.orders),
        Route("/returns", pages.returns),
        Route("/order/{order_id}", pages.order),
        Route("/order/{order_id}/confirm-receipt", pages.confirm_receipt, methods=["POST"]),
        Route("/order/{order_id}/extend-protection", pages.extend_protection, methods=["POST"]),
        Route("/order/{order_id}/dispute", pages.dispute_form, methods=["GET"]),
        Route("/order/{order_id}/dispute", submitter.submit, methods=["POST"]),
        Route("/dispute/{dispute_id}", requests.view),
        Route("/dispute/{dispute_id}/respond", requests.respond, methods=["POST"]),
        Route("/dispute/{dispute_id}/accept", requests.accept, methods=["POST"]),
        Route("/dispute/{dispute_id}/withdraw", requests.withdraw, methods=["POST"]),
        Route(CHAT_BASE, pages.support_chat, methods=["GET"]),
        *chat_api_routes(web.store, web.session),
        *control_routes(web.store),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(PageLatency, store=web.store),
        Middleware(ChaosLatency, store=web.store),  # the chaos fault (mock_site/chaos.py)
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.store = web.store
    return app
