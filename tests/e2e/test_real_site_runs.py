"""Whole runs on the aliexpress skin as the real site behaves: in each interface language with
the pin removed (labels alone), through the CLI with drifted markup and a banner behind a modal
(drift said in result.json, once on the console and in the report), and check's drift column."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.site.profile import load_profile
from mock_site.aliexpress.lang import wording
from mock_site.testing import SAMPLE_JPEG, StorefrontServer
from tests.e2e.agent_helpers import photo, run_agent
from tests.safety.helpers import cli
from tests.terminal import run_demo

pytestmark = pytest.mark.browser

FAST = {"toast_s": 1, "upload_delay_s": 0.2}
#: Per language: the request, and the busy answer (in the language when the text format has it).
#: French is the scenario catalogue's (scenarios/ae-unpinned-fr.toml, and ae-pinned-fr.toml).
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "de": ({"order_id": "1002", "received": "yes", "reason": "damaged"}, {}),
    "es": (
        {"order_id": "1002", "received": "yes", "reason": "not_as_described"},
        {"busy_format": "text", "language": "es"},
    ),
    "ru": (
        {"order_id": "1001", "received": "no", "reason": "no_tracking"},
        {"busy_format": "text", "language": "ru", "busy_style": "modal"},
    ),
}


@pytest.fixture(scope="module")
def ae_server() -> Iterator[StorefrontServer]:
    """The aliexpress skin, for this module."""
    with StorefrontServer(skin="aliexpress") as server:
        yield server


@pytest.fixture
def ae(ae_server: StorefrontServer) -> StorefrontServer:
    """The aliexpress skin back in its seeded state."""
    ae_server.reset()
    return ae_server


@pytest.mark.parametrize("language", list(CASES))
def test_the_profile_works_on_each_language_without_the_pin(
    ae: StorefrontServer, tmp_path: Path, language: str
) -> None:
    """A store whose interface is German, Spanish or Russian, and the profile without
    its pin: the labels in several languages find every button, reason, card and status; busy
    once, then opened, one request, and no drift (the preferred selectors all matched)."""
    request, busy = CASES[language]
    unpinned = replace(load_profile("aliexpress"), pin_cookies=())
    evidence = [photo(tmp_path)] if request["received"] == "yes" else []
    run = run_agent(
        ae,
        tmp_path,
        faults={**FAST, "ui_language": language, "busy_first": 1, **busy},
        profile=unpinned,
        message="The parcel has a problem, please refund me.",
        evidence=evidence,
        **request,
    )
    assert run.outcome.status == "opened", run.outcome.message
    assert run.outcome.attempts == 2 and run.result["drift"] == []
    [dispute] = run.disputes()
    assert dispute["reason"] == request["reason"]
    # what that browser was shown: without the pin cookie the store's language, whatever its
    # Accept-Language says (the agent's browser says en-US)
    client = httpx.Client(base_url=ae.url, cookies=ae.session_cookies(), timeout=10)
    try:
        html = client.get(
            "/p/order/detail.html?orderId=1003", headers={"Accept-Language": "en-US,en;q=0.9"}
        ).text
    finally:
        client.close()
    assert wording(language)["ineligible.protection_ended"].replace("'", "&#39;") in html


def test_a_cli_run_on_drifted_markup_says_so_once(tmp_path: Path) -> None:
    """The demo on the aliexpress skin with new class hashes, a French store default and a
    consent banner that comes with every modal, JSON logs: it opens the dispute; result.json's
    drift names the elements found by an alternative; one warning on the console says so; the
    report shows it; stderr holds nothing but JSON lines (no traceback from a handler)."""
    faults = tmp_path / "faults.toml"
    faults.write_text(
        'busy_first = 1\nui_language = "fr"\nclass_drift = 99\nbanner_with_modal = true\n',
        encoding="utf-8",
    )
    done = run_demo(
        tmp_path, "--profile", "aliexpress", "--faults", str(faults), "--log-format", "json"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is JSON
    drift_lines = [e for e in events if e["event"] == "agent.profile_drift"]
    assert len(drift_lines) == 1 and drift_lines[0]["level"] == "warning"
    [result_path] = (tmp_path / "runs").glob("*/result.json")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    assert result["status"] == "opened"
    drifted = {d["element"]: d for d in result["drift"]}
    assert {"form", "reason", "next", "confirm_page", "confirm"} <= set(drifted)
    assert drifted["confirm"]["alternative"] == 2
    assert drifted["confirm"]["preferred"].startswith("div.confirm--modal--1Ew4hUz")
    assert set(drift_lines[0]["elements"]) == set(drifted)
    report = (result_path.parent / "report.html").read_text(encoding="utf-8")
    assert 'data-testid="drift"' in report and "elements.confirm" in report


def test_check_shows_drift_in_its_table(
    ae: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """check on drifted markup: every element is found, the drifted ones with the alternative
    that found them and the hint to update the profile; exit 0."""
    ae.set_faults({**FAST, "class_drift": 5})
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(SAMPLE_JPEG)
    code = cli(
        [
            "check",
            "--site",
            ae.url,
            "--profile",
            "aliexpress",
            "--order",
            "1002",
            "--received",
            "yes",
            "--reason",
            "damaged",
            "--message",
            "It arrived broken.",
            "--evidence",
            str(picture),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    form = next(line for line in out.splitlines() if line.startswith("elements.form "))
    assert "found" in form and "alternative 2" in form and "update the profile" in form
    assert out.splitlines()[-2].startswith("drift: elements.")
    assert ae.submissions() == []
