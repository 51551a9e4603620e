"""The support chat's clock: operator delay, queue, offline hours and the inactivity drop.

Every test moves the storefront's fake clock; none sleeps.
"""

from __future__ import annotations

import pytest

from mock_site.testing import SAMPLE_PNG
from tests.site.chat_helpers import (
    ASK_ORDER,
    ASK_SCREENSHOTS,
    GREETING,
    INACTIVITY,
    ORDER_NOT_FOUND,
    ChatClient,
)
from tests.site.conftest import Local

OFFLINE = (
    "Our support team is offline. Chat hours: Monday to Friday, 9:00 to 18:00 (UTC+8). "
    "Please come back later."
)


@pytest.fixture
def chat(local: Local) -> ChatClient:
    """The demo shopper's chat client on the fake-clock storefront."""
    return ChatClient(local.shopper.client)


def test_each_operator_message_waits_the_delay(chat: ChatClient, local: Local) -> None:
    """chat_operator_delay_s=7: each operator message shows 7 s after the one before."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=7)
    assert chat.start()["status"] == "open"
    local.clock.advance(6.9)
    view = chat.state()
    assert view["messages"] == []
    assert view["operator_typing"] is True
    local.clock.advance(0.1)
    assert chat.operator_says() == [GREETING]
    local.clock.advance(7)
    assert chat.operator_says() == [GREETING, ASK_ORDER]
    assert [m["t"] for m in chat.state()["messages"]] == [7.0, 14.0]
    chat.say("Order 1002.")
    local.clock.advance(6)
    assert chat.operator_says()[-1] == ASK_ORDER
    local.clock.advance(1)
    assert chat.operator_says()[-1] == ASK_SCREENSHOTS


def test_zero_delay_answers_at_once(chat: ChatClient, local: Local) -> None:
    """chat_operator_delay_s=0: the greeting is there at the start, answers come at once."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=0)
    assert [m["text"] for m in chat.start()["messages"]] == [GREETING, ASK_ORDER]
    chat.say("Order 1002.")
    assert chat.operator_says()[-1] == ASK_SCREENSHOTS


