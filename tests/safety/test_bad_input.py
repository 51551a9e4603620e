"""Bad input: each malformed input fails fast with one clear line, exit code 2, and sends nothing.

Every case runs the CLI entry point ``agent.cli.main`` in-process against the running storefront
and checks: the documented exit code (2: invalid request or configuration), stderr is exactly one
line ``retry-dispute: what is wrong; how to fix it`` naming the culprit, stdout is empty, the
storefront recorded no submission, and it all ends within a minute (a FIFO or a device given as
a file must neither hang the run nor read forever). The bad fault plans sent to the storefront's
control API get 400 naming the key, and the plan in force stays.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent.files import use_writer
from agent.flow.journal import Journal
from mock_site.testing import SAMPLE_JPEG, StorefrontServer
from tests.safety.filling_disk import FillingDisk
from tests.safety.helpers import cli_within

MESSAGE = "My parcel has not arrived after forty days. Please refund me."
#: The exit code of every bad input (README, "Exit codes").
INVALID = 2

REQUEST_TOML = """\
order_id = "2000"
received = "no"
reason = "not_received"
message = "My parcel has not arrived after forty days. Please refund me."
"""
PROFILE_TOML = Path(__file__).resolve().parents[2] / "agent" / "profiles" / "mock.toml"


@dataclass(frozen=True, slots=True)
class Case:
    """One malformed input: the flags that replace the good ones, files to write, the words due."""

    flags: dict[str, str | list[str] | None] = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)
    says: tuple[str, ...] = ()
    site: str | None = None  # None: the running storefront
    #: Words the line must not hold (a password given in --site).
    hides: tuple[str, ...] = ()
    #: Named pipes to make, and symbolic links (name -> target) to make.
    fifos: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)
    #: Bytes left on the disk under the run's files (None: plenty).
    disk_free: int | None = None
    #: Another process holds the journal's write lock for the whole run.
    journal_locked: bool = False


def _toml(text: str, *says: str) -> Case:
    return Case(
        flags={
            "--request": "request.toml",
            "--order": None,
            "--received": None,
            "--reason": None,
            "--message": None,
        },
        files={"request.toml": text},
        says=("request.toml", *says),
    )


def _profile(text: str, *says: str) -> Case:
    return Case(
        flags={"--profile": "profile.toml"},
        files={"profile.toml": text},
        says=("profile.toml", *says),
    )


def _profile_bytes(data: bytes, *says: str) -> Case:
    return Case(flags={"--profile": "profile.toml"}, files={"profile.toml": data}, says=says)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MOCK_PROFILE = PROFILE_TOML.read_text(encoding="utf-8")
#: Lists nested thousands of levels deep: a recursive parser would crash on them.
DEEP = "[" * 5000 + "]" * 5000
NO_REQUEST_FLAGS: dict[str, str | list[str] | None] = {
    "--order": None,
    "--received": None,
    "--reason": None,
    "--message": None,
}
GOOD_COOKIE = {
    "name": "session",
    "value": "x" * 20,
    "domain": "127.0.0.1",
    "path": "/",
    "expires": -1,
    "httpOnly": True,
    "secure": False,
    "sameSite": "Lax",
}
BATCH_TOML = (
    '[[request]]\norder_id = "2000"\nreceived = "no"\nreason = "not_received"\n'
    'message = "My parcel has not arrived after forty days. Please refund me."\n'
)


def _request_file(name: str, *says: str, **files: str | bytes) -> Case:
    return Case(flags={"--request": name, **NO_REQUEST_FLAGS}, files=dict(files), says=says)


def _state(cookie: dict[str, object], *says: str, batch: bool = False) -> Case:
    state = json.dumps({"cookies": [cookie], "origins": []})
    flags: dict[str, str | list[str] | None] = {"--storage-state": "state.json"}
    files: dict[str, str | bytes] = {"state.json": state}
    if batch:
        flags |= {"--batch": "batch.toml", **NO_REQUEST_FLAGS}
        files["batch.toml"] = BATCH_TOML
    return Case(flags=flags, files=files, says=("state.json", "cookie 1", *says))


def _without(key: str) -> dict[str, object]:
    return {k: v for k, v in GOOD_COOKIE.items() if k != key}


CASES: dict[str, Case] = {
    # request TOML: wrong types, unknown and missing keys, broken or missing files
    "toml-order-id-float": _toml(REQUEST_TOML.replace('"2000"', "2000.5"), "order_id"),
    "toml-received-number": _toml(REQUEST_TOML.replace('"no"', "0"), "received"),
    "toml-message-number": _toml(
        REQUEST_TOML.replace(
            '"My parcel has not arrived after forty days. Please refund me."', "42"
        ),
        "message",
    ),
    "toml-evidence-string": _toml(REQUEST_TOML + 'evidence = "photo.jpg"\n', "evidence"),
    "toml-evidence-list-of-numbers": _toml(REQUEST_TOML + "evidence = [1]\n", "evidence"),
    "toml-amount-table": _toml(
        REQUEST_TOML + 'refund = "partial"\n[amount]\nvalue = 5\n', "amount"
    ),
    "toml-unknown-key": _toml(REQUEST_TOML + 'reasn = "not_received"\n', "reasn"),
    "toml-missing-message": _toml(REQUEST_TOML.split("message")[0], "message"),
    "toml-syntax-error": _toml("order_id = \n", "TOML"),
    "toml-not-utf8": Case(
        flags={
            "--request": "request.toml",
            "--order": None,
            "--received": None,
            "--reason": None,
            "--message": None,
        },
        files={"request.toml": b'order_id = "\xff\xfe"\n'},
        says=("request.toml", "UTF-8"),
    ),
    "toml-missing-file": Case(
        flags={
            "--request": "nowhere.toml",
            "--order": None,
            "--received": None,
            "--reason": None,
            "--message": None,
        },
        says=("nowhere.toml",),
    ),
    "toml-is-a-folder": Case(
        flags={
            "--request": "folder",
            "--order": None,
            "--received": None,
            "--reason": None,
            "--message": None,
        },
        files={"folder/keep": "x"},
        says=("folder",),
    ),
    "toml-and-flags": Case(
        flags={"--request": "request.toml"},
        files={"request.toml": REQUEST_TOML},
        says=("--request",),
    ),
    # request flags
    "unknown-reason": Case(flags={"--reason": "lost_in_space"}, says=("reason", "lost_in_space")),
    "reason-of-the-other-answer": Case(flags={"--received": "yes"}, says=("reason",)),
    "received-maybe": Case(flags={"--received": "maybe"}, says=("--received", "maybe")),
    "solution-unknown": Case(flags={"--solution": "cash"}, says=("--solution",)),
    "amount-negative": Case(flags={"--refund": "partial", "--amount": "-5"}, says=("amount",)),
    "amount-zero": Case(flags={"--refund": "partial", "--amount": "0"}, says=("amount",)),
    "amount-not-a-number": Case(
        flags={"--refund": "partial", "--amount": "abc"}, says=("amount", "abc")
    ),
    "amount-three-decimals": Case(
        flags={"--refund": "partial", "--amount": "5.305"}, says=("amount", "decimals")
    ),
    "amount-thousands-separator": Case(
        flags={"--refund": "partial", "--amount": "1,234"}, says=("amount",)
    ),
    "partial-without-amount": Case(flags={"--refund": "partial"}, says=("amount",)),
    "order-id-with-a-slash": Case(flags={"--order": "../1001"}, says=("order",)),
    "message-missing": Case(flags={"--message": None}, says=("--message",)),
    "message-empty": Case(flags={"--message": ""}, says=("message",)),
    "message-too-short": Case(flags={"--message": "Help me."}, says=("message", "short")),
    "message-too-long": Case(flags={"--message": "A" * 2001 + "."}, says=("message", "long")),
    "message-cyrillic": Case(
        flags={"--message": "Посылка не пришла, верните деньги."}, says=("message", "Cyrillic")
    ),
    # evidence files
    "evidence-missing-file": Case(flags={"--evidence": ["nowhere.jpg"]}, says=("nowhere.jpg",)),
    "evidence-not-a-photo": Case(
        flags={"--evidence": ["photo.jpg"]},
        files={"photo.jpg": "this is text, not a JPEG"},
        says=("photo.jpg",),
    ),
    "evidence-empty-file": Case(
        flags={"--evidence": ["empty.jpg"]}, files={"empty.jpg": b""}, says=("empty.jpg", "empty")
    ),
    "evidence-a-folder": Case(
        flags={"--evidence": ["shots"]}, files={"shots/keep": "x"}, says=("shots", "folder")
    ),
    "evidence-wrong-extension": Case(
        flags={"--evidence": ["photo.png"]}, files={"photo.png": SAMPLE_JPEG}, says=("photo.png",)
    ),
    "received-without-photo": Case(
        flags={"--received": "yes", "--reason": "damaged"}, says=("photo",)
    ),
    # storage state
    "storage-state-missing": Case(flags={"--storage-state": "gone.json"}, says=("gone.json",)),
    "storage-state-corrupt": Case(
        flags={"--storage-state": "state.json"},
        files={"state.json": '{"cookies": ['},
        says=("state.json", "JSON"),
    ),
    "storage-state-not-playwright": Case(
        flags={"--storage-state": "state.json"},
        files={"state.json": "[1, 2, 3]"},
        says=("state.json", "storage state"),
    ),
    "storage-state-cookies-not-a-list": Case(
        flags={"--storage-state": "state.json"},
        files={"state.json": '{"cookies": "session=x"}'},
        says=("state.json",),
    ),
    "storage-state-unreadable-folder": Case(
        flags={"--storage-state": "state"}, files={"state/keep": "x"}, says=("state",)
    ),
    "storage-state-not-utf8": Case(
        flags={"--storage-state": "state.json"},
        files={"state.json": b"\xff\xfe\x00{"},
        says=("state.json",),
    ),
    # the site
    "site-not-a-url": Case(site="shop.example", says=("--site", "shop.example")),
    "site-ftp": Case(site="ftp://shop.example/", says=("--site",)),
    "site-no-host": Case(site="https://", says=("--site",)),
    "site-unreachable": Case(site="unreachable", says=("reach",)),
    # the profile
    "profile-unknown-name": Case(flags={"--profile": "nosuchshop"}, says=("nosuchshop",)),
    "profile-missing-file": Case(flags={"--profile": "gone.toml"}, says=("gone.toml",)),
    "profile-unknown-key": _profile(MOCK_PROFILE + "\nbogus = 1\n", "bogus"),
    "profile-bad-toml": _profile("name = [\n", "TOML"),
    "profile-negative-timeout": _profile(
        MOCK_PROFILE.replace("answer_s = 30", "answer_s = -1"), "answer_s"
    ),
    "profile-order-url-without-id": _profile(
        MOCK_PROFILE.replace("{order_id}", "1001", 1), "order"
    ),
    # the retry policy
    "max-attempts-zero": Case(flags={"--max-attempts": "0"}, says=("--max-attempts",)),
    "initial-wait-negative": Case(flags={"--initial-wait": "-1"}, says=("--initial-wait",)),
    "retry-rate-zero": Case(flags={"--retry-rate": "0"}, says=("--retry-rate",)),
    "concurrency-without-batch": Case(
        flags={"--concurrency": "4"}, says=("--concurrency", "--batch")
    ),
    "max-wait-below-initial-wait": Case(
        flags={"--initial-wait": "5", "--max-wait": "1"}, says=("max_wait",)
    ),
    # fault plans given to the CLI
    "faults-with-a-real-site": Case(
        flags={"--faults": "faults.toml"},
        files={"faults.toml": "busy_first = 1\n"},
        says=("--faults",),
    ),
    "faults-unknown-key": Case(
        site="",
        flags={"--faults": "faults.toml"},
        files={"faults.toml": "busy_frist = 1\n"},
        says=("busy_frist",),
    ),
    "faults-bad-value": Case(
        site="",
        flags={"--faults": "faults.json"},
        files={"faults.json": '{"busy_status": 404}'},
        says=("busy_status",),
    ),
    "faults-not-parseable": Case(
        site="",
        flags={"--faults": "faults.toml"},
        files={"faults.toml": "busy_first = = 1\n"},
        says=("faults.toml",),
    ),
    # --- issue 12, section 6: each of these crashed with a traceback, or hung ---------------------
    # a number too large for the amount
    "amount-thirty-digits": Case(
        flags={"--refund": "partial", "--amount": "9" * 30}, says=("amount", "too large")
    ),
    "amount-a-hundred-thousand-digits": Case(
        flags={"--refund": "partial", "--amount": "1" + "0" * 100_000}, says=("amount", "too large")
    ),
    # files that are not UTF-8
    "profile-not-utf8": _profile_bytes(b'name = "\xff\xfe"\n', "profile.toml", "UTF-8"),
    "faults-not-utf8": Case(
        site="",
        flags={"--faults": "faults.toml"},
        files={"faults.toml": b"busy_first = \xff\n"},
        says=("faults.toml", "UTF-8"),
    ),
    "batch-not-utf8": Case(
        flags={"--batch": "batch.toml", **NO_REQUEST_FLAGS},
        files={"batch.toml": b"\xff\xfe[[request]]"},
        says=("batch.toml", "UTF-8"),
    ),
    # nested thousands of levels deep
    "toml-nested-deep": _request_file(
        "request.toml", "request.toml", "levels", **{"request.toml": f"order_id = {DEEP}\n"}
    ),
    "profile-nested-deep": _profile(MOCK_PROFILE + f"\nbogus = {DEEP}\n", "levels"),
    "faults-nested-deep": Case(
        site="",
        flags={"--faults": "faults.toml"},
        files={"faults.toml": f"busy_first = {DEEP}\n"},
        says=("faults.toml", "levels"),
    ),
    "faults-json-nested-deep": Case(
        site="",
        flags={"--faults": "faults.json"},
        files={"faults.json": f'{{"busy_first": {DEEP}}}'},
        says=("faults.json", "levels"),
    ),
    "storage-state-nested-deep": Case(
        flags={"--storage-state": "state.json"},
        files={"state.json": f'{{"cookies": {DEEP}}}'},
        says=("state.json", "levels"),
    ),
    "batch-nested-deep": Case(
        flags={"--batch": "batch.toml", **NO_REQUEST_FLAGS},
        files={"batch.toml": f"request = {DEEP}\n"},
        says=("batch.toml", "levels"),
    ),
    # special files: a FIFO must not hang, a device must not be read forever
    "toml-a-fifo": Case(
        flags={"--request": "pipe.toml", **NO_REQUEST_FLAGS},
        fifos=("pipe.toml",),
        says=("pipe.toml", "pipe"),
    ),
    "toml-a-device": Case(
        flags={"--request": "/dev/zero", **NO_REQUEST_FLAGS}, says=("/dev/zero", "device")
    ),
    "profile-a-fifo": Case(
        flags={"--profile": "pipe.toml"}, fifos=("pipe.toml",), says=("pipe.toml", "pipe")
    ),
    "profile-a-device": Case(flags={"--profile": "/dev/zero"}, says=("/dev/zero", "device")),
    "faults-a-fifo": Case(
        site="", flags={"--faults": "pipe.toml"}, fifos=("pipe.toml",), says=("pipe.toml", "pipe")
    ),
    "faults-a-device": Case(
        site="",
        flags={"--faults": "zero.toml"},
        links={"zero.toml": "/dev/zero"},
        says=("zero.toml", "device"),
    ),
    "storage-state-a-fifo": Case(
        flags={"--storage-state": "pipe.json"}, fifos=("pipe.json",), says=("pipe.json", "pipe")
    ),
    "storage-state-a-device": Case(
        flags={"--storage-state": "/dev/zero"}, says=("/dev/zero", "device")
    ),
    "batch-a-fifo": Case(
        flags={"--batch": "pipe.csv", **NO_REQUEST_FLAGS},
        fifos=("pipe.csv",),
        says=("pipe.csv", "pipe"),
    ),
    "batch-a-device": Case(
        flags={"--batch": "zero.csv", **NO_REQUEST_FLAGS},
        links={"zero.csv": "/dev/zero"},
        says=("zero.csv", "device"),
    ),
    # --site with an invalid port or host, or a password
    "site-port-too-large": Case(site="http://127.0.0.1:99999", says=("--site", "99999")),
    "site-port-not-a-number": Case(site="http://127.0.0.1:port/", says=("--site", "port")),
    "site-host-with-a-space": Case(site="http://shop example/", says=("--site", "host")),
    "site-broken-ipv6": Case(site="http://[::1/", says=("--site",)),
    "site-host-too-long-a-label": Case(site=f"http://{'a' * 70}.example/", says=("--site",)),
    "site-with-a-password": Case(
        site="https://demo:pw-hunter2@127.0.0.1:1/",
        says=("--site", "password"),
        hides=("pw-hunter2",),
    ),
    # --out and --state-dir: a file, unwritable, full
    "out-is-a-file": Case(
        flags={"--out": "outfile"}, files={"outfile": "x"}, says=("outfile", "--out")
    ),
    "out-unwritable": Case(
        flags={"--out": "/sys/retry-dispute-test-runs"},
        says=("/sys/retry-dispute-test-runs", "--out"),
    ),
    "out-on-a-full-disk": Case(disk_free=0, says=("runs", "no space left", "--out")),
    "state-dir-is-a-file": Case(
        flags={"--state-dir": "statefile"}, files={"statefile": "x"}, says=("statefile", "journal")
    ),
    "state-dir-unwritable": Case(
        flags={"--state-dir": "/sys/retry-dispute-test-state"},
        says=("/sys/retry-dispute-test-state", "journal"),
    ),
    # a corrupt or locked journal: a bounded wait, then one line
    "journal-corrupt": Case(
        files={"state/journal.sqlite3": b"not a database at all " * 200},
        says=("journal.sqlite3", "damaged"),
    ),
    "journal-locked": Case(journal_locked=True, says=("journal.sqlite3", "locked")),
    # malformed cookie entries in a session file, also with --batch
    "cookie-without-a-value": _state(_without("value"), "value"),
    "cookie-not-an-object": Case(
        flags={"--storage-state": "state.json"},
        files={"state.json": '{"cookies": ["session=x"]}'},
        says=("state.json", "cookie 1"),
    ),
    "cookie-without-a-domain": _state(_without("domain"), "domain"),
    "cookie-expires-a-string": _state({**GOOD_COOKIE, "expires": "tomorrow"}, "expires"),
    "cookie-same-site-unknown": _state({**GOOD_COOKIE, "sameSite": "Sometimes"}, "sameSite"),
    "cookie-malformed-with-batch": _state(_without("value"), "value", batch=True),
    # an empty --order
    "order-empty": Case(flags={"--order": ""}, says=("--order", "empty")),
}

GOOD: dict[str, str | list[str] | None] = {
    "--order": "2000",
    "--received": "no",
    "--reason": "not_received",
    "--message": MESSAGE,
}


def _argv(case: Case, site: StorefrontServer, tmp_path: Path) -> list[str]:
    argv = ["run"]
    if case.site is None:
        argv += ["--site", site.url]
    elif case.site == "unreachable":
        argv += ["--site", f"http://127.0.0.1:{_free_port()}"]
    elif case.site:
        argv += ["--site", case.site]
    flags = {**GOOD, **case.flags}
    for flag, value in flags.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        argv += [flag, *values]
    defaults = {"--out": str(tmp_path / "runs"), "--state-dir": str(tmp_path / "state")}
    return [*argv, *(x for k, v in defaults.items() if k not in flags for x in (k, v))]


def _write(tmp_path: Path, case: Case) -> None:
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name in case.fifos:
        os.mkfifo(tmp_path / name)
    for name, target in case.links.items():
        (tmp_path / name).symlink_to(target)


def _unblock(tmp_path: Path, case: Case) -> None:
    """Open each FIFO for writing once, so a reader stuck on it (a bug) can end."""
    for name in case.fifos:
        with contextlib.suppress(OSError):
            os.close(os.open(tmp_path / name, os.O_WRONLY | os.O_NONBLOCK))


@contextlib.contextmanager
def _conditions(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The disk and the journal the case runs with."""
    with contextlib.ExitStack() as stack:
        if case.disk_free is not None:
            stack.enter_context(use_writer(FillingDisk(case.disk_free)))
        if case.journal_locked:
            monkeypatch.setattr("agent.flow.journal.LOCK_TIMEOUT_S", 0.5)
            Journal(tmp_path / "state" / "journal.sqlite3").close()
            holder = sqlite3.connect(tmp_path / "state" / "journal.sqlite3", timeout=0)
            stack.callback(holder.close)
            holder.execute("BEGIN EXCLUSIVE")
            stack.callback(holder.rollback)
        yield


