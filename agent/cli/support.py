"""``retry-dispute support RUN_DIR|BATCH_DIR`` and ``run --escalate``: a run to the support chat.

With no --site the bundled storefront is started (as for ``run``); the session flags are the same
as ``run``'s. On a terminal (and without --no-input) a question the run folder cannot answer is
put to the person; otherwise the chat ends politely with exit code 5. The chat's lines (the queue,
each message) are console notes: on the terminal by default, log events with JSON logs, none
with -q. A run folder whose support case is open is refused (exit 2) unless ``--again``; every
chat held for a folder is kept in its ``support-chat.md``/``.json`` and report.

A batch folder (``runs/batch-…/``) takes each order support can help with to the chat, one after
another, skips the others with their reason, prints a summary and writes the case numbers into
the batch's ``summary.json`` and ``index.html``.

``run --escalate`` exits 8 (`agent.outcome.CASE_OPENED_EXIT_CODE`) when the chat opened a case
(the dispute is not open: 0 stays "dispute open"), else with the chat's code (4 offline or
dropped, 5 a person is needed); with ``--json`` it prints ONE document: the run's result with
the chat inside (``support_chat``), its ``exit_code`` the command's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from agent.cli.output import Console, shown
from agent.cli.session import session_from_args, site_from_args
from agent.cli.signals import Interrupted, Interruptible
from agent.errors import InvalidConfig
from agent.outcome import CASE_OPENED_EXIT_CODE, Outcome
from agent.session import Session
from agent.site.profile import SiteProfile, load_profile
from agent.support.batch import (
    BatchOrder,
    BatchSupport,
    batch_plan,
    is_batch_folder,
    run_batch_support,
)
from agent.support.facts import read_run_folder
from agent.support.person import NoPerson, Person, TerminalPerson
from agent.support.run import (
    SupportOptions,
    SupportResult,
    chat_profile_of,
    refuse_open_case,
    run_support,
)
from agent.support.transcript import CHAT_MD, read_chat

__all__ = ["command_support", "escalate", "support_lines"]


def _person(args: argparse.Namespace) -> Person:
    if getattr(args, "no_input", False) or not sys.stdin.isatty():
        return NoPerson()
    return TerminalPerson()


def support_lines(result: SupportResult, *, exit_code: int | None = None) -> list[str]:
    """What a person reads at the end: the case number, or why there is none and what to do."""
    if result.case_number:
        lines = [f"case number: {shown(result.case_number)} (order {shown(result.order_id)})"]
    else:
        lines = [f"{result.end or result.status}: {shown(result.message)}"]
        if result.hint:
            hint = result.hint.replace("RUN_DIR", str(result.run_dir))
            lines.append(f"  what to do: {shown(hint)}")
    code = result.exit_code if exit_code is None else exit_code
    lines.append(
        f"  transcript: {result.run_dir / CHAT_MD} (report: {result.run_dir / 'report.html'}), "
        f"exit code {code}"
    )
    return lines


def _print(console: Console, result: SupportResult) -> None:
    """The result's lines on stdout, or (with JSON logs) its JSON event on stderr; with --json,
    ``support-chat.json``'s object on stdout (and the lines on stderr)."""
    if console.json_result:
        chat = read_chat(result.run_dir) or {"result": result.to_json()}
        print(json.dumps(chat, ensure_ascii=False, default=str), file=console.out, flush=True)
    if console.json_logs:
        console.note("", event="agent.support_result", **result.to_json())
        return
    stream = console.err if console.json_result else console.out
    for line in support_lines(result):
        print(line, file=stream, flush=True)


def _options(
    args: argparse.Namespace, site: str, profile: SiteProfile, session: Session, console: Console
) -> SupportOptions:
    def say(text: str) -> None:
        console.note(shown(text), event="agent.support_line", line=text)

    return SupportOptions(
        site=site,
        profile=profile,
        session=session,
        person=_person(args),
        say=say,
        again=bool(getattr(args, "again", False)),
    )


def _chat(
    args: argparse.Namespace,
    run_dir: Path,
    options: SupportOptions,
    console: Console,
    signals: Interruptible,
) -> SupportResult | int:
    """The chat of one run folder, or the exit code of an interrupt (said on the console)."""
    try:
        return signals.run(run_support(run_dir, options))
    except Interrupted as stopped:  # the transcript so far was written on the way out
        console.error(
            f"interrupted ({stopped.words}); the chat so far is in {run_dir / CHAT_MD}",
            exit_code=stopped.exit_code,
        )
        return stopped.exit_code


def _support(
    args: argparse.Namespace,
    run_dir: Path,
    site: str,
    profile: SiteProfile,
    session: Session,
    console: Console,
    signals: Interruptible,
) -> int:
    result = _chat(args, run_dir, _options(args, site, profile, session, console), console, signals)
    if isinstance(result, int):
        return result
    _print(console, result)
    return result.exit_code


def _order_line(order: BatchOrder) -> str:
    if order.result is None:
        return f"  order {shown(order.order_id)}: skipped: {shown(order.skip)}"
    result = order.result
    if result.case_number:
        return f"  order {shown(order.order_id)}: case number {shown(result.case_number)}"
    ended = result.end or result.status
    return f"  order {shown(order.order_id)}: {ended}: {shown(result.message)}"


