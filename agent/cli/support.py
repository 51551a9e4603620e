"""``retry-dispute support RUN_DIR``, and ``run --escalate``: take a run to the support chat.

With no --site the bundled storefront is started (as for ``run``); the session flags are the same
as ``run``'s. On a terminal (and without --no-input) a question the run folder cannot answer is
put to the person; otherwise the chat ends politely with exit code 5. The chat's lines (the queue,
each message) are console notes: on the terminal by default, log events with JSON logs, none
with -q.
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
from agent.session import Session
from agent.site.profile import SiteProfile, load_profile
from agent.support.facts import read_run_folder
from agent.support.person import NoPerson, Person, TerminalPerson
from agent.support.run import SupportOptions, SupportResult, chat_profile_of, run_support
from agent.support.transcript import CHAT_MD, read_chat

__all__ = ["command_support", "escalate", "support_lines"]


def _person(args: argparse.Namespace) -> Person:
    if getattr(args, "no_input", False) or not sys.stdin.isatty():
        return NoPerson()
    return TerminalPerson()


def support_lines(result: SupportResult) -> list[str]:
    """What a person reads at the end: the case number, or why there is none and what to do."""
    if result.case_number:
        lines = [f"case number: {shown(result.case_number)} (order {shown(result.order_id)})"]
    else:
        lines = [f"{result.end or result.status}: {shown(result.message)}"]
        if result.hint:
            hint = result.hint.replace("RUN_DIR", str(result.run_dir))
            lines.append(f"  what to do: {shown(hint)}")
    lines.append(
        f"  transcript: {result.run_dir / CHAT_MD} (report: {result.run_dir / 'report.html'}), "
        f"exit code {result.exit_code}"
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


def _support(
    args: argparse.Namespace,
    run_dir: Path,
    site: str,
    profile: SiteProfile,
    session: Session,
    console: Console,
    signals: Interruptible,
) -> int:
    def say(text: str) -> None:
        console.note(shown(text), event="agent.support_line", line=text)

    options = SupportOptions(
        site=site, profile=profile, session=session, person=_person(args), say=say
    )
    try:
        result = signals.run(run_support(run_dir, options))
    except Interrupted as stopped:  # the transcript so far was written on the way out
        console.error(
            f"interrupted ({stopped.words}); the chat so far is in {run_dir / CHAT_MD}",
            exit_code=stopped.exit_code,
        )
        return stopped.exit_code
    _print(console, result)
    return result.exit_code


def command_support(args: argparse.Namespace, console: Console, signals: Interruptible) -> int:
    """Hold the support chat for RUN_DIR; print the case number or what to do; its exit code."""
    demo = not args.site
    if not demo and args.faults:
        raise InvalidConfig(
            "--faults only applies to the bundled storefront", hint="drop --site or --faults"
        )
    profile = load_profile(args.profile)
    chat_profile_of(profile)
    read_run_folder(args.run_dir)  # a bad folder is refused before anything starts
    session = session_from_args(args, demo=demo)
    with site_from_args(args, console) as site:
        return _support(args, args.run_dir, site, profile, session, console, signals)


def escalate(
    args: argparse.Namespace,
    run_dir: Path,
    site: str,
    profile: SiteProfile,
    session: Session,
    console: Console,
    signals: Interruptible,
) -> int:
    """``run --escalate``: the support chat for the run folder of a run that gave up."""
    console.note(
        f"escalating to the support chat ({run_dir})", event="agent.escalate", run_dir=str(run_dir)
    )
    return _support(args, run_dir, site, profile, session, console, signals)
