"""A scenario's ``[follow]`` table: after the run opened the dispute, the store answers (the
control API) and ``retry-dispute follow`` follows the request; what the storefront recorded.

::

    [follow]
    store = [{action = "propose_partial", amount = "2.00", deadline_s = 600}]
    respond = true          # --respond disagree (the request's evidence sent again)
    wait_s = 0.5            # wait this long after the store's answers, before following
    watch_s = 0.5           # --watch (with until_s: --until, from the start of the follow)
    until_s = 5
    crash = true            # stop the follow (as a crash would) once the storefront recorded
                            # the response, before its answer is read; then follow again

The expectations (``[expect]``): ``follow`` (how it ended: resolved, open, decide, closed,
invalid, …), ``follow_state`` (the request's state code as last read), ``responses`` (the
shopper's disagreements on the store's record), ``follow_attempts`` (the response's attempts).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Browser

from agent import Credentials, RetryPolicy, Session
from agent.errors import InvalidConfig, RetryDisputeError
from agent.flow.journal import Journal
from agent.follow.inputs import run_target
from agent.follow.run import FollowOptions, follow_request
from agent.follow.states import FollowStatus, RequestState
from agent.site.profile import SiteProfile
from mock_site.demo import DEMO_ACCOUNT
from mock_site.lifecycle import STORE_ACTIONS
from mock_site.testing import StorefrontServer

__all__ = [
    "FOLLOW_EXPECT_KEYS",
    "FOLLOW_KEYS",
    "FOLLOW_STATES",
    "FOLLOW_STATUSES",
    "FollowPlan",
    "parse_follow_plan",
    "run_follow",
]

#: The keys of ``[follow]``.
FOLLOW_KEYS: tuple[str, ...] = ("store", "respond", "wait_s", "watch_s", "until_s", "crash")
#: The keys of ``[expect]`` a follow adds.
FOLLOW_EXPECT_KEYS: tuple[str, ...] = ("follow", "follow_state", "responses", "follow_attempts")
FOLLOW_STATUSES: tuple[str, ...] = tuple(str(s) for s in FollowStatus)
FOLLOW_STATES: tuple[str, ...] = tuple(str(s) for s in RequestState)
_ACTION_KEYS = ("action", "amount", "reason", "deadline_s")
_HINT = "see docs/scenarios.md, 'After the dispute opens'"
#: How long the crash waits for the storefront to record the response.
_CRASH_WAIT_S = 60.0


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FollowPlan:
    """The ``[follow]`` table, checked."""

    store: tuple[Mapping[str, object], ...] = ()
    respond: bool = False
    wait_s: float = 0.0
    watch_s: float | None = None
    until_s: float | None = None
    crash: bool = False


def _bad(source: str, key: str, what: str) -> InvalidConfig:
    return InvalidConfig(f'"{key}" {what}', key=key, source=source, hint=_HINT)


def _seconds(value: object, key: str, source: str, *, zero: bool = True) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or value < 0 or (value == 0 and not zero):  # type: ignore[operator]  # number
        raise _bad(source, key, f"must be a number of seconds, not {value!r}")
    return float(value)  # type: ignore[arg-type]  # a number, checked above


def parse_follow_plan(data: Mapping[str, object], source: str) -> FollowPlan | None:
    """``[follow]`` of a scenario file, or None when it has none."""
    if "follow" not in data:
        return None
    table = data["follow"]
    if not isinstance(table, dict):
        raise _bad(source, "follow", "must be a table ([follow])")
    for key in table:
        if key not in FOLLOW_KEYS:
            raise _bad(
                source, f"follow.{key}", f"is not a key of [follow] ({', '.join(FOLLOW_KEYS)})"
            )
    actions = table.get("store", [])
    if not isinstance(actions, list):
        raise _bad(source, "follow.store", "must be a list of {action, amount, reason, deadline_s}")
    for n, action in enumerate(actions, 1):
        where = f"follow.store[{n}]"
        if not isinstance(action, dict) or set(action) - set(_ACTION_KEYS):
            raise _bad(source, where, f"must be a table of {', '.join(_ACTION_KEYS)}")
        if action.get("action") not in STORE_ACTIONS:
            raise _bad(source, f"{where}.action", f"must be one of {', '.join(STORE_ACTIONS)}")
    for key in ("respond", "crash"):
        if not isinstance(table.get(key, False), bool):
            raise _bad(source, f"follow.{key}", "must be true or false")
    watch = table.get("watch_s")
    until = table.get("until_s")
    if until is not None and watch is None:
        raise _bad(source, "follow.until_s", "goes with watch_s")
    plan = FollowPlan(
        store=tuple(dict(a) for a in actions),
        respond=bool(table.get("respond", False)),
        wait_s=_seconds(table.get("wait_s", 0.0), "follow.wait_s", source),
        watch_s=_seconds(watch, "follow.watch_s", source, zero=False)
        if watch is not None
        else None,
        until_s=_seconds(until, "follow.until_s", source, zero=False)
        if until is not None
        else None,
        crash=bool(table.get("crash", False)),
    )
    if plan.crash and not plan.respond:
        raise _bad(source, "follow.crash", "needs respond = true (it stops a response)")
    return plan


def _responses(server: StorefrontServer, order_id: str) -> int:
    disputes = [d for d in server.disputes() if str(d.get("order_id")) == order_id]
    return sum(
        1
        for d in disputes
        for a in d.get("actions") or []
        if a.get("by") == "buyer" and a.get("action") == "disagree"
    )


async def _crash_once(server: StorefrontServer, order_id: str, follow: asyncio.Task[Any]) -> None:
    """Cancel the follow as soon as the storefront recorded a response (its answer held by
    ``respond_slow_s``): what a crash between the click and the answer leaves behind."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _CRASH_WAIT_S
    while loop.time() < deadline and not follow.done():
        if _responses(server, order_id):
            break
        await asyncio.sleep(0.05)
    follow.cancel()
    try:
        await follow
    except asyncio.CancelledError:
        return


