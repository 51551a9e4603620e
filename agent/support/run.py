"""One support run: a run folder in, a conversation with the site's support chat, its record out.

`run_support` reads the run folder (refusing one with nothing to escalate before any browser
starts), reaches a logged-in browser session like a dispute run does, opens the profile's chat
page, holds the `Conversation`, and always writes ``support-chat.json`` / ``support-chat.md`` and
the run's ``report.html`` (which then shows the conversation), whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from agent.browser import connect
from agent.errors import InvalidConfig, LoginRequired, RetryDisputeError
from agent.flow.cookies import register_cookie_values, watch_cookies
from agent.log import get_logger, log_to_file
from agent.outcome import Outcome, Status
from agent.output.report import write_report
from agent.session import Session, restore_session_storage
from agent.site.chat_profile import ChatProfile
from agent.site.gates import arm_page, check_gates
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile
from agent.support.conversation import ChatEnd, ChatResult, Conversation, Timing
from agent.support.facts import RunFacts, facts_of, read_run_folder
from agent.support.page import ChatPage
from agent.support.person import NoPerson, Person
from agent.support.transcript import CHAT_JSON, CHAT_MD, Transcript, open_case, read_chat

__all__ = [
    "SupportOptions",
    "SupportResult",
    "chat_profile_of",
    "refuse_open_case",
    "run_support",
]

log = get_logger("agent.support")

#: The status (and so the exit code) of each way a chat ends: a case number is 0, support
#: offline, a drop or a chat closed without a case is 4 (try again later), a question for a person
#: or no case in time is 5.
_END_STATUS: dict[ChatEnd, Status] = {
    "case": Status.OPENED,
    "offline": Status.GAVE_UP,
    "dropped": Status.GAVE_UP,
    "closed": Status.GAVE_UP,
    "queue_timeout": Status.GAVE_UP,
    "person": Status.NEEDS_HUMAN,
    "timeout": Status.NEEDS_HUMAN,
}
_HINTS: dict[ChatEnd, str] = {
    "offline": "support is not there now: run `retry-dispute support RUN_DIR` again in its hours",
    "dropped": "run `retry-dispute support RUN_DIR` again",
    "closed": "run `retry-dispute support RUN_DIR` again, or read support-chat.md",
    "queue_timeout": "run `retry-dispute support RUN_DIR` again later",
    "person": "run `retry-dispute support RUN_DIR` in a terminal to answer the question yourself, "
    "or answer it in the chat",
    "timeout": "read support-chat.md and carry on in the chat yourself",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportOptions:
    """What a support run needs: the site, its profile, the session, who can answer questions."""

    site: str
    profile: SiteProfile
    session: Session = field(default_factory=Session)
    person: Person = field(default_factory=NoPerson)
    #: A started browser to use (else one is started or reached from the session).
    browser: Browser | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    #: Lines for the person watching (the queue, each message).
    say: Callable[[str], None] | None = None
    #: Override the profile's timing (tests).
    timing: Timing | None = None
    #: False only to show, in tests, that the chat drops without the holding message.
    hold: bool = True
    #: Chat again although support opened a case for this run already (``--again``).
    again: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportResult:
    """How a support run ended."""

    run_dir: Path
    order_id: str
    status: Status
    #: How the chat ended; None when the run stopped before or outside the chat (an error).
    end: ChatEnd | None
    message: str
    case_number: str | None = None
    hint: str | None = None
    question: str | None = None

    @property
    def exit_code(self) -> int:
        """0 a case number, 4 offline or dropped, 5 a person is needed (2 bad input, 1 error)."""
        return self.status.exit_code

    def to_json(self) -> dict[str, object]:
        """How it ended, as ``support-chat.json`` starts."""
        return {
            "order_id": self.order_id,
            "end": self.end,
            "exit_code": self.exit_code,
            "case_number": self.case_number,
            "message": self.message,
            "hint": self.hint,
            "question": self.question,
        }


def refuse_open_case(run_dir: Path, *, again: bool) -> None:
    """`InvalidConfig` (exit 2) when support opened a case for this run already, unless *again*:
    a second chat would open a second case."""
    case = open_case(read_chat(run_dir))
    if case is None or again:
        return
    when = str(case.get("opened_at") or "")[:19].replace("T", " ")
    raise InvalidConfig(
        f"support case {case['case_number']} is open for order {case.get('order_id') or '?'} "
        f"(opened {when} UTC, see {run_dir / CHAT_MD}): a second chat would open a second case",
        hint="wait for support's answer to that case; pass --again to chat anyway",
    )


def chat_profile_of(profile: SiteProfile) -> ChatProfile:
    """The profile's ``[support_chat]``; `InvalidConfig` when it has none."""
    if profile.support_chat is None:
        raise InvalidConfig(
            f"profile {profile.source} has no [support_chat] table",
            hint="add one (see README, 'The support chat'), or use --profile mock",
        )
    return profile.support_chat


@contextlib.asynccontextmanager
async def _browser(options: SupportOptions) -> AsyncIterator[Browser]:
    if options.browser is not None:
        yield options.browser
        return
    target = options.session.browser
    async with async_playwright() as playwright:
        browser = await connect(playwright, target)
        try:
            yield browser
        finally:
            if not target.cdp_url:
                await browser.close()


