"""What a run that opened a dispute on a full disk must still show: the checks of the disk tests."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from mock_site.testing import StorefrontServer
from tests.safety.helpers import MESSAGE

ORDER = "2000"


def run_argv(site: StorefrontServer, out: Path, state: Path) -> list[str]:
    """The CLI arguments of a run of ORDER against *site* into *out*."""
    return [
        "run",
        "--site",
        site.url,
        "--order",
        ORDER,
        "--received",
        "no",
        "--reason",
        "not_received",
        "--message",
        MESSAGE,
        "--out",
        str(out),
        "--state-dir",
        str(state),
        "--initial-wait",
        "0.01",
        "--max-wait",
        "0.05",
    ]


def check_console(code: int, out: str, err: str, *, lost: bool) -> str:
    """The console's promises; return the dispute id it printed."""
    assert code == 0, (out, err[-3000:])
    assert "Traceback" not in out + err, err[-3000:]
    lines = out.splitlines()
    match = re.match(r"opened: dispute (D-\d+) ", lines[0])
    assert match, lines
    exit_line = next(i for i, line in enumerate(lines) if "exit code 0" in line)
    notes = [i for i, line in enumerate(lines) if "could not write" in line]
    assert all(i > exit_line for i in notes), lines
    assert bool(notes) == lost, lines
    return match.group(1)


def check_folder(out: Path, dispute_id: str) -> None:
    """Every file present is 0600, a result.json says opened, screenshot numbers never repeat."""
    [run_dir] = [p for p in out.iterdir() if p.is_dir()]
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    result = run_dir / "result.json"
    if result.exists() and result.stat().st_size:
        text = result.read_text(encoding="utf-8")
        if text.rstrip().endswith("}"):  # whole (written atomically: it always is)
            assert '"status": "opened"' in text and dispute_id in text
    numbers = (
        [p.name[:2] for p in (run_dir / "screenshots").glob("*.png")]
        if (run_dir / "screenshots").is_dir()
        else []
    )
    assert len(numbers) == len(set(numbers)), numbers
