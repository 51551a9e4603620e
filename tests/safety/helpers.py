"""Helpers of the safety tests: run the agent in-process fast, and read what it and the site did."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import threading
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from playwright.async_api import Browser, Playwright, async_playwright

from agent.api import open_dispute_async
from agent.browser import BrowserTarget, connect
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import Outcome
from agent.request import build_request
from agent.session import Credentials, Session
from agent.site.profile import SiteProfile, load_profile
from mock_site.testing import StorefrontServer

T = TypeVar("T")

#: A message the pre-flight and the storefront accept as it is.
MESSAGE = "My parcel has not arrived after forty days. Please refund me."
#: Tiny waits and no jitter; the injected sleep returns at once anyway.
FAST = RetryPolicy(initial_wait_s=0.01, max_wait_s=0.04, jitter=False, max_attempts=6)


class AgentLoop:
    """An asyncio loop in a daemon thread holding one started browser, shared by many runs.

    Launching Chromium for every run costs seconds on a loaded machine; each run still gets its
    own browser context, as in a batch.
    """

    def __init__(self, *, timeout_s: float = 600.0) -> None:
        self.timeout_s = timeout_s
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="agent-loop", daemon=True
        )
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    @property
    def browser(self) -> Browser:
        """The shared browser."""
        assert self._browser is not None, "the loop is not started"
        return self._browser

    def run(self, coro: Coroutine[Any, Any, T], *, timeout_s: float | None = None) -> T:
        """Run a coroutine on the loop and return its result (bounded by ``timeout_s``)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=timeout_s or self.timeout_s)

    async def _start(self) -> None:
        self._playwright = await async_playwright().start()
        self._browser = await connect(self._playwright, BrowserTarget())

    async def _stop(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    def __enter__(self) -> Self:
        self._thread.start()
        self.run(self._start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=30)


def cli(argv: list[str]) -> int:
    """Run ``agent.cli.main(argv)`` in-process and return its exit code (usage errors included).

    It runs in a worker thread: pytest-playwright's sync fixtures, once used in the session, keep
    an event loop marked running in the main thread, where ``asyncio.run`` would then refuse.
    """
    from agent.cli import main

    def call() -> int:
        try:
            return main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            return int(exit_.code or 0)

    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="cli") as pool:
        return pool.submit(call).result()


def cli_within(argv: list[str], *, timeout_s: float) -> int:
    """Like `cli`, but a command that has not ended within *timeout_s* fails the test.

    It runs in a daemon thread, so a command stuck for good (reading a FIFO, say) cannot keep
    the test session from ending either.
    """
    from agent.cli import main

    result: list[int] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            result.append(main(argv))
        except SystemExit as exit_:  # argparse's usage errors
            result.append(int(exit_.code or 0))
        except BaseException as exc:  # reported in the test's thread below
            errors.append(exc)

    thread = threading.Thread(target=call, name="cli-bounded", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise AssertionError(
            f"`retry-dispute {' '.join(argv[:3])} ...` still runs after {timeout_s:g} s: it hangs"
        )
    if errors:
        raise errors[0]
    return result[0]


def profile_with(
    *,
    answer_s: float | None = None,
    shows_within_s: float | None = None,
    navigation_s: float | None = None,
) -> SiteProfile:
    """The bundled profile, with shorter timeouts (answer, navigation), or a late-showing
    dispute, if given."""
    profile = load_profile("mock")
    shorter = {
        k: v for k, v in (("answer_s", answer_s), ("navigation_s", navigation_s)) if v is not None
    }
    if shorter:
        profile = dataclasses.replace(
            profile, timeouts=dataclasses.replace(profile.timeouts, **shorter)
        )
    if shows_within_s is not None:
        profile = dataclasses.replace(
            profile, dispute=dataclasses.replace(profile.dispute, shows_within_s=shows_within_s)
        )
    return profile


def run_agent(
    agent_loop: AgentLoop,
    server: StorefrontServer,
    tmp_path: Path,
    *,
    order_id: str = "2000",
    faults: dict[str, Any] | None = None,
    profile: SiteProfile | None = None,
    policy: RetryPolicy = FAST,
) -> Outcome:
    """Run the agent once in-process (the shared browser) with a sleep that never sleeps."""
    if faults is not None:
        server.set_faults(faults)

    async def no_sleep(_: float) -> None:
        return None

    prepared = build_request(
        order_id=order_id, received="no", reason="not_received", message=MESSAGE
    )
    options = RunOptions(
        site=server.url,
        profile=profile or load_profile("mock"),
        policy=policy,
        session=Session(credentials=Credentials("demo", "demo")),
        out_dir=tmp_path / "runs",
        state_dir=tmp_path / "state",
        trace="off",
    )
    runtime = Runtime(sleep=no_sleep, browser=agent_loop.browser)
    return agent_loop.run(open_dispute_async(prepared, options, runtime=runtime))


def disputes_of(server: StorefrontServer, order_id: str) -> list[dict[str, Any]]:
    """Every dispute the storefront holds for one order, duplicates included."""
    return [d for d in server.disputes() if d["order_id"] == order_id]


def duplicates(server: StorefrontServer) -> dict[str, int]:
    """Orders with more than one dispute, and how many each has."""
    counts = Counter(d["order_id"] for d in server.disputes())
    return {order: n for order, n in counts.items() if n > 1}


def log_events(run_dir: Path | None) -> list[dict[str, Any]]:
    """The JSON lines of a run folder's log.jsonl."""
    assert run_dir is not None
    lines = (run_dir / "log.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def events_named(run_dir: Path | None, *names: str) -> list[dict[str, Any]]:
    """The log events of a run with one of these names, in order."""
    return [e for e in log_events(run_dir) if e["event"] in names]


def checks_before_resend(run_dir: Path | None) -> list[dict[str, Any]]:
    """The run's checks of the order page made after an answer that proved nothing (not the
    read that confirms an opened answer)."""
    return [e for e in events_named(run_dir, "agent.reconciled") if e["purpose"] == "before_resend"]
