"""The response's submission on the request's page, as a site port for the submit loop.

The port does what the loop cannot know. ``submit()`` sends the answer's form once (the first
time, the profile's ``[[follow.respond.steps]]`` open it and its fields are filled) and reads the
site's answer as the dispute's answer is read (`agent.flow.attempt.submit_once` on the profile's
``[follow.respond.answer]``). ``prepare_resend(last)`` makes it ready again: a busy notice
closed, then from ``[follow.respond.retry]``'s step when the form is kept, refilled when the site
dropped something, opened again when it is gone. ``find(since)`` reads the request's
page in a tab of its own: the request id when our response is on the store's record (one more
answer of the shopper than before, or the request moved on from "waiting for you"), None when
the page shows it is not (safe to resend), `AmbiguousAnswer` when the page cannot tell, and
`RequestMoved` when the request no longer waits for an answer (closed, say): nothing can be
sent any more. The loop never sees a page or a profile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.errors import AmbiguousAnswer, RetryDisputeError
from agent.flow import attempt as attempts_mod
from agent.follow.reach import Reached, reach_request
from agent.follow.reading import RequestReading, read_request
from agent.follow.record import FollowShots
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.session import Credentials
from agent.site.answer import Answer
from agent.site.follow_profile import RespondRules
from agent.site.form import DisputeForm
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.profile_model import FormRules, RetryRules, SiteProfile
from agent.site.steps import StepRun, run_steps

__all__ = ["RequestMoved", "ResponsePort", "respond_view"]

log = get_logger("agent.follow")


class RequestMoved(RetryDisputeError):
    """The request no longer waits for the shopper's answer, and none of ours is on the record:
    nothing can (or need) be sent. ``reading`` is what its page says now."""

    def __init__(self, reading: RequestReading) -> None:
        super().__init__(f"the request is now: {reading.state.words}")
        self.reading = reading


def respond_view(profile: SiteProfile, rules: RespondRules) -> SiteProfile:
    """*profile* seen as the answer's form: its fields, submit steps, retry and answer rules in
    the places the dispute form's parts have them (so the form and attempt code serve both)."""
    return dataclasses.replace(
        profile,
        form=FormRules(ready=rules.ready, fields=rules.fields),
        submit_steps=rules.submit_steps,
        retry=RetryRules(
            steps=rules.retry_steps, kept=rules.retry_kept, from_step=rules.retry_from
        ),
        answer=rules.answer,
    )


class ResponsePort:
    """Sends one response (a message and evidence) to the store on the request's page."""

    def __init__(
        self,
        *,
        context: BrowserContext,
        reached: Reached,
        rules: RespondRules,
        prepared: PreparedRequest,
        base_url: str,
        order_id: str,
        item: str | None,
        credentials: Credentials | None,
        baseline: RequestReading,
        shots: FollowShots,
        clock: Callable[[], float],
    ) -> None:
        self.context = context
        self.profile = respond_view(reached.site.profile, rules)
        self.rules = rules
        self.site = SitePage(reached.site.page, self.profile, reached.site.item)
        self.request_id = reached.request_id
        self.request_url = reached.site.page.url
        self.prepared = prepared
        self.base_url = base_url
        self.order_id = order_id
        self.item = item
        self.credentials = credentials
        self.baseline = baseline
        self.shots = shots
        self.clock = clock
        self.sent = 0
        #: The submit step the next submission starts at (None: the first).
        self.start: str | None = None
        self.steps = StepRun(request=prepared.request, on_new_page=self._arm)
        #: The last reading `find` made.
        self.last_reading: RequestReading | None = None

    async def _arm(self, page: Page) -> None:
        await arm_page(page, self.profile)

    async def _open_form(self) -> None:
        """From the request's page: the profile's respond steps, then the fields filled."""
        self.site = await run_steps(
            self.site, self.rules.steps, self.steps, when="opening the answer's form"
        )
        form = DisputeForm(self.site)
        await form.wait_ready()
        await form.fill(self.prepared)
        await self.shots.shot(self.site.page, "response-filled")

    async def _ready_again(self) -> str | None:
        """Before a resubmission: the step to start at (None: all of them)."""
        form = DisputeForm(self.site)
        if await form.is_kept():
            return self.profile.retry.from_step
        if await form.is_ready():
            await form.restore(self.prepared)
            return None
        log.info("follow.response_form_reopened", url=self.request_url)
        await self.site.page.goto(
            self.request_url,
            timeout=self.profile.timeouts.navigation_s * 1000,
            wait_until="domcontentloaded",
        )
        await self._open_form()
        return None

    async def submit(self) -> Answer:
        """Send the answer's form once and read the site's answer (never raises for an answer).

        The first time, the form is opened and filled first; later, it starts where
        `prepare_resend` left it."""
        if not self.sent:
            await self._open_form()
        self.sent += 1
        answer, self.site = await attempts_mod.submit_once(
            self.site,
            self.steps,
            start=self.start,
            timeout_s=self.profile.timeouts.answer_s,
            clock=self.clock,
            photograph=self._photograph,
        )
        return answer

    async def prepare_resend(self, last: Answer) -> None:
        """Make the form ready for another submission after *last*: a busy notice closed, then
        the step to start at (the form kept), the fields refilled, or the form opened again."""
        if last.outcome == "busy":
            self.site = await attempts_mod.after_busy(self.site, self.steps)
        self.start = await self._ready_again()

    async def _photograph(self, page: Page) -> None:
        await self.shots.shot(page, f"response-attempt-{self.sent}")

    async def find(self, since: float | None = None) -> str | None:
        """The request's id when our response is on the store's record, else None.

        *since* (the loop's clock) is not needed: the record is compared with the page as it
        was before the first click (`baseline`)."""
        tab = await self.context.new_page()
        try:
            reached = await reach_request(
                tab,
                self.profile,
                base_url=self.base_url,
                order_id=self.order_id,
                item=self.item,
                request_id=self.request_id,
                credentials=self.credentials,
            )
            reading = await read_request(reached.site, request_id=self.request_id)
            await self.shots.shot(tab, "response-check")
        except PlaywrightError as exc:
            said = str(exc)[:120]
            raise AmbiguousAnswer(f"the request's page could not be read: {said}") from exc
        finally:
            await tab.close()
        self.last_reading = reading
        return self._judge(reading)

    def _judge(self, reading: RequestReading) -> str | None:
        before = self.baseline.responses
        if reading.responses is not None and before is not None and reading.responses > before:
            return self.request_id
        if reading.state.awaits_shopper:
            return None
        if reading.responses is None and not reading.state.over:
            return self.request_id  # it moved on (escalated, back to the store): answered
        raise RequestMoved(reading)
