"""`retry-dispute support RUN_DIR` and `run --escalate` against the storefront's chat, in a browser.

Real time with short timings: the storefront's idle limit is a few seconds and a profile copy tells
the agent the same. Each test runs the command line as a person does (a subprocess; a
pseudo-terminal where a person answers) and checks the storefront's own transcript.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pexpect
import pytest
from PIL import Image

from mock_site.testing import StorefrontServer
from tests.runfolders import make_run

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUESTION = "Which browser do you use?"


def fast_profile(tmp_path: Path, **values: object) -> Path:
    """The mock profile with the [support_chat] values changed (idle_s, hold_margin_s, ...)."""
    text = (ROOT / "agent/profiles/mock.toml").read_text(encoding="utf-8")
    head, chat = text.split("\n[support_chat]\n", 1)
    for key, value in values.items():
        shown = json.dumps(value)
        line = f"{key} = {shown}"
        chat, n = re.subn(rf"(?m)^{key} = .*$", lambda _, line=line: line, chat, count=1)
        assert n == 1, key
    path = tmp_path / "fast.toml"
    path.write_text(f"{head}\n[support_chat]\n{chat}", encoding="utf-8")
    return path


def cli(
    *args: str, stdin: int | None = subprocess.DEVNULL, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m agent ARGS` with the demo account's credentials in the environment."""
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RETRY_DISPUTE_USER": "demo",
        "RETRY_DISPUTE_PASSWORD": "demo",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        env=environ,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def chat_of(run_dir: Path) -> dict[str, Any]:
    """The run folder's support-chat.json."""
    data: dict[str, Any] = json.loads((run_dir / "support-chat.json").read_text(encoding="utf-8"))
    return data


def customer_texts(storefront: StorefrontServer) -> list[str]:
    """What the customer sent in the storefront's (only) chat."""
    [row] = storefront.chats()
    return [m["text"] for m in row["messages"] if m["sender"] == "customer"]


