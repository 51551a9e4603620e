"""``retry-dispute follow RUN_DIR | BATCH_DIR | --order ID``: after the dispute opens.

Reads the request's state and says it in plain words, with the deadline in local time and how
long is left; ``--respond disagree`` answers a proposal, a refusal or a request for evidence
(never accepting anything); ``--watch`` keeps following. Everything given is checked before a
browser starts (the folder, the profile's ``[follow]``, the message, the evidence): bad input is
one line and exit code 2, nothing sent.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from agent.cli.output import Console, command_line, shown
from agent.cli.session import policy_from_args, session_from_args, site_from_args
from agent.cli.signals import Interrupted, Interruptible
from agent.durations import parse_duration
from agent.errors import InvalidConfig
from agent.follow.batch import BatchFollow, follow_batch
from agent.follow.inputs import (
    FollowTarget,
    batch_targets,
    order_target,
    run_evidence,
    run_target,
)
from agent.follow.message import prepare_message
from agent.follow.record import FOLLOW_JSON, FollowOutcome, deadline_words
from agent.follow.run import FollowOptions, follow_request
from agent.request import check_evidence
from agent.site.profile import SiteProfile, load_profile

__all__ = ["command_follow", "follow_lines", "parse_until"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def parse_until(text: str, *, now: datetime | None = None) -> datetime:
    """``--until``: a duration from now (``6h``) or a date and time (``2026-12-01T18:00``, local
    time unless it says its zone); InvalidConfig saying what is accepted."""
    moment = now or datetime.now(UTC)
    try:
        return moment + timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidConfig(
            f"--until {text!r} is neither a duration nor a date and time",
            hint="give a duration (6h, 2d) or a date and time (2026-12-01T18:00)",
        ) from None
    return (when if when.tzinfo else when.astimezone()).astimezone(UTC)


def _profile_name(args: argparse.Namespace, target: FollowTarget | None) -> str | Path:
    if args.profile:
        return str(args.profile)
    used = target.run.context.get("profile") if target and target.run else None
    return str(used) if isinstance(used, str) and used else "mock"


def _run_site(target: FollowTarget | None) -> str | None:
    """The site a run folder's run was made on, unless it was the bundled storefront."""
    site = target.run.context.get("site") if target and target.run else None
    if not isinstance(site, str) or not site:
        return None
    return None if (urlsplit(site).hostname or "") in _LOOPBACK else site


def _checked_evidence(
    args: argparse.Namespace, targets: list[FollowTarget], profile: SiteProfile
) -> tuple[Path, ...] | None:
    """--evidence, checked; None: each request's run's own (checked here, found or refused)."""
    if args.evidence:
        files = check_evidence(args.evidence, received=False, reason="", rules=profile.evidence)
        return tuple(f.path for f in files)
    for target in targets:
        found = run_evidence(target)
        if found is None:
            names = target.request.get("evidence")
            listed = ", ".join(str(n) for n in names) if isinstance(names, list) else ""
            raise InvalidConfig(
                f"the evidence of the run in {target.folder} ({listed}) cannot be found from here",
                hint="give the files to send again with --evidence FILE…",
            )
        check_evidence(found, received=False, reason="", rules=profile.evidence)
    return None


def _targets(args: argparse.Namespace) -> tuple[list[FollowTarget], Path | None]:
    """The requests named on the command line (a batch folder's: each of its run folders that
    opened a dispute), and the batch folder when it is one."""
    if args.folder is not None and args.order:
        raise InvalidConfig(
            "give a run folder, a batch folder or --order ID, not both",
            hint="drop one of them",
        )
    if args.folder is None:
        if not args.order:
            raise InvalidConfig(
                "nothing to follow",
                hint="give the run folder `retry-dispute run` printed, a batch folder, or "
                "--order ID",
            )
        return [order_target(args.order, args.item, args.out)], None
    folder: Path = args.folder
    if not folder.is_dir():
        raise InvalidConfig(f"{folder} is not a folder", hint="give a run or batch folder")
    if (folder / "summary.json").is_file():
        return batch_targets(folder)[0], folder
    return [run_target(folder)], None


def follow_lines(outcome: FollowOutcome, now: datetime | None = None) -> list[str]:
    """What a person reads at the end: where the request stands, the deadline, what to do."""
    moment = now or datetime.now(UTC)
    lines = [f"{outcome.status}: {shown(outcome.message)}"]
    if outcome.warning:
        lines.append(f"  WARNING: {shown(outcome.warning)}")
    reading = outcome.reading
    if reading is not None and reading.deadline is not None and reading.state.awaits_shopper:
        lines.append(f"  deadline: {deadline_words(reading.deadline, moment)}")
    if outcome.hint:
        lines.append(f"  what to do: {shown(outcome.hint)}")
    request = f", request {shown(outcome.request_id)}" if outcome.request_id else ""
    lines.append(f"  order {shown(outcome.order_id)}{request}, exit code {outcome.exit_code}")
    if outcome.folder is not None:
        shots = len(outcome.screenshots)
        lines.append(
            f"  evidence: {outcome.folder}/ ({FOLLOW_JSON}, {shots} screenshot"
            f"{'' if shots == 1 else 's'}; open {outcome.folder / 'report.html'})"
        )
    return lines


