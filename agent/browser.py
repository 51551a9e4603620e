"""Find a Chromium to drive, and start or reach a browser.

The browser is resolved in one place, in this order:

1. the override: ``--browser-path`` or the ``RETRY_DISPUTE_BROWSER`` environment variable;
2. Playwright's own Chromium, when ``playwright install chromium`` has put one in its cache;
3. a system Chromium or Chrome (``chromium``, ``google-chrome``, …); for a headless run, the
   headless shell first when it is installed (Debian's ``chromium-headless-shell``): the same
   engine without the desktop browser around it, at about half the CPU and memory per page;
4. with ``install=True``, on Debian as root: ``apt-get update && apt-get install -y chromium``
   (and ``chromium-headless-shell`` when the distribution has it), and the fonts readable
   screenshots need (`agent.fonts`: Chinese, Japanese, Korean, Cyrillic).

Otherwise one line says exactly what to run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from agent.errors import BrowserNotFound, InvalidConfig
from agent.fonts import ensure_fonts
from agent.log import get_logger

log = get_logger("agent.browser")

__all__ = [
    "BROWSER_ENV",
    "CHROMIUM_ARGS",
    "LEAN_ARGS",
    "BrowserTarget",
    "browser_target",
    "connect",
    "ensure_browser",
    "find_browser",
    "launch_args",
    "playwright_chromium",
]

BROWSER_ENV = "RETRY_DISPUTE_BROWSER"

#: Flags every Chromium we start gets: without them it floods a closed network with requests.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)

#: Flags for a headless browser we launch ourselves (not a user's Chrome, not a server's, not a
#: window): Chromium's GPU service runs inside the browser process instead of a process of its
#: own (one process, about 50-80 MiB of RSS, less; nothing lost for a headless automation run).
#: No ``--enable-features`` here: Chromium keeps only the last one given, which would drop
#: Playwright's own.
LEAN_ARGS: tuple[str, ...] = ("--in-process-gpu",)

#: Headless-only builds, preferred for headless runs when installed.
_HEADLESS_SHELL_NAMES = ("chromium-headless-shell", "chrome-headless-shell")
_SYSTEM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
_SYSTEM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/opt/google/chrome/chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
_INSTALL_HINT = (
    "install one: `sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu), "
    "or `python -m playwright install chromium`, or point RETRY_DISPUTE_BROWSER / "
    "--browser-path at a Chrome or Chromium executable"
)


def playwright_chromium(executable_path: str | None = None) -> str | None:
    """Return Playwright's own Chromium when it is installed, else None.

    ``executable_path`` is where Playwright would look (``playwright.chromium.executable_path``);
    without it a short-lived sync Playwright is asked, so call it outside an event loop.
    """
    if executable_path is None:
        with sync_playwright() as p:
            executable_path = p.chromium.executable_path
    return executable_path if executable_path and Path(executable_path).is_file() else None


def _headless_shell() -> str | None:
    for name in _HEADLESS_SHELL_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _system_chromium() -> str | None:
    for name in _SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for candidate in _SYSTEM_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _check_override(path: str) -> str:
    resolved = shutil.which(path) or path
    if not (Path(resolved).is_file() and os.access(resolved, os.X_OK)):
        raise InvalidConfig(
            f"browser path {path!r} is not an executable file",
            hint=f"fix --browser-path or {BROWSER_ENV}, or unset it to find one automatically",
        )
    return resolved


def find_browser(
    override: str | None = None, *, playwright_path: str | None = None, headless: bool = True
) -> str | None:
    """Return the browser executable to use; None means Playwright's own Chromium.

    ``headless`` False (a visible window) skips the headless shell. Raises BrowserNotFound when
    there is none (see ``ensure_browser`` to install one).
    """
    chosen = override or os.environ.get(BROWSER_ENV)
    if chosen:
        return _check_override(chosen)
    if playwright_chromium(playwright_path):
        return None
    system = (headless and _headless_shell()) or _system_chromium()
    if system:
        return system
    raise BrowserNotFound("no Chromium or Chrome found", hint=_INSTALL_HINT)


def _apt_install(packages: tuple[str, ...] = ("chromium",)) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"retry-dispute: installing Debian's {' '.join(packages)} with apt-get", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def _can_apt() -> bool:
    return shutil.which("apt-get") is not None and hasattr(os, "geteuid") and os.geteuid() == 0


def _add_headless_shell() -> None:
    """Best effort: add Debian's headless shell beside a system Chromium (lighter headless runs)."""
    try:
        _apt_install(("chromium-headless-shell",))
    except (OSError, subprocess.CalledProcessError):
        print(
            "retry-dispute: chromium-headless-shell is not available here; the full Chromium "
            "will run headless",
            file=sys.stderr,
        )


