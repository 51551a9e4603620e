"""The out-of-the-box demo, `retry-dispute run` with no arguments, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.terminal import ROOT, run_demo

pytestmark = pytest.mark.browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_demo_opens_a_dispute_after_busy_answers(tmp_path: Path) -> None:
    """The demo starts the storefront, retries busy answers, opens, and shows the evidence."""
    proc = run_demo(tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("opened: dispute D-")
    run_dirs = list((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 1
    assert str(run_dirs[0]) in proc.stdout
    result = json.loads((run_dirs[0] / "result.json").read_text())
    assert result["status"] == "opened"
    assert result["attempts"] >= 2
    attempts = [s for s in result["screenshots"] if "-attempt-" in s]
    assert len(attempts) == result["attempts"]
    for shot in result["screenshots"]:
        assert (run_dirs[0] / shot).read_bytes()[:8] == PNG_MAGIC
    assert (run_dirs[0] / "report.html").is_file()


@pytest.mark.slow(16)
def test_demo_on_the_aliexpress_skin_with_its_profile(tmp_path: Path) -> None:
    """--profile aliexpress and no --site: the aliexpress skin starts; busy, then opened."""
    proc = run_demo(tmp_path, "--profile", "aliexpress")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "(aliexpress skin, demo account demo/demo)" in proc.stderr
    assert proc.stdout.startswith("opened: dispute 5")  # this skin's 16-digit request ids
    [run_dir] = list((tmp_path / "runs").iterdir())
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "opened"
    assert result["attempts"] == 4  # busy three times, as the demo plan says
    answers = [e["outcome"] for e in result["timeline"] if e["kind"] == "attempt"]
    assert answers == ["busy", "busy", "busy", "opened"]


def test_a_profile_without_a_bundled_storefront_needs_a_site(tmp_path: Path) -> None:
    """A profile file whose name is no bundled skin, without --site: one line, exit 2."""
    profile = tmp_path / "shop.toml"
    text = (ROOT / "agent" / "profiles" / "mock.toml").read_text(encoding="utf-8")
    profile.write_text(text.replace('name = "mock"', 'name = "shop"'), encoding="utf-8")
    proc = run_demo(tmp_path, "--profile", str(profile), timeout=120)
    assert proc.returncode == 2
    assert "the shop profile has no bundled storefront" in proc.stderr
    assert "Traceback" not in proc.stderr
