"""The support chat's page object (`agent.support.page.ChatPage`) on pages built for one case."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from agent.browser import BrowserTarget, connect
from agent.site.profile import load_profile
from agent.support.page import ChatPage
from agent.support.port import SendRefused
from tests.e2e.test_login_and_resume import in_thread

pytestmark = pytest.mark.browser

#: The chat just closed under the agent: the input still takes text, Send is disabled.
CLOSING = """<div data-testid="support-chat" data-status="open">
<textarea data-testid="chat-input"></textarea>
<button data-testid="chat-send" disabled>Send</button>
</div>"""


async def _send_on(html: str, run_dir: Path) -> str:
    profile = load_profile("mock")
    assert profile.support_chat is not None
    async with async_playwright() as p:
        browser = await connect(p, BrowserTarget())
        try:
            page = await (await browser.new_context()).new_page()
            await page.set_content(html)
            chat = ChatPage(page, profile.support_chat, run_dir=run_dir, answer_s=30)
            try:
                await chat.send("Hello, my order 1001 has not arrived.")
            except SendRefused as refused:
                return str(refused)
            return "sent"
        finally:
            await browser.close()


def test_a_disabled_send_button_is_a_refusal_at_once(tmp_path: Path) -> None:
    """A chat that closes between the read and the send leaves Send disabled: that is a refusal
    said as such, not a click waiting out its 30 s for a button that will never work."""
    said = in_thread(asyncio.run, _send_on(CLOSING, tmp_path))
    assert said == "the chat takes no message now"
