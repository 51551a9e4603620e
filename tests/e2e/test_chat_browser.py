"""The support chat in a real browser, in real time with short timings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mock_site.testing import SAMPLE_JPEG, SAMPLE_PNG, StorefrontServer

pytestmark = pytest.mark.browser

GREETING = "Hello, my name is Anna. Thank you for contacting MockMart support."
ASK_ORDER = "Please tell me your order number."
ASK_SCREENSHOTS = "Thank you. Please send screenshots of the error."
QUESTION = "When did you first see the error?"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_chat_conversation_to_a_case_number(page: Page, storefront: StorefrontServer) -> None:
    """Log in, open Help, wait in the queue, answer, attach screenshots, get the case number."""
    storefront.set_faults(
        {"chat_queue_s": 2.5, "chat_operator_delay_s": 0.3, "chat_free_question": True}
    )
    page.goto(storefront.url + "/orders")
    page.get_by_test_id("login-username").fill("demo")
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("support-link").click()
    expect(page).to_have_url(storefront.url + "/support/chat")
    chat = page.get_by_test_id("support-chat")
    send = page.get_by_test_id("chat-send")
    expect(send).to_be_disabled()

    page.get_by_test_id("chat-start").click()
    expect(page.get_by_test_id("chat-queue")).to_be_visible()
    expect(page.get_by_test_id("chat-queue-position")).to_have_text(re.compile(r"^[1-5]$"))
    expect(page.get_by_test_id("chat-start")).to_be_hidden()
    expect(chat).to_have_attribute("data-status", "open")
    expect(page.get_by_test_id("chat-queue")).to_be_hidden()

    messages = page.get_by_test_id("chat-message")
    texts = page.get_by_test_id("chat-message-text")
    expect(texts).to_have_text([GREETING, ASK_ORDER])
    first = messages.first
    expect(first).to_have_attribute("data-sender", "operator")
    expect(first.get_by_test_id("chat-message-sender")).to_have_text("Anna")
    when = first.get_by_test_id("chat-message-time").get_attribute("datetime")
    assert when is not None and ISO_UTC.match(when), when

    page.get_by_test_id("chat-input").fill("My order number is 1002.")
    send.click()
    expect(texts.last).to_have_text(ASK_SCREENSHOTS)
    expect(messages.nth(2)).to_have_attribute("data-sender", "customer")
    expect(messages.nth(2).get_by_test_id("chat-message-sender")).to_have_text("You")
    expect(page.get_by_test_id("chat-input")).to_have_value("")

    attach = page.get_by_test_id("chat-attach")
    attach.set_input_files([{"name": "notes.png", "mimeType": "image/png", "buffer": b"text"}])
    send.click()
    expect(page.get_by_test_id("chat-error")).to_have_text(
        "Only JPEG and PNG images can be sent: notes.png"
    )
    attach.set_input_files(
        [
            {"name": "step1.png", "mimeType": "image/png", "buffer": SAMPLE_PNG},
            {"name": "error.jpg", "mimeType": "image/jpeg", "buffer": SAMPLE_JPEG},
        ]
    )
    send.click()
    expect(page.get_by_test_id("chat-error")).to_be_hidden()
    expect(page.get_by_test_id("chat-message-attachment")).to_have_count(2)
    expect(page.get_by_test_id("chat-message-attachment").first).to_contain_text("step1.png")
    expect(texts.last).to_have_text(QUESTION)

    page.get_by_test_id("chat-input").fill("Yesterday, at about 9 pm.")
    send.click()
    expect(page.get_by_test_id("chat-case-number")).to_have_text(re.compile(r"^CASE-\d+$"))
    expect(page.get_by_test_id("chat-closed")).to_have_text("The operator closed the chat")
    expect(send).to_be_disabled()
    case_number = page.get_by_test_id("chat-case-number").text_content()
    [row] = storefront.chats()
    assert row["status"] == "closed"
    assert row["case_number"] == case_number
    assert [a["name"] for m in row["messages"] for a in m["attachments"]] == [
        "step1.png",
        "error.jpg",
    ]
    assert [r["message"] for r in row["refused"]] == [
        "Only JPEG and PNG images can be sent: notes.png"
    ]
