"""`make mutants`: each guard of "never a duplicate" must fail a fast test when it is broken.

Each mutant below is one small change to the product's code that a later edit could make by
mistake: no check before a resubmission, no check after the last attempt, a check that never
finds the dispute, disputes that show late ignored, an unreadable order page taken for "no
dispute", the order's claim not taken, the claim's heartbeat silent, an outcome not redacted,
cookies or the password not registered as secrets, a request in flight resent, an intent written
after the click... Each is applied alone to a copy of the tree, and the fast tests (tests/unit:
no browser, seconds) run on the copy: the mutant must make one of them fail ("killed"). A
mutant that survives is a guard no fast test proves: the script exits 1 naming it.

Usage: ``python tests/mutants.py [--list] [NAME...]`` (no name: every mutant). For speed the
tests named beside each mutant run first; only when they pass is the whole of tests/unit run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Mutant:
    """One small change: in *path*, *old* (found exactly once) becomes *new*."""

    name: str
    path: str
    old: str
    new: str
    #: The fast tests expected to kill it (run first).
    killers: tuple[str, ...]


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "no check before a resubmission",
        "agent/flow/loop.py",
        "            finding = await self.look(\n",
        '            finding = Finding(state="none") if True else await self.look(\n',
        ("tests/unit/test_loop.py",),
    ),
    Mutant(
        "no check after the last allowed attempt (giving up unchecked)",
        "agent/flow/loop.py",
        "        if not needs_check(submission, can_sign_in=can_sign_in):\n",
        "        if state.attempts >= self.settings.policy.max_attempts and needs_check("
        "submission):\n"
        '            return Resend(answer=submission.answer, cause="busy")\n'
        "        if not needs_check(submission, can_sign_in=can_sign_in):\n",
        ("tests/unit/test_loop.py",),
    ),
    Mutant(
        "the check never finds a dispute",
        "agent/flow/decide.py",
        "    if finding.exists:\n",
        "    if False:\n",
        ("tests/unit/test_decide.py", "tests/unit/test_loop.py"),
    ),
    Mutant(
        "the order page's reader never finds an id",
        "agent/site/existing.py",
        "        if found is not None:\n            ids.append(found)",
        "        if False:\n            ids.append(found)",
        ("tests/unit/test_existing.py",),
    ),
    Mutant(
        "disputes that show late are ignored",
        "agent/flow/loop.py",
        "            if now >= until:\n                break\n",
        "            if True:\n                break\n",
        ("tests/unit/test_loop.py",),
    ),
    Mutant(
        "the check counts from the click, not from the end of the request",
        "agent/flow/loop.py",
        "            end = submission.ended_at if submission.ended_at is not None else "
        "self.settings.clock()\n",
        "            end = state.started or 0.0\n",
        ("tests/unit/test_loop.py",),
    ),
    Mutant(
        "an unreadable order page counts as no dispute",
        "agent/flow/decide.py",
        '    if finding.state == "unreadable":\n        return Settled(',
        "    if False:\n        return Settled(",
        ("tests/unit/test_decide.py", "tests/unit/test_loop.py"),
    ),
    Mutant(
        "a shown dispute element without its id counts as no dispute",
        "agent/site/existing.py",
        "    if unread:\n",
        "    if False:\n",
        ("tests/unit/test_existing.py",),
    ),
    Mutant(
        "a request still in flight is resent",
        "agent/flow/decide.py",
        "    if submission.in_flight:\n        return Settled(",
        "    if False:\n        return Settled(",
        ("tests/unit/test_decide.py", "tests/unit/test_loop.py"),
    ),
    Mutant(
        "a session that ended is resent though the run cannot sign in again",
        "agent/flow/decide.py",
        '    if outcome == "login_required" and can_sign_in:\n',
        '    if outcome == "login_required":\n',
        ("tests/unit/test_decide.py", "tests/unit/test_loop.py"),
    ),
    Mutant(
        "the intent is written after the click",
        "agent/flow/loop.py",
        "        intent = self.intents.begin(number) if self.intents is not None else None\n"
        "        state.in_flight = True\n",
        "        intent = None\n        state.in_flight = True\n",
        ("tests/unit/test_loop.py",),
    ),
    Mutant(
        "steps that sent nothing count as an attempt",
        "agent/flow/loop.py",
        "        if submission.sent:\n            state.attempts = number\n",
        "        state.attempts = number\n",
        ("tests/unit/test_loop.py",),
    ),
    Mutant(
        "an earlier run's submission is not waited for its answer",
        "agent/flow/journal.py",
        "        return since + answer_s + shows_within_s\n",
        "        return since + shows_within_s\n",
        ("tests/unit/test_guards.py",),
    ),
    Mutant(
        "run_order does not take the order's claim",
        "agent/flow/run.py",
        "                settings.journal,\n                site=run.site,",
        "                None,\n                site=run.site,",
        ("tests/unit/test_guards.py",),
    ),
    Mutant(
        "the claim's heartbeat never beats",
        "agent/flow/claim.py",
        "        while keep_going():\n            self.beat_once(db)\n",
        "        while keep_going():\n            pass\n",
        ("tests/unit/test_claims.py",),
    ),
    Mutant(
        "the outcome's message is not redacted",
        "agent/outcome.py",
        '    "message",\n    "hint",\n    "reason_code",\n',
        '    "hint",\n    "reason_code",\n',
        ("tests/unit/test_guards.py",),
    ),
    Mutant(
        "the outcome's request is not redacted",
        "agent/outcome.py",
        '        for name in ("request", "context", "form"):',
        '        for name in ("context", "form"):',
        ("tests/unit/test_guards.py",),
    ),
    Mutant(
        "the outcome's timeline is not redacted",
        "agent/outcome.py",
        '        for name in ("name", "outcome", "screenshot", "detail", "wait_cause", "purpose"):',
        "        for name in ():",
        ("tests/unit/test_guards.py",),
    ),
    Mutant(
        "cookies are not registered as secrets",
        "agent/flow/cookies.py",
        "    if is_secret_name(name) or len(value) >= MIN_ANONYMOUS:\n        add_secret(value)",
        "    if False:\n        add_secret(value)",
        ("tests/unit/test_guards.py",),
    ),
    Mutant(
        "the password is not registered as a secret",
        "agent/session.py",
        "        add_secret(self._password)\n",
        "        pass\n",
        ("tests/unit/test_guards.py",),
    ),
)


def _copy(target: Path) -> None:
    """The project's files (tracked, or new and not ignored) into *target*."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _apply(root: Path, mutant: Mutant) -> None:
    path = root / mutant.path
    text = path.read_text(encoding="utf-8")
    found = text.count(mutant.old)
    if found != 1:
        raise SystemExit(
            f"mutants: {mutant.name!r}: its code was found {found} times in {mutant.path} "
            "(the code changed: update the mutant in tests/mutants.py)"
        )
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def _pytest(root: Path, targets: Sequence[str]) -> int:
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-n", "0"]
    done = subprocess.run(
        [*command, *targets],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode


def _try(pristine: Path, root: Path, mutant: Mutant) -> tuple[bool, float]:
    """Whether the fast tests kill *mutant* (applied to a copy at *root*), and how long it took."""
    started = time.monotonic()
    shutil.copytree(pristine, root)
    try:
        _apply(root, mutant)
        killed = _pytest(root, list(mutant.killers)) != 0
        if not killed:
            killed = _pytest(root, ["tests/unit"]) != 0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return killed, time.monotonic() - started


def run(mutants: Sequence[Mutant], *, jobs: int = 2) -> list[str]:
    """Apply each mutant alone to a fresh copy and run the fast tests; the survivors' names."""
    survivors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="retry-dispute-mutants-") as tmp:
        pristine = Path(tmp) / "pristine"
        pristine.mkdir()
        _copy(pristine)
        if _pytest(pristine, ["tests/unit"]) != 0:
            raise SystemExit("mutants: the fast tests fail on the unchanged code; fix them first")
        with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
            futures = [
                pool.submit(_try, pristine, Path(tmp) / f"m{n}", mutant)
                for n, mutant in enumerate(mutants, 1)
            ]
            for number, (mutant, future) in enumerate(zip(mutants, futures, strict=True), 1):
                killed, took = future.result()
                verdict = "killed" if killed else "SURVIVED"
                print(f"[{number:2d}/{len(mutants)}] {verdict:8s} {mutant.name} ({took:.1f} s)")
                if not killed:
                    survivors.append(mutant.name)
    return survivors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help="run only the mutants whose name has this text")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tried at once (default 2)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.names or any(n in m.name for n in args.names)]
    if args.list:
        for mutant in chosen:
            print(f"{mutant.name}  ({mutant.path})")
        return 0
    survivors = run(chosen, jobs=args.jobs)
    if survivors:
        print(
            f"mutants: {len(survivors)} of {len(chosen)} survived the fast tests:", file=sys.stderr
        )
        for name in survivors:
            print(f"  - {name}", file=sys.stderr)
        return 1
    print(f"mutants: all {len(chosen)} killed by the fast tests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
