"""A real full disk: ``--out`` on a 1 MiB tmpfs that fills up while the run opens its dispute.

The real CLI runs in a private mount namespace (``unshare -m``) whose tmpfs is filled to leave a
few KiB to a few hundred KiB; the run folder is copied out before the namespace ends. Skipped
where ``unshare -m`` and ``mount`` are not allowed (not root). The same promises as
tests/safety/test_full_disk.py (tests/safety/disk_checks.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_site.testing import StorefrontServer
from tests.safety.disk_checks import ORDER, check_console, check_folder, run_argv
from tests.safety.helpers import disputes_of

REPO = Path(__file__).resolve().parents[2]


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs '{probe}'"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0


#: Bytes left free on a 1 MiB tmpfs before the run (a healthy run writes about 550 KB).
TMPFS_FREE = (8 << 10, 48 << 10, 128 << 10, 240 << 10, 400 << 10, 520 << 10)


@pytest.mark.browser
@pytest.mark.parametrize("free", TMPFS_FREE, ids=[f"{f >> 10}KiB" for f in TMPFS_FREE])
def test_a_real_full_tmpfs_never_hides_the_opened_dispute(
    free: int, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """The real CLI with --out on a small tmpfs that fills up: opened, exit 0, outcome first."""
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("mounting a tmpfs needs root and `unshare -m`")
    storefront.set_faults({"busy_first": 1})
    disk, saved = tmp_path / "disk", tmp_path / "saved"
    disk.mkdir()
    saved.mkdir()
    argv = " ".join(f"'{a}'" for a in run_argv(storefront, disk / "runs", tmp_path / "state"))
    script = (
        f"mount -t tmpfs -o size=1m tmpfs '{disk}' && "
        f"head -c {(1 << 20) - free} /dev/zero > '{disk}/filler' && "
        f"'{sys.executable}' -m agent {argv}; code=$?; "
        f"cp -a '{disk}/runs' '{saved}/' 2>/dev/null; exit $code"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRY_DISPUTE_")}
    env.update(PYTHONPATH=str(REPO), RETRY_DISPUTE_USER="demo", RETRY_DISPUTE_PASSWORD="demo")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    lost = "could not write" in done.stdout
    dispute_id = check_console(done.returncode, done.stdout, done.stderr, lost=lost)
    assert [d["dispute_id"] for d in disputes_of(storefront, ORDER)] == [dispute_id]
    if free < 400 << 10:
        assert lost, done.stdout  # the report alone is bigger than what was left
    check_folder(saved / "runs", dispute_id)


@pytest.mark.parametrize("where", ["--state-dir", "--out"])
def test_a_full_disk_under_the_journal_or_out_is_one_line(
    where: str, storefront: StorefrontServer, tmp_path: Path
) -> None:
    """--state-dir (or --out) on a tmpfs with no byte left: one line, exit 2, nothing sent."""
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("mounting a tmpfs needs root and `unshare -m`")
    disk = tmp_path / "disk"
    disk.mkdir()
    argv = run_argv(storefront, tmp_path / "runs", tmp_path / "state")
    argv[argv.index(where) + 1] = str(disk / "inside")
    quoted = " ".join(f"'{a}'" for a in argv)
    script = (
        f"mount -t tmpfs -o size=64k tmpfs '{disk}' && "
        f"(head -c 1048576 /dev/zero > '{disk}/filler' 2>/dev/null; true) && "
        f"exec '{sys.executable}' -m agent {quoted}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETRY_DISPUTE_")}
    env.update(PYTHONPATH=str(REPO), RETRY_DISPUTE_USER="demo", RETRY_DISPUTE_PASSWORD="demo")
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    [line] = done.stderr.splitlines()
    assert line.startswith("retry-dispute: ") and "; " in line
    assert ("journal" if where == "--state-dir" else "--out") in line
    assert "full" in line or "no space" in line, line
    assert done.stdout == ""
    assert storefront.submissions() == []
