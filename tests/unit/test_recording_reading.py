"""Recordings read: both formats from the committed fixtures, and bad ones refused in one line."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.recording.reading import read_recording
from tests.safety.helpers import cli
from tests.terminal import ROOT

RECORDINGS = ROOT / "tests" / "recordings"


def _kinds(path: Path) -> list[str]:
    return [a.kind for a in read_recording(path).actions]


def test_the_chrome_export_of_the_mock_flow_reads_as_its_steps() -> None:
    """mock-chrome.json: the Recorder's steps become goto, clicks, fills, a select and the
    answers checked; setViewport is skipped; the pop-up's steps carry its URL as their page."""
    recording = read_recording(RECORDINGS / "mock-chrome.json")
    assert recording.format == "chrome"
    kinds = [a.kind for a in recording.actions]
    assert kinds[:3] == ["goto", "click", "fill"]
    assert kinds.count("select") == 1 and kinds.count("assert_text") == 3
    opener = next(a for a in recording.actions if a.opens_page)
    assert opener.target is not None and opener.target.name == "Open dispute"
    assert opener.opens_page == "http://127.0.0.1:8000/order/1001/dispute"
    select = next(a for a in recording.actions if a.kind == "select")
    assert select.value == "not_received" and select.target is not None
    assert select.target.tag == "select"
    assert select.page == opener.opens_page


def test_the_chrome_export_of_the_aliexpress_flow_reads_keys_and_the_new_tab() -> None:
    """aliexpress-chrome.json: Enter in each login field becomes a press on that field; the
    click before a new tab's first step opened it (No, then View details); waitForElement's
    innerText is the text checked."""
    recording = read_recording(RECORDINGS / "aliexpress-chrome.json")
    presses = [a for a in recording.actions if a.kind == "press"]
    assert [p.value for p in presses] == ["Enter", "Enter"]
    assert presses[0].target is not None and "#fm-login-id" in presses[0].target.selectors
    openers = [a for a in recording.actions if a.opens_page and a.page == "main"]
    assert [a.target.name for a in openers if a.target] == ["No", "View details"]
    texts = [a.value for a in recording.actions if a.kind == "assert_text"]
    assert texts == [
        "The system is busy. Please try again later.",
        "5000000001007135",
        "5000000001007135",
    ]


def test_the_codegen_scripts_read_as_their_actions() -> None:
    """The codegen fixtures: a pop-up (expect_popup) and its page variable, a dialog before a
    click, checks, select_option's value, and expect(...).to_contain_text as answers."""
    recording = read_recording(RECORDINGS / "mock-codegen.py")
    assert recording.format == "codegen"
    opener = next(a for a in recording.actions if a.opens_page)
    assert opener.opens_page == "page1"
    submits = [a for a in recording.actions if a.dialog]
    assert len(submits) == 2 and all(a.page == "page1" for a in submits)
    assert [a.kind for a in recording.actions].count("check") == 1
    assert [a.value for a in recording.actions if a.kind == "select"] == ["not_received"]
    assert _kinds(RECORDINGS / "aliexpress-codegen.py").count("press") == 2


def test_a_codegen_script_is_never_run(tmp_path: Path) -> None:
    """A script that would write a file when run is only parsed: the file never appears."""
    marker = tmp_path / "ran"
    script = tmp_path / "flow.py"
    script.write_text(
        "from playwright.sync_api import sync_playwright\n"
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "def run(playwright):\n"
        "    page = playwright.chromium.launch().new_page()\n"
        "    page.goto('http://127.0.0.1:8000/order/1001')\n"
        "    page.get_by_test_id('open-dispute').click()\n",
        encoding="utf-8",
    )
    recording = read_recording(script)
    assert [a.kind for a in recording.actions] == ["goto", "click"]
    assert not marker.exists()


