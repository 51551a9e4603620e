"""The conversation against the storefront's own scripted operator, on a fake clock (no sleeping).

Each test plays a whole chat with mock_site's chat desk (the same script, rules and idle drop the
storefront serves) through `tests.support_helpers.DeskPort`; time moves only when the agent sleeps.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agent.redaction import add_secret
from tests.runfolders import make_run
from tests.support_helpers import FakeClock, ScriptedPerson, converse, mock_chat

CASE = "CASE-100001"
HOLDING = "I am still here, thank you."


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run of order 1001 that gave up after 3 busy attempts, with 8 screenshots."""
    return make_run(tmp_path, "gave_up")


def _mock_row(port: object) -> dict[str, object]:
    [row] = port.store.chats.transcripts()  # type: ignore[attr-defined]
    return row  # type: ignore[no-any-return]


def test_a_whole_conversation_ends_with_a_case_number(run_dir: Path) -> None:
    """Order number, screenshots (the error's first), the free question answered, a case number."""
    result, transcript, port, _ = converse(
        run_dir, {"chat_queue_s": 0, "chat_operator_delay_s": 2, "chat_free_question": True}
    )
    assert (result.end, result.case_number) == ("case", CASE)
    row = _mock_row(port)
    assert row["case_number"] == CASE and row["order_id"] == "1001"
    customer = [m for m in row["messages"] if m["sender"] == "customer"]  # type: ignore[attr-defined]
    assert [m["text"] for m in customer] == [
        "Hello. I cannot open a dispute for order 1001.",
        "Here are my screenshots. The first one shows the error.",
        "I first saw the error on 2025-11-24 at 03:16:06 UTC.",
        "Thank you.",
    ]
    assert [a["name"] for a in customer[1]["attachments"]][:2] == [
        "07-attempt-3-busy.png",
        "01-login-page.png",
    ]
    assert len(customer[1]["attachments"]) == 5
    whys = [(e.sender, e.why) for e in transcript.entries if e.sender == "customer"]
    assert whys == [
        ("customer", "order_number"),
        ("customer", "screenshots"),
        ("customer", "when"),
        ("customer", "thanks"),
    ]
    assert port.snapshots == ["chat-order_number", "chat-screenshots", "chat-when", "chat-case"]


def test_each_message_is_answered_in_its_turn(run_dir: Path) -> None:
    """The agent sends nothing while the operator is still typing the greeting."""
    clock = FakeClock()
    _, _, port, _ = converse(run_dir, {"chat_queue_s": 0, "chat_operator_delay_s": 5}, clock=clock)
    first_sent_at = port.sent[0][0] - 1000.0
    assert 10.0 <= first_sent_at <= 10.5  # right after "Please tell me your order number." (10 s)


def test_a_slow_operator_in_always_mode_never_drops_the_chat(run_dir: Path) -> None:
    """Operator slower than the idle limit, silence counted always: holding messages, no drop."""
    faults = {
        "chat_queue_s": 0,
        "chat_operator_delay_s": 40,
        "chat_idle_s": 30,
        "chat_idle_mode": "always",
    }
    result, _, port, conversation = converse(run_dir, faults)
    assert (result.end, result.case_number) == ("case", CASE)
    row = _mock_row(port)
    assert row["status"] == "open" and row["drop_reason"] is None
    times = [t - 1000.0 for t, _, _ in port.sent]
    assert all(later - earlier <= 30 for earlier, later in zip([0.0, *times], times, strict=False))
    holds = [t - 1000.0 for t, text, _ in port.sent if text == HOLDING]
    assert conversation.holds == len(holds) >= 5
    # one holding message 20 s (idle 30 - margin 10) after the last message, never sooner
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert (
        min(gaps[i - 1] for i, (_, text, _) in enumerate(port.sent) if text == HOLDING and i)
        >= 19.99
    )


def test_the_same_chat_drops_without_the_holding_message(run_dir: Path) -> None:
    """The same slow operator with the holding message switched off: dropped for inactivity."""
    faults = {
        "chat_queue_s": 0,
        "chat_operator_delay_s": 40,
        "chat_idle_s": 30,
        "chat_idle_mode": "always",
    }
    result, transcript, port, _ = converse(run_dir, faults, hold=False)
    assert result.end == "dropped"
    assert "closed due to inactivity" in result.message
    assert _mock_row(port)["drop_reason"] == "inactivity"
    assert [n["text"] for n in transcript.notes] == ["The chat was closed due to inactivity"]


def test_a_slow_operator_in_turn_mode_needs_no_holding_message(run_dir: Path) -> None:
    """While the operator is typing the silence does not count: no holding message is sent."""
    faults = {"chat_queue_s": 0, "chat_operator_delay_s": 50, "chat_idle_s": 30}
    result, _, port, conversation = converse(run_dir, faults)
    assert result.end == "case"
    assert conversation.holds == 0
    assert HOLDING not in [text for _, text, _ in port.sent]


def test_support_offline_ends_at_once(run_dir: Path) -> None:
    """Offline: no message sent, the hours noted, end offline."""
    result, transcript, port, _ = converse(run_dir, {"chat_offline": True})
    assert result.end == "offline"
    assert "Chat hours: Monday to Friday" in result.message
    assert port.sent == []
    assert "Chat hours" in str(transcript.notes[0]["text"])


