"""What the aliexpress skin's handlers share: templates, cookies, the login and challenge guards."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mock_site.aliexpress.lang import LOCALE_COOKIE, UiLanguage, Wording, pick_language, wording
from mock_site.store import Session, Store

__all__ = [
    "CONSENT_COOKIE",
    "ORDER_LIST",
    "PUNISH_PATH",
    "SESSION_COOKIE",
    "STATIC",
    "TEMPLATES",
    "TOKEN_COOKIE",
    "AeWeb",
    "local_path",
]

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
SESSION_COOKIE = "xman_t"  # HttpOnly: the session
TOKEN_COOKIE = "_m_h5_tk"  # readable by the page's script: "<token>_<expiry ms>"
CONSENT_COOKIE = "gdpr_consent"  # "1" once the cookie banner was accepted
ORDER_LIST = "/p/order/index.html"
PUNISH_PATH = "/_____tmd_____/punish"


def local_path(value: str | None, default: str = ORDER_LIST) -> str:
    """A path of this origin to go back to (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


class AeWeb:
    """Renders the storefront origin's pages for one Store."""

    def __init__(self, store: Store, *, login_url: str) -> None:
        self.store = store
        self.login_url = login_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(("html",)),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def session(self, request: Request) -> Session | None:
        """The live session of this request's cookie, if any."""
        return self.store.session(request.cookies.get(SESSION_COOKIE))

    def language(self, request: Request) -> UiLanguage:
        """The interface language of this request (`mock_site.aliexpress.lang`)."""
        return pick_language(
            cookie=request.cookies.get(LOCALE_COOKIE),
            accept_language=request.headers.get("accept-language"),
            default=self.store.plan.ui_language,
        )

    def words(self, request: Request) -> Wording:
        """Every text of the skin in this request's language."""
        return wording(self.language(request))

    def render(
        self,
        template: str,
        *,
        request: Request,
        session: Session | None = None,
        status: int = 200,
        overlay: bool = False,
        headers: Mapping[str, str] | None = None,
        **context: object,
    ) -> HTMLResponse:
        """A storefront page in the request's language: cookie banner until accepted (late, or
        with a modal, when the plan says), the promo overlay when due, chaos's effects."""
        plan = self.store.plan
        mode = plan.overlay if overlay and session is not None else "never"
        show = mode != "never" and session is not None and self.store.overlay_due(session.token)
        effects = self.store.page_effects()
        words = self.words(request)
        html = self.env.get_template(template).render(
            account=session.account if session else None,
            banner=request.cookies.get(CONSENT_COOKIE) != "1",
            overlay_mode=mode,
            show_overlay=show,
            promo=mode != "never" or (effects.promo_ms is not None and session is not None),
            effects=effects,
            toast_ms=round(plan.toast_s * 1000),
            login_url=self.login_url,
            t=words,
            lang=words.language,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=headers)

    def login_redirect(self, request: Request) -> RedirectResponse:
        """302 to the login origin, coming back to this very URL afterwards."""
        query = urlencode({"return_url": str(request.url)})
        return RedirectResponse(f"{self.login_url}/?{query}", status_code=302)

    def punish_redirect(self, request: Request) -> RedirectResponse:
        """302 to the slider verification page, which comes back here once it is gone."""
        return RedirectResponse(self.punish_url(request.url.path, request.url.query), 302)

    @staticmethod
    def punish_url(path: str, query: str = "") -> str:
        """The slider verification page's URL for a page of this origin."""
        target = path + (f"?{query}" if query else "")
        x5 = secrets.token_hex(16)
        return f"{PUNISH_PATH}?x5secdata={x5}&x5step=1&action=captcha&url={quote(target, safe='')}"

    def guard(self, request: Request) -> Session | Response:
        """The session of a page request, or the redirect to the login or the verification."""
        session = self.session(request)
        if session is None:
            return self.login_redirect(request)
        if self.store.challenge_up():
            return self.punish_redirect(request)
        return session

    def not_found(self, request: Request, session: Session | None, key: str) -> HTMLResponse:
        """404: a page with the site's sentence (*key*: its wording's key)."""
        text = self.words(request)[key]
        return self.render(
            "not_found.html", request=request, session=session, status=404, text=text
        )
