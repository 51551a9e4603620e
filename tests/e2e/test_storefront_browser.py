"""The storefront in a real browser: pop-up, blocked pop-up, overlay, confirm, busy styles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from mock_site.testing import SAMPLE_JPEG, StorefrontServer

pytestmark = pytest.mark.browser

BUSY_EN = "System busy, please try again later"
PHOTO = {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": SAMPLE_JPEG}


def log_in(context: BrowserContext, storefront: StorefrontServer) -> None:
    """Log the browser context in as demo (the login form itself is tested on its own)."""
    response = context.request.post(
        storefront.url + "/login",
        form={"username": "demo", "password": "demo"},
        max_redirects=0,  # no page visit: that would use up a "once" overlay
    )
    assert response.status == 303


def accept_dialogs(page: Page) -> list[str]:
    """Accept every dialog the page opens; return the list their messages go to."""
    messages: list[str] = []

    def accept(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return messages


def open_form(page: Page, context: BrowserContext, storefront: StorefrontServer) -> None:
    """Log in and open order 1002's dispute form in this tab."""
    log_in(context, storefront)
    page.goto(storefront.url + "/order/1002/dispute")
    expect(page.get_by_test_id("dispute-form")).to_be_visible()


def fill_form(page: Page, *, received: str = "no", reason: str = "not_received") -> None:
    """Fill a valid dispute (a photo too, so resets can be seen)."""
    page.get_by_test_id(f"received-{received}").check()
    page.get_by_test_id("reason").select_option(reason)
    page.get_by_test_id("message").fill("My parcel never arrived.")
    page.get_by_test_id("evidence").set_input_files([PHOTO])


def file_count(page: Page) -> int:
    """How many files the evidence input holds."""
    count: int = page.get_by_test_id("evidence").evaluate("input => input.files.length")
    return count


def test_login_form(page: Page, storefront: StorefrontServer) -> None:
    """A wrong password shows login-error; the right one lands on the page asked for."""
    page.goto(storefront.url + "/order/1002")
    expect(page).to_have_url(re.compile(r"/login\?next=/order/1002$"))
    page.get_by_test_id("login-username").fill("demo")
    page.get_by_test_id("login-password").fill("wrong")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password")
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("order-id")).to_have_text("1002")
    expect(page).to_have_url(storefront.url + "/order/1002")


def test_open_dispute_opens_a_popup(page: Page, context, storefront) -> None:
    """Open dispute opens the form in a pop-up window named ``dispute``."""
    log_in(context, storefront)
    page.goto(storefront.url + "/order/1002")
    with page.expect_popup() as popup_info:
        page.get_by_test_id("open-dispute").click()
    popup = popup_info.value
    expect(popup.get_by_test_id("dispute-form")).to_be_visible()
    assert popup.url == storefront.url + "/order/1002/dispute"
    assert popup.evaluate("window.name") == "dispute"
    expect(page.get_by_test_id("popup-blocked-banner")).to_be_hidden()


def test_blocked_popup_shows_the_banner_and_fallback_link(page: Page, context, storefront) -> None:
    """popup_blocked: no window; the banner and a same-tab link to the form instead."""
    storefront.set_faults({"popup_blocked": True})
    log_in(context, storefront)
    page.goto(storefront.url + "/order/1002")
    page.get_by_test_id("open-dispute").click()
    expect(page.get_by_test_id("popup-blocked-banner")).to_have_text(
        "Your browser blocked a pop-up window. Allow pop-ups for this site, or use the link below."
    )
    assert context.pages == [page]
    page.get_by_test_id("popup-fallback-link").click()
    expect(page.get_by_test_id("dispute-form")).to_be_visible()
    assert page.url == storefront.url + "/order/1002/dispute"
    assert context.pages == [page]


