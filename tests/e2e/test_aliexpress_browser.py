"""The aliexpress skin in a real browser, walked by hand: login origin, banner, modal, new tab,
wizard, upload, confirmation, toasts; busy, resets, challenge and session expiry as a shopper sees
them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from mock_site.testing import SAMPLE_JPEG, StorefrontServer

pytestmark = pytest.mark.browser

PHOTO = {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": SAMPLE_JPEG}
FAST = {"toast_s": 1, "upload_delay_s": 0.2}
THUMB = '.upload--imageContainer--3tTIByI .upload--imageThumb--1diFoUj[style*="background-image"]'
SUBMIT = 'button[data-pl="buyersubmit_btn_submit"]'
GATEWAY_TEXT = "哎哟喂,被挤爆啦,请稍后重试"


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin on two free ports of 127.0.0.1, once for this module."""
    with StorefrontServer(skin="aliexpress", faults=FAST) as server:
        yield server


@pytest.fixture
def ae(ae_server: StorefrontServer) -> StorefrontServer:
    """The aliexpress skin back in its seeded state, toasts lasting 1 s."""
    ae_server.reset()
    return ae_server


def logged_in(context: BrowserContext, server: StorefrontServer) -> None:
    """Give the context demo's session and an accepted cookie banner (login is tested apart)."""
    cookies = {**server.session_cookies(), "gdpr_consent": "1"}
    context.add_cookies([{"name": k, "value": v, "url": server.url} for k, v in cookies.items()])


def open_returns(page: Page, context: BrowserContext, server: StorefrontServer, order: str) -> Page:
    """Open the first Returns/refunds of an order in a new tab (answering No if asked)."""
    page.goto(f"{server.url}/p/order/detail.html?orderId={order}")
    with context.expect_page() as new_tab:
        page.locator('button.comet-btn:has-text("Returns/refunds")').first.click()
        no = page.locator('.comet-modal button.comet-btn:not(.comet-btn-primary):has-text("No")')
        if order in ("1001", "3044357010127135"):
            no.click()
    tab = new_tab.value
    tab.wait_for_load_state()
    return tab


def fill_wizard(
    tab: Page, *, reason: str, card: str = "Refund only", amount: str | None = None
) -> None:
    """Fill step 1: card, reason from the Comet dropdown, amount, text and one uploaded photo."""
    tab.locator(
        f'.solution--card--2Xk9WqP:has(.solution--cardTitle--Q8cL2aT:text-is("{card}"))'
    ).click()
    tab.locator(".comet-v2-select-show-arrow").click()
    tab.locator(".comet-v2-menu-item", has_text=reason).click()
    if amount is not None:
        tab.locator("input.comet-v2-input-number-input").fill(amount)
    tab.locator(".commet--textarea--Sg0xapL").fill("My parcel was returned to the seller.")
    tab.locator('input[type="file"]').set_input_files([PHOTO])
    expect(tab.locator(THUMB)).to_have_count(1)


def submit(tab: Page) -> None:
    """Next step, Submit, then Confirm in the in-page modal."""
    tab.get_by_role("button", name="Next step").click()
    tab.locator(SUBMIT).click()
    tab.locator('.comet-v2-modal-footer button:has-text("Confirm")').click()


