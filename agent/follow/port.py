"""The response's submission on the request's page, as a site port for the submit loop.

`ResponsePort` implements `agent.flow.port.SubmitPort` for the shopper's answer to the store:
``submit`` sends the answer's form once through a `agent.flow.form_submit.FormSubmitter` (the
first time, the profile's ``[[follow.respond.steps]]`` open it and its fields are filled), and
the site's answer is read as the dispute's is, on the profile's ``[follow.respond.answer]``;
``prepare_resend`` makes it ready again (a busy notice closed, the fields read back, the form
opened again from the request's page when it is gone); ``find`` reads the request's page in a
tab of its own: ``found`` when our response is on the store's record (one more answer of the
shopper than before the first click, or the request moved on from "waiting for you"), ``none``
when the page shows it is not (safe to resend), ``unreadable`` when the page cannot tell, and
`RequestMoved` when the request no longer waits for an answer (closed, say): nothing can be sent
any more. The loop never sees a page or a profile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from agent.errors import RetryDisputeError
from agent.flow.form_submit import FormSubmitter
from agent.flow.port import Finding, Submission
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
    the places the dispute form's parts have them (so the form and submit code serve both)."""
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
        self.steps = StepRun(request=prepared.request, on_new_page=self._arm)
        self.form = FormSubmitter(
            context=context,
            profile=self.profile,
            steps=self.steps,
            clock=clock,
            photograph=self._photograph,
        )
        #: Submissions made (the form is opened before the first).
        self.sent = 0
        #: The last reading `find` made.
        self.last_reading: RequestReading | None = None
        self._check_tab: Page | None = None

    async def _arm(self, page: Page) -> None:
        await arm_page(page, self.profile)

    async def _open_form(self) -> None:
        """From the request's page: the profile's respond steps, then the fields filled."""
        self.site = await run_steps(
            self.site, self.rules.steps, self.steps, when="opening the answer's form"
        )
        form = DisputeForm(self.site)
        await form.wait_ready()
        self.form.attach(self.site)
        await form.fill(self.prepared)
        await self.shots.shot(self.site.page, "response-filled")

    async def _reopen(self) -> None:
        """The form is gone: back to the request's page, the form opened and filled again."""
        self.site = self.site.on(self.form.page)
        await self.site.page.goto(
            self.request_url,
            timeout=self.profile.timeouts.navigation_s * 1000,
            wait_until="domcontentloaded",
        )
        await self._open_form()

    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        """Send the answer's form once and read the site's answer (never raises for an answer);
        the first time, the form is opened and filled first."""
        if not self.sent:
            await self._open_form()
        self.sent = attempt
        return await self.form.submit(give_up_at=give_up_at)

    async def prepare_resend(self, last: Answer) -> None:
        await self.form.prepare_resend(last, self.prepared, reopen=self._reopen)

    async def _photograph(self, page: Page) -> None:
        await self.shots.shot(page, f"response-attempt-{self.sent}")

    async def find(self, *, after_attempt: int) -> Finding:
        """Whether our response is on the store's record (compared with the page as it was
        before the first click: `baseline`)."""
        tab = await self.context.new_page()
        self._check_tab = tab
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
        except PlaywrightError as exc:
            await tab.close()
            return Finding(state="unreadable", shown=f"the request's page: {str(exc)[:120]}")
        self.last_reading = reading
        try:
            return self._judge(reading)
        except RequestMoved:
            await tab.close()
            raise

    async def record_check(
        self, after_attempt: int, finding: Finding, *, reads: int, why: str
    ) -> None:
        tab, self._check_tab = self._check_tab, None
        if tab is None or tab.is_closed():
            return
        try:
            await self.shots.shot(tab, "response-check")
        finally:
            await tab.close()

    def _judge(self, reading: RequestReading) -> Finding:
        before = self.baseline.responses
        recorded = Finding(state="found", dispute_id=self.request_id, ids=(self.request_id,))
        if reading.responses is not None and before is not None and reading.responses > before:
            return recorded
        if reading.state.awaits_shopper:
            return Finding(state="none")
        if reading.responses is None and not reading.state.over:
            return recorded  # it moved on (escalated, back to the store): answered
        raise RequestMoved(reading)
