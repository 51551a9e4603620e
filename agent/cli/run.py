"""``retry-dispute run``: one request (or a batch) against a site or the bundled storefront."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from agent.api import open_dispute_async, run_sync
from agent.cli.batch import command_batch
from agent.cli.request_args import request_from_args
from agent.cli.session import policy_from_args, session_from_args, site_from_args, trace_mode
from agent.errors import InvalidConfig
from agent.flow.policy import RetryPolicy
from agent.flow.settings import RunOptions, Runtime
from agent.log import configure_logging
from agent.outcome import Outcome
from agent.progress import Progress, ticking_sleep
from agent.site.profile import load_profile

__all__ = ["command_run", "console_progress", "print_outcome"]


def print_outcome(outcome: Outcome, *, stream: TextIO | None = None) -> None:
    """The summary a person reads: what happened and where the evidence is."""
    out = stream or sys.stdout
    noun = "attempt" if outcome.attempts == 1 else "attempts"
    print(f"{outcome.status}: {outcome.message}", file=out)
    if outcome.hint:
        print(f"  what to do: {outcome.hint}", file=out)
    print(
        f"  order {outcome.order_id}, {outcome.attempts} {noun}, {outcome.elapsed_s:.1f} s, "
        f"exit code {outcome.exit_code}",
        file=out,
    )
    if outcome.run_dir is not None:
        print(
            f"  evidence: {outcome.run_dir}/ ({len(outcome.screenshots)} screenshots; "
            f"open {outcome.run_dir / 'report.html'})",
            file=out,
        )


def console_progress(args: argparse.Namespace, policy: RetryPolicy) -> Progress:
    """A live line per order on a terminal (logs show warnings only), else plain lines."""
    progress = Progress(stream=sys.stderr, max_attempts=policy.max_attempts)
    if progress.live and args.log_format == "console":
        configure_logging(fmt="console", level="warning")
    return progress


def command_run(args: argparse.Namespace) -> int:
    """Open the dispute the flags or --request describe; print the outcome; its exit code."""
    demo = not args.site
    if not demo and args.faults:
        raise InvalidConfig(
            "--faults only applies to the bundled storefront", hint="drop --site or --faults"
        )
    profile = load_profile(args.profile)
    if args.batch is not None:
        return command_batch(args, profile, demo=demo)
    batch_only = [
        flag
        for flag, value in (("--concurrency", args.concurrency), ("--retry-rate", args.retry_rate))
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
    progress = console_progress(args, policy)
    with site_from_args(args) as site:
        options = RunOptions(
            site=site,
            profile=profile,
            policy=policy,
            session=session,
            out_dir=args.out,
            trace=trace_mode(args, demo=demo),
            state_dir=args.state_dir,
        )
        runtime = Runtime(on_event=progress, sleep=ticking_sleep(progress))
        outcome = run_sync(open_dispute_async(prepared, options, runtime=runtime))
    print_outcome(outcome)
    return outcome.exit_code
