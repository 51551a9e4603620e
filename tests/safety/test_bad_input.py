"""Bad input: each malformed input fails fast with one clear line, exit code 2, and sends nothing.

Every case runs the CLI entry point ``agent.cli.main`` in-process against the running storefront
and checks: the documented exit code (2: invalid request or configuration), stderr is exactly one
line ``retry-dispute: what is wrong; how to fix it`` naming the culprit, stdout is empty, and the
storefront recorded no submission. The bad fault plans sent to the storefront's control API get
400 naming the key, and the plan in force stays.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mock_site.testing import SAMPLE_JPEG, StorefrontServer
from tests.safety.helpers import cli

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


def _toml(text: str, *says: str) -> Case:
    return Case(flags={"--request": "request.toml", "--order": None, "--received": None,
                       "--reason": None, "--message": None},
                files={"request.toml": text}, says=("request.toml", *says))


def _profile(text: str, *says: str) -> Case:
    return Case(flags={"--profile": "profile.toml"}, files={"profile.toml": text},
                says=("profile.toml", *says))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MOCK_PROFILE = PROFILE_TOML.read_text(encoding="utf-8")

CASES: dict[str, Case] = {
    # request TOML: wrong types, unknown and missing keys, broken or missing files
    "toml-order-id-float": _toml(REQUEST_TOML.replace('"2000"', "2000.5"), "order_id"),
    "toml-received-number": _toml(REQUEST_TOML.replace('"no"', "0"), "received"),
    "toml-message-number": _toml(REQUEST_TOML.replace(
        '"My parcel has not arrived after forty days. Please refund me."', "42"), "message"),
    "toml-evidence-string": _toml(REQUEST_TOML + 'evidence = "photo.jpg"\n', "evidence"),
    "toml-evidence-list-of-numbers": _toml(REQUEST_TOML + "evidence = [1]\n", "evidence"),
    "toml-amount-table": _toml(REQUEST_TOML + 'refund = "partial"\n[amount]\nvalue = 5\n',
                               "amount"),
    "toml-unknown-key": _toml(REQUEST_TOML + 'reasn = "not_received"\n', "reasn"),
    "toml-missing-message": _toml(REQUEST_TOML.split("message")[0], "message"),
    "toml-syntax-error": _toml("order_id = \n", "TOML"),
    "toml-not-utf8": Case(flags={"--request": "request.toml", "--order": None, "--received": None,
                                 "--reason": None, "--message": None},
                          files={"request.toml": b"order_id = \"\xff\xfe\"\n"},
                          says=("request.toml", "UTF-8")),
    "toml-missing-file": Case(flags={"--request": "nowhere.toml", "--order": None,
                                     "--received": None, "--reason": None, "--message": None},
                              says=("nowhere.toml",)),
    "toml-is-a-folder": Case(flags={"--request": "folder", "--order": None, "--received": None,
                                    "--reason": None, "--message": None},
                             files={"folder/keep": "x"}, says=("folder",)),
    "toml-and-flags": Case(flags={"--request": "request.toml"},
                           files={"request.toml": REQUEST_TOML}, says=("--request",)),
    # request flags
    "unknown-reason": Case(flags={"--reason": "lost_in_space"}, says=("reason", "lost_in_space")),
    "reason-of-the-other-answer": Case(flags={"--received": "yes"}, says=("reason",)),
    "received-maybe": Case(flags={"--received": "maybe"}, says=("--received", "maybe")),
    "solution-unknown": Case(flags={"--solution": "cash"}, says=("--solution",)),
    "amount-negative": Case(flags={"--refund": "partial", "--amount": "-5"}, says=("amount",)),
    "amount-zero": Case(flags={"--refund": "partial", "--amount": "0"}, says=("amount",)),
    "amount-not-a-number": Case(flags={"--refund": "partial", "--amount": "abc"},
                                says=("amount", "abc")),
    "amount-three-decimals": Case(flags={"--refund": "partial", "--amount": "5.305"},
                                  says=("amount", "decimals")),
    "amount-thousands-separator": Case(flags={"--refund": "partial", "--amount": "1,234"},
                                       says=("amount",)),
    "partial-without-amount": Case(flags={"--refund": "partial"}, says=("amount",)),
    "order-id-with-a-slash": Case(flags={"--order": "../1001"}, says=("order",)),
    "message-missing": Case(flags={"--message": None}, says=("--message",)),
    "message-empty": Case(flags={"--message": ""}, says=("message",)),
    "message-too-short": Case(flags={"--message": "Help me."}, says=("message", "short")),
    "message-too-long": Case(flags={"--message": "A" * 2001 + "."}, says=("message", "long")),
    "message-cyrillic": Case(flags={"--message": "Посылка не пришла, верните деньги."},
                             says=("message", "Cyrillic")),
    # evidence files
    "evidence-missing-file": Case(flags={"--evidence": ["nowhere.jpg"]}, says=("nowhere.jpg",)),
    "evidence-not-a-photo": Case(flags={"--evidence": ["photo.jpg"]},
                                 files={"photo.jpg": "this is text, not a JPEG"},
                                 says=("photo.jpg",)),
    "evidence-empty-file": Case(flags={"--evidence": ["empty.jpg"]}, files={"empty.jpg": b""},
                                says=("empty.jpg", "empty")),
    "evidence-a-folder": Case(flags={"--evidence": ["shots"]}, files={"shots/keep": "x"},
                              says=("shots", "folder")),
    "evidence-wrong-extension": Case(flags={"--evidence": ["photo.png"]},
                                     files={"photo.png": SAMPLE_JPEG}, says=("photo.png",)),
    "received-without-photo": Case(flags={"--received": "yes", "--reason": "damaged"},
                                   says=("photo",)),
    # storage state
    "storage-state-missing": Case(flags={"--storage-state": "gone.json"}, says=("gone.json",)),
    "storage-state-corrupt": Case(flags={"--storage-state": "state.json"},
                                  files={"state.json": '{"cookies": ['},
                                  says=("state.json", "JSON")),
    "storage-state-not-playwright": Case(flags={"--storage-state": "state.json"},
                                         files={"state.json": "[1, 2, 3]"},
                                         says=("state.json", "storage state")),
    "storage-state-cookies-not-a-list": Case(flags={"--storage-state": "state.json"},
                                             files={"state.json": '{"cookies": "session=x"}'},
                                             says=("state.json",)),
    "storage-state-unreadable-folder": Case(flags={"--storage-state": "state"},
                                            files={"state/keep": "x"}, says=("state",)),
    "storage-state-not-utf8": Case(flags={"--storage-state": "state.json"},
                                   files={"state.json": b"\xff\xfe\x00{"}, says=("state.json",)),
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
        MOCK_PROFILE.replace("answer_s = 30", "answer_s = -1"), "answer_s"),
    "profile-order-url-without-id": _profile(
        MOCK_PROFILE.replace("{order_id}", "1001", 1), "order"),
    # the retry policy
    "max-attempts-zero": Case(flags={"--max-attempts": "0"}, says=("--max-attempts",)),
    "initial-wait-negative": Case(flags={"--initial-wait": "-1"}, says=("--initial-wait",)),
    "retry-rate-zero": Case(flags={"--retry-rate": "0"}, says=("--retry-rate",)),
    "concurrency-without-batch": Case(flags={"--concurrency": "4"},
                                      says=("--concurrency", "--batch")),
    "max-wait-below-initial-wait": Case(flags={"--initial-wait": "5", "--max-wait": "1"},
                                        says=("max_wait",)),
    # fault plans given to the CLI
    "faults-with-a-real-site": Case(flags={"--faults": "faults.toml"},
                                    files={"faults.toml": "busy_first = 1\n"},
                                    says=("--faults",)),
    "faults-unknown-key": Case(site="", flags={"--faults": "faults.toml"},
                               files={"faults.toml": "busy_frist = 1\n"}, says=("busy_frist",)),
    "faults-bad-value": Case(site="", flags={"--faults": "faults.json"},
                             files={"faults.json": '{"busy_status": 404}'},
                             says=("busy_status",)),
    "faults-not-parseable": Case(site="", flags={"--faults": "faults.toml"},
                                 files={"faults.toml": "busy_first = = 1\n"},
                                 says=("faults.toml",)),
}

GOOD: dict[str, str | list[str] | None] = {
    "--order": "2000", "--received": "no", "--reason": "not_received", "--message": MESSAGE,
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
    return [*argv, "--out", str(tmp_path / "runs"), "--state-dir", str(tmp_path / "state")]


def _write(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_the_corpus_is_large_enough() -> None:
    """The issue asks for at least 30 malformed inputs."""
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_fails_in_one_line_with_exit_2_and_sends_nothing(
    name: str, storefront: StorefrontServer, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A malformed input: exit 2, one line saying what is wrong and how to fix it, nothing sent."""
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    _write(tmp_path, case.files)
    code = cli(_argv(case, storefront, tmp_path))
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
    request = urllib.request.Request(site.url + "/__mock/faults", data=body, method="PUT",
                                     headers={"Content-Type": "application/json"})
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
