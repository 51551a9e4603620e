"""Every field kind and every step kind of the profile format, in a real browser.

Each test serves a few tiny pages (``page.route`` on http://kinds.test/) and a profile made for
them, then drives the engine (`agent.site.fields`, `agent.site.steps`) as a run does: enter a
value and read it back; click, fill, press, wait, follow a pop-up or a new tab, answer a JS
dialog or an in-page modal, skip a step whose condition does not hold, fail naming the entry.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Route

from agent.errors import InvalidRequest, UnexpectedPage
from agent.request import EvidenceRules, build_request
from agent.session import Credentials
from agent.site.fields import enter, holds
from agent.site.gates import arm_page
from agent.site.locate import SitePage
from agent.site.profile import SiteProfile, parse_profile
from agent.site.steps import StepRun, run_steps
from mock_site.testing import SAMPLE_JPEG, SAMPLE_PNG
from tests.safety.helpers import AgentLoop

pytestmark = pytest.mark.browser

ORIGIN = "http://kinds.test"
BASE = """
name = "kinds"
base_url = "http://kinds.test"
[urls]
order = "/o/{order_id}"
[timeouts]
step_s = 2
popup_s = 1.5
navigation_s = 5
upload_s = 5
[elements]
ready = "#ready"
dispute = "#dispute"
go = "#go"
%(elements)s
[order_page]
ready = "ready"
[dispute]
element = "dispute"
pattern = 'C-\\d+'
shows_within_s = 0
[[open.steps]]
click = "go"
[form]
ready = "ready"
%(fields)s
[[submit.steps]]
click = "go"
[answer]
url = "**/submit"
[answer.json]
opened = { path = "ok", equals = true }
[[reasons]]
code = "not_received"
label = "Never came"
received = false
value = "r1"
[[reasons]]
code = "damaged"
label = "Broken item"
received = true
value = "r2"
[[reasons]]
label = "Smells odd"
received = true
value = "r3"
"""
MESSAGE = "The item arrived broken into two pieces."
Scenario = Callable[[Page], Awaitable[Any]]


@pytest.fixture(scope="module")
def loop() -> Iterator[AgentLoop]:
    """One browser in a loop thread for the module."""
    with AgentLoop(timeout_s=120) as running:
        yield running


def profile(elements: str = "", fields: str = "") -> SiteProfile:
    """The base profile with these elements and fields (TOML lines)."""
    text = BASE % {"elements": elements, "fields": fields}
    return parse_profile(tomllib.loads(text), source="kinds.toml")


def serve(loop: AgentLoop, pages: Mapping[str, str], scenario: Scenario) -> Any:
    """Serve *pages* (path -> HTML body) on kinds.test and run *scenario* on the first one."""

    async def go() -> Any:
        context = await loop.browser.new_context()
        try:

            async def answer(route: Route) -> None:
                path = route.request.url.removeprefix(ORIGIN).split("?")[0]
                body = pages.get(path)
                if body is None:
                    await route.fulfill(status=404, body="not found")
                else:
                    await route.fulfill(content_type="text/html", body=f"<body>{body}</body>")

            await context.route(f"{ORIGIN}/**", answer)
            page = await context.new_page()
            await page.goto(ORIGIN + next(iter(pages)))
            return await scenario(page)
        finally:
            await context.close()

    return loop.run(go())


def request(**fields: Any) -> Any:
    """A prepared request (received yes, damaged, with the fields given)."""
    values: dict[str, Any] = {
        "order_id": "1",
        "received": "yes",
        "reason": "damaged",
        "message": MESSAGE,
        **fields,
    }
    # no photo needed: these tests are about the form, not the site's evidence rules
    rules = EvidenceRules(photos_required_when_received=False)
    return build_request(**values, reasons=profile().reasons, rules=rules)


# --- field kinds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "reason", "expected"),
    [
        ("label", "damaged", "r2"),
        ("value", "damaged", "r2"),
        ("label", "Smells odd", "r3"),
    ],
)
def test_select_by_label_or_value(loop: AgentLoop, by: str, reason: str, expected: str) -> None:
    """A native select is set by the reason's label or value (a label-only reason too)."""
    site_profile = profile(
        'reason = "#reason"',
        f"""
[[form.fields]]
name = "reason"
kind = "select"
element = "reason"
by = "{by}"
""",
    )
    html = (
        '<select id="reason"><option value="">Choose</option><option value="r1">Never came'
        '</option><option value="r2">Broken item</option><option value="r3">Smells odd'
        "</option></select>"
    )
    prepared = request(reason=reason)
    [field] = site_profile.form.fields

    async def scenario(page: Page) -> tuple[str, bool, bool]:
        site = SitePage(page, site_profile)
        await enter(site, field, prepared)
        value = await page.locator("#reason").input_value()
        kept = await holds(site, field, prepared)
        await page.locator("#reason").select_option("r1")
        return value, kept, await holds(site, field, prepared)

    assert serve(loop, {"/form": html}, scenario) == (expected, True, False)


