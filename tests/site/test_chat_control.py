"""The support chat's fault keys, control API, page markup and request guards."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import mock_site.__main__ as mock_main
from mock_site.faults import FaultPlan, load_fault_file, parse_fault_plan
from mock_site.testing import SAMPLE_JPEG, SAMPLE_PNG, StorefrontServer
from tests.site.chat_helpers import ASK_ORDER, GREETING, ChatClient
from tests.site.conftest import WALL_TIME, Local

# -- fault keys ------------------------------------------------------------------------------

BAD_CHAT_PLANS = [
    ({"chat_idle_s": 0}, "invalid value for chat_idle_s: 0 (expected a number of seconds > 0)"),
    ({"chat_idle_s": -3}, "invalid value for chat_idle_s: -3 (expected a number of seconds > 0)"),
    ({"chat_idle_s": "180"}, "invalid value for chat_idle_s: '180'"),
    ({"chat_idle_s": True}, "invalid value for chat_idle_s: True"),
    (
        {"chat_idle_mode": "never"},
        'invalid value for chat_idle_mode: \'never\' (expected one of "turn", "always")',
    ),
    (
        {"chat_operator_delay_s": -1},
        "invalid value for chat_operator_delay_s: -1 (expected a number of seconds >= 0)",
    ),
    ({"chat_operator_delay_s": None}, "invalid value for chat_operator_delay_s: None"),
    (
        {"chat_queue_s": -0.5},
        "invalid value for chat_queue_s: -0.5 (expected a number of seconds >= 0)",
    ),
    ({"chat_queue_s": "soon"}, "invalid value for chat_queue_s: 'soon'"),
    (
        {"chat_offline": "yes"},
        "invalid value for chat_offline: 'yes' (expected true or false)",
    ),
    ({"chat_offline": 1}, "invalid value for chat_offline: 1 (expected true or false)"),
    (
        {"chat_free_question": 3},
        "invalid value for chat_free_question: 3 (expected true, false or the question's text)",
    ),
    ({"chat_free_question": "  "}, "invalid value for chat_free_question: '  '"),
    ({"chat_free_question": None}, "invalid value for chat_free_question: None"),
    ({"chat_idle": 10}, "unknown fault key: chat_idle"),
]


@pytest.mark.parametrize(("plan", "error"), BAD_CHAT_PLANS)
def test_bad_chat_key_is_400_naming_it(storefront: StorefrontServer, plan, error: str) -> None:
    """A bad chat key or value answers 400 naming it; the plan in force stays."""
    storefront.set_faults({"chat_idle_s": 30})
    response = httpx.put(storefront.url + "/__mock/faults", json=plan)
    assert response.status_code == 400
    assert error in response.json()["error"]
    assert storefront.faults()["chat_idle_s"] == 30.0


def test_chat_keys_defaults_and_round_trip(storefront: StorefrontServer) -> None:
    """The defaults are documented values; good values come back normalised."""
    defaults = FaultPlan()
    assert (defaults.chat_idle_s, defaults.chat_idle_mode) == (180.0, "turn")
    assert (defaults.chat_operator_delay_s, defaults.chat_queue_s) == (2.0, 5.0)
    assert (defaults.chat_offline, defaults.chat_free_question) == (False, False)
    plan = storefront.set_faults(
        {
            "chat_idle_s": 3,
            "chat_idle_mode": "always",
            "chat_operator_delay_s": 0,
            "chat_queue_s": 1.5,
            "chat_offline": True,
            "chat_free_question": "  Which browser do you use?  ",
        }
    )
    assert plan["chat_idle_s"] == 3.0
    assert isinstance(plan["chat_idle_s"], float)
    assert plan["chat_operator_delay_s"] == 0.0
    assert plan["chat_free_question"] == "Which browser do you use?"
    assert parse_fault_plan({"chat_free_question": True}).chat_free_question is True


def test_chat_keys_in_a_fault_file(tmp_path: Path) -> None:
    """--faults files take the chat keys (TOML), and a bad one is refused by name."""
    good = tmp_path / "chat.toml"
    good.write_text('chat_idle_s = 3\nchat_idle_mode = "always"\n', encoding="utf-8")
    plan = load_fault_file(good)
    assert (plan.chat_idle_s, plan.chat_idle_mode) == (3.0, "always")
    bad = tmp_path / "bad.toml"
    bad.write_text("chat_idle_s = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="chat_idle_s"):
        load_fault_file(bad)


def test_bad_chat_key_in_faults_file_exits_2(tmp_path: Path, capsys, monkeypatch) -> None:
    """python -m mock_site --faults with a bad chat value exits 2 with a one-line reason."""
    monkeypatch.setattr(mock_main.uvicorn, "run", lambda *a, **k: pytest.fail("served"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"chat_idle_mode": "sometimes"}), encoding="utf-8")
    assert mock_main.main(["--faults", str(bad)]) == 2
    error = capsys.readouterr().err
    assert "invalid value for chat_idle_mode: 'sometimes'" in error
    assert len(error.strip().splitlines()) == 1


# -- control API -----------------------------------------------------------------------------


def iso(wall: float) -> str:
    """A wall-clock time as the chat writes it: ISO 8601, UTC, milliseconds, ``Z``."""
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@pytest.fixture
def chat(local: Local) -> ChatClient:
    """The demo shopper's chat client on the fake-clock storefront."""
    return ChatClient(local.shopper.client)


