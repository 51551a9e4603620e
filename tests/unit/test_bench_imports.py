"""``make bench`` still imports: every tests/bench module against today's agent code.

pytest does not collect tests/bench, so a change to the agent that the benchmarks depend on
(a module moved, a function renamed) would only show when someone runs ``make bench``. These
tests import each bench module as ``tests/bench/run.py`` does (tests/bench and the project root
on ``sys.path``, the modules under their bare names) and check that each section's function is
there, and that every function breakdown.py times still exists.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tests" / "bench"

#: Each bench module and the functions the runner (or a person, for breakdown.py) calls.
EXPECTED: dict[str, tuple[str, ...]] = {
    "common": ("storefront", "log_in", "machine", "quiet_logging", "write_json", "median"),
    "naive": ("naive_loop", "form_submitter", "submit_filled"),
    "cost": ("section_cost", "section_screenshot", "run_one", "request_for"),
    "floor": ("section_floor", "bare_batch"),
    "latency": ("section_latency",),
    "memory": ("section_memory",),
    "window": ("section_window", "simulate"),
    "batch_bench": ("section_batch", "batch_once", "best_run"),
    "chaos": ("section_chaos",),
    "run": ("main", "run", "table"),
    "breakdown": ("main",),
}


@pytest.fixture(scope="module")
def bench() -> Iterator[dict[str, ModuleType]]:
    """The bench modules, imported under their bare names; sys.path and those names restored."""
    names = sorted(p.stem for p in BENCH.glob("*.py"))
    saved_path = list(sys.path)
    sys.path[:0] = [str(BENCH), str(ROOT)]
    try:
        yield {name: importlib.import_module(name) for name in names}
    finally:
        sys.path[:] = saved_path
        for name in names:
            sys.modules.pop(name, None)


def test_every_bench_module_is_listed() -> None:
    """Each module in tests/bench has its expected functions listed here (a new one is seen)."""
    assert sorted(p.stem for p in BENCH.glob("*.py")) == sorted(EXPECTED)


def test_every_bench_module_imports_with_its_functions(bench: dict[str, ModuleType]) -> None:
    """Every bench module imports against today's code and has the functions it is run by."""
    missing = [
        f"{module}.{name}"
        for module, names in EXPECTED.items()
        for name in names
        if not callable(getattr(bench[module], name, None))
    ]
    assert missing == []


def test_every_section_of_the_runner_has_its_function(bench: dict[str, ModuleType]) -> None:
    """Each section run.py offers (``--only``) has its ``section_<name>`` function in run.py."""
    run = bench["run"]
    assert set(run.SECTIONS) == {
        "floor",
        "latency",
        "memory",
        "cost",
        "window",
        "batch",
        "screenshot",
        "chaos",
    }
    missing = [s for s in run.SECTIONS if not callable(getattr(run, f"section_{s}", None))]
    assert missing == []


def test_breakdown_times_functions_that_exist(bench: dict[str, ModuleType]) -> None:
    """Every function breakdown.py wraps with a timer exists where it looks for it (a renamed
    one would silently time nothing), and every module it traces browsers in has ``connect``."""
    breakdown = bench["breakdown"]
    assert len(breakdown.TIMED) >= 20
    gone = [
        f"{getattr(owner, '__name__', owner)}.{name} ({label})"
        for owner, name, label in breakdown.TIMED
        if not callable(getattr(owner, name, None))
    ]
    assert gone == []
    assert all(callable(getattr(m, "connect", None)) for m in breakdown.TRACED_MODULES)
