"""What one run is given: the caller's options, the injected machinery, and both resolved.

`RunOptions` is what a person or a script chooses (the site, the profile, the retry policy, the
session, where the evidence goes); `Runtime` is what a batch or a test injects (a shared browser
and journal, the sleep, the clock, the random source, the event hooks). `RunSettings` is the two
resolved for one run: the profile loaded and the site known.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from playwright.async_api import Browser

from agent.events import BeforeAttempt, EventSink, RunEvent
from agent.flow.journal import Journal
from agent.flow.policy import RetryPolicy
from agent.flow.stop import StopRequest
from agent.session import Session
from agent.site.profile import SiteProfile, load_profile
from agent.site_url import check_site_url

__all__ = ["TRACE_MODES", "Clock", "RunOptions", "RunSettings", "Runtime", "Sleep", "TraceMode"]

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
TraceMode = Literal["on", "off", "retain-on-failure"]
TRACE_MODES: tuple[TraceMode, ...] = ("on", "off", "retain-on-failure")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    """What a caller chooses for a run; every default is the bundled storefront's."""

    #: The storefront's base URL; None: the profile's ``base_url``.
    site: str | None = None
    #: A loaded profile, a bundled profile's name, or a profile TOML file.
    profile: SiteProfile | str | Path = "mock"
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    session: Session = field(default_factory=Session)
    #: Where run folders go.
    out_dir: Path = Path("runs")
    #: A Playwright trace holds cookies: keep one only when asked ("on") or on failure.
    trace: TraceMode = "retain-on-failure"
    #: The journal's folder (None: ``$RETRY_DISPUTE_STATE_DIR`` or the XDG state folder).
    state_dir: Path | None = None
    #: The command line that asked for the run, as typed (recorded in result.json, shown in
    #: the report); empty for an API call.
    command: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime:
    """What a batch or a test injects into a run; the defaults are a plain single run."""

    #: A started browser to use (a batch shares one; each run gets its own context).
    browser: Browser | None = None
    #: An open journal to use (else one is opened in the state folder for the run).
    journal: Journal | None = None
    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    rng: random.Random | None = None
    on_event: EventSink | None = None
    before_attempt: BeforeAttempt | None = None
    #: Set by the command line when a signal asks the run to stop (see `agent.flow.stop`).
    stop: StopRequest | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    """One run's options and runtime, resolved: the profile loaded, the site known."""

    options: RunOptions
    runtime: Runtime
    profile: SiteProfile
    site: str
    journal: Journal | None
    rng: random.Random

    @classmethod
    def resolve(
        cls, options: RunOptions, runtime: Runtime, *, profile: SiteProfile | None = None
    ) -> RunSettings:
        """Load the profile (unless given), fill the site from it, take the runtime's journal."""
        if profile is None:
            given = options.profile
            profile = given if isinstance(given, SiteProfile) else load_profile(given)
        return cls(
            options=options,
            runtime=runtime,
            profile=profile,
            site=check_site_url(options.site or profile.base_url),
            journal=runtime.journal,
            rng=runtime.rng or random.Random(),
        )

    @property
    def policy(self) -> RetryPolicy:
        return self.options.policy

    def emit(self, event: RunEvent) -> None:
        """Hand *event* to the run's sink, if any."""
        if self.runtime.on_event is not None:
            self.runtime.on_event(event)
