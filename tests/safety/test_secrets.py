"""Secrets: storage states are private and stay out of run folders; logs and evidence hold none.

The demo account's password is made distinctive for these tests (the storefront's account table
is patched in-process), so that finding it means a leak and not the user name "demo". The
session cookie's value is read from the storage state that ``retry-dispute login`` saved, or
from the storefront's sessions for a run that logged in by itself.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from agent.cli.session import trace_mode
from agent.log import configure_logging, get_logger, log_to_file, redact
from agent.redaction import REDACTED, add_secret, redact_text
from agent.session import write_private
from mock_site.testing import StorefrontServer
from tests.safety.helpers import cli

PASSWORD = "pw-" + secrets.token_urlsafe(12)
MESSAGE = "My parcel has not arrived after forty days. Please refund me."


# --- storage-state files ------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_creates_0600(tmp_path: Path) -> None:
    """A new storage-state file is readable and writable by its owner only, even with umask 0."""
    old = os.umask(0)
    try:
        write_private(tmp_path / "deep" / "state.json", '{"cookies": [], "origins": []}')
    finally:
        os.umask(old)
    assert _mode(tmp_path / "deep" / "state.json") == 0o600
    assert json.loads((tmp_path / "deep" / "state.json").read_text()) == {
        "cookies": [],
        "origins": [],
    }


def test_write_private_tightens_an_existing_file(tmp_path: Path) -> None:
    """Overwriting a world-readable file leaves a 0600 file, and no temporary file behind."""
    path = tmp_path / "state.json"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert _mode(path) == 0o600
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.fixture
def private_site(
    storefront: StorefrontServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StorefrontServer]:
    """The storefront with demo's password set to PASSWORD, and the credentials in the env."""
    monkeypatch.setattr("mock_site.store.ACCOUNTS", {"demo": PASSWORD, "other": "other"})
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", PASSWORD)
    yield storefront


def _login(site: StorefrontServer, path: Path) -> dict[str, Any]:
    code = cli(["login", "--site", site.url, "--save-session", str(path), "--headless"])
    assert code == 0
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _cookie(state: dict[str, Any]) -> str:
    [value] = [c["value"] for c in state["cookies"] if c["name"] == "session"]
    assert len(value) >= 16
    return str(value)


