"""A fake site behind the submit loop's port: scripted answers, late disputes, unreadable pages.

`FakeSite` implements `agent.flow.port.SubmitPort` over a `FakeTime` that only moves when the
loop sleeps or a submission takes time, so the unit tests drive the real loop (agent.flow.loop)
in milliseconds and assert what a slow, overloaded site would have ended with: how many
disputes, how many submissions, and when each was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent.flow.loop import LoopSettings
from agent.flow.policy import RetryDetails, RetryPolicy
from agent.flow.port import Finding, Submission
from agent.site.answer import Answer

#: Tiny waits and no jitter (the fake sleep returns at once anyway).
POLICY = RetryPolicy(initial_wait_s=1.0, max_wait_s=4.0, jitter=False, max_attempts=6)


class FakeTime:
    """A clock that moves only when the code under test sleeps (or a submission takes time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """How the fake site answers one submission.

    *creates*: the submission creates a dispute (``commits_after_s`` after the click, shown on
    the order page ``shows_after_s`` after that); *takes_s*: when its request ends after the
    click; *never_ends*: the request never ends; *sent*: requests the profile names that left
    (0: the steps sent nothing; 2: a side request on the same URL too).
    """

    outcome: str = "busy"
    creates: bool = False
    commits_after_s: float = 0.0
    shows_after_s: float = 0.0
    takes_s: float = 0.1
    never_ends: bool = False
    sent: int = 1
    dispute_id: str | None = None
    retry_after: str | None = None


BUSY = Reply(outcome="busy")
BUSY_AFTER_COMMIT = Reply(outcome="busy", creates=True)
OPENED = Reply(outcome="opened", creates=True)


@dataclass(slots=True)
class FakeSite:
    """A site whose answers follow a script (the last reply repeats when the script runs out)."""

    time: FakeTime
    replies: Sequence[Reply] = (BUSY,)
    #: Order-page reads that fail (unreadable), by read number (1 for the first), or all.
    unreadable_reads: frozenset[int] | None = frozenset()
    #: The order page shows a dispute element whose id cannot be read.
    id_unreadable: bool = False
    #: Disputes the order page shows besides the ones submissions make (another id).
    other_ids: tuple[str, ...] = ()
    #: Disputes: (id, the time it shows on the order page).
    disputes: list[tuple[str, float]] = field(default_factory=list)
    #: The time of each submission that left.
    sent_at: list[float] = field(default_factory=list)
    reads: int = 0
    checks: list[tuple[int, str, str]] = field(default_factory=list)
    resends_prepared: int = 0

    def reply(self, attempt: int) -> Reply:
        return self.replies[min(attempt, len(self.replies)) - 1]

    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        reply = self.reply(attempt)
        click = self.time.now
        if reply.sent:
            self.sent_at.append(click)
        dispute_id = reply.dispute_id or f"D-{len(self.disputes) + 1:06d}"
        if reply.creates and reply.sent:
            self.disputes.append((dispute_id, click + reply.commits_after_s + reply.shows_after_s))
        said_id = dispute_id if reply.outcome == "opened" else None
        answer = Answer(
            outcome=reply.outcome,
            text=reply.outcome,
            dispute_id=said_id,
            retry_after=reply.retry_after,
            received_at=None,
        )
        if reply.never_ends or click + reply.takes_s > give_up_at:
            self.time.now = max(self.time.now, give_up_at)
            return Submission(answer=Answer(outcome="timeout"), sent=reply.sent, in_flight=True)
        self.time.now = click + reply.takes_s
        answer = Answer(
            outcome=answer.outcome,
            text=answer.text,
            dispute_id=answer.dispute_id,
            retry_after=answer.retry_after,
            received_at=self.time.now,
        )
        return Submission(answer=answer, sent=reply.sent, ended_at=self.time.now)

    async def find(self, *, after_attempt: int) -> Finding:
        self.reads += 1
        if self.unreadable_reads is None or self.reads in self.unreadable_reads:
            return Finding(state="unreadable", shown="HTTP 500")
        ids = tuple(i for i, shows_at in self.disputes if shows_at <= self.time.now)
        ids += self.other_ids
        if not ids:
            return Finding(state="none")
        if self.id_unreadable:
            return Finding(state="found", shown="A request is open")
        return Finding(state="found", dispute_id=ids[0], ids=ids)

    async def record_check(
        self, after_attempt: int, finding: Finding, *, reads: int, why: str
    ) -> None:
        self.checks.append((after_attempt, finding.state, why))

    async def prepare_resend(self, last: Answer) -> None:
        self.resends_prepared += 1


@dataclass(slots=True)
class MemoryJournal:
    """The loop's intent log in memory: what was begun, finished, or left in flight."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def begin(self, attempt: int) -> int:
        self.rows.append({"attempt": attempt, "outcome": None, "in_flight": False})
        return len(self.rows) - 1

    def finish(self, intent: int, *, outcome: str, dispute_id: str | None) -> None:
        self.rows[intent].update(outcome=outcome, dispute_id=dispute_id)

    def leave_in_flight(self, intent: int) -> None:
        self.rows[intent]["in_flight"] = True

    def unfinished(self) -> list[dict[str, object]]:
        return [r for r in self.rows if r["outcome"] is None]


@dataclass(slots=True)
class Seen:
    """What the loop told its observer, in order."""

    events: list[tuple[str, object]] = field(default_factory=list)

    def attempt_started(self, attempt: int) -> None:
        self.events.append(("attempt", attempt))

    def answered(self, attempt: int, submission: Submission) -> None:
        self.events.append(("answer", submission.answer.outcome))

    def checked(self, attempt: int, finding: Finding, *, reads: int, why: str) -> None:
        self.events.append(("check", f"{why}:{finding.state}"))

    def waiting(self, attempt: int, details: RetryDetails) -> None:
        self.events.append(("wait", details.wait_for))


def settings(
    time: FakeTime,
    *,
    policy: RetryPolicy = POLICY,
    answer_s: float = 30.0,
    shows_within_s: float = 0.0,
) -> LoopSettings:
    """Loop settings over the fake time (a fixed wall clock for Retry-After dates)."""
    return LoopSettings(
        policy=policy,
        answer_s=answer_s,
        shows_within_s=shows_within_s,
        clock=time.clock,
        sleep=time.sleep,
        wall=lambda: datetime(2026, 12, 6, 12, 0, tzinfo=UTC),
    )
