"""A ``choice`` field's label element with alternatives, on a page built for the case."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from agent.browser import BrowserTarget, connect
from agent.site.field_values import checked_choice, choice_labelled
from agent.site.locate import SitePage
from agent.site.profile import load_profile
from tests.e2e.test_login_and_resume import in_thread

pytestmark = pytest.mark.browser

_APPSHOP = Path(__file__).parent / "appshop" / "appshop.toml"
#: The form in its iframe, the reasons as radios whose titles changed class (drift).
_FORM = """<reason-picker><ul><li><label class="choice"><input type="radio" name="r">
<span class="title">Never delivered</span><small>Nothing came</small></label></li>
<li><label class="choice"><input type="radio" name="r">
<span class="title">Arrived damaged</span><small>Broken</small></label></li></ul></reason-picker>"""
_PAGE = f"<iframe id=\"return-frame\" srcdoc='{_FORM}'></iframe>"


async def _pick(profile_path: Path) -> tuple[int, str | None]:
    profile = load_profile(profile_path)
    field = next(f for f in profile.form.fields if f.kind == "choice")
    async with async_playwright() as p:
        browser = await connect(p, BrowserTarget())
        try:
            page = await (await browser.new_context()).new_page()
            await page.set_content(_PAGE)
            await page.frame_locator("iframe#return-frame").locator("label").first.wait_for()
            site = SitePage(page, profile)
            labelled = choice_labelled(site, field, ("arrived  damaged",))
            count = await labelled.count()
            if count:
                await labelled.first.click()
            return count, await checked_choice(site, field)
        finally:
            await browser.close()


def test_a_choice_label_is_found_by_its_other_alternative(tmp_path: Path) -> None:
    """The label element's first selector matches nothing any more: its second finds the
    reason to click, and the checked choice is read back by it too."""
    text = _APPSHOP.read_text(encoding="utf-8")
    old = 'reason_title = "span.title"'
    assert old in text
    profile_path = tmp_path / "appshop.toml"
    profile_path.write_text(
        text.replace(old, 'reason_title = ["span.old-title", "span.title"]'), encoding="utf-8"
    )
    count, checked = in_thread(asyncio.run, _pick(profile_path))
    assert (count, checked) == (1, "Arrived damaged")
