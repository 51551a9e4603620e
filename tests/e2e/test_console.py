"""The console as a person sees it, through a pseudo-terminal: live progress, colour, quiet
logs, JSON output, and a clean stop on Ctrl-C or SIGTERM (the demo's bundled storefront)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from rich.cells import cell_len

from agent.cli.signals import GRACE_S
from agent.flow.journal import Journal
from tests.terminal import ROOT, Terminal

pytestmark = pytest.mark.browser

#: What must not reach the console by default: tracebacks, asyncio noise, a failed trace, and
#: info log events (in structlog's raw format, or as the console renders them).
NOISE = (
    "Traceback",
    "Future exception",
    "Connection closed",
    "trace_failed",
    "trace failed",
    "[info ",
    "run started",
    "report written",
)


def demo(tmp_path: Path, *extra: str, faults: str | None = None) -> list[str]:
    """``run`` on the bundled storefront into *tmp_path*, with a fault plan when given."""
    args = ["run", "--out", str(tmp_path / "runs"), "--state-dir", str(tmp_path / "state")]
    if faults is not None:
        plan = tmp_path / "faults.toml"
        plan.write_text(faults, encoding="utf-8")
        args += ["--faults", str(plan)]
    return [*args, *extra]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def only_run_dir(tmp_path: Path) -> Path:
    """The one run folder the command made."""
    (run_dir,) = (tmp_path / "runs").iterdir()
    return run_dir


def test_the_demo_shows_a_live_line_with_the_countdown_first_and_a_coloured_outcome(
    tmp_path: Path,
) -> None:
    """At 80 columns the live line keeps the countdown, and the site's Chinese busy text (two
    cells a character) is cut to fit: one live line, never a wrapped or stale one; no log
    line; the outcome in colour."""
    plan = 'busy_first = 3\nbusy_style = "banner"\nbusy_status = 503\nlanguage = "zh"\n'
    term = Terminal(*demo(tmp_path, faults=plan), columns=80)
    try:

        def counting_down(text: str) -> bool:
            # the countdown redrawn at least once, and on screen now (read from the very text
            # the screen below is drawn from: a loaded machine may reach the next attempt)
            return text.count("next try in") >= 2 and any(
                "· next try in" in line for line in term.screen()
            )

        assert term.wait_for(counting_down, 120), term.text[-2000:]
        screen = term.screen()
        live = [line for line in screen if "order 1001" in line or "系统" in line]
        assert len(live) == 1, screen  # one line: no wrapped tail, no stale copy of a redraw
        assert re.match(r"order 1001: attempt [123] of 15 · next try in", live[0]), screen
        assert 'last: busy "系统' in live[0] and cell_len(live[0]) <= 79, live
        assert term.finish() == 0
    finally:
        term.kill()
    screen = term.screen()
    assert not any(word in term.text for word in NOISE), term.text[-3000:]
    assert any(line.startswith("bundled storefront at http://127.0.0.1:") for line in screen)
    assert any(line.startswith("opened: dispute D-") for line in screen)
    assert "4 attempts" in " ".join(screen) and "attempts, 1 attempt" not in " ".join(screen)
    assert not any(line.startswith("order 1001:") for line in screen)  # the live line is gone
    assert "\x1b[1;32mopened\x1b[0m" in term.text  # green on a terminal


def test_no_color_and_quiet_give_a_plain_short_screen(tmp_path: Path) -> None:
    """NO_COLOR: no colour code at all; -q: no progress, only the outcome's lines."""
    term = Terminal(*demo(tmp_path, "-q"), env={"NO_COLOR": "1"})
    assert term.finish() == 0
    assert "\x1b[3" not in term.text and "\x1b[1m" not in term.text
    screen = term.screen()
    assert screen[0].startswith("opened: dispute D-"), screen
    assert len(screen) <= 5
    assert "next try in" not in term.text and "bundled storefront" not in term.text


def test_ci_on_a_terminal_is_plain_and_verbose_logs_read_like_the_console(tmp_path: Path) -> None:
    """CI=true on a terminal: no colour and no escape code at all, plain progress lines; -v
    adds the log's info events as console lines ("order 1001: run started (site: …)"), never
    structlog's raw "2026-…Z [info     ] agent.x" lines."""
    term = Terminal(*demo(tmp_path, "-v", faults="busy_first = 1\n"), env={"CI": "true"})
    assert term.finish() == 0
    assert "\x1b" not in term.text, term.text[:2000]
    lines = term.text.replace("\r", "").splitlines()
    assert any(
        line.startswith("order 1001: run started (site: http://127.0.0.1:") for line in lines
    )
    assert "order 1001: attempt 1 of 15: busy" in term.text  # the plain progress lines
    raw = [line for line in lines if re.search(r"\d{4}-\d\d-\d\dT\S+ +\[|\[(info|warning) ", line)]
    assert raw == []
    assert any(line.startswith("opened: dispute D-") for line in lines)