def test_answers_queue_behind_pending_messages(chat: ChatClient, local: Local) -> None:
    """Messages sent while the operator is still typing are answered in order, delay apart."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=5)
    chat.start()
    local.clock.advance(5)  # the greeting shows; the order question is still being typed
    chat.say("Hello?")
    chat.say("Order 1002.")
    local.clock.advance(15)
    messages = chat.state()["messages"]
    operator = [(m["t"], m["text"]) for m in messages if m["sender"] == "operator"]
    assert operator == [
        (5.0, GREETING),
        (10.0, ASK_ORDER),
        (15.0, ORDER_NOT_FOUND),
        (20.0, ASK_SCREENSHOTS),
    ]


def test_queue_position_falls_until_the_operator_joins(chat: ChatClient, local: Local) -> None:
    """chat_queue_s=10: position 5 down to 1 with the time waited; then open and the greeting."""
    chat.faults(chat_queue_s=10, chat_operator_delay_s=1)
    view = chat.start()
    assert view["status"] == "queued"
    assert view["queue"] == {"position": 5, "waited_s": 0.0}
    seen = []
    for _ in range(4):
        local.clock.advance(2.5)
        state = chat.state()
        seen.append((state["status"], state["queue"]))
    assert seen == [
        ("queued", {"position": 4, "waited_s": 2.5}),
        ("queued", {"position": 3, "waited_s": 5.0}),
        ("queued", {"position": 2, "waited_s": 7.5}),
        ("open", None),
    ]
    assert chat.state()["messages"] == []
    local.clock.advance(1)
    assert chat.operator_says() == [GREETING]
    assert chat.state()["messages"][0]["t"] == 11.0


def test_messages_are_refused_while_queued(chat: ChatClient, local: Local) -> None:
    """In the queue the chat takes no message (409 queued) and records nothing."""
    chat.faults(chat_queue_s=30)
    chat.start()
    local.clock.advance(29.9)
    response = chat.say("Hello?")
    assert response.status_code == 409
    assert response.json() == {
        "status": "queued",
        "message": "Please wait for an operator to join the chat.",
    }
    assert chat.state()["queue"]["position"] == 1
    assert chat.transcripts()[0]["messages"] == []


def test_no_idle_drop_in_the_queue(chat: ChatClient, local: Local) -> None:
    """A queue longer than the idle limit drops nobody, in either idle mode."""
    chat.faults(chat_queue_s=600, chat_idle_s=10, chat_idle_mode="always")
    chat.start()
    local.clock.advance(599)
    assert chat.state()["status"] == "queued"


def test_restarting_resumes_the_active_chat(chat: ChatClient, local: Local) -> None:
    """A second start while queued or open gives back the same chat."""
    chat.faults(chat_queue_s=5)
    first = chat.start()
    local.clock.advance(6)
    again = chat.start()
    assert again["chat_id"] == first["chat_id"]
    assert again["status"] == "open"
    assert len(chat.transcripts()) == 1


def test_offline_shows_the_hours_and_starts_no_chat(chat: ChatClient, local: Local) -> None:
    """chat_offline: the page and state show the hours; start records an offline attempt only."""
    chat.faults(chat_offline=True, chat_queue_s=0)
    page = chat.client.get("/support/chat").text
    assert f'data-testid="chat-offline">{OFFLINE}<' in page
    assert 'data-testid="chat-start" hidden' in page
    assert chat.state()["offline"] == OFFLINE
    view = chat.start()
    assert view["status"] == "offline"
    assert view["offline"] == OFFLINE
    local.clock.advance(60)
    assert chat.state()["messages"] == []
    response = chat.say("Order 1002.")
    assert response.status_code == 409
    assert response.json() == {"status": "offline", "message": OFFLINE}
    [row] = chat.transcripts()
    assert row["status"] == "offline"
    assert row["messages"] == []


def test_back_online_starts_a_real_chat(chat: ChatClient, local: Local) -> None:
    """After an offline attempt, a start once support is back opens a chat."""
    chat.faults(chat_offline=True)
    chat.start()
    chat.faults(chat_queue_s=0, chat_operator_delay_s=0)
    page = chat.client.get("/support/chat").text
    assert 'data-testid="chat-offline" hidden' in page
    assert chat.state()["offline"] is None
    assert chat.start()["status"] == "open"
    assert [row["status"] for row in chat.transcripts()] == ["offline", "open"]


# -- inactivity ------------------------------------------------------------------------------


def asked(chat: ChatClient, local: Local, **plan: object) -> None:
    """Open a chat with a 2 s operator; return once the order question shows (t = 4)."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=2, **plan)
    chat.start()
    local.clock.advance(4)
    assert chat.operator_says() == [GREETING, ASK_ORDER]


def test_turn_mode_drops_after_idle_seconds_of_silence(chat: ChatClient, local: Local) -> None:
    """Default idle 180 s, counted from the operator's question; the drop keeps its own time."""
    asked(chat, local)
    local.clock.advance(179.9)
    assert chat.state()["status"] == "open"
    local.clock.advance(500)  # nobody asks until long after the deadline
    view = chat.state()
    assert view["status"] == "dropped"
    assert view["closed"] == {"reason": "inactivity", "text": INACTIVITY}
    [row] = chat.transcripts()
    assert row["drop_reason"] == "inactivity"
    assert row["closed_t"] == 4 + 180


