"""The support chat's script and rules over HTTP, on the storefront's fake clock (no sleeping)."""

from __future__ import annotations

import pytest

from mock_site.chat_script import MAX_IMAGE_BYTES, MAX_MESSAGE_CHARS
from mock_site.testing import SAMPLE_JPEG, SAMPLE_MP4, SAMPLE_PNG
from tests.site.chat_helpers import (
    ASK_ORDER,
    ASK_SCREENSHOTS,
    DEFAULT_QUESTION,
    GOODBYE,
    GOT_SCREENSHOTS,
    GREETING,
    KEEP_IT_SHORT,
    ORDER_NOT_FOUND,
    SCREENSHOTS_PLEASE,
    WRITE_IN_ENGLISH,
    ChatClient,
    case_text,
)
from tests.site.conftest import Local

DELAY = 2.0


@pytest.fixture
def chat(local: Local) -> ChatClient:
    """The demo shopper's chat client on the fake-clock storefront."""
    return ChatClient(local.shopper.client)


def open_chat(chat: ChatClient, local: Local, **plan: object) -> None:
    """Start a chat with no queue and wait (on the fake clock) until the order question shows."""
    chat.faults(chat_queue_s=0, chat_operator_delay_s=DELAY, **plan)
    chat.start()
    local.clock.advance(2 * DELAY)
    assert chat.operator_says() == [GREETING, ASK_ORDER]


def answer(chat: ChatClient, local: Local, text: str) -> str:
    """Send a text, let one operator delay pass, and return the operator's newest message."""
    assert chat.say(text).status_code == 200
    local.clock.advance(DELAY)
    return chat.operator_says()[-1]


def reach_screenshots(chat: ChatClient, local: Local, **plan: object) -> None:
    """Open a chat and give a good order number: the operator asks for screenshots."""
    open_chat(chat, local, **plan)
    assert answer(chat, local, "My order number is 1002.") == ASK_SCREENSHOTS


def test_whole_conversation_ends_with_a_case_number(chat: ChatClient, local: Local) -> None:
    """Greeting, order number, screenshots, then a case number, goodbye and a closed chat."""
    open_chat(chat, local)
    assert answer(chat, local, "Hello, my order is 1002.") == ASK_SCREENSHOTS
    response = chat.attach([("step1.png", SAMPLE_PNG), ("error.jpg", SAMPLE_JPEG)])
    assert response.json() == {"status": "sent", "n": 4}
    local.clock.advance(DELAY)
    view = chat.state()
    assert view["operator_typing"] is True
    assert view["messages"][-1]["text"] == GOT_SCREENSHOTS
    assert view["case_number"] is None
    local.clock.advance(DELAY)
    assert chat.state()["case_number"] == "CASE-100001"
    assert chat.state()["status"] == "open"
    local.clock.advance(DELAY)
    view = chat.state()
    assert [m["text"] for m in view["messages"][-3:]] == [
        GOT_SCREENSHOTS,
        case_text("CASE-100001"),
        GOODBYE,
    ]
    assert view["status"] == "closed"
    assert view["closed"] == {"reason": "resolved", "text": "The operator closed the chat"}
    assert view["operator_typing"] is False
    sent = view["messages"][4]
    assert sent["sender"] == "customer"
    assert sent["attachments"] == [
        {"name": "step1.png", "type": "image/png", "size": len(SAMPLE_PNG)},
        {"name": "error.jpg", "type": "image/jpeg", "size": len(SAMPLE_JPEG)},
    ]
    [row] = chat.transcripts()
    assert row["order_id"] == "1002"
    assert row["case_number"] == "CASE-100001"


def test_a_closed_chat_takes_no_more_messages(chat: ChatClient, local: Local) -> None:
    """After the goodbye, text and images are refused with 409 and nothing is recorded."""
    reach_screenshots(chat, local)
    chat.attach([("error.png", SAMPLE_PNG)])
    local.clock.advance(3 * DELAY)
    count = chat.state()["next"]
    refused = chat.say("One more thing.")
    assert refused.status_code == 409
    assert refused.json() == {"status": "closed", "message": "The operator closed the chat"}
    assert chat.attach([("more.png", SAMPLE_PNG)]).status_code == 409
    assert chat.state()["next"] == count


