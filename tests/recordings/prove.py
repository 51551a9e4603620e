"""The whole proof for the four fixtures (minutes, not a test): each imported with --site, then
the demo and every busy scenario of its skin with the draft, then the aliexpress drafts under
class_drift.

    .venv/bin/python tests/recordings/prove.py [--out DIR] [FIXTURE…]

Prints one line per fixture (check, demo, scenarios met) and keeps everything under --out
(default runs/prove-…). docs/recording.md holds its last figures.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from mock_site.testing import StorefrontServer  # noqa: E402

FIXTURES = {
    "mock-chrome.json": "mock",
    "mock-codegen.py": "mock",
    "aliexpress-chrome.json": "aliexpress",
    "aliexpress-codegen.py": "aliexpress",
}
BUSY = {
    "mock": ["busy-*.toml"],
    "aliexpress": ["busy-*.toml", "ae-busy-*.toml"],
}
DRIFT = ["busy-first-n.toml", "ae-busy-gateway.toml", "ae-busy-text-fr.toml"]


def _cli(*args: str, cwd: Path) -> tuple[int, str]:
    env = {**os.environ, "RETRY_DISPUTE_USER": "demo", "RETRY_DISPUTE_PASSWORD": "demo"}
    done = subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _met(output: str) -> str:
    found = re.search(r"(\d+) scenarios, (all met their expectation|(\d+) MISMATCH)", output)
    if found is None:
        return "?"
    total = int(found[1])
    missed = int(found[3] or 0)
    names = re.findall(r"^([^\s\[]\S*)\s.*MISMATCH$", output, re.MULTILINE)
    return f"{total - missed}/{total}" + (f" (missed: {', '.join(names)})" if names else "")


def prove(fixture: str, out: Path) -> str:
    skin = FIXTURES[fixture]
    area = out / Path(fixture).stem
    area.mkdir(parents=True)
    profile = area / "shop.toml"
    started = time.monotonic()
    with StorefrontServer(skin=skin) as server:
        code, said = _cli(
            "profile",
            "import",
            str(HERE / fixture),
            "--site",
            server.url,
            "--out",
            str(profile),
            "--runs",
            str(area / "runs"),
            cwd=area,
        )
    (area / "import.txt").write_text(said, encoding="utf-8")
    check = "check ok" if code == 0 else f"check exit {code}"
    code, said = _cli("run", "--profile", str(profile), "--storefront", skin, cwd=area)
    (area / "demo.txt").write_text(said, encoding="utf-8")
    demo = "demo opened" if code == 0 else f"demo exit {code}"
    paths = [str(p) for pattern in BUSY[skin] for p in sorted((ROOT / "scenarios").glob(pattern))]
    code, said = _cli(
        "scenario",
        "--storefront",
        skin,
        "--profile",
        f"{skin}={profile}",
        "--jobs",
        "2",
        "--out",
        str(area / "scenarios"),
        *paths,
        cwd=area,
    )
    (area / "scenarios.txt").write_text(said, encoding="utf-8")
    line = f"{fixture}: {check}, {demo}, busy scenarios {_met(said)}"
    if skin == "aliexpress":
        code, said = _cli(
            "scenario",
            "--storefront",
            skin,
            "--profile",
            f"{skin}={profile}",
            "--jobs",
            "2",
            "--fault",
            "class_drift=20251",
            "--out",
            str(area / "drift"),
            *(str(ROOT / "scenarios" / n) for n in DRIFT),
            cwd=area,
        )
        (area / "drift.txt").write_text(said, encoding="utf-8")
        line += f", under class_drift {_met(said)}"
    return f"{line}; {time.monotonic() - started:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("fixtures", nargs="*", default=list(FIXTURES))
    args = parser.parse_args()
    out = (args.out or ROOT / "runs" / f"prove-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    for fixture in args.fixtures:
        print(prove(fixture, out), flush=True)
    print(f"everything in {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
