"""``retry-dispute profile import`` of the four fixtures on the bundled storefronts, through the
command line: each draft passes ``check`` unedited (the second pass and the check submitting
nothing), then the demo and busy scenarios run with it; a recording made before ``class_drift``
still works after it (the alternatives carry it); ``record`` runs Playwright's own recorder.

The whole matrix (every busy scenario of each skin, for each of the four fixtures) is in
docs/recording.md; these tests keep to a few scenarios each, for the suite's time.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.site.profile import load_profile
from mock_site.testing import StorefrontServer
from tests.safety.helpers import cli
from tests.terminal import ROOT

pytestmark = pytest.mark.browser

RECORDINGS = ROOT / "tests" / "recordings"
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, served for this module's tests."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


def _import(
    recording: str,
    server: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, Path]:
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    server.reset()
    out = tmp_path / f"{Path(recording).stem}.toml"
    code = cli(
        [
            "profile",
            "import",
            str(RECORDINGS / recording),
            "--site",
            server.url,
            "--out",
            str(out),
            "--runs",
            str(tmp_path / "runs"),
        ]
    )
    captured = capsys.readouterr()
    assert server.submissions() == [], "the second pass or the check sent the form"
    assert [d for d in server.disputes() if d["dispute_id"] not in server.seeded_dispute_ids] == []
    return code, captured.out + captured.err, out


def _scenarios(tmp_path: Path, skin: str, profile: Path, *names: str, fault: str = "") -> int:
    return cli(
        [
            "scenario",
            "--storefront",
            skin,
            "--profile",
            f"{skin}={profile}",
            "--jobs",
            "2",
            "--out",
            str(tmp_path / "scenarios"),
            *(["--fault", fault] if fault else []),
            *(str(SCENARIOS / f"{name}.toml") for name in names),
        ]
    )


@pytest.mark.slow(60)
def test_the_mock_recordings_import_into_profiles_that_check_run_the_demo_and_busy_scenarios(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """mock-chrome.json and mock-codegen.py: written, read on the live pages (reasons for both
    answers, the received radio's other option, the blocked submit request), checked with
    every element found; the Chrome one then opens the demo's dispute and meets two busy
    scenarios (the modal in Spanish, busy after commit)."""
    code, said, chrome = _import("mock-chrome.json", storefront, tmp_path, monkeypatch, capsys)
    assert code == 0, said[-3000:]
    assert "read: 14 reasons from the form (not received and received)" in said
    assert "read: the submit request: POST **/order/*/dispute (blocked; confirm it)" in said
    assert "every element used was found" in said
    profile = load_profile(chrome)
    assert dict(profile.form.fields[0].options).keys() == {"no", "yes"}
    code, said, codegen = _import("mock-codegen.py", storefront, tmp_path, monkeypatch, capsys)
    assert code == 0 and "every element used was found" in said, said[-3000:]
    assert load_profile(codegen).answer.json is not None  # its network data (mock-codegen.har)
    monkeypatch.chdir(tmp_path)
    assert cli(["run", "--profile", str(chrome), "--storefront", "mock", "--quiet"]) == 0
    assert "opened: dispute D-000100 opened for order 1001" in capsys.readouterr().out
    assert _scenarios(tmp_path, "mock", chrome, "busy-modal-es", "busy-after-commit") == 0


@pytest.mark.slow(90)
def test_the_aliexpress_recordings_import_into_profiles_that_check_run_the_demo_and_busy_scenarios(
    ae_server: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """aliexpress-codegen.py (with its HAR) and aliexpress-chrome.json: the cookie banner
    found to be an overlay, the order id as the page's ready element, the dropdown's reasons,
    the tracking beacon declared harmless for check's network guard, every element found; the
    codegen draft opens the demo's dispute and meets the gateway's busy answer. The Chrome one
    was recorded on the skin's usual class hashes: with class_drift the pages hold none of them,
    and its other alternatives (texts, roles, the hashes' stable prefixes) still open the
    dispute through a busy notice."""
    code, said, codegen = _import("aliexpress-codegen.py", ae_server, tmp_path, monkeypatch, capsys)
    assert code == 0, said[-3000:]
    assert "read: an overlay over the order page: 'accept_cookies' closes it" in said
    assert "read: 6 reasons from the form (not received)" in said
    assert "every element used was found" in said
    profile = load_profile(codegen)
    assert [o.close for o in profile.page.overlays] == ["accept_cookies"]
    assert profile.order_page.ready == "order_id"
    assert profile.check.is_harmless("POST", f"{ae_server.url}/gw/aplus/track")
    code, said, chrome = _import("aliexpress-chrome.json", ae_server, tmp_path, monkeypatch, capsys)
    assert code == 0 and "every element used was found" in said, said[-3000:]
    assert "read: the submit request: POST **/h5/mtop.ae.reverse.submit/1.0/*" in said
    monkeypatch.chdir(tmp_path)
    assert cli(["run", "--profile", str(codegen), "--storefront", "aliexpress", "--quiet"]) == 0
    assert "opened: dispute 5000000001007135 opened for order 1001" in capsys.readouterr().out
    assert _scenarios(tmp_path, "aliexpress", codegen, "ae-busy-gateway") == 0
    recorded = "commet--textarea--Sg0xapL"  # the message's class, hash and all
    assert recorded in chrome.read_text(encoding="utf-8")
    ae_server.reset()
    ae_server.set_faults({"class_drift": 20251})
    page = httpx.get(
        f"{ae_server.url}/p/reverse-pages/start.html?orderId=1001&itemId=100101",
        cookies=ae_server.session_cookies(),
    ).text
    ae_server.set_faults({})
    assert recorded not in page and "commet--textarea--" in page
    code = _scenarios(tmp_path, "aliexpress", chrome, "ae-busy-text-fr", fault="class_drift=20251")
    assert code == 0, capsys.readouterr().err[-3000:]


def test_record_runs_playwrights_recorder_and_refuses_an_empty_recording(
    storefront: StorefrontServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`record` starts Playwright's own recorder (headless here: PWTEST_CLI_HEADLESS, a display
    named) on --site with the browser found; nobody records, the timeout stops it, its script
    and HAR are private, and the recording that never opens the order is refused in one line."""
    env = {"DISPLAY": ":99", "PWTEST_CLI_HEADLESS": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        code = cli(
            [
                "record",
                "--site",
                storefront.url,
                "--order",
                "1001",
                "--timeout",
                "15s",
                "--out",
                str(tmp_path / "shop.toml"),
                "--runs",
                str(tmp_path / "runs"),
            ]
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    err = capsys.readouterr().err
    (folder,) = (tmp_path / "runs").iterdir()
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"retry-dispute: {folder / 'recording.py'}: never opens order 1001 (no URL of it holds "
        "that id); give the id of the order the recording opened (--order), or record opening it"
    )
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    script = (folder / "recording.py").read_text(encoding="utf-8")
    assert f'page.goto("{storefront.url}/login?next=/orders")' in script
    for name in ("recording.py", "recording.har"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert not (tmp_path / "shop.toml").exists()
