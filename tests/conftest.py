"""Shared fixtures: the bundled storefront on a free port, and pytest-playwright's browser.

Every fixture here is safe under pytest-xdist (``make test`` runs ``pytest -n auto``): each
worker is its own process with its own session fixtures, so its own storefront on a free port
of 127.0.0.1, its own browser, and its own state folder under its temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent.redaction import forget_secrets, known_secrets
from mock_site.testing import StorefrontServer


@pytest.fixture(scope="session", autouse=True)
def _private_state_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Runs that fall back on the default state folder ($XDG_STATE_HOME/retry-dispute) keep it
    under this session's temporary directory: not the user's, and not another worker's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _shared_agent_browser() -> Iterator[None]:
    """The browser the end-to-end helpers' in-process runs share (started by the first run) is
    stopped when the session ends."""
    yield
    from tests.e2e.agent_helpers import close_shared_browser  # here: only e2e runs start it

    close_shared_browser()


@pytest.fixture(autouse=True)
def _forget_test_secrets() -> Iterator[None]:
    """The secrets a test registers (the process-wide registry of `agent.redaction`) are
    forgotten after it: no test depends on what an earlier one registered."""
    before = known_secrets()
    yield
    forget_secrets(keep=before)


@pytest.fixture(scope="session")
def storefront_server() -> Iterator[StorefrontServer]:
    """The bundled storefront, served on 127.0.0.1 once for the whole session."""
    with StorefrontServer() as server:
        yield server


@pytest.fixture
def storefront(storefront_server: StorefrontServer) -> StorefrontServer:
    """The storefront back in its seeded state, with a healthy fault plan."""
    storefront_server.reset()
    return storefront_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, with the browser agent.browser finds."""
    from agent.browser import CHROMIUM_ARGS, find_browser  # here: only browser tests need it

    launch_args = {**browser_type_launch_args, "args": list(CHROMIUM_ARGS)}
    executable = find_browser(headless=launch_args.get("headless", True))
    if executable is not None:  # None: Playwright's own Chromium is installed
        launch_args["executable_path"] = executable
    return launch_args


def _seconds(item: pytest.Item) -> float:
    """The rough length a test's ``slow`` mark declares (0 for a test without one)."""
    mark = item.get_closest_marker("slow")
    return float(mark.args[0]) if mark is not None else 0.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long tests first and pytest-playwright's browser tests last.

    Long tests (``@pytest.mark.slow(SECONDS)``), longest first: under ``make test``'s parallel
    workers (``--dist loadgroup``: one test at a time to whichever worker is free, in this order)
    they start at once on different workers and the others fill in around them, so no worker is
    left with a soak at the end.

    pytest-playwright's session-scoped sync Playwright keeps an event loop marked as running in
    the main thread until the session ends, and ``asyncio.run`` refuses to start under it; the
    tests that drive the async agent themselves therefore run before the first ``page`` fixture
    is created (in each worker: a worker runs its tests in this order too).
    """
    playwright_fixtures = {"page", "context", "browser", "browser_type", "playwright"}
    first = [i for i in items if not playwright_fixtures & set(getattr(i, "fixturenames", ()))]
    last = [i for i in items if playwright_fixtures & set(getattr(i, "fixturenames", ()))]
    first.sort(key=_seconds, reverse=True)  # stable: the rest keep their order
    items[:] = first + last
