# Fixture for retry-dispute's tests: opening a dispute on the bundled mock storefront
# (`make mock-site SKIN=mock`: http://127.0.0.1:8000, busy once with its busy modal). Recorded with
# Playwright's own recorder (the one `playwright codegen` opens), headless, its clicks, keys and
# assert-text picks made by tests/recordings/record_codegen.py as a person makes them; its
# network data, as `--save-har` writes it, is mock-codegen.har (static files left out). Only
# these header lines were added.
import re
from playwright.sync_api import Playwright, sync_playwright, expect


def run(playwright: Playwright) -> None:
    browser = playwright.chromium.launch(headless=False)
    context = browser.new_context()
    page = context.new_page()
    page.goto("http://127.0.0.1:8000/login?next=/order/1001")
    page.get_by_test_id("login-username").click()
    page.get_by_test_id("login-username").fill("demo")
    page.get_by_test_id("login-password").click()
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").click()
    with page.expect_popup() as page1_info:
        page.get_by_test_id("open-dispute").click()
    page1 = page1_info.value
    page1.get_by_test_id("received-no").check()
    page1.get_by_test_id("reason").select_option("not_received")
    page1.get_by_test_id("message").click()
    page1.get_by_test_id("message").fill("My parcel has not arrived after 40 days.")
    page1.once("dialog", lambda dialog: dialog.dismiss())
    page1.get_by_test_id("submit-dispute").click()
    expect(page1.get_by_role("paragraph")).to_contain_text("System busy, please try again later")
    page1.get_by_test_id("busy-modal-close").click()
    page1.once("dialog", lambda dialog: dialog.dismiss())
    page1.get_by_test_id("submit-dispute").click()
    expect(page1.get_by_test_id("dispute-result")).to_contain_text("Dispute D-000100 opened")
    page.goto("http://127.0.0.1:8000/order/1001")
    page.get_by_role("link", name="Dispute D-000100 is open").click()
    expect(page.get_by_test_id("dispute-result")).to_contain_text("Dispute D-000100 opened")
    page.close()
    page1.close()

    # ---------------------
    context.close()
    browser.close()


with sync_playwright() as playwright:
    run(playwright)