DROPDOWN = """
<div id="pick" class="select">Reason: <span class="shown"></span></div>
<ul id="menu" hidden><li class="opt">Never came</li><li class="opt">Broken item</li>
<li class="opt">Broken item and more</li></ul>
<script>
document.getElementById("pick").onclick = () => { document.getElementById("menu").hidden = false; };
for (const li of document.querySelectorAll(".opt")) li.onclick = () => {
  document.querySelector(".shown").textContent = li.textContent;
  document.getElementById("menu").hidden = true;
};
</script>"""


def test_custom_dropdown_picks_the_exact_label_and_reads_it_back(loop: AgentLoop) -> None:
    """A custom dropdown is opened, its option with exactly the label is picked and read back."""
    site_profile = profile(
        'pick = "#pick"\noption = "#menu li.opt"\nshown = "#pick .shown"',
        """
[[form.fields]]
name = "reason"
kind = "dropdown"
element = "pick"
option = "option"
shown = "shown"
""",
    )
    [field] = site_profile.form.fields
    prepared = request()

    async def scenario(page: Page) -> tuple[str, bool, bool]:
        site = SitePage(page, site_profile)
        await enter(site, field, prepared)
        shown = await page.locator(".shown").inner_text()
        kept = await holds(site, field, prepared)
        await page.evaluate("document.querySelector('.shown').textContent = ''")
        return shown, kept, await holds(site, field, prepared)

    assert serve(loop, {"/form": DROPDOWN}, scenario) == ("Broken item", True, False)


def test_radio_and_checkbox(loop: AgentLoop) -> None:
    """A radio for the solution and a checkbox for received are set and read back."""
    site_profile = profile(
        'ret = "#ret"\nref = "#ref"\ngot = "#got"',
        """
[[form.fields]]
name = "solution"
kind = "radio"
options = { refund = "ref", return = "ret" }
[[form.fields]]
name = "received"
kind = "checkbox"
element = "got"
on = ["yes"]
""",
    )
    html = (
        '<input type="radio" name="s" id="ref"><input type="radio" name="s" id="ret">'
        '<input type="checkbox" id="got" checked>'
    )
    solution, received = site_profile.form.fields

    async def scenario(page: Page) -> list[object]:
        site = SitePage(page, site_profile)
        out: list[object] = []
        ret = request(solution="return")
        await enter(site, solution, ret)
        out.append(await page.locator("#ret").is_checked())
        out.append(await holds(site, solution, ret))
        out.append(await holds(site, solution, request()))  # refund is not what it holds
        not_received = request(received="no", reason="not_received")
        await enter(site, received, not_received)
        out.append(await page.locator("#got").is_checked())
        out.append(await holds(site, received, not_received))
        out.append(await holds(site, received, request()))
        return out

    assert serve(loop, {"/form": html}, scenario) == [True, True, False, False, True, False]


