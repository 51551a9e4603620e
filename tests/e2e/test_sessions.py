"""Reaching a logged-in session: a saved storage state, and a running Chrome over CDP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.browser import CHROMIUM_ARGS, find_browser
from agent.cli import main
from mock_site.testing import StorefrontServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REQUEST = [
    "--received",
    "no",
    "--reason",
    "not_received",
    "--message",
    "The parcel never arrived, please refund me.",
]


def _run_args(site: str, tmp_path: Path, order: str, *browser: str) -> list[str]:
    """``run`` for ``order`` against ``site``, with ``browser`` flags, into ``tmp_path``."""
    return [
        "run",
        "--site",
        site,
        *browser,
        "--order",
        order,
        *REQUEST,
        "--out",
        str(tmp_path / "runs"),
        "--state-dir",
        str(tmp_path / "state"),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _agent(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", **(env or {})}
    for key in ("RETRY_DISPUTE_USER", "RETRY_DISPUTE_PASSWORD"):
        if not env or key not in env:
            full_env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_saved_session_is_used_without_credentials(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """`login --headless` saves a 0600 session that a later run uses with no credentials at all."""
    session = tmp_path / "session.json"
    login = _agent(
        "login",
        "--site",
        storefront.url,
        "--save-session",
        str(session),
        "--headless",
        env={"RETRY_DISPUTE_USER": "demo", "RETRY_DISPUTE_PASSWORD": "demo"},
    )
    assert login.returncode == 0, login.stderr[-1500:]
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    run = _agent(*_run_args(storefront.url, tmp_path, "1002", "--storage-state", str(session)))
    assert run.returncode == 0, run.stderr[-1500:]
    assert [d["order_id"] for d in storefront.disputes() if d["order_id"] == "1002"] == ["1002"]
    run_dir = next((tmp_path / "runs").iterdir())
    assert not any("session" in p.name for p in run_dir.rglob("*"))


def test_corrupt_session_file_is_refused_before_the_browser(
    storefront: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A storage-state file that is not Playwright's JSON: exit 2, one line, nothing sent."""
    session = tmp_path / "session.json"
    session.write_text("{not json")
    code = main(_run_args(storefront.url, tmp_path, "1002", "--storage-state", str(session)))
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "storage-state" in err and len(err.splitlines()) == 1
    assert storefront.submissions() == []


@pytest.fixture
def running_chrome(tmp_path: Path) -> Iterator[str]:
    """A Chromium started by 'the user' with a remote-debugging port; yields its CDP URL."""
    executable = find_browser() or "chromium"
    port = _free_port()
    proc = subprocess.Popen(
        [
            executable,
            "--headless=new",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--remote-debugging-address=127.0.0.1",
            *CHROMIUM_ARGS,
            *(["--no-sandbox"] if os.geteuid() == 0 else []),
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # its own process group: Debian's chromium* are sh wrappers, and killing the wrapper
        # alone leaves the real browser running after the tests
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:  # bounded start-up wait for the DevTools endpoint
            try:
                with urllib.request.urlopen(url + "/json/version", timeout=1) as resp:
                    json.load(resp)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("Chromium's DevTools endpoint did not come up")
                time.sleep(0.1)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        _wait_until_gone(proc.pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_until_gone(pgid: int) -> None:
    deadline = time.monotonic() + 10
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_attach_to_running_chrome_over_cdp(
    storefront: StorefrontServer, tmp_path: Path, running_chrome: str
) -> None:
    """--cdp-url drives the user's Chrome in its default context and leaves that Chrome running."""
    run = _agent(
        *_run_args(storefront.url, tmp_path, "1001", "--cdp-url", running_chrome),
        env={"RETRY_DISPUTE_USER": "demo", "RETRY_DISPUTE_PASSWORD": "demo"},
    )
    assert run.returncode == 0, run.stderr[-1500:]
    assert len([d for d in storefront.disputes() if d["order_id"] == "1001"]) == 1
    with urllib.request.urlopen(running_chrome + "/json/version", timeout=5) as resp:
        assert "Browser" in json.load(resp)


def test_the_cdp_fixture_leaves_no_browser_behind(tmp_path: Path) -> None:
    """The fixture's whole process group (the sh wrapper and the real browser) is stopped."""
    fixture = running_chrome.__wrapped__(tmp_path)  # type: ignore[attr-defined]
    url = next(fixture)
    port = int(url.rsplit(":", 1)[1])
    with urllib.request.urlopen(url + "/json/version", timeout=5) as resp:
        assert "Browser" in json.load(resp)
    with contextlib.suppress(StopIteration):
        next(fixture)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=2)


def test_a_chrome_that_is_not_logged_in_says_log_in_inside_it(
    storefront: StorefrontServer, tmp_path: Path, running_chrome: str
) -> None:
    """--cdp-url and a logged-out Chrome: needs_human, the hint names that Chrome (not
    `retry-dispute login`), and no support ticket is written."""
    run = _agent(*_run_args(storefront.url, tmp_path, "1001", "--cdp-url", running_chrome))
    assert run.returncode == 5, run.stderr[-1500:]
    assert "inside that Chrome" in run.stdout and "retry-dispute login" not in run.stdout
    run_dir = next((tmp_path / "runs").iterdir())
    assert not (run_dir / "support-ticket.md").exists()
    assert "inside the Chrome this run attached to" in (run_dir / "report.html").read_text(
        encoding="utf-8"
    )
    assert storefront.submissions() == []
