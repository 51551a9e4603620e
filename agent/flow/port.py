"""The submit loop's view of a site: submit once, look for what a submission made, get ready again.

The loop (`agent.flow.loop`) talks to the storefront only through a `SubmitPort`: submit once and
return what came back, read the order's dispute, record the screenshots, get the form ready
again. The Playwright adapter (`agent.flow.site_port`) implements it over a profile; the tests
implement it with a fake site (scripted answers, disputes that show late, unreadable pages,
crashes between the intent and the answer), so the loop's every decision is proven in
milliseconds.

What the port reports is a value: a `Submission` says what one submission sent and what came
back, a `Finding` what the page that lists the order's dispute shows. The port never decides
whether to submit again; `agent.flow.decide` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from agent.site.answer import Answer
from agent.site.existing import Finding

__all__ = ["Finding", "Submission", "SubmitPort"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """What one submission sent and what came back.

    A submission is *in flight* from the click until the browser has seen every request it sent
    end (a response, or a network failure); `in_flight` is True when one had not ended when the
    port stopped waiting (the run's deadline): it may still reach the site.
    """

    #: The site's answer, classified (``agent.site.answer.classify``).
    answer: Answer
    #: Requests the profile's ``[answer]`` names that left after the click (0: nothing was sent).
    sent: int
    #: A request of this submission had not ended when the wait gave up.
    in_flight: bool = False
    #: When the last of its requests ended (the run's clock); None when none ended.
    ended_at: float | None = None

    @property
    def several(self) -> bool:
        """More than one request the profile names left: any of them may be the submission."""
        return self.sent > 1


class SubmitPort(Protocol):
    """One site as the submit loop sees it (see the module's documentation)."""

    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        """Send the request once (attempt *attempt*, 1 for the first) and return what happened.

        Waits for the answer up to the profile's answer timeout, then, while a request it sent
        has not ended, up to *give_up_at* (the run's clock) at most. Never raises for an answer.
        """
        ...

    async def find(self, *, after_attempt: int) -> Finding:
        """Read the order's dispute once, as a person sees it (one page read, no waiting)."""
        ...

    async def record_check(
        self, after_attempt: int, finding: Finding, *, reads: int, why: str
    ) -> None:
        """Record a check of the order page (its result, a screenshot of the page as read)."""
        ...

    async def prepare_resend(self, last: Answer) -> None:
        """Make the form ready for another submission after *last* (a busy notice closed, the
        fields read back and refilled)."""
        ...