CARDS = """
<div class="card" id="c-ref"><b>Refund only</b></div>
<div class="card" id="c-ret"><b>Return</b></div>
<script>
for (const card of document.querySelectorAll(".card")) card.onclick = () => {
  for (const other of document.querySelectorAll(".card")) other.classList.remove("sel");
  card.classList.add("sel");
};
</script>"""


def test_cards_are_clicked_and_their_marker_read_back(loop: AgentLoop) -> None:
    """A card is clicked unless already selected; the marker tells which one is."""
    site_profile = profile(
        'c_ref = "#c-ref"\nc_ret = "#c-ret"',
        """
[[form.fields]]
name = "solution"
kind = "cards"
options = { refund = "c_ref", return = "c_ret" }
selected = ".sel"
""",
    )
    [field] = site_profile.form.fields

    async def scenario(page: Page) -> list[object]:
        site = SitePage(page, site_profile)
        ret = request(solution="return")
        await enter(site, field, ret)
        await enter(site, field, ret)  # already selected: not clicked off
        classes = await page.locator("#c-ret").get_attribute("class")
        return [classes, await holds(site, field, ret), await holds(site, field, request())]

    assert serve(loop, {"/form": CARDS}, scenario) == ["card sel", True, False]


def test_text_is_typed_and_amount_filled(loop: AgentLoop) -> None:
    """The message is typed key by key (key events fire), the amount written with 2 decimals."""
    site_profile = profile(
        'msg = "#msg"\namount = "#amount"',
        """
[[form.fields]]
name = "message"
kind = "text"
element = "msg"
[[form.fields]]
name = "amount"
kind = "amount"
element = "amount"
when = { refund = "partial" }
""",
    )
    html = (
        '<textarea id="msg"></textarea><input id="amount" value="12.99"><p id="keys">0</p>'
        '<script>let n = 0; document.getElementById("msg").addEventListener("keydown", '
        '() => { document.getElementById("keys").textContent = ++n; });</script>'
    )
    message, amount = site_profile.form.fields
    partial = request(refund="partial", amount="5,3")

    async def scenario(page: Page) -> list[object]:
        site = SitePage(page, site_profile)
        await enter(site, message, partial)
        await enter(site, amount, partial)
        out: list[object] = [
            int(await page.locator("#keys").inner_text()) >= len(MESSAGE),
            await page.locator("#amount").input_value(),
            await holds(site, message, partial),
            await holds(site, amount, partial),
        ]
        await page.locator("#msg").fill("changed")
        out.append(await holds(site, message, partial))
        return out

    assert serve(loop, {"/form": html}, scenario) == [True, "5.30", True, True, False]


def _photos(tmp_path: Path, *names: str) -> list[str]:
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(SAMPLE_PNG if name.endswith(".png") else SAMPLE_JPEG)
        paths.append(str(path))
    return paths


def test_files_in_a_plain_input(loop: AgentLoop, tmp_path: Path) -> None:
    """Files set on a plain file input are read back from its file list."""
    site_profile = profile(
        'files = "#files"',
        """
[[form.fields]]
name = "evidence"
kind = "files"
element = "files"
""",
    )
    [field] = site_profile.form.fields
    prepared = request(evidence=_photos(tmp_path, "a.jpg", "b.png"))

    async def scenario(page: Page) -> tuple[bool, bool]:
        site = SitePage(page, site_profile)
        await enter(site, field, prepared)
        kept = await holds(site, field, prepared)
        await page.locator("#files").set_input_files([])
        return kept, await holds(site, field, prepared)

    html = '<input type="file" id="files" multiple hidden>'
    assert serve(loop, {"/form": html}, scenario) == (True, False)


