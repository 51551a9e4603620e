"""The Makefile's own interface: ``make help``, flags passed to the benchmarks, exit codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str) -> str:
    """``make ARGS`` in the project, without running anything (-n) unless it is ``help``."""
    proc = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


def test_make_help_lists_every_target_with_what_it_does() -> None:
    """``make help`` (and plain ``make``) list each target with one line."""
    text = make("help")
    for target in (
        "setup",
        "test",
        "unit",
        "scenarios",
        "retry-dispute",
        "mock-site",
        "bench",
        "lint",
        "clean",
    ):
        assert f"make {target} " in text, target
    assert make() == text


def test_make_bench_passes_its_args() -> None:
    """``make bench ARGS=--quick`` hands --quick to the benchmark runner."""
    assert "tests/bench/run.py --quick" in make("-n", "bench", "ARGS=--quick")


def test_make_retry_dispute_explains_a_non_zero_exit_code() -> None:
    """The recipe prints what the exit code means before make's own error line."""
    recipe = make("-n", "retry-dispute", "ORDER=1003")
    assert "describe_exit_code" in recipe and "exit $code" in recipe
    assert "--order 1003" in recipe


def test_make_lint_checks_the_format_too() -> None:
    """``make lint`` runs ruff's linter, ruff's format check and mypy."""
    recipe = make("-n", "lint")
    assert "ruff check agent mock_site tests" in recipe
    assert "ruff format --check agent mock_site tests" in recipe
    assert "mypy" in recipe


def test_the_demo_installs_no_test_or_lint_tools() -> None:
    """``make retry-dispute`` installs the tool alone; ``make test``/``unit`` add the test
    tools, ``make lint`` the lint tools (each recipe shown as if nothing were installed)."""
    demo = make("-n", "-B", "retry-dispute")
    assert "pip install -q -e ." in demo
    assert "--group" not in demo
    for target in ("test", "unit"):
        recipe = make("-n", "-B", target)
        assert "--group test" in recipe and "--group lint" not in recipe, target
    lint = make("-n", "-B", "lint")
    assert "--group lint" in lint and "--group test" not in lint