def ensure_browser(override: str | None = None, *, install: bool = True) -> str | None:
    """Like ``find_browser``, but install Debian's chromium when possible and needed.

    Where a system Chromium is used (no override, no Playwright Chromium) and apt-get is at
    hand as root, the headless shell is added too when it is missing.
    """
    try:
        found = find_browser(override)
    except BrowserNotFound:
        if not (install and _can_apt()):
            raise
        try:
            _apt_install()
        except (OSError, subprocess.CalledProcessError) as exc:
            raise BrowserNotFound(
                f"installing chromium with apt-get failed ({exc})", hint=_INSTALL_HINT
            ) from exc
        found = find_browser(override)
    overridden = bool(override or os.environ.get(BROWSER_ENV))
    if found and install and not overridden and _headless_shell() is None and _can_apt():
        _add_headless_shell()
        found = find_browser(override)
    if install and _can_apt():  # readable screenshots: Chinese, Cyrillic (agent.fonts)
        ensure_fonts(_apt_install)
    return found


def launch_args(executable: str | None, *, headless: bool = True) -> dict[str, object]:
    """Keyword arguments for ``BrowserType.launch`` with our flags."""
    lean = LEAN_ARGS if headless else ()  # a window for a person keeps Chromium's usual layout
    kwargs: dict[str, object] = {
        "headless": headless,
        "args": [*CHROMIUM_ARGS, *lean],
        # Ctrl-C and SIGTERM are the agent's to handle (agent.cli.signals): Playwright's driver
        # must not close the browser under a run that is still recording what happened.
        "handle_sigint": False,
        "handle_sigterm": False,
        "handle_sighup": False,
    }
    if executable:
        kwargs["executable_path"] = executable
    return kwargs


@dataclass(frozen=True, slots=True, kw_only=True)
class BrowserTarget:
    """Where the browser comes from: a local launch, a running Chrome over CDP, or a server.

    ``executable`` None with neither URL: the browser is resolved by ``find_browser``.
    ``ws_endpoints``: every Playwright server when there are several (a batch spreads its
    orders over them; ``ws_endpoint`` is the first, where a single run goes).
    """

    executable: str | None = None
    headless: bool = True
    cdp_url: str | None = None
    ws_endpoint: str | None = None
    ws_endpoints: tuple[str, ...] = ()

    @property
    def servers(self) -> tuple[str, ...]:
        """The Playwright servers to use, in order (none: a local browser or one over CDP)."""
        if self.cdp_url:
            return ()
        return self.ws_endpoints or ((self.ws_endpoint,) if self.ws_endpoint else ())


def browser_target(
    *,
    executable: str | None = None,
    headless: bool = True,
    cdp_url: str | None = None,
    ws_endpoint: str | Sequence[str] | None = None,
) -> BrowserTarget:
    """The target a command line asks for, with ``--browser-path`` checked where it applies.

    A path for a local launch must be an executable here (else InvalidConfig, exit 2); one sent
    to a Playwright server (``--ws-endpoint``) names a file on the server's machine and is
    passed on as given; with ``--cdp-url`` the browser is already running and the path is unused.
    ``ws_endpoint`` may list several servers (the same one twice counts once).
    """
    servers = (
        (ws_endpoint,) if isinstance(ws_endpoint, str) else tuple(dict.fromkeys(ws_endpoint or ()))
    )
    if executable and not (servers or cdp_url):
        executable = find_browser(executable)
    return BrowserTarget(
        executable=executable,
        headless=headless,
        cdp_url=cdp_url,
        ws_endpoint=servers[0] if servers else None,
        ws_endpoints=servers if len(servers) > 1 else (),
    )


async def connect(playwright: Playwright, target: BrowserTarget) -> Browser:
    """Start or reach the browser of ``target``: launch, a running Chrome over CDP, or a server."""
    chromium = playwright.chromium
    try:
        if target.cdp_url:
            return await chromium.connect_over_cdp(target.cdp_url)
        if target.ws_endpoint:
            headers = {}
            if target.executable:
                # the server launches the browser: tell it which one, with our flags
                headers["x-playwright-launch-options"] = json.dumps(
                    {
                        "executablePath": target.executable,
                        "args": list(CHROMIUM_ARGS),
                        "headless": target.headless,
                    }
                )
            return await chromium.connect(target.ws_endpoint, headers=headers)
        executable = target.executable
        if executable is None:
            executable = find_browser(
                playwright_path=chromium.executable_path, headless=target.headless
            )
        args = launch_args(executable, headless=target.headless)
        try:
            return await chromium.launch(**args)  # type: ignore[arg-type]
        except PlaywrightError as exc:  # a browser that died as it started (a loaded machine)
            log.warning("agent.browser_launch_retried", error=str(exc).splitlines()[0][:200])
            return await chromium.launch(**args)  # type: ignore[arg-type]
    except PlaywrightError as exc:
        where = target.cdp_url or target.ws_endpoint or target.executable or "the local browser"
        raise InvalidConfig(
            f"cannot start or reach the browser at {where}: {str(exc).splitlines()[0][:160]}",
            hint="check --cdp-url, --ws-endpoint or --browser-path",
        ) from exc
