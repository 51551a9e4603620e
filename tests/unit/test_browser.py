"""Finding a browser: the override, Playwright's own, a system Chromium, or installing one."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.async_api import Error as PlaywrightError

from agent import browser, fonts
from agent.browser import (
    BrowserNotFound,
    BrowserTarget,
    browser_target,
    connect,
    ensure_browser,
    find_browser,
    launch_args,
)
from agent.errors import InvalidConfig


def _fake_executable(tmp_path: Path, name: str = "chrome") -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture(autouse=True)
def _fonts_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fonts are there (tests/unit/test_fonts.py installs missing ones): these tests are
    about the browser's installs."""
    monkeypatch.setattr(fonts, "covers", lambda language: True)


@pytest.fixture
def no_browsers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no browser anywhere."""
    monkeypatch.delenv(browser.BROWSER_ENV, raising=False)
    monkeypatch.setattr(browser, "playwright_chromium", lambda executable_path=None: None)
    monkeypatch.setattr(browser, "_system_chromium", lambda: None)
    monkeypatch.setattr(browser, "_headless_shell", lambda: None)


def test_flag_override_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--browser-path is used as given, before the environment variable."""
    exe = _fake_executable(tmp_path)
    monkeypatch.setenv(browser.BROWSER_ENV, "/nonexistent")
    assert find_browser(str(exe)) == str(exe)


def test_env_override_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RETRY_DISPUTE_BROWSER is used when no flag is given."""
    exe = _fake_executable(tmp_path)
    monkeypatch.setenv(browser.BROWSER_ENV, str(exe))
    assert find_browser() == str(exe)


def test_bad_override_is_one_clear_line(tmp_path: Path) -> None:
    """An override that is not an executable file is refused with exit code 2 and a fix."""
    with pytest.raises(InvalidConfig) as info:
        find_browser(str(tmp_path / "nope"))
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)
    assert "--browser-path" in str(info.value)


def test_playwright_own_chromium_comes_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When Playwright's own Chromium is installed, find_browser returns None (use it)."""
    monkeypatch.delenv(browser.BROWSER_ENV, raising=False)
    exe = _fake_executable(tmp_path)
    assert find_browser(playwright_path=str(exe)) is None