def test_mock_site_shows_a_banner_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    """``mock-site`` says where it is, the demo account and how to set faults; Ctrl-C says
    "stopped", exit 0, not "interrupted … nothing was sent"."""
    term = Terminal("mock-site", "--port", "0", "--skin", "aliexpress", columns=80)
    try:
        assert term.wait_for(lambda text: "Ctrl-C stops it" in text, 60), term.text[-2000:]
        term.send_signal(signal.SIGINT)
        code = term.finish(timeout=30)
    finally:
        term.kill()
    screen = term.screen()
    assert code == 0, screen
    assert screen[0].startswith("bundled storefront (aliexpress skin) on http://127.0.0.1:")
    assert "  demo account: demo / demo" in screen
    assert any("/__mock/faults -d '{\"busy_first\": 3}'" in line for line in screen)
    assert any("--faults FILE (make mock-site FAULTS=file.toml)" in line for line in screen)
    assert screen[-1] == "the bundled storefront stopped (Ctrl-C)"
    assert "nothing was sent" not in term.text and "Traceback" not in term.text
    assert all(cell_len(line) <= 80 for line in screen)


def test_ctrl_c_on_the_trace_viewer_says_stopped(tmp_path: Path) -> None:
    """``trace RUN_DIR --port P``: the viewer serves until Ctrl-C, which says "stopped"."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with zipfile.ZipFile(run_dir / "trace.zip", "w") as archive:
        archive.writestr("trace.trace", "")
    port = str(free_port())
    term = Terminal("trace", str(run_dir), "--port", port)
    try:
        assert term.wait_for(lambda text: f"127.0.0.1:{port}" in text, 60), term.text[-2000:]
        time.sleep(1.0)  # the viewer's server starting
        term.send_signal(signal.SIGINT)
        code = term.finish(timeout=30)
    finally:
        term.kill()
    assert code == 0, term.text[-2000:]
    assert term.screen()[-1] == "the trace viewer stopped (Ctrl-C)"
    assert "nothing was sent" not in term.text and "Traceback" not in term.text


def test_json_logs_make_every_line_json_even_on_a_terminal(tmp_path: Path) -> None:
    """--log-format json: each line the terminal receives is one JSON object."""
    term = Terminal(*demo(tmp_path, "--log-format", "json"))
    assert term.finish() == 0
    lines = [line for line in term.text.replace("\r", "").split("\n") if line.strip()]
    records = [json.loads(line) for line in lines]
    events = [r["event"] for r in records]
    assert "agent.storefront_started" in events and "agent.attempt_started" in events
    assert records[-1]["event"] == "agent.outcome" and records[-1]["status"] == "opened"


def test_json_result_on_stdout_and_the_preflight_changes_said_first(tmp_path: Path) -> None:
    """--json prints result.json's object on stdout; stderr says what the pre-flight changed
    before the storefront starts (nothing is sent before)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            *demo(
                tmp_path,
                "--json",
                "--order",
                "1001",
                "--message",
                "My parcel has not arrived after 40 days, please refund me",
            ),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    run_dir = only_run_dir(tmp_path)
    on_disk = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert result.pop("run_dir") == str(run_dir.resolve())  # where, for scripts
    assert result.pop("report") == str(run_dir.resolve() / "report.html")
    assert result == on_disk
    assert result["context"]["command"][:2] == ["retry-dispute", "run"]
    err = proc.stderr.splitlines()
    changed = next(i for i, line in enumerate(err) if "changed before sending" in line)
    started = next(i for i, line in enumerate(err) if line.startswith("bundled storefront"))
    assert changed < started and "final period" in err[changed]
    assert any(line.startswith("opened: dispute D-") for line in err)  # the summary on stderr