def batch_lines(done: BatchSupport) -> list[str]:
    """The batch's support summary: one line an order, where the files are, the exit code."""
    held = sum(o.result is not None for o in done.orders)
    cases = sum(bool(o.result and o.result.case_number) for o in done.orders)
    lines = [
        f"support for batch {done.batch_dir}: {cases} case{'s' if cases != 1 else ''} "
        f"opened in {held} chat{'s' if held != 1 else ''}, "
        f"{len(done.orders) - held} order{'s' if len(done.orders) - held != 1 else ''} skipped"
    ]
    lines += [_order_line(order) for order in done.orders]
    written = [n for n in ("summary.json", "index.html") if n not in done.unwritten]
    lines.append(
        f"  case numbers in {done.batch_dir / 'summary.json'} and index.html"
        if len(written) == 2
        else f"  not written: {', '.join(done.unwritten)}"
    )
    lines.append(f"  exit code {done.exit_code}")
    return lines


def _support_batch(
    args: argparse.Namespace,
    batch_dir: Path,
    plan: tuple[BatchOrder, ...],
    options: SupportOptions,
    console: Console,
    signals: Interruptible,
) -> int:
    chats = sum(order.skip is None for order in plan)
    console.note(
        f"support for batch {batch_dir}: {chats} of {len(plan)} orders to take to the chat, "
        "one after another",
        event="agent.support_batch",
        batch_dir=str(batch_dir),
        orders=chats,
    )

    def on_order(order: BatchOrder) -> None:
        if order.result is not None:
            console.note(
                shown(_order_line(order).strip()),
                event="agent.support_batch_order_done",
                order_id=order.order_id,
                end=order.result.end,
            )

    try:
        done = signals.run(run_batch_support(batch_dir, plan, options, on_order=on_order))
    except Interrupted as stopped:  # the chats so far and the batch's files are written
        console.error(
            f"interrupted ({stopped.words}); the chats so far are in their run folders, and "
            f"the case numbers in {batch_dir / 'summary.json'}",
            exit_code=stopped.exit_code,
        )
        return stopped.exit_code
    if console.json_result:
        print(json.dumps(done.to_json(), ensure_ascii=False), file=console.out, flush=True)
    if console.json_logs:
        console.note("", event="agent.support_batch_result", **done.to_json())
        return done.exit_code
    stream = console.err if console.json_result else console.out
    for line in batch_lines(done):
        print(line, file=stream, flush=True)
    return done.exit_code


def command_support(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Hold the support chat for RUN_DIR (or each order of a batch folder); print the case
    number or what to do; its exit code."""
    demo = not args.site
    if not demo and args.faults:
        raise InvalidConfig(
            "--faults only applies to the bundled storefront", hint="drop --site or --faults"
        )
    profile = load_profile(args.profile)
    chat_profile_of(profile)
    again = bool(getattr(args, "again", False))
    plan = None
    if is_batch_folder(args.run_dir):  # every order is checked before anything starts
        plan = batch_plan(args.run_dir, again=again)
    else:
        read_run_folder(args.run_dir)  # a bad folder is refused before anything starts
        refuse_open_case(args.run_dir, again=again)
    session = session_from_args(args, demo=demo)
    with site_from_args(args, console) as site:
        if plan is not None:
            options = _options(args, site, profile, session, console)
            return _support_batch(args, args.run_dir, plan, options, console, signals)
        return _support(args, args.run_dir, site, profile, session, console, signals)


def escalate(
    args: argparse.Namespace,
    outcome: Outcome,
    site: str,
    profile: SiteProfile,
    session: Session,
    console: Console,
    signals: Interruptible,
) -> int:
    """``run --escalate``: the run's outcome, then the support chat for its run folder.

    Exit 8 when the chat opened a case (`CASE_OPENED_EXIT_CODE`), else the chat's code; with
    --json, one document on stdout: the run's result with ``support_chat`` inside.
    """
    run_dir = outcome.run_dir
    assert run_dir is not None
    human = Console(
        fmt=console.fmt,
        verbosity=console.verbosity,
        json_result=False,  # the one JSON document comes at the end, with the chat in it
        out=console.err if console.json_result else console.out,
        err=console.err,
        progress=console.progress,
    )
    human.outcome(outcome)
    console.note(
        f"escalating to the support chat ({run_dir})", event="agent.escalate", run_dir=str(run_dir)
    )
    result = _chat(args, run_dir, _options(args, site, profile, session, console), console, signals)
    code = result if isinstance(result, int) else result.exit_code
    if not isinstance(result, int) and result.case_number:
        code = CASE_OPENED_EXIT_CODE
    if console.json_result:  # one document, the chat so far inside (an interrupted one too)
        chat = read_chat(run_dir) or (
            {"result": result.to_json()} if not isinstance(result, int) else None
        )
        document = {**outcome.to_json(), "exit_code": code, "support_chat": chat}
        print(json.dumps(document, ensure_ascii=False, default=str), file=console.out, flush=True)
    if isinstance(result, int):
        return code
    if console.json_logs:
        console.note("", event="agent.support_result", **{**result.to_json(), "exit_code": code})
        return code
    stream = console.err if console.json_result else console.out
    for line in support_lines(result, exit_code=code):
        print(line, file=stream, flush=True)
    if result.case_number:
        print(
            f"  exit code {code}: the dispute is not open, and support opened case "
            f"{shown(result.case_number)}; wait for support's answer",
            file=stream,
            flush=True,
        )
    return code
