"""The ``chaos`` fault's latency: every request held 0-1.5 s (mock_site/chaos.py draws it).

An ASGI middleware around each skin's apps (the aliexpress skin's login origin too). The
control API (tests) and the support chat's JSON endpoints are never held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_site.chat_routes import CHAT_BASE

__all__ = ["ChaosLatency", "ChaosStore"]

_NEVER_HELD = ("/__mock/", CHAT_BASE + "/")


class ChaosStore(Protocol):
    """What `ChaosLatency` needs of a store (`mock_site.store.Store` is one)."""

    sleep: Callable[[float], Awaitable[None]]

    def chaos_delay(self) -> float:
        """The next request's delay (0 without chaos)."""
        ...


class ChaosLatency:
    """Every request held as chaos draws it (none without chaos)."""

    def __init__(self, app: ASGIApp, store: ChaosStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        delay = 0.0
        if scope["type"] == "http" and not scope["path"].startswith(_NEVER_HELD):
            delay = self.store.chaos_delay()
            if delay > 0:
                await self.store.sleep(delay)
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            if delay <= 0:
                raise
            # the browser went away while the request was held (a page closed): nobody to answer