async def run_follow(
    plan: FollowPlan,
    *,
    server: StorefrontServer,
    browser: Browser,
    profile: SiteProfile,
    policy: RetryPolicy,
    run_dir: Path | None,
    order_id: str,
    evidence: Sequence[Path],
    journal: Journal,
) -> dict[str, Any]:
    """The store's answers, then the follow (twice with a crash); what it observed."""
    try:
        target = run_target(run_dir) if run_dir is not None else None
    except RetryDisputeError as exc:  # a run that opened nothing: follow refuses, clearly
        return {"follow": str(FollowStatus.INVALID), "message": f"follow: {exc}"}
    assert target is not None
    request_id = target.request_id or ""
    for action in plan.store:
        fields = {k: v for k, v in action.items() if k != "action"}
        server.store_answer(request_id, str(action["action"]), **fields)
    if plan.wait_s:
        await asyncio.sleep(plan.wait_s)
    started = datetime.now(UTC)

    def options() -> FollowOptions:
        until = started + timedelta(seconds=plan.until_s) if plan.until_s else None
        return FollowOptions(
            site=server.url,
            profile=profile,
            session=Session(credentials=Credentials(*DEMO_ACCOUNT)),
            policy=policy,
            respond=plan.respond,
            evidence=tuple(evidence),
            watch_s=plan.watch_s,
            until=until,
            browser=browser,
            journal=journal,
        )

    if plan.crash:
        task = asyncio.ensure_future(follow_request(target, options()))
        await _crash_once(server, order_id, task)
    outcome = await follow_request(target, options())
    attempts = sum(int(r.get("attempts") or 0) for r in outcome.responses)
    return {
        "follow": str(outcome.status),
        "follow_state": str(outcome.reading.state) if outcome.reading else None,
        "responses": _responses(server, order_id),
        "follow_attempts": attempts,
        "message": f"follow: {outcome.message}",
    }
