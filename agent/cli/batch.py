"""``retry-dispute run --batch FILE``: check the file, run the batch, print the table.

``--resume`` skips the orders an earlier batch of the same file (under the same ``--out``)
finished for good (opened, already open, ineligible); ``--only-failed`` runs only the ones it
gave up on, that needed a person or failed. Skipped orders are listed in the new summary and
index with their earlier outcome and a link to its report.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from agent.cli.output import Console, command_line, say_normalisations, shown
from agent.cli.preflight import check_output_dirs
from agent.cli.request_args import request_flags_given
from agent.cli.session import policy_from_args, session_from_args, site_from_args, trace_mode
from agent.cli.signals import Interruptible
from agent.console import plural, table_text
from agent.errors import InvalidConfig, InvalidRequest
from agent.flow.batch import BATCH_TRACE, DEFAULT_CONCURRENCY, BatchOptions, run_batch
from agent.flow.budget import DEFAULT_BURST, DEFAULT_RATE, RetryBudget
from agent.flow.settings import RunOptions, Runtime
from agent.outcome import BatchResult, Outcome
from agent.output.batch_summary import (
    earlier_outcomes,
    new_batch_dir,
    summary_dict,
    write_batch_outputs,
)
from agent.output.saving import unwritten_lines
from agent.progress import ticking_sleep
from agent.request.batch_file import BatchItem, load_batch
from agent.site.profile import SiteProfile
from agent.version import tool_version

__all__ = ["command_batch", "format_table", "select_orders", "totals_line"]


def format_table(outcomes: Sequence[Outcome]) -> str:
    """The console table: order, status, dispute, attempts, seconds."""
    rows = [
        (
            shown(o.order_id, 40),
            str(o.status),
            shown(o.dispute_id or "-", 40),
            str(o.attempts),
            f"{o.elapsed_s:.1f}",
        )
        for o in outcomes
    ]
    return table_text(("order", "status", "dispute", "attempts", "seconds"), rows, right={3, 4})


def totals_line(result: BatchResult) -> str:
    """One line: how many orders, how fast, the totals by status, the exit code."""
    ran = len(result.outcomes)
    rate = ran / result.elapsed_s if result.elapsed_s else 0.0
    totals = Counter(o.status for o in result.outcomes)
    ranked = sorted(totals.items(), key=lambda kv: kv[0].exit_code)
    counts = ", ".join(f"{s} {n}" for s, n in ranked)
    extra = []
    if result.skipped:
        extra.append(f"{len(result.skipped)} done earlier, skipped")
    if result.not_run:
        extra.append(f"{len(result.not_run)} not started")
    tail = f" ({'; '.join(extra)})" if extra else ""
    if not ran:
        return f"no order run{tail}; exit code {result.exit_code}"
    return (
        f"{plural(ran, 'order')} in {result.elapsed_s:.1f} s ({rate:.2f}/s, concurrency "
        f"{result.concurrency}): {counts or 'none run'}{tail}; exit code {result.exit_code}"
    )


def _print_batch(result: BatchResult, console: Console) -> None:
    """The table, the totals and where the output is (stderr with --json); or its JSON event."""
    if console.progress is not None:
        console.progress.close()
    if console.json_result:
        print(
            json.dumps(summary_dict(result), ensure_ascii=False, default=str),
            file=console.out,
            flush=True,
        )
    if console.json_logs:
        console.note(
            "",
            event="agent.batch_outcome",
            exit_code=result.exit_code,
            batch_dir=str(result.batch_dir),
            totals={str(k): v for k, v in Counter(o.status for o in result.outcomes).items()},
        )
        return
    stream = console.err if console.json_result else console.out
    if result.outcomes:
        print(format_table(result.outcomes), file=stream)
    if result.interrupted_by is not None:
        print(
            f"stopped by {'Ctrl-C' if result.interrupted_by == 'SIGINT' else 'SIGTERM'}: "
            "run the same command with --resume to finish the rest",
            file=stream,
        )
    print(totals_line(result), file=stream)
    print(f"  batch folder: {result.batch_dir}/", file=stream)
    print(f"  summary: {result.batch_dir / 'summary.json'}", file=stream)
    print(f"  reports: open {result.batch_dir / 'index.html'}", file=stream)
    for line in unwritten_lines(result):  # after the outcomes and the exit code, never instead
        print(line, file=stream)
    stream.flush()


def select_orders(
    items: Sequence[BatchItem], earlier: dict[str, Outcome], *, resume: bool, only_failed: bool
) -> tuple[list[BatchItem], list[Outcome]]:
    """The orders to run now, and the earlier outcomes of the ones skipped.

    ``resume``: skip orders whose last outcome is final (opened, already open, ineligible).
    ``only_failed``: run only the orders whose last outcome gave up, needed a person or failed.
    """
    run, skipped = [], []
    for item in items:
        before = earlier.get(item.prepared.request.order_key)
        if only_failed:
            keep = before is not None and before.status.failed
        elif resume:
            keep = before is None or not before.status.final
        else:
            keep = True
        if keep:
            run.append(item)
        elif before is not None:
            skipped.append(before)
    return run, skipped


def _load(path: Path, profile: SiteProfile, console: Console) -> list[BatchItem]:
    try:
        items = load_batch(
            path,
            rules=profile.evidence,
            reasons=profile.reasons,
            message_limits=profile.message_limits,
        )
        for item in items:  # what the site's form can take, its item lines: checked up front
            try:
                profile.check_request(item.prepared.request)
            except InvalidRequest as err:
                err.context.setdefault("source", f"{path} {item.where}")
                raise
        return items
    except InvalidRequest as err:
        every = err.context.get("errors")
        if not isinstance(every, list) or len(every) < 2:
            raise
        for line in every:
            console.error(str(line), exit_code=2)
        raise InvalidConfig(
            f"{len(every)} rows are wrong (above); nothing was sent",
            source=path,
            hint="fix them and run the batch again",
        ) from err


def command_batch(
    args: argparse.Namespace,
    profile: SiteProfile,
    *,
    demo: bool,
    console: Console,
    signals: Interruptible,
) -> int:
    """``retry-dispute run --batch FILE``: check the file, run the batch, print the table."""
    if args.request is not None or request_flags_given(args):
        raise InvalidConfig(
            "give either --batch FILE or a single request, not both",
            hint="drop --request and the request flags",
        )
    if args.resume and args.only_failed:
        raise InvalidConfig(
            "--resume and --only-failed do not go together",
            hint="--resume runs every unfinished order; --only-failed only the failed ones",
        )
    items = _load(args.batch, profile, console)
    earlier = earlier_outcomes(args.out, args.batch)
    todo, skipped = select_orders(items, earlier, resume=args.resume, only_failed=args.only_failed)
    done_before = [o for o in earlier.values() if o.status.final]
    if not (args.resume or args.only_failed) and done_before:
        console.note(
            f"{plural(len(done_before), 'order')} of {args.batch} finished in an earlier batch "
            "under this --out: --resume skips them",
            event="agent.batch_resumable",
            finished=len(done_before),
        )
    policy = policy_from_args(args, demo=demo)
    session = session_from_args(args, demo=demo)
    check_output_dirs(args)
    for item in todo:
        say_normalisations(console, item.prepared)
    concurrency = max(1, min(args.concurrency or DEFAULT_CONCURRENCY, len(todo) or 1))
    context: dict[str, object] = {
        "source": str(args.batch.resolve()),
        "command": list(command_line(args)),
        "version": tool_version(),
    }
    if not todo:
        batch_dir = new_batch_dir(args.out)
        result = _nothing_to_run(batch_dir, skipped, concurrency, context)
        console.note(
            f"nothing to run: every order of {args.batch} is done "
            f"({', '.join(f'{s} {n}' for s, n in Counter(o.status for o in skipped).items())})",
            event="agent.batch_nothing_to_run",
        )
        _print_batch(result, console)
        return result.exit_code
    progress = console.new_progress(max_attempts=policy.max_attempts, total=len(todo))
    with site_from_args(args, console, skin=args.storefront or profile.name) as site:
        batch_dir = new_batch_dir(args.out)
        console.note(
            f"batch of {plural(len(todo), 'order')} from {args.batch}"
            + (f" ({len(skipped)} done earlier, skipped)" if skipped else "")
            + f", concurrency {concurrency}, into {batch_dir}",
            event="agent.batch_starting",
            orders=len(todo),
            skipped=len(skipped),
            batch_dir=str(batch_dir),
        )
        options = RunOptions(
            site=site,
            profile=profile,
            policy=policy,
            session=session,
            out_dir=args.out,
            trace=trace_mode(args, demo=demo, default=BATCH_TRACE),
            state_dir=args.state_dir,
            command=command_line(args),
        )
        budget = RetryBudget(
            rate=args.retry_rate or DEFAULT_RATE, burst=max(DEFAULT_BURST, concurrency)
        )
        runtime = Runtime(on_event=progress, sleep=ticking_sleep(progress), stop=signals.stop)
        result = signals.run(
            run_batch(
                [i.prepared for i in todo],
                options=options,
                batch_dir=batch_dir,
                batch=BatchOptions(
                    concurrency=concurrency,
                    budget=budget,
                    on_done=lambda _, outcome: progress.finished(outcome),
                    skipped=skipped,
                    context={**context, "site": site},
                ),
                runtime=runtime,
            )
        )
        _print_batch(result, console)  # before the bundled storefront stops
    return result.exit_code


def _nothing_to_run(
    batch_dir: Path, skipped: list[Outcome], concurrency: int, context: dict[str, object]
) -> BatchResult:
    result = BatchResult(
        batch_dir=batch_dir,
        outcomes=(),
        elapsed_s=0.0,
        concurrency=concurrency,
        exit_code=0,
        skipped=tuple(skipped),
        context=context,
    )
    write_batch_outputs(result)
    return result
