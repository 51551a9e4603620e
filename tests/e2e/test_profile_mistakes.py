"""The profile's own mistakes, run from the command line: said as the profile's, never the site's.

A pop-up the profile expects from a click that opens none ends ``error`` with ``reason_code``
``profile_mismatch``: no marketplace support ticket, and the hint points at ``retry-dispute check``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from mock_site.testing import StorefrontServer
from tests.safety.helpers import MESSAGE, cli

pytestmark = pytest.mark.browser


def test_a_pop_up_that_never_comes_is_the_profiles_mistake(
    storefront: StorefrontServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """open.steps[1] expects a pop-up from a click that opens none: profile_mismatch, the step
    named, `check` pointed to, no ticket nor evidence.zip (before: a plain error and a ticket
    blaming the marketplace)."""
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    old = 'click = "open_dispute"\nnew_page = "expected"'
    assert old in text and "popup_s = 5" in text
    profile = tmp_path / "popup.toml"
    profile.write_text(
        text.replace(old, 'click = "order_status"\nnew_page = "expected"').replace(
            "popup_s = 5", "popup_s = 1"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("RETRY_DISPUTE_USER", "demo")
    monkeypatch.setenv("RETRY_DISPUTE_PASSWORD", "demo")
    out = tmp_path / "runs"
    code = cli(
        [
            "run",
            "--site",
            storefront.url,
            "--profile",
            str(profile),
            "--order",
            "1001",
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            MESSAGE,
            "--out",
            str(out),
            "--state-dir",
            str(tmp_path / "state"),
            "--json",
        ]
    )
    printed = capsys.readouterr()
    assert code == 1, printed.err[-2000:]
    result = json.loads(printed.out)
    assert (result["status"], result["reason_code"]) == ("error", "profile_mismatch")
    assert "open.steps[1] (open-dispute)" in result["message"]
    assert "opened no pop-up or tab within 1 s" in result["message"]
    assert "retry-dispute check" in result["hint"]
    [run_dir] = out.iterdir()
    assert not (run_dir / "support-ticket.md").exists()
    assert not (run_dir / "evidence.zip").exists()
    assert "The site profile does not fit the page." in (run_dir / "report.html").read_text()
    assert storefront.submissions() == []