def test_case_numbers_count_up_per_chat(chat: ChatClient, local: Local) -> None:
    """A second finished chat gets the next case number and the next chat id."""
    for expected in ("CASE-100001", "CASE-100002"):
        reach_screenshots(chat, local)
        chat.attach([("error.png", SAMPLE_PNG)])
        local.clock.advance(3 * DELAY)
        assert chat.state()["case_number"] == expected
    assert [row["chat_id"] for row in chat.transcripts()] == ["CHAT-000001", "CHAT-000002"]


def test_unknown_or_missing_order_number_is_asked_again(chat: ChatClient, local: Local) -> None:
    """Another account's order, an unknown one or no number: asked again, politely."""
    open_chat(chat, local)
    assert answer(chat, local, "It is order 1008.") == ORDER_NOT_FOUND
    assert answer(chat, local, "Order 99999.") == ORDER_NOT_FOUND
    assert answer(chat, local, "I do not know it.") == ORDER_NOT_FOUND
    assert answer(chat, local, "Sorry, it is #2001.") == ASK_SCREENSHOTS
    assert chat.transcripts()[0]["order_id"] == "2001"


def test_images_instead_of_the_order_number_repeat_the_question(chat, local) -> None:
    """Images at the order step are kept in the transcript but the question comes again."""
    open_chat(chat, local)
    assert chat.attach([("error.png", SAMPLE_PNG)]).status_code == 200
    local.clock.advance(DELAY)
    assert chat.operator_says()[-1] == ASK_ORDER
    assert chat.state()["messages"][2]["attachments"][0]["name"] == "error.png"


def test_text_instead_of_screenshots_asks_for_them(chat: ChatClient, local: Local) -> None:
    """At the screenshot step a text without images gets a reminder; images with text pass."""
    reach_screenshots(chat, local)
    assert answer(chat, local, "The page says System busy.") == SCREENSHOTS_PLEASE
    assert chat.attach([("error.png", SAMPLE_PNG)], text="Here is the error.").status_code == 200
    local.clock.advance(DELAY)
    assert chat.operator_says()[-1] == GOT_SCREENSHOTS
    assert chat.state()["messages"][-2]["text"] == "Here is the error."


@pytest.mark.parametrize(
    "text",
    ["Мой заказ 1002.", "我的订单是 1002", "Order 1002 ist kaputt, größer ist ok, Ω fehlt."],
)
def test_non_english_text_is_refused_and_does_not_advance(chat, local, text: str) -> None:
    """Non-Latin letters get "Please write in English." even with a good order number."""
    open_chat(chat, local)
    assert answer(chat, local, text) == WRITE_IN_ENGLISH
    assert answer(chat, local, "My order is 1002.") == ASK_SCREENSHOTS


def test_latin_accents_count_as_english(chat: ChatClient, local: Local) -> None:
    """Accented Latin letters (a café, a résumé) are not refused as another language."""
    open_chat(chat, local)
    assert answer(chat, local, "Order 1002 from the café.") == ASK_SCREENSHOTS


def test_too_long_message_is_refused_and_does_not_advance(chat: ChatClient, local: Local) -> None:
    """Over 300 characters: "Please keep your messages short."; exactly 300 is fine."""
    open_chat(chat, local)
    head = "Order 1002. "
    too_long = head + "x" * (MAX_MESSAGE_CHARS + 1 - len(head))
    assert answer(chat, local, too_long) == KEEP_IT_SHORT
    just_right = head + "x" * (MAX_MESSAGE_CHARS - len(head))
    assert len(just_right) == MAX_MESSAGE_CHARS == 300
    assert answer(chat, local, just_right) == ASK_SCREENSHOTS


def test_free_question_true_asks_the_default_question(chat: ChatClient, local: Local) -> None:
    """chat_free_question=true: the default question after the screenshots, any answer closes."""
    reach_screenshots(chat, local, chat_free_question=True)
    chat.attach([("error.png", SAMPLE_PNG)])
    local.clock.advance(2 * DELAY)
    assert chat.operator_says()[-2:] == [GOT_SCREENSHOTS, DEFAULT_QUESTION]
    assert chat.state()["case_number"] is None
    assert answer(chat, local, "Yesterday evening, after lunch.") == case_text("CASE-100001")


