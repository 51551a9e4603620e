"""``retry-dispute login``: log in once in a browser and save the session (mode 0600).

A person logs in in a browser window (any verification included); the session is saved as soon
as the login is seen (`watch_login`: the login form is gone, the page left the login URL and the
site set new cookies, or the profile's ``signed_in`` selector shows), or when the person presses
Enter. With RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD set, the form is filled for them
(``--headless`` then works too; a verification code asked after the password is typed by the
person in the window). Before it says "saved", the session is tried in a fresh browser context:
it must open ``urls.orders`` (or the login page) signed in (``page.signed_in`` shows, or at least
no login form); a session that does not survive is not saved (exit 5). The sessionStorage of the
site's pages is saved with the storage state (a token kept there is the login on some sites).
The file holds cookies and tokens: it is written with mode 0600 and never logged. The console
shows only these few lines (the log goes nowhere else at the default level).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from typing import Any, Literal

from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.browser import BrowserTarget, connect
from agent.cli.output import Console
from agent.cli.preflight import check_session_target
from agent.cli.session import check_display, check_site
from agent.cli.signals import Interruptible
from agent.errors import ChallengeShown, InvalidConfig, LoginRequired
from agent.log import get_logger
from agent.session import (
    SESSION_STORAGE,
    capture_session_storage,
    credentials_from_env,
    session_storage_script,
    write_private,
)
from agent.site.locate import SitePage
from agent.site.order_page import OrderPage
from agent.site.profile import SiteProfile, load_profile

__all__ = ["command_login", "watch_login"]

log = get_logger("agent.login")

Seen = Literal["detected", "enter"]


def _enter_pressed(loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
    """A future set when a line is read from stdin (a daemon thread: never blocks the exit)."""
    future: asyncio.Future[None] = loop.create_future()

    def read() -> None:
        try:
            sys.stdin.readline()
        except (OSError, ValueError):
            return

        def done() -> None:
            if not future.done():
                future.set_result(None)

        loop.call_soon_threadsafe(done)

    threading.Thread(target=read, name="login-enter", daemon=True).start()
    return future


async def _cookie_names(context: BrowserContext) -> set[tuple[str, str]]:
    return {(c.get("name", ""), c.get("value", "")) for c in await context.cookies()}


async def watch_login(
    page: Page,
    profile: SiteProfile,
    *,
    login_url: str,
    enter: asyncio.Future[None] | None = None,
    timeout_s: float = 600.0,
    poll_s: float = 0.5,
) -> Seen:
    """Wait until the person has logged in on *page*; ``"enter"`` if they pressed Enter first.

    Logged in means the profile's ``page.signed_in`` element shows (when it has one), or
    the login form is gone, the page is no longer at the login URL, and the site set cookies it
    had not set when the login page opened. Raises LoginRequired after *timeout_s*.
    """
    context = page.context
    before = await _cookie_names(context)
    site = SitePage(page, profile)
    marker = profile.page.signed_in
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if enter is not None and enter.done():
            return "enter"
        try:
            if marker and await site.visible(marker, where="page.signed_in"):
                return "detected"
            form_gone = not await site.visible(profile.page.login, where="page.login")
            asked = await site.visible(profile.page.challenge, where="page.challenge")
            if (
                form_gone
                and not asked  # a verification code after the password: not logged in yet
                and page.url.split("?")[0].rstrip("/") != login_url.rstrip("/")
                and (await _cookie_names(context)) - before
            ):
                return "detected"
        except Exception as exc:  # a page that navigates while it is read: look again
            log.debug("agent.login_watch_retry", error=f"{type(exc).__name__}"[:80])
        waiter = asyncio.sleep(poll_s) if enter is None else asyncio.wait({enter}, timeout=poll_s)
        await waiter
    raise LoginRequired(
        f"no login was seen within {timeout_s:.0f} s: the session was not saved",
        hint="run retry-dispute login again and log in in the window (or press Enter when done)",
    )


def check_url(profile: SiteProfile, *, site: str, login_url: str, ended_at: str) -> str:
    """Where a saved session is tried: ``urls.orders``, else the page the login ended on (when
    it left the login page), else the login page."""
    if profile.orders_path is not None:
        return profile.signed_in_url(base_url=site)
    if ended_at.startswith(("http://", "https://")) and ended_at.split("?")[0].rstrip(
        "/"
    ) != login_url.split("?")[0].rstrip("/"):
        return ended_at
    return login_url


async def signed_in_afresh(
    browser: Browser, profile: SiteProfile, state: dict[str, Any], *, url: str
) -> bool:
    """Whether *state* (a storage state, with its sessionStorage) opens *url* signed in, in a
    context of its own (`check_url` says which page).

    Signed in: ``page.signed_in`` shows (when the profile has one), else no login form shows
    once the page has loaded.
    """
    context = await browser.new_context(
        storage_state={k: v for k, v in state.items() if k != SESSION_STORAGE}  # type: ignore[arg-type]  # Playwright's StorageState: a TypedDict of the same keys
    )
    try:
        script = session_storage_script(state.get(SESSION_STORAGE, []))
        if script is not None:
            await context.add_init_script(script)
        page = await context.new_page()
        view = SitePage(page, profile)
        limit = profile.timeouts.navigation_s
        await page.goto(url, timeout=limit * 1000)
        gates = profile.page
        deadline = asyncio.get_running_loop().time() + limit
        while asyncio.get_running_loop().time() < deadline:
            if gates.signed_in and await view.visible(gates.signed_in, where="page.signed_in"):
                return True
            if await view.visible(gates.login, where="page.login"):
                return False
            if gates.signed_in is None:  # nothing to wait for: loaded and no login form
                try:
                    await page.wait_for_load_state("load", timeout=limit * 1000)
                except PlaywrightTimeout:
                    return False
                return not await view.visible(gates.login, where="page.login")
            await asyncio.sleep(0.1)
        return False
    finally:
        await context.close()


async def _login(args: argparse.Namespace, console: Console) -> int:
    if not args.headless:
        check_display("login")
    site = check_site(args.site)
    profile = load_profile(args.profile)
    check_session_target(args.save_session)  # before a person spends time logging in
    credentials = credentials_from_env()
    if args.headless and credentials is None:
        raise InvalidConfig(
            "--headless needs RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
            hint="set them, or drop --headless to log in yourself in the browser window",
        )
    if args.save_session.is_dir():
        raise InvalidConfig(
            f"--save-session {args.save_session} is a folder",
            hint="give a file name, e.g. --save-session ~/.shop-session.json",
        )
    target = BrowserTarget(executable=args.browser_path, headless=bool(args.headless))
    login_url = profile.login_url(base_url=site)
    async with async_playwright() as p:
        browser = await connect(p, target)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(login_url)
            login = OrderPage(SitePage(page, profile), base_url=site)
            asked_code = False
            if credentials is not None:
                try:
                    await login.login(credentials)
                except ChallengeShown:
                    if args.headless:
                        raise
                    asked_code = True  # the code is the person's to type, in the window
            if credentials is None or asked_code:
                console.warn(
                    "The site asks for a verification code: type it in the browser window. "
                    "The session is saved as soon as you are logged in, or press Enter here "
                    "when you are done."
                    if asked_code
                    else f"A browser window is open on {login_url}: log in there (solve any "
                    "verification). The session is saved as soon as you are logged in, or "
                    "press Enter here when you are done.",
                    event="agent.login_waiting",
                    url=login_url,
                )
                seen = await watch_login(
                    page,
                    profile,
                    login_url=login_url,
                    enter=_enter_pressed(asyncio.get_running_loop()),
                    timeout_s=args.timeout,
                )
                if seen == "detected":
                    console.warn("logged in: the login form is gone", event="agent.login_seen")
            if await login.is_login():
                raise LoginRequired("still on the login page: the session was not saved")
            state: dict[str, Any] = dict(await context.storage_state())
            stored = await capture_session_storage(context)
            if stored:
                state[SESSION_STORAGE] = stored
            url = check_url(profile, site=site, login_url=login_url, ended_at=page.url)
            if not await signed_in_afresh(browser, profile, state, url=url):
                raise LoginRequired(
                    f"the session does not open {url} signed in from a fresh browser: the "
                    "site did not keep the login, so it was not saved",
                    hint='log in again and tick the site\'s "keep me signed in" if it has one; '
                    "check the profile's page.signed_in and urls.orders",
                )
        finally:
            await browser.close()
    try:
        write_private(args.save_session, json.dumps(state))
    except OSError as exc:  # checked before the login; the disk may have filled up since
        raise InvalidConfig(
            f"--save-session {args.save_session} could not be written "
            f"({(exc.strerror or str(exc)).lower()})",
            hint="free some space or choose another file, then log in again",
        ) from None
    log.info(
        "agent.session_saved",
        path=str(args.save_session),
        entries=len(state.get("cookies", [])),
        session_storage=len(state.get(SESSION_STORAGE, [])),
    )
    print(
        f"session saved to {args.save_session} (mode 0600; checked: it opens the site signed in "
        f"from a fresh browser); use it with --storage-state {args.save_session}"
    )
    return 0


def command_login(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """``retry-dispute login``: log in in a window (or with the environment's credentials)."""
    return signals.run(_login(args, console))
