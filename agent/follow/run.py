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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from agent.browser import connect
from agent.errors import InvalidConfig, RetryDisputeError
from agent.files import make_private_dir
from agent.flow.claim import order_claim
from agent.flow.journal import Journal, site_key
from agent.flow.policy import RetryDetails, RetryPolicy
from agent.flow.stop import StopRequest
from agent.follow.driver import drive_response
from agent.follow.inputs import FollowTarget, run_evidence
from agent.follow.message import default_message, prepare_message
from agent.follow.port import RequestMoved, ResponsePort
from agent.follow.reach import Reached, reach_request
from agent.follow.reading import RequestReading, read_request
from agent.follow.record import (
    FollowOutcome,
    FollowShots,
    ResponseRecord,
    deadline_words,
    read_follow,
)
from agent.follow.states import FollowStatus, RequestState
from agent.log import get_logger, log_to_file
from agent.output.follow_report import write_follow_report
from agent.output.report import write_report
from agent.request import DisputeRequest, PreparedRequest, check_evidence
from agent.session import Session
from agent.site.profile_model import SiteProfile

__all__ = ["FollowOptions", "follow_request", "response_key"]

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


def response_key(journal: Journal | None, site: str, order_key: str) -> tuple[str, int]:
    """The journal's key of the next response for this order, and its number: the first
    ``<order>:response:<n>`` with no answer recorded as sent (a crash's unfinished intent
    keeps its key, so the next run settles it before anything else)."""
    n = 1
    while journal is not None:
        key = f"{order_key}:response:{n}"
        if not any(i.outcome == "opened" for i in journal.history(site=site, order_id=key)):
            return key, n
        n += 1
    return f"{order_key}:response:{n}", n


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
        log.warning("follow.warning", line=text)
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
        self.say(_reading_line(self.target, reading, self.options.now()))
        return reading

    async def run(self, page: Page) -> RequestReading:
        """Read, answer when asked and due, watch; the last reading."""
        reached = await self.reach(page)
        interval = self.options.watch_s
        while True:
            reading = await self.read(reached)
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

    def deadline_close(self, reading: RequestReading, interval: float, now: datetime) -> None:
        """Say loudly when the request waits for the shopper and its deadline is closer than
        two intervals (with --respond it was answered already)."""
        left = reading.left(now)
        if not reading.state.awaits_shopper or left is None:
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
        try:
            record = await self.respond(reached, reading)
        except RequestMoved as moved:
            self.progress.read(moved.reading)
            self.say(f"nothing sent: {moved.what}")
            return moved.reading
        self.progress.responses.append(record.to_json())
        self.progress.last_response = record
        again = await self.reach(reached.site.page)
        return await self.read(again)

    async def respond(self, reached: Reached, reading: RequestReading) -> ResponseRecord:
        """Send the disagreement once (resent only while the page shows it is not on record)."""
        rules = self.profile.follow.respond if self.profile.follow else None
        if rules is None:  # pragma: no cover - refused before any browser starts
            raise InvalidConfig(f"profile {self.profile.source} has no [follow.respond] table")
        text, changes = prepare_message(
            self.options.message or default_message(reading, self.target.request)
        )
        evidence = self.options.evidence
        if evidence is None:
            evidence = run_evidence(self.target)
        if evidence is None:
            raise InvalidConfig(
                "the run's evidence cannot be found from here",
                hint="give the files to send again with --evidence FILE…",
            )
        files = check_evidence(evidence, received=False, reason="", rules=self.profile.evidence)
        prepared = PreparedRequest(self._request(text, evidence), tuple(changes), tuple(files))
        key, n = response_key(self.journal, self.site, self.target.order_key)
        names = tuple(p.name for p in evidence)
        with order_claim(self.journal, site=self.site, order_id=key, run_id=self.run_id):
            port = ResponsePort(
                context=self.context,
                reached=reached,
                rules=rules,
                prepared=prepared,
                base_url=self.options.site,
                order_id=self.target.order_id,
                item=self.target.item,
                credentials=self.options.session.credentials,
                baseline=reading,
                shots=self.progress.shots,
                clock=self.options.clock,
            )
            settled = await self.settle(port, key)
            if settled:
                self.say(f"your response {n} is already on the store's record: not sent again")
                return ResponseRecord(
                    n=n, key=key, outcome="already_sent", message=text, evidence=names, at=_iso()
                )
            self.say(f"sending your disagreement to the store ({len(names)} file(s))")
            delivery = await drive_response(
                port,
                policy=self.options.policy,
                journal=self.journal,
                site=self.site,
                key=key,
                run_id=self.run_id,
                sleep=self.options.sleep,
                clock=self.options.clock,
                rng=self.options.rng,
                on_wait=self.on_wait,
            )
        how = "found on the store's record" if delivery.found else "sent"
        self.say(f"your disagreement was {how} ({delivery.attempts} attempt(s))")
        return ResponseRecord(
            n=n,
            key=key,
            outcome="sent",
            attempts=delivery.attempts,
            message=text,
            evidence=names,
            at=_iso(),
            answer=delivery.last_answer,
        )

    def on_wait(self, details: RetryDetails) -> None:
        self.say(
            f"the site is busy: trying again in {details.wait_for:.1f} s ({details.wait_cause})"
        )

    async def settle(self, port: ResponsePort, key: str) -> bool:
        """A crash left this response's intent unfinished: the page says whether it arrived."""
        journal = self.journal
        if journal is None:
            return False
        pending = journal.unfinished(site=self.site, order_id=key)
        if not pending:
            return False
        found = await port.find()
        journal.settle(
            site=self.site,
            order_id=key,
            outcome="opened" if found else "not_created",
            dispute_id=found,
        )
        log.warning("follow.unfinished_response_settled", intents=len(pending), found=found)
        return found is not None

    def _request(self, text: str, evidence: tuple[Path, ...]) -> DisputeRequest:
        asked = self.target.request
        received = asked.get("received") == "yes"
        reason = str(asked.get("reason") or "")
        if not reason:
            names = self.profile.reasons.names(received)
            reason = names[0] if names else "not_received"
        return DisputeRequest(
            order_id=self.target.order_id,
            item=self.target.item,
            received=received,
            reason=reason,
            message=text,
            evidence=evidence,
        )


