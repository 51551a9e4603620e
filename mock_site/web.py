"""What every page handler shares: templates, the session cookie, login and challenge answers."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mock_site.store import Session, Store

__all__ = [
    "CHALLENGE_TEXT",
    "COOKIE",
    "FORBIDDEN_TEXT",
    "SERVER_ERROR_TEXT",
    "STATIC",
    "TEMPLATES",
    "Web",
    "safe_next",
    "same_token",
]

COOKIE = "session"
PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
CHALLENGE_TEXT = "Please slide to verify you are human"
FORBIDDEN_TEXT = "This form has expired. Please reload the page and try again."
SERVER_ERROR_TEXT = "Something went wrong. Please try again."


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input."""
    return secrets.compare_digest(given.encode(), expected.encode())


def safe_next(value: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/orders"


class Web:
    """Renders pages for one Store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(("html",)),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def session(self, request: Request) -> Session | None:
        """The live session of this request's cookie, if any."""
        return self.store.session(request.cookies.get(COOKIE))

    def render(
        self,
        template: str,
        *,
        session: Session | None = None,
        status: int = 200,
        overlay: bool = False,
        headers: Mapping[str, str] | None = None,
        **context: object,
    ) -> HTMLResponse:
        """A page; ``overlay`` pages carry the promo overlay the fault plan asks for; every page
        the late consent banner and chaos's effects when the plan asks (mock_site/chaos.py)."""
        mode = self.store.plan.overlay if overlay and session is not None else "never"
        show = mode != "never" and session is not None and self.store.overlay_due(session.token)
        effects = self.store.page_effects()
        html = self.env.get_template(template).render(
            account=session.account if session else None,
            csrf_token=session.csrf_token if session else "",
            overlay_mode=mode,
            show_overlay=show,
            promo=mode != "never" or (effects.promo_ms is not None and session is not None),
            effects=effects,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=headers)

    @staticmethod
    def login_redirect(path: str) -> RedirectResponse:
        """303 to the login page, coming back to ``path`` afterwards."""
        return RedirectResponse(f"/login?next={quote(path, safe='/')}", status_code=303)

    def challenge(self, *, fetch: bool) -> Response:
        """The verification challenge: a page, or 403 JSON for a fetch() submit."""
        if fetch:
            return JSONResponse({"status": "challenge", "message": CHALLENGE_TEXT}, 403)
        return self.render("challenge.html", status=403, text=CHALLENGE_TEXT)

    def guard(self, request: Request) -> Session | Response:
        """The session of a page request, or the redirect / challenge to answer instead."""
        session = self.session(request)
        if session is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return self.login_redirect(path)
        if self.store.challenge_up():
            return self.challenge(fetch=False)
        return session

    def forbidden(self, session: Session | None) -> HTMLResponse:
        """403 for a missing or wrong CSRF token."""
        return self.render(
            "error.html",
            session=session,
            status=403,
            title="Forbidden",
            testid="forbidden",
            text=FORBIDDEN_TEXT,
        )

    def server_error(self, session: Session | None) -> HTMLResponse:
        """The 500 page."""
        return self.render(
            "error.html",
            session=session,
            status=500,
            title="Internal server error",
            testid="server-error",
            text=SERVER_ERROR_TEXT,
        )

    def not_found(self, session: Session | None, what: str = "Order") -> HTMLResponse:
        """The 404 page."""
        return self.render("not_found.html", session=session, status=404, what=what)
