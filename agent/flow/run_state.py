"""The state of one order's run, shared by its stages, and what every stage does with it.

`OrderRun` holds what the stages (`agent.flow.opening`, `agent.flow.submitting`,
`agent.flow.endings`) read and leave behind: the request, the settings, the run folder, the
pages, the site's port and the submit loop's state (attempts, what is in flight, the last
answer). It builds the run's `Outcome` and records a step with its screenshot.
"""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page

from agent.events import StepEvent
from agent.flow.journal import site_key
from agent.flow.loop import LoopState, SubmitLoop
from agent.flow.settings import RunSettings
from agent.flow.site_port import DisputePort
from agent.outcome import Outcome, Status
from agent.output.run_folder import Grabbed, RunFolder
from agent.request import PreparedRequest
from agent.site.drift import DriftLog
from agent.site.gates import arm_page
from agent.site.steps import StepRun

__all__ = ["OrderRun"]


class OrderRun:
    """The state of one order's run; the stages' shared helpers."""

    def __init__(self, prepared: PreparedRequest, settings: RunSettings, folder: RunFolder) -> None:
        self.prepared = prepared
        self.request = prepared.request
        self.settings = settings
        self.profile = settings.profile
        self.folder = folder
        self.site = site_key(settings.site)
        self.context: BrowserContext | None = None
        #: The order page's tab (closed once the form opens in a pop-up).
        self.page: Page | None = None
        #: The site as the submit loop sees it, and the loop (made by the opening stage).
        self.port: DisputePort | None = None
        self.loop: SubmitLoop | None = None
        #: The submit loop's state: attempts, a submission in flight, the last answer.
        self.state = LoopState()
        #: What the filled form held before it was first sent (`agent.flow.opening`).
        self.form_held: dict[str, str] = {}
        self.steps = StepRun(request=self.request, on_new_page=self.arm)
        #: Elements found by another alternative than their first (result.json's ``drift``).
        self.drift = DriftLog()

    @property
    def attempts(self) -> int:
        """Submissions that left so far."""
        return self.state.attempts

    @property
    def form_page(self) -> Page | None:
        """The page the form is on, once it is open."""
        if self.port is None or self.port.form.form is None:
            return None
        return self.port.form.page

    def outcome(
        self,
        status: Status,
        message: str,
        *,
        dispute_id: str | None = None,
        hint: str | None = None,
        reason_code: str | None = None,
    ) -> Outcome:
        """The run's outcome as things stand (attempts, elapsed time, screenshots so far)."""
        last = self.state.last
        return Outcome(
            status=status,
            order_id=self.request.order_id,
            dispute_id=dispute_id,
            attempts=self.state.attempts,
            elapsed_s=self.folder.elapsed(),
            message=message,
            hint=hint,
            reason_code=reason_code,
            run_dir=self.folder.path,
            screenshots=tuple(self.folder.screenshots),
            last_answer=last.answer.text if last is not None and last.sent else None,
            form=dict(self.form_held),
        )

    async def step(self, page: Page | None, name: str, detail: str | None = None) -> None:
        """Record a step of the flow with a screenshot of *page*."""
        await self.folder.step(
            page, name, detail=detail, timeout_s=self.profile.timeouts.screenshot_s
        )
        self.settings.emit(StepEvent(order_id=self.request.order_id, step=name))

    async def arm(self, page: Page) -> None:
        """Make a new page answer dialogs and close overlays as the profile says."""
        await arm_page(page, self.profile)

    async def grab(self, page: Page) -> Grabbed | None:
        """A screenshot of *page* taken now, filed later under a name (`kept_step`)."""
        return await self.folder.grab(page, timeout_s=self.profile.timeouts.screenshot_s)

    def kept_step(self, grabbed: Grabbed | None, name: str) -> None:
        """Record a step with a screenshot grabbed before its name was known."""
        self.folder.grabbed_step(grabbed, name)
        self.settings.emit(StepEvent(order_id=self.request.order_id, step=name))
