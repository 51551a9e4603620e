"""The submit loop against a fake site: every slow-site rule, proven in milliseconds, no sleeping.

Each test drives the real `agent.flow.loop.SubmitLoop` with `tests.fake_site.FakeSite` and
asserts what the site ended with (its disputes, the submissions it received) as well as what the
run says. `make mutants` (tests/mutants.py) checks that each guard of the loop fails one of them.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from agent.flow.loop import LoopState, SubmitLoop
from agent.flow.policy import RetryPolicy
from agent.flow.port import Finding, Submission
from tests.fake_site import (
    BUSY,
    BUSY_AFTER_COMMIT,
    OPENED,
    POLICY,
    FakeSite,
    FakeTime,
    MemoryJournal,
    Reply,
    Seen,
    settings,
)


def run(loop: SubmitLoop):  # type: ignore[no-untyped-def]
    """Run the loop to its end."""
    return asyncio.run(loop.run())


def make(
    replies: tuple[Reply, ...],
    *,
    policy: RetryPolicy = POLICY,
    answer_s: float = 30.0,
    shows_within_s: float = 0.0,
    **site: object,
) -> tuple[FakeSite, SubmitLoop, MemoryJournal, Seen]:
    """A fake site with *replies* and the loop over it, with a journal and an observer."""
    time = FakeTime()
    fake = FakeSite(time=time, replies=replies, **site)  # type: ignore[arg-type]
    journal, seen = MemoryJournal(), Seen()
    loop = SubmitLoop(
        fake,
        settings(time, policy=policy, answer_s=answer_s, shows_within_s=shows_within_s),
        intents=journal,
        observer=seen,
    )
    return fake, loop, journal, seen


def test_opened_at_once_is_one_submission_confirmed_on_the_order_page() -> None:
    """An answer naming its dispute settles the run; the order page is read once to confirm."""
    fake, loop, journal, _ = make((OPENED,))
    settled = run(loop)
    assert (settled.verdict, settled.dispute_id, settled.by_answer) == ("opened", "D-000001", True)
    assert len(fake.sent_at) == 1 and loop.state.attempts == 1
    assert fake.checks == [(1, "found", "confirm")]
    assert journal.rows == [
        {"attempt": 1, "outcome": "opened", "in_flight": False, "dispute_id": "D-000001"}
    ]


def test_busy_answers_are_resent_after_a_check_each() -> None:
    """Busy, busy, opened: three submissions, the order page read before each resend."""
    fake, loop, _, seen = make((BUSY, BUSY, OPENED))
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 3
    assert [c[2] for c in fake.checks] == ["before_resend", "before_resend", "confirm"]
    assert [e for e in seen.events if e[0] == "wait"] == [("wait", 1.0), ("wait", 1.5)]
    assert fake.resends_prepared == 2


def test_busy_after_commit_is_found_and_never_resent() -> None:
    """Busy, but the dispute was created: the check finds it, and nothing is sent again."""
    fake, loop, _, _ = make((BUSY_AFTER_COMMIT, OPENED))
    settled = run(loop)
    assert (settled.verdict, settled.dispute_id, settled.by_answer) == ("opened", "D-000001", False)
    assert len(fake.disputes) == 1 and len(fake.sent_at) == 1


def test_the_last_allowed_attempt_is_checked_too() -> None:
    """One attempt allowed, busy after commit: the check after it finds the dispute."""
    fake, loop, _, _ = make(
        (BUSY_AFTER_COMMIT,), policy=dataclasses.replace(POLICY, max_attempts=1)
    )
    settled = run(loop)
    assert settled.verdict == "opened" and settled.dispute_id == "D-000001"
    assert len(fake.sent_at) == 1


def test_giving_up_follows_a_check_of_the_last_attempt() -> None:
    """Always busy: max_attempts submissions, each followed by a check, then gave up."""
    fake, loop, _, _ = make((BUSY,), policy=dataclasses.replace(POLICY, max_attempts=3))
    settled = run(loop)
    assert settled.verdict == "exhausted" and settled.answer is not None
    assert len(fake.sent_at) == 3 and loop.state.attempts == 3
    assert [c[2] for c in fake.checks] == ["before_resend"] * 3


def test_a_dispute_that_shows_late_is_waited_for() -> None:
    """Created at once but shown 2 s later; the profile says 3 s: found, one submission."""
    late = dataclasses.replace(BUSY_AFTER_COMMIT, shows_after_s=2.0)
    fake, loop, _, _ = make((late, OPENED), shows_within_s=3.0)
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 1
    assert fake.reads >= 3  # read again while it could still show


def test_no_dispute_is_believed_only_after_shows_within_s_from_the_end() -> None:
    """A busy answer that made nothing: "none" is believed once 3 s passed since it ended."""
    fake, loop, _, _ = make((BUSY, OPENED), shows_within_s=3.0)
    answered_at = 1000.0 + BUSY.takes_s
    run(loop)
    assert fake.sent_at[1] >= answered_at + 3.0


def test_the_check_counts_from_the_end_of_a_slow_request() -> None:
    """A request that takes 20 s and commits at its end; shown 2 s later: found, not resent."""
    slow = Reply(
        outcome="busy", creates=True, takes_s=20.0, commits_after_s=20.0, shows_after_s=2.0
    )
    fake, loop, _, _ = make((slow, OPENED), shows_within_s=3.0)
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 1


def test_a_commit_after_the_answer_timeout_is_waited_for() -> None:
    """The request ends after 45 s (answer_s 30): still waited for, never resent meanwhile."""
    late = Reply(outcome="opened", creates=True, takes_s=45.0, commits_after_s=44.0)
    fake, loop, _, _ = make((late,), answer_s=30.0)
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 1 and len(fake.disputes) == 1


def test_a_request_that_never_ends_stops_the_run_in_flight_at_the_deadline() -> None:
    """Never answered: the run ends in_flight by its deadline, nothing resent, intent kept open."""
    policy = dataclasses.replace(POLICY, deadline_s=60.0)
    fake, loop, journal, _ = make((Reply(never_ends=True),), policy=policy, answer_s=30.0)
    started = fake.time.now
    settled = run(loop)
    assert settled.verdict == "in_flight" and len(fake.sent_at) == 1
    assert fake.time.now <= started + 60.0
    assert journal.unfinished() and journal.rows[0]["in_flight"] is True
    assert loop.state.in_flight is True


def test_submit_steps_that_send_nothing_are_no_attempt() -> None:
    """No request left: settled nothing_sent, no attempt counted, no check, no resend."""
    fake, loop, journal, _ = make((Reply(outcome="unknown", sent=0),))
    settled = run(loop)
    assert settled.verdict == "nothing_sent" and loop.state.attempts == 0
    assert fake.checks == [] and journal.rows[0]["outcome"] == "not_sent"


def test_a_form_refused_before_sending_is_invalid() -> None:
    """No request left but the page said why (a client-side check): invalid, not a profile error."""
    _, loop, _, _ = make((Reply(outcome="invalid", sent=0),))
    assert run(loop).verdict == "invalid"


def test_an_unreadable_order_page_is_never_no_dispute() -> None:
    """Busy, then the order page cannot be read: settled unreadable, nothing resent."""
    fake, loop, _, _ = make(
        (BUSY,), unreadable_reads=None, policy=dataclasses.replace(POLICY, max_attempts=4)
    )
    settled = run(loop)
    assert settled.verdict == "unreadable" and len(fake.sent_at) == 1
    assert fake.reads == 4  # re-read with backoff, a bounded number of times


def test_one_unreadable_read_is_read_again() -> None:
    """An order page that fails once and then shows no dispute: the run goes on."""
    fake, loop, _, _ = make((BUSY, OPENED), unreadable_reads=frozenset({1}))
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 2


def test_unreadable_reads_are_not_counted_as_attempts() -> None:
    """Checks that failed cost no attempt: three attempts allowed, three submissions made."""
    policy = dataclasses.replace(POLICY, max_attempts=3)
    fake, loop, _, _ = make((BUSY,), policy=policy, unreadable_reads=frozenset({1, 3}))
    settled = run(loop)
    assert settled.verdict == "exhausted" and len(fake.sent_at) == 3 and loop.state.attempts == 3


def test_a_dispute_whose_id_cannot_be_read_still_exists() -> None:
    """The order page shows a dispute but not its id: opened, id unknown, nothing resent."""
    fake, loop, _, _ = make((BUSY_AFTER_COMMIT,), id_unreadable=True)
    settled = run(loop)
    assert settled.verdict == "opened" and settled.dispute_id is None
    assert settled.finding is not None and settled.finding.shown
    assert len(fake.sent_at) == 1


def test_several_requests_need_the_check_too() -> None:
    """A side request on the same URL and a busy answer: checked before any resend."""
    two = Reply(outcome="busy", creates=True, sent=2)
    fake, loop, _, _ = make((two,))
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 1


def test_the_answers_id_is_compared_with_the_order_page() -> None:
    """The answer says D-000001, the order page shows only another id: the finding says so."""
    _, loop, _, _ = make(
        (Reply(outcome="opened", creates=False, dispute_id="D-1"),), other_ids=("D-9",)
    )
    settled = run(loop)
    assert settled.dispute_id == "D-1" and settled.finding is not None
    assert settled.finding.ids == ("D-9",)


def test_retry_after_replaces_the_backoff_counted_from_the_answer() -> None:
    """A Retry-After of 10 s: the next submission leaves 10 s after the busy answer."""
    busy = dataclasses.replace(BUSY, retry_after="10")
    fake, loop, _, _ = make((busy, OPENED))
    run(loop)
    assert fake.sent_at[1] == pytest.approx(1000.0 + busy.takes_s + 10.0)


def test_the_deadline_stops_the_waits() -> None:
    """Waits of 1, 1.5, 2.25 s against a 2 s deadline: two submissions, then gave up."""
    policy = dataclasses.replace(POLICY, deadline_s=2.0, max_attempts=10)
    fake, loop, _, _ = make((BUSY,), policy=policy)
    assert run(loop).verdict == "exhausted"
    assert len(fake.sent_at) == 2


@dataclasses.dataclass(slots=True)
class _Watching(FakeSite):
    """A fake that records, at each click, the journal and the loop's in-flight flag."""

    journal: MemoryJournal = dataclasses.field(default_factory=MemoryJournal)
    state: LoopState = dataclasses.field(default_factory=LoopState)
    seen_at_click: list[tuple[int, bool]] = dataclasses.field(default_factory=list)

    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        self.seen_at_click.append((len(self.journal.unfinished()), self.state.in_flight))
        return await super(_Watching, self).submit(attempt, give_up_at=give_up_at)


