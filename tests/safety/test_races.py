"""Two processes on one order: the order's claim in the journal lets exactly one of them submit.

Two real ``retry-dispute run`` processes (and two ``run --batch`` processes over the same three
orders) start together with the same ``--state-dir`` against an in-process storefront. To make
the race certain rather than likely, the storefront holds each dispute submission (before it is
judged, so no dispute exists yet) until either a second submission for the same order arrives,
which is the duplicate the claim must prevent, or the other process has finished that order
(its result.json exists). Without claims both processes read an order page with no dispute and
submit: two disputes. With them the second process is refused (exit 6, ``claimed``) and sends
nothing, and the held submission then goes on: one dispute per order.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

import mock_site.submit
from mock_site.testing import StorefrontServer
from tests.safety.helpers import MESSAGE, disputes_of, duplicates

REPO = Path(__file__).resolve().parents[2]
#: How long a submission is held at most (a safety net: the test asserts it was never needed).
HOLD_LIMIT_S = 90.0
RUN_TIMEOUT_S = 240.0
CLAIMED = 6


class Gate:
    """Holds each submission of an order until a rival one arrives or the rival run is done."""

    def __init__(self) -> None:
        self.outs: list[Path] = []
        self.arrived: Counter[str] = Counter()
        self.timeouts = 0

    def rival_done(self, order_id: str) -> bool:
        """Whether a run of this order has written its result.json (the held run cannot have)."""
        return any(
            f"-{order_id}" in path.parent.name
            for out in self.outs
            for path in out.rglob("result.json")
        )

    async def wait(self, order_id: str) -> None:
        """Wait for the rival submission or the rival's end (bounded by HOLD_LIMIT_S)."""
        self.arrived[order_id] += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HOLD_LIMIT_S
        while not (self.arrived[order_id] >= 2 or self.rival_done(order_id)):
            if loop.time() > deadline:
                self.timeouts += 1
                return
            await asyncio.sleep(0.05)


@pytest.fixture
def raced(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StorefrontServer, Gate]]:
    """A storefront of its own whose dispute submissions wait at the gate."""
    gate = Gate()
    original: Callable[[Any, Request], Awaitable[Response]] = mock_site.submit.Submitter.submit

    async def held(self: Any, request: Request) -> Response:
        await gate.wait(request.path_params["order_id"])
        return await original(self, request)

    monkeypatch.setattr(mock_site.submit.Submitter, "submit", held)
    with StorefrontServer() as server:
        yield server, gate


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRY_DISPUTE_")}
    env.update(PYTHONPATH=str(REPO), RETRY_DISPUTE_USER="demo", RETRY_DISPUTE_PASSWORD="demo")
    return env


def _start(
    server: StorefrontServer, state: Path, out: Path, *request: str
) -> subprocess.Popen[str]:
    argv = [
        sys.executable,
        "-m",
        "agent",
        "run",
        "--site",
        server.url,
        *request,
        "--state-dir",
        str(state),
        "--out",
        str(out),
        "--initial-wait",
        "0.05",
        "--max-wait",
        "0.2",
    ]
    return subprocess.Popen(
        argv, cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S)
        done.append((proc.returncode, out, err))
    return done


@pytest.mark.browser
def test_two_runs_on_one_order_open_exactly_one_dispute(
    raced: tuple[StorefrontServer, Gate], tmp_path: Path
) -> None:
    """Two `run` processes, one order, one state folder: one opens, the other is claimed (6)."""
    server, gate = raced
    gate.outs = [tmp_path / "a", tmp_path / "b"]
    request = (
        "--order",
        "2000",
        "--received",
        "no",
        "--reason",
        "not_received",
        "--message",
        MESSAGE,
    )
    procs = [_start(server, tmp_path / "state", out, *request) for out in gate.outs]
    results = _finish(procs)
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, CLAIMED], [(c, o, e[-2000:]) for c, o, e in results]
    [dispute] = disputes_of(server, "2000")
    assert len(server.submissions()) == 1
    assert gate.timeouts == 0
    winner = next(out for code, out, _ in results if code == 0)
    loser = next(out for code, out, _ in results if code == CLAIMED)
    assert winner.startswith(f"opened: dispute {dispute['dispute_id']} ")
    assert loser.startswith("claimed: order 2000 is being worked on by another run (pid ")
    assert "nothing was sent" in loser.splitlines()[0]
    assert "exit code 6" in loser


@pytest.mark.browser
def test_two_batches_over_the_same_three_orders_open_three_disputes(
    raced: tuple[StorefrontServer, Gate], tmp_path: Path
) -> None:
    """Two `run --batch` processes over orders 2000-2002, one state folder: three disputes."""
    server, gate = raced
    orders = ("2000", "2001", "2002")
    batch = tmp_path / "batch.toml"
    batch.write_text(
        "".join(
            f'[[request]]\norder_id = "{order}"\nreceived = "no"\nreason = "not_received"\n'
            f'message = "{MESSAGE}"\n\n'
            for order in orders
        ),
        encoding="utf-8",
    )
    gate.outs = [tmp_path / "a", tmp_path / "b"]
    procs = [
        _start(server, tmp_path / "state", out, "--batch", str(batch), "--concurrency", "3")
        for out in gate.outs
    ]
    results = _finish(procs)
    assert all(code in (0, CLAIMED) for code, _, _ in results), [
        (c, o, e[-2000:]) for c, o, e in results
    ]
    assert duplicates(server) == {}
    assert [len(disputes_of(server, order)) for order in orders] == [1, 1, 1]
    assert len(server.submissions()) == 3
    assert gate.timeouts == 0
    statuses: dict[str, list[str]] = {order: [] for order in orders}
    for out in gate.outs:
        [summary] = out.glob("batch-*/summary.json")
        for row in json.loads(summary.read_text(encoding="utf-8"))["orders"]:
            statuses[row["order_id"]].append(row["status"])
    assert all(sorted(found) == ["claimed", "opened"] for found in statuses.values()), statuses