async def _context(browser: Browser, options: SupportOptions) -> tuple[BrowserContext, bool]:
    """A new context (ours to close), or the logged-in default context of a Chrome over CDP.

    Its cookies are secrets before any text leaves: those it starts with are registered now,
    and each one the site sets (the chat's login too) as it arrives (`agent.flow.cookies`).
    """
    session = options.session
    if session.browser.cdp_url and browser.contexts:
        context, owned = browser.contexts[0], False
    else:
        context = await browser.new_context(
            storage_state=str(session.storage_state) if session.storage_state else None,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
        )
        await restore_session_storage(context, session.storage_state)
        owned = True
    watch_cookies(context)
    await register_cookie_values(context)
    return context, owned


async def _open_chat(page: Page, options: SupportOptions, chat: ChatProfile) -> None:
    """Open the chat page, logging in first when the site asks."""
    profile = options.profile
    url = chat.url(options.site)
    timeout = profile.timeouts.navigation_s * 1000
    await page.goto(url, timeout=timeout, wait_until="domcontentloaded")
    site = SitePage(page, profile)
    order_page = OrderPage(site, base_url=options.site)
    if await order_page.is_login():
        credentials = options.session.credentials
        if credentials is None:
            raise LoginRequired(
                "the site asks to log in before the chat",
                hint="pass --storage-state, or set RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
            )
        await order_page.login(credentials)
        await page.goto(url, timeout=timeout, wait_until="domcontentloaded")
    await register_cookie_values(page.context)  # the session the login (or the page) set
    await check_gates(site, when="on the chat page")


async def _converse(
    facts: RunFacts, chat: ChatProfile, options: SupportOptions, transcript: Transcript
) -> ChatResult:
    async with _browser(options) as browser:
        context, owned = await _context(browser, options)
        page = await context.new_page()
        try:
            await arm_page(page, options.profile)
            await _open_chat(page, options, chat)
            port = ChatPage(
                page,
                chat,
                run_dir=facts.outcome.run_dir or Path("."),
                answer_s=options.profile.timeouts.answer_s,
                screenshot_s=options.profile.timeouts.screenshot_s,
            )
            conversation = Conversation(
                port,
                facts,
                chat,
                person=options.person,
                transcript=transcript,
                timing=options.timing,
                clock=options.clock,
                sleep=options.sleep,
                say=options.say,
                hold=options.hold,
            )
            return await conversation.run()
        finally:
            if owned:
                await context.close()
            elif not page.is_closed():
                await page.close()


def _result(outcome: Outcome, chat: ChatResult) -> SupportResult:
    return SupportResult(
        run_dir=outcome.run_dir or Path("."),
        order_id=outcome.order_id,
        status=_END_STATUS[chat.end],
        end=chat.end,
        message=chat.message,
        case_number=chat.case_number,
        hint=_HINTS.get(chat.end),
        question=chat.question,
    )


async def run_support(run_dir: Path, options: SupportOptions) -> SupportResult:
    """Take a run that did not open its dispute to the site's support chat.

    Raises `InvalidConfig` (exit 2) before any browser starts when ``run_dir`` is no run folder,
    its dispute is open, support opened a case for it already (unless ``options.again``), or
    the profile has no chat; every later problem is a `SupportResult`. The chats held before
    for this folder are kept in its record.
    """
    outcome = read_run_folder(run_dir)
    chat = chat_profile_of(options.profile)
    refuse_open_case(run_dir, again=options.again)
    facts = facts_of(outcome, chat)
    transcript = Transcript(clock=options.clock, before=read_chat(run_dir))
    result = SupportResult(
        run_dir=run_dir,
        order_id=outcome.order_id,
        status=Status.INTERRUPTED,
        end=None,
        message="the support chat was interrupted",
    )
    with log_to_file(run_dir / "log.jsonl", run_id=run_dir.name, order_id=outcome.order_id):
        log.info("agent.support_started", site=options.site, profile=options.profile.name)
        try:
            result = _result(outcome, await _converse(facts, chat, options, transcript))
        except RetryDisputeError as exc:
            log.warning("agent.support_stopped", error=str(exc))
            result = SupportResult(
                run_dir=run_dir,
                order_id=outcome.order_id,
                status=Status.of_error(exc),
                end=None,
                message=exc.what,
                hint=exc.hint,
            )
        except Exception as exc:
            log.exception("agent.support_error", error=f"{type(exc).__name__}: {str(exc)[:300]}")
            first_line = (str(exc).splitlines() or [""])[0][:200]
            result = SupportResult(
                run_dir=run_dir,
                order_id=outcome.order_id,
                status=Status.ERROR,
                end=None,
                message=f"unexpected error: {type(exc).__name__}: {first_line}",
            )
        finally:
            transcript.write(run_dir, {**result.to_json(), "site": options.site})
            write_report(run_dir)
            log.info(
                "agent.support_finished",
                end=result.end,
                case_number=result.case_number,
                exit_code=result.exit_code,
                files=[CHAT_JSON, CHAT_MD],
            )
    return result