def test_the_intent_is_committed_and_in_flight_before_every_click() -> None:
    """Before each click the journal holds the unfinished intent and the run is in flight."""
    time = FakeTime()
    fake = _Watching(time=time, replies=(BUSY, OPENED))
    journal, state = fake.journal, fake.state
    loop = SubmitLoop(fake, settings(time), intents=journal, state=state)
    run(loop)
    assert fake.seen_at_click == [(1, True), (1, True)]
    assert not journal.unfinished() and state.in_flight is False


class _Interrupted(FakeSite):
    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        raise asyncio.CancelledError


def test_an_interruption_mid_submission_leaves_the_intent_open() -> None:
    """Stopped between the click and the answer: the intent stays unfinished, in flight."""
    time = FakeTime()
    journal, state = MemoryJournal(), LoopState()
    loop = SubmitLoop(_Interrupted(time=time), settings(time), intents=journal, state=state)
    with pytest.raises(asyncio.CancelledError):
        run(loop)
    assert journal.unfinished() and state.in_flight is True


def test_every_attempt_waits_for_the_shared_budget() -> None:
    """The batch's budget hook is awaited before each submission."""
    time = FakeTime()
    calls: list[float] = []

    async def budget() -> None:
        calls.append(time.now)

    fake = FakeSite(time=time, replies=(BUSY, BUSY, OPENED))
    loop = SubmitLoop(fake, dataclasses.replace(settings(time), before_attempt=budget))
    run(loop)
    assert calls == fake.sent_at


