"""Fixtures of the safety tests: one browser shared by the in-process runs, clean logging state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog

import agent.log
from tests.safety.helpers import AgentLoop


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Keep each test's logging setup from leaking into the next test (its secrets are
    forgotten by tests/conftest.py)."""
    config = structlog.get_config()
    configured = agent.log._configured
    yield
    structlog.configure(**config)
    agent.log._configured = configured


@pytest.fixture(scope="session")
def agent_loop() -> Iterator[AgentLoop]:
    """An event loop in a thread with one started browser, for in-process agent runs."""
    with AgentLoop() as loop:
        yield loop