def test_whole_flow_by_hand(page: Page, context: BrowserContext, ae: StorefrontServer) -> None:
    """Login on the other origin, banner, parcel modal, new tab, wizard, confirm: one request."""
    beacons: list[str] = []
    context.on("request", lambda r: beacons.append(r.url) if "/gw/aplus/track" in r.url else None)
    page.goto(f"{ae.url}/p/order/detail.html?orderId=1001&spm=a2g0o.order_list.1")
    expect(page).to_have_url(re.compile("^" + re.escape(ae.login_url)))
    page.locator("#fm-login-id").fill("demo")
    page.keyboard.press("Enter")
    page.locator("#fm-login-password").fill("demo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{ae.url}/p/order/detail.html?orderId=1001&spm=a2g0o.order_list.1")
    button = page.locator('button.comet-btn:has-text("Returns/refunds")')
    box = button.bounding_box()
    assert box is not None
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.global-gdpr-wrap') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top  # the cookie banner covers the button and takes the click
    page.locator(".btn-accept").click()
    expect(page.locator(".global-gdpr-wrap")).to_have_count(0)
    with context.expect_page() as new_tab:
        button.click()
        expect(page.locator(".comet-modal")).to_be_visible()
        page.locator('.comet-modal button.comet-btn:not(.comet-btn-primary):has-text("No")').click()
    tab = new_tab.value
    tab.wait_for_load_state()
    assert "/p/reverse-pages/start.html?orderId=1001&itemId=100101&received=no" in tab.url
    expect(page.locator(".comet-modal")).to_be_hidden()
    expect(tab.locator(".solution--selected--1cYhT0s")).to_have_text(re.compile("Refund only"))
    fill_wizard(tab, reason="Tracked as returned/canceled/lost")
    shown = tab.locator(".comet-v2-select-selection-item")
    expect(shown).to_have_text("Tracked as returned/canceled/lost")
    tab.get_by_role("button", name="Next step").click()
    expect(tab.locator('[data-summary="reason"]')).to_have_text("Tracked as returned/canceled/lost")
    expect(tab.locator('[data-summary="amount"]')).to_have_text("US $12.99")
    tab.locator(SUBMIT).click()
    with tab.expect_response(re.compile(r"/h5/mtop\.ae\.reverse\.submit/1\.0/")) as answer:
        tab.locator('.comet-v2-modal-footer button:has-text("Confirm")').click()
    request_id = answer.value.json()["data"]["reverseOrderId"]
    toast = tab.locator(".comet-v2-message-success")
    expect(toast).to_have_text("Your request has been submitted.")
    expect(toast).to_have_count(0, timeout=5000)  # toast_s = 1: gone after a second
    expect(tab.locator(".reminder--statusStr--3FMxRSU")).to_have_text(
        "Waiting for the seller's response"
    )
    expect(tab.locator(".reverse--requestIdValue--1Tn4bWc")).to_have_text(request_id)
    [created] = [d for d in ae.disputes() if d["dispute_id"] == request_id]
    assert (created["order_id"], created["item_id"]) == ("1001", "100101")
    assert (created["reason"], created["refund"], created["files"]) == (
        "returned_to_sender",
        "full",
        ["photo.jpg"],
    )
    page.reload()
    link = page.locator(".order-detail-item-reverse-link")
    expect(link).to_have_attribute("href", re.compile(request_id))
    expect(page.locator(".order-detail-item-reverse-status")).to_have_text(
        "Waiting for the seller's response"
    )
    assert len(beacons) >= 2
    assert [s["answer"] for s in ae.submissions()] == ["opened"]


def test_busy_answer_is_a_toast(page: Page, context: BrowserContext, ae: StorefrontServer) -> None:
    """A gateway busy answer (HTTP 200) shows its text as a toast; the resubmit opens."""
    ae.set_faults({**FAST, "busy_first": 1})
    logged_in(context, ae)
    tab = open_returns(page, context, ae, "1002")  # delivered: no parcel modal
    assert "received" not in tab.url
    fill_wizard(tab, reason="Damaged item", card="Return & refund", amount="5.30")
    with tab.expect_response(re.compile("mtop.ae.reverse.submit")) as answer:
        submit(tab)
    assert answer.value.status == 200
    assert answer.value.json()["ret"][1].endswith(GATEWAY_TEXT)
    toast = tab.locator(".comet-v2-message-warning")
    expect(toast).to_have_text(GATEWAY_TEXT)
    expect(toast).to_have_count(0, timeout=5000)
    expect(tab.locator(SUBMIT)).to_be_visible()  # still on the confirm step, all kept
    tab.locator(SUBMIT).click()
    tab.locator('.comet-v2-modal-footer button:has-text("Confirm")').click()
    expect(tab.locator(".comet-v2-message-success")).to_be_visible()
    assert [s["answer"] for s in ae.submissions()] == ["busy", "opened"]
    created = ae.disputes()[-1]
    assert (created["solution"], created["refund"], created["amount"]) == (
        "return",
        "partial",
        "5.30",
    )