def test_a_dropped_chat_accepts_no_more_messages(chat: ChatClient, local: Local) -> None:
    """After the drop, text and images answer 409 with the inactivity text; nothing recorded."""
    asked(chat, local, chat_idle_s=30)
    local.clock.advance(30)
    response = chat.say("Order 1002.")
    assert response.status_code == 409
    assert response.json() == {"status": "closed", "message": INACTIVITY}
    assert chat.attach([("error.png", SAMPLE_PNG)]).status_code == 409
    assert chat.transcripts()[0]["messages"][-1]["sender"] == "operator"
    assert chat.start()["chat_id"] == "CHAT-000002"


def test_turn_mode_no_drop_when_the_customer_writes_in_time(chat, local) -> None:
    """Writing 1 s before each deadline keeps the chat open through the whole script."""
    asked(chat, local, chat_idle_s=60)
    local.clock.advance(59)
    chat.say("Order 1002.")
    local.clock.advance(2 + 59)
    assert chat.operator_says()[-1] == ASK_SCREENSHOTS
    chat.attach([("error.png", SAMPLE_PNG)])
    local.clock.advance(6)
    view = chat.state()
    assert view["status"] == "closed"
    assert view["case_number"] == "CASE-100001"


def test_turn_mode_ignores_a_slow_operator(chat: ChatClient, local: Local) -> None:
    """In "turn" mode an operator slower than the idle limit never gets the customer dropped."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=300, chat_idle_s=60)
    chat.start()
    local.clock.advance(600)
    assert chat.operator_says() == [GREETING, ASK_ORDER]
    chat.say("Order 1002.")
    local.clock.advance(300)
    assert chat.state()["status"] == "open"
    assert chat.operator_says()[-1] == ASK_SCREENSHOTS
    local.clock.advance(60)
    assert chat.state()["status"] == "dropped"
    assert chat.transcripts()[0]["closed_t"] == 600 + 300 + 60


def test_turn_mode_counts_from_the_operators_question(chat: ChatClient, local: Local) -> None:
    """The customer's silence counts only once the operator's answer is visible."""
    asked(chat, local, chat_idle_s=10)
    chat.say("Order 1002.")  # t = 4; the answer shows at t = 6
    local.clock.advance(2 + 9.9)
    assert chat.state()["status"] == "open"
    local.clock.advance(0.1)
    assert chat.state()["status"] == "dropped"
    assert chat.transcripts()[0]["closed_t"] == 16.0


def test_always_mode_drops_while_the_operator_is_slow(chat: ChatClient, local: Local) -> None:
    """In "always" mode silence counts whoever's turn it is; the late answer never shows."""
    asked(chat, local, chat_idle_mode="always", chat_idle_s=60)
    chat.faults(chat_queue_s=0, chat_operator_delay_s=2)  # a plan change leaves the chat alone
    local.clock.advance(10)
    chat.say("Order 1002.")  # t = 14
    local.clock.advance(100)
    view = chat.state()
    assert view["status"] == "dropped"
    assert chat.transcripts()[0]["closed_t"] == 14 + 60
    assert view["operator_typing"] is False


def test_always_mode_counts_from_the_opening(chat: ChatClient, local: Local) -> None:
    """In "always" mode a slow operator gets the chat dropped before the greeting shows."""
    chat.faults(chat_queue_s=5, chat_operator_delay_s=100, chat_idle_s=60, chat_idle_mode="always")
    chat.start()
    local.clock.advance(200)
    view = chat.state()
    assert view["status"] == "dropped"
    assert view["messages"] == []
    assert chat.transcripts()[0]["closed_t"] == 5 + 60


def test_always_mode_no_drop_when_the_customer_keeps_writing(chat, local) -> None:
    """In "always" mode writing every 50 s (limit 60) outlasts a 130 s operator."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=130, chat_idle_s=60, chat_idle_mode="always")
    chat.start()
    for _ in range(6):
        local.clock.advance(50)
        assert chat.say("I am still here, thank you.").status_code == 200
    assert chat.state()["status"] == "open"
    assert chat.operator_says() == [GREETING, ASK_ORDER]
    assert chat.transcripts()[0]["drop_reason"] is None
