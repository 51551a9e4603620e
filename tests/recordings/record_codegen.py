"""Record the codegen fixtures with Playwright's own recorder (the one `playwright codegen` opens).

A dev tool, not a test: `.venv/bin/python tests/recordings/record_codegen.py mock|aliexpress`
serves the bundled storefront (busy once, then open), starts the recorder on a fresh browser
context exactly as codegen does (`BrowserContext._show_recorder`, language python, headless via
the driver's PWTEST_CLI_HEADLESS), and makes the clicks and keys a person makes: log in, open the
order, open the form, fill it, submit, assert the busy answer with the recorder's assert-text
tool, submit again, assert the success, go back to the order page and open the dispute from it.
The recorder writes what it saw to tests/recordings/<skin>-codegen.py; only the header is added.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("PWTEST_CLI_HEADLESS", "1")  # the recorder's own window, headless too

from playwright.async_api import BrowserContext, Page, async_playwright

HERE = Path(__file__).resolve().parent
MESSAGE = "My parcel has not arrived after 40 days."
PAUSE_MS = 400


async def recorder(context: BrowserContext, mode: str, output: Path | None = None) -> None:
    """Show the recorder (codegen's), or switch its mode: recording, assertingText."""
    params: dict[str, object] = {"mode": mode}
    if output is not None:
        params.update(
            language="python",
            outputFile=str(output),
            launchOptions={"headless": False},
            contextOptions={},
            handleSIGINT=False,
        )
    await context._impl_obj._show_recorder(params)  # type: ignore[attr-defined]


async def assert_text(context: BrowserContext, page: Page, selector: str) -> None:
    """The recorder's assert-text tool, as a person uses it: the tool, then the element whose
    text the site answered, then Accept (Ctrl+Enter)."""
    box = await page.locator(selector).first.bounding_box()
    assert box is not None, selector
    await page.evaluate("mode => window.__pw_recorderSetMode(mode)", "assertingText")
    await page.wait_for_timeout(1500)  # the page's recorder polls its mode every second
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.click(x, y)
    await page.wait_for_timeout(PAUSE_MS)
    await page.keyboard.press("Control+Enter")
    await page.wait_for_timeout(1500)


async def type_into(page: Page, selector: str, text: str) -> None:
    await page.locator(selector).click()
    await page.keyboard.type(text, delay=5)
    await page.wait_for_timeout(PAUSE_MS)


async def mock_flow(context: BrowserContext, page: Page, url: str) -> None:
    await page.goto(f"{url}/order/1001")
    await type_into(page, "[data-testid=login-username]", "demo")
    await type_into(page, "[data-testid=login-password]", "demo")
    await page.locator("[data-testid=login-submit]").click()
    await page.wait_for_url("**/order/1001")
    async with page.expect_popup() as info:
        await page.locator("[data-testid=open-dispute]").click()
    form = await info.value
    await form.wait_for_load_state()
    form.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await form.locator("[data-testid=received-no]").click()
    await form.locator("[data-testid=reason]").select_option("not_received")
    await type_into(form, "[data-testid=message]", MESSAGE)
    await form.locator("[data-testid=submit-dispute]").click()
    await form.locator("[data-testid=busy-modal]").wait_for()
    await assert_text(context, form, "[data-testid=busy-modal] .modal-text")
    await form.locator("[data-testid=busy-modal-close]").click()
    await form.locator("[data-testid=submit-dispute]").click()
    await form.locator("[data-testid=dispute-result]").wait_for()
    await assert_text(context, form, "[data-testid=dispute-result]")
    await page.bring_to_front()
    await page.goto(f"{url}/order/1001")
    await page.locator("[data-testid=existing-dispute] a").click()
    await page.wait_for_url("**/dispute/*")
    await assert_text(context, page, "[data-testid=dispute-result]")


async def aliexpress_flow(context: BrowserContext, page: Page, url: str) -> None:
    await page.goto(f"{url}/p/order/detail.html?orderId=1001")
    await type_into(page, "#fm-login-id", "demo")
    await page.keyboard.press("Enter")
    await page.locator("#fm-login-password").wait_for()
    await type_into(page, "#fm-login-password", "demo")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/p/order/detail.html*")
    await page.locator("button.btn-accept").click()  # the cookie banner
    await page.wait_for_timeout(PAUSE_MS)
    await page.locator("button.order-detail-item-btn").click()
    async with page.expect_popup() as info:
        await page.locator("div.comet-modal button.comet-btn:not(.comet-btn-primary)").click()
    form = await info.value
    await form.wait_for_load_state()
    await form.locator("div.comet-v2-select").click()
    await form.locator("li.comet-v2-menu-item", has_text="Didn't receive the package").click()
    await type_into(form, "textarea", MESSAGE)
    await form.locator("button.reverse--next--1Qa7wEe").click()
    await form.locator('button[data-pl="buyersubmit_btn_submit"]').click()
    await form.locator("div.confirm--modal--1Ew4hUz button.comet-v2-btn-primary").click()
    notice = "div.reverse--noticeText--0Pz6cRd"
    await form.locator(notice).wait_for()
    await assert_text(context, form, notice)
    await form.locator("div.reverse--noticeModal--2Tb9qAs button.comet-v2-btn-primary").click()
    await form.locator('button[data-pl="buyersubmit_btn_submit"]').click()
    await form.locator("div.confirm--modal--1Ew4hUz button.comet-v2-btn-primary").click()
    await form.locator("span.reverse--requestIdValue--1Tn4bWc").wait_for()
    await assert_text(context, form, "span.reverse--requestIdValue--1Tn4bWc")
    await page.bring_to_front()
    await page.goto(f"{url}/p/order/detail.html?orderId=1001")
    async with page.expect_popup() as info:
        await page.locator("a.order-detail-item-reverse-link").click()
    detail = await info.value
    await detail.wait_for_load_state()
    await assert_text(context, detail, "span.reverse--requestIdValue--1Tn4bWc")


FAULTS = {
    # the busy modal of a fetch() answer, HTTP 503
    "mock": {"busy_first": 1, "busy_style": "modal", "busy_status": 503},
    # the notice modal with the site's sentence: a toast cannot be pointed at (it lets the
    # clicks through), a modal can
    "aliexpress": {"busy_first": 1, "busy_style": "modal", "busy_format": "text"},
}


@contextlib.contextmanager
def storefront(skin: str) -> Iterator[str]:
    """`make mock-site SKIN=...` as a person starts it: http://127.0.0.1:8000 (login on 8001)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as plan:
        json.dump(FAULTS[skin], plan)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_site",
            "--skin",
            skin,
            "--port",
            "8000",
            "--faults",
            plan.name,
        ],
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", 8000), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield "http://127.0.0.1:8000"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
        os.unlink(plan.name)


HEADER = """\
# Fixture for retry-dispute's tests: opening a dispute on the bundled {skin} storefront
# (`make mock-site SKIN={skin}`: http://127.0.0.1:8000, busy once with {busy}). Recorded with
# Playwright's own recorder (the one `playwright codegen` opens), headless, its clicks, keys and
# assert-text picks made by tests/recordings/record_codegen.py as a person makes them; its
# network data, as `--save-har` writes it, is {skin}-codegen.har (static files left out). Only
# these header lines were added.
"""
BUSY = {"mock": "its busy modal", "aliexpress": "its busy notice"}


def trim_har(path: Path) -> None:
    """The HAR without the static files (styles, scripts, the favicon): what the import reads
    is the pages and the requests."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["log"]["entries"] = [
        e
        for e in data["log"]["entries"]
        if "/static/" not in e["request"]["url"] and "favicon" not in e["request"]["url"]
    ]
    data["log"]["comment"] = (
        "Recorded by tests/recordings/record_codegen.py; static files left out."
    )
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


async def main(skin: str) -> None:
    output = HERE / f"{skin}-codegen.py"
    raw = output.with_suffix(".raw")
    har = HERE / f"{skin}-codegen.har"
    flow = {"mock": mock_flow, "aliexpress": aliexpress_flow}[skin]
    with storefront(skin) as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            context = await browser.new_context(
                viewport={"width": 1280, "height": 900},
                record_har_path=str(har),  # what `playwright codegen --save-har` records
                record_har_mode="minimal",
                service_workers="block",
            )
            await recorder(context, "recording", raw)
            page = await context.new_page()
            await flow(context, page, url)
            await page.wait_for_timeout(1000)
            await context.close()
            await browser.close()
    output.write_text(HEADER.format(skin=skin, busy=BUSY[skin]) + raw.read_text("utf-8"), "utf-8")
    raw.unlink()
    trim_har(har)
    print(output.read_text(encoding="utf-8"))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
