"""Running scenarios: one browser; lanes that each run scenarios one after another on their own
bundled storefronts (driven by the profile of the storefront's name), each from a freshly reset
store."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

from agent import Credentials, Outcome, RunOptions, Runtime, Session
from agent.api import open_dispute_async
from agent.browser import BrowserTarget, connect, find_browser
from agent.errors import InvalidConfig, InvalidRequest
from agent.flow.journal import Journal
from agent.log import get_logger
from agent.request import PreparedRequest
from agent.site.profile import SiteProfile, load_profile
from agent.support.facts import HOLDING
from agent.support.run import SupportOptions, run_support
from mock_site.demo import DEMO_ACCOUNT
from mock_site.scenarios.follow import run_follow
from mock_site.scenarios.model import (
    Observed,
    Scenario,
    ScenarioResult,
    check,
)
from mock_site.testing import StorefrontServer

log = get_logger("agent.scenario")

# --- running ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Rig:
    """What every scenario of a catalogue shares: the storefront, the browser, the profile."""

    server: StorefrontServer
    browser: Browser
    profile: SiteProfile
    out_dir: Path


def _run_files(run_dir: Path | None) -> tuple[str, ...]:
    if run_dir is None or not run_dir.is_dir():
        return ()
    files = (p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    return tuple(sorted(files))


def _waits_of(run_dir: Path | None) -> tuple[str, ...]:
    if run_dir is None:
        return ()
    try:
        result = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    timeline = result.get("timeline", [])
    return tuple(str(e.get("wait_cause")) for e in timeline if e.get("kind") == "wait")


def _store_facts(server: StorefrontServer, order_id: str) -> dict[str, Any]:
    """What the storefront recorded: the order's disputes, its last new one, every submission."""

    disputes = [d for d in server.disputes() if str(d.get("order_id")) == order_id]
    seeded = set(server.seeded_dispute_ids)
    created = [d for d in disputes if d.get("dispute_id") not in seeded]
    return {
        "disputes": len(disputes),
        "dispute": created[-1] if created else None,
        "submissions": len(server.submissions()),
    }


async def _outcome(
    scenario: Scenario, prepared: PreparedRequest, rig: _Rig, area: Path, journal: Journal
) -> Outcome:
    options = RunOptions(
        site=rig.server.url,
        profile=scenario.profile_for(rig.profile),
        policy=scenario.policy,
        session=Session(credentials=Credentials(*DEMO_ACCOUNT)),
        out_dir=area,
    )
    return await open_dispute_async(
        prepared, options, runtime=Runtime(journal=journal, browser=rig.browser)
    )


async def _follow(
    scenario: Scenario,
    prepared: PreparedRequest,
    outcome: Outcome,
    rig: _Rig,
    journal: Journal,
) -> dict[str, Any]:
    """``[follow]``: the store's answers and the follow of the request the run opened."""
    assert scenario.follow is not None
    return await run_follow(
        scenario.follow,
        server=rig.server,
        browser=rig.browser,
        profile=scenario.profile_for(rig.profile),
        policy=scenario.policy,
        run_dir=outcome.run_dir,
        order_id=scenario.order_id,
        evidence=prepared.request.evidence,
        journal=journal,
    )


async def _chat(scenario: Scenario, run_dir: Path, rig: _Rig) -> dict[str, Any]:
    """``[support]``: the support chat on the run folder; how it ended, as the storefront saw it."""
    options = SupportOptions(
        site=rig.server.url,
        profile=scenario.profile_for(rig.profile),
        session=Session(credentials=Credentials(*DEMO_ACCOUNT)),
        browser=rig.browser,
    )
    result = await run_support(run_dir, options)
    sent = [m for row in rig.server.chats() for m in row["messages"] if m["sender"] == "customer"]
    return {
        "chat": result.end or f"error ({result.message})",
        "chat_attachments": sum(len(m["attachments"]) for m in sent),
        "chat_holding": sum(m["text"] == HOLDING for m in sent),
    }


async def _observe(scenario: Scenario, rig: _Rig, area: Path) -> Observed:
    """Run the scenario's request once; a pre-flight refusal is status invalid, no attempt."""
    scenario.write_files(area / "files")
    profile = scenario.profile_for(rig.profile)
    try:
        prepared = scenario.prepare(area / "files", profile)
    except InvalidConfig:
        raise
    except InvalidRequest as err:
        log.info("agent.scenario_refused", scenario=scenario.name, error=str(err))
        return Observed(status="invalid", message=str(err))
    try:
        with (
            tempfile.TemporaryDirectory(prefix="retry-dispute-scenario-") as tmp,
            Journal(Path(tmp) / "journal.sqlite3") as journal,
        ):
            outcome = await _outcome(scenario, prepared, rig, area, journal)
            chat: dict[str, Any] = {}
            if scenario.support is not None and outcome.run_dir is not None and not outcome.ok:
                chat = await _chat(scenario, outcome.run_dir, rig)
            if scenario.follow is not None:
                chat = await _follow(scenario, prepared, outcome, rig, journal)
    except Exception as exc:  # one scenario's crash must not stop the catalogue: it is its result
        log.exception("agent.scenario_crashed", scenario=scenario.name)
        return Observed(status="error", message=f"runner: {type(exc).__name__}: {exc}")
    followed = chat.pop("message", None)
    return Observed(
        status=outcome.status,
        attempts=outcome.attempts,
        screenshots=len(outcome.screenshots),
        message=f"{outcome.message}; {followed}" if followed else outcome.message,
        run_dir=outcome.run_dir,
        files=_run_files(outcome.run_dir),
        waits=_waits_of(outcome.run_dir),
        drift=tuple(entry.element for entry in outcome.drift),
        **chat,
    )


