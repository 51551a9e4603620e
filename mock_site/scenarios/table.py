"""The catalogue's table and the ``retry-dispute scenario`` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import structlog

from agent.console import plural
from agent.log import configure_logging
from mock_site.scenarios.loading import load_scenarios
from mock_site.scenarios.model import (
    ScenarioResult,
)
from mock_site.scenarios.options import parse_fault_args, parse_profile_args
from mock_site.scenarios.runner import run_catalogue

# --- the table and the command ------------------------------------------------------------------

_COLUMNS = ("scenario", "expected", "got", "attempts", "disputes", "seconds", "result")


def _row(result: ScenarioResult) -> tuple[str, ...]:
    got, expect = result.observed, result.scenario.expect
    expected = expect.status + (f", chat {expect.chat}" if expect.chat else "")
    expected += f", follow {expect.follow}" if expect.follow else ""
    status = got.status + (f", chat {got.chat}" if got.chat else "")
    status += f", follow {got.follow}" if got.follow else ""
    return (
        result.scenario.name,
        expected,
        status,
        str(got.attempts),
        str(got.disputes),
        f"{got.seconds:.1f}",
        "ok" if result.ok else "MISMATCH",
    )


def format_table(results: Sequence[ScenarioResult]) -> str:
    """The plain-text table: one row per scenario, then each mismatch's reasons."""
    rows = [_COLUMNS, *(_row(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    right = {"attempts", "disputes", "seconds"}

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(w) if name in right else cell.ljust(w)
            for cell, w, name in zip(row, widths, _COLUMNS, strict=True)
        ]
        return "  ".join(cells).rstrip()

    out = [line(rows[0]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in rows[1:]]
    for result in results:
        if not result.ok:
            out += ["", f"{result.scenario.name} ({result.scenario.path}):"]
            out += [f"  - {problem}" for problem in result.problems]
            where = result.observed.run_dir or "no run folder (refused before the browser)"
            out.append(f"  run folder: {where}")
    return "\n".join(out)


def _summary(results: Sequence[ScenarioResult], seconds: float, out_dir: Path) -> str:
    failed = sum(not r.ok for r in results)
    verdict = "all met their expectation" if not failed else f"{failed} MISMATCH"
    return f"{len(results)} scenarios, {verdict}; {seconds:.1f} s in all; run folders in {out_dir}/"


def progress_line(result: ScenarioResult, done: int, total: int) -> str:
    """The line printed as one scenario ends: ``[k/N] name: got (expected …), n attempts, …``."""
    got = result.observed
    mark = "ok" if result.ok else "MISMATCH"
    return (
        f"[{done}/{total}] {result.scenario.name}: {got.status} "
        f"(expected {result.scenario.expect.status}), {plural(got.attempts, 'attempt')}, "
        f"{got.seconds:.1f} s: {mark}"
    )


def _progress(stream: TextIO, total: int) -> Callable[[ScenarioResult], None]:
    done = [0]

    def show(result: ScenarioResult) -> None:
        done[0] += 1
        print(progress_line(result, done[0], total), file=stream, flush=True)

    return show


@contextmanager
def _console_quiet() -> Iterator[None]:
    """Keep the agent's console log off the terminal (each run's log.jsonl keeps every event)."""
    saved = structlog.get_config()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging(stream=sink)
        try:
            yield
        finally:
            structlog.configure(**saved)


def command_scenario(args: argparse.Namespace) -> int:
    """``retry-dispute scenario PATH…``: run them, print the table; 0 iff all met theirs."""
    profiles = parse_profile_args(getattr(args, "profile", []))
    scenarios = load_scenarios(
        args.paths,
        faults=parse_fault_args(getattr(args, "fault", [])),
        profiles=profiles,
        storefronts=getattr(args, "storefront", []),
    )
    # absolute: generated evidence files are named from here, requests resolve against their file
    out_dir = Path(args.out).resolve() / datetime.now().strftime("%Y%m%d-%H%M%S")
    while out_dir.exists():
        out_dir = out_dir.with_name(out_dir.name + "-1")
    started = time.monotonic()
    with _console_quiet():
        results = asyncio.run(
            run_catalogue(
                scenarios,
                out_dir=out_dir,
                browser_path=getattr(args, "browser_path", None),
                on_result=_progress(sys.stderr, len(scenarios)),
                jobs=getattr(args, "jobs", 1),
                profiles=profiles,
            )
        )
    table = format_table(results)
    summary = _summary(results, time.monotonic() - started, out_dir)
    (out_dir / "table.txt").write_text(f"{table}\n\n{summary}\n", encoding="utf-8")
    print(table)
    print()
    print(summary)
    return 0 if all(r.ok for r in results) else 1
