"""The run's browser context: opened, traced, watched for cookies, and closed or given back.

A run gets a new context (ours to close, with the profile's pin cookies set before the first
page: `agent.site.pin`), or the default context of a Chrome the user attached with
``--cdp-url`` (logged in there: used as it is, and left open). Every cookie value the site sets is
registered as a secret (`agent.flow.cookies`). The Playwright trace, when asked for, is kept
private (0600: it holds the session's cookies and what was typed); a trace that cannot be
written is recorded among the run's unwritten files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.files import record_failure, secure_file
from agent.flow.cookies import register_cookie_values, watch_cookies
from agent.flow.settings import RunSettings
from agent.log import get_logger
from agent.output.run_folder import RunFolder
from agent.session import restore_session_storage
from agent.site.pin import pin_interface

__all__ = ["TRACE_FILE", "close_context", "open_context"]

log = get_logger("agent.run")

TRACE_FILE = "trace.zip"


async def open_context(browser: Browser, settings: RunSettings) -> tuple[BrowserContext, bool]:
    """The run's context and whether it is ours to close; its trace started when asked for."""
    session = settings.options.session
    if session.browser.cdp_url and browser.contexts:
        context, owned = browser.contexts[0], False
    else:
        context = await browser.new_context(
            storage_state=str(session.storage_state) if session.storage_state else None,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
        )
        await restore_session_storage(context, session.storage_state)  # what login saved
        owned = True
        # the profile's pin (the interface language) before the first page; never in the
        # Chrome a person attached (their own browser's settings are theirs)
        await pin_interface(context, settings.profile, settings.site)
    watch_cookies(context)  # a cookie the site echoes is masked in every file and line
    await register_cookie_values(context)  # the session it starts with (a batch's shared login)
    if settings.options.trace in ("on", "retain-on-failure"):
        await context.tracing.start(screenshots=True, snapshots=True)
    return context, owned


async def _stop_trace(context: BrowserContext, folder: RunFolder, keep: bool) -> None:
    path = folder.path / TRACE_FILE
    try:
        await context.tracing.stop(path=str(path) if keep else None)
        if keep:
            secure_file(path)  # it holds the session's cookies: its owner only
    except (PlaywrightError, OSError) as exc:
        record_failure(path, str(exc).splitlines()[0] if str(exc) else exc)
        log.warning("agent.trace_failed", error=str(exc)[:200])


async def close_context(
    context: BrowserContext,
    owned: bool,
    *,
    settings: RunSettings,
    folder: RunFolder,
    ok: bool,
    pages: Iterable[Page | None],
    while_closing: Callable[[], object] | None = None,
) -> None:
    """Register the context's cookies, keep or drop the trace, then close what the run opened;
    a browser already gone is no error.

    *while_closing* (the run's files written) runs once, after the cookies are registered (so
    their values are masked in what it writes): in a worker thread while an owned context
    closes, else after the pages are closed or the browser was found gone.
    """
    work = while_closing
    try:
        await register_cookie_values(context)
        mode = settings.options.trace
        if mode in ("on", "retain-on-failure"):
            await _stop_trace(context, folder, keep=mode == "on" or not ok)
        if owned:
            if work is None:
                await context.close()
                return
            writing: Callable[[], object] = work
            work = None
            closed, wrote = await asyncio.gather(
                context.close(), asyncio.to_thread(writing), return_exceptions=True
            )
            for failed in (wrote, closed):
                if isinstance(failed, BaseException):
                    raise failed
            return
        for page in pages:
            if page is not None and not page.is_closed():
                await page.close()
    except PlaywrightError as exc:
        log.warning("agent.close_failed", error=str(exc)[:200])
    if work is not None:
        work()
