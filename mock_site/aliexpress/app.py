"""The aliexpress skin's ASGI apps: the storefront origin, and both origins behind one server."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_site.aliexpress.answers import API, RESPOND_API
from mock_site.aliexpress.chat import ae_chat_routes
from mock_site.aliexpress.control_rows import ae_order_row
from mock_site.aliexpress.drift import ClassDrift
from mock_site.aliexpress.login import create_login_app
from mock_site.aliexpress.orders import OrderPages
from mock_site.aliexpress.respond import AeResponder
from mock_site.aliexpress.reverse import ReversePages
from mock_site.aliexpress.submit import AeSubmitter
from mock_site.aliexpress.uploads import UploadPages, Uploads
from mock_site.aliexpress.web import (
    ORDER_LIST,
    PUNISH_PATH,
    SESSION_COOKIE,
    STATIC,
    TOKEN_COOKIE,
    AeWeb,
    local_path,
)
from mock_site.chaos_latency import ChaosLatency
from mock_site.control import control_routes
from mock_site.store import Store
from mock_site.submit import read_limited

__all__ = ["DEFAULT_LOGIN_URL", "PortDispatch", "create_aliexpress_app", "create_aliexpress_site"]

DEFAULT_LOGIN_URL = "http://127.0.0.1:8001"
TOKEN_TTL_MS = 24 * 3600 * 1000
BEACON_LIMIT = 64 * 1024


class _Origin:
    """The storefront origin's small routes: SSO landing, verification page, beacons, logout."""

    def __init__(self, web: AeWeb) -> None:
        self.web = web
        self.store = web.store

    async def home(self, request: Request) -> Response:
        return RedirectResponse(ORDER_LIST, status_code=302)

    async def sso(self, request: Request) -> Response:
        session = self.store.redeem_ticket(request.query_params.get("ticket", ""))
        if session is None:
            query = urlencode({"return_url": str(request.base_url).rstrip("/") + ORDER_LIST})
            return RedirectResponse(f"{self.web.login_url}/?{query}", status_code=302)
        back = urlsplit(request.query_params.get("return_url", ""))
        target = local_path(back.path + (f"?{back.query}" if back.query else ""))
        expiry = round(self.store.wall_clock() * 1000) + TOKEN_TTL_MS
        response = RedirectResponse(target, status_code=302)
        response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax")
        response.set_cookie(TOKEN_COOKIE, f"{session.csrf_token}_{expiry}", samesite="lax")
        return response

    async def logout(self, request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            self.store.end_session(token)
        response = RedirectResponse(f"{self.web.login_url}/", status_code=302)
        response.delete_cookie(SESSION_COOKIE)
        response.delete_cookie(TOKEN_COOKIE)
        return response

    async def punish(self, request: Request) -> Response:
        if not self.store.challenge_up():
            return RedirectResponse(local_path(request.query_params.get("url")), status_code=302)
        words = self.web.words(request)
        html = self.web.env.get_template("punish.html").render(
            heading=words["challenge_heading"], text=words["challenge_text"], lang=words.language
        )
        return HTMLResponse(html)

    async def beacon(self, request: Request) -> Response:
        await read_limited(request, BEACON_LIMIT)
        return JSONResponse({"success": True})


def create_aliexpress_app(
    store: Store | None = None, *, login_url: str = DEFAULT_LOGIN_URL
) -> Starlette:
    """The aliexpress skin's storefront origin; logged-out visitors go to ``login_url``.

    Pass a Store of the aliexpress skin (``Store(skin="aliexpress")``) to share or control it.
    """
    if store is None:
        store = Store(skin="aliexpress")
    if store.skin != "aliexpress":
        raise ValueError(
            "create_aliexpress_app serves the aliexpress skin, "
            f"not a store of the {store.skin} skin"
        )
    web = AeWeb(store, login_url=login_url)
    uploads = Uploads()
    origin = _Origin(web)
    orders = OrderPages(web)
    reverse = ReversePages(web)
    upload_pages = UploadPages(web, uploads)
    submitter = AeSubmitter(web, uploads)
    responder = AeResponder(web, uploads)
    routes = [
        Route("/", origin.home),
        Route("/sso/ticket", origin.sso),
        Route("/logout.htm", origin.logout),
        Route(PUNISH_PATH, origin.punish),
        Route("/p/order/index.html", orders.index),
        Route("/p/order/detail.html", orders.detail),
        Route("/p/reverse-pages/start.html", reverse.start),
        Route("/p/reverse-pages/detail.html", reverse.detail),
        Route(f"/h5/{API}/1.0/", submitter.submit, methods=["POST"]),
        Route(f"/h5/{RESPOND_API}/1.0/", responder.respond, methods=["POST"]),
        Route("/x/upload", upload_pages.upload, methods=["POST"]),
        Route("/x/file/{file_id}", upload_pages.file),
        Route("/gw/aplus/track", origin.beacon, methods=["POST"]),
        *ae_chat_routes(web),
        *control_routes(store, row=ae_order_row),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(ChaosLatency, store=store),
        Middleware(ClassDrift, seed_of=lambda: store.plan.class_drift),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.store = store
    return app


class PortDispatch:
    """One ASGI app per listening port: the storefront origin, and the login origin."""

    def __init__(self, apps: dict[int, ASGIApp], default: ASGIApp) -> None:
        self.apps = apps
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        app = self.apps.get(server[1], self.default) if server else self.default
        await app(scope, receive, send)


def create_aliexpress_site(
    store: Store, *, storefront_port: int, login_port: int, host: str = "127.0.0.1"
) -> PortDispatch:
    """Both origins of the aliexpress skin, told apart by the port a request came in on."""
    storefront_url = f"http://{host}:{storefront_port}"
    login_url = f"http://{host}:{login_port}"
    storefront = create_aliexpress_app(store, login_url=login_url)
    login = create_login_app(store, storefront_url=storefront_url)
    return PortDispatch({storefront_port: storefront, login_port: login}, storefront)
