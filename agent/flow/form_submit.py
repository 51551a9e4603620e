"""One form's submissions through a browser: what a site port's ``submit`` does.

`FormSubmitter` runs the profile's submit steps (from where a resubmission starts), then follows
every request the profile's ``[answer]`` names (`agent.site.request_watch`) until each one ended,
within the answer timeout and, for one still on its way, up to the run's deadline; it reads what
came back (each answer's JSON, the page's answer elements, the HTTP status), classifies it
(`agent.site.answer.classify`) and returns a `Submission`. A request that left before the submit
steps (a field that submits the form) is that submission: nothing is clicked again.
``prepare_resend`` closes a busy notice and reads the form back, refilling what the site dropped.

The dispute's port (`agent.flow.site_port.DisputePort`) and the response's
(`agent.follow.port.ResponsePort`) both submit through one of these, each over its own profile
view of the form.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

from playwright.async_api import BrowserContext, Page, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from agent.flow.port import Submission
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.answer import Answer, answer_locator, classify, read_page, verdict_of
from agent.site.answer_rules import JsonVerdict
from agent.site.form import DisputeForm
from agent.site.gates import check_gates
from agent.site.locate import SitePage
from agent.site.profile_model import SiteProfile
from agent.site.request_watch import RequestWatch, Tracked
from agent.site.steps import StepRun, run_steps

__all__ = ["FormSubmitter", "submit_steps_from"]

log = get_logger("agent.attempt")

#: How long the page's answer elements are waited for when the answer's JSON said nothing.
_SETTLE_S = 5.0
#: The same, after a server error (it shows none of the answers a profile knows).
_SETTLE_ERROR_S = 0.5

#: Photographs the page an answer is read from (while it is read).
Photograph = Callable[[Page], Awaitable[None]]


def submit_steps_from(site: SitePage, start: str | None) -> tuple[str, ...]:
    """The names of the submit steps from *start* on (all of them when None)."""
    names = tuple(step.name for step in site.profile.submit_steps)
    return names[names.index(start) :] if start in names else names


class FormSubmitter:
    """Submits one form and reads the site's answer (see the module's documentation)."""

    def __init__(
        self,
        *,
        context: BrowserContext,
        profile: SiteProfile,
        steps: StepRun,
        clock: Callable[[], float],
        photograph: Photograph | None = None,
    ) -> None:
        self.profile = profile
        self.steps = steps
        self.clock = clock
        self.photograph = photograph
        self.watch = RequestWatch(context, profile.answer.request, clock=clock)
        #: The form's page (set with `attach`), and its URL.
        self.form: SitePage | None = None
        self.form_url: str | None = None
        #: The submit step the next submission starts at (None: the first).
        self.start: str | None = None
        #: Requests accounted for by earlier submissions.
        self._consumed = 0

    def attach(self, form: SitePage) -> None:
        """The form is open on *form*: watch the submission's requests from now on."""
        self.form = form
        self.form_url = form.page.url
        self.watch.start()
        self._consumed = self.watch.mark()

    def sent_early(self) -> bool:
        """Whether a request the profile names left before the submit steps ran (a field or an
        open step that submits the form): the next `submit` takes it for the submission."""
        return bool(self.watch.since(self._consumed))

    @property
    def page(self) -> Page:
        """The page the form is on."""
        assert self.form is not None, "the form is not open"
        return self.form.page

    async def submit(self, *, give_up_at: float) -> Submission:
        """Send the form once; wait for every request it sent to end (up to *give_up_at*)."""
        mark = self._consumed
        watch = self.watch
        answer_by = self.clock() + self.profile.timeouts.answer_s
        if watch.since(mark):  # something sent the form before its submit steps: that was it
            log.warning("agent.sent_before_submit_steps", requests=len(watch.since(mark)))
        else:
            self.form = await self._run_submit_steps()
        await watch.wait_for(lambda: any(t.ended for t in watch.since(mark)), until=answer_by)
        in_flight = not await watch.wait_for(
            lambda: not watch.in_flight(mark), until=max(give_up_at, answer_by)
        )
        if in_flight:
            log.warning("agent.still_in_flight", requests=len(watch.in_flight(mark)))
            answer = Answer(outcome="timeout", text="no answer from the site before the deadline")
        else:
            answer = await self._answer(mark, give_up_at)
            self._consumed = watch.mark()
        tracked = watch.since(mark)
        ended = [t.ended_at for t in tracked if t.ended_at is not None]
        return Submission(
            answer=answer,
            sent=len(tracked),
            in_flight=in_flight,
            ended_at=max(ended) if ended else None,
        )

    async def _run_submit_steps(self) -> SitePage:
        assert self.form is not None
        names = submit_steps_from(self.form, self.start)
        steps = [s for s in self.profile.submit_steps if s.name in names]
        return await run_steps(
            self.form, steps, replace(self.steps, no_wait_after=True), when="submitting"
        )

    async def _answer(self, mark: int, give_up_at: float) -> Answer:
        """What came back for the requests since *mark*: read, photographed, classified."""
        assert self.form is not None
        site = self.form
        watch = self.watch
        while True:
            tracked = watch.since(mark)
            chosen, verdict = await _deciding(site, tracked)
            decided = verdict is not None and verdict.kind is not None
            if chosen is not None and chosen.request.is_navigation_request():
                await self._page_loaded(give_up_at)
            status = chosen.status if chosen is not None else None
            if decided:
                break
            error = status is not None and status >= self.profile.answer.status.server_error_from
            await self._shown_one(_SETTLE_ERROR_S if error else _SETTLE_S)
            if len(watch.since(mark)) == len(tracked):
                break  # no follow-up request (a validation call, then the submission) left
            await watch.wait_for(lambda: not watch.in_flight(mark), until=give_up_at)
        retry_after = await _header(chosen, "retry-after")
        if self.photograph is None:
            shown = await read_page(site)
        else:  # the screenshot beside the page's reads (reads change nothing)
            shown, _ = await asyncio.gather(read_page(site), self.photograph(site.page))
        received = [t.ended_at for t in tracked if t.ended_at is not None]
        answer = replace(
            classify(
                self.profile,
                shown=shown,
                verdict=verdict,
                status_code=status,
                retry_after=retry_after,
                timed_out=not tracked,
            ),
            received_at=max(received) if received else self.clock(),
        )
        log.info(
            "agent.answer",
            outcome=answer.outcome,
            status_code=status,
            retry_after=retry_after,
            text=answer.text[:200],
            dispute_id=answer.dispute_id,
            source=answer.source,
            requests=len(tracked),
        )
        return answer

    async def _page_loaded(self, give_up_at: float) -> None:
        """A full-page answer: wait for its document (bounded by the deadline)."""
        assert self.form is not None
        left = max(0.1, give_up_at - self.clock())
        with contextlib.suppress(PlaywrightTimeout, PlaywrightError):
            await self.form.page.wait_for_load_state("domcontentloaded", timeout=left * 1000)

    async def _shown_one(self, seconds: float) -> None:
        """Wait up to *seconds* for one of the page's answer elements to show."""
        assert self.form is not None
        shown_one = answer_locator(self.form)
        if shown_one is not None:
            with contextlib.suppress(PlaywrightTimeout, PlaywrightError):
                await shown_one.wait_for(state="visible", timeout=seconds * 1000)

    async def prepare_resend(
        self,
        last: Answer,
        prepared: PreparedRequest,
        *,
        reopen: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Ready for another submission after *last*: a busy notice closed, the form read back
        (refilled; when it is gone, opened again: by *reopen*, else from its URL), the submit
        step to start at chosen."""
        assert self.form is not None and self.form_url is not None
        self.form = await _before_resend(self.form, self.steps, busy=last.outcome == "busy")
        await check_gates(self.form, when="before resubmitting")
        form = DisputeForm(self.form)
        if reopen is not None and not await form.is_kept() and not await form.is_ready():
            log.info("agent.form_reopened", url=self.form_url)
            await reopen()
            self.start = None
            return
        self.start = await _ready_to_resubmit(form, prepared, form_url=self.form_url)


async def _deciding(
    site: SitePage, tracked: list[Tracked]
) -> tuple[Response | None, JsonVerdict | None]:
    """The response that says what happened, and its JSON verdict: the first that says
    ``opened`` with the dispute's id, else the first that says anything, else the last one."""
    last: tuple[Response | None, JsonVerdict | None] = (None, None)
    decided: tuple[Response | None, JsonVerdict | None] | None = None
    for item in tracked:
        if item.failure is not None:
            continue
        try:
            response = await item.request.response()
        except PlaywrightError:
            continue
        if response is None:
            continue
        verdict = await verdict_of(site.profile, response)
        last = (response, verdict)
        if verdict is not None and verdict.kind == "opened" and verdict.dispute_id:
            return response, verdict
        if decided is None and verdict is not None and verdict.kind is not None:
            decided = (response, verdict)
    return decided if decided is not None else last


async def _header(response: Response | None, name: str) -> str | None:
    if response is None:
        return None
    try:
        return await response.header_value(name)
    except PlaywrightError:
        return None


async def _ready_to_resubmit(
    form: DisputeForm, prepared: PreparedRequest, *, form_url: str
) -> str | None:
    """Make sure the form is there and filled before a resubmission; the step to start at.

    The page says the form still holds everything (``retry.kept``): start at ``retry.from``.
    The form shows: read it back, refill what the site dropped, start at the first submit step.
    No form: open its URL again and fill it all.
    """
    profile = form.profile
    if await form.is_kept():
        log.info("agent.form_kept", start=profile.retry.from_step)
        return profile.retry.from_step
    if not await form.is_ready():
        log.info("agent.form_reopened", url=form_url)
        await form.site.page.goto(form_url, timeout=profile.timeouts.navigation_s * 1000)
        await form.wait_ready()
        await form.fill(prepared)
        return None
    await form.restore(prepared)
    return None


async def _before_resend(site: SitePage, run: StepRun, *, busy: bool) -> SitePage:
    """Run the profile's retry steps (close a busy notice) so the form can be used again.

    After a busy answer they all run. After another answer the loop resends (one it could not
    read, a server error, a session that ended: a busy notice in a language the profile does not
    know reads as unknown), the steps that say what they close (``if_visible``) run: a notice
    still over the form is closed, and nothing else is clicked."""
    steps = site.profile.retry.steps
    if not busy:
        steps = tuple(step for step in steps if step.when.if_visible is not None)
    try:
        return await run_steps(site, steps, run, when="before resubmitting")
    except PlaywrightError as exc:
        log.warning("agent.busy_dismiss_failed", error=str(exc)[:200])
        return site
