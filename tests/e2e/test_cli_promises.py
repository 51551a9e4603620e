"""The README's promises kept on real runs through the command line (issue 22 §2, §3, §4, §6).

Each test runs ``python -m agent`` against the bundled storefront and reads what a person or a
script gets: the console, ``--json``, and every file of the run (or batch) folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from agent.browser import find_browser
from mock_site.testing import StorefrontServer
from tests.e2e.test_batch import MESSAGE, PlaywrightServer, write_batch
from tests.terminal import ROOT, run_demo

pytestmark = pytest.mark.browser

SECRET = "s3cr3tV4lue99"


def cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m agent ARGS`` without a terminal, its journal under *tmp_path*."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", **(env or {})}
    for key in ("RETRY_DISPUTE_USER", "RETRY_DISPUTE_PASSWORD"):
        if not env or key not in env:
            full_env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "agent", *args, "--state-dir", str(tmp_path / "state")],
        env=full_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def every_text(folder: Path) -> dict[str, str]:
    """Every file under *folder* (and every member of each zip), decoded, by its path."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    data = archive.read(member).decode("utf-8", "replace")
                    texts[f"{path}!{member}"] = data
    return texts


def test_the_demo_applies_the_typed_flags_and_refuses_them_before_anything_starts(
    tmp_path: Path,
) -> None:
    """No --order: a Cyrillic --message replaces the demo's, and the pre-flight refuses it
    (exit 2, one line, no run folder, no storefront started)."""
    done = run_demo(tmp_path, "--message", "Посылка не пришла", timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Cyrillic" in lines[0] and "Посылка" in lines[0], lines
    assert done.stdout == "" and "bundled storefront" not in done.stderr
    assert not (tmp_path / "runs").exists()


def test_a_demo_through_a_playwright_server_with_a_token(tmp_path: Path) -> None:
    """The demo with --refund partial --amount 5,30 and a --ws-endpoint holding a token:
    the flags reach the form (normalised to 5.30), --json gives absolute paths to the run
    folder and its report, and the token is in no file of the run folder nor the console."""
    server = PlaywrightServer()
    try:
        endpoint = f"{server.url.rstrip('/')}/?token={SECRET}"
        remote = ["--ws-endpoint", endpoint]
        executable = find_browser()
        if executable is not None:  # the server's machine is this one: tell it which browser
            remote += ["--browser-path", executable]
        plan = tmp_path / "faults.toml"
        plan.write_text("busy_first = 1\n", encoding="utf-8")
        done = cli(
            tmp_path,
            "run",
            *remote,
            "--faults",
            str(plan),
            "--refund",
            "partial",
            "--amount",
            "5,30",
            "--json",
            "--out",
            "runs",  # relative: --json still says where, absolutely
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    run_dir = Path(result["run_dir"])
    assert run_dir.is_absolute() and run_dir.parent == (tmp_path / "runs").resolve()
    assert result["report"] == str(run_dir / "report.html") and Path(result["report"]).is_file()
    on_disk = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in result.items() if k not in ("run_dir", "report")} == on_disk
    assert (on_disk["request"]["refund"], on_disk["request"]["amount"]) == ("partial", "5.30")
    assert any("5,30" in change for change in on_disk["normalisations"])
    assert "changed before sending: amount" in done.stderr
    assert "[redacted]" in " ".join(on_disk["context"]["command"])
    leaks = [name for name, text in every_text(run_dir).items() if SECRET in text]
    assert leaks == []
    assert SECRET not in done.stdout and SECRET not in done.stderr


def test_the_default_profile_on_the_aliexpress_skin_says_the_profile_may_not_fit(
    tmp_path: Path,
) -> None:
    """The mock profile against a site shaped like AliExpress: not "order not found, check the
    order id" but "the mock profile may not fit", --profile and `check` named, no ticket."""
    with StorefrontServer(skin="aliexpress") as site:
        done = cli(
            tmp_path,
            "run",
            "--site",
            site.url,
            "--order",
            "2103",
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            MESSAGE,
            "--json",
            "--out",
            "runs",
            env={"RETRY_DISPUTE_USER": "demo", "RETRY_DISPUTE_PASSWORD": "demo"},
        )
        assert site.submissions() == []
    assert done.returncode == 1, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert (result["status"], result["reason_code"]) == ("error", "profile_mismatch")
    assert "the profile may not fit this site" in result["message"]
    assert "mock profile" in result["message"] and "check the order id" not in result["message"]
    assert "--profile (bundled: aliexpress, mock" in result["hint"]
    assert "retry-dispute check --site" in result["hint"]
    run_dir = Path(result["run_dir"])
    assert not (run_dir / "support-ticket.md").exists() and not (run_dir / "evidence.zip").exists()
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "The site profile does not fit the page." in report
    assert "no support ticket was written" in report
    assert "may not fit this site" in done.stdout + done.stderr  # the console says it too


def test_a_batch_with_a_mistyped_order_names_its_folder_and_writes_no_ticket_for_it(
    tmp_path: Path,
) -> None:
    """A batch of 1001, 9999 (no such order) and 1003 (not eligible) on the demo: 9999 is
    invalid with no ticket (ours to fix), 1003's ticket and report agree on what may be shared,
    the console names the batch folder, --json's summary carries its folder and each run_dir
    resolves from it, and the index says "2 orders of 3 need attention"."""
    batch = write_batch(tmp_path / "orders.csv", ["1001", "9999", "1003"])
    plan = tmp_path / "faults.toml"
    plan.write_text("busy_first = 0\n", encoding="utf-8")
    done = cli(
        tmp_path, "run", "--batch", str(batch), "--faults", str(plan), "--json", "--out", "runs"
    )
    assert done.returncode == 2, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    batch_dir = Path(summary["batch_dir"])
    assert batch_dir.is_absolute() and batch_dir.parent == (tmp_path / "runs").resolve()
    assert f"batch folder: runs/{batch_dir.name}/" in done.stderr  # as the --out given
    orders = {o["order_id"]: o for o in summary["orders"]}
    statuses = [orders[o]["status"] for o in ("1001", "9999", "1003")]
    assert statuses == ["opened", "invalid", "ineligible"]
    for order in orders.values():
        assert (batch_dir / order["run_dir"] / "result.json").is_file()
    mistyped = batch_dir / orders["9999"]["run_dir"]
    result = json.loads((mistyped / "result.json").read_text(encoding="utf-8"))
    assert result["reason_code"] == "order_not_found"
    assert "order 9999 was not found on the site (HTTP 404)" in result["message"]
    assert (
        not (mistyped / "support-ticket.md").exists() and not (mistyped / "evidence.zip").exists()
    )
    report = (mistyped / "report.html").read_text(encoding="utf-8")
    assert "The site shows no order with this id, so nothing was sent." in report
    ineligible = batch_dir / orders["1003"]["run_dir"]
    ticket = (ineligible / "support-ticket.md").read_text(encoding="utf-8")
    shareable = (
        (ineligible / "report.html")
        .read_text(encoding="utf-8")
        .split('data-testid="files"', 1)[1]
        .split("</p>", 1)[0]
    )
    assert "log.jsonl" in shareable and "trace.zip" not in shareable  # one answer everywhere:
    assert "log.jsonl" not in ticket and "Never send trace.zip" in ticket  # the ticket agrees
    index = (batch_dir / "index.html").read_text(encoding="utf-8")
    assert "2 orders of 3 need attention" in index and "1 dispute open" in index
