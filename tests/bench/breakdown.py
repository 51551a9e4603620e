"""Where an order's time goes: the agent beside the bare Playwright script, step by step.

``python tests/bench/breakdown.py [--orders 20] [--only agent|bare]`` (not part of ``make
bench``) runs the floor benchmark's two sides once each (the storefront in its own process) and
prints, per order:

- the CPU seconds of each kind of process of the tree (this one, the Playwright driver, and
  Chromium's browser process, renderers, network service), from /proc;
- Chromium's own account, from a trace of each browser (category ``toplevel``): the thread
  time of the tasks of each thread of each process (where in Chromium the CPU goes);
- for the agent, the wall time of each step of the flow (the page objects, the form, the
  submit, the order-page check, the screenshots, the journal, the report), timed around the
  calls (`TIMED`; a step's time may include another's: a submit's answer screenshot).

For the agent's Python side, run it under py-spy:
``py-spy record -o agent.svg -- .venv/bin/python tests/bench/breakdown.py --only agent``.
docs/performance.md holds the figures and what was changed because of them.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import floor  # noqa: E402 - after the path set-up
from common import RssSampler, quiet_logging, storefront  # noqa: E402
from floor import _agent_batch, bare_batch  # noqa: E402
from playwright.async_api import Browser, BrowserContext, Page  # noqa: E402

from agent.flow import form_submit, journal, lanes, opening, run, site_port  # noqa: E402
from agent.output import run_folder, saving  # noqa: E402
from agent.site import form, order_page  # noqa: E402
from agent.site.profile import load_profile  # noqa: E402

#: The events that wrap each task a Chromium thread runs.
_TOP_TASKS = frozenset({"ThreadControllerImpl::RunTask", "ThreadPool_RunTask"})

#: What is timed in the agent's flow: (owner, function, label). A module-level function is
#: wrapped where the flow looks it up (the module that imported it), a method on its class.
#: tests/unit/test_bench_imports.py checks that each one still exists.
TIMED: tuple[tuple[Any, str, str], ...] = (
    (run, "open_context", "new context"),
    (BrowserContext, "new_page", "new page"),
    (opening, "arm_page", "arm page (dialogs, overlay handler)"),
    (site_port, "arm_page", "arm page (dialogs, overlay handler)"),
    (order_page.OrderPage, "goto", "order page: goto"),
    (order_page.OrderPage, "is_login", "order page: login form?"),
    (opening, "check_gates", "gates (challenge, login)"),
    (site_port, "check_gates", "gates (challenge, login)"),
    (form_submit, "check_gates", "gates (challenge, login)"),
    (order_page.OrderPage, "read_state", "order page: read state"),
    (order_page.OrderPage, "open_form", "open form (click, pop-up)"),
    (opening, "check_selectors", "profile's selectors checked"),
    (opening, "check_item", "order's items checked"),
    (form.DisputeForm, "wait_ready", "form: wait ready"),
    (form.DisputeForm, "check_limits", "form: limits checked"),
    (form.DisputeForm, "fill", "form: fill"),
    (form.DisputeForm, "confirm_filled", "form: read back"),
    (form_submit.FormSubmitter, "submit", "submit and read the answer"),
    (form_submit.FormSubmitter, "prepare_resend", "ready to resend (notice closed, fields read)"),
    (site_port.DisputePort, "find", "order-page check: read (tab kept open)"),
    (site_port.DisputePort, "record_check", "order-page check: record"),
    (run_folder.RunFolder, "grab", "screenshots (each, side by side with reads or not)"),
    (journal.Journal, "claim", "journal: claim"),
    (journal.Journal, "begin", "journal: intent"),
    (journal.Journal, "finish", "journal: answer"),
    (journal.Journal, "unfinished", "journal: unfinished?"),
    (journal.Journal, "release", "journal: release"),
    (Page, "close", "close order page"),
    (run, "close_context", "close context"),
    (saving, "write_report", "report.html"),
    (saving, "_write_result", "result.json"),
)
#: The modules whose ``connect`` starts a browser: the bare script's, and the batch's lanes.
TRACED_MODULES: tuple[Any, ...] = (floor, lanes)


class Timers:
    """Wall seconds and calls per name, summed over the run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Time every call of ``owner.name`` (a coroutine function or a plain one)."""
        original: Callable[..., Any] = getattr(owner, name)
        if asyncio.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.monotonic()
                try:
                    return await original(*args, **kwargs)
                finally:
                    self.seconds[label] += time.monotonic() - started
                    self.calls[label] += 1

            setattr(owner, name, timed_async)
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.monotonic() - started
                self.calls[label] += 1

        setattr(owner, name, timed)


class ChromiumTrace:
    """A Chromium trace of every browser the run starts, summed per process and thread.

    Each browser is traced from its start (``Browser.start_tracing``, category ``toplevel``) to
    just before it closes; what is kept is the thread time of the top-level tasks of each
    thread of each process (the browser process's main thread, its compositor, a renderer's
    main thread...).
    """

    def __init__(self) -> None:
        self.totals: dict[tuple[str, str], float] = defaultdict(float)
        trace = self
        original_close = Browser.close

        async def close(browser: Browser, *args: Any, **kwargs: Any) -> None:
            if getattr(browser, "_breakdown_tracing", False):
                browser._breakdown_tracing = False  # type: ignore[attr-defined]
                trace.add(await browser.stop_tracing())
            await original_close(browser, *args, **kwargs)

        Browser.close = close  # type: ignore[method-assign]
        for module in TRACED_MODULES:
            original_connect = module.connect

            async def traced(
                playwright: Any, target: Any, _connect: Any = original_connect
            ) -> Browser:
                browser: Browser = await _connect(playwright, target)
                await browser.start_tracing(categories=["toplevel"])
                browser._breakdown_tracing = True  # type: ignore[attr-defined]
                return browser

            module.connect = traced  # type: ignore[attr-defined]

    def add(self, data: bytes) -> None:
        events = json.loads(data)["traceEvents"]
        processes: dict[int, str] = {}
        threads: dict[tuple[int, int], str] = {}
        for e in events:
            if e.get("ph") == "M" and e["name"] == "process_name":
                processes[e["pid"]] = e["args"]["name"]
            elif e.get("ph") == "M" and e["name"] == "thread_name":
                threads[(e["pid"], e["tid"])] = e["args"]["name"]
        for e in events:
            if e.get("ph") == "X" and e["name"] in _TOP_TASKS:
                where = (processes.get(e["pid"], "?"), threads.get((e["pid"], e["tid"]), "?"))
                self.totals[where] += e.get("tdur", e.get("dur", 0)) / 1e6


def _agent_timers() -> Timers:
    timers = Timers()
    for owner, name, label in TIMED:
        timers.wrap(owner, name, label)
    return timers


async def _side(name: str, orders: int, out: Path, trace: ChromiumTrace) -> None:
    profile = load_profile("mock")
    trace.totals.clear()
    timers = _agent_timers() if name == "agent" else None
    with storefront() as site:
        ids = [str(2300 + i) for i in range(orders)]
        if name == "bare":
            rss = RssSampler(exclude=frozenset({site.pid}))
            base = rss.ticks_now()
            steps: dict[str, float] = {}
            with rss:
                started = time.monotonic()
                await bare_batch(site.url, profile, ids, steps)
                wall = time.monotonic() - started
            timers = Timers()
            for label, seconds in steps.items():
                timers.seconds[label], timers.calls[label] = seconds, orders
            figures: dict[str, Any] = {
                "wall_s": wall,
                "cpu_s": rss.cpu_s(base),
                "by_process": rss.cpu_by_kind(base),
            }
        else:
            figures = await _agent_batch(site, profile, ids, out=out)
    print(
        f"\n== {name}: {figures['wall_s'] / orders * 1000:.0f} ms wall, "
        f"{figures['cpu_s'] / orders * 1000:.0f} ms CPU per order"
    )
    for kind, seconds in figures["by_process"].items():
        print(f"   CPU {kind:<28} {seconds / orders * 1000:7.1f} ms")
    ranked = sorted(trace.totals.items(), key=lambda kv: -kv[1])
    for (process, thread), seconds in ranked[:8]:
        where = f"{process.split(':')[0]} {thread}"
        print(f"   trace {where:<35} {seconds / orders * 1000:7.1f} ms")
    if timers is not None:
        for label, seconds in sorted(timers.seconds.items(), key=lambda kv: -kv[1]):
            print(
                f"   wall {label:<36} {seconds / orders * 1000:7.1f} ms "
                f"({timers.calls[label] / orders:.1f} calls)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tests/bench/breakdown.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--only", choices=["agent", "bare"])
    args = parser.parse_args(argv)
    quiet_logging()
    trace = ChromiumTrace()
    for name in ("bare", "agent"):
        if args.only in (None, name):
            with tempfile.TemporaryDirectory(prefix="retry-dispute-breakdown-") as tmp:
                asyncio.run(_side(name, args.orders, Path(tmp), trace))
    return 0


if __name__ == "__main__":
    sys.exit(main())
