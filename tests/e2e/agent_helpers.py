"""Helpers for the agent's end-to-end tests: run the agent against the storefront, fast."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.api import open_dispute_async
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import Outcome
from agent.request import build_request
from agent.session import Credentials, Session
from agent.site.profile import SiteProfile
from mock_site.testing import SAMPLE_JPEG, StorefrontServer
from tests.safety.helpers import AgentLoop

#: Tiny waits and no jitter: the injected sleep records them and returns at once.
FAST = RetryPolicy(
    initial_wait_s=0.01, max_wait_s=0.04, multiplier=2.0, jitter=False, max_attempts=6
)

NOT_RECEIVED: dict[str, Any] = {
    "order_id": "1001",
    "received": "no",
    "reason": "not_received",
    "message": "My parcel has not arrived after forty days. Please refund me.",
}

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMO = Credentials("demo", "demo")


def photo(tmp_path: Path, name: str = "photo.jpg") -> Path:
    """A small file the storefront accepts as a JPEG photo (it judges by content)."""
    path = tmp_path / name
    path.write_bytes(SAMPLE_JPEG + b"\x00" * 2048)
    return path


def video(tmp_path: Path, name: str = "video.mp4") -> Path:
    """A small file the storefront accepts as an MP4 video."""
    path = tmp_path / name
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2048)
    return path


@dataclass
class AgentRun:
    """What one agent run did: its outcome, the waits it slept, the storefront after it."""

    outcome: Outcome
    waits: list[float] = field(default_factory=list)
    server: StorefrontServer | None = None

    @property
    def result(self) -> dict[str, Any]:
        assert self.outcome.run_dir is not None
        data: dict[str, Any] = json.loads((self.outcome.run_dir / "result.json").read_text())
        return data

    def disputes(self) -> list[dict[str, Any]]:
        assert self.server is not None
        return [d for d in self.server.disputes() if d["order_id"] == self.outcome.order_id]

    def attempt_shots(self) -> list[str]:
        return [s for s in self.outcome.screenshots if "-attempt-" in s]

    def log_events(self) -> list[dict[str, Any]]:
        assert self.outcome.run_dir is not None
        lines = (self.outcome.run_dir / "log.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines]


#: One started browser (in an event loop of its own thread) for this process's agent runs:
#: each run gets its own context, as in a batch. Started at the first run; closed by
#: `close_shared_browser` (tests/conftest.py) when the session ends.
_shared: list[AgentLoop] = []


def shared_loop() -> AgentLoop:
    """The process's shared browser loop, started on first use."""
    if not _shared:
        loop = AgentLoop()
        loop.__enter__()
        _shared.append(loop)
    return _shared[0]


def close_shared_browser() -> None:
    """Stop the shared browser loop, if a run started it."""
    while _shared:
        _shared.pop().__exit__(None, None, None)


def run_agent(
    server: StorefrontServer,
    tmp_path: Path,
    *,
    faults: dict[str, Any] | None = None,
    policy: RetryPolicy = FAST,
    credentials: Credentials | None = DEMO,
    profile: SiteProfile | str = "mock",
    storage_state: Path | None = None,
    **fields: Any,
) -> AgentRun:
    """Run the agent once against ``server`` with an injected sleep that never sleeps, in the
    process's shared browser (a context of its own)."""
    if faults:
        server.set_faults(faults)
    run = AgentRun(outcome=None, server=server)  # type: ignore[arg-type]

    async def fake_sleep(seconds: float) -> None:
        run.waits.append(seconds)

    prepared = build_request(**{**NOT_RECEIVED, **fields})
    options = RunOptions(
        site=server.url,
        profile=profile,
        policy=policy,
        session=Session(credentials=credentials, storage_state=storage_state),
        out_dir=tmp_path / "runs",
        state_dir=tmp_path / "state",
        trace="off",
    )
    loop = shared_loop()
    runtime = Runtime(sleep=fake_sleep, browser=loop.browser)
    run.outcome = loop.run(open_dispute_async(prepared, options, runtime=runtime))
    return run
