"""report.html and index.html opened from disk in Chromium: images load, offline, no errors."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, Request

from agent.outcome import Outcome
from agent.output.report import write_batch_index, write_report
from tests.runfolders import STATUSES, TICKET_STATUSES, make_run
from tests.terminal import run_demo

load_result = Outcome.read

pytestmark = pytest.mark.browser

_IMAGES = "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.dataset.path])"


@dataclass
class Watched:
    """What the page reported while the test ran: console errors, page errors, requests."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def watched(page: Page) -> Iterator[Watched]:
    """Collect console errors, uncaught page errors and every URL the page asks for."""
    seen = Watched()

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            seen.errors.append(f"{message.type}: {message.text}")

    def on_page_error(error: Error) -> None:
        seen.errors.append(f"pageerror: {error}")

    def on_request(request: Request) -> None:
        seen.requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("request", on_request)
    yield seen


def open_report(page: Page, run_dir: Path) -> list[list[object]]:
    """Open the run's report.html from disk and return [complete, naturalWidth, path] per image."""
    page.goto((run_dir / "report.html").as_uri())
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=5000)
    images: list[list[object]] = page.evaluate(_IMAGES)
    return images


@pytest.mark.parametrize("status", STATUSES)
def test_report_opens_from_disk_with_every_screenshot(
    status: str, page: Page, watched: Watched, tmp_path: Path
) -> None:
    """Every screenshot loads (naturalWidth > 0), one image per screenshot, no console error."""
    run_dir = make_run(tmp_path, status)
    write_report(run_dir)
    images = open_report(page, run_dir)
    screenshots = load_result(run_dir).screenshots
    assert len(images) == len(screenshots)
    assert all(complete and width > 0 for complete, width, _ in images), images
    assert [path for _, _, path in images] == list(screenshots)
    assert page.get_by_test_id("status").get_attribute("data-status") == status
    assert page.get_by_test_id("next-steps").is_visible()
    assert watched.errors == []
    assert {url.split(":", 1)[0] for url in watched.requests} <= {"file", "data"}


@pytest.mark.parametrize("status", [s for s in STATUSES if s in TICKET_STATUSES])
def test_ticket_names_every_file_and_the_zip_holds_them(
    status: str, page: Page, watched: Watched, tmp_path: Path
) -> None:
    """The report links the ticket and the zip; the zip holds every screenshot the ticket names."""
    run_dir = make_run(tmp_path, status)
    write_report(run_dir)
    open_report(page, run_dir)
    for name in ("support-ticket.md", "evidence.zip"):
        href = page.locator(f'a[href="{name}"]').first.evaluate("a => a.href")
        assert Path(href.removeprefix("file://")).resolve() == (run_dir / name).resolve()
    ticket = (run_dir / "support-ticket.md").read_text(encoding="utf-8")
    with zipfile.ZipFile(run_dir / "evidence.zip") as archive:
        in_zip = {Path(n).name for n in archive.namelist()}
    for relative in load_result(run_dir).screenshots:
        name = Path(relative).name
        assert f"`{name}`" in ticket
        assert name in in_zip
    assert watched.errors == []


def test_thumbnail_opens_full_size_and_closes(page: Page, watched: Watched, tmp_path: Path) -> None:
    """A click on a thumbnail shows the screenshot full size over the page; another closes it.

    Attempts' thumbnails are wider than the steps' (the busy answer must be readable) and zoom
    the same way."""
    run_dir = make_run(tmp_path, "gave_up")
    write_report(run_dir)
    open_report(page, run_dir)
    step_width = page.locator("img").nth(0).bounding_box()["width"]  # type: ignore[index]
    attempt = page.locator("li[data-kind=attempt] img").first
    assert attempt.bounding_box()["width"] > step_width  # type: ignore[index]
    attempt.click()
    assert attempt.bounding_box()["width"] - 2 == attempt.evaluate(  # type: ignore[index]
        "i => i.naturalWidth"
    )
    attempt.click()
    image = page.locator("img").nth(0)
    thumb = image.bounding_box()
    assert thumb is not None
    image.click()
    full = image.bounding_box()
    assert full is not None
    border = 2  # 1px each side
    assert full["width"] - border == image.evaluate("i => i.naturalWidth") > thumb["width"] - border
    assert (
        page.locator("label.shot").nth(0).evaluate("l => getComputedStyle(l).position") == "fixed"
    )
    image.click()
    closed = image.bounding_box()
    assert closed is not None and closed["width"] == thumb["width"]
    assert watched.errors == []


