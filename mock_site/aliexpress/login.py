"""The login origin: a second listening port, two steps, then back to the storefront.

``GET /?return_url=URL`` asks for the account (``#fm-login-id``); ``POST /`` with
``step=account`` answers the password step (``#fm-login-password``); ``POST /`` with
``step=password`` and good credentials answers 302 to the storefront's ``/sso/ticket`` with a
one-time ticket, which sets the session cookie there and goes on to ``return_url``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mock_site.aliexpress.lang import LOCALE_COOKIE, Wording, pick_language, wording
from mock_site.aliexpress.web import ORDER_LIST, STATIC, TEMPLATES
from mock_site.chaos_latency import ChaosLatency
from mock_site.store import Store

__all__ = ["ACCOUNT_MISSING", "WRONG_PASSWORD", "create_login_app"]

ACCOUNT_MISSING = wording("en")["account_missing"]
WRONG_PASSWORD = wording("en")["wrong_password"]


class LoginOrigin:
    """The two login steps for one Store."""

    def __init__(self, store: Store, *, storefront_url: str) -> None:
        self.store = store
        self.storefront_url = storefront_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(("html",)),
            undefined=StrictUndefined,
        )

    def _return_url(self, value: str | None) -> str:
        """Back to a page of the storefront only; anything else goes to the order list."""
        if value and value.startswith(self.storefront_url + "/"):
            return value
        return self.storefront_url + ORDER_LIST

    def _words(self, request: Request) -> Wording:
        return wording(
            pick_language(
                cookie=request.cookies.get(LOCALE_COOKIE),
                accept_language=request.headers.get("accept-language"),
                default=self.store.plan.ui_language,
            )
        )

    def _render(
        self,
        words: Wording,
        step: str,
        return_url: str,
        *,
        login_id: str = "",
        error: str | None = None,
    ) -> HTMLResponse:
        html = self.env.get_template("login.html").render(
            step=step,
            return_url=return_url,
            login_id=login_id,
            error=words[error] if error else None,
            change_query=urlencode({"return_url": return_url}),
            t=words,
            lang=words.language,
        )
        return HTMLResponse(html)

    async def page(self, request: Request) -> Response:
        return_url = self._return_url(request.query_params.get("return_url"))
        return self._render(self._words(request), "account", return_url)

    async def post(self, request: Request) -> Response:
        async with request.form() as form:
            step = str(form.get("step", "account"))
            login_id = str(form.get("fm-login-id", "")).strip()
            password = str(form.get("fm-login-password", ""))
            return_url = self._return_url(str(form.get("return_url", "")))
        words = self._words(request)
        if not login_id:
            return self._render(words, "account", return_url, error="account_missing")
        if step != "password":
            return self._render(words, "password", return_url, login_id=login_id)
        session = self.store.login(login_id, password)
        if session is None:
            return self._render(
                words, "password", return_url, login_id=login_id, error="wrong_password"
            )
        query = urlencode({"ticket": self.store.issue_ticket(session), "return_url": return_url})
        return RedirectResponse(f"{self.storefront_url}/sso/ticket?{query}", status_code=302)


def create_login_app(store: Store, *, storefront_url: str) -> Starlette:
    """The login origin as an ASGI app, sending people back to ``storefront_url``."""
    origin = LoginOrigin(store, storefront_url=storefront_url)
    routes = [
        Route("/", origin.page, methods=["GET"]),
        Route("/", origin.post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(ChaosLatency, store=store)])