def test_a_long_queue_is_waited_out_showing_position_and_time(run_dir: Path) -> None:
    """A 20-minute queue: every position from 5 to 1 recorded, nothing sent until the operator."""
    result, transcript, port, _ = converse(
        run_dir, {"chat_queue_s": 1200, "chat_operator_delay_s": 2}
    )
    assert result.end == "case"
    positions = [q["position"] for q in transcript.queue]
    assert list(dict.fromkeys(positions)) == [5, 4, 3, 2, 1]
    assert all(t - 1000.0 >= 1200 for t, _, _ in port.sent)
    waits = [float(q["t"]) for q in transcript.queue]  # type: ignore[arg-type]
    assert max(b - a for a, b in itertools.pairwise(waits)) <= 10.5


def test_the_queue_is_left_after_its_limit(run_dir: Path) -> None:
    """A queue longer than the profile's queue_timeout_s ends queue_timeout, nothing sent."""
    chat = mock_chat(idle_s=180, hold_margin_s=30, queue_timeout_s=60)
    result, _, port, _ = converse(run_dir, {"chat_queue_s": 600}, chat=chat)
    assert result.end == "queue_timeout"
    assert port.sent == []


def test_questions_the_run_folder_answers(run_dir: Path) -> None:
    """'How many times did you try?' is answered from result.json, without a person."""
    result, _, port, _ = converse(
        run_dir, {"chat_queue_s": 0, "chat_free_question": "How many times did you try?"}
    )
    assert result.end == "case"
    assert "I tried 3 times, from 2025-11-24 at 03:16:06 UTC to 03:16:24 UTC." in [
        text for _, text, _ in port.sent
    ]


def test_what_happened_sends_the_prepared_messages_one_at_a_time(run_dir: Path) -> None:
    """'What happened?' gets the ticket's prepared messages, each its own short message."""
    result, _, port, _ = converse(
        run_dir, {"chat_queue_s": 0, "chat_free_question": "What happened exactly?"}
    )
    assert result.end == "case"
    texts = [text for _, text, _ in port.sent]
    story = texts[texts.index("Here are my screenshots. The first one shows the error.") + 1 :]
    assert story[0].startswith("I made 3 attempts, between 2025-11-24 03:16:06 UTC")
    assert story[1] == 'Each time, the site said: "System busy, please try again later".'
    assert all(len(text) <= 300 for text in story)
    assert len(story) == len(set(story))


def test_a_question_nobody_can_answer_ends_politely(run_dir: Path) -> None:
    """No person: "I will come back with this information." and end person (exit 5)."""
    result, transcript, port, _ = converse(
        run_dir, {"chat_queue_s": 0, "chat_free_question": "Which browser do you use?"}
    )
    assert result.end == "person"
    assert result.question == "Which browser do you use?"
    assert port.sent[-1][1] == "I will come back with this information."
    assert transcript.entries[-1].why == "later"


def test_the_person_answers_and_a_non_english_answer_is_refused_first(run_dir: Path) -> None:
    """The person's Cyrillic answer is refused with the reason, never sent; the retyped one is."""
    clock = FakeClock()
    person = ScriptedPerson(clock, [(0, "Хром"), (0, "Chromium on Linux")])
    result, _, port, _ = converse(
        run_dir,
        {"chat_queue_s": 0, "chat_free_question": "Which browser do you use?"},
        person=person,
        clock=clock,
    )
    assert result.end == "case"
    [(_asked_at, question, left_s)] = person.asked
    assert question == "Which browser do you use?"
    assert 170 <= left_s <= 180
    assert any("non-Latin letters (Cyrillic)" in note for note in person.told)
    texts = [text for _, text, _ in port.sent]
    assert "Chromium on Linux." in texts
    assert not any("Хром" in text for text in texts)


def test_the_chat_is_kept_open_while_the_person_thinks(run_dir: Path) -> None:
    """The person takes longer than the idle limit: holding messages go out, the chat never drops.

    (The storefront's operator takes any English text as the answer to its free question, so the
    first holding message ends its script with a case number; the person is told no answer is
    needed any more.)
    """
    clock = FakeClock()
    person = ScriptedPerson(clock, [(1000 + 400, "Chromium on Linux.")])
    result, _, port, conversation = converse(
        run_dir,
        {"chat_queue_s": 0, "chat_idle_s": 30, "chat_free_question": "Which browser do you use?"},
        person=person,
        clock=clock,
    )
    assert result.end == "case"
    assert _mock_row(port)["drop_reason"] is None
    assert conversation.holds == 1
    asked_at = person.asked[0][0]
    hold_at = next(t for t, text, _ in port.sent if text == HOLDING)
    assert 19.5 <= hold_at - asked_at <= 20.5  # idle 30 - margin 10 after the question
    assert "The operator gave a case number: no answer is needed now." in person.told


def test_a_secret_typed_by_the_person_is_never_sent(run_dir: Path) -> None:
    """A password the agent knows, typed into the answer, is refused before sending."""
    add_secret("hunter2-secret")
    clock = FakeClock()
    person = ScriptedPerson(clock, [(0, "It is hunter2-secret."), (0, "I use Firefox.")])
    _, transcript, port, _ = converse(
        run_dir,
        {"chat_queue_s": 0, "chat_free_question": "Which browser do you use?"},
        person=person,
        clock=clock,
    )
    assert any("looks like a password" in note for note in person.told)
    assert not any("hunter2" in text for _, text, _ in port.sent)
    assert not any("hunter2" in entry.text for entry in transcript.entries)