def test_the_corpus_is_large_enough() -> None:
    """The issue asks for at least 30 malformed inputs."""
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_fails_in_one_line_with_exit_2_and_sends_nothing(
    name: str,
    storefront: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A malformed input: exit 2, one line saying what is wrong and how to fix it, nothing sent."""
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    _write(tmp_path, case)
    try:
        with _conditions(case, tmp_path, monkeypatch):
            code = cli_within(_argv(case, storefront, tmp_path), timeout_s=60)
    finally:
        _unblock(tmp_path, case)
    printed = capsys.readouterr()
    lines = printed.err.splitlines()
    assert code == INVALID, (code, printed.err[-2000:], printed.out[-1000:])
    assert len(lines) == 1, printed.err[-2000:]
    [line] = lines
    assert line.startswith("retry-dispute: "), line
    assert "; " in line, f"no hint on how to fix it: {line}"
    assert "Traceback" not in line
    for word in case.says:
        assert word.lower() in line.lower(), (word, line)
    for word in case.hides:
        assert word not in printed.err, (word, line)
    assert printed.out == ""
    assert storefront.submissions() == []
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# --- bad fault plans sent to the storefront -----------------------------------------------------

BAD_PLANS: dict[str, tuple[object, str]] = {
    "unknown-key": ({"busy_frist": 1}, "busy_frist"),
    "busy-status-404": ({"busy_status": 404}, "busy_status"),
    "rate-above-1": ({"busy_rate": 1.5}, "busy_rate"),
    "rate-a-string": ({"busy_rate": "often"}, "busy_rate"),
    "count-negative": ({"busy_first": -1}, "busy_first"),
    "bool-as-number": ({"seed": True}, "seed"),
    "unknown-language": ({"language": "tlh"}, "language"),
    "unknown-style": ({"busy_style": "popup"}, "busy_style"),
    "overlay-unknown": ({"overlay": "sometimes"}, "overlay"),
    "slow-negative": ({"slow_submit_s": -2}, "slow_submit_s"),
}


def _put(site: StorefrontServer, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        site.url + "/__mock/faults",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("name", list(BAD_PLANS))
def test_bad_fault_plan_is_refused_naming_the_key(name: str, storefront: StorefrontServer) -> None:
    """PUT /__mock/faults with a bad plan: 400 naming the key; the plan in force stays."""
    storefront.set_faults({"busy_first": 2})
    before = storefront.faults()
    plan, key = BAD_PLANS[name]
    status, body = _put(storefront, json.dumps(plan).encode())
    assert status == 400
    assert key in str(body["error"])
    assert storefront.faults() == before


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b'"busy"'], ids=["list", "junk", "str"])
def test_fault_plan_that_is_not_an_object_is_refused(
    body: bytes, storefront: StorefrontServer
) -> None:
    """A body that is not a JSON object: 400 with a reason, and the plan in force stays."""
    before = storefront.faults()
    status, answer = _put(storefront, body)
    assert status == 400
    assert answer.get("error")
    assert storefront.faults() == before


def test_set_faults_helper_raises_naming_the_key(storefront: StorefrontServer) -> None:
    """StorefrontServer.set_faults raises ValueError naming the bad key."""
    with pytest.raises(ValueError, match="busy_frist"):
        storefront.set_faults({"busy_frist": 1})


# --- login --save-session, and the path for real bugs ---------------------------------------------


def test_login_save_session_to_a_folder_is_refused_before_the_login(
    storefront: StorefrontServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`login --save-session FOLDER`: one line, exit 2, and no browser ever starts."""
    started: list[str] = []
    monkeypatch.setattr("agent.cli.login.async_playwright", lambda: started.append("browser"))
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")  # --headless: no display needed
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    (tmp_path / "sessions").mkdir()
    code = cli_within(
        [
            "login",
            "--site",
            storefront.url,
            "--save-session",
            str(tmp_path / "sessions"),
            "--headless",
        ],
        timeout_s=60,
    )
    printed = capsys.readouterr()
    assert code == INVALID
    [line] = printed.err.splitlines()
    assert line.startswith("retry-dispute: --save-session ") and "folder" in line
    assert started == []


def test_a_bug_is_one_line_naming_where_its_details_are(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unexpected exception: exit 1, one line naming the error and a private details file."""

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug in the pre-flight (session=s3cr3t-cookie-value)")

    monkeypatch.setattr("agent.cli.run.request_from_args", broken)
    code = cli_within(
        [
            "run",
            "--site",
            "http://127.0.0.1:9",
            "--order",
            "2000",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        timeout_s=60,
    )
    printed = capsys.readouterr()
    assert code == 1
    [line] = printed.err.splitlines()
    assert line.startswith("retry-dispute: unexpected error: RuntimeError: a bug in the pre-flight")
    assert "s3cr3t-cookie-value" not in line
    [details] = (tmp_path / "state" / "crashes").iterdir()
    assert str(details) in line
    assert oct(details.stat().st_mode & 0o777) == oct(0o600)
    text = details.read_text(encoding="utf-8")
    assert "Traceback" in text and "broken" in text and "s3cr3t-cookie-value" not in text
