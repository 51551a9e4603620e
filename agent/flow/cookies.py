"""The session's cookies are secrets: each value the site sets is registered as one, as it is set.

A site may echo its session cookie in an answer (a debug id, an error page); the answer's text
then reaches the console, result.json, the report and the ticket. The cookie values a response
sets (``Set-Cookie``) and those the context holds at the end of the run are registered with
`agent.redaction.add_secret`, so that they are masked wherever they appear: every value of a
cookie named like a secret (``session``, ``sid``, ``token``...), and any other value long enough
to be an identifier (`MIN_ANONYMOUS`), never a short one like ``en`` or ``dark``, which would mask
ordinary words.
"""

from __future__ import annotations

import contextlib

from playwright.async_api import BrowserContext, Response
from playwright.async_api import Error as PlaywrightError

from agent.redaction import add_secret, is_secret_name

__all__ = ["MIN_ANONYMOUS", "register_cookie", "register_cookie_values", "watch_cookies"]

#: The shortest value of a cookie with an ordinary name that is still taken for a secret.
MIN_ANONYMOUS = 12


def register_cookie(name: str, value: str) -> None:
    """Register one cookie's value as a secret when it may be one (see the module's doc)."""
    value = value.strip().strip('"')
    if is_secret_name(name) or len(value) >= MIN_ANONYMOUS:
        add_secret(value)


def _register_header(header: str) -> None:
    """The cookie of one ``Set-Cookie`` header (attributes after ``;`` left out)."""
    name, _, value = header.split(";", 1)[0].partition("=")
    register_cookie(name.strip(), value)


async def _on_response(response: Response) -> None:
    with contextlib.suppress(PlaywrightError):  # the page or context may be closing
        for header in await response.header_values("set-cookie"):
            for line in header.splitlines():  # Playwright may join several with newlines
                _register_header(line)


def watch_cookies(context: BrowserContext) -> None:
    """Register every cookie value the site sets in this context, as responses arrive."""
    context.on("response", _on_response)


async def register_cookie_values(context: BrowserContext) -> None:
    """Register the values of every cookie the context holds now; never raises."""
    with contextlib.suppress(PlaywrightError):
        for cookie in await context.cookies():
            register_cookie(cookie.get("name", ""), cookie.get("value", ""))