def test_free_question_text_is_asked_and_rules_still_apply(chat: ChatClient, local: Local) -> None:
    """A question given as text is asked; a non-English answer is refused, an English one ends."""
    question = "Which browser do you use?"
    reach_screenshots(chat, local, chat_free_question=question)
    chat.attach([("error.png", SAMPLE_PNG)])
    local.clock.advance(2 * DELAY)
    assert chat.operator_says()[-1] == question
    assert chat.attach([("more.png", SAMPLE_PNG)]).status_code == 200
    local.clock.advance(DELAY)
    assert chat.operator_says()[-1] == question
    assert answer(chat, local, "Хром") == WRITE_IN_ENGLISH
    assert answer(chat, local, "Chromium, on Linux.") == case_text("CASE-100001")
    local.clock.advance(DELAY)
    assert chat.state()["status"] == "closed"


def test_without_free_question_screenshots_lead_to_the_case(chat: ChatClient, local) -> None:
    """chat_free_question=false (the default): no question, the case number follows."""
    reach_screenshots(chat, local, chat_free_question=False)
    chat.attach([("error.png", SAMPLE_PNG)])
    local.clock.advance(2 * DELAY)
    assert chat.operator_says()[-2:] == [GOT_SCREENSHOTS, case_text("CASE-100001")]


# -- attachments ----------------------------------------------------------------------------

REFUSALS = [
    ([("notes.jpg", b"just some text, named like a photo")], "notes.jpg"),
    ([("clip.mp4", SAMPLE_MP4)], "clip.mp4"),
    ([("ok.png", SAMPLE_PNG), ("doc.pdf", b"%PDF-1.4 " + bytes(40))], "doc.pdf"),
]


@pytest.mark.parametrize(("files", "name"), REFUSALS)
def test_only_jpeg_and_png_by_content(chat, local, files, name: str) -> None:
    """A file that is not JPEG/PNG by content is refused (422), whatever its name."""
    reach_screenshots(chat, local)
    response = chat.attach(files)
    assert response.status_code == 422
    assert response.json() == {
        "status": "refused",
        "message": f"Only JPEG and PNG images can be sent: {name}",
    }
    local.clock.advance(DELAY)
    assert chat.operator_says()[-1] == ASK_SCREENSHOTS
    assert chat.transcripts()[0]["refused"][0]["message"].endswith(name)


def test_at_most_five_images_per_message(chat: ChatClient, local: Local) -> None:
    """Six images are refused; five are one message."""
    reach_screenshots(chat, local)
    six = [(f"step{i}.png", SAMPLE_PNG) for i in range(6)]
    response = chat.attach(six)
    assert response.status_code == 422
    assert response.json()["message"] == "You can send at most 5 images at a time"
    assert chat.attach(six[:5]).status_code == 200
    assert len(chat.state()["messages"][-1]["attachments"]) == 5


def test_image_size_limit(chat: ChatClient, local: Local) -> None:
    """An image over 3 MiB is refused by name; exactly 3 MiB is accepted."""
    reach_screenshots(chat, local)
    big = SAMPLE_PNG + bytes(MAX_IMAGE_BYTES + 1 - len(SAMPLE_PNG))
    response = chat.attach([("big.png", big)])
    assert response.status_code == 422
    assert response.json()["message"] == "Image too large (at most 3 MB): big.png"
    exact = big[:MAX_IMAGE_BYTES]
    assert chat.attach([("exact.png", exact)]).status_code == 200
    assert chat.state()["messages"][-1]["attachments"][0]["size"] == 3 * 1024 * 1024


def test_no_image_chosen_is_refused(chat: ChatClient, local: Local) -> None:
    """An attach request without a file (an empty file part) says to choose an image."""
    reach_screenshots(chat, local)
    response = chat.post("attach", files=[("images", ("", b""))])
    assert response.status_code == 422
    assert response.json()["message"] == "Please choose an image to send"


def test_refused_attachments_are_not_messages(chat: ChatClient, local: Local) -> None:
    """A refused upload adds no message and gets no operator answer; it is listed as refused."""
    reach_screenshots(chat, local)
    before = chat.state()["next"]
    chat.attach([("notes.txt", b"hello")])
    local.clock.advance(5 * DELAY)
    assert chat.state()["next"] == before
    [row] = chat.transcripts()
    assert [r["message"] for r in row["refused"]] == [
        "Only JPEG and PNG images can be sent: notes.txt"
    ]