def _record(result: ScenarioResult, area: Path) -> None:
    """Write ``scenario.json`` beside the run folder: what was expected, got, and missed."""
    got = result.observed
    data = {
        "scenario": str(result.scenario.path),
        "description": result.scenario.description,
        "faults": dict(result.scenario.faults),
        "expect": dataclasses.asdict(result.scenario.expect),
        "observed": {**dataclasses.asdict(got), "run_dir": got.run_dir and str(got.run_dir)},
        "problems": list(result.problems),
        "ok": result.ok,
    }
    (area / "scenario.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )


async def run_scenario(scenario: Scenario, rig: _Rig, area: Path) -> ScenarioResult:
    """Reset the store, set the scenario's faults, run it and check what happened."""
    area.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rig.server.reset()
    rig.server.set_faults(dict(scenario.faults))
    got = await _observe(scenario, rig, area)
    facts = _store_facts(rig.server, scenario.order_id)
    got = dataclasses.replace(got, seconds=round(time.monotonic() - started, 2), **facts)
    result = ScenarioResult(scenario=scenario, observed=got, problems=check(scenario.expect, got))
    _record(result, area)
    return result


def _areas(scenarios: Sequence[Scenario], out_dir: Path) -> list[Path]:
    """One folder per scenario, named after its file (numbered when two files share a name)."""
    areas: list[Path] = []
    for scenario in scenarios:
        name, n = scenario.name, 1
        while out_dir / name in areas:
            n += 1
            name = f"{scenario.name}-{n}"
        areas.append(out_dir / name)
    return areas


def _schedule(scenarios: Sequence[Scenario]) -> list[int]:
    """The order lanes take scenarios in: support chats first (they wait out the chat's timers,
    the longest runs of the catalogue), then the rest in catalogue order."""
    return sorted(range(len(scenarios)), key=lambda i: scenarios[i].support is None)


async def run_catalogue(
    scenarios: Sequence[Scenario],
    *,
    out_dir: Path,
    browser_path: str | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    jobs: int = 1,
    profiles: Mapping[str, SiteProfile] | None = None,
) -> list[ScenarioResult]:
    """Run *scenarios* against the bundled storefronts and one browser, *jobs* at a time.

    Each of the *jobs* lanes has its own storefront of each skin (started when the lane first
    needs it, reset before every scenario), so scenarios of different lanes never share a store;
    they share the browser, each run in its own context. The results are in the given order;
    *on_result* sees each as it ends. *profiles* drive a storefront with another profile than
    its bundled one (``--profile SKIN=FILE``).
    """

    from mock_site.testing import StorefrontServer

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    # without a path, connect() resolves the browser (find_browser would start a sync Playwright)
    target = BrowserTarget(executable=find_browser(browser_path) if browser_path else None)
    results: dict[int, ScenarioResult] = {}
    areas = _areas(scenarios, out_dir)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in _schedule(scenarios):
        queue.put_nowait(index)
    chosen = dict(profiles or {})
    profiles = {
        s.storefront: chosen.get(s.storefront) or load_profile(s.storefront) for s in scenarios
    }

    async def lane(browser: Browser) -> None:
        with contextlib.ExitStack() as servers:
            rigs: dict[str, _Rig] = {}
            while not queue.empty():
                index = queue.get_nowait()
                storefront = scenarios[index].storefront
                if storefront not in rigs:  # the storefront of this name, its profile
                    server = servers.enter_context(StorefrontServer(skin=storefront))
                    rigs[storefront] = _Rig(
                        server=server,
                        browser=browser,
                        profile=profiles[storefront],
                        out_dir=out_dir,
                    )
                result = await run_scenario(scenarios[index], rigs[storefront], areas[index])
                results[index] = result
                if on_result is not None:
                    on_result(result)

    async with async_playwright() as playwright:
        browser = await connect(playwright, target)
        try:
            await asyncio.gather(*(lane(browser) for _ in range(min(jobs, len(scenarios)))))
        finally:
            await browser.close()
    return [results[i] for i in range(len(scenarios))]