UPLOADS = """
<div id="list"></div><p id="err" hidden></p><input type="file" id="files" multiple>
<script>
const input = document.getElementById("files");
input.onchange = () => {
  const err = document.getElementById("err");
  for (const file of input.files) {
    if (file.name.startsWith("bad")) { err.textContent = "Unsupported file format: " + file.name;
      err.hidden = false; continue; }
    const box = document.createElement("div"); box.className = "box";
    box.innerHTML = '<span class="thumb"></span><button class="del">x</button>';
    box.querySelector(".del").onclick = () => box.remove();
    document.getElementById("list").appendChild(box);
    setTimeout(() => box.querySelector(".thumb").classList.add("done"), 300);
  }
  input.value = "";
};
</script>"""
UPLOAD_FIELD = """
[[form.fields]]
name = "evidence"
kind = "files"
element = "files"
done = "done"
refused = "refused"
remove = "remove"
"""
UPLOAD_ELEMENTS = (
    'files = "#files"\ndone = ".box .thumb.done"\nrefused = "#err"\nremove = ".box .del"'
)


def test_files_that_upload_on_selection(loop: AgentLoop, tmp_path: Path) -> None:
    """Uploads are waited for; a re-attach removes the earlier ones first; read back by count."""
    site_profile = profile(UPLOAD_ELEMENTS, UPLOAD_FIELD)
    [field] = site_profile.form.fields
    prepared = request(evidence=_photos(tmp_path, "a.jpg", "b.jpg"))

    async def scenario(page: Page) -> list[object]:
        site = SitePage(page, site_profile)
        await enter(site, field, prepared)
        out: list[object] = [
            await page.locator(".thumb.done").count(),
            await holds(site, field, prepared),
        ]
        await enter(site, field, prepared)  # again: the two are removed, then uploaded again
        out.append(await page.locator(".box").count())
        await page.locator(".box .del").first.click()
        out.append(await holds(site, field, prepared))
        return out

    assert serve(loop, {"/form": UPLOADS}, scenario) == [2, True, 2, False]


def test_an_upload_the_site_refuses_is_the_sites_refusal(loop: AgentLoop, tmp_path: Path) -> None:
    """The site's upload error stops the run as the site's refusal, with its words."""
    site_profile = profile(UPLOAD_ELEMENTS, UPLOAD_FIELD)
    [field] = site_profile.form.fields
    prepared = request(evidence=_photos(tmp_path, "bad.jpg"))

    async def scenario(page: Page) -> str:
        with pytest.raises(InvalidRequest) as info:
            await enter(SitePage(page, site_profile), field, prepared)
        return str(info.value)

    assert "Unsupported file format: bad.jpg" in serve(loop, {"/form": UPLOADS}, scenario)


# --- step kinds --------------------------------------------------------------------------------


def steps_profile(elements: str, steps: str) -> SiteProfile:
    """A profile whose open steps are *steps*."""
    text = BASE % {"elements": elements, "fields": ""}
    text = text.replace('[[open.steps]]\nclick = "go"\n', steps)
    return parse_profile(tomllib.loads(text), source="kinds.toml")


async def _open(
    page: Page,
    site_profile: SiteProfile,
    prepared: Any = None,
    credentials: Credentials | None = None,
) -> SitePage:
    await arm_page(page, site_profile)

    async def arm(new: Page) -> None:
        await arm_page(new, site_profile)

    run = StepRun(
        request=prepared.request if prepared else None, credentials=credentials, on_new_page=arm
    )
    return await run_steps(SitePage(page, site_profile), site_profile.open_steps, run, when="test")


def test_fill_press_and_wait(loop: AgentLoop) -> None:
    """Fill with the request's placeholder, press Enter, wait for a result and a spinner. (The
    credentials' placeholders are for the login steps only: refused here at load, see
    tests/unit/test_profile_shapes.py.)"""
    site_profile = steps_profile(
        'user = "#user"\nspin = "#spin"\nok = "#ok"',
        """
[[open.steps]]
fill = "user"
text = "order/{order_id}"
[[open.steps]]
press = "user"
key = "Enter"
[[open.steps]]
wait = "ok"
[[open.steps]]
wait = "spin"
state = "hidden"
""",
    )
    html = (
        '<input id="user"><p id="spin">…</p><p id="ok" hidden></p><script>'
        'document.getElementById("user").onkeydown = (e) => { if (e.key !== "Enter") return;'
        'setTimeout(() => { const ok = document.getElementById("ok");'
        'ok.textContent = document.getElementById("user").value; ok.hidden = false;'
        'document.getElementById("spin").remove(); }, 300); };</script>'
    )

    async def scenario(page: Page) -> str:
        site = await _open(page, site_profile, request(order_id="77"), Credentials("ann", "pw"))
        return await site.page.locator("#ok").inner_text()

    assert serve(loop, {"/start": html}, scenario) == "order/77"


