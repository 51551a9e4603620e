"""The real site's surprises in a real browser: element alternatives watched in one wait (and
drift recorded), overlays that come late behind a modal, a Chinese toast drawn in glyphs, and
an answer that comes after the form was re-rendered."""

from __future__ import annotations

import asyncio
import time
import tomllib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from playwright.async_api import Page as AsyncPage
from playwright.sync_api import BrowserContext, Page, Route, expect

from agent.site.drift import DriftLog
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.profile import SiteProfile, parse_profile
from mock_site.aliexpress.wording import GATEWAY_BUSY_RET
from mock_site.testing import StorefrontServer
from tests.safety.helpers import AgentLoop

pytestmark = pytest.mark.browser

PROFILE = """
name = "late"
base_url = "http://late.test"
[urls]
order = "/o/{order_id}"
[timeouts]
step_s = 6
[elements]
ready = "#ready"
dispute = "#dispute"
confirm = ["button.confirm--ok--Aa11111", "role=button[name='Confirm']", "text=Confirm"]
banner = "#banner"
accept = "#accept"
[page]
[[page.overlays]]
element = "banner"
close = "accept"
[order_page]
ready = "ready"
[dispute]
element = "dispute"
pattern = 'C-\\d+'
shows_within_s = 0
[[open.steps]]
click = "confirm"
[form]
ready = "ready"
[[submit.steps]]
click = "confirm"
[answer]
url = "**/submit"
[answer.json]
opened = { path = "ok", equals = true }
[[reasons]]
code = "not_received"
label = "Never came"
received = false
"""
#: A page whose Confirm button (whose class name drifted) shows 400 ms after load.
LATE_CONFIRM = """
<div id="ready">ready</div><div id="out"></div>
<script>
setTimeout(() => {
  const b = document.createElement("button");
  b.className = "confirm--ok--Zz99999"; b.textContent = "Confirm";
  b.onclick = () => { document.querySelector("#out").textContent = "confirmed"; };
  document.body.appendChild(b);
}, 400);
</script>
"""
#: An in-page modal over the whole page, and a consent banner behind it: the modal covers the
#: banner's button, the banner covers nothing the modal holds.
BANNER_BEHIND_MODAL = """
<div id="ready">ready</div><div id="out"></div>
<div id="banner" style="position:fixed;left:0;right:0;bottom:0;height:80px;z-index:10">
  <button id="accept" onclick="say('accepted;'); this.parentNode.remove()">Accept</button>
</div>
<div id="modal" style="position:fixed;inset:0;z-index:20;background:rgba(0,0,0,.3)">
  <button class="confirm--ok--Aa11111" style="margin:200px"
    onclick="say('confirmed;'); document.querySelector('#modal').remove()">Confirm</button>
</div>
<script>function say(t) { document.querySelector("#out").textContent += t; }</script>
"""
Scenario = Callable[[AsyncPage], Awaitable[Any]]
BUSY_EN = "System busy, please try again later"


@pytest.fixture(scope="module")
def loop() -> Iterator[AgentLoop]:
    """One browser in a loop thread for the module."""
    with AgentLoop(timeout_s=120) as running:
        yield running


def _profile() -> SiteProfile:
    return parse_profile(tomllib.loads(PROFILE), source="late.toml")


def _serve(loop: AgentLoop, body: str, scenario: Scenario) -> Any:
    async def go() -> Any:
        context = await loop.browser.new_context()
        try:
            await context.route(
                "http://late.test/**",
                lambda route: route.fulfill(content_type="text/html", body=f"<body>{body}</body>"),
            )
            page = await context.new_page()
            await page.goto("http://late.test/o/1")
            return await scenario(page)
        finally:
            await context.close()

    return loop.run(go())


def test_alternatives_are_watched_in_one_wait_and_drift_is_recorded(loop: AgentLoop) -> None:
    """The preferred selector never matches; the second alternative shows after 400 ms and is
    used at once (not after the first one's 6 s timeout), and the drift names it."""

    async def scenario(page: AsyncPage) -> tuple[str, float, list[Any]]:
        drift = DriftLog()
        site = SitePage(page, _profile(), drift=drift)
        started = asyncio.get_running_loop().time()
        await site.act_on("confirm", lambda t: t.click(timeout=6000), where="submit.steps[1]")
        waited = asyncio.get_running_loop().time() - started
        return await page.inner_text("#out"), waited, list(drift.entries())

    out, waited, drift = _serve(loop, LATE_CONFIRM, scenario)
    assert out == "confirmed"
    assert waited < 6  # one wait for all: the first alternative's timeout was never spent
    [entry] = drift
    assert (entry.element, entry.alternative, entry.selector) == (
        "confirm",
        2,
        "role=button[name='Confirm']",
    )
    assert entry.preferred == "button.confirm--ok--Aa11111"