def test_transcript_lists_every_message_and_attachment(chat: ChatClient, local: Local) -> None:
    """GET /__mock/chats: ids, status, times (ISO UTC, seconds), senders, texts, attachments."""
    chat.faults(chat_queue_s=3, chat_operator_delay_s=1)
    chat.start()
    local.clock.advance(5)
    chat.say("Order 1002.")
    local.clock.advance(1)
    chat.attach([("step 1.png", SAMPLE_PNG), ("error.jpg", SAMPLE_JPEG)])
    [row] = chat.transcripts()
    assert {k: row[k] for k in ("chat_id", "account", "status", "drop_reason", "case_number")} == {
        "chat_id": "CHAT-000001",
        "account": "demo",
        "status": "open",
        "drop_reason": None,
        "case_number": None,
    }
    assert row["order_id"] == "1002"
    assert row["opened_t"] == 3.0
    assert row["settings"]["queue_s"] == 3.0
    messages = row["messages"]
    assert [(m["sender"], m["t"]) for m in messages] == [
        ("operator", 4.0),
        ("operator", 5.0),
        ("customer", 5.0),
        ("operator", 6.0),
        ("customer", 6.0),
    ]
    assert [m["text"] for m in messages[:3]] == [GREETING, ASK_ORDER, "Order 1002."]
    assert row["started_at"] == iso(WALL_TIME) == "2023-11-14T22:13:20.000Z"
    assert messages[1]["at"] == iso(WALL_TIME + 5)
    assert messages[4]["attachments"] == [
        {"name": "step 1.png", "type": "image/png", "size": len(SAMPLE_PNG)},
        {"name": "error.jpg", "type": "image/jpeg", "size": len(SAMPLE_JPEG)},
    ]


def test_transcript_holds_no_cookie_or_token(chat: ChatClient, local: Local) -> None:
    """Neither the session cookie nor the CSRF token appears in the transcript or the state."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=0)
    chat.start()
    chat.say("Order 1002.")
    cookie = chat.client.cookies["session"]
    for text in (json.dumps(chat.transcripts()), json.dumps(chat.state())):
        assert cookie not in text
        assert chat.csrf not in text
    assert "password" not in json.dumps(chat.transcripts()).lower()


def test_reset_clears_chats(storefront: StorefrontServer, new_shopper) -> None:
    """POST /__mock/reset forgets every chat; ids and case numbers start again."""
    client = ChatClient(new_shopper().client)
    client.faults(chat_queue_s=0, chat_operator_delay_s=0)
    client.start()
    assert [row["chat_id"] for row in storefront.chats()] == ["CHAT-000001"]
    storefront.reset()
    assert storefront.chats() == []
    client.faults(chat_queue_s=0)
    assert client.start()["chat_id"] == "CHAT-000001"


def test_chats_are_per_account(storefront: StorefrontServer, new_shopper) -> None:
    """Each account sees its own chat; the other account's order number is not accepted."""
    demo = ChatClient(new_shopper("demo").client)
    other = ChatClient(new_shopper("other").client)
    demo.faults(chat_queue_s=0, chat_operator_delay_s=0)
    demo.start()
    assert other.state()["status"] == "none"
    other.start()
    other.say("Order 1002.")
    assert other.operator_says()[-1].startswith("Sorry, I cannot find this order.")
    other.say("Order 1008.")
    assert other.operator_says()[-1] == "Thank you. Please send screenshots of the error."
    assert [(r["account"], r["order_id"]) for r in storefront.chats()] == [
        ("demo", None),
        ("other", "1008"),
    ]


