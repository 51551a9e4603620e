"""The command line without a browser: help, version, usage errors, durations, exit codes,
interruption texts, resume selection, the console's safe text, the display check, the trace."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from agent.cli import main
from agent.cli.batch import select_orders, totals_line
from agent.cli.session import check_display
from agent.cli.trace import command_trace, trace_command
from agent.console import colour_enabled, plural, visible
from agent.durations import format_duration, parse_duration
from agent.errors import InvalidConfig
from agent.flow.stop import interruption_text
from agent.outcome import BatchResult, Outcome, Status, batch_exit_code, describe_exit_code
from agent.output.batch_index import batch_verdict
from agent.output.batch_summary import earlier_outcomes, summary_dict, write_summary
from agent.request.batch_file import BatchItem
from agent.request.build import build_request
from tests.unit.test_progress import Tty

MESSAGE = "My parcel has not arrived after forty days. Please refund me."


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``main(argv)``: its exit code, stdout and stderr."""
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_version_prints_the_tool_and_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints ``retry-dispute X.Y.Z`` and exits 0."""
    code, out, _ = run_main(["--version"], capsys)
    assert code == 0
    assert out.startswith("retry-dispute ") and out.strip().split()[1][0].isdigit()


@pytest.mark.parametrize(
    ("argv", "suggestion", "help_hint"),
    [
        (["rnu"], "did you mean 'run'?", "See 'retry-dispute --help'"),
        (
            ["run", "--max-attemps", "3"],
            "did you mean --max-attempts?",
            "See 'retry-dispute run --help'",
        ),
        (["run", "--dedline", "30m"], "did you mean --deadline?", "See 'retry-dispute run --help'"),
        (["logn", "--site", "x"], "did you mean 'login'?", "See 'retry-dispute --help'"),
    ],
)
def test_a_mistyped_command_or_flag_gets_a_did_you_mean(
    argv: list[str], suggestion: str, help_hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line, exit 2, the closest command or flag, and the help of the right command."""
    code, out, err = run_main(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert suggestion in err and help_hint in err
    assert "retry-dispute retry-dispute" not in err


def test_a_word_like_no_flag_gets_no_guess(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown flag nothing resembles is not matched to a random one."""
    _, _, err = run_main(["run", "--bogus"], capsys)
    assert "did you mean" not in err and "see 'retry-dispute run --help'" in err


def test_usage_errors_are_json_with_json_logs(capsys: pytest.CaptureFixture[str]) -> None:
    """With --log-format json even a usage error is one JSON object on stderr."""
    code, _, err = run_main(["run", "--log-format", "json", "--max-attempts", "0"], capsys)
    assert code == 2
    record = json.loads(err)
    assert record["event"] == "agent.usage_error" and record["exit_code"] == 2
    assert "--max-attempts" in record["error"]


def test_top_level_help_lists_every_command_with_a_description_and_no_backticks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each command has a description; no reST backtick in any help."""
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    for command in ("run", "scenario", "mock-site", "login", "browser", "trace"):
        assert re.search(rf" {command} [a-z]+ [a-z]+ ", flat), command
    for command in ("run", "scenario", "mock-site", "login", "browser", "trace"):
        _, text, _ = run_main([command, "--help"], capsys)
        assert "`" not in text, command
        assert "usage: retry-dispute " + command in text


def test_run_help_shows_defaults_exit_codes_and_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``run --help`` gives each policy default, every exit code and the environment."""
    _, out, _ = run_main(["run", "--help"], capsys)
    flat = " ".join(out.split())
    for default in (
        "(default: 15)",
        "(default: 15m)",
        "(default: 2s)",
        "(default: 2m)",
        "(default: 8)",
        "(default: runs/)",
    ):
        assert default in flat, default
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "130 ", "143 "):
        assert f"\n  {code}" in out, code
    for name in (
        "RETRY_DISPUTE_USER",
        "RETRY_DISPUTE_PASSWORD",
        "RETRY_DISPUTE_BROWSER",
        "RETRY_DISPUTE_STATE_DIR",
        "NO_COLOR",
    ):
        assert name in out


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("30m", 1800.0),
        ("6h", 21600.0),
        ("1h30m", 5400.0),
        ("1.5", 1.5),
        ("500ms", 0.5),
        ("2 min", 120.0),
        ("0", 0.0),
    ],
)
def test_durations_are_read_as_people_write_them(text: str, seconds: float) -> None:
    """Seconds, or a number with a unit (s, m, h, ms, min), parts added up."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "x", "-3", "30x", "h", "1h 3", "inf", "nan"])
def test_bad_durations_are_refused(text: str) -> None:
    """Anything else is a ValueError that says what is accepted."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_durations_are_written_back_the_same_way() -> None:
    """format_duration gives what parse_duration reads back."""
    for seconds in (2.0, 90.0, 900.0, 5400.0, 0.5, 21600.0):
        assert parse_duration(format_duration(seconds)) == seconds
    assert format_duration(900) == "15m" and format_duration(5400) == "1h30m"


def test_a_human_deadline_reaches_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """``--deadline 30m`` is accepted (no longer refused) and means 1800 seconds."""
    from agent.cli.parser import build_parser
    from agent.cli.session import policy_from_args

    args = build_parser().parse_args(
        [
            "run",
            "--site",
            "http://127.0.0.1:9",
            "--deadline",
            "30m",
            "--max-wait",
            "90s",
            "--initial-wait",
            "1.5",
        ]
    )
    policy = policy_from_args(args, demo=False)
    assert (policy.deadline_s, policy.max_wait_s, policy.initial_wait_s) == (1800.0, 90.0, 1.5)


def test_sigterm_has_its_own_exit_code_and_precedence() -> None:
    """interrupted exits 130 for Ctrl-C and 143 for SIGTERM; a batch puts them first."""
    base = Outcome(status=Status.INTERRUPTED, order_id="1")
    assert base.exit_code == 130
    assert (
        Outcome(status=Status.INTERRUPTED, order_id="1", interrupted_by="SIGINT").exit_code == 130
    )
    term = Outcome(status=Status.INTERRUPTED, order_id="1", interrupted_by="SIGTERM")
    assert term.exit_code == 143
    assert Outcome.from_json(term.to_json()).exit_code == 143
    assert batch_exit_code([0, 3, 143, 5]) == 143
    assert batch_exit_code([0, 3, 130, 5]) == 130


def test_every_exit_code_is_explained_in_one_line() -> None:
    """describe_exit_code says what each code means (the Makefile prints it)."""
    assert "no dispute can be opened" in describe_exit_code(3)
    assert "still busy" in describe_exit_code(4)
    assert "SIGTERM" in describe_exit_code(143) and "Ctrl-C" in describe_exit_code(130)
    assert "still on its way" in describe_exit_code(7)
    assert "support opened a case" in describe_exit_code(8)  # run --escalate's case opened
    assert "not an exit code" in describe_exit_code(9)
    assert all("\n" not in describe_exit_code(c) for c in (0, 1, 2, 3, 4, 5, 6, 7, 8, 130, 143))


def test_final_and_failed_statuses_drive_resume() -> None:
    """--resume skips final statuses; --only-failed runs gave_up, needs_human, unconfirmed and
    error."""
    assert {s for s in Status if s.final} == {Status.OPENED, Status.ALREADY_OPEN, Status.INELIGIBLE}
    assert {s for s in Status if s.failed} == {
        Status.GAVE_UP,
        Status.NEEDS_HUMAN,
        Status.UNCONFIRMED,
        Status.ERROR,
    }
    assert not Status.INTERRUPTED.final and not Status.INTERRUPTED.support_ticket


@pytest.mark.parametrize(
    ("in_flight", "attempts", "says"),
    [
        (True, 3, "the dispute may have been opened"),
        (False, 2, "no submission was on its way"),
        (False, 0, "nothing reached the site"),
    ],
)
def test_an_interruption_says_whether_a_submission_may_have_reached_the_site(
    in_flight: bool, attempts: int, says: str
) -> None:
    """The interrupted outcome's message follows the journal: an intent without an answer."""
    what, hint = interruption_text("Ctrl-C", attempts=attempts, in_flight=in_flight)
    assert says in what and what.startswith("stopped by Ctrl-C")
    assert "run the same command again" in hint


def _item(order: str) -> BatchItem:
    return BatchItem(
        f"row {order}",
        build_request(order_id=order, received="no", reason="not_received", message=MESSAGE),
    )


def test_resume_skips_final_orders_and_only_failed_picks_the_failed() -> None:
    """Resume runs new, interrupted and failed orders; --only-failed only the failed ones."""
    items = [_item(o) for o in ("1", "2", "3", "4", "5", "6")]
    earlier = {
        "1": Outcome(status=Status.OPENED, order_id="1"),
        "2": Outcome(status=Status.INELIGIBLE, order_id="2"),
        "3": Outcome(status=Status.GAVE_UP, order_id="3"),
        "4": Outcome(status=Status.INTERRUPTED, order_id="4"),
        "5": Outcome(status=Status.NEEDS_HUMAN, order_id="5"),
    }
    run, skipped = select_orders(items, earlier, resume=True, only_failed=False)
    assert [i.prepared.request.order_id for i in run] == ["3", "4", "5", "6"]
    assert [o.order_id for o in skipped] == ["1", "2"]
    run, skipped = select_orders(items, earlier, resume=False, only_failed=True)
    assert [i.prepared.request.order_id for i in run] == ["3", "5"]
    assert [o.order_id for o in skipped] == ["1", "2", "4"]
    run, _ = select_orders(items, earlier, resume=False, only_failed=False)
    assert len(run) == 6


def test_resume_keys_by_order_and_item(tmp_path: Path) -> None:
    """The first item of an order opened in an earlier batch; the second item, added to the
    file afterwards, is not skipped as "opened" with the first item's request (issue 23)."""
    source = tmp_path / "orders.csv"
    source.write_text("x", encoding="utf-8")
    batch_dir = tmp_path / "runs" / "batch-20251124-000001"
    run_dir = batch_dir / "20251124-000000-3001"
    run_dir.mkdir(parents=True)
    first = Outcome(
        status=Status.OPENED,
        order_id="3001",
        dispute_id="5000000001007135",
        run_dir=run_dir,
        request={"order_id": "3001", "item": "1"},
    )
    write_summary(
        BatchResult(
            batch_dir=batch_dir,
            outcomes=(first,),
            elapsed_s=1.0,
            concurrency=1,
            exit_code=0,
            context={"source": str(source.resolve())},
        )
    )
    earlier = earlier_outcomes(tmp_path / "runs", source)
    assert set(earlier) == {"3001/1"}

    def item(number: str) -> BatchItem:
        return BatchItem(
            f"row {number}",
            build_request(
                order_id="3001", item=number, received="no", reason="not_received", message=MESSAGE
            ),
        )

    run, skipped = select_orders([item("1"), item("2")], earlier, resume=True, only_failed=False)
    assert [i.prepared.request.order_key for i in run] == ["3001/2"]
    assert [o.dispute_id for o in skipped] == ["5000000001007135"]


def test_earlier_outcomes_come_from_the_summaries_of_the_same_file(tmp_path: Path) -> None:
    """The last batch of the same source file wins; other files' batches are not read."""
    source = tmp_path / "orders.csv"
    source.write_text("x", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("x", encoding="utf-8")
    out = tmp_path / "runs"

    def batch(name: str, src: Path, statuses: dict[str, Status]) -> None:
        batch_dir = out / name
        outcomes = []
        for order, status in statuses.items():
            run_dir = batch_dir / f"20251124-000000-{order}"
            run_dir.mkdir(parents=True)
            outcomes.append(Outcome(status=status, order_id=order, run_dir=run_dir))
        write_summary(
            BatchResult(
                batch_dir=batch_dir,
                outcomes=tuple(outcomes),
                elapsed_s=1.0,
                concurrency=1,
                exit_code=0,
                context={"source": str(src.resolve())},
            )
        )

    batch("batch-20251124-000001", source, {"1": Status.GAVE_UP, "2": Status.INELIGIBLE})
    batch("batch-20251124-000002", source, {"1": Status.OPENED})
    batch("batch-20251124-000003", other, {"1": Status.ERROR, "9": Status.OPENED})
    (out / "batch-20251124-000004").mkdir()
    (out / "batch-20251124-000004" / "summary.json").write_text("{broken", encoding="utf-8")
    found = earlier_outcomes(out, source)
    assert {k: v.status for k, v in found.items()} == {"1": Status.OPENED, "2": Status.INELIGIBLE}
    assert found["1"].run_dir == (out / "batch-20251124-000002" / "20251124-000000-1").resolve()


def test_a_stopped_batch_summary_lists_unfinished_and_skipped_orders(tmp_path: Path) -> None:
    """summary.json marks orders never started and orders an earlier batch finished."""
    result = BatchResult(
        batch_dir=tmp_path,
        elapsed_s=2.0,
        concurrency=2,
        exit_code=130,
        outcomes=(Outcome(status=Status.INTERRUPTED, order_id="1", interrupted_by="SIGINT"),),
        not_run=("2", "3"),
        interrupted_by="SIGINT",
        skipped=(Outcome(status=Status.OPENED, order_id="9", run_dir=tmp_path / "old"),),
        context={"site": "http://127.0.0.1:1", "source": "/x/orders.csv"},
    )
    data = summary_dict(result)
    assert [(o["order_id"], o["status"]) for o in data["orders"]] == [
        ("1", "interrupted"),
        ("9", "opened"),
        ("2", None),
        ("3", None),
    ]
    assert data["orders"][1]["skipped"] is True and data["orders"][2]["not_run"] is True
    assert data["interrupted_by"] == "SIGINT" and data["exit_code"] == 130
    assert data["context"]["source"] == "/x/orders.csv"
    assert "2 not started" in totals_line(result)


@pytest.mark.parametrize(
    ("statuses", "kwargs", "says", "tone"),
    [
        ([Status.OPENED, Status.ALREADY_OPEN], {}, "Every dispute is open: 2 orders", "ok"),
        ([Status.OPENED, Status.GAVE_UP], {}, "1 order of 2 needs attention", "bad"),
        (
            [Status.GAVE_UP, Status.ERROR, Status.OPENED],
            {},
            "2 orders of 3 need attention (gave up: the site stayed busy: 1, unexpected "
            "error: 1); 1 dispute open.",
            "bad",
        ),
        ([Status.OPENED, Status.INELIGIBLE], {}, "order not eligible: 1", "warn"),
        (
            [Status.OPENED, Status.INTERRUPTED],
            {"interrupted_by": "SIGINT", "not_run": 2},
            "Stopped by Ctrl-C: 3 orders not finished",
            "warn",
        ),
    ],
)
def test_the_batch_verdict_says_how_the_batch_went(
    statuses: list[Status], kwargs: dict[str, object], says: str, tone: str
) -> None:
    """The index's one-sentence verdict and its tone."""
    text, got = batch_verdict(statuses, **kwargs)  # type: ignore[arg-type]
    assert says in text and got == tone


def test_site_text_is_printed_with_its_controls_visible() -> None:
    """Escape sequences, bells and bidi overrides are shown as escapes; lines are joined."""
    hostile = "busy\x1b]0;owned\x07 \x1b[2J\r\nnow \u202eevil \x9b"
    shown = visible(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\x9b" not in shown and "\n" not in shown
    assert shown == "busy\\x1b]0;owned\\x07 \\x1b[2J now \\u202eevil \\x9b"
    assert visible("x" * 50, 10) == "xxxxxxx..."


def test_plural_is_right_for_one() -> None:
    """1 attempt, 2 attempts, 0 attempts."""
    assert [plural(n, "attempt") for n in (0, 1, 2)] == ["0 attempts", "1 attempt", "2 attempts"]


@pytest.mark.parametrize(
    ("env", "colour"),
    [
        ({}, True),
        ({"NO_COLOR": "1"}, False),
        ({"TERM": "dumb"}, False),
        ({"NO_COLOR": "", "TERM": "xterm"}, True),
    ],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(
    env: dict[str, str], colour: bool
) -> None:
    """NO_COLOR with any value turns colour off; a pipe never gets colour."""
    assert colour_enabled(Tty(), env) is colour
    assert colour_enabled(io.StringIO(), env) is False


@pytest.mark.parametrize(
    ("env", "platform", "refused"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({}, "darwin", False),
    ],
)
def test_a_window_without_a_display_is_refused_with_what_to_do(
    env: dict[str, str], platform: str, refused: bool
) -> None:
    """No display on Linux: one line naming xvfb-run and DISPLAY, exit 2; elsewhere no check."""
    if not refused:
        check_display("--headed", env=env, platform=platform)
        return
    with pytest.raises(InvalidConfig) as info:
        check_display("--headed", env=env, platform=platform)
    assert "no display" in str(info.value) and "xvfb-run" in str(info.value)
    assert "DISPLAY" in str(info.value) and info.value.exit_code == 2


def test_headed_run_without_a_display_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run --headed`` with no DISPLAY: exit 2 and the display line, not a browser error."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = run_main(
        [
            "run",
            "--site",
            "http://127.0.0.1:9",
            "--order",
            "1",
            "--received",
            "no",
            "--reason",
            "not_received",
            "--message",
            MESSAGE,
            "--headed",
        ],
        capsys,
    )
    assert code == 2 and "no display" in err and "xvfb-run" in err


def test_login_without_a_display_says_so_before_anything_else(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``login`` (a window) with no DISPLAY: exit 2 naming xvfb-run, before the site is tried."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check is for Linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = run_main(
        ["login", "--site", "http://127.0.0.1:9", "--save-session", str(tmp_path / "s.json")],
        capsys,
    )
    assert code == 2 and "no display for login" in err and "xvfb-run" in err
    assert len(err.splitlines()) == 1


def test_the_trace_command_uses_this_python_and_checks_the_folder(tmp_path: Path) -> None:
    """``retry-dispute trace RUN_DIR`` runs ``python -m playwright show-trace`` on the trace."""
    with pytest.raises(InvalidConfig, match=r"no trace\.zip"):
        trace_command(tmp_path)
    (tmp_path / "trace.zip").write_bytes(b"PK")
    command = trace_command(tmp_path, has_display=True)
    assert command == [
        sys.executable,
        "-m",
        "playwright",
        "show-trace",
        str(tmp_path / "trace.zip"),
    ]
    served = trace_command(tmp_path, has_display=False)
    assert served[-5:-1] == ["--host", "127.0.0.1", "--port", "9323"]
    seen: list[list[str]] = []

    class Args:
        run_dir = tmp_path
        port = 8123

    assert command_trace(Args(), run=lambda c: seen.append(list(c)) or 0) == 0  # type: ignore[arg-type, func-returns-value]
    assert seen[0][-3:] == ["--port", "8123", str(tmp_path / "trace.zip")]


def test_mock_site_serves_the_skin_asked_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mock-site --skin aliexpress`` serves that skin; an unknown skin is one line, exit 2."""
    import mock_site.__main__ as served

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(served, "serve", lambda **kwargs: calls.append(kwargs))
    code, _, _ = run_main(["mock-site", "--skin", "aliexpress", "--port", "8123"], capsys)
    assert code == 0
    ready = calls[0].pop("ready")
    assert calls == [{"port": 8123, "faults": None, "skin": "aliexpress", "log_level": "warning"}]
    assert callable(ready)  # the banner, once the ports listen
    code, _, err = run_main(["mock-site", "--skin", "ebay"], capsys)
    assert code == 2 and len(calls) == 1
    assert "--skin ebay: no such storefront skin (those are: " in err
    assert "aliexpress" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2
