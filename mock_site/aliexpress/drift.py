"""The ``class_drift`` fault: every hashed class name gets a new hash, as a new release would.

The skin's CSS-module class names read ``module--name--hash`` (``reverse--form--3Tq9vKd``,
``my-account--name--2Vh3kQe``), the hash 7 letters and digits. With ``class_drift = SEED``
(not 0) an ASGI middleware rewrites each of them in every HTML page, stylesheet and script the
storefront origin sends: the same name and seed always give the same new hash, so pages,
styles and scripts still agree; another seed gives other hashes. Plain class names
(``comet-btn``, ``order-item``), ids, roles, texts and ``data-*`` attributes do not change.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HASHED_CLASS", "ClassDrift", "drifted", "drifted_hash"]

#: A hashed class name: ``module--name--`` and a hash of 7 letters and digits.
HASHED_CLASS = re.compile(
    r"(?<![\w-])([a-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*--[A-Za-z][A-Za-z0-9]*--)([A-Za-z0-9]{7})(?![\w-])"
)
_ALPHABET = string.ascii_letters + string.digits
_TEXT_TYPES = ("text/html", "text/css", "text/javascript", "application/javascript")


def drifted_hash(seed: int, name: str, old: str) -> str:
    """The new 7-character hash of class ``name`` + ``old`` under *seed* (never *old* itself)."""
    for salt in range(100):
        digest = hashlib.sha256(f"{seed}:{salt}:{name}{old}".encode()).digest()
        new = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:7])
        if new != old:
            return new
    return old[::-1]  # pragma: no cover - 100 collisions in a row


def drifted(text: str, seed: int) -> str:
    """*text* with every hashed class name given its new hash."""
    return HASHED_CLASS.sub(lambda m: m.group(1) + drifted_hash(seed, m.group(1), m.group(2)), text)


class ClassDrift:
    """Rewrites the hashed class names of text answers while the plan's ``class_drift`` is set."""

    def __init__(self, app: ASGIApp, seed_of: Callable[[], int]) -> None:
        self.app = app
        self.seed_of = seed_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seed = self.seed_of() if scope["type"] == "http" else 0
        if not seed:
            await self.app(scope, receive, send)
            return
        # never "304 Not Modified": a copy cached before the drift would keep the old hashes
        scope = {
            **scope,
            "headers": [
                (k, v)
                for k, v in scope["headers"]
                if k.lower() not in (b"if-none-match", b"if-modified-since")
            ],
        }
        start: Message | None = None
        chunks: list[bytes] = []

        async def _send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                kind = headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in _TEXT_TYPES:
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = drifted(b"".join(chunks).decode("utf-8"), seed).encode("utf-8")
            headers = MutableHeaders(raw=start["headers"])
            headers["content-length"] = str(len(body))
            for name in ("etag", "last-modified"):
                if name in headers:
                    del headers[name]
            headers["cache-control"] = "no-store"
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, _send)