def test_real_screenshots_are_embedded_and_load(
    page: Page, watched: Watched, tmp_path: Path
) -> None:
    """Full-size screenshots taken by Chromium itself load in the report and zoom to fit."""
    run_dir = make_run(tmp_path, "opened")
    shots = load_result(run_dir).screenshots
    for i, relative in enumerate(shots):
        page.set_content(f"<h1 style='font-size:80px'>Step {i + 1}</h1><p>{relative}</p>")
        page.screenshot(path=str(run_dir / relative))
    write_report(run_dir)
    images = open_report(page, run_dir)
    assert len(images) == len(shots)
    viewport = page.viewport_size
    assert viewport is not None
    assert all(width == viewport["width"] for _, width, _ in images)
    page.locator("img").first.click()
    box = page.locator("img").first.bounding_box()
    assert box is not None and 240 < box["width"] <= viewport["width"]
    assert watched.errors == []


def test_hostile_site_text_does_not_run_in_the_browser(
    page: Page, watched: Watched, tmp_path: Path
) -> None:
    """A <script> in the site's text is shown as text and never runs."""
    hostile = "<script>window.__pwned = 1</script><img src=x onerror='window.__pwned = 2'>"
    run_dir = make_run(
        tmp_path, "gave_up", message=hostile, last_answer=hostile, request_message=hostile
    )
    write_report(run_dir)
    images = open_report(page, run_dir)
    assert len(images) == len(load_result(run_dir).screenshots)
    assert page.evaluate("window.__pwned") is None
    assert hostile in page.get_by_test_id("status-message").inner_text()
    assert watched.errors == []


def test_batch_index_links_open_each_report(page: Page, watched: Watched, tmp_path: Path) -> None:
    """The batch summary opens from disk and each order's link leads to its report."""
    batch = tmp_path / "batch"
    run_dirs = [make_run(batch / s, s, order_id=f"300{i}") for i, s in enumerate(STATUSES)]
    for run_dir in run_dirs:
        write_report(run_dir)
    page.goto(write_batch_index(batch, run_dirs).as_uri())
    rows = page.get_by_test_id("order-row")
    assert rows.count() == len(STATUSES)
    rows.nth(4).get_by_role("link", name="report").click()
    page.wait_for_load_state()
    assert page.url == (run_dirs[4] / "report.html").as_uri()
    assert page.get_by_test_id("status").get_attribute("data-status") == STATUSES[4]
    assert watched.errors == []


def test_a_real_15_attempt_give_up_report_is_short_and_tells_the_safety_line(
    page: Page, tmp_path: Path
) -> None:
    """A real run through the CLI, busy to the end over 15 attempts: the report's safety line
    counts the real checks of the order page, the identical busy attempts and the checks
    between them fold into one line, the page stays under 3,000 px tall while folded, and the
    screenshots carry their timeline entry's number."""
    faults = tmp_path / "faults.toml"
    faults.write_text("busy_first = 1000\n", encoding="utf-8")
    done = run_demo(
        tmp_path,
        "--faults",
        str(faults),
        "--max-attempts",
        "15",
        "--initial-wait",
        "0",
        "--max-wait",
        "0",
    )
    assert done.returncode == 4, done.stderr[-2000:]
    [run_dir] = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    result = load_result(run_dir)
    checks = [e for e in result.timeline if e.kind == "check"]
    assert len(checks) == 15 and all(c.outcome == "no_dispute" for c in checks)
    for entry in result.timeline:
        if entry.screenshot:
            assert entry.screenshot.startswith(f"screenshots/{entry.n:02d}-"), entry
    page.goto((run_dir / "report.html").as_uri())
    text = page.inner_text("body")
    assert "Before each resubmission the order page was read again (15 checks)" in text
    assert page.locator("details").count() >= 1
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height