def test_system_chromium_is_next(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without Playwright's Chromium, a system Chromium on PATH is used."""
    monkeypatch.delenv(browser.BROWSER_ENV, raising=False)
    exe = _fake_executable(tmp_path, "chromium")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_browser(playwright_path=str(tmp_path / "missing")) == str(exe)


def test_headless_shell_first_for_headless_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With both installed, a headless run gets the headless shell, a headed one the browser."""
    monkeypatch.delenv(browser.BROWSER_ENV, raising=False)
    full = _fake_executable(tmp_path, "chromium")
    shell = _fake_executable(tmp_path, "chromium-headless-shell")
    monkeypatch.setenv("PATH", str(tmp_path))
    missing = str(tmp_path / "missing")
    assert find_browser(playwright_path=missing) == str(shell)
    assert find_browser(playwright_path=missing, headless=False) == str(full)


def test_headless_shell_alone_cannot_show_a_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only the headless shell: headless runs use it, a headed run says what to install."""
    monkeypatch.delenv(browser.BROWSER_ENV, raising=False)
    shell = _fake_executable(tmp_path, "chromium-headless-shell")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(browser, "_SYSTEM_PATHS", ())
    missing = str(tmp_path / "missing")
    assert find_browser(playwright_path=missing) == str(shell)
    with pytest.raises(BrowserNotFound, match="apt-get install -y chromium"):
        find_browser(playwright_path=missing, headless=False)


@pytest.mark.usefixtures("no_browsers")
def test_nothing_found_says_what_to_run() -> None:
    """With no browser at all, the error names the exact command to install one."""
    with pytest.raises(BrowserNotFound) as info:
        find_browser()
    assert "apt-get install -y chromium" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.usefixtures("no_browsers")
def test_ensure_installs_with_apt_as_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On Debian as root, ensure_browser installs chromium with apt-get, then finds it."""
    installed = _fake_executable(tmp_path, "chromium")
    calls: list[str] = []

    shell = _fake_executable(tmp_path, "chromium-headless-shell")
    calls: list[tuple[str, ...]] = []

    def fake_install(packages: tuple[str, ...] = ("chromium",)) -> None:
        calls.append(packages)
        if "chromium" in packages:
            monkeypatch.setattr(browser, "_system_chromium", lambda: str(installed))
        if "chromium-headless-shell" in packages:
            monkeypatch.setattr(browser, "_headless_shell", lambda: str(shell))

    monkeypatch.setattr(browser, "_apt_install", fake_install)
    monkeypatch.setattr(browser.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert ensure_browser() == str(shell)
    assert calls == [("chromium",), ("chromium-headless-shell",)]
    assert browser.find_browser(headless=False) == str(installed)


@pytest.mark.usefixtures("no_browsers")
def test_ensure_goes_on_without_a_headless_shell(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A distribution without the headless shell package keeps the full Chromium, and says so."""
    installed = _fake_executable(tmp_path, "chromium")
    monkeypatch.setattr(browser, "_system_chromium", lambda: str(installed))

    def fake_install(packages: tuple[str, ...] = ("chromium",)) -> None:
        raise subprocess.CalledProcessError(100, ["apt-get", "install", *packages])

    monkeypatch.setattr(browser, "_apt_install", fake_install)
    monkeypatch.setattr(browser.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert ensure_browser() == str(installed)
    assert "full Chromium will run headless" in capsys.readouterr().err


@pytest.mark.usefixtures("no_browsers")
def test_ensure_without_root_does_not_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a normal user, ensure_browser does not run apt-get and says what to run."""
    monkeypatch.setattr(browser, "_apt_install", lambda *a, **k: pytest.fail("must not install"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(BrowserNotFound):
        ensure_browser()


def test_launch_args_carry_the_quiet_network_flags() -> None:
    """Every launch gets the flags that keep Chromium off the closed network."""
    args = launch_args("/usr/bin/chromium")
    assert args["executable_path"] == "/usr/bin/chromium"
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ):
        assert flag in args["args"]  # type: ignore[operator]
    assert "executable_path" not in launch_args(None)


def test_launched_browsers_run_lean() -> None:
    """A browser we launch keeps its GPU service in its own process, and leaves Playwright's
    --enable-features alone (Chromium keeps only the last one)."""
    args = launch_args(None)["args"]
    assert "--in-process-gpu" in args  # type: ignore[operator]
    assert not any(a.startswith("--enable-features") for a in args)  # type: ignore[union-attr]
    assert "--in-process-gpu" not in launch_args(None, headless=False)["args"]  # type: ignore[operator]


def test_a_path_for_a_remote_server_is_not_checked_here(tmp_path: Path) -> None:
    """--browser-path with --ws-endpoint names a file on the server's machine: passed on as is."""
    remote = "/opt/server-only/chromium"
    target = browser_target(executable=remote, ws_endpoint="ws://127.0.0.1:3000/")
    assert target.executable == remote and target.ws_endpoint == "ws://127.0.0.1:3000/"


def test_a_path_for_a_local_launch_is_checked(tmp_path: Path) -> None:
    """--browser-path for a local launch must be an executable here (exit 2 otherwise)."""
    with pytest.raises(InvalidConfig) as info:
        browser_target(executable=str(tmp_path / "nope"))
    assert info.value.exit_code == 2
    exe = _fake_executable(tmp_path)
    assert browser_target(executable=str(exe), headless=False) == BrowserTarget(
        executable=str(exe), headless=False
    )


def test_several_servers_make_one_target_whose_first_is_the_single_runs() -> None:
    """Servers in order, the same one once; a single run goes to the first; CDP has none."""
    target = browser_target(ws_endpoint=["ws://a:1/", "ws://b:1/", "ws://a:1/"])
    assert target.servers == ("ws://a:1/", "ws://b:1/")
    assert target.ws_endpoint == "ws://a:1/"
    assert browser_target(ws_endpoint=["ws://a:1/"]) == BrowserTarget(ws_endpoint="ws://a:1/")
    assert browser_target(ws_endpoint=[]).servers == ()
    assert BrowserTarget(cdp_url="http://127.0.0.1:9222", ws_endpoint="ws://a:1/").servers == ()


class _FlakyChromium:
    """A chromium whose first *failures* launches fail as a browser dying at start-up does."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.launches = 0
        self.executable_path = "/usr/bin/chromium-headless-shell"

    async def launch(self, **_: object) -> str:
        self.launches += 1
        if self.launches <= self.failures:
            raise PlaywrightError(
                "BrowserType.launch: Target page, context or browser has been closed"
            )
        return "browser"


@pytest.mark.parametrize(("failures", "launches"), [(1, 2), (2, 2)])
def test_a_browser_that_dies_as_it_starts_is_launched_once_more(
    failures: int, launches: int
) -> None:
    """One failed launch (a loaded machine) is tried again; a second failure is the
    configuration error it always was, after two launches, never more."""
    chromium = _FlakyChromium(failures)
    playwright = SimpleNamespace(chromium=chromium)
    target = BrowserTarget(executable="/usr/bin/chromium-headless-shell")
    if failures == 1:
        assert asyncio.run(connect(playwright, target)) == "browser"  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidConfig, match="cannot start or reach the browser"):
            asyncio.run(connect(playwright, target))  # type: ignore[arg-type]
    assert chromium.launches == launches