def test_reason_options_follow_received_and_amount_follows_refund(page, context, storefront):
    """The reason list changes with received; the amount is enabled only for partial."""
    open_form(page, context, storefront)
    reason = page.get_by_test_id("reason")
    expect(reason.locator("option")).to_have_count(1)
    page.get_by_test_id("received-yes").check()
    expect(reason.locator("option[value=damaged]")).to_have_count(1)
    expect(reason.locator("option[value=not_received]")).to_have_count(0)
    page.get_by_test_id("received-no").check()
    expect(reason.locator("option")).to_have_count(7)
    expect(reason.locator("option[value=not_received]")).to_have_count(1)
    amount = page.get_by_test_id("amount")
    expect(amount).to_be_disabled()
    page.get_by_test_id("refund-partial").check()
    expect(amount).to_be_enabled()
    page.get_by_test_id("refund-full").check()
    expect(amount).to_be_disabled()


def test_overlay_appears_300ms_after_load_and_covers_the_page(page, context, storefront):
    """overlay=once: 300 ms after load it intercepts clicks until closed; not shown again."""
    storefront.set_faults({"overlay": "once"})
    log_in(context, storefront)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))  # page timers run only when told
    page.goto(storefront.url + "/order/1002")
    overlay = page.get_by_test_id("promo-overlay")
    page.clock.run_for(299)
    expect(overlay).to_be_hidden()
    page.clock.run_for(1)
    expect(overlay).to_be_visible()
    box = page.get_by_test_id("open-dispute").bounding_box()
    assert box is not None
    covered = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('[data-testid=promo-overlay]')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert covered
    page.get_by_test_id("promo-close").click()
    expect(overlay).to_be_hidden()
    with page.expect_popup():
        page.get_by_test_id("open-dispute").click()
    page.reload()
    expect(page.get_by_test_id("promo-overlay")).to_have_attribute("data-show-on-load", "no")


def test_overlay_always_comes_back_after_a_fetch_answer(page, context, storefront) -> None:
    """overlay=always: on every page load, and again after each fetch() submit answer."""
    storefront.set_faults({"overlay": "always", "busy_style": "toast", "busy_first": 1})
    accept_dialogs(page)
    open_form(page, context, storefront)
    overlay = page.get_by_test_id("promo-overlay")
    expect(overlay).to_be_visible()
    page.get_by_test_id("promo-close").click()
    expect(overlay).to_be_hidden()
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("busy-toast")).to_have_text(BUSY_EN)
    expect(overlay).to_be_visible()
    page.get_by_test_id("promo-close").click()
    page.reload()
    expect(page.get_by_test_id("promo-overlay")).to_be_visible()


@pytest.mark.parametrize("style", ["banner", "toast"])
def test_confirm_dialog(page: Page, context, storefront, style: str) -> None:
    """Dismissing "Submit this dispute?" sends nothing; accepting sends once."""
    storefront.set_faults({"busy_style": style})
    open_form(page, context, storefront)
    fill_form(page)
    seen: list[tuple[str, str]] = []

    def dismiss(dialog: Dialog) -> None:
        seen.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_test_id("submit-dispute").click()  # returns once the dialog is answered
    assert seen == [("confirm", "Submit this dispute?")]
    assert page.evaluate("1 + 1") == 2  # the click handler has run to its end
    expect(page.get_by_test_id("dispute-form")).to_be_visible()
    assert storefront.submissions() == []
    messages = accept_dialogs(page)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("dispute-result")).to_have_text("Dispute D-000100 opened")
    assert messages == ["Submit this dispute?"]
    assert [s["answer"] for s in storefront.submissions()] == ["opened"]
    assert [s["via"] for s in storefront.submissions()] == [
        "page" if style == "banner" else "fetch"
    ]


