"""The support chat's JSON endpoints, for any storefront skin to mount next to its own chat page.

``chat_api_routes(store, session_of)`` gives ``POST {base}/start``, ``GET {base}/state``,
``POST {base}/send`` and ``POST {base}/attach`` on the Store's :class:`~mock_site.chat.ChatDesk`;
``session_of`` is the skin's way to find the logged-in session of a request (its cookie). Every
POST must carry the session's CSRF token in the ``X-CSRF-Token`` header. Answers are JSON; the
shapes are in docs/storefront.md ("Support chat").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_site.chat import ChatRefused, ChatSettings
from mock_site.chat_script import (
    MAX_ATTACH_BODY_BYTES,
    MAX_SEND_BODY_BYTES,
    Image,
    ImageRefused,
    check_images,
)
from mock_site.store import Session, Store
from mock_site.submit import parse_form, read_limited
from mock_site.web import FORBIDDEN_TEXT, same_token

__all__ = ["CHAT_BASE", "CSRF_HEADER", "ChatApi", "chat_api_routes"]

CHAT_BASE = "/support/chat"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_TEXT = "Please sign in again."
EMPTY_TEXT = "Please type a message."
TOO_LARGE_TEXT = "This message is too large to send."
CONFLICT = 409


def _answer(status: str, message: str, code: int) -> JSONResponse:
    return JSONResponse({"status": status, "message": message}, code)


class ChatApi:
    """The JSON handlers over one Store."""

    def __init__(self, store: Store, session_of: Callable[[Request], Session | None]) -> None:
        self.store = store
        self.session_of = session_of

    def _settings(self) -> ChatSettings:
        return ChatSettings.from_plan(self.store.plan)

    def _session(self, request: Request, *, post: bool) -> Session | Response:
        session = self.session_of(request)
        if session is None:
            return _answer("login_required", LOGIN_TEXT, 401)
        if post and not same_token(request.headers.get(CSRF_HEADER, ""), session.csrf_token):
            return _answer("forbidden", FORBIDDEN_TEXT, 403)
        return session

    def _order_ids(self, account: str) -> set[str]:
        return {order.order_id for order in self.store.orders(account)}

    async def start(self, request: Request) -> Response:
        """``POST {base}/start``: resume the active chat or start one (or offline)."""
        session = self._session(request, post=True)
        if isinstance(session, Response):
            return session
        return JSONResponse(self.store.chats.start(session.account, self._settings()))

    async def state(self, request: Request) -> Response:
        """``GET {base}/state?since=N&chat=ID``: the latest chat, messages from number N."""
        session = self._session(request, post=False)
        if isinstance(session, Response):
            return session
        raw = request.query_params.get("since", "0")
        if not raw.isdigit():
            return _answer("invalid", "since must be a whole number >= 0", 400)
        view = self.store.chats.view(
            session.account,
            since=int(raw),
            chat_id=request.query_params.get("chat") or None,
            offline_now=self.store.plan.chat_offline,
        )
        return JSONResponse(view)

    def _send(self, account: str, text: str, images: tuple[Image, ...] = ()) -> Response:
        try:
            message = self.store.chats.send(
                account, text=text, images=images, order_ids=self._order_ids(account)
            )
        except ChatRefused as refusal:
            return _answer(refusal.kind, str(refusal), CONFLICT)
        return JSONResponse({"status": "sent", "n": message.n})

    async def send(self, request: Request) -> Response:
        """``POST {base}/send`` with JSON ``{"text": "..."}``."""
        session = self._session(request, post=True)
        if isinstance(session, Response):
            return session
        body = await read_limited(request, MAX_SEND_BODY_BYTES)
        if body is None:
            return _answer("too_large", TOO_LARGE_TEXT, 413)
        try:
            data: Any = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return _answer("invalid", 'Send {"text": "..."} as JSON.', 400)
        text = data["text"].strip()
        if not text:
            return _answer("invalid", EMPTY_TEXT, 400)
        return self._send(session.account, text)

    async def attach(self, request: Request) -> Response:
        """``POST {base}/attach``: multipart ``images`` (files) and an optional ``text``."""
        session = self._session(request, post=True)
        if isinstance(session, Response):
            return session
        body = await read_limited(request, MAX_ATTACH_BODY_BYTES)
        if body is None:
            return _answer("too_large", TOO_LARGE_TEXT, 413)
        try:
            self.store.chats.check_writable(session.account)
        except ChatRefused as refusal:
            return _answer(refusal.kind, str(refusal), CONFLICT)
        try:
            form = await parse_form(request, body)
        except HTTPException as error:
            return _answer("invalid", f"Malformed form: {error.detail}", 400)
        try:
            files: list[tuple[str, bytes]] = []
            for item in form.getlist("images"):
                if isinstance(item, UploadFile):
                    content = await item.read()
                    if item.filename or content:
                        files.append((item.filename or "unnamed", content))
            text = form.get("text")
        finally:
            await form.close()
        try:
            images = check_images(files)
        except ImageRefused as refusal:
            self.store.chats.refuse(session.account, str(refusal))
            return _answer("refused", str(refusal), 422)
        return self._send(session.account, text.strip() if isinstance(text, str) else "", images)


def chat_api_routes(
    store: Store,
    session_of: Callable[[Request], Session | None],
    *,
    base: str = CHAT_BASE,
) -> list[Route]:
    """The chat's JSON routes under ``base`` (the page itself is the skin's, at ``base``)."""
    api = ChatApi(store, session_of)
    return [
        Route(f"{base}/start", api.start, methods=["POST"]),
        Route(f"{base}/state", api.state, methods=["GET"]),
        Route(f"{base}/send", api.send, methods=["POST"]),
        Route(f"{base}/attach", api.attach, methods=["POST"]),
    ]
