# Fixture for retry-dispute's tests: opening a dispute on the bundled aliexpress storefront
# (`make mock-site SKIN=aliexpress`: http://127.0.0.1:8000, busy once with its busy notice). Recorded with
# Playwright's own recorder (the one `playwright codegen` opens), headless, its clicks, keys and
# assert-text picks made by tests/recordings/record_codegen.py as a person makes them; its
# network data, as `--save-har` writes it, is aliexpress-codegen.har (static files left out). Only
# these header lines were added.
import re
from playwright.sync_api import Playwright, sync_playwright, expect


def run(playwright: Playwright) -> None:
    browser = playwright.chromium.launch(headless=False)
    context = browser.new_context()
    page = context.new_page()
    page.goto("http://127.0.0.1:8001/?return_url=http%3A%2F%2F127.0.0.1%3A8000%2Fp%2Forder%2Fdetail.html%3ForderId%3D1001")
    page.get_by_role("textbox", name="Email address or phone number").click()
    page.get_by_role("textbox", name="Email address or phone number").fill("demo")
    page.get_by_role("textbox", name="Email address or phone number").press("Enter")
    page.get_by_role("textbox", name="Password").click()
    page.get_by_role("textbox", name="Password").fill("demo")
    page.get_by_role("textbox", name="Password").press("Enter")
    page.get_by_role("button", name="Accept cookies").click()
    page.get_by_role("button", name="Returns/refunds").click()
    with page.expect_popup() as page1_info:
        page.get_by_role("button", name="No").click()
    page1 = page1_info.value
    page1.get_by_role("combobox").click()
    page1.get_by_role("option", name="Didn't receive the package").click()
    page1.get_by_role("textbox", name="Please describe the problem").click()
    page1.get_by_role("textbox", name="Please describe the problem").fill("My parcel has not arrived after 40 days.")
    page1.get_by_role("button", name="Next step").click()
    page1.get_by_role("button", name="Submit").click()
    page1.get_by_role("button", name="Confirm").click()
    expect(page1.get_by_role("alertdialog", name="Notice")).to_contain_text("The system is busy. Please try again later.")
    page1.get_by_role("button", name="OK").click()
    page1.get_by_role("button", name="Submit").click()
    page1.get_by_role("button", name="Confirm").click()
    expect(page1.locator("body")).to_contain_text("5000000001007135")
    page.goto("http://127.0.0.1:8000/p/order/detail.html?orderId=1001")
    with page.expect_popup() as page2_info:
        page.get_by_role("link", name="View details").click()
    page2 = page2_info.value
    expect(page2.locator("body")).to_contain_text("5000000001007135")
    page1.close()
    page2.close()
    page.close()

    # ---------------------
    context.close()
    browser.close()


with sync_playwright() as playwright:
    run(playwright)