def test_busy_banner_after_a_full_page_post(page: Page, context, storefront) -> None:
    """banner: the page comes back with busy-banner, text fields kept, files gone."""
    storefront.set_faults({"busy_first": 1})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("busy-banner")).to_have_text(BUSY_EN)
    expect(page.get_by_test_id("received-no")).to_be_checked()
    expect(page.get_by_test_id("reason")).to_have_value("not_received")
    expect(page.get_by_test_id("message")).to_have_value("My parcel never arrived.")
    assert file_count(page) == 0
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("dispute-result")).to_have_text("Dispute D-000100 opened")
    assert page.url == storefront.url + "/dispute/D-000100"


def test_busy_toast_after_a_fetch_submit(page: Page, context, storefront) -> None:
    """toast: the page stays, the toast shows the busy text until the next submit starts."""
    storefront.set_faults({"busy_first": 1, "busy_style": "toast", "busy_status": 503})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    toast = page.get_by_test_id("busy-toast")
    expect(toast).to_have_text(BUSY_EN)
    assert page.url == storefront.url + "/order/1002/dispute"
    expect(page.get_by_test_id("message")).to_have_value("My parcel never arrived.")
    assert file_count(page) == 1
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("dispute-result")).to_have_text("Dispute D-000100 opened")
    expect(toast).to_be_hidden()
    expect(page.get_by_test_id("dispute-form")).to_be_hidden()


def test_busy_modal_after_a_fetch_submit(page: Page, context, storefront) -> None:
    """modal: the busy text in a modal with a close button."""
    storefront.set_faults({"busy_first": 1, "busy_style": "modal", "language": "fr"})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    modal = page.get_by_test_id("busy-modal")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Système occupé, veuillez réessayer plus tard")
    page.get_by_test_id("busy-modal-close").click()
    expect(modal).to_be_hidden()
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("dispute-result")).to_have_text("Dispute D-000100 opened")


def test_form_resets_on_busy_clears_files_in_the_toast_style(page, context, storefront) -> None:
    """form_resets_on_busy: after the busy toast, the fields are empty and the files gone."""
    storefront.set_faults({"busy_first": 1, "busy_style": "toast", "form_resets_on_busy": True})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page, received="yes", reason="damaged")
    page.get_by_test_id("refund-partial").check()
    page.get_by_test_id("amount").fill("3.00")
    assert file_count(page) == 1
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("busy-toast")).to_have_text(BUSY_EN)
    expect(page.get_by_test_id("message")).to_have_value("")
    expect(page.get_by_test_id("received-yes")).not_to_be_checked()
    expect(page.get_by_test_id("reason").locator("option")).to_have_count(1)
    expect(page.get_by_test_id("amount")).to_be_disabled()
    expect(page.get_by_test_id("amount")).to_have_value("")
    assert file_count(page) == 0


def test_fetch_validation_error_and_server_error(page: Page, context, storefront) -> None:
    """Over fetch, a refusal fills form-error and a 500 shows server-error."""
    storefront.set_faults({"busy_style": "toast", "server_errors": 1})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("server-error")).to_be_visible()
    page.get_by_test_id("message").fill("No full stop")
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("form-error")).to_have_text("Please complete your message")
    expect(page.get_by_test_id("server-error")).to_be_hidden()


def test_expired_session_over_fetch_goes_to_login(page: Page, context, storefront) -> None:
    """A 401 fetch answer sends the page to the login form, coming back to the form."""
    storefront.set_faults({"busy_style": "modal", "session_expires_after": 0})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("login-username")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Forder%2F1002%2Fdispute$"))


def test_challenge_over_fetch_shows_the_challenge(page: Page, context, storefront) -> None:
    """A challenge answer to a fetch submit reloads the page into the verification challenge."""
    storefront.set_faults({"busy_style": "toast", "busy_first": 1, "captcha_after": 1})
    accept_dialogs(page)
    open_form(page, context, storefront)
    fill_form(page)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("busy-toast")).to_have_text(BUSY_EN)
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("verification-challenge")).to_have_text(
        "Please slide to verify you are human"
    )
    assert [s["answer"] for s in storefront.submissions()] == ["busy", "challenge"]
