"""What every benchmark needs: the storefront, timed runs, the memory sampler, the machine."""

from __future__ import annotations

import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.events import AnswerEvent, AttemptEvent, DoneEvent, RunEvent, StepEvent, WaitEvent

__all__ = [
    "MESSAGE",
    "EventClock",
    "RssSampler",
    "Storefront",
    "log_in",
    "machine",
    "median",
    "quiet_logging",
    "storefront",
    "tree_pids",
    "tree_pss_kib",
    "tree_rss_kib",
    "write_json",
]

#: The demo's message (95 characters), typed key by key by the agent.
MESSAGE = (
    "My parcel has been in transit for 40 days and has not arrived. Please refund the full amount."
)


def quiet_logging() -> None:
    """Keep the agent's console log out of the benchmark table (run logs still go to files)."""
    from agent.log import configure_logging

    configure_logging(stream=io.StringIO())


def median(values: list[float]) -> float:
    """The median, rounded to a tenth."""
    return round(statistics.median(values), 1)


_EVENT_KINDS: dict[str, type] = {
    "step": StepEvent,
    "attempt": AttemptEvent,
    "answer": AnswerEvent,
    "wait": WaitEvent,
    "done": DoneEvent,
}


@dataclass
class EventClock:
    """An ``on_event`` hook that timestamps the run's events on the monotonic clock."""

    events: list[tuple[float, RunEvent]] = field(default_factory=list)

    def __call__(self, event: RunEvent, /) -> None:
        self.events.append((time.monotonic(), event))

    def times(self, event: str, **match: object) -> list[float]:
        """Times of the events of that kind ("attempt", "answer", …) whose fields match."""
        kind = _EVENT_KINDS[event]
        return [
            t
            for t, e in self.events
            if isinstance(e, kind) and all(getattr(e, k, None) == v for k, v in match.items())
        ]


# --- the storefront ---------------------------------------------------------------------------


class Storefront:
    """The bundled storefront, in a process of its own, driven over its control API."""

    def __init__(self, url: str, *, pid: int) -> None:
        self.url = url
        self.pid = pid  # the storefront's process, left out of every figure

    def _call(self, method: str, path: str, payload: object = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:  # our own loopback URL
            return json.loads(response.read())

    def reset(self, faults: Mapping[str, object] | None = None) -> None:
        """Back to the seeded state, then the fault plan (counted from now)."""
        self._call("POST", "/__mock/reset")
        if faults:
            self._call("PUT", "/__mock/faults", dict(faults))

    def submissions(self) -> list[dict[str, Any]]:
        """Every submission since the last reset."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock/submissions")
        return result

    def disputes(self) -> list[dict[str, Any]]:
        """Every dispute, duplicates included."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock/disputes")
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def storefront(faults_file: Path | None = None, *, skin: str = "mock") -> Iterator[Storefront]:
    """The storefront in a process of its own (``python -m mock_site``) on a free loopback port
    (the aliexpress skin's login origin on another).

    A real site runs elsewhere: the benchmarks leave this process out of the tree they count.
    """
    port = _free_port()
    command = [sys.executable, "-m", "mock_site", "--port", str(port)]
    if skin != "mock":
        command += ["--skin", skin, "--login-port", str(_free_port())]
    if faults_file is not None:
        command += ["--faults", str(faults_file)]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    site = Storefront(f"http://127.0.0.1:{port}", pid=proc.pid)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                site._call("GET", "/__mock/faults")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the storefront subprocess did not start") from None
                time.sleep(0.05)
        yield site
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# --- the process tree: CPU and memory ---------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