def test_look_waits_until_the_given_time_for_an_earlier_runs_submission() -> None:
    """After an interruption the order page is read until the earlier submission's window ended,
    even on a site that shows disputes at once."""
    time = FakeTime()
    fake = FakeSite(time=time, disputes=[("D-000042", time.now + 20.0)])
    loop = SubmitLoop(fake, settings(time, shows_within_s=0.0))
    finding = asyncio.run(loop.look(until=time.now + 30.0, after_attempt=0, why="earlier_run"))
    assert finding == Finding(state="found", dispute_id="D-000042", ids=("D-000042",))
    fake.disputes.clear()
    start = time.now
    finding = asyncio.run(loop.look(until=start + 30.0, after_attempt=0, why="earlier_run"))
    assert finding.state == "none" and time.now >= start + 30.0


def test_a_session_that_ended_is_signed_in_again_after_the_check() -> None:
    """Logged out at the first submission, the run can sign in again: the order page is
    checked (nothing made), the form made ready (the port signs in), and sent again."""
    time = FakeTime()
    fake = FakeSite(time=time, replies=(Reply(outcome="login_required"), OPENED))
    loop = SubmitLoop(fake, dataclasses.replace(settings(time), can_sign_in=True))
    settled = run(loop)
    assert settled.verdict == "opened" and len(fake.sent_at) == 2
    assert [c[2] for c in fake.checks] == ["before_resend", "confirm"]
    assert fake.resends_prepared == 1
    without = SubmitLoop(
        FakeSite(time=time, replies=(Reply(outcome="login_required"), OPENED)), settings(time)
    )
    assert run(without).verdict == "login_required"