def test_form_resets_on_busy(page: Page, context: BrowserContext, ae: StorefrontServer) -> None:
    """With form_resets_on_busy the wizard comes back to step 1, empty, after a busy answer."""
    ae.set_faults({**FAST, "busy_first": 1, "form_resets_on_busy": True})
    logged_in(context, ae)
    tab = open_returns(page, context, ae, "1001")
    fill_wizard(tab, reason="No tracking information")
    submit(tab)
    expect(tab.locator(".comet-v2-message-warning")).to_be_visible()
    expect(tab.get_by_role("button", name="Next step")).to_be_visible()
    expect(tab.locator(".comet-v2-select-selection-placeholder")).to_be_visible()
    expect(tab.locator(".upload--imageContainer--3tTIByI")).to_have_count(0)
    expect(tab.locator(".commet--textarea--Sg0xapL")).to_have_value("")


def test_busy_modal_in_spanish(page: Page, context: BrowserContext, ae: StorefrontServer) -> None:
    """busy_style modal with the text format in Spanish: a modal whose OK closes it."""
    ae.set_faults({**FAST, "busy_first": 1, "busy_style": "modal", "busy_format": "text",
                   "language": "es", "busy_status": 503})  # fmt: skip
    logged_in(context, ae)
    tab = open_returns(page, context, ae, "1001")
    fill_wizard(tab, reason="Held by customs")
    submit(tab)
    notice = tab.locator(".reverse--noticeModal--2Tb9qAs")
    expect(notice.locator(".comet-v2-modal-body")).to_have_text(
        "El sistema está ocupado. Inténtalo de nuevo más tarde."
    )
    notice.locator('.comet-v2-modal-footer button:has-text("OK")').click()
    expect(notice).to_be_hidden()


def test_items_of_a_multi_item_order(
    page: Page, context: BrowserContext, ae: StorefrontServer
) -> None:
    """Each item line has its own button; one with a request shows its status and id, and its
    button (kept, as on the real site) opens the request's page; the other opens the wizard."""
    logged_in(context, ae)
    page.goto(f"{ae.url}/p/order/detail.html?orderId=3044357010127135")
    expect(page.locator('button.comet-btn:has-text("Returns/refunds")')).to_have_count(2)
    page.goto(f"{ae.url}/p/order/detail.html?orderId=3043329396767135")
    expect(page.locator('button.comet-btn:has-text("Returns/refunds")')).to_have_count(2)
    expect(page.locator(".order-detail-item-reverse-status")).to_have_text(
        "Waiting for your response"
    )
    expect(page.locator(".order-detail-item-reverse-link")).to_have_attribute(
        "href", re.compile("reverseOrderId=5000000000087135")
    )
    for item, shown in (("3043329396787135", ".comet-v2-select-show-arrow"),
                        ("3043329396777135", ".reminder--countdownTime--2Hn8wQd")):  # fmt: skip
        line = page.locator(f'.order-detail-item-content[data-item-id="{item}"]')
        with context.expect_page() as new_tab:
            line.locator('button.comet-btn:has-text("Returns/refunds")').click()
        tab = new_tab.value
        tab.wait_for_load_state()
        expect(tab.locator(shown)).to_be_visible()
        tab.close()
    assert "reverseOrderId=5000000000087135" in tab.url