def _status_kib(pid: int, field: str, name: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{name}", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pids(root: int, *, exclude: frozenset[int] = frozenset()) -> list[int]:
    """``root`` and its descendants, leaving out the subtrees of ``exclude``."""
    kids = _children()
    found: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in exclude:
            continue
        found.append(pid)
        stack.extend(kids.get(pid, ()))
    return found


def tree_rss_kib(root: int, *, exclude: frozenset[int] = frozenset()) -> tuple[int, int]:
    """Sum of VmRSS over ``root`` and its descendants (``exclude`` left out); and the count."""
    pids = tree_pids(root, exclude=exclude)
    return sum(_status_kib(pid, "VmRSS:") for pid in pids), len(pids)


def tree_pss_kib(root: int, *, exclude: frozenset[int] = frozenset()) -> int:
    """Sum of PSS (``smaps_rollup``) over ``root`` and its descendants."""
    return sum(_status_kib(pid, "Pss:", "smaps_rollup") for pid in tree_pids(root, exclude=exclude))


def _cpu_ticks(pid: int) -> int | None:
    """User + system clock ticks of a process, or None when it is gone."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[11]) + int(fields[12])


def _thread_ticks(tid: int) -> int:
    """User + system clock ticks of one thread of this process."""
    try:
        with open(f"/proc/self/task/{tid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


#: What a process may look like before it has exec'd (or, forked by the zygote, renamed) itself.
_UNSETTLED_KINDS = (None, "python", "python3", "sh", "exe", "chromium zygote")


def _kind(pid: int) -> str:
    """What a process of the tree is: this one, the Playwright driver, a Chromium process."""
    if pid == os.getpid():
        return "this process"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            # Chromium's zygote children rewrite theirs as one string: split on spaces too
            args = fh.read().decode(errors="replace").replace("\0", " ").split()
    except OSError:
        return "gone"
    if not args:
        return "gone"
    joined = " ".join(args)
    if "run-driver" in joined:
        return "driver"
    if "chrom" in args[0]:
        for arg in args:
            if arg.startswith("--type="):
                kind = arg.removeprefix("--type=")
                if kind == "utility":
                    sub = [a for a in args if a.startswith("--utility-sub-type=")]
                    return "chromium " + (sub[0].rsplit(".", 1)[-1] if sub else kind)
                return "chromium " + kind
        return "chromium browser"
    return os.path.basename(args[0]) or "other"


class _Tree:
    """This process's descendants, found incrementally: a pid's parent is read once."""

    def __init__(self, exclude: frozenset[int]) -> None:
        self.exclude = exclude
        self.parent: dict[int, int] = {}

    def pids(self) -> list[int]:
        live = [int(e) for e in os.listdir("/proc") if e.isdigit()]
        kids: dict[int, list[int]] = {}
        for pid in live:
            ppid = self.parent.get(pid)
            if ppid is None:
                fields = _stat_fields(pid)
                if fields is None:
                    continue
                ppid = self.parent[pid] = int(fields[1])
            kids.setdefault(ppid, []).append(pid)
        found: list[int] = []
        stack = [os.getpid()]
        while stack:
            pid = stack.pop()
            if pid in self.exclude:
                continue
            found.append(pid)
            stack.extend(kids.get(pid, ()))
        return found


class RssSampler:
    """Samples the process tree's CPU and memory in a background thread and keeps the peaks.

    The tree is this process and its descendants (the Playwright driver, every Chromium
    process), less the subtrees of ``exclude`` (the storefront). Every ``interval_s``: each
    process's CPU ticks and the sum of VmRSS (pages Chromium's processes share count once per
    process); every ``pss_every``-th sample also the sum of PSS (``/proc/PID/smaps_rollup``:
    shared pages divided among the processes sharing them), the memory the tree really takes.
    The sampler's own CPU (its thread reads /proc) is left out of ``cpu_s``.
    """

    def __init__(
        self, *, interval_s: float = 0.05, exclude: frozenset[int] = frozenset(), pss_every: int = 4
    ) -> None:
        self.interval_s = interval_s
        self.exclude = exclude
        self.pss_every = pss_every
        self.peak_kib = 0
        self.peak_pss_kib = 0
        self.peak_processes = 0
        self.samples = 0
        self._tree = _Tree(exclude)
        self._cpu_ticks: dict[int, int] = {}  # pid -> user + system ticks, last seen
        self._own_tid = 0
        self._own_ticks = 0
        self._kinds: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        self._own_tid = threading.get_native_id()
        while not self._stop.is_set():
            self.sample()
            self._own_ticks = _thread_ticks(self._own_tid)
            self._stop.wait(self.interval_s)

    def sample(self) -> None:
        """One sample: every process's ticks, the RSS sum, and now and then the PSS sum."""
        pids = self._tree.pids()
        total = sum(_status_kib(pid, "VmRSS:") for pid in pids)
        for pid in pids:
            ticks = _cpu_ticks(pid)
            if ticks is not None:
                self._cpu_ticks[pid] = ticks
                if self._kinds.get(pid) in _UNSETTLED_KINDS:
                    self._kinds[pid] = _kind(pid)  # again until it has exec'd its program
        if total > self.peak_kib:
            self.peak_kib, self.peak_processes = total, len(pids)
        if self.samples % self.pss_every == 0:
            pss = sum(_status_kib(pid, "Pss:", "smaps_rollup") for pid in pids)
            self.peak_pss_kib = max(self.peak_pss_kib, pss)
        self.samples += 1

    def cpu_s(self, baseline: dict[int, int] | None = None) -> float:
        """CPU seconds of the tree since ``baseline`` (pids' ticks then), every process counted.

        Read from /proc while the processes live: ``os.times()`` misses Chromium's renderers
        (their zygote parent never hands their time up). A process's last 50 ms may be missed.
        The sampler thread's own ticks are taken out.
        """
        base = baseline or {}
        ticks = sum(t - base.get(pid, 0) for pid, t in self._cpu_ticks.items())
        return (ticks - self._own_ticks) / os.sysconf("SC_CLK_TCK")

    def cpu_by_kind(self, baseline: dict[int, int] | None = None) -> dict[str, float]:
        """``cpu_s`` split by kind of process: this one, the driver, Chromium's by ``--type``."""
        base = baseline or {}
        per: dict[str, float] = {}
        hz = os.sysconf("SC_CLK_TCK")
        for pid, t in self._cpu_ticks.items():
            kind = self._kinds.get(pid) or "other"
            per[kind] = per.get(kind, 0.0) + (t - base.get(pid, 0)) / hz
        per["this process"] = per.get("this process", 0.0) - self._own_ticks / hz
        return {k: round(v, 2) for k, v in sorted(per.items())}

    def ticks_now(self) -> dict[int, int]:
        """The tree's processes and their CPU ticks now: a baseline for ``cpu_s``."""
        return {pid: t for pid in self._tree.pids() if (t := _cpu_ticks(pid)) is not None}

    @property
    def peak_mib(self) -> float:
        return round(self.peak_kib / 1024, 1)

    @property
    def peak_pss_mib(self) -> float:
        return round(self.peak_pss_kib / 1024, 1)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()  # the last word: processes still alive at the end


# --- the machine ------------------------------------------------------------------------------


def _mem_total_gib() -> float:
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def machine() -> dict[str, Any]:
    """Cores, memory, load, versions and the date: what the figures depend on."""
    from playwright._repo_version import version as playwright_version

    from agent.browser import find_browser

    return {
        "browser": find_browser() or "playwright's own chromium",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": _mem_total_gib(),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "playwright": playwright_version,
        "platform": platform.platform(),
    }


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


async def log_in(browser: Any, *, site: str, path: Path) -> Path:
    """Log the demo account in once and save the session for the benchmark's contexts."""
    from agent.session import Credentials
    from agent.site.locate import SitePage
    from agent.site.order_page import OrderPage
    from agent.site.profile import load_profile

    context = await browser.new_context(locale="en-US")
    try:
        page = await context.new_page()
        order = OrderPage(SitePage(page, load_profile("mock")), base_url=site)
        await order.goto("1001")
        if await order.is_login():
            await order.login(Credentials("demo", "demo"))
        await context.storage_state(path=str(path))
    finally:
        await context.close()
    return path