def test_support_gets_a_case_number_with_the_screenshots(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """Queue, order number, screenshots (the error's first, one shrunk to fit), a case number."""
    storefront.set_faults({"chat_queue_s": 3, "chat_operator_delay_s": 0.4, "chat_idle_s": 8})
    run_dir = make_run(tmp_path / "runs", "gave_up")
    raw = Image.frombytes("RGB", (1100, 1000), os.urandom(1100 * 1000 * 3))
    big = io.BytesIO()
    raw.save(big, format="PNG")
    assert len(big.getvalue()) > 3 * 1024 * 1024  # over the chat's limit
    (run_dir / "screenshots/07-attempt-3-busy.png").write_bytes(big.getvalue())
    profile = fast_profile(tmp_path, idle_s=8, hold_margin_s=3)
    proc = cli("support", str(run_dir), "--site", storefront.url, "--profile", str(profile))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("case number: CASE-100001 (order 1001)\n")
    assert "support: waiting in the queue: position 5, waited 0 s" in proc.stderr
    assert re.search(r"support: waiting in the queue: position 1, waited [1-3] s", proc.stderr)
    [row] = storefront.chats()
    assert row["case_number"] == "CASE-100001" and row["drop_reason"] is None
    sent = [m for m in row["messages"] if m["sender"] == "customer"]
    assert sent[0]["text"] == "Hello. I cannot open a dispute for order 1001."
    names = [a["name"] for a in sent[1]["attachments"]]
    assert names == [
        "07-attempt-3-busy.jpg",
        "01-login-page.png",
        "02-order-page.png",
        "03-dispute-form.png",
        "04-form-filled.png",
    ]
    assert sent[1]["attachments"][0]["type"] == "image/jpeg"
    assert row["refused"] == []
    chat = chat_of(run_dir)
    assert (chat["end"], chat["case_number"], chat["exit_code"]) == ("case", "CASE-100001", 0)
    assert [m["text"] for m in chat["messages"] if m["sender"] == "customer"][:2] == [
        s["text"] for s in sent[:2]
    ]
    assert chat["screenshots"], "a screenshot of the chat after each exchange"
    for shot in chat["screenshots"]:
        assert re.fullmatch(r"screenshots/\d\d-chat-[a-z-]+\.png", shot)
        assert (run_dir / shot).read_bytes()[:8] == PNG_MAGIC
    md = (run_dir / "support-chat.md").read_text(encoding="utf-8")
    assert "Case number: **CASE-100001**" in md and "**Support**: Please tell me your order" in md
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-testid="chat-case-number">CASE-100001<' in html


def test_support_json_prints_the_chat_record_on_stdout(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """``--json``: stdout is support-chat.json's object alone; the person's lines go to stderr."""
    storefront.set_faults({"chat_queue_s": 0, "chat_operator_delay_s": 0.2, "chat_idle_s": 8})
    run_dir = make_run(tmp_path / "runs", "gave_up")
    profile = fast_profile(tmp_path, idle_s=8, hold_margin_s=3)
    proc = cli(
        "support", str(run_dir), "--site", storefront.url, "--profile", str(profile), "--json"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("\n") == 1
    printed = json.loads(proc.stdout)
    assert printed == chat_of(run_dir)
    assert (printed["end"], printed["case_number"], printed["exit_code"]) == (
        "case",
        "CASE-100001",
        0,
    )
    assert "case number: CASE-100001 (order 1001)" in proc.stderr


def test_run_escalate_on_the_bundled_storefront(tmp_path: Path) -> None:
    """`run --escalate --json` on the bundled storefront whose busy answers echo the session
    cookie: gave up, then a case number: exit 8 (the dispute is not open), ONE JSON document
    with the chat inside, the attempts' screenshots (their page showed the cookie) never
    attached and said so, and the report headlined by the case."""
    faults = tmp_path / "faults.toml"
    faults.write_text(
        "busy_first = 1000\nchat_queue_s = 0\nchat_operator_delay_s = 0.4\nchat_idle_s = 8\n"
        "chat_free_question = true\necho_cookie = true\n",
        encoding="utf-8",
    )
    profile = fast_profile(tmp_path, idle_s=8, hold_margin_s=3)
    proc = cli(
        "run",
        "--faults",
        str(faults),
        "--profile",
        str(profile),
        "--out",
        str(tmp_path / "runs"),
        "--state-dir",
        str(tmp_path / "state"),
        "--max-attempts",
        "2",
        "--initial-wait",
        "0.05",
        "--max-wait",
        "0.1",
        "--escalate",
        "--no-input",
        "--json",
        RETRY_DISPUTE_USER="",
        RETRY_DISPUTE_PASSWORD="",
    )
    assert proc.returncode == 8, proc.stderr[-3000:]
    assert proc.stdout.count("\n") == 1  # one JSON document, nothing else
    printed = json.loads(proc.stdout)
    [run_dir] = (tmp_path / "runs").iterdir()
    assert printed["status"] == "gave_up" and printed["exit_code"] == 8
    assert "[redacted]" in printed["last_answer"]  # the echoed cookie, masked in the text
    chat = chat_of(run_dir)
    assert printed["support_chat"] == chat
    assert json.loads((run_dir / "result.json").read_text())["status"] == "gave_up"
    assert (chat["end"], chat["case_number"]) == ("case", "CASE-100001")
    assert proc.stderr.count("gave_up: ") == 1
    assert "case number: CASE-100001 (order 1001)" in proc.stderr
    assert "exit code 8: the dispute is not open, and support opened case CASE-100001" in (
        proc.stderr
    )
    whys = [m["why"] for m in chat["messages"] if m["sender"] == "customer"]
    assert whys[:3] == ["order_number", "screenshots", "when"]
    held = [h["screenshot"] for h in chat["held_back"]]
    assert [re.sub(r"^screenshots/\d+-", "", shot) for shot in held] == [
        "attempt-1-busy.png",
        "attempt-2-busy.png",
        "stopped-gave-up.png",  # the page after the last answer: the cookie still shows
    ]
    attached = [a["source"] for m in chat["messages"] for a in m["attachments"]]
    assert attached and not set(attached) & set(held)
    assert f"support: Screenshot {held[0]} is not attached: the page it shows held a secret" in (
        proc.stderr
    )
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-testid="case-headline"><strong>Support case CASE-100001 opened at' in report
    headline = report.split('data-testid="next-steps"', 1)[1].split("</strong>", 1)[0]
    assert "Support case CASE-100001 opened at" in headline
    assert (
        "paste the messages"
        not in report.split('data-testid="next-steps"', 1)[1].split("</section>", 1)[0]
    )
    assert "What support asked: the order number, screenshots of the error" in report


def test_support_offline_exits_4(storefront: StorefrontServer, tmp_path: Path) -> None:
    """Support offline: exit 4 with the hours, no chat started, the transcript saved."""
    storefront.set_faults({"chat_offline": True})
    run_dir = make_run(tmp_path / "runs", "gave_up")
    proc = cli("support", str(run_dir), "--site", storefront.url)
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert proc.stdout.startswith("offline: support is offline: Our support team is offline.")
    assert "what to do: support is not there now" in proc.stdout
    assert storefront.chats() == []  # the page says offline: no chat is even started
    chat = chat_of(run_dir)
    assert (chat["end"], chat["messages"]) == ("offline", [])
    assert "Chat hours: Monday to Friday" in chat["notes"][0]["text"]


def test_a_question_without_a_terminal_exits_5(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """No terminal: the free question gets "I will come back with this information.", exit 5."""
    storefront.set_faults(
        {"chat_queue_s": 0, "chat_operator_delay_s": 0.3, "chat_free_question": QUESTION}
    )
    run_dir = make_run(tmp_path / "runs", "gave_up")
    proc = cli("support", str(run_dir), "--site", storefront.url)
    assert proc.returncode == 5, proc.stderr[-3000:]
    assert proc.stdout.startswith(
        f"person: the operator asked a question only you can answer: {QUESTION}\n"
    )
    assert customer_texts(storefront)[-1] == "I will come back with this information."
    chat = chat_of(run_dir)
    assert (chat["end"], chat["question"], chat["exit_code"]) == ("person", QUESTION, 5)


def test_a_person_answers_through_a_terminal(storefront: StorefrontServer, tmp_path: Path) -> None:
    """In a pseudo-terminal: the question and time left shown, Cyrillic refused, English sent."""
    storefront.set_faults(
        {
            "chat_queue_s": 0,
            "chat_operator_delay_s": 0.3,
            "chat_idle_s": 60,
            "chat_free_question": QUESTION,
        }
    )
    run_dir = make_run(tmp_path / "runs", "gave_up")
    profile = fast_profile(tmp_path, idle_s=60, hold_margin_s=20)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RETRY_DISPUTE_USER": "demo",
        "RETRY_DISPUTE_PASSWORD": "demo",
    }
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "agent",
            "support",
            str(run_dir),
            "--site",
            storefront.url,
            "--profile",
            str(profile),
        ],
        env=env,
        encoding="utf-8",
        timeout=90,
        dimensions=(40, 200),
    )
    try:
        child.expect_exact(f"The operator asks: {QUESTION}")
        child.expect(r"about (\d+) s before the chat would close")
        assert 50 <= int(child.match.group(1)) <= 60
        child.sendline("Хром на Linux")
        child.expect_exact("Not sent: non-Latin letters (Cyrillic)")
        child.sendline("Chromium on Linux")
        child.expect_exact("case number: CASE-100001 (order 1001)")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    texts = customer_texts(storefront)
    assert "Chromium on Linux." in texts
    assert not any(re.search("[\u0400-\u04ff]", text) for text in texts)
    chat = chat_of(run_dir)
    assert [m["why"] for m in chat["messages"] if m["text"] == "Chromium on Linux."] == ["person"]


def test_a_hostile_operator_can_neither_drive_the_terminal_nor_get_the_cookie(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """In a pseudo-terminal: the operator's question (a window title, a cleared screen, a
    right-to-left override, a sentence a backtracking case_number pattern chokes on) is shown
    escaped; the chat session's own cookie, pasted as the answer, is refused; Ctrl-C while the
    chat waits for the answer ends it (exit 130) with the transcript saved, cookie-free."""
    hostile = "\x1b]0;owned\x07\x1b[2J\u202eWhich browser do you use? " + "a" * 32 + "!"
    storefront.set_faults(
        {
            "chat_queue_s": 0,
            "chat_operator_delay_s": 0.3,
            "chat_idle_s": 60,
            "chat_free_question": hostile,
        }
    )
    run_dir = make_run(tmp_path / "runs", "gave_up")
    profile = fast_profile(
        tmp_path,
        idle_s=60,
        hold_margin_s=20,
        case_number="case number is (?P<case_number>CASE-\\d+)|(a+)+$",
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RETRY_DISPUTE_USER": "demo",
        "RETRY_DISPUTE_PASSWORD": "demo",
    }
    before = set(storefront.store._sessions)
    args = ["-m", "agent", "support", str(run_dir), "--site", storefront.url]
    child = pexpect.spawn(
        sys.executable,
        [*args, "--profile", str(profile)],
        env=env,
        encoding="utf-8",
        timeout=90,
        dimensions=(40, 250),
    )
    try:
        child.expect_exact(
            "The operator asks: \\x1b]0;owned\\x07\\x1b[2J\\u202eWhich browser do you use?"
        )
        child.expect_exact("before the chat would close")
        [cookie] = set(storefront.store._sessions) - before  # the chat's own login
        child.sendline(cookie)
        child.expect_exact("Not sent: it looks like a password, a cookie or a token.")
        child.sendintr()
        child.expect_exact("interrupted (Ctrl-C); the chat so far is in", timeout=30)
        child.expect(pexpect.EOF, timeout=30)
        shown = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 130
    assert "\x1b]0;" not in shown and "\u202e" not in shown
    assert cookie not in customer_texts(storefront)
    chat = chat_of(run_dir)
    assert chat["end"] is None and chat["exit_code"] == 130
    for name in ("support-chat.md", "support-chat.json", "report.html", "log.jsonl"):
        assert cookie not in (run_dir / name).read_text(encoding="utf-8"), name


def test_no_cookie_or_password_in_what_support_writes(
    storefront: StorefrontServer, tmp_path: Path
) -> None:
    """With a saved session (cookie) and a password in the environment, neither is written."""
    with httpx.Client(base_url=storefront.url) as client:
        client.post("/login", data={"username": "demo", "password": "demo", "next": "/orders"})
        cookie = client.cookies["session"]
    host = storefront.url.split("//", 1)[1].split(":")[0]
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "cookies": [
                    {
                        "name": "session",
                        "value": cookie,
                        "domain": host,
                        "path": "/",
                        "expires": -1,
                        "httpOnly": True,
                        "secure": False,
                        "sameSite": "Lax",
                    }
                ],
                "origins": [],
            }
        ),
        encoding="utf-8",
    )
    storefront.set_faults({"chat_queue_s": 0, "chat_operator_delay_s": 0.3})
    run_dir = make_run(tmp_path / "runs", "gave_up")
    proc = cli(
        "support",
        str(run_dir),
        "--site",
        storefront.url,
        "--storage-state",
        str(state),
        RETRY_DISPUTE_PASSWORD="pw-never-written-42",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("support-chat.md", "support-chat.json", "report.html", "log.jsonl"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert cookie not in text, name
        assert "pw-never-written-42" not in text, name
    assert cookie not in proc.stdout + proc.stderr
    assert "pw-never-written-42" not in proc.stdout + proc.stderr


def test_the_same_agent_holds_the_aliexpress_skins_chat(tmp_path: Path) -> None:
    """Another skin's chat (class names, a cookie banner): only the agent's profile differs."""
    shipped = (ROOT / "agent/profiles/aliexpress.toml").read_text(encoding="utf-8")
    table = "[support_chat]\n" + shipped.split("\n[support_chat]\n", 1)[1]  # to the end
    base = (ROOT / "agent/profiles/mock.toml").read_text(encoding="utf-8")
    base = base.split("\n[support_chat]\n", 1)[0]
    base = re.sub(r"(?m)^overlay = .*$", 'overlay = "div.global-gdpr-wrap"', base)
    base = re.sub(r"(?m)^overlay_close = .*$", 'overlay_close = "button.btn-accept"', base)
    table = table.replace("idle_s = 180", "idle_s = 8").replace(
        "hold_margin_s = 30", "hold_margin_s = 3"
    )
    profile = tmp_path / "ae-chat.toml"
    profile.write_text(base + "\n" + table, encoding="utf-8")
    with StorefrontServer(skin="aliexpress") as server:
        server.set_faults(
            {
                "chat_queue_s": 1,
                "chat_operator_delay_s": 0.3,
                "chat_idle_s": 8,
                "chat_free_question": True,
            }
        )
        cookies = server.session_cookies()
        host = server.url.split("//", 1)[1].split(":")[0]
        state = tmp_path / "state.json"
        state.write_text(
            json.dumps(
                {
                    "cookies": [
                        {
                            "name": name,
                            "value": value,
                            "domain": host,
                            "path": "/",
                            "expires": -1,
                            "httpOnly": name == "xman_t",
                            "secure": False,
                            "sameSite": "Lax",
                        }
                        for name, value in cookies.items()
                    ],
                    "origins": [],
                }
            ),
            encoding="utf-8",
        )
        run_dir = make_run(tmp_path / "runs", "gave_up")
        proc = cli(
            "support",
            str(run_dir),
            "--site",
            server.url,
            "--profile",
            str(profile),
            "--storage-state",
            str(state),
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.startswith("case number: CASE-100001 (order 1001)\n")
        [row] = server.chats()
    sent = [m for m in row["messages"] if m["sender"] == "customer"]
    assert sent[0]["text"] == "Hello. I cannot open a dispute for order 1001."
    assert sent[1]["attachments"][0]["name"] == "07-attempt-3-busy.png"
    assert sent[2]["text"] == "I first saw the error on 2025-11-24 at 03:16:06 UTC."
    assert row["case_number"] == "CASE-100001"
    assert chat_of(run_dir)["case_number"] == "CASE-100001"


@pytest.mark.slow(30)
def test_a_batch_goes_to_support_order_after_order_and_keeps_every_case(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A real batch that gave up, then `support BATCH_DIR` on a chat that shows only its last 3
    messages: a case per order, in the batch's summary.json and index.html and each report;
    `support RUN_DIR` again is refused while the case is open; --again keeps both cases."""
    from tests.safety.helpers import MESSAGE
    from tests.safety.helpers import cli as run_cli

    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    batch = tmp_path / "batch.toml"
    batch.write_text(
        "".join(
            f'[[request]]\norder_id = "{order}"\nreceived = "no"\nreason = "not_received"\n'
            f'message = "{MESSAGE}"\n\n'
            for order in ("2000", "2001")
        ),
        encoding="utf-8",
    )
    storefront.set_faults({"busy_first": 1000})
    out = tmp_path / "runs"
    site = ["--site", storefront.url]
    state = ["--state-dir", str(tmp_path / "state")]
    ran = ["run", *site, "--batch", str(batch), "--out", str(out), *state, "--max-attempts", "1"]
    assert run_cli(ran) == 4
    [batch_dir] = out.glob("batch-*")
    capsys.readouterr()
    storefront.set_faults(
        {"chat_queue_s": 0, "chat_operator_delay_s": 0.2, "chat_idle_s": 8, "chat_window": 3}
    )
    profile = str(fast_profile(tmp_path, idle_s=8, hold_margin_s=3))
    assert run_cli(["support", str(batch_dir), *site, "--profile", profile]) == 0
    printed = capsys.readouterr().out
    assert f"support for batch {batch_dir}: 2 cases opened in 2 chats, 0 orders skipped" in printed
    assert "  order 2000: case number CASE-100001\n  order 2001: case number CASE-100002\n" in (
        printed
    )
    summary = json.loads((batch_dir / "summary.json").read_text(encoding="utf-8"))
    assert [(o["order_id"], o["case_number"]) for o in summary["orders"]] == [
        ("2000", "CASE-100001"),
        ("2001", "CASE-100002"),
    ]
    index = (batch_dir / "index.html").read_text(encoding="utf-8")
    assert '<td class="mono" data-testid="case-number">CASE-100002</td>' in index
    first = batch_dir / summary["orders"][0]["run_dir"]
    assert "Support case CASE-100001 opened at" in (first / "report.html").read_text()
    assert [row["case_number"] for row in storefront.chats()] == ["CASE-100001", "CASE-100002"]

    # a second chat while the case is open: refused, before anything starts
    assert run_cli(["support", str(first), *site, "--profile", profile]) == 2
    err = capsys.readouterr().err
    assert "support case CASE-100001 is open for order 2000 (opened " in err
    assert "pass --again to chat anyway" in err
    assert run_cli(["support", str(first), *site, "--profile", profile, "--again"]) == 0
    assert capsys.readouterr().out.startswith("case number: CASE-100003 (order 2000)\n")
    chat = chat_of(first)
    assert [c["case_number"] for c in chat["cases"]] == ["CASE-100001", "CASE-100003"]
    assert all(c["opened_at"] for c in chat["cases"])
    assert [c["case_number"] for c in chat["earlier"]] == ["CASE-100001"]
    md = (first / "support-chat.md").read_text(encoding="utf-8")
    assert "- **CASE-100001**, opened " in md and "- **CASE-100003**, opened " in md
    assert "## Chat 1 of 2: order 2000" in md and "## Chat 2 of 2: order 2000" in md
    html = (first / "report.html").read_text(encoding="utf-8")
    assert html.count('data-testid="chat-case"') == 2
    assert "Support case CASE-100003 opened at" in html