def test_a_banner_behind_a_modal_is_left_alone(
    loop: AgentLoop, caplog: pytest.LogCaptureFixture
) -> None:
    """The banner's button is covered by the modal: it is not clicked (no stall, no exception
    out of Playwright's handler), Confirm in the modal is; once the modal is gone the banner is
    in front, and closed."""

    async def scenario(page: AsyncPage) -> str:
        await arm_page(page, _profile())
        site = SitePage(page, _profile())
        await site.act_on("confirm", lambda t: t.click(timeout=3000), where="submit.steps[1]")
        await page.locator("#ready").click(timeout=3000)  # the banner is in front now
        return await page.inner_text("#out")

    assert _serve(loop, BANNER_BEHIND_MODAL, scenario) == "confirmed;accepted;"
    escaped = [r for r in caplog.records if "Error occurred in event listener" in r.getMessage()]
    assert escaped == []


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


#: Whether a character is drawn with a glyph of its own: a canvas in the toast's font draws it
#: and a character no font has (a private-use one, drawn as the "missing glyph" box); a font
#: that covers the character draws something else.
_GLYPHS = """([text, font]) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext("2d");
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64); ctx.font = font; ctx.fillStyle = "#000";
    ctx.fillText(ch, 4, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const missing = draw(String.fromCodePoint(0x10FFFD));
  return Array.from(text).map((ch) => [ch, draw(ch) !== missing]);
}"""


def test_the_chinese_busy_toast_is_drawn_with_glyphs(
    page: Page, context: BrowserContext, ae_server: StorefrontServer
) -> None:
    """The skin's busy toast, in the gateway's Chinese, is screenshotted: each Han character is
    drawn with a glyph (not the box of a missing one), and the toast's picture differs from the
    same toast in characters no font has. Fails where no CJK font is installed (make setup)."""
    ae_server.reset()
    cookies = {**ae_server.session_cookies(), "gdpr_consent": "1"}
    context.add_cookies([{"name": k, "value": v, "url": ae_server.url} for k, v in cookies.items()])
    page.goto(f"{ae_server.url}/p/order/index.html")
    busy = GATEWAY_BUSY_RET[1].split("::")[-1]
    page.evaluate("t => window.MockExpress.toast('warning', t)", busy)
    toast = page.locator("div.comet-v2-message-warning span.comet-v2-message-text")
    drawn = toast.screenshot()
    font = toast.evaluate("e => getComputedStyle(e).font")
    han = "".join(ch for ch in busy if "\u4e00" <= ch <= "\u9fff")
    assert len(han) >= 10
    glyphs = page.evaluate(_GLYPHS, [han, font])
    missing = [ch for ch, has_glyph in glyphs if not has_glyph]
    assert not missing, f"drawn as empty boxes: {''.join(missing)} (no CJK font: run make setup)"
    # the check can fail: a character no font has is not "drawn" (another private-use one)
    assert page.evaluate(_GLYPHS, [chr(0xF0000), font]) == [[chr(0xF0000), False]]
    toast.evaluate(
        "(e, n) => { e.textContent = String.fromCodePoint(0x10FFFD).repeat(n); }", len(busy)
    )
    assert toast.screenshot() != drawn


def test_an_answer_after_a_rerender_goes_to_the_form_in_the_page(
    page: Page, context: BrowserContext, storefront: StorefrontServer
) -> None:
    """chaos on the mock skin: the form is re-rendered (new nodes, values kept) while a fetch
    submit is on its way; the busy answer goes to the form in the page, whose button works
    again (it was left disabled on the old one)."""
    storefront.set_faults({"busy_first": 1, "busy_style": "toast"})
    page.on("dialog", lambda dialog: dialog.accept())
    login = context.request.post(
        storefront.url + "/login", form={"username": "demo", "password": "demo"}, max_redirects=0
    )
    assert login.status == 303

    def slow(route: Route) -> None:
        time.sleep(0.8)  # the answer comes after the re-render
        route.continue_()

    page.route(
        "**/order/1002/dispute",
        lambda route: slow(route) if route.request.method == "POST" else route.continue_(),
    )
    page.goto(storefront.url + "/order/1002/dispute")
    page.get_by_test_id("received-no").check()
    page.get_by_test_id("reason").select_option("not_received")
    page.get_by_test_id("message").fill("My parcel never arrived.")
    page.evaluate(
        "() => { const form = document.querySelector('[data-testid=dispute-form]');"
        " form.isTheFirst = true; rerenderLater(form, 200); }"
    )
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("busy-toast")).to_have_text(BUSY_EN)
    assert page.evaluate("() => !document.querySelector('[data-testid=dispute-form]').isTheFirst")
    expect(page.get_by_test_id("message")).to_have_value("My parcel never arrived.")
    expect(page.get_by_test_id("submit-dispute")).to_be_enabled()
    page.get_by_test_id("submit-dispute").click()
    expect(page.get_by_test_id("dispute-result")).to_have_text("Dispute D-000100 opened")
