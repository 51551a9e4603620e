"""``retry-dispute run --batch FILE``: check the file, run the batch, print the table."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from agent.cli.request_args import request_flags_given
from agent.cli.session import policy_from_args, session_from_args, site_from_args, trace_mode
from agent.errors import InvalidConfig, InvalidRequest
from agent.flow.batch import BATCH_TRACE, DEFAULT_CONCURRENCY, run_batch
from agent.flow.budget import DEFAULT_BURST, DEFAULT_RATE, RetryBudget
from agent.flow.settings import RunOptions
from agent.outcome import BatchResult, Outcome, Status
from agent.output.batch_summary import new_batch_dir
from agent.request.batch_file import load_batch
from agent.site.profile import SiteProfile

__all__ = ["command_batch", "format_table", "print_batch"]


def format_table(outcomes: Sequence[Outcome]) -> str:
    """The console table: order, status, dispute, attempts, seconds."""
    head = ("order", "status", "dispute", "attempts", "seconds")
    rows = [(o.order_id, str(o.status), o.dispute_id or "-", str(o.attempts), f"{o.elapsed_s:.1f}")
            for o in outcomes]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    right = {3, 4}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def print_batch(result: BatchResult, *, stream: TextIO | None = None) -> None:
    """The table, the totals and where the output is."""
    out = stream or sys.stdout
    print(format_table(result.outcomes), file=out)
    totals: dict[str, int] = {}
    for o in result.outcomes:
        totals[str(o.status)] = totals.get(str(o.status), 0) + 1
    rate = len(result.outcomes) / result.elapsed_s if result.elapsed_s else 0.0
    ranked = sorted(totals.items(), key=lambda kv: Status.parse(kv[0]).exit_code)
    counts = ", ".join(f"{s} {n}" for s, n in ranked)
    print(f"{len(result.outcomes)} orders in {result.elapsed_s:.1f} s ({rate:.2f}/s, concurrency "
          f"{result.concurrency}): {counts}; exit code {result.exit_code}", file=out)
    print(f"  summary: {result.batch_dir / 'summary.json'}", file=out)
    print(f"  reports: open {result.batch_dir / 'index.html'}", file=out)


def command_batch(args: argparse.Namespace, profile: SiteProfile, *, demo: bool) -> int:
    """``retry-dispute run --batch FILE``: check the file, run the batch, print the table."""
    if args.request is not None or request_flags_given(args):
        raise InvalidConfig(
            "give either --batch FILE or a single request, not both",
            hint="drop --request and the request flags",
        )
    try:
        items = load_batch(args.batch, rules=profile.evidence)
    except InvalidRequest as err:
        every = err.context.get("errors")
        if not isinstance(every, list) or len(every) < 2:
            raise
        for line in every:
            print(f"retry-dispute: {line}", file=sys.stderr)
        raise InvalidConfig(
            f"{len(every)} rows are wrong (above); nothing was sent",
            source=args.batch,
            hint="fix them and run the batch again",
        ) from err
    policy = policy_from_args(args, demo=demo)
    concurrency = min(args.concurrency or DEFAULT_CONCURRENCY, len(items))
    session = session_from_args(args, demo=demo)
    total = len(items)
    finished = 0

    def progress(_: int, outcome: Outcome) -> None:
        nonlocal finished
        finished += 1
        print(
            f"[{finished}/{total}] order {outcome.order_id}: {outcome.status}"
            f"{' ' + outcome.dispute_id if outcome.dispute_id else ''} "
            f"({outcome.attempts} attempts, {outcome.elapsed_s:.1f} s)",
            file=sys.stderr,
        )

    with site_from_args(args) as site:
        batch_dir = new_batch_dir(args.out)
        print(
            f"retry-dispute: batch of {total} orders from {args.batch}, "
            f"concurrency {concurrency}, into {batch_dir}",
            file=sys.stderr,
        )
        options = RunOptions(
            site=site,
            profile=profile,
            policy=policy,
            session=session,
            out_dir=args.out,
            trace=trace_mode(args, demo=demo, default=BATCH_TRACE),
            state_dir=args.state_dir,
        )
        budget = RetryBudget(
            rate=args.retry_rate or DEFAULT_RATE, burst=max(DEFAULT_BURST, concurrency)
        )
        result = asyncio.run(
            run_batch(
                [i.prepared for i in items],
                options=options,
                batch_dir=batch_dir,
                concurrency=concurrency,
                budget=budget,
                on_done=progress,
            )
        )
    print_batch(result)
    return result.exit_code
