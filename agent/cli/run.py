"""``retry-dispute run``: one request (or a batch) against a site or the bundled storefront."""

from __future__ import annotations

import argparse

from agent.api import open_dispute_async
from agent.cli.batch import command_batch
from agent.cli.output import Console, command_line, say_normalisations
from agent.cli.preflight import check_output_dirs
from agent.cli.request_args import request_from_args
from agent.cli.session import policy_from_args, session_from_args, site_from_args, trace_mode
from agent.cli.signals import Interruptible
from agent.cli.support import escalate
from agent.errors import InvalidConfig
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import Status
from agent.progress import ticking_sleep
from agent.site.profile import load_profile
from agent.support.run import chat_profile_of

__all__ = ["command_run"]


def command_run(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Open the dispute the flags or --request describe; print the outcome; its exit code."""
    demo = not args.site
    if not demo and args.faults:
        raise InvalidConfig(
            "--faults only applies to the bundled storefront", hint="drop --site or --faults"
        )
    if not demo and args.storefront:
        raise InvalidConfig(
            "--storefront only applies to the bundled storefront",
            hint="drop --site or --storefront",
        )
    profile = load_profile(args.profile)
    if args.escalate:
        if args.batch is not None:
            raise InvalidConfig(
                "--escalate applies to one order, not a batch",
                hint="run 'retry-dispute support RUN_DIR' for each run folder that gave up",
            )
        chat_profile_of(profile)  # no chat in the profile: refused before anything starts
    if args.batch is not None:
        return command_batch(args, profile, demo=demo, console=console, signals=signals)
    batch_only = [
        flag
        for flag, value in (
            ("--concurrency", args.concurrency),
            ("--retry-rate", args.retry_rate),
            ("--resume", args.resume or None),
            ("--only-failed", args.only_failed or None),
        )
        if value is not None
    ]
    if batch_only:
        raise InvalidConfig(
            f"{' and '.join(batch_only)} only apply to a batch",
            hint="add --batch FILE, or drop them for a single order",
        )
    prepared = request_from_args(args, profile, demo=demo)
    policy = policy_from_args(args, demo=demo)
    session = session_from_args(args, demo=demo)
    check_output_dirs(args)
    say_normalisations(console, prepared)
    progress = console.new_progress(max_attempts=policy.max_attempts)
    with site_from_args(args, console, skin=args.storefront or profile.name) as site:
        options = RunOptions(
            site=site,
            profile=profile,
            policy=policy,
            session=session,
            out_dir=args.out,
            trace=trace_mode(args, demo=demo),
            state_dir=args.state_dir,
            command=command_line(args),
        )
        runtime = Runtime(on_event=progress, sleep=ticking_sleep(progress), stop=signals.stop)
        outcome = signals.run(open_dispute_async(prepared, options, runtime=runtime))
        if args.escalate and outcome.status is Status.GAVE_UP and outcome.run_dir is not None:
            # the outcome, the chat, then one JSON document with both (exit 8: a case opened)
            return escalate(args, outcome, site, profile, session, console, signals)
        console.outcome(outcome)  # before the bundled storefront stops (it may take a while)
    return outcome.exit_code