def test_click_that_navigates_the_same_tab(loop: AgentLoop) -> None:
    """A click that loads another page in the same tab: the next step acts on the new page."""
    site_profile = steps_profile(
        'link = "#link"\nhere = "#here"',
        """
[[open.steps]]
click = "link"
navigates = true
[[open.steps]]
click = "here"
""",
    )
    pages = {
        "/start": '<a id="link" href="/next">next</a>',
        "/next": '<button id="here" onclick="this.textContent=\'done\'">go</button>',
    }

    async def scenario(page: Page) -> tuple[str, str]:
        site = await _open(page, site_profile)
        return site.page.url, await site.page.locator("#here").inner_text()

    assert serve(loop, pages, scenario) == (f"{ORIGIN}/next", "done")


@pytest.mark.parametrize("how", ["popup", "tab"])
def test_a_pop_up_or_a_new_tab_is_followed(loop: AgentLoop, how: str) -> None:
    """window.open() and a target=_blank link (noopener) both move the flow to the new page."""
    site_profile = steps_profile(
        'open = "#open"\nform = "#form"',
        """
[[open.steps]]
click = "open"
new_page = "expected"
[[open.steps]]
wait = "form"
""",
    )
    opener = (
        "<button id=\"open\" onclick=\"window.open('/form', 'f', 'width=500')\">o</button>"
        if how == "popup"
        else '<a id="open" href="/form" target="_blank" rel="noopener">o</a>'
    )
    pages = {"/start": opener, "/form": '<form id="form">the form</form>'}

    async def scenario(page: Page) -> tuple[str, bool]:
        site = await _open(page, site_profile)
        return site.page.url, site.page is not page

    assert serve(loop, pages, scenario) == (f"{ORIGIN}/form", True)


def test_no_new_page_but_the_banner_that_says_why(loop: AgentLoop) -> None:
    """new_page = expected with or_visible: the banner shows instead, the next step follows it."""
    site_profile = steps_profile(
        'open = "#open"\nblocked = "#blocked"\nlink = "#link"',
        """
[[open.steps]]
click = "open"
new_page = "expected"
or_visible = "blocked"
[[open.steps]]
if_visible = "blocked"
click = "link"
navigates = true
""",
    )
    pages = {
        "/start": (
            '<button id="open" onclick="document.getElementById(\'blocked\')'
            '.hidden=false">o</button><p id="blocked" hidden>blocked</p>'
            '<a id="link" href="/form">form</a>'
        ),
        "/form": "<p>form</p>",
    }

    async def scenario(page: Page) -> tuple[str, bool]:
        site = await _open(page, site_profile)
        return site.page.url, site.page is page

    assert serve(loop, pages, scenario) == (f"{ORIGIN}/form", True)


def test_an_expected_page_that_never_opens_fails_naming_the_step(loop: AgentLoop) -> None:
    """No pop-up and no banner: the step fails within popup_s, naming it and the profile."""
    site_profile = steps_profile(
        'open = "#open"',
        """
[[open.steps]]
name = "open-form"
click = "open"
new_page = "expected"
""",
    )

    async def scenario(page: Page) -> str:
        with pytest.raises(UnexpectedPage) as info:
            await _open(page, site_profile)
        return str(info.value)

    message = serve(loop, {"/start": '<button id="open">nothing</button>'}, scenario)
    assert "open.steps[1] (open-form)" in message and "kinds.toml" in message
    assert "within 1.5 s" in message


