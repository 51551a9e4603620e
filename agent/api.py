"""The Python API: ``open_dispute(request, ...) -> Outcome`` and its async twin."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import random
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Browser, async_playwright

from agent.browser import BrowserTarget, connect
from agent.errors import InvalidConfig
from agent.evidence import RunFolder
from agent.journal import Journal
from agent.log import add_secret
from agent.pages import Credentials
from agent.policy import RetryPolicy
from agent.profile import SiteProfile, load_profile
from agent.request import DisputeRequest, PreparedRequest, build_request
from agent.run import Outcome, RunSettings, run_order

__all__ = [
    "Session",
    "check_storage_state",
    "open_dispute",
    "open_dispute_async",
    "prepare",
    "run_sync",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """How to reach a logged-in browser session."""

    storage_state: Path | None = None
    credentials: Credentials | None = None
    browser: BrowserTarget = field(default_factory=BrowserTarget)


def check_storage_state(path: Path) -> Path:
    """Refuse a storage-state file that is missing, unreadable or not Playwright's JSON."""
    hint = "log in again with `retry-dispute login --site URL --save-session FILE`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidConfig(f"storage-state file {path} does not exist", hint=hint) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidConfig(
            f"storage-state file {path} cannot be read ({type(exc).__name__})", hint=hint
        ) from None
    except json.JSONDecodeError:
        raise InvalidConfig(f"storage-state file {path} is not valid JSON", hint=hint) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("cookies", []), list)
        or not isinstance(data.get("origins", []), list)
        or not ({"cookies", "origins"} & set(data))
    ):
        raise InvalidConfig(
            f"storage-state file {path} is not a Playwright storage state", hint=hint
        )
    for cookie in data.get("cookies", []):  # never shown in a log line, whatever its shape
        if isinstance(cookie, dict) and isinstance(cookie.get("value"), str):
            add_secret(cookie["value"])
    return path


def prepare(request: DisputeRequest | PreparedRequest, profile: SiteProfile) -> PreparedRequest:
    """Run the pre-flight on a request (already prepared requests pass through)."""
    if isinstance(request, PreparedRequest):
        return request
    return build_request(
        order_id=request.order_id,
        received=request.received,
        reason=request.reason,
        solution=request.solution,
        refund=request.refund,
        amount=None if request.amount is None else str(request.amount),
        message=request.message,
        evidence=[str(p) for p in request.evidence],
        rules=profile.evidence,
    )


@contextmanager
def _journal(journal: Journal | None, state_dir: Path | None) -> Iterator[Journal]:
    if journal is not None:
        yield journal
        return
    owned = Journal.in_state_dir(state_dir)
    try:
        yield owned
    finally:
        owned.close()


async def open_dispute_async(
    request: DisputeRequest | PreparedRequest,
    *,
    site: str | None = None,
    profile: str | Path | SiteProfile = "mock",
    policy: RetryPolicy | None = None,
    session: Session | None = None,
    out_dir: Path = Path("runs"),
    trace: str = "retain-on-failure",
    state_dir: Path | None = None,
    journal: Journal | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    browser: Browser | None = None,
    finish: Callable[[RunFolder, Outcome, PreparedRequest], None] | None = None,
    on_event: Callable[[str, dict[str, Any]], None] | None = None,
    before_attempt: Callable[[], Awaitable[None]] | None = None,
    rng: random.Random | None = None,
) -> Outcome:
    """Open one dispute; see ``open_dispute``.

    ``browser``: an already started browser to use (a batch shares one; each run gets its own
    context). ``on_event`` receives progress events, ``before_attempt`` is awaited before each
    submission (a shared retry budget), ``sleep`` replaces ``asyncio.sleep`` between attempts.
    """
    prof = profile if isinstance(profile, SiteProfile) else load_profile(profile)
    prepared = prepare(request, prof)
    session = session or Session()
    if session.storage_state is not None:
        check_storage_state(session.storage_state)
    with _journal(journal, state_dir) as jr:
        settings = RunSettings(
            profile=prof,
            site=site or prof.base_url,
            policy=policy or RetryPolicy(),
            out_dir=out_dir,
            journal=jr,
            credentials=session.credentials,
            storage_state=session.storage_state,
            trace=trace,
            sleep=sleep or asyncio.sleep,
            rng=rng or random.Random(),
            on_event=on_event,
            before_attempt=before_attempt,
            use_default_context=bool(session.browser.cdp_url),
        )
        if browser is not None:
            return await run_order(prepared, browser, settings, finish=finish)
        target = session.browser
        async with async_playwright() as p:
            owned = await connect(p, target)
            try:
                return await run_order(prepared, owned, settings, finish=finish)
            finally:
                if not target.cdp_url:
                    await owned.close()


def open_dispute(request: DisputeRequest | PreparedRequest, **options: object) -> Outcome:
    """Open one dispute in a real browser and return how it ended.

    Keyword options are those of ``open_dispute_async``: ``site``, ``profile``, ``policy``,
    ``session``, ``out_dir``, ``trace``, ``state_dir``, ``journal``, ``sleep``. Raises
    ``InvalidRequest`` (exit code 2) before touching the site when the request is wrong; every
    later problem is an ``Outcome`` with its status and exit code.
    """
    return run_sync(open_dispute_async(request, **options))  # type: ignore[arg-type]


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from sync code, even where an event loop is already running.

    ``asyncio.run`` refuses to start inside a running loop (a notebook, or a thread that uses
    Playwright's sync API); the coroutine then runs in a worker thread with its own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
