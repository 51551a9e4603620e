"""The ``latency`` fault: every page held for a while, as a real marketplace's would be.

An ASGI middleware around the whole storefront: a GET of a page (anything but ``/static/``,
the control API and the support chat's JSON endpoints) waits ``latency.page_s`` before it is
answered. A dispute submission's answer waits ``latency.submit_s`` (mock_site/submit.py).
The delays come from the store's fault engine and its injectable sleep.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_site.chat_routes import CHAT_BASE
from mock_site.store import Store

__all__ = ["PageLatency", "is_page"]

_NOT_PAGES = ("/static/", "/__mock/", CHAT_BASE + "/")


def is_page(method: str, path: str) -> bool:
    """Whether a request is a page load that ``latency.page_s`` holds."""
    return method in ("GET", "HEAD") and not path.startswith(_NOT_PAGES)


class PageLatency:
    """Holds every page load per the fault plan's ``latency.page_s``."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_page(scope["method"], scope["path"]):
            await self.store.latency("page")
        await self.app(scope, receive, send)