@pytest.mark.parametrize("answer", ["accept", "dismiss"])
def test_a_js_dialog_is_answered_as_the_step_says(loop: AgentLoop, answer: str) -> None:
    """A click that opens confirm(): accepted or dismissed as the step's dialog key says."""
    site_profile = steps_profile(
        'ask = "#ask"',
        f"""
[[open.steps]]
click = "ask"
dialog = "{answer}"
""",
    )
    html = (
        "<button id=\"ask\" onclick=\"this.textContent = confirm('Sure?') ? 'yes' : 'no'\">"
        "?</button>"
    )

    async def scenario(page: Page) -> str:
        site = await _open(page, site_profile)
        await asyncio.sleep(0.2)
        return await site.page.locator("#ask").inner_text()

    assert serve(loop, {"/start": html}, scenario) == ("yes" if answer == "accept" else "no")


def test_an_in_page_modal_and_conditions(loop: AgentLoop) -> None:
    """A step runs only when its condition holds: the modal's Confirm, not the step for yes."""
    site_profile = steps_profile(
        'submit = "#submit"\nmodal = "#modal"\nconfirm = "#confirm"\n'
        'yes = "#yes"\nnever = "#never"',
        """
[[open.steps]]
click = "submit"
[[open.steps]]
when = { received = "yes" }
click = "yes"
[[open.steps]]
if_hidden = "never"
if_visible = "modal"
when = { received = ["no"], item = "absent" }
click = "confirm"
""",
    )
    html = (
        '<button id="submit" onclick="document.getElementById(\'modal\').hidden=false">s'
        '</button><button id="yes" onclick="this.textContent=\'clicked\'">y</button>'
        '<div id="modal" hidden><button id="confirm" onclick="this.parentElement.hidden=true;'
        'document.body.dataset.sent=\'yes\'">Confirm</button></div><p id="never" hidden></p>'
    )

    async def scenario(page: Page) -> tuple[str | None, str]:
        site = await _open(page, site_profile, request(received="no", reason="not_received"))
        return (
            await site.page.evaluate("document.body.dataset.sent"),
            await site.page.locator("#yes").inner_text(),
        )

    assert serve(loop, {"/start": html}, scenario) == ("yes", "y")


def test_a_wrong_selector_fails_within_the_timeouts_naming_the_entry(loop: AgentLoop) -> None:
    """An element that never shows fails after step_s naming elements.X, the file and check."""
    site_profile = steps_profile(
        'button = "#buton"',
        """
[[open.steps]]
name = "press-it"
click = "button"
""",
    )

    async def scenario(page: Page) -> str:
        with pytest.raises(UnexpectedPage) as info:
            await _open(page, site_profile)
        return str(info.value)

    message = serve(loop, {"/start": '<button id="button">b</button>'}, scenario)
    assert "open.steps[1] (press-it): elements.button ('#buton') of profile kinds.toml" in message
    # bounded by the profile's step_s (2 s here), not Playwright's default 30 s
    assert "within 2 s" in message and "retry-dispute check" in message


def test_a_dropdown_whose_menu_closed_is_opened_again(loop: AgentLoop) -> None:
    """The menu closes under the agent once (as an overlay's close takes the click): reopened."""
    site_profile = profile(
        'pick = "#pick"\noption = "#menu li.opt"\nshown = "#pick .shown"',
        """
[[form.fields]]
name = "reason"
kind = "dropdown"
element = "pick"
option = "option"
shown = "shown"
""",
    )
    # the first click opens nothing (the menu "closed" at once); the second opens it
    html = DROPDOWN.replace(
        'document.getElementById("menu").hidden = false; };',
        "if (!window.once) { window.once = true; return; }"
        ' document.getElementById("menu").hidden = false; };',
    )
    assert html != DROPDOWN
    [field] = site_profile.form.fields
    prepared = request()

    async def scenario(page: Page) -> str:
        await enter(SitePage(page, site_profile), field, prepared)
        return await page.locator(".shown").inner_text()

    assert serve(loop, {"/form": html}, scenario) == "Broken item"
