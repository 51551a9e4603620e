"""The response's submissions: the submit loop over a fake response port (no browser, no
sleeping): the retry policy, a read of the request's page before every resend, the journal's
intent before every click, and how the loop's end becomes a delivery or an error."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent.errors import GaveUp, InvalidRequest
from agent.flow.journal import Journal
from agent.flow.policy import RetryPolicy
from agent.flow.port import Finding, Submission
from agent.follow.driver import response_loop, send_response
from agent.follow.inputs import order_target, run_evidence, run_target
from agent.follow.respond import response_key
from agent.site.answer import Answer
from tests.runfolders import make_run

SITE = "http://127.0.0.1:8123"
KEY = "1001:response:1"
POLICY = RetryPolicy(max_attempts=5, initial_wait_s=1.0, max_wait_s=4.0, jitter=False)


@dataclass
class FakeSite:
    """Answers from a script; the request's page shows the response once it was recorded."""

    answers: list[str]
    #: Submissions the store recorded even though the answer said otherwise.
    recorded_despite: set[int] = field(default_factory=set)
    submitted: int = 0
    recorded: int = 0
    finds: int = 0
    prepared: list[str] = field(default_factory=list)
    journal: Journal | None = None

    async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
        if self.journal is not None:  # the intent is committed before the click
            assert [i.attempt for i in self.journal.unfinished(site=SITE, order_id=KEY)] == [
                self.submitted + 1
            ]
        self.submitted += 1
        outcome = self.answers.pop(0)
        if outcome == "opened" or self.submitted in self.recorded_despite:
            self.recorded += 1
        answer = Answer(
            outcome=outcome, text=outcome, dispute_id="D-1" if outcome == "opened" else None
        )
        return Submission(answer=answer, sent=1, ended_at=0.0)

    async def find(self, *, after_attempt: int) -> Finding:
        self.finds += 1
        if self.recorded:
            return Finding(state="found", dispute_id="D-1", ids=("D-1",))
        return Finding(state="none")

    async def record_check(
        self, after_attempt: int, finding: Finding, *, reads: int, why: str
    ) -> None:
        return None

    async def prepare_resend(self, last: Answer) -> None:
        self.prepared.append(last.outcome)


def _drive(site: FakeSite, journal: Journal | None, sleeps: list[float]) -> object:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    loop = response_loop(
        site,
        policy=POLICY,
        answer_s=30.0,
        shows_within_s=0.0,
        journal=journal,
        site=SITE,
        key=KEY,
        run_id="follow-test",
        sleep=sleep,
        clock=lambda: 0.0,
    )
    return asyncio.run(send_response(loop))


def test_busy_twice_then_sent(tmp_path: Path) -> None:
    """Two busy answers: the page read before each resend, the form made ready again, the
    backoff waited; three intents, each finished with its answer."""
    sleeps: list[float] = []
    with Journal(tmp_path / "journal.sqlite3") as journal:
        site = FakeSite(["busy", "busy", "opened"], journal=journal)
        delivery = _drive(site, journal, sleeps)
        rows = [(i.attempt, i.outcome) for i in journal.history(site=SITE, order_id=KEY)]
    assert (delivery.attempts, delivery.found) == (3, False)  # type: ignore[attr-defined]
    # the page read after each busy answer, and once to confirm the answer that named it
    assert (site.submitted, site.finds, site.prepared) == (3, 3, ["busy", "busy"])
    assert sleeps == [1.0, 1.5]
    assert rows == [(1, "busy"), (2, "busy"), (3, "opened")]


def test_busy_after_it_was_recorded_is_never_sent_again(tmp_path: Path) -> None:
    """The store recorded the first response but answered busy: the page read before the
    resend shows it; nothing is sent again."""
    with Journal(tmp_path / "journal.sqlite3") as journal:
        site = FakeSite(["busy", "opened"], recorded_despite={1}, journal=journal)
        delivery = _drive(site, journal, [])
    assert (site.submitted, site.recorded) == (1, 1)
    assert (delivery.found, delivery.found_id) == (True, "D-1")  # type: ignore[attr-defined]


def test_a_timeout_whose_response_arrived_is_not_sent_again() -> None:
    """No answer in time (the store held it), the response on the record all the same: the
    page read before the resend finds it; one submission."""
    site = FakeSite(["timeout", "opened"], recorded_despite={1})
    delivery = _drive(site, None, [])
    assert (site.submitted, delivery.found) == (1, True)  # type: ignore[attr-defined]


def test_busy_to_the_end_gives_up_after_a_last_look(tmp_path: Path) -> None:
    """Busy every time: five attempts, each followed by a read of the page, then GaveUp."""
    site = FakeSite(["busy"] * 5)
    with pytest.raises(GaveUp, match="gave up after 5 attempts"):
        _drive(site, None, [])
    assert (site.submitted, site.finds) == (5, 5)


def test_a_refused_response_is_not_retried() -> None:
    """The site refuses the response (its message): InvalidRequest, one attempt."""
    site = FakeSite(["invalid"])
    with pytest.raises(InvalidRequest, match="the site refused the response: invalid"):
        _drive(site, None, [])
    assert site.submitted == 1


def test_a_crash_between_click_and_answer_leaves_the_intent(tmp_path: Path) -> None:
    """The process dies during the submission: the intent stays unfinished for the next run,
    which settles it; the next response then gets the next key."""
    path = tmp_path / "journal.sqlite3"

    class Crash(BaseException):
        pass

    class Crashing(FakeSite):
        async def submit(self, attempt: int, *, give_up_at: float) -> Submission:
            raise Crash

    with Journal(path) as journal, pytest.raises(Crash):
        _drive(Crashing([]), journal, [])
    with Journal(path) as journal:
        assert [i.attempt for i in journal.unfinished(site=SITE, order_id=KEY)] == [1]
        assert response_key(journal, SITE, "1001") == (KEY, 1)
        journal.settle(site=SITE, order_id=KEY, outcome="opened", dispute_id="D-1")
        assert response_key(journal, SITE, "1001") == ("1001:response:2", 2)


def test_a_run_folder_names_its_request_and_evidence(tmp_path: Path) -> None:
    """An opened run: its order and dispute id; its evidence found again from the command line;
    a missing file gives None (--evidence is then asked for)."""
    run_dir = make_run(tmp_path, "opened")
    photo = tmp_path / "box.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + bytes(10))
    data = json.loads((run_dir / "result.json").read_text())
    data["request"]["evidence"] = ["box.jpg"]
    data["context"] = {"command": ["retry-dispute", "run", "--evidence", str(photo), "-q"]}
    (run_dir / "result.json").write_text(json.dumps(data))
    target = run_target(run_dir)
    assert (target.order_id, target.request_id) == ("1001", "D-000123")
    assert run_evidence(target) == (photo,)
    photo.unlink()
    assert run_evidence(target) is None


def test_a_run_that_opened_nothing_is_no_target(tmp_path: Path) -> None:
    """A run that gave up: InvalidRequest saying there is no request to follow."""
    with pytest.raises(InvalidRequest, match=r"opened no dispute .*no request to follow"):
        run_target(make_run(tmp_path, "gave_up"))
    assert order_target("1001", "2", tmp_path).folder == tmp_path / "follow-1001-2"
