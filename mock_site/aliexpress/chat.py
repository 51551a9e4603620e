"""The aliexpress skin's support chat: its own page over the shared chat state and JSON endpoints.

``GET /p/support-chat/index.html`` is the page (templates/chat.html, static/ae-chat.js: class
names, no test ids, like the rest of this skin); the JSON endpoints are mock_site/chat_routes.py's
under ``/support/chat`` on this origin, with the session of the ``xman_t`` cookie and the token of
``_m_h5_tk`` (the page sends it as ``X-CSRF-Token``). The operator, script, limits and fault keys
are the mock skin's (docs/storefront.md, "Support chat").
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mock_site import chat_script
from mock_site.aliexpress.web import AeWeb
from mock_site.chat_routes import CHAT_BASE, CSRF_HEADER, chat_api_routes

__all__ = ["AE_CHAT_PAGE", "ae_chat_routes"]

AE_CHAT_PAGE = "/p/support-chat/index.html"


class _ChatPage:
    def __init__(self, web: AeWeb) -> None:
        self.web = web

    async def page(self, request: Request) -> Response:
        """The chat page (a logged-out visitor goes to the login origin first)."""
        session = self.web.guard(request)
        if isinstance(session, Response):
            return session
        return self.web.render(
            "chat.html",
            request=request,
            session=session,
            chat_base=CHAT_BASE,
            csrf_header=CSRF_HEADER,
            offline=self.web.store.plan.chat_offline,
            offline_text=chat_script.OFFLINE_TEXT,
            operator=chat_script.OPERATOR_NAME,
            max_chars=chat_script.MAX_MESSAGE_CHARS,
            max_images=chat_script.MAX_IMAGES,
            max_image_bytes=chat_script.MAX_IMAGE_BYTES,
            window=self.web.store.plan.chat_window,
        )


def ae_chat_routes(web: AeWeb) -> list[BaseRoute]:
    """The chat page and the shared JSON endpoints, for the skin's storefront origin."""
    return [
        Route(AE_CHAT_PAGE, _ChatPage(web).page, methods=["GET"]),
        *chat_api_routes(web.store, web.session),
    ]
