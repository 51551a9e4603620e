"""``retry-dispute follow``'s arguments and help (the parser is `agent.cli.parser`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.cli.arguments import (
    Formatter,
    add_console,
    add_session,
    duration,
    environment,
    positive_int,
)
from agent.durations import format_duration
from agent.flow.policy import RetryPolicy
from agent.follow.states import FOLLOW_PRECEDENCE, FollowStatus

__all__ = ["add_follow", "follow_exit_codes"]


def follow_exit_codes() -> str:
    """The exit codes of ``follow``, from `agent.follow.states.FollowStatus` (their one place)."""
    lines = ["exit codes:"]
    for status in FollowStatus:
        if status is FollowStatus.INTERRUPTED:
            lines.append(f"  {status.exit_code:<4} {status}: stopped by Ctrl-C (143 for SIGTERM)")
            continue
        lines.append(f"  {status.exit_code:<4} {status}: {status.meaning}")
    lines.append("  retry-dispute never accepts a proposal: that is the shopper's decision")
    lines.append(
        "  a batch folder exits with the most urgent code among its requests "
        f"({' > '.join(str(c) for c in FOLLOW_PRECEDENCE)})"
    )
    return "\n".join(lines) + "\n"


def add_follow(sub: Any) -> None:
    """The ``follow`` command's arguments."""
    policy = RetryPolicy()
    p = sub.add_parser(
        "follow",
        help="after the dispute opens: its state, the deadline, answer the store (never accept)",
        description="Follow a request after it opened: read its state on the site and say it in "
        "plain words, with the deadline in local time. With --respond disagree, answer a store "
        "that proposed less, refused or asked for evidence (a short English message and the "
        "evidence again); a proposal is NEVER accepted: that is your decision, on the site. "
        "With --watch, keep following until the request ends. Writes follow.json, screenshots "
        "and a section of the run's report.html.",
        epilog=f"{follow_exit_codes()}\n{environment()}\n",
        formatter_class=Formatter,
    )
    p.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="RUN_DIR|BATCH_DIR",
        help="a run folder ('retry-dispute run' printed it), or a batch folder (runs/batch-…)",
    )
    what = p.add_argument_group("what to follow (without a folder)")
    what.add_argument("--order", metavar="ID", help="an order whose request to follow")
    what.add_argument("--item", metavar="ID", help="which item of a multi-item order")
    act = p.add_argument_group("answering the store")
    act.add_argument(
        "--respond",
        choices=["disagree"],
        help="when the store proposed less, refused or asked for evidence: disagree (the only "
        "answer retry-dispute gives; it never accepts)",
    )
    act.add_argument("--message", help="the response's words (default: prepared from the run)")
    act.add_argument(
        "--evidence",
        nargs="+",
        default=[],
        type=Path,
        metavar="FILE",
        help="the files to send again (default: the run's evidence)",
    )
    watch = p.add_argument_group("watching")
    watch.add_argument(
        "--watch",
        type=duration,
        metavar="INTERVAL",
        help="read the state again every INTERVAL until the request ends (e.g. 1h)",
    )
    watch.add_argument(
        "--until",
        metavar="TIME",
        help="stop watching after this long (6h) or at this time (2026-12-01T18:00)",
    )
    target = p.add_argument_group("target")
    target.add_argument(
        "--site",
        metavar="URL",
        help="the storefront's base URL (default: the run's site, else the bundled storefront)",
    )
    target.add_argument(
        "--profile",
        default=None,
        metavar="NAME|FILE",
        help="site profile with a [follow] table (default: the run's, else mock)",
    )
    add_session(p)
    pol = p.add_argument_group("retry policy of the response (as for run)")
    pol.add_argument(
        "--max-attempts",
        type=positive_int,
        metavar="N",
        help=f"attempts in all (default: {policy.max_attempts})",
    )
    pol.add_argument(
        "--deadline",
        type=duration,
        metavar="TIME",
        help=f"no attempt starts later than this (default: {format_duration(policy.deadline_s)})",
    )
    pol.add_argument("--initial-wait", type=duration, metavar="TIME", help="the first wait")
    pol.add_argument("--max-wait", type=duration, metavar="TIME", help="the longest wait")
    out = p.add_argument_group("output")
    out.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        metavar="DIR",
        help="with --order: where its follow folder goes (default: runs/follow-ORDER)",
    )
    out.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="the journal's folder (default: as for run)",
    )
    out.add_argument("--headed", action="store_true", help="show the browser window")
    out.add_argument(
        "--faults",
        type=Path,
        metavar="FILE",
        help="bundled storefront only: a fault plan (TOML/JSON)",
    )
    add_console(p, json_output=True, what="follow.json's object, or a batch's follow summary")