@pytest.mark.browser
def test_login_saves_the_session_0600_and_says_nothing_secret(
    private_site: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`retry-dispute login --headless` writes a 0600 storage state; its output holds no secret."""
    path = tmp_path / "sessions" / "demo.json"
    state = _login(private_site, path)
    assert _mode(path) == 0o600
    cookie = _cookie(state)
    out = capsys.readouterr()
    for text in (out.out, out.err):
        assert cookie not in text
        assert PASSWORD not in text
    assert "0600" in out.out


def test_login_headless_without_credentials_is_refused(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--headless needs the credentials in the environment: exit 2, one line, nothing written."""
    monkeypatch.delenv("RETRY_DISPUTE_USER", raising=False)
    monkeypatch.delenv("RETRY_DISPUTE_PASSWORD", raising=False)
    code = cli(
        [
            "login",
            "--site",
            storefront.url,
            "--save-session",
            str(tmp_path / "s.json"),
            "--headless",
        ]
    )
    assert code == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
    assert not (tmp_path / "s.json").exists()


# --- what a run leaves behind -------------------------------------------------------------------


def _run(site: StorefrontServer, out: Path, *extra: str, order: str = "2000") -> int:
    return cli(
        [
            "run",
            "--site",
            site.url,
            "--order",
            order,
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            MESSAGE,
            "--out",
            str(out),
            "--state-dir",
            str(out.parent / "state"),
            "--initial-wait",
            "0.01",
            "--max-wait",
            "0.05",
            *extra,
        ]
    )


def _run_dir(out: Path) -> Path:
    """The one run folder under ``out``."""
    [run_dir] = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def _blobs(run_dir: Path) -> dict[str, bytes]:
    """Every file under a folder, and every member of its zip files, by name."""
    found: dict[str, bytes] = {}
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        name = str(path.relative_to(run_dir))
        data = path.read_bytes()
        found[name] = data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    found[f"{name}!{member}"] = archive.read(member)
    return found


def _holding(blobs: dict[str, bytes], *needles: str) -> list[str]:
    """The names whose content holds any of the needles (also URL- or JSON-escaped)."""
    variants = set()
    for needle in needles:
        variants |= {needle, needle.replace("-", "%2D"), json.dumps(needle)[1:-1]}
    return sorted(name for name, data in blobs.items() if any(v.encode() in data for v in variants))


def _sessions(site: StorefrontServer) -> set[str]:
    """The session cookie values the storefront knows (white-box: its store's sessions)."""
    return set(site.store._sessions)


def _assert_no_storage_state(blobs: dict[str, bytes], state: dict[str, Any] | None) -> None:
    for name, data in blobs.items():
        assert b'"cookies"' not in data, f"{name} looks like a storage state"
        if state is not None:
            assert data != json.dumps(state).encode(), name


def _assert_not_printed(capsys: pytest.CaptureFixture[str], *secrets: str) -> None:
    printed = capsys.readouterr()
    assert [s for s in secrets if s in printed.out + printed.err] == []


@pytest.mark.browser
def test_run_with_storage_state_leaves_no_secret(
    private_site: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --storage-state run that gives up (evidence.zip written): no cookie, password or state."""
    state = _login(private_site, tmp_path / "demo.json")
    cookie = _cookie(state)
    private_site.set_faults({"busy_first": 99})
    out = tmp_path / "runs"
    code = _run(
        private_site, out, "--storage-state", str(tmp_path / "demo.json"), "--max-attempts", "2"
    )
    assert code == 4
    run_dir = _run_dir(out)
    names = {p.name for p in run_dir.iterdir()}
    assert {"evidence.zip", "support-ticket.md", "result.json", "log.jsonl"} <= names
    assert "trace.zip" not in names  # a real site's default: no trace
    with zipfile.ZipFile(run_dir / "evidence.zip") as archive:
        members = archive.namelist()
    assert not [m for m in members if Path(m).name in ("trace.zip", "log.jsonl")], members
    blobs = _blobs(run_dir)
    assert _holding(blobs, cookie, PASSWORD) == []
    _assert_no_storage_state(blobs, state)
    _assert_not_printed(capsys, cookie, PASSWORD)


@pytest.mark.browser
def test_run_that_logs_in_leaves_no_secret(
    private_site: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that types the password in the login form (trace off, the real-site default)."""
    before = _sessions(private_site)
    out = tmp_path / "runs"
    assert _run(private_site, out) == 0
    cookies = _sessions(private_site) - before
    assert cookies, "the run did not log in"
    run_dir = _run_dir(out)
    assert "trace.zip" not in {p.name for p in run_dir.iterdir()}
    blobs = _blobs(run_dir)
    assert _holding(blobs, PASSWORD, *cookies) == []
    _assert_no_storage_state(blobs, None)
    _assert_not_printed(capsys, PASSWORD, *cookies)


@pytest.mark.browser
def test_batch_with_shared_login_leaves_no_secret(
    private_site: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --batch run (one shared login, one order opened, one given up): no secret, no state."""
    batch = tmp_path / "batch.toml"
    batch.write_text(
        "".join(
            f'[[request]]\norder_id = "{order}"\nreceived = "no"\nreason = "not_received"\n'
            f'message = "{MESSAGE}"\n\n'
            for order in ("2000", "2001")
        ),
        encoding="utf-8",
    )
    private_site.set_faults({"busy_first": 1})
    before = _sessions(private_site)
    out = tmp_path / "runs"
    code = cli(
        [
            "run",
            "--site",
            private_site.url,
            "--batch",
            str(batch),
            "--out",
            str(out),
            "--state-dir",
            str(tmp_path / "state"),
            "--max-attempts",
            "1",
        ]
    )
    assert code == 4
    cookies = _sessions(private_site) - before
    assert cookies, "the batch did not log in"
    blobs = _blobs(out)
    assert any(name.endswith("evidence.zip") for name in blobs)
    assert not [name for name in blobs if "trace.zip" in name]
    assert _holding(blobs, PASSWORD, *cookies) == []
    _assert_no_storage_state(blobs, None)
    _assert_not_printed(capsys, PASSWORD, *cookies)


@pytest.mark.browser
def test_trace_is_the_only_file_with_secrets(
    private_site: StorefrontServer, tmp_path: Path
) -> None:
    """With --trace on, trace.zip holds the cookie or the password (why it is off by default)."""
    before = _sessions(private_site)
    out = tmp_path / "runs"
    assert _run(private_site, out, "--trace", "on") == 0
    cookies = _sessions(private_site) - before
    run_dir = _run_dir(out)
    assert (run_dir / "trace.zip").exists()
    holding = _holding(_blobs(run_dir), PASSWORD, *cookies)
    assert holding, "the trace is clean now: consider turning it on by default (README, Safety)"
    assert all(name.startswith("trace.zip") for name in holding), holding


def test_trace_is_off_by_default_for_a_real_site() -> None:
    """No --trace: off with --site, retain-on-failure only on the bundled storefront."""
    args = argparse.Namespace(trace=None)
    assert trace_mode(args, demo=False) == "off"
    assert trace_mode(args, demo=True) == "retain-on-failure"
    assert trace_mode(argparse.Namespace(trace="on"), demo=False) == "on"


# --- the redaction processor --------------------------------------------------------------------

SECRET = "s3cr3t-VALUE-42"


@pytest.mark.parametrize(
    "key",
    [
        "cookie",
        "cookies",
        "Cookie",
        "set_cookie",
        "password",
        "passwd",
        "user_password",
        "pwd",
        "token",
        "access_token",
        "refresh_token",
        "csrf_token",
        "authorization",
        "Authorization",
        "session",
        "session_id",
        "sessionid",
        "session_value",
        "session_state",
        "storage_state",
        "api_key",
        "client_secret",
        "credentials",
        "sid",
    ],
)
def test_redact_masks_secret_fields(key: str) -> None:
    """A field whose name says it is a cookie, password, token, authorization or session."""
    event = redact(None, "info", {"event": "agent.x", key: SECRET, "order_id": "2000"})
    assert event == {"event": "agent.x", key: REDACTED, "order_id": "2000"}


@pytest.mark.parametrize(
    "key",
    [
        "order_id",
        "status",
        "attempt",
        "session_expires_after",
        "user",
        "run_dir",
        "dispute_id",
        "wait_for",
    ],
)
def test_redact_keeps_ordinary_fields(key: str) -> None:
    """Ordinary fields (also ones that merely contain "session" or "token") are kept."""
    assert redact(None, "info", {"event": "e", key: "2000"}) == {"event": "e", key: "2000"}


def test_redact_masks_nested_headers_and_cookie_lists() -> None:
    """Secret keys inside dicts, header lists and Playwright cookie lists are masked."""
    event = redact(
        None,
        "info",
        {
            "event": "agent.request",
            "headers": {"Authorization": f"Bearer {SECRET}", "Accept": "text/html"},
            "headers_array": [
                {"name": "Cookie", "value": f"session={SECRET}"},
                {"name": "Accept", "value": "text/html"},
            ],
            "state": {"cookies": [{"name": "session", "value": SECRET}], "origins": []},
            "cookie_list": [{"name": "session", "value": SECRET}],
            "one": {"name": "session", "value": SECRET, "domain": "127.0.0.1"},
        },
    )
    assert SECRET not in json.dumps(event)
    assert event["headers"]["Accept"] == "text/html"
    assert event["headers_array"][1] == {"name": "Accept", "value": "text/html"}
    assert event["one"]["domain"] == "127.0.0.1"


@pytest.mark.parametrize(
    "text",
    [
        f"Cookie: session={SECRET}; theme=dark",
        f"cookie: theme=dark; session={SECRET}",
        f"set-cookie: session={SECRET}; Path=/; HttpOnly",
        f"Authorization: Bearer {SECRET}",
        f"authorization: Basic {SECRET}",
        f"POST /login username=demo&password={SECRET}&next=/orders",
        f'{{"password": "{SECRET}", "user": "demo"}}',
        f"{{'token': '{SECRET}'}}",
        f"GET https://shop.example/?token={SECRET}&x=1",
        f"csrf_token={SECRET}",
        f"x-auth-token: {SECRET}",
        f"session={SECRET}",
        f"PHPSESSID={SECRET}",
        f"api_key={SECRET}",
    ],
)
def test_redact_masks_secrets_inside_text(text: str) -> None:
    """Secrets inside a message or an error text (headers, forms, JSON, URLs) are masked."""
    event = redact(None, "info", {"event": text, "error": f"Page.goto failed: {text}"})
    assert SECRET not in event["event"]
    assert SECRET not in event["error"]
    assert REDACTED in event["event"]


@pytest.mark.parametrize(
    "text",
    [
        f"Cookie: session={SECRET}; theme=dark",
        f"Authorization: Bearer {SECRET}",
        f"POST /login username=demo&password={SECRET}&next=/orders",
        f'{{"password": "{SECRET}", "user": "demo"}}',
        f"csrf_token={SECRET}",
        f"session={SECRET}",
    ],
)
def test_redaction_is_idempotent(text: str) -> None:
    """Masked text stays as it is when masked again (an Outcome is redacted at each copy)."""
    once = redact_text(text)
    assert SECRET not in once
    assert redact_text(once) == once


@pytest.mark.parametrize("text", ["a." * 20_000, "csrf" * 25_000, "x-" * 20_000 + "token=v"])
def test_redaction_of_a_hostile_long_text_ends(text: str) -> None:
    """A site's long text made of key characters (the operator's message, an answer) is masked
    in linear time: before, `a.a.a…` of 40,000 characters held the interpreter (and Ctrl-C)
    for about ten minutes. (A hang detector, not a speed goal: the bound is 100 times the need.)"""
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(redact_text(text)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert done, "redact_text still runs after 30 s: quadratic again"
    assert done[0].endswith("token=[redacted]") or REDACTED not in done[0]


def test_redact_keeps_ordinary_text() -> None:
    """Ordinary messages pass unchanged."""
    text = "order 2000: attempt 2 of 10: busy; the session expired; max_tokens=4 status=busy"
    assert redact(None, "info", {"event": text}) == {"event": text}


def test_registered_secret_is_masked_everywhere() -> None:
    """A literal secret (the password from the environment) is masked in any field or text."""
    add_secret(SECRET)
    event = redact(
        None,
        "info",
        {"event": f"typed {SECRET}", "detail": [f"x{SECRET}y"], "obj": {"note": SECRET}},
    )
    assert SECRET not in json.dumps(event)


def test_objects_holding_secrets_are_masked() -> None:
    """An object whose text shows a secret is replaced by its masked text; others are kept."""

    class Leaky:
        def __str__(self) -> str:
            return f"Request(password={SECRET})"

    event = redact(None, "info", {"event": "e", "request": Leaky(), "n": 3, "path": Path("/x")})
    assert event["request"].startswith(f"Request(password={REDACTED}")
    assert SECRET not in event["request"]
    assert event["n"] == 3
    assert event["path"] == Path("/x")


def test_the_configured_chain_redacts_console_json_and_run_file(tmp_path: Path) -> None:
    """Through the real chain: console and JSON output and log.jsonl are masked alike."""
    for fmt in ("console", "json"):
        stream = io.StringIO()
        configure_logging(fmt=fmt, stream=stream)
        log = get_logger("agent.test")
        with log_to_file(tmp_path / f"{fmt}.jsonl", run_id="r"):
            log.info(
                "agent.login",
                user="demo",
                password=SECRET,
                cookie=f"session={SECRET}",
                text=f"Authorization: Bearer {SECRET}",
            )
        assert SECRET not in stream.getvalue()
        shown = "agent.login" if fmt == "json" else "login (user: demo, password: [redacted]"
        assert shown in stream.getvalue()
        line = json.loads((tmp_path / f"{fmt}.jsonl").read_text())
        assert line["password"] == REDACTED
        assert SECRET not in json.dumps(line)


def _fail_with_a_secret_local() -> None:
    password = f"local-{SECRET}"  # a local variable a traceback with locals would show
    raise RuntimeError(f"login failed ({len(password)} chars)")


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_tracebacks_do_not_show_locals(fmt: str) -> None:
    """An exception logged with its traceback shows the frames, never the local variables."""
    stream = io.StringIO()
    configure_logging(fmt=fmt, stream=stream)
    try:
        _fail_with_a_secret_local()
    except RuntimeError:
        get_logger("agent.test").exception("agent.unexpected_error")
    output = stream.getvalue()
    assert "Traceback" in output
    assert "_fail_with_a_secret_local" in output
    assert SECRET not in output


def test_exception_text_with_a_secret_is_masked() -> None:
    """An exception whose message holds a secret is masked in the logged traceback too."""
    stream = io.StringIO()
    configure_logging(fmt="json", stream=stream)
    try:
        raise ValueError(f"request failed: Cookie: session={SECRET}")
    except ValueError:
        get_logger("agent.test").exception("agent.failed")
    assert SECRET not in stream.getvalue()
    assert "ValueError" in stream.getvalue()


def test_structlog_chain_has_redact_before_every_output() -> None:
    """redact runs before the run-file tee and the renderer, and after exception formatting."""
    configure_logging(fmt="json", stream=io.StringIO())
    chain = list(structlog.get_config()["processors"])
    where = chain.index(redact)
    assert chain.index(structlog.processors.format_exc_info) < where
    assert where < len(chain) - 2  # then the run-file tee, then the renderer


# --- a site that echoes the secrets: every file, the zip and the console stay clean -------------


def _assert_private(run_dir: Path) -> None:
    """The run folder is its owner's only, and so is every file in it."""
    assert _mode(run_dir) == 0o700
    for path in run_dir.rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.browser
def test_a_login_error_that_echoes_the_password_leaks_it_nowhere(
    private_site: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """echo_password: the refused login quotes the password; no file, zip or line holds it."""
    typed = "pw-typed-" + secrets.token_urlsafe(12)
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", typed)  # not the account's: the login fails
    private_site.set_faults({"echo_password": True})
    out = tmp_path / "runs"
    assert _run(private_site, out) == 5
    run_dir = _run_dir(out)
    result = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert "refused the login" in result["message"] and REDACTED in result["message"]
    blobs = _blobs(run_dir)
    assert {"result.json", "report.html", "log.jsonl"} <= set(blobs)  # needs_human: no ticket
    assert _holding(blobs, typed) == []
    _assert_not_printed(capsys, typed)
    _assert_private(run_dir)


@pytest.mark.browser
def test_check_and_support_never_print_an_echoed_password(
    private_site: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """echo_password: `check` (stderr) and `support` (stdout) print the refused login's text with
    [redacted], like `run` does: one redaction for every console line of every command."""
    from tests.runfolders import make_run

    typed = "pw-typed-" + secrets.token_urlsafe(12)
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", typed)  # not the account's: the login fails
    private_site.set_faults({"echo_password": True})
    request = ["--order", "2000", "--received", "no", "--reason", "not_received", "--message"]
    request.append(MESSAGE)
    code = cli(["check", "--site", private_site.url, *request, "--out", str(tmp_path / "c")])
    printed = capsys.readouterr()
    assert code == 5, printed.err
    assert "refused the login" in printed.err and REDACTED in printed.err
    assert typed not in printed.out + printed.err
    run_dir = make_run(tmp_path / "runs", "gave_up")
    assert cli(["support", str(run_dir), "--site", private_site.url, "--no-input"]) == 5
    printed = capsys.readouterr()
    assert "refused the login" in printed.out and REDACTED in printed.out
    assert typed not in printed.out + printed.err
    assert _holding(_blobs(run_dir), typed) == []


@pytest.mark.browser
@pytest.mark.parametrize("style", ["banner", "toast"])
def test_an_answer_that_echoes_the_session_cookie_leaks_it_nowhere(
    private_site: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    style: str,
) -> None:
    """echo_cookie: every busy answer shows the cookie the run logged in with; nothing keeps it."""
    private_site.set_faults({"busy_first": 9, "echo_cookie": True, "busy_style": style})
    before = _sessions(private_site)
    out = tmp_path / "runs"
    assert _run(private_site, out, "--max-attempts", "2") == 4
    cookies = _sessions(private_site) - before
    assert cookies, "the run did not log in"
    run_dir = _run_dir(out)
    result = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    assert result["last_answer"].startswith("System busy") and REDACTED in result["last_answer"]
    blobs = _blobs(run_dir)
    assert any(name.startswith("evidence.zip!") for name in blobs)
    assert _holding(blobs, PASSWORD, *cookies) == []
    _assert_not_printed(capsys, PASSWORD, *cookies)
    _assert_private(run_dir)
    _assert_pictures_held_back(run_dir, result)


def _assert_pictures_held_back(run_dir: Path, result: dict[str, Any]) -> None:
    """A picture cannot be masked: the screenshots of pages that showed the cookie (their text
    was masked) stay in the run folder and go into nothing made to share: not evidence.zip, not
    the report's pictures, not the ticket's files."""
    shown = [
        e["screenshot"]
        for e in result["timeline"]
        if e.get("screenshot") and REDACTED in (e.get("detail") or "")
    ]
    assert shown, "no screenshot of a page that showed the cookie"
    assert all((run_dir / shot).is_file() for shot in shown)
    with zipfile.ZipFile(run_dir / "evidence.zip") as archive:
        names = set(archive.namelist())
    assert not names & set(shown)
    assert any(name.endswith("order-page.png") for name in names)
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    for shot in shown:
        assert f'data-path="{shot}"' not in report
    assert report.count('data-testid="held-back"') == len(shown)
    ticket = (run_dir / "support-ticket.md").read_text(encoding="utf-8")
    files = ticket.split("## Files to attach", 1)[1]
    assert "- Not to send: " in files
    for shot in shown:
        name = Path(shot).name
        assert f"- `{name}`" not in files and f"`{name}`" in files


@pytest.mark.browser
def test_a_batch_whose_answers_echo_the_shared_cookie_leaks_it_nowhere(
    private_site: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch logs in once; the orders' answers echo that session's cookie: masked everywhere."""
    batch = tmp_path / "batch.toml"
    batch.write_text(
        "".join(
            f'[[request]]\norder_id = "{order}"\nreceived = "no"\nreason = "not_received"\n'
            f'message = "{MESSAGE}"\n\n'
            for order in ("2000", "2001")
        ),
        encoding="utf-8",
    )
    private_site.set_faults({"busy_first": 9, "echo_cookie": True})
    before = _sessions(private_site)
    out = tmp_path / "runs"
    code = cli(
        [
            "run",
            "--site",
            private_site.url,
            "--batch",
            str(batch),
            "--out",
            str(out),
            "--state-dir",
            str(tmp_path / "state"),
            "--max-attempts",
            "1",
        ]
    )
    assert code == 4
    cookies = _sessions(private_site) - before
    assert cookies
    blobs = _blobs(out)
    assert _holding(blobs, PASSWORD, *cookies) == []
    _assert_not_printed(capsys, PASSWORD, *cookies)


@pytest.mark.browser
def test_the_trace_is_private(private_site: StorefrontServer, tmp_path: Path) -> None:
    """trace.zip holds the session: it is written 0600, like every file of the run folder."""
    out = tmp_path / "runs"
    assert _run(private_site, out, "--trace", "on") == 0
    run_dir = _run_dir(out)
    assert (run_dir / "trace.zip").exists()
    _assert_private(run_dir)
