"""Shared fixtures: the bundled storefront on a free port, and pytest-playwright's browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mock_site.testing import StorefrontServer


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run pytest-playwright's browser tests last.

    Its session-scoped sync Playwright keeps an event loop marked as running in the main thread
    until the session ends, and ``asyncio.run`` refuses to start under it; the tests that drive
    the async agent themselves therefore run before the first ``page`` fixture is created.
    """
    playwright_fixtures = {"page", "context", "browser", "browser_type", "playwright"}
    first = [i for i in items if not playwright_fixtures & set(getattr(i, "fixturenames", ()))]
    last = [i for i in items if playwright_fixtures & set(getattr(i, "fixturenames", ()))]
    items[:] = first + last