@pytest.fixture
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections (what --site's reachability check needs)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], out: Path) -> tuple[int, str]:
    code = cli(["profile", "import", *argv, "--out", str(out)])
    return code, capsys.readouterr().err


BAD = {
    "not-json.json": ('{"title": "x", "steps": [', "is not valid JSON (line 1"),
    "other.json": (
        json.dumps({"log": {"entries": []}}),
        "is JSON but not a Chrome DevTools Recorder export",
    ),
    "broken.py": ("def run(:\n", "is neither JSON nor a Python script (line 1"),
    "plain.py": ("print('hello')\n", "is a Python script that does not use Playwright"),
    "empty.json": ("", "is empty"),
    "no-form.json": (
        json.dumps(
            {
                "title": "x",
                "steps": [
                    {"type": "navigate", "url": "http://127.0.0.1:8000/order/1001"},
                    {"type": "click", "selectors": [["aria/Open dispute"]]},
                ],
            }
        ),
        "never reaches a dispute form",
    ),
    "no-order.json": (
        json.dumps(
            {
                "title": "x",
                "steps": [
                    {"type": "navigate", "url": "http://127.0.0.1:8000/orders"},
                    {"type": "click", "selectors": [["aria/Orders"]]},
                ],
            }
        ),
        "never opens an order page",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_recording_is_one_line_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not JSON, another schema, not a script, not Playwright, empty, a flow that never reaches
    a form or never opens an order: one line naming the file, exit 2, nothing written."""
    text, said = BAD[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "shop.toml"
    code, err = _refused([str(path)], capsys, out)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"retry-dispute: {path}: ") and said in lines[0]
    assert "Traceback" not in err and not out.exists()


def test_a_recording_of_another_site_is_refused(
    tmp_path: Path, listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The mock fixture (127.0.0.1) imported for --site localhost: one line, exit 2."""
    out = tmp_path / "shop.toml"
    code, err = _refused(
        [str(RECORDINGS / "mock-chrome.json"), "--site", f"http://localhost:{listening}"],
        capsys,
        out,
    )
    assert code == 2
    assert err.strip().splitlines() == [
        f"retry-dispute: {RECORDINGS / 'mock-chrome.json'}: is a recording of 127.0.0.1, not "
        "of localhost (--site); give the --site the recording was made on, or record this site"
    ]
    assert not out.exists()


def test_an_existing_out_file_is_not_replaced_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out that exists: one line, exit 2, the file untouched; --force replaces it."""
    out = tmp_path / "shop.toml"
    out.write_text("mine", encoding="utf-8")
    code, err = _refused([str(RECORDINGS / "mock-codegen.py")], capsys, out)
    assert code == 2 and "exists: the draft was not written" in err
    assert out.read_text(encoding="utf-8") == "mine"
    assert (
        cli(
            ["profile", "import", str(RECORDINGS / "mock-codegen.py"), "--out", str(out), "--force"]
        )
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith("# Site profile drafted")


def test_the_help_of_both_commands_has_exit_codes_and_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`profile import --help` and `record --help`: the exit codes, examples, no backtick; the
    top-level help lists both."""
    assert cli(["--help"]) == 0
    top = " ".join(capsys.readouterr().out.split())
    assert " profile make a profile" in top and " record record the flow" in top
    for argv in (["profile", "import", "--help"], ["record", "--help"]):
        assert cli(argv) == 0
        text = capsys.readouterr().out
        assert "`" not in text and "exit codes:" in text and "examples:" in text
        assert "usage: retry-dispute " + " ".join(argv[:-1]) in text


def test_the_demo_storefront_flag_needs_the_bundled_storefront(
    capsys: pytest.CaptureFixture[str], listening: int
) -> None:
    """`run --storefront` with --site: one line, exit 2 (it picks the bundled storefront's skin)."""
    code = cli(["run", "--site", f"http://127.0.0.1:{listening}", "--storefront", "mock"])
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "retry-dispute: --storefront only applies to the bundled storefront; drop --site or "
        "--storefront"
    ]
