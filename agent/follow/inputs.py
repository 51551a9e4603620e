"""What `follow` is given, checked before any browser starts: a run folder (its order, request id
and request), an order id, or a batch folder (its run folders); and the evidence to send again.

A run folder whose run opened no dispute is refused with one line (nothing to follow); one whose
dispute is open gives the request's id. The run's evidence is found again from the command that
made it (its ``--evidence`` files, its ``--request`` or ``--batch`` file's folder), by the names
``result.json`` records; when one cannot be found, ``--evidence`` is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.errors import InvalidConfig, InvalidRequest, RetryDisputeError
from agent.outcome import RESULT_FILE, Outcome
from agent.request import load_request_toml

__all__ = [
    "FollowTarget",
    "batch_targets",
    "order_target",
    "run_evidence",
    "run_target",
]

_SUMMARY = "summary.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowTarget:
    """One request to follow, and the folder its ``follow.json`` goes into."""

    order_id: str
    item: str | None = None
    #: The request's id, when known before the site is read (a run folder's dispute id).
    request_id: str | None = None
    folder: Path
    #: The run that opened it, when following a run folder.
    run: Outcome | None = None

    @property
    def order_key(self) -> str:
        """The order, and the item when given (``1001``, ``1001/2``)."""
        return self.order_id if self.item is None else f"{self.order_id}/{self.item}"

    @property
    def request(self) -> Mapping[str, object]:
        """The run's request as ``result.json`` holds it (empty without a run)."""
        return self.run.request if self.run is not None else {}


def run_target(run_dir: Path) -> FollowTarget:
    """The request a run folder opened (or found open); `InvalidRequest` when it has none."""
    if not (run_dir / RESULT_FILE).is_file():
        raise InvalidConfig(
            f"{run_dir} is not a run folder (no {RESULT_FILE})",
            hint="give the folder `retry-dispute run` printed (runs/…), a batch folder "
            "(runs/batch-…), or --order ID",
        )
    outcome = Outcome.read(run_dir)
    if not outcome.ok or not outcome.dispute_id:
        raise InvalidRequest(
            f"the run in {run_dir} opened no dispute ({outcome.status}: "
            f"{outcome.message[:160]}): there is no request to follow",
            hint="open it first (run the same command again), or follow an order with --order ID",
        )
    item = outcome.request.get("item")
    return FollowTarget(
        order_id=outcome.order_id,
        item=str(item) if item else None,
        request_id=outcome.dispute_id,
        folder=run_dir,
        run=outcome,
    )


def order_target(order_id: str, item: str | None, out_dir: Path) -> FollowTarget:
    """An order followed without a run folder: its follow folder is ``OUT/follow-<order>``
    (the same one each time: a watch resumes in it)."""
    name = f"follow-{order_id}" + (f"-{item}" if item else "")
    return FollowTarget(order_id=order_id, item=item, folder=out_dir / name)


def batch_targets(batch_dir: Path) -> tuple[list[FollowTarget], list[tuple[str, str]]]:
    """Every request a batch opened (its run folders, from ``summary.json``), and the orders
    passed over with why (no dispute opened)."""
    try:
        summary = json.loads((batch_dir / _SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InvalidConfig(
            f"{batch_dir} is not a batch folder ({_SUMMARY} cannot be read)",
            hint="give the folder `retry-dispute run --batch` printed (runs/batch-…)",
        ) from None
    entries = summary.get("orders") if isinstance(summary, dict) else None
    targets: list[FollowTarget] = []
    passed: list[tuple[str, str]] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        order_id = str(entry.get("order_id") or "")
        run_dir = entry.get("run_dir")
        if not run_dir:
            passed.append((order_id, "it did not run"))
            continue
        try:
            targets.append(run_target((batch_dir / str(run_dir)).resolve()))
        except InvalidRequest as exc:
            passed.append((order_id, exc.what))
    if not targets and not passed:
        raise InvalidConfig(f"{batch_dir}/{_SUMMARY} lists no order", hint="check the folder")
    return targets, passed


def _flag_values(command: Sequence[str], flag: str) -> list[str]:
    values: list[str] = []
    taking = False
    for word in command:
        if word == flag:
            taking = True
            continue
        if word.startswith(f"{flag}="):
            values.append(word.split("=", 1)[1])
            taking = flag == "--evidence"
            continue
        if word.startswith("-"):
            taking = False
        elif taking:
            values.append(word)
            if flag != "--evidence":
                taking = False
    return values


def run_evidence(target: FollowTarget) -> tuple[Path, ...] | None:
    """The run's evidence files found again (by the names result.json records), () when it had
    none, None when one of them cannot be found (then ``--evidence`` must say)."""
    names = target.request.get("evidence")
    wanted = [str(n) for n in names] if isinstance(names, list) else []
    if not wanted:
        return ()
    command = target.run.context.get("command") if target.run is not None else None
    words = [str(w) for w in command] if isinstance(command, list) else []
    candidates = [Path(p) for p in _flag_values(words, "--evidence")]
    for request_file in _flag_values(words, "--request"):
        try:  # its evidence, relative to its folder
            candidates += list(load_request_toml(request_file).request.evidence)
        except RetryDisputeError:
            continue
    sources = [Path(p).parent for p in _flag_values(words, "--batch")]
    found: list[Path] = []
    for name in wanted:
        match = next((p for p in candidates if p.name == name and p.is_file()), None)
        if match is None:  # a batch's evidence: beside its file, or in a folder under it
            match = next((f for folder in sources for f in folder.rglob(name) if f.is_file()), None)
        if match is None and (Path.cwd() / name).is_file():
            match = Path(name)
        if match is None:
            return None
        found.append(match)
    return tuple(found)
