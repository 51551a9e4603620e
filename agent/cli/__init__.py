"""The ``retry-dispute`` command line: ``run``, ``check``, ``support``, ``follow``,
``scenario``, ``mock-site``, ``login``, ``browser``, ``trace``, ``profile import``, ``record``.

One module per command; `agent.cli.session` holds the set-up they share, `agent.cli.output` the
console (levels, formats, the outcome), `agent.cli.signals` Ctrl-C and SIGTERM. Exit codes come
from the outcome's `agent.outcome.Status` (or an error's ``exit_code``): 0 opened or already
open · 1 unexpected error · 2 invalid request · 3 order not eligible · 4 gave up · 5 needs a
person · 6 another run has the order · 130 interrupted (Ctrl-C) · 143 interrupted (SIGTERM).
``support`` uses the same codes for the chat: 0 a case number, 4 offline or dropped, 5 a person
is needed, 2 bad input. ``follow`` adds its own: 0 resolved, 7 still open, 8 the shopper must
decide, 9 closed against them (`agent.follow.states`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from agent.cli.browser import command_browser
from agent.cli.bundled import command_mock_site, command_scenario
from agent.cli.check import command_check
from agent.cli.follow import command_follow
from agent.cli.login import command_login
from agent.cli.output import Console, console_from_args
from agent.cli.parser import build_parser, wants_json_logs
from agent.cli.profile_import import command_profile
from agent.cli.record import command_record
from agent.cli.run import command_run
from agent.cli.signals import Interrupted, Interruptible, interruptible
from agent.cli.support import command_support
from agent.cli.trace import command_trace
from agent.crash_report import crash_line
from agent.errors import RetryDisputeError
from agent.flow.stop import StopRequest

__all__ = ["main"]

Command = Callable[[argparse.Namespace, Console, Interruptible], int]


def _plain(command: Callable[[argparse.Namespace], int]) -> Command:
    return lambda args, _console, _signals: command(args)


_COMMANDS: dict[str, Command] = {
    "run": command_run,
    "check": command_check,
    "support": command_support,
    "follow": command_follow,
    "scenario": _plain(command_scenario),
    "mock-site": _plain(command_mock_site),
    "login": command_login,
    "browser": _plain(command_browser),
    "trace": _plain(command_trace),
    "profile": command_profile,
    "record": command_record,
}


#: Commands that serve until stopped, and what they serve: Ctrl-C ends them normally.
_SERVERS = {"mock-site": "the bundled storefront", "trace": "the trace viewer"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    try:
        args = build_parser(json_errors=wants_json_logs(argv), argv=argv).parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    args.argv = list(sys.argv[1:] if argv is None else argv)
    console = console_from_args(args)

    def notice(stop: StopRequest) -> None:
        console.warn(
            f"stopping ({stop.words}): finishing the records of this run; press Ctrl-C "
            "again to quit at once",
            event="agent.stop_requested",
            signal=stop.signal,
        )

    try:
        with interruptible(on_stop=notice) as signals:
            return _COMMANDS[args.command](args, console, signals)
    except RetryDisputeError as exc:
        console.error(str(exc), exit_code=exc.exit_code)
        return exc.exit_code
    except (Interrupted, KeyboardInterrupt) as exc:
        stopped = exc if isinstance(exc, Interrupted) else Interrupted("SIGINT")
        if console.progress is not None:
            console.progress.close()
        if args.command in _SERVERS:  # Ctrl-C is how a server is stopped: not a failure
            print(f"{_SERVERS[args.command]} stopped ({stopped.words})", file=sys.stderr)
            return 0
        console.error(
            f"interrupted ({stopped.words}) before any run folder was written; nothing was sent",
            exit_code=stopped.exit_code,
        )
        return stopped.exit_code
    except Exception as exc:  # a bug, not bad input: one line, and where its details are
        if console.progress is not None:
            console.progress.close()
        console.error(crash_line(exc, state_dir=getattr(args, "state_dir", None)), exit_code=1)
        return 1
