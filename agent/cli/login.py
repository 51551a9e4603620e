"""``retry-dispute login``: log in once in a browser and save the session (mode 0600).

A person logs in in a headed browser window (any verification included), then presses Enter;
with RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD set, the login form is filled for them
(``--headless`` then works too). The storage state holds cookies: it is written with mode 0600
and never logged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from playwright.async_api import async_playwright

from agent.browser import BrowserTarget, connect
from agent.cli.session import check_site
from agent.errors import InvalidConfig, LoginRequired
from agent.log import get_logger
from agent.session import credentials_from_env, write_private
from agent.site.order_page import OrderPage
from agent.site.profile import load_profile

__all__ = ["command_login"]

log = get_logger("agent.login")


async def command_login(args: argparse.Namespace) -> int:
    site = check_site(args.site)
    profile = load_profile(args.profile)
    credentials = credentials_from_env()
    if args.headless and credentials is None:
        raise InvalidConfig(
            "--headless needs RETRY_DISPUTE_USER and RETRY_DISPUTE_PASSWORD",
            hint="set them, or drop --headless to log in yourself in the browser window",
        )
    target = BrowserTarget(executable=args.browser_path, headless=bool(args.headless))
    async with async_playwright() as p:
        browser = await connect(p, target)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(profile.login_url(base_url=site))
            login = OrderPage(page, profile, base_url=site)
            if credentials is not None:
                await login.login(credentials)
            else:
                print(
                    "Log in in the browser window (solve any verification), then press Enter here.",
                    file=sys.stderr,
                )
                await asyncio.to_thread(sys.stdin.readline)
            if await login.is_login():
                raise LoginRequired("still on the login page: the session was not saved")
            state = await context.storage_state()
        finally:
            await browser.close()
    write_private(args.save_session, json.dumps(state))
    log.info(
        "agent.session_saved", path=str(args.save_session), entries=len(state.get("cookies", []))
    )
    print(
        f"session saved to {args.save_session} (mode 0600); use it with --storage-state "
        f"{args.save_session}"
    )
    return 0