# -- the state endpoint ----------------------------------------------------------------------


def test_state_since_sends_only_new_messages(chat: ChatClient, local: Local) -> None:
    """since=N leaves out the first N messages; ``next`` is what to ask for next time."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=0)
    view = chat.start()
    assert view["next"] == 2
    assert chat.state(since=2, chat=view["chat_id"])["messages"] == []
    chat.say("Order 1002.")
    fresh = chat.state(since=2, chat=view["chat_id"])
    assert [m["n"] for m in fresh["messages"]] == [2, 3]
    assert fresh["next"] == 4


def test_state_since_another_chat_sends_everything(chat: ChatClient, local: Local) -> None:
    """A ``chat`` id that is not the latest chat's means the page is stale: all messages."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=0)
    chat.start()
    assert len(chat.state(since=2, chat="CHAT-000099")["messages"]) == 2


def test_state_without_chat_and_bad_since(chat: ChatClient) -> None:
    """No chat yet: status none; a since that is not a whole number is a 400."""
    view = chat.state()
    assert view["status"] == "none"
    assert view["messages"] == []
    assert view["offline"] is None
    response = chat.client.get("/support/chat/state", params={"since": "-1"})
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"


# -- guards ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["start", "send", "attach"])
def test_posts_need_the_csrf_header(chat: ChatClient, path: str) -> None:
    """A POST without or with a wrong X-CSRF-Token is 403 and starts or sends nothing."""
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        response = chat.client.post(f"/support/chat/{path}", headers=headers, json={"text": "x"})
        assert response.status_code == 403
        assert response.json()["status"] == "forbidden"
    assert chat.transcripts() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "start"), ("GET", "state"), ("POST", "send"), ("POST", "attach")],
)
def test_endpoints_need_a_session(storefront: StorefrontServer, method: str, path: str) -> None:
    """Without a session every chat endpoint answers 401 login_required."""
    response = httpx.request(method, f"{storefront.url}/support/chat/{path}")
    assert response.status_code == 401
    assert response.json() == {"status": "login_required", "message": "Please sign in again."}


def test_send_refuses_bad_bodies(chat: ChatClient, local: Local) -> None:
    """Not JSON, no text, blank text: 400; a body over 64 KiB: 413; no chat yet: 409."""
    assert chat.post("send", content=b"not json").status_code == 400
    assert chat.post("send", json={"message": "hi"}).status_code == 400
    blank = chat.post("send", json={"text": "   "})
    assert blank.status_code == 400
    assert blank.json()["message"] == "Please type a message."
    assert chat.post("send", json={"text": "x" * 70_000}).status_code == 413
    no_chat = chat.say("Hello.")
    assert no_chat.status_code == 409
    assert no_chat.json() == {"status": "no_chat", "message": "Please start a chat first."}


# -- the page --------------------------------------------------------------------------------

PAGE_IDS = [
    "support-chat",
    "chat-intro",
    "chat-offline",
    "chat-start",
    "chat-queue",
    "chat-queue-position",
    "chat-queue-waited",
    "chat-messages",
    "chat-typing",
    "chat-case",
    "chat-case-number",
    "chat-closed",
    "chat-form",
    "chat-input",
    "chat-attach",
    "chat-send",
    "chat-error",
]


def test_chat_page_markup(shopper) -> None:
    """The page has every documented test id; the attach input takes JPEG/PNG, several."""
    page = shopper.page("/support/chat")
    for testid in PAGE_IDS:
        assert page.has(testid), testid
    root = page.one("support-chat")
    assert root.attrs["data-api"] == "/support/chat"
    assert root.attrs["data-max-chars"] == "300"
    attach = page.one("chat-attach")
    assert attach.attrs["type"] == "file"
    assert attach.has("multiple")
    assert attach.attrs["accept"] == "image/jpeg,image/png"
    assert not page.one("chat-start").hidden
    assert page.one("chat-offline").hidden


def test_help_link_in_the_top_bar(shopper) -> None:
    """Every page after login links to the chat from the top bar."""
    for path in ("/orders", "/order/1002"):
        link = shopper.page(path).one("support-link")
        assert link.attrs["href"] == "/support/chat"
        assert link.text == "Help"


def test_chat_page_needs_a_login(new_shopper) -> None:
    """Without a session the page redirects to the login, coming back to the chat."""
    response = new_shopper(login=False).get("/support/chat")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/support/chat"
