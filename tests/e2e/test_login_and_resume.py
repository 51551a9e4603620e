"""`login` sees the login by itself, and a batch that resumes where it stopped."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import async_playwright

from agent.browser import BrowserTarget, connect
from agent.cli import main
from agent.cli.login import watch_login
from agent.site.profile import load_profile
from mock_site.testing import StorefrontServer

pytestmark = pytest.mark.browser

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "My parcel has not arrived after 40 days. Please refund me."


def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Call ``function`` in a worker thread: this thread may hold pytest-playwright's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


async def _watch(site: str, *, person_logs_in: bool, enter: bool) -> str:
    profile = load_profile("mock")
    login_url = profile.login_url(base_url=site)
    async with async_playwright() as p:
        browser = await connect(p, BrowserTarget())
        try:
            page = await (await browser.new_context()).new_page()
            await page.goto(login_url)
            pressed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            watcher = asyncio.create_task(
                watch_login(
                    page, profile, login_url=login_url, enter=pressed, timeout_s=5, poll_s=0.1
                )
            )
            await asyncio.sleep(0.5)
            assert not watcher.done()  # the login page alone is not a login
            if person_logs_in:  # what the person does in the window
                await page.fill("[data-testid=login-username]", "demo")
                await page.fill("[data-testid=login-password]", "demo")
                await page.click("[data-testid=login-submit]")
            if enter:
                pressed.set_result(None)
            try:
                return await watcher
            except Exception as exc:
                return type(exc).__name__
        finally:
            await browser.close()


def test_login_is_seen_without_enter(storefront: StorefrontServer) -> None:
    """Logging in in the window is detected: the form is gone and the site set a session."""
    assert (
        in_thread(asyncio.run, _watch(storefront.url, person_logs_in=True, enter=False))
        == "detected"
    )


def test_enter_still_works_and_no_login_times_out(storefront: StorefrontServer) -> None:
    """Enter is the fallback; with neither a login nor Enter, the watch ends LoginRequired."""
    assert (
        in_thread(asyncio.run, _watch(storefront.url, person_logs_in=False, enter=True)) == "enter"
    )
    assert (
        in_thread(asyncio.run, _watch(storefront.url, person_logs_in=False, enter=False))
        == "LoginRequired"
    )


def test_headless_login_prints_no_log_lines(storefront: StorefrontServer, tmp_path: Path) -> None:
    """`login` prints its friendly lines only: no structlog line among them."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RETRY_DISPUTE_USER": "demo",
        "RETRY_DISPUTE_PASSWORD": "demo",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "login",
            "--site",
            storefront.url,
            "--save-session",
            str(tmp_path / "s.json"),
            "--headless",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("session saved to ") and len(proc.stdout.splitlines()) == 1


def test_login_refuses_a_folder_before_anyone_logs_in(tmp_path: Path) -> None:
    """--save-session pointing at a folder is refused at once (exit 2)."""
    assert (
        in_thread(main, ["login", "--site", "http://127.0.0.1:9", "--save-session", str(tmp_path)])
        == 2
    )


def write_batch(path: Path, orders: list[str]) -> Path:
    """A CSV batch of not-received requests for *orders*."""
    rows = [f"{order},no,not_received,{MESSAGE}" for order in orders]
    path.write_text("\n".join(["order_id,received,reason,message", *rows]) + "\n", encoding="utf-8")
    return path


def run_batch_cli(site: str, batch: Path, out: Path, *extra: str) -> int:
    """``retry-dispute run --batch`` in-process with zero waits."""
    return in_thread(
        main,
        [
            "run",
            "--site",
            site,
            "--batch",
            str(batch),
            "--out",
            str(out),
            "--state-dir",
            str(out / "state"),
            "--initial-wait",
            "0",
            "--max-wait",
            "0",
            *extra,
        ],
    )


def latest_summary(out: Path) -> tuple[Path, dict[str, Any]]:
    """The newest batch folder and its summary."""
    batch_dir = sorted(out.glob("batch-*"))[-1]
    return batch_dir, json.loads((batch_dir / "summary.json").read_text(encoding="utf-8"))


def test_resume_and_only_failed_skip_what_is_done(
    storefront: StorefrontServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run with --resume sends nothing for opened and ineligible orders and writes no
    new ticket; --only-failed runs only the order that gave up."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    out = tmp_path / "runs"
    batch = write_batch(tmp_path / "orders.csv", ["2201", "1003", "2202"])
    storefront.set_faults({"busy_first": 100})  # the first order in flight gives up
    assert (
        run_batch_cli(storefront.url, batch, out, "--concurrency", "1", "--max-attempts", "1") == 4
    )
    storefront.set_faults({})
    assert run_batch_cli(storefront.url, batch, out, "--resume") == 0
    batch_dir, summary = latest_summary(out)
    ran = [o["order_id"] for o in summary["orders"] if not o.get("skipped")]
    skipped = {o["order_id"]: o["status"] for o in summary["orders"] if o.get("skipped")}
    assert sorted(ran) == ["2201", "2202"] and skipped == {"1003": "ineligible"}
    assert not list(batch_dir.rglob("support-ticket.md"))
    index = (batch_dir / "index.html").read_text(encoding="utf-8")
    for fact in (
        "Every dispute is open",
        storefront.url,
        str(batch.resolve()),
        "--resume",
        'href="summary.json"',
        "Done earlier: order not eligible",
    ):
        assert fact in index, fact
    submitted = len(storefront.submissions())
    assert run_batch_cli(storefront.url, batch, out, "--resume") == 0
    assert len(storefront.submissions()) == submitted  # nothing left to send
    assert run_batch_cli(storefront.url, batch, out, "--only-failed") == 0
    _, summary = latest_summary(out)
    assert all(o.get("skipped") for o in summary["orders"])


def test_every_bad_row_is_reported(
    storefront: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three bad rows (a wrong reason, a row with too many cells, a short message): three
    lines naming each row, then the summary line; exit 2, nothing sent."""
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    batch = tmp_path / "orders.csv"
    batch.write_text(
        "order_id,received,reason,message\n"
        f"2301,no,not_received,{MESSAGE}\n"
        f"2302,no,damagd,{MESSAGE}\n"
        f"2303,no,not_received,{MESSAGE},extra\n"
        "2304,no,not_received,Help.\n",
        encoding="utf-8",
    )
    assert run_batch_cli(storefront.url, batch, tmp_path / "runs") == 2
    err = capsys.readouterr().err.splitlines()
    for row in ("row 3", "row 4", "row 5"):
        assert any(f"{batch} {row}" in line or f"{row} has" in line for line in err), row
    assert err[-1].startswith("retry-dispute: ") and "3 rows are wrong" in err[-1]
    assert storefront.submissions() == []
