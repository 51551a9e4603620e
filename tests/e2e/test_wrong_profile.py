"""A profile whose selector does not fit the page, run from the command line on the demo.

The run fails within the profile's own timeouts, naming the profile entry and the file, points
at ``retry-dispute check``, writes no marketplace support ticket (a local configuration error)
and sends nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.terminal import ROOT, run_demo

pytestmark = pytest.mark.browser


def test_a_wrong_selector_names_the_entry_and_writes_no_ticket(tmp_path: Path) -> None:
    """elements.message misspelt: exit 1 within step_s, the entry and the file named, the check
    command suggested, report.html written, no support-ticket.md nor evidence.zip."""
    bundled = (ROOT / "agent" / "profiles" / "mock.toml").read_text(encoding="utf-8")
    broken = bundled.replace('message = "data-testid=message"', 'message = "data-testid=mesage"')
    broken = broken.replace("step_s = 10", "step_s = 2")
    assert broken.count("mesage") == 1 and "step_s = 2" in broken
    profile = tmp_path / "broken.toml"
    profile.write_text(broken, encoding="utf-8")
    done = run_demo(tmp_path, "--profile", str(profile), "--json", timeout=180)
    assert done.returncode == 1, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["status"] == "error" and result["reason_code"] == "profile_mismatch"
    assert result["attempts"] == 0
    assert f"elements.message ('data-testid=mesage') of profile {profile}" in result["message"]
    assert "within 2 s" in result["message"]
    assert "retry-dispute check" in result["hint"]
    assert "Traceback" not in done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "report.html").is_file()
    assert not (run_dir / "support-ticket.md").exists()
    assert not (run_dir / "evidence.zip").exists()