def _print(console: Console, outcome: FollowOutcome) -> None:
    if console.json_result:
        print(json.dumps(outcome.to_json(), ensure_ascii=False, default=str), file=console.out)
    if console.json_logs:
        console.note(
            "", event="agent.follow_result", **{k: v for k, v in outcome.to_json().items()}
        )
        return
    stream = console.err if console.json_result else console.out
    for line in follow_lines(outcome):
        print(line, file=stream, flush=True)


def _print_batch(console: Console, result: BatchFollow) -> None:
    data = result.to_json()
    if console.json_result:
        print(json.dumps(data, ensure_ascii=False, default=str), file=console.out)
    stream = console.err if console.json_result else console.out
    for outcome in result.outcomes:
        print(f"order {outcome.order_id}: {outcome.status}: {shown(outcome.message)}", file=stream)
    for order_id, why in result.passed:
        print(f"order {order_id}: passed over: {shown(why)}", file=stream)
    totals = ", ".join(f"{k} {v}" for k, v in data["totals"].items())
    print(
        f"batch {result.batch_dir}/: {totals or 'nothing followed'}; exit code {result.exit_code} "
        f"(summary.json and index.html updated)",
        file=stream,
        flush=True,
    )


def _options(
    args: argparse.Namespace,
    profile: SiteProfile,
    console: Console,
    signals: Interruptible,
    *,
    site: str,
    demo: bool,
    evidence: tuple[Path, ...] | None,
    message: str | None,
) -> FollowOptions:
    return FollowOptions(
        site=site,
        profile=profile,
        session=session_from_args(args, demo=demo),
        policy=policy_from_args(args, demo=demo),
        respond=args.respond == "disagree",
        message=message,
        evidence=evidence,
        watch_s=args.watch,
        until=parse_until(args.until) if args.until else None,
        state_dir=args.state_dir,
        say=lambda text: console.note(shown(text), event="agent.follow_line", line=text),
        warn=lambda text: console.warn(shown(text), event="agent.follow_warning", line=text),
        stop=signals.stop,
        command=command_line(args),
    )


def command_follow(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Follow a run's request, a batch's, or an order's; print where each stands; its exit code."""
    if args.until and args.watch is None:
        raise InvalidConfig("--until goes with --watch", hint="add --watch INTERVAL, or drop it")
    if (args.message or args.evidence) and args.respond is None:
        raise InvalidConfig(
            "--message and --evidence are what --respond disagree sends",
            hint="add --respond disagree, or drop them",
        )
    targets, batch_dir = _targets(args)
    first = targets[0] if targets else None
    profile = load_profile(_profile_name(args, first))
    if profile.follow is None:
        raise InvalidConfig(
            f"profile {profile.source} has no [follow] table: it does not say how to read a "
            "request's page",
            hint="add one (README, 'After the dispute opens'), or use --profile mock",
        )
    if args.respond and profile.follow.respond is None:
        raise InvalidConfig(
            f"profile {profile.source} has no [follow.respond] table: it does not say how to "
            "disagree",
            hint="add one (README, 'After the dispute opens'), or drop --respond",
        )
    message = prepare_message(args.message)[0] if args.message else None
    evidence = _checked_evidence(args, targets, profile) if args.respond else None
    run_site = _run_site(first)
    if args.site is None and args.faults is None and run_site is not None:
        args.site = run_site
        console.note(f"following on the run's site {run_site}", event="agent.follow_site")
    demo = not args.site
    if not demo and args.faults:
        raise InvalidConfig(
            "--faults only applies to the bundled storefront", hint="drop --site or --faults"
        )
    with site_from_args(args, console, skin=profile.name) as site:
        options = _options(
            args,
            profile,
            console,
            signals,
            site=site,
            demo=demo,
            evidence=evidence,
            message=message,
        )
        try:
            if batch_dir is not None:
                result = signals.run(follow_batch(batch_dir, options))
                _print_batch(console, result)
                return result.exit_code
            outcome = signals.run(follow_request(targets[0], options))
        except Interrupted as stopped:
            console.error(
                f"interrupted ({stopped.words}); follow.json says where things stood",
                exit_code=stopped.exit_code,
            )
            return stopped.exit_code
        _print(console, outcome)
        return outcome.exit_code
