"""One request followed: its page read, the store answered when asked to, watched until it ends.

`follow_request` reaches the request's page (`agent.follow.reach`), reads it
(`agent.follow.reading`) and says where it stands in plain words, with the deadline. With
``respond`` (``--respond disagree``), when the store proposed less, refused or asked for evidence,
it sends the shopper's disagreement (`agent.follow.port` driven by the submit loop): a short
English message through the dispute message's pre-flight, and the evidence again. It NEVER
accepts a proposal: a proposal that gives everything asked for is reported as good news, for the
shopper to accept on the site. With ``watch_s`` it reads the page again at each interval until
the request ends or ``until``; a deadline closer than two intervals is said loudly. Everything
lands in the target's folder: ``follow.json``, screenshots, ``log.jsonl``, and the report's
section (`agent.output.report`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from agent.browser import connect
from agent.errors import RetryDisputeError
from agent.files import make_private_dir
from agent.flow.journal import Journal, site_key
from agent.flow.policy import RetryPolicy
from agent.flow.stop import StopRequest
from agent.follow.inputs import FollowTarget
from agent.follow.port import RequestMoved
from agent.follow.reach import Reached, reach_request
from agent.follow.reading import RequestReading, read_request
from agent.follow.record import (
    FollowOutcome,
    FollowShots,
    ResponseRecord,
    deadline_words,
    read_follow,
)
from agent.follow.respond import Responder, response_key
from agent.follow.states import FollowStatus
from agent.follow.words import ending, reading_line
from agent.log import get_logger, log_to_file
from agent.output.follow_report import write_follow_report
from agent.output.report import write_report
from agent.session import Session
from agent.site.pin import pin_interface
from agent.site.profile_model import SiteProfile

__all__ = ["FollowOptions", "follow_request"]

log = get_logger("agent.follow")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowOptions:
    """What one follow is given: the site, its profile, the session, and what to do."""

    site: str
    profile: SiteProfile
    session: Session = field(default_factory=Session)
    #: The response's retry policy (the first submission's).
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    #: ``--respond disagree``: answer a proposal, a refusal or a request for evidence.
    respond: bool = False
    #: ``--message``: the response's words instead of the prepared ones.
    message: str | None = None
    #: ``--evidence``: files to send instead of the run's; None: the run's own.
    evidence: tuple[Path, ...] | None = None
    #: ``--watch``: seconds between two readings; None: read once.
    watch_s: float | None = None
    #: ``--until``: stop watching then.
    until: datetime | None = None
    browser: Browser | None = None
    journal: Journal | None = None
    state_dir: Path | None = None
    sleep: Sleep = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    rng: random.Random | None = None
    #: Lines for the person watching; loud warnings (a deadline close, nobody answering).
    say: Callable[[str], None] | None = None
    warn: Callable[[str], None] | None = None
    stop: StopRequest | None = None
    #: The command line, as typed (follow.json, the report).
    command: tuple[str, ...] = ()


@dataclass(slots=True)
class _Progress:
    """What a follow has seen and done so far (earlier runs' included, from follow.json)."""

    shots: FollowShots
    readings: list[dict[str, object]]
    responses: list[dict[str, object]]
    request_id: str | None = None
    reading: RequestReading | None = None
    warning: str | None = None
    last_response: ResponseRecord | None = None

    def read(self, reading: RequestReading) -> None:
        self.reading = reading
        self.request_id = reading.request_id
        self.readings.append(reading.to_json())


@contextlib.asynccontextmanager
async def _browser(options: FollowOptions) -> AsyncIterator[Browser]:
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


async def _context(browser: Browser, options: FollowOptions) -> tuple[BrowserContext, bool]:
    session = options.session
    if session.browser.cdp_url and browser.contexts:
        return browser.contexts[0], False
    context = await browser.new_context(
        storage_state=str(session.storage_state) if session.storage_state else None,
        viewport={"width": 1280, "height": 900},
        locale="en-US",
    )
    # the profile's pin (the interface language) before the first page, as for run and check;
    # never in the Chrome a person attached
    await pin_interface(context, options.profile, options.site)
    return context, True


class _Follow:
    """One follow in its browser context."""

    def __init__(
        self,
        target: FollowTarget,
        options: FollowOptions,
        progress: _Progress,
        context: BrowserContext,
        journal: Journal | None,
    ) -> None:
        self.target = target
        self.options = options
        self.profile = options.profile
        self.progress = progress
        self.context = context
        self.journal = journal
        self.site = site_key(options.site)
        self.run_id = f"follow-{datetime.now().strftime('%Y%m%d-%H%M%S')}"

    def say(self, text: str) -> None:
        log.info("follow.line", line=text)
        if self.options.say is not None:
            self.options.say(text)

    def warn(self, text: str) -> None:
        log.info("follow.warning", line=text)  # the console's own warning line says it
        self.progress.warning = text
        if self.options.warn is not None:
            self.options.warn(text)

    async def shot(self, page: Page, name: str) -> None:
        await self.progress.shots.shot(page, name)

    async def reach(self, page: Page) -> Reached:
        return await reach_request(
            page,
            self.profile,
            base_url=self.options.site,
            order_id=self.target.order_id,
            item=self.target.item,
            request_id=self.progress.request_id or self.target.request_id,
            credentials=self.options.session.credentials,
            shot=self.shot,
        )

    async def read(self, reached: Reached) -> RequestReading:
        reading = await read_request(
            reached.site, request_id=reached.request_id, now=self.options.now()
        )
        self.progress.read(reading)
        await self.shot(reached.site.page, f"request-{reading.state.value.replace('_', '-')}")
        log.info(
            "follow.read",
            request_id=reading.request_id,
            state=str(reading.state),
            deadline=reading.deadline.isoformat() if reading.deadline else None,
        )
        self.say(reading_line(self.target, reading, self.options.now()))
        self.save()
        return reading

    def save(self) -> None:
        """follow.json as things stand, after every reading (a watch that is stopped or
        killed leaves where it was; the next follow goes on from it)."""
        reading = self.progress.reading
        if reading is None:
            return
        now = self.options.now()
        status, message, hint = ending(self.target, reading, self.progress.last_response, now)
        outcome = _outcome(
            self.target, self.options, self.progress, status=status, message=message, hint=hint
        )
        try:
            outcome.write(now)
        except OSError as exc:
            log.warning("follow.not_written", error=str(exc)[:200])

    async def run(self, page: Page) -> RequestReading:
        """Read, answer when asked and due, watch; the last reading."""
        reached = await self.reach(page)
        interval = self.options.watch_s
        while True:
            reading = await self.read(reached)
            self.settle_arrived(reading)
            if reading.state.awaits_shopper:
                reading = await self.due(reached, reading)
            if interval is None or reading.state.over:
                return reading
            now = self.options.now()
            until = self.options.until
            if until is not None and now >= until:
                self.say(f"watch ends: {until.astimezone().strftime('%Y-%m-%d %H:%M')} reached")
                return reading
            self.deadline_close(reading, interval, now)
            pause = interval
            if until is not None:
                pause = max(0.0, min(pause, (until - now).total_seconds()))
            await self.options.sleep(pause)
            reached = await self.reach(reached.site.page)

    def settle_arrived(self, reading: RequestReading) -> None:
        """A response a crash left without its answer, while the request no longer waits for
        the shopper: it arrived (the page moved on); the journal says so, and follow.json."""
        journal = self.journal
        if journal is None or reading.state.awaits_shopper:
            return
        key, n = response_key(journal, self.site, self.target.order_key)
        pending = journal.unfinished(site=self.site, order_id=key)
        if not pending:
            return
        journal.settle(
            site=self.site, order_id=key, outcome="opened", dispute_id=reading.request_id
        )
        log.warning("follow.unfinished_response_settled", intents=len(pending), found=True)
        record = ResponseRecord(n=n, key=key, outcome="already_sent", at=reading.at.isoformat())
        self.progress.responses.append(record.to_json())
        self.progress.last_response = record
        self.say(
            f"your response {n} (interrupted before its answer) is on the store's record: the "
            "request moved on; nothing is sent again"
        )

    def deadline_close(self, reading: RequestReading, interval: float, now: datetime) -> None:
        """Say loudly when the request waits for the shopper and its deadline is closer than
        two intervals (with --respond it was answered already)."""
        left = reading.left(now)
        if not reading.state.awaits_shopper or left is None or left <= timedelta(0):
            return
        if left <= timedelta(seconds=2 * interval):
            when = deadline_words(reading.deadline, now)
            self.warn(
                f"DEADLINE SOON for order {self.target.order_id}: {reading.state.words}; "
                f"decide before {when} on the site, or run follow with --respond disagree"
            )

    async def due(self, reached: Reached, reading: RequestReading) -> RequestReading:
        """The request waits for the shopper: answer it when asked to (never accepting)."""
        if not self.options.respond:
            return reading
        if reading.good_news:
            self.say(
                "good news: the store's proposal gives everything asked for; it is yours to "
                "accept on the site (retry-dispute never accepts a proposal)"
            )
            return reading
        left = reading.left(self.options.now())
        if left is not None and left <= timedelta(0):
            return reading
        responder = Responder(
            target=self.target,
            profile=self.profile,
            base_url=self.options.site,
            site=self.site,
            context=self.context,
            journal=self.journal,
            run_id=self.run_id,
            shots=self.progress.shots,
            policy=self.options.policy,
            sleep=self.options.sleep,
            clock=self.options.clock,
            say=self.say,
            credentials=self.options.session.credentials,
            message=self.options.message,
            evidence=self.options.evidence,
            rng=self.options.rng,
        )
        try:
            record = await responder.send(reached, reading)
        except RequestMoved as moved:
            self.progress.read(moved.reading)
            self.say(f"nothing sent: {moved.what}")
            return moved.reading
        self.progress.responses.append(record.to_json())
        self.progress.last_response = record
        again = await self.reach(reached.site.page)
        return await self.read(again)


async def _follow(target: FollowTarget, options: FollowOptions, progress: _Progress) -> None:
    journal = options.journal
    owned: Journal | None = None
    if options.respond and journal is None:
        owned = journal = Journal.in_state_dir(options.state_dir)
    try:
        async with _browser(options) as browser:
            context, own_context = await _context(browser, options)
            try:
                page = await context.new_page()
                follow = _Follow(target, options, progress, context, journal)
                await follow.run(page)
            finally:
                if own_context:
                    with contextlib.suppress(Exception):
                        await context.close()
    finally:
        if owned is not None:
            owned.close()


def _outcome(
    target: FollowTarget,
    options: FollowOptions,
    progress: _Progress,
    *,
    status: FollowStatus = FollowStatus.ERROR,
    message: str,
    hint: str | None = None,
    interrupted_by: str | None = None,
) -> FollowOutcome:
    return FollowOutcome(
        status=status,
        message=message,
        hint=hint,
        interrupted_by=interrupted_by,
        order_id=target.order_id,
        item=target.item,
        request_id=progress.request_id or target.request_id,
        folder=target.folder,
        reading=progress.reading,
        readings=tuple(progress.readings),
        responses=tuple(progress.responses),
        screenshots=tuple(progress.shots.taken),
        site=options.site,
        profile=options.profile.name,
        warning=progress.warning,
        watch={
            "interval_s": options.watch_s,
            "until": options.until.isoformat(timespec="seconds") if options.until else None,
        }
        if options.watch_s is not None
        else {},
    )


async def follow_request(target: FollowTarget, options: FollowOptions) -> FollowOutcome:
    """Follow one request (see the module); every problem is a `FollowOutcome`, written."""
    make_private_dir(target.folder)
    before = read_follow(target.folder) or {}
    taken = before.get("screenshots")
    progress = _Progress(
        shots=FollowShots(
            target.folder,
            timeout_s=options.profile.timeouts.screenshot_s,
            taken=tuple(str(s) for s in taken) if isinstance(taken, list) else (),
        ),
        readings=[r for r in before.get("readings") or [] if isinstance(r, dict)],
        responses=[r for r in before.get("responses") or [] if isinstance(r, dict)],
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with log_to_file(
        target.folder / "log.jsonl", run_id=f"follow-{stamp}", order_id=target.order_id
    ):
        log.info("follow.started", site=options.site, respond=options.respond)
        outcome = _outcome(target, options, progress, message="the follow did not finish")
        cancelled = False
        try:
            await _follow(target, options, progress)
            assert progress.reading is not None
            status, message, hint = ending(
                target, progress.reading, progress.last_response, options.now()
            )
            outcome = _outcome(target, options, progress, status=status, message=message, hint=hint)
        except RetryDisputeError as exc:
            status = FollowStatus.of_error(exc)
            outcome = _outcome(
                target, options, progress, status=status, message=exc.what, hint=exc.hint
            )
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            stop = options.stop
            cancelled = not (stop and stop.requested)
            outcome = _outcome(
                target,
                options,
                progress,
                status=FollowStatus.INTERRUPTED,
                message=f"stopped by {stop.words if stop else 'a cancel'}",
                hint="run the same command again: a response on its way is settled by reading "
                "the request's page first (never sent twice)",
                interrupted_by=stop.signal if stop else None,
            )
        except Exception as exc:
            log.exception("follow.error", error=f"{type(exc).__name__}: {str(exc)[:300]}")
            first = (str(exc).splitlines() or [""])[0][:200]
            outcome = _outcome(
                target,
                options,
                progress,
                status=FollowStatus.ERROR,
                message=f"unexpected error: {type(exc).__name__}: {first}",
            )
        finally:
            try:
                outcome.write(options.now())
                if target.run is not None:
                    write_report(target.folder)
                else:
                    write_follow_report(target.folder)
            except OSError as exc:
                log.warning("follow.not_written", error=str(exc)[:200])
        log.info(
            "follow.finished",
            status=str(outcome.status),
            exit_code=outcome.exit_code,
            state=str(outcome.reading.state) if outcome.reading else None,
        )
    if cancelled:
        raise asyncio.CancelledError
    return outcome