def _iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _money(value: object) -> str:
    return f"US ${value}" if value is not None else "an amount"


def _reading_line(
    target: FollowTarget, reading: RequestReading, now: datetime, *, deadline: bool = True
) -> str:
    """One line for people: the order, the request, where it stands (and the deadline)."""
    words = reading.state.words
    if reading.state is RequestState.PROPOSED_PARTIAL and reading.proposal is not None:
        words += f" of {_money(reading.proposal)}"
    if reading.requested is not None and reading.state.proposal:
        words += f" (the request asked for {_money(reading.requested)})"
    when = deadline_words(reading.deadline, now)
    tail = f"; deadline {when}" if deadline and when and reading.state.awaits_shopper else ""
    return f"order {target.order_key}, request {reading.request_id}: {words}{tail}"


def ending(
    target: FollowTarget, reading: RequestReading, response: ResponseRecord | None, now: datetime
) -> tuple[FollowStatus, str, str | None]:
    """How a follow that read *reading* last ends: its status, message and hint."""
    status = reading.state.status
    line = _reading_line(target, reading, now, deadline=False)
    sent = ""
    if response is not None and response.outcome in ("sent", "already_sent"):
        sent = "your disagreement is on the store's record; "
    if status is FollowStatus.RESOLVED:
        return status, f"{sent}{line}", None
    if status is FollowStatus.OPEN:
        return status, f"{sent}{line}; nothing is due from you now", (
            "follow it again later, or keep watching with --watch 1h"
        )
    if status is FollowStatus.CLOSED:
        return status, line, (
            "nothing more can be asked on this request; feedback on the seller remains, and "
            "support if the request was closed wrongly"
        )
    if reading.good_news:
        return status, f"good news: {line}; it gives everything asked for", (
            "accept it on the site yourself (retry-dispute never accepts a proposal) before the "
            "deadline"
        )
    return status, line, (
        "decide on the site before the deadline: accept there yourself if it suits you "
        "(retry-dispute never accepts), or disagree with `retry-dispute follow … --respond "
        "disagree`"
    )


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
    target: FollowTarget, options: FollowOptions, progress: _Progress, **fields: object
) -> FollowOutcome:
    return replace(
        FollowOutcome(
            status=FollowStatus.ERROR,
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
        ),
        **fields,
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
            outcome = _outcome(target, options, progress, status=status, message=exc.what, hint=exc.hint)
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