def test_ctrl_c_between_attempts_stops_cleanly_with_its_records(tmp_path: Path) -> None:
    """Ctrl-C while waiting: exit 130, result.json and report say interrupted, nothing was in
    flight, one line names the run folder, and no asyncio noise."""
    term = Terminal(
        *demo(tmp_path, "--initial-wait", "20s", "--max-wait", "1m", faults="busy_first = 100\n")
    )
    try:
        assert term.wait_for(lambda text: "next try in" in text, 120), term.text[-2000:]
        started = time.monotonic()
        term.send_signal(signal.SIGINT)
        code = term.finish(timeout=GRACE_S + 30)
        took = time.monotonic() - started
    finally:
        term.kill()
    assert code == 130, term.text[-3000:]
    assert took < GRACE_S
    assert not any(word in term.text for word in NOISE), term.text[-3000:]
    run_dir = only_run_dir(tmp_path)
    result = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert (result["status"], result["exit_code"], result["interrupted_by"]) == (
        "interrupted",
        130,
        "SIGINT",
    )
    assert "no submission was on its way" in result["message"]
    assert (run_dir / "report.html").is_file() and not (run_dir / "support-ticket.md").exists()
    assert "agent.interrupted" in (run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert f"run folder: {run_dir}/" in term.plain and "exit code 130" in term.plain


def test_sigterm_during_a_submission_exits_143_and_says_it_may_have_reached_the_site(
    tmp_path: Path,
) -> None:
    """SIGTERM while the form is on its way: 143, "may have been opened", and the journal keeps
    the submission open for the next run to reconcile."""
    term = Terminal(*demo(tmp_path, faults="slow_submit_s = 30\n"))
    try:
        assert term.wait_for(lambda text: "submitting" in text, 120), term.text[-2000:]
        time.sleep(0.5)
        started = time.monotonic()
        term.proc.send_signal(signal.SIGTERM)  # the process alone, as `kill PID` does
        assert term.wait_for(lambda text: "exit code 143" in text, GRACE_S), term.text[-2000:]
        took = time.monotonic() - started
        code = term.finish(timeout=60)
    finally:
        term.kill()
    assert code == 143 and took < GRACE_S
    result = json.loads((only_run_dir(tmp_path) / "result.json").read_text(encoding="utf-8"))
    assert result["interrupted_by"] == "SIGTERM" and result["exit_code"] == 143
    assert "the dispute may have been opened" in result["message"]
    assert result["timeline"][-2]["outcome"] == "interrupted"
    with Journal.in_state_dir(tmp_path / "state") as journal:
        site = next(row for row in journal._db.execute("SELECT site FROM intents"))[0]
        assert len(journal.unfinished(site=site, order_id="1001")) == 1


def test_a_second_ctrl_c_quits_at_once(tmp_path: Path) -> None:
    """Ctrl-C twice: the second one ends the process at once (the hard exit, not the clean
    stop's bounded wait), saying so."""
    term = Terminal(*demo(tmp_path, faults="slow_submit_s = 30\n"))
    try:
        assert term.wait_for(lambda text: "submitting" in text, 120), term.text[-2000:]
        term.send_signal(signal.SIGINT)
        assert term.wait_for(lambda text: "press Ctrl-C again" in text, 10)
        term.send_signal(signal.SIGINT)
        code = term.finish(timeout=30)
    finally:
        term.kill()
    assert code == 130
    assert "stopped at once (exit code 130)" in term.text


def test_ctrl_c_during_a_batch_writes_a_true_summary_and_index(tmp_path: Path) -> None:
    """The orders in flight end interrupted (no ticket, no error folder), the others are marked
    not started, and summary.json, index.html and the exit code say so."""
    batch = tmp_path / "orders.csv"
    rows = [
        f"{o},no,not_received,My parcel has not arrived after 40 days. Please refund me."
        for o in ("2101", "2102", "2103", "2104", "2105")
    ]
    batch.write_text(
        "order_id,received,reason,message\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    term = Terminal(
        *demo(
            tmp_path,
            "--batch",
            str(batch),
            "--concurrency",
            "2",
            "--initial-wait",
            "20s",
            "--max-wait",
            "1m",
            faults="busy_first = 100\n",
        )
    )
    try:
        assert term.wait_for(lambda text: text.count("next try in") >= 2, 120), term.text[-2000:]
        term.read(0.3)
        assert any(
            line.startswith("[") and "0/5 orders, 2 running" in line for line in term.screen()
        ), term.screen()
        term.send_signal(signal.SIGINT)
        code = term.finish(timeout=GRACE_S + 30)
    finally:
        term.kill()
    assert code == 130, term.text[-3000:]
    assert not any(word in term.text for word in NOISE), term.text[-3000:]
    (batch_dir,) = (tmp_path / "runs").glob("batch-*")
    summary = json.loads((batch_dir / "summary.json").read_text(encoding="utf-8"))
    statuses = [o["status"] for o in summary["orders"]]
    assert statuses == ["interrupted", "interrupted", None, None, None]
    assert summary["not_run"] == ["2103", "2104", "2105"]
    assert (summary["exit_code"], summary["interrupted_by"]) == (130, "SIGINT")
    run_dirs = [p for p in batch_dir.iterdir() if p.is_dir()]
    assert len(run_dirs) == 2
    assert not list(batch_dir.rglob("support-ticket.md"))
    index = (batch_dir / "index.html").read_text(encoding="utf-8")
    assert "Stopped by Ctrl-C: 5 orders not finished" in index
    assert index.count('data-kind="not_run"') == 3
    assert "--resume" in " ".join(term.screen())
