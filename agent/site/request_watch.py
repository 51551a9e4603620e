"""Every request of a browser context that the profile names as the submission, start to end.

A submission is in flight from the click until the browser has seen its request end: a response
(``requestfinished``) or a network failure (``requestfailed``). `RequestWatch` listens on the
whole context (a pop-up or a new tab sends from its own page) for the requests the profile's
``[answer]`` names (method, URL and, when given, a test on the body) and keeps each one's start,
end and failure, so the submit loop knows what left and what is still on its way, not only what
a timer says. Its handlers never raise: a request it cannot read is counted as a submission.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from dataclasses import dataclass

from playwright.async_api import BrowserContext, Request

from agent.log import get_logger
from agent.site.answer_rules import SubmitRequest

__all__ = ["RequestWatch", "Tracked"]

log = get_logger("agent.requests")


@dataclass(slots=True)
class Tracked:
    """One request the profile names: when it left, when it ended, and how."""

    request: Request
    started_at: float
    ended_at: float | None = None
    #: The network failure that ended it (None: it got a response).
    failure: str | None = None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


class RequestWatch:
    """The submission requests of one browser context (see the module's documentation)."""

    def __init__(
        self, context: BrowserContext, rule: SubmitRequest, *, clock: Callable[[], float]
    ) -> None:
        self.context = context
        self.rule = rule
        self.clock = clock
        self.tracked: list[Tracked] = []
        self._open: dict[int, Tracked] = {}
        self._changed = asyncio.Event()
        self._listening = False
        #: The context closed (its browser died or went away): nothing more can be seen.
        self.closed = False
        #: Playwright calls the handlers outside the run's context: they log in a copy of it.
        self._log_context = contextvars.copy_context()

    def start(self) -> None:
        """Listen to the context's requests (idempotent)."""
        if self._listening:
            return
        self._listening = True
        self._log_context = contextvars.copy_context()
        self.context.on("request", self._on_request)
        self.context.on("requestfinished", self._on_finished)
        self.context.on("requestfailed", self._on_failed)
        self.context.on("close", self._on_close)

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        if not self._listening:
            return
        self._listening = False
        for event, handler in (
            ("request", self._on_request),
            ("requestfinished", self._on_finished),
            ("requestfailed", self._on_failed),
            ("close", self._on_close),
        ):
            with contextlib.suppress(Exception):
                self.context.remove_listener(event, handler)

    def mark(self) -> int:
        """A mark: the requests seen from now on are ``since(mark)``."""
        return len(self.tracked)

    def since(self, mark: int) -> list[Tracked]:
        return self.tracked[mark:]

    def in_flight(self, mark: int = 0) -> list[Tracked]:
        """The requests since *mark* that have not ended."""
        return [t for t in self.tracked[mark:] if not t.ended]

    async def wait_for(self, done: Callable[[], bool], *, until: float) -> bool:
        """Wait until *done()* holds (checked at every request event) or the clock reaches
        *until*, or the context closes (nothing more will be seen); whether it holds."""
        while not done():
            left = until - self.clock()
            if left <= 0 or self.closed:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=left)
        return True

    # -- the context's events (never raise) --------------------------------------------------
    def _on_request(self, request: Request) -> None:
        try:
            body = request.post_data_buffer
        except Exception:  # an unreadable body: counted as a possible submission
            body = None
        try:
            if not self.rule.matches(request.method, request.url, body):
                if self.rule.addressed(request.method, request.url):  # same URL, another body
                    self._log_context.run(log.info, "agent.side_request", url=request.url[:200])
                return
        except Exception as exc:  # cannot tell: counted as a possible submission
            self._log_context.run(
                log.warning, "agent.request_unreadable", error=f"{type(exc).__name__}: {exc}"[:200]
            )
        tracked = Tracked(request=request, started_at=self.clock())
        self.tracked.append(tracked)
        self._open[id(request)] = tracked
        self._log_context.run(
            log.info, "agent.submission_request", url=request.url[:200], method=request.method
        )
        self._changed.set()

    def _ended(self, request: Request, failure: str | None) -> None:
        tracked = self._open.pop(id(request), None)
        if tracked is None:
            return
        tracked.ended_at = self.clock()
        tracked.failure = failure
        self._changed.set()

    def _on_close(self, *_: object) -> None:
        self.closed = True
        self._changed.set()

    def _on_finished(self, request: Request) -> None:
        self._ended(request, None)

    def _on_failed(self, request: Request) -> None:
        try:
            failure = request.failure or "failed"
        except Exception:
            failure = "failed"
        self._ended(request, failure)
