"""The state of one order's run, shared by its stages, and what every stage does with it.

`OrderRun` holds what the stages (`agent.flow.opening`, `agent.flow.submitting`,
`agent.flow.endings`) read and leave behind: the request, the settings, the run folder, the
pages, the attempts and the last answer. It builds the run's `Outcome` and records a step with
its screenshot. A stage that reaches a final outcome early raises `Finished`.
"""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page

from agent.events import StepEvent
from agent.flow.journal import site_key
from agent.flow.reconcile import Reconciler
from agent.flow.settings import RunSettings
from agent.outcome import Outcome, Status
from agent.output.run_folder import Grabbed, RunFolder
from agent.request import PreparedRequest
from agent.site.answer import Answer
from agent.site.drift import DriftLog
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.steps import StepRun

__all__ = ["Finished", "OrderRun"]


class Finished(Exception):
    """The flow reached a final outcome early (an open dispute found, say)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.status)
        self.outcome = outcome


class OrderRun:
    """The state of one order's run; the stages' shared helpers."""

    def __init__(self, prepared: PreparedRequest, settings: RunSettings, folder: RunFolder) -> None:
        self.prepared = prepared
        self.request = prepared.request
        self.s = settings
        self.profile = settings.profile
        self.folder = folder
        self.site = site_key(settings.site)
        self.attempts = 0
        self.last_answer: Answer | None = None
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.form_page: Page | None = None
        self.form_site: SitePage | None = None
        self.form_url: str | None = None
        self.reconciler: Reconciler | None = None
        #: True from the journal's intent to the answer: a submission may be on its way.
        self.in_flight = False
        #: When the last answer came (the run's clock): a new dispute may show after it.
        self.answered_at: float | None = None
        self.steps = StepRun(request=self.request, on_new_page=self.arm)
        #: Elements found by another alternative than their first (result.json's ``drift``).
        self.drift = DriftLog()

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
        return Outcome(
            status=status,
            order_id=self.request.order_id,
            dispute_id=dispute_id,
            attempts=self.attempts,
            elapsed_s=self.folder.elapsed(),
            message=message,
            hint=hint,
            reason_code=reason_code,
            run_dir=self.folder.path,
            screenshots=tuple(self.folder.screenshots),
            last_answer=self.last_answer.text if self.last_answer else None,
        )

    async def step(self, page: Page | None, name: str, detail: str | None = None) -> None:
        """Record a step of the flow with a screenshot of *page*."""
        await self.folder.step(
            page, name, detail=detail, timeout_s=self.profile.timeouts.screenshot_s
        )
        self.s.emit(StepEvent(order_id=self.request.order_id, step=name))

    async def record(self, page: Page, name: str) -> None:
        """`step` without a detail (the reconciler's hook)."""
        await self.step(page, name)

    async def arm(self, page: Page) -> None:
        """Make a new page answer dialogs and close overlays as the profile says."""
        await arm_page(page, self.profile)

    async def grab(self, page: Page) -> Grabbed | None:
        """A screenshot of *page* taken now, filed later under a name (`kept_step`)."""
        return await self.folder.grab(page, timeout_s=self.profile.timeouts.screenshot_s)

    def kept_step(self, grabbed: Grabbed | None, name: str) -> None:
        """Record a step with a screenshot grabbed before its name was known."""
        self.folder.grabbed_step(grabbed, name)
        self.s.emit(StepEvent(order_id=self.request.order_id, step=name))
