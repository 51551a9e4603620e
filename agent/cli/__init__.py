"""The ``retry-dispute`` command line: ``run``, ``scenario``, ``mock-site``, ``login``, ``browser``.

One module per command; `agent.cli.session` holds the set-up they share. Exit codes come from
the outcome's `agent.outcome.Status` (or an error's ``exit_code``): 0 opened or already open ·
1 unexpected error · 2 invalid request · 3 order not eligible · 4 gave up · 5 needs a person.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from agent.api import run_sync
from agent.cli.browser import command_browser
from agent.cli.bundled import command_mock_site, command_scenario
from agent.cli.login import command_login
from agent.cli.parser import build_parser
from agent.cli.run import command_run
from agent.errors import RetryDisputeError
from agent.log import configure_logging

__all__ = ["main"]


def _login(args: argparse.Namespace) -> int:
    return run_sync(command_login(args))


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": command_run,
    "scenario": command_scenario,
    "mock-site": command_mock_site,
    "login": _login,
    "browser": command_browser,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    configure_logging(fmt=getattr(args, "log_format", "console"))
    try:
        return _COMMANDS[args.command](args)
    except RetryDisputeError as exc:
        print(f"retry-dispute: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("retry-dispute: interrupted", file=sys.stderr)
        return 130
