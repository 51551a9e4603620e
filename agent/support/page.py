"""The chat page in a browser: a `ChatPort` over Playwright, every selector from the profile.

Messages are read by identity, not by position: each message element read is marked in the page, and
a read takes the unmarked ones, so a chat that shows only its last messages still gives every
message once (`ChatPage.read`). A send waits until the chat shows a new customer message, or shows a
refusal (raised as `SendRefused`). Before any text is sent the page's cookies are registered as
secrets again, and a text holding a secret is refused, whatever said it. Screenshots continue the
run folder's numbering (``screenshots/NN-chat-<why>.png``); one that fails is logged and never stops
the chat.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FilePayload, Locator, Page

from agent.files import make_private_dir, write_private_bytes
from agent.flow.cookies import register_cookie_values
from agent.log import get_logger
from agent.output.run_folder import slug
from agent.redaction import redact_text
from agent.site.chat_profile import ChatProfile
from agent.site.dom import is_visible
from agent.support.port import ChatLine, ChatPhase, ChatState, OutgoingImage, SendRefused

__all__ = ["ChatPage", "next_screenshot"]

log = get_logger("agent.support")

_NUMBERED = re.compile(r"^(\d+)-")

#: The attribute that marks a message element as read (its value: the order it was read in).
_MARK = "data-retry-dispute-read"
#: Mark the message elements not read yet; their numbers, and how many messages are shown.
_MARK_NEW = f"""(elements, first) => {{
  let next = first;
  const fresh = [];
  for (const element of elements) {{
    if (element.hasAttribute("{_MARK}")) continue;
    element.setAttribute("{_MARK}", String(next));
    fresh.push(next++);
  }}
  return [fresh, elements.length];
}}"""
_UNREAD = f'(elements) => elements.filter((e) => !e.hasAttribute("{_MARK}")).length'
#: The longest message text kept (a chat's messages are a few hundred characters).
_MAX_TEXT = 10_000
#: The identities of the last messages read, kept to recognise them on a rebuilt page.
_KEEP_KEYS = 200


def _overlap(read: list[tuple[str, ...]], shown: list[tuple[str, ...]]) -> int:
    """How many of the first *shown* messages are the last ones *read* (the longest match)."""
    for k in range(min(len(read), len(shown)), 0, -1):
        if read[-k:] == shown[:k]:
            return k
    return 0


def next_screenshot(run_dir: Path, name: str) -> str:
    """The next free ``screenshots/NN-<name>.png`` of a run folder, relative to it."""
    folder = run_dir / "screenshots"
    taken = [int(m.group(1)) for p in folder.glob("*.png") if (m := _NUMBERED.match(p.name))]
    return f"screenshots/{max(taken, default=0) + 1:02d}-{slug(name)}.png"


class ChatPage:
    """The support chat on a Playwright page."""

    def __init__(
        self,
        page: Page,
        chat: ChatProfile,
        *,
        run_dir: Path,
        answer_s: float = 30.0,
        screenshot_s: float = 5.0,
    ) -> None:
        self.page = page
        self.chat = chat
        self.sel = chat.selectors
        self.run_dir = run_dir
        self.answer_s = answer_s
        self.screenshot_s = screenshot_s
        #: Message elements marked as read so far, and the identities of the last ones read.
        self._marks = 0
        self._read: list[tuple[str, ...]] = []

    def _loc(self, selector: str) -> Locator:
        return self.page.locator(selector)

    async def _phase(self) -> tuple[ChatPhase, str | None]:
        sel = self.sel
        offline, closed, queued, open_ = await asyncio.gather(
            is_visible(self._loc(sel.offline)),
            is_visible(self._loc(sel.closed)),
            is_visible(self._loc(sel.queue)),
            self._enabled(sel.input),
        )
        if offline:
            return "offline", " ".join((await self._loc(sel.offline).first.inner_text()).split())
        if closed:
            notice = " ".join((await self._loc(sel.closed).first.inner_text()).split())
            return ("dropped" if self.chat.is_dropped(notice) else "closed"), notice
        if queued:
            return "queued", None
        return ("open" if open_ else "starting"), None

    async def start(self) -> None:
        """Click Start when it is shown, then wait until the page shows where the chat is."""
        start = self._loc(self.sel.start).first
        if await is_visible(start):
            await start.click(timeout=self.answer_s * 1000)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.answer_s
        while loop.time() < deadline:
            phase, _ = await self._phase()
            if phase in ("queued", "open", "offline"):
                return
            await asyncio.sleep(0.1)

    async def _line(self, mark: int) -> ChatLine:
        """The message this page marked with number *mark*: who sent it and its text."""
        message = self._loc(f'[{_MARK}="{mark}"]')
        texts, mine, when = await asyncio.gather(
            message.locator(self.sel.message_text).all_inner_texts(),
            message.and_(self._loc(self.sel.operator_message)).count(),
            self._time_of(message),
        )
        text = " ".join(" ".join(texts).split())
        if len(text) > _MAX_TEXT:  # a chat message is short: a page's flood is cut, and said
            text = text[:_MAX_TEXT] + " [cut]"
        return ChatLine("operator" if mine else "customer", text, shown_at=when)

    async def _time_of(self, message: Locator) -> str | None:
        selector = self.sel.message_time
        if selector is None:
            return None
        times = await message.locator(selector).all_inner_texts()
        return " ".join(" ".join(times).split()) or None

    async def _new_lines(self) -> tuple[ChatLine, ...]:
        """The messages this page shows that were not read before, by identity, in order.

        Each message element read is marked in the page (an attribute with a number), so a
        chat that shows only its last messages, or adds them anywhere, is read right: nothing
        twice, nothing skipped because older messages left the page. When every element shown
        is new although some were read (the page was rebuilt), the messages already read are
        recognised by their sender, text and shown time, and not read again.
        """
        fresh, total = await self._loc(self.sel.message).evaluate_all(_MARK_NEW, self._marks)
        self._marks += len(fresh)
        lines = await asyncio.gather(*(self._line(mark) for mark in fresh))
        if lines and len(fresh) == total and self._read:
            lines = list(lines[_overlap(self._read, [line.key for line in lines]) :])
        self._read.extend(line.key for line in lines)
        del self._read[:-_KEEP_KEYS]
        return tuple(lines)

    async def read(self) -> ChatState:
        """The page's state, and the messages that appeared since the last read."""
        sel = self.sel
        (phase, notice), lines, position, typing, case = await asyncio.gather(
            self._phase(),
            self._new_lines(),
            self._text(sel.queue_position),
            self._shown(sel.typing),
            self._text(sel.case_number),
        )
        return ChatState(
            phase=phase,
            lines=lines,
            queue_position=int(position) if position and position.isdigit() else None,
            operator_typing=typing,
            case_number=case or None,
            notice=notice,
        )

    async def _enabled(self, selector: str) -> bool:
        try:
            return await self._loc(selector).first.is_enabled(timeout=1000)
        except PlaywrightError:  # not on the page (yet), or the page navigated
            return False

    async def _shown(self, selector: str | None) -> bool:
        return selector is not None and await is_visible(self._loc(selector))

    async def _text(self, selector: str | None) -> str | None:
        if not await self._shown(selector):
            return None
        assert selector is not None
        return " ".join((await self._loc(selector).first.inner_text()).split())

    async def _customers(self) -> int:
        """The customer's messages shown and not read yet (the one just sent, once shown)."""
        every, operator = await asyncio.gather(
            self._loc(self.sel.message).evaluate_all(_UNREAD),
            self._loc(self.sel.operator_message).evaluate_all(_UNREAD),
        )
        return int(every) - int(operator)

    async def _wait_taken(self, before: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.answer_s
        while loop.time() < deadline:
            refused = await self._text(self.sel.error)
            if refused:
                raise SendRefused(refused)
            if await self._customers() > before:
                return
            await asyncio.sleep(0.05)
        raise SendRefused(f"the chat did not show the message within {self.answer_s:.0f} s")

    async def _submit(self, text: str, files: list[FilePayload]) -> None:
        """Fill in the message (and images) and send it; SendRefused when the chat takes none.

        The chat may close between a read and a send (the operator's goodbye): a disabled input,
        or a Playwright error on the way, is a refusal, never a 30-second wait or a crash.
        """
        timeout = self.answer_s * 1000
        # the last gate before text leaves: every cookie the page holds now is a secret (one a
        # script set since the last look too), and a text holding one is never sent
        await register_cookie_values(self.page.context)
        if redact_text(text) != text:
            raise SendRefused("not sent: it holds a cookie, a password or a token")
        if not await self._enabled(self.sel.input):
            raise SendRefused("the chat takes no message now")
        before = await self._customers()
        try:
            if files:
                await self._loc(self.sel.attach).first.set_input_files(files, timeout=timeout)
            await self._loc(self.sel.input).first.fill(text, timeout=timeout)
            if not await self._enabled(self.sel.send):  # closed since the read: no 30 s wait
                raise SendRefused("the chat takes no message now")
            await self._loc(self.sel.send).first.click(timeout=timeout)
        except PlaywrightError as exc:
            raise SendRefused(f"could not send: {str(exc).splitlines()[0][:160]}") from None
        await self._wait_taken(before)

    async def send(self, text: str) -> None:
        """Type the text and send it; wait until the chat shows it (SendRefused if refused)."""
        await self._submit(text, [])

    async def attach(self, images: Sequence[OutgoingImage], text: str) -> None:
        """Choose the images, type the text and send them as one message."""
        files: list[FilePayload] = [
            {"name": i.name, "mimeType": i.mime_type, "buffer": i.data} for i in images
        ]
        await self._submit(text, files)

    async def snapshot(self, name: str) -> str | None:
        """A screenshot of the chat into the run folder; its relative path, or None."""
        relative = next_screenshot(self.run_dir, name)
        target = self.run_dir / relative
        try:
            data = await asyncio.wait_for(
                self.page.screenshot(timeout=self.screenshot_s * 1000, caret="initial"),
                timeout=self.screenshot_s + 1,
            )
            make_private_dir(target.parent)
            write_private_bytes(target, data)  # 0600, like every file of the run folder
        except Exception as exc:  # a failed screenshot must never stop the chat
            log.warning("agent.screenshot_failed", screenshot=relative, error=str(exc)[:300])
            return None
        return relative