def test_challenge_and_expired_session(
    page: Page, context: BrowserContext, ae: StorefrontServer
) -> None:
    """A challenge answer leads to the slider page; an expired session to the login origin."""
    ae.set_faults({**FAST, "captcha_after": 1})
    logged_in(context, ae)
    tab = open_returns(page, context, ae, "1001")
    fill_wizard(tab, reason="Held by customs")
    tab.locator(".commet--textarea--Sg0xapL").fill("The parcel is lost")  # no final period
    submit(tab)
    expect(tab.locator(".comet-v2-message-error")).to_have_text("Please complete your message")
    tab.locator(SUBMIT).click()
    tab.locator('.comet-v2-modal-footer button:has-text("Confirm")').click()
    expect(tab.locator(".nc-lang-cnt")).to_have_text("Please slide to verify")
    assert "/_____tmd_____/punish" in tab.url
    ae.set_faults({**FAST, "session_expires_after": 0})
    tab.go_back()
    fill_wizard(tab, reason="Held by customs")
    submit(tab)
    expect(tab).to_have_url(re.compile("^" + re.escape(ae.login_url)))
    expect(tab.locator("#fm-login-id")).to_be_visible()


def test_answers_are_shown_in_the_page_language(
    page: Page, context: BrowserContext, ae: StorefrontServer
) -> None:
    """A German store: after the wizard's answer and after a disagreement on the request's page,
    the page shows the new state in German (the JSON's statusText stays English)."""
    ae.set_faults({**FAST, "ui_language": "de"})
    logged_in(context, ae)
    page.goto(f"{ae.url}/p/reverse-pages/start.html?orderId=1002&itemId=100201")
    page.locator('.solution--card--2Xk9WqP[data-solution="REFUND_ONLY"]').click()
    page.locator(".comet-v2-select-show-arrow").click()
    page.locator(".comet-v2-menu-item", has_text="Beschädigter Artikel").click()
    page.locator(".commet--textarea--Sg0xapL").fill("The lamp arrived broken in two pieces.")
    page.locator('input[type="file"]').set_input_files([PHOTO])
    expect(page.locator(THUMB)).to_have_count(1)
    page.get_by_role("button", name="Nächster Schritt").click()
    page.locator(SUBMIT).click()
    with page.expect_response(re.compile(r"/h5/mtop\.ae\.reverse\.submit/1\.0/")) as answer:
        page.locator('.comet-v2-modal-footer button:has-text("Bestätigen")').click()
    data = answer.value.json()["data"]
    assert data["statusText"] == "Waiting for the seller's response"
    expect(page.locator(".verticalSteps--title--1m4xoBw")).to_have_text(
        "Der Verkäufer muss auf Ihren Antrag antworten"
    )
    expect(page.locator(".reminder--statusStr--3FMxRSU")).to_have_text(
        "Warten auf die Antwort des Verkäufers"
    )
    ae.store_answer(data["reverseOrderId"], "propose_partial", amount="2.00")
    page.goto(f"{ae.url}{data['detailUrl']}")
    expect(page.locator(".reminder--countdownTime--2Hn8wQd")).to_contain_text(" Tagen ")
    page.get_by_role("button", name="Mögliche Lösungen ansehen").click()
    page.get_by_role("checkbox").click()
    page.get_by_role("button", name="Weitere Fotos/Videos hochladen").click()
    modal = page.locator(".evidence--modal--3Ed4rFv")
    modal.locator("textarea").fill("I do not agree: the lamp does not work at all.")
    modal.locator('input[type="file"]').set_input_files([PHOTO])
    expect(modal.locator('.upload--imageThumb--1diFoUj[style*="background-image"]')).to_have_count(
        1
    )
    with page.expect_response(re.compile(r"/h5/mtop\.ae\.reverse\.respond/1\.0/")) as answer:
        modal.locator("button.comet-v2-btn-primary").click()
    assert answer.value.json()["data"]["statusText"] == "Waiting for AliExpress's feedback"
    expect(page.locator(".comet-v2-message-success")).to_have_text(
        "Ihre Antwort wurde übermittelt."
    )
    expect(page.locator(".verticalSteps--title--1m4xoBw")).to_have_text("Wir prüfen Ihren Antrag")
    expect(page.locator(".reminder--statusStr--3FMxRSU")).to_have_text(
        "Warten auf Rückmeldung von AliExpress"
    )
    page.reload()
    expect(page.locator(".reverse--historyItem--3Mn4bVc").last).to_contain_text(
        "Sie haben widersprochen"
    )
