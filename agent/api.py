"""The Python API: ``open_dispute(request, options) -> Outcome`` and its async twin.

::

    from agent import Credentials, RunOptions, Session, build_request, open_dispute

    request = build_request(order_id="1001", received="no", reason="not_received",
                            message="The parcel has not arrived after 40 days.")
    session = Session(credentials=Credentials("demo", "demo"))
    outcome = open_dispute(request, RunOptions(site="http://127.0.0.1:8000", session=session))
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TypeVar

from playwright.async_api import async_playwright

from agent.browser import connect
from agent.flow.journal import Journal
from agent.flow.run import run_order
from agent.flow.settings import RunOptions, RunSettings, Runtime
from agent.outcome import Outcome
from agent.request import DisputeRequest, PreparedRequest, build_request
from agent.session import check_storage_state
from agent.site.profile import SiteProfile

__all__ = ["open_dispute", "open_dispute_async", "prepare", "run_sync"]

T = TypeVar("T")


def prepare(request: DisputeRequest | PreparedRequest, profile: SiteProfile) -> PreparedRequest:
    """Run the pre-flight on a request, against the profile's reasons and item lines.

    An already prepared request is only checked against the profile.
    """
    if isinstance(request, PreparedRequest):
        profile.check_request(request.request)
        return request
    prepared = build_request(
        order_id=request.order_id,
        item=request.item,
        quantity=request.quantity,
        received=request.received,
        reason=request.reason,
        solution=request.solution,
        refund=request.refund,
        amount=None if request.amount is None else str(request.amount),
        message=request.message,
        evidence=[str(p) for p in request.evidence],
        rules=profile.evidence,
        reasons=profile.reasons,
        message_limits=profile.message_limits,
    )
    profile.check_request(prepared.request)
    return prepared


@contextmanager
def _journal(options: RunOptions, runtime: Runtime) -> Iterator[Runtime]:
    """The runtime with a journal: the given one, or one opened in the state folder."""
    if runtime.journal is not None:
        yield runtime
        return
    owned = Journal.in_state_dir(options.state_dir)
    try:
        yield replace(runtime, journal=owned)
    finally:
        owned.close()


async def open_dispute_async(
    request: DisputeRequest | PreparedRequest,
    options: RunOptions | None = None,
    *,
    runtime: Runtime | None = None,
) -> Outcome:
    """Open one dispute; see `open_dispute`. ``runtime`` injects a browser, journal, sleep, …"""
    options = options or RunOptions()
    runtime = runtime or Runtime()
    resolved = RunSettings.resolve(options, runtime)
    prepared = prepare(request, resolved.profile)
    if options.session.storage_state is not None:
        check_storage_state(options.session.storage_state)
    with _journal(options, runtime) as with_journal:
        settings = RunSettings.resolve(options, with_journal, profile=resolved.profile)
        if runtime.browser is not None:
            return await run_order(prepared, runtime.browser, settings)
        target = options.session.browser
        async with async_playwright() as p:
            owned = await connect(p, target)
            try:
                return await run_order(prepared, owned, settings)
            finally:
                if not target.cdp_url:
                    await owned.close()


def open_dispute(
    request: DisputeRequest | PreparedRequest,
    options: RunOptions | None = None,
    *,
    runtime: Runtime | None = None,
) -> Outcome:
    """Open one dispute in a real browser and return how it ended.

    Raises ``InvalidRequest`` (exit code 2) before touching the site when the request is wrong;
    every later problem is an ``Outcome`` with its status and exit code.
    """
    return run_sync(open_dispute_async(request, options, runtime=runtime))


def run_sync(coro: Coroutine[object, None, T]) -> T:
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
