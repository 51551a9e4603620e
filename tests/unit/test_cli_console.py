"""The command line's console and help as a person meets them (issue 22 §5): help that fits the
terminal with examples, log lines that read like the rest of the console, no colour in CI, a
did-you-mean for a profile, a clear word for a missing folder."""

from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len

from agent.cli import main
from agent.cli.arguments import EXAMPLES
from agent.cli.output import Console
from agent.console import colour_enabled
from agent.log import configure_logging, get_logger
from agent.outcome import Outcome, Status
from tests.unit.test_progress import Tty

COMMANDS = ("run", "check", "support", "scenario", "mock-site", "login", "browser", "trace")


def help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    """``retry-dispute COMMAND --help``, as printed."""
    assert main([command, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", [80, 100, 160])
@pytest.mark.parametrize("command", COMMANDS)
def test_help_fits_the_terminal_and_shows_examples(
    command: str, columns: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns (and wider: at most 100) every help line fits, and every command's help
    ends its options with two or three examples of that command."""
    monkeypatch.setenv("COLUMNS", str(columns))
    text = help_of(command, capsys)
    widest = max(cell_len(line) for line in text.splitlines())
    assert widest <= min(columns, 100), text
    block = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    commands = [line for line in block if re.match(r"  (\S+=\S+ )*retry-dispute ", line)]
    assert 2 <= len(commands) <= 3, block
    assert all(f"retry-dispute {command}" in line for line in commands), commands
    assert "\n".join(block).replace("  ", "") in "\n".join(EXAMPLES[command]).replace("  ", "")


def test_a_long_description_is_wrapped_not_cut_mid_word(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 60 columns the descriptions wrap between words and the usage keeps each flag whole."""
    monkeypatch.setenv("COLUMNS", "60")
    text = help_of("check", capsys)
    words = set(" ".join(text.split()).split())
    assert "[--storage-state" in words and "FILE]" in words
    description = text.split("\n\n")[1]
    assert all(cell_len(line) <= 60 for line in description.splitlines())
    assert "and NEVER submit (the browser blocks" in " ".join(description.split())


@pytest.mark.parametrize("command", ["check", "support"])
def test_check_and_support_help_say_nothing_of_batches(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The batch runner's lines (its flags, its file) belong to ``run``'s help only (``support``
    may take a batch folder: that is its own input, not the batch runner's)."""
    text = help_of(command, capsys)
    for batch_only in ("--batch", "--concurrency", "--retry-rate", "--resume", "--only-failed"):
        assert batch_only not in text
    if command == "check":
        assert "batch" not in text.lower()
    run = help_of("run", capsys)
    assert "--concurrency" in run and "--batch" in run


def test_a_mistyped_profile_gets_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    """``--profile aliexpres``: one line, exit 2, the bundled profile it resembles."""
    assert main(["run", "--profile", "aliexpres"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "did you mean --profile aliexpress?" in err and "bundled: aliexpress, mock" in err


def test_trace_of_a_folder_that_does_not_exist_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``trace runs/nope``: "no such folder", one line, exit 2."""
    assert main(["trace", "runs/nope"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "retry-dispute: runs/nope: no such folder; give a run folder ('retry-dispute run' "
        "prints it: runs/...) or its trace.zip"
    ]


@pytest.mark.parametrize(
    ("env", "coloured"),
    [({}, True), ({"CI": "true"}, False), ({"CI": "1", "FORCE_COLOR": "1"}, True)],
)
def test_ci_on_a_terminal_prints_no_colour(
    env: dict[str, str], coloured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI=true turns colour off even on a terminal (FORCE_COLOR still wins): the outcome the
    console prints has no escape code."""
    for name in ("CI", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = Tty()
    assert colour_enabled(out) is coloured
    Console(out=out, err=Tty()).outcome(
        Outcome(status=Status.OPENED, order_id="1001", dispute_id="D-1", message="opened")
    )
    assert ("\x1b[" in out.getvalue()) is coloured


def test_log_lines_read_like_the_rest_of_the_console() -> None:
    """A warning (and, with -v, an info event) reads "order 1001: warning: support send refused
    (why: …)": no timestamp, no level column, the event in words, site text made visible."""
    stream = io.StringIO()
    configure_logging(fmt="console", level="info", stream=stream)
    log = get_logger("agent.test")
    log.warning("agent.support_send_refused", why="too long", error="a\x1b[31m b", order_id="7")
    log.info("agent.retry_scheduled", retry_num=2, wait_for=1.5, caused_by=None)
    assert stream.getvalue().splitlines() == [
        "order 7: warning: support send refused (why: too long, error: a\\x1b[31m b)",
        "retry scheduled (retry_num: 2, wait_for: 1.5)",
    ]
    assert not re.search(r"\d{4}-\d\d-\d\dT|\[warning|\[info", stream.getvalue())
