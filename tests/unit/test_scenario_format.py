"""Scenario files without a browser: loading, refusals naming file and key, expectations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from agent.cli import main
from agent.errors import InvalidConfig
from mock_site.scenarios import (
    STATUSES,
    Count,
    Expectation,
    GeneratedFile,
    Observed,
    ScenarioResult,
    check,
    format_table,
    load_scenario,
    load_scenarios,
)
from mock_site.scenarios.table import progress_line

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"

VALID = """\
description = "Busy twice, then opened."

[faults]
busy_first = 2

[request]
order_id = "1001"
received = "no"
reason = "not_received"
message = "My parcel has not arrived after 40 days."

[policy]
max_attempts = 4
initial_wait_s = 0.05
max_wait_s = 0.2
jitter = false

[expect]
status = "opened"
attempts = 3
disputes = 1
"""


def write(tmp_path: Path, text: str, name: str = "case.toml") -> Path:
    """Write a scenario file into tmp_path and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> InvalidConfig:
    """Load a scenario that must be refused and return the error."""
    path = write(tmp_path, text)
    with pytest.raises(InvalidConfig) as caught:
        load_scenario(path)
    return caught.value


# --- the catalogue ------------------------------------------------------------------------------


def test_the_bundled_catalogue_loads_and_has_at_least_25_scenarios() -> None:
    """Every scenarios/*.toml file loads, and there are at least 25 of them."""
    scenarios = load_scenarios([CATALOGUE])
    assert len(scenarios) >= 25
    assert all(s.description for s in scenarios)


def test_the_catalogue_expects_every_final_status_but_error() -> None:
    """The catalogue's expectations cover each final status an agent run can end with."""
    expected = {s.expect.status for s in load_scenarios([CATALOGUE])}
    assert expected == set(STATUSES) - {"error"}


def test_the_catalogue_shows_each_busy_style_in_three_languages_and_every_fault() -> None:
    """Each busy style appears in three languages, and every fault the issue names is exercised."""
    plans = [dict(s.faults) for s in load_scenarios([CATALOGUE])]
    languages: dict[str, set[str]] = {}
    for plan in plans:
        if plan.get("busy_first"):
            style = str(plan.get("busy_style", "banner"))
            languages.setdefault(style, set()).add(str(plan.get("language", "en")))
    assert set(languages) == {"banner", "toast", "modal"}
    assert all(len(found) >= 3 for found in languages.values())
    used = {key for plan in plans for key in plan}
    assert used >= {
        "busy_first",
        "busy_for_s",
        "busy_after_commit",
        "retry_after_s",
        "slow_submit_s",
        "server_errors",
        "session_expires_after",
        "captcha_after",
        "popup_blocked",
        "overlay",
        "form_resets_on_busy",
    }
    assert {p.get("retry_after_format") for p in plans} >= {"seconds", "date"}


def test_every_catalogue_scenario_sets_small_waits() -> None:
    """No scenario waits the default 5 s between attempts, so the catalogue runs in minutes."""
    for scenario in load_scenarios([CATALOGUE]):
        assert scenario.policy.initial_wait_s <= 0.5, scenario.name
        assert scenario.policy.max_wait_s <= 1.0, scenario.name


def test_a_valid_scenario_loads_with_its_parts(tmp_path: Path) -> None:
    """A valid file gives its faults, request, policy and expectation."""
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.name == "case"
    assert dict(scenario.faults) == {"busy_first": 2}
    assert scenario.order_id == "1001"
    assert scenario.policy.max_attempts == 4
    assert scenario.policy.jitter is False
    assert scenario.expect == Expectation(status="opened", attempts=Count(min=3, max=3), disputes=1)


def test_a_request_the_pre_flight_refuses_still_loads(tmp_path: Path) -> None:
    """A request the pre-flight refuses is no error of the file: the scenario may expect invalid."""
    text = VALID.replace("after 40 days.", "Посылка не пришла.").replace('"opened"', '"invalid"')
    assert load_scenario(write(tmp_path, text)).expect.status == "invalid"


def test_generated_files_are_named_by_the_request(tmp_path: Path) -> None:
    """[[files]] entries load with their size, and the request may name them as evidence."""
    text = VALID.replace('message = "My', 'evidence = ["big.jpg"]\nmessage = "My') + (
        '\n[[files]]\nname = "big.jpg"\ncontent = "jpeg"\nsize = 5242881\n'
    )
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.files == (GeneratedFile(name="big.jpg", content="jpeg", size=5242881),)


def test_a_generated_file_has_its_format_header_and_size() -> None:
    """Generated files start with their format's magic bytes and have exactly the given size."""
    jpeg = GeneratedFile(name="a.jpg", content="jpeg", size=4096).data()
    text = GeneratedFile(name="a.jpg", content="text", size=100).data()
    assert jpeg.startswith(b"\xff\xd8\xff") and len(jpeg) == 4096
    assert text.startswith(b"This is a text file") and len(text) == 100


def test_timeouts_override_the_profile(tmp_path: Path) -> None:
    """[timeouts] replaces only the named timeouts of the profile."""
    from agent.site.profile import load_profile

    scenario = load_scenario(write(tmp_path, VALID + "\n[timeouts]\nanswer_s = 1\n"))
    profile = scenario.profile_for(load_profile("mock"))
    assert profile.timeouts.answer_s == 1.0
    assert profile.timeouts.navigation_s == load_profile("mock").timeouts.navigation_s


# --- refusals: the file and the key are named ---------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('description = "Busy', 'descripton = "x"\ndescription = "Busy', "descripton"),
        ("[faults]\nbusy_first = 2", "[faults]\nbusy_frist = 2", "faults.busy_frist"),
        ("[faults]\nbusy_first = 2", '[faults]\nbusy_style = "popup"', "faults.busy_style"),
        ("[faults]\nbusy_first = 2", "[faults]\nbusy_first = -1", "faults.busy_first"),
        ('order_id = "1001"', 'order_id = "1001"\namont = "5"', "request.amont"),
        ('reason = "not_received"', "reason = 7", "request.reason"),
        ("max_attempts = 4", "max_attempts = 0", "policy.max_attempts"),
        ("max_attempts = 4", "max_atempts = 4", "policy.max_atempts"),
        ("jitter = false", 'jitter = "no"', "policy.jitter"),
        ('status = "opened"', 'status = "done"', "expect.status"),
        ('status = "opened"', 'status = "opened"\nstatuss = "opened"', "expect.statuss"),
        ("attempts = 3", 'attempts = "three"', "expect.attempts"),
        ("attempts = 3", "attempts = { min = 4, max = 2 }", "expect.attempts.max"),
        ("attempts = 3", "attempts = { min = 1, most = 2 }", "expect.attempts.most"),
        ("disputes = 1", "disputes = -1", "expect.disputes"),
        ("disputes = 1", 'waits = ["sleep"]', "expect.waits"),
        ("disputes = 1", "[expect.dispute]\namount = 5.3", "expect.dispute.amount"),
        ("disputes = 1", '[expect.dispute]\nid = "D-1"', "expect.dispute.id"),
    ],
)
def test_a_bad_key_or_value_is_refused_naming_file_and_key(
    old: str, new: str, key: str, tmp_path: Path
) -> None:
    """An unknown key or a bad value anywhere is refused with the file and the dotted key."""
    assert old in VALID
    err = refusal(tmp_path, VALID.replace(old, new))
    assert err.key == key
    assert err.context["source"] == str(tmp_path / "case.toml")
    assert str(err).startswith(f"{tmp_path / 'case.toml'}: ")
    assert key in str(err)


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ('name = "a.jpg"\ncontent = "gif"', "files[1].content"),
        ('name = "../a.jpg"\ncontent = "jpeg"', "files[1].name"),
        ('name = "a.jpg"\ncontent = "jpeg"\nsize = 3', "files[1].size"),
        ('name = "a.jpg"\ncontent = "jpeg"\nbytes = 3', "files[1].bytes"),
    ],
)
def test_a_bad_generated_file_is_refused_naming_its_key(
    entry: str, key: str, tmp_path: Path
) -> None:
    """A [[files]] entry with a bad name, content, size or key is refused naming it."""
    err = refusal(tmp_path, VALID + f"\n[[files]]\n{entry}\n")
    assert err.key == key
    assert key in str(err)


def test_a_bad_timeout_is_refused(tmp_path: Path) -> None:
    """A timeout of 0 seconds is refused naming timeouts.answer_s."""
    err = refusal(tmp_path, VALID + "\n[timeouts]\nanswer_s = 0\n")
    assert err.key == "timeouts.answer_s"


def test_a_missing_expectation_is_refused(tmp_path: Path) -> None:
    """A file without [expect] is refused naming the missing table."""
    err = refusal(tmp_path, VALID.split("[expect]")[0])
    assert err.key == "expect"
    assert "missing" in str(err)


def test_a_file_that_is_not_toml_is_refused_naming_it(tmp_path: Path) -> None:
    """A syntax error is refused with the file's name."""
    err = refusal(tmp_path, "description = \n")
    assert str(err).startswith(str(tmp_path / "case.toml"))
    assert "not valid TOML" in str(err)


@pytest.fixture
def kept_logging() -> Iterator[None]:
    """Put back structlog's configuration after `main()` pointed it at pytest's captured stderr."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.mark.usefixtures("kept_logging")
def test_the_command_exits_2_on_a_bad_file_before_any_browser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`retry-dispute scenario` refuses a bad file with exit code 2, naming the file and the key."""
    path = write(tmp_path, VALID.replace("busy_first = 2", "busy_frist = 2"))
    assert main(["scenario", str(path), "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "faults.busy_frist" in err
    assert not (tmp_path / "runs").exists()


# --- expectations -------------------------------------------------------------------------------


def observed(**values: object) -> Observed:
    """An observation of an opened run with one dispute, overridden by values."""
    base: dict[str, object] = {
        "status": "opened",
        "attempts": 3,
        "disputes": 1,
        "submissions": 3,
        "screenshots": 7,
        "files": ("result.json", "log.jsonl"),
        "message": "dispute D-000100 opened for order 1001",
        "waits": ("backoff", "backoff"),
        "dispute": {"amount": "5.30", "files": ["a.jpg"]},
    }
    return Observed(**{**base, **values})  # type: ignore[arg-type]


def test_an_observation_meeting_every_expectation_has_no_problem() -> None:
    """Every kind of expectation, met, gives no problem."""
    expect = Expectation(
        status="opened",
        attempts=Count(min=2, max=4),
        disputes=1,
        submissions=3,
        screenshots_min=7,
        files=("result.json",),
        message_contains=("D-000100",),
        waits=("backoff", "backoff"),
        dispute={"amount": "5.30", "files": ["a.jpg"]},
    )
    assert check(expect, observed()) == ()


@pytest.mark.parametrize(
    ("expect", "got", "problem"),
    [
        (Expectation(status="gave_up"), {}, "status: expected gave_up, got opened"),
        (
            Expectation(status="opened", attempts=Count(min=1, max=1)),
            {},
            "attempts: expected 1, got 3",
        ),
        (Expectation(status="opened", attempts=Count(min=4)), {}, "attempts: expected >=4, got 3"),
        (Expectation(status="opened", disputes=1), {"disputes": 2}, "disputes: expected 1, got 2"),
        (Expectation(status="opened", submissions=0), {}, "submissions: expected 0, got 3"),
        (
            Expectation(status="opened", screenshots_min=8),
            {},
            "screenshots: expected at least 8, got 7",
        ),
        (
            Expectation(status="opened", files=("support-ticket.md",)),
            {},
            "files: support-ticket.md is missing from the run folder",
        ),
        (
            Expectation(status="opened", message_contains=("busy",)),
            {},
            "message: 'busy' not in 'dispute D-000100 opened for order 1001'",
        ),
        (
            Expectation(status="opened", waits=("retry_after",)),
            {},
            "waits: expected ['retry_after'], got ['backoff', 'backoff']",
        ),
        (
            Expectation(status="opened", dispute={"amount": "5.00"}),
            {},
            "dispute.amount: expected '5.00', got '5.30'",
        ),
        (
            Expectation(status="opened", dispute={"amount": "5.30"}),
            {"dispute": None},
            "dispute: no dispute was created for the order",
        ),
    ],
)
def test_each_missed_expectation_is_named(
    expect: Expectation, got: dict[str, object], problem: str
) -> None:
    """A missed expectation gives one problem line saying what was expected and got."""
    assert check(expect, observed(**got)) == (problem,)


def test_unset_expectations_check_nothing() -> None:
    """Only the status is checked when nothing else is expected."""
    assert check(Expectation(status="invalid"), observed(status="invalid", attempts=9)) == ()


def test_a_count_reads_as_a_number_or_a_range() -> None:
    """Counts print as 3, 2-4 or >=2 and match accordingly."""
    counts = (Count(min=3, max=3), Count(min=2, max=4), Count(min=2))
    assert [str(c) for c in counts] == ["3", "2-4", ">=2"]
    assert Count(min=2).matches(99) and not Count(min=2, max=4).matches(5)


def test_the_table_lists_each_scenario_and_explains_mismatches(tmp_path: Path) -> None:
    """The table has a row per scenario and, under it, each mismatch's problems."""
    scenario = load_scenario(write(tmp_path, VALID))
    good = ScenarioResult(scenario=scenario, observed=observed(seconds=3.26), problems=())
    bad = ScenarioResult(
        scenario=scenario,
        observed=observed(status="gave_up"),
        problems=("status: expected opened, got gave_up",),
    )
    table = format_table([good, bad]).splitlines()
    header = ["scenario", "expected", "got", "attempts", "disputes", "seconds", "result"]
    assert table[0].split() == header
    assert table[2].split() == ["case", "opened", "opened", "3", "1", "3.3", "ok"]
    assert table[3].split() == ["case", "opened", "gave_up", "3", "1", "0.0", "MISMATCH"]
    assert table[4:6] == ["", f"case ({scenario.path}):"]
    assert table[6] == "  - status: expected opened, got gave_up"


def test_the_progress_line_says_1_attempt_not_1_attempts(tmp_path: Path) -> None:
    """``make scenarios`` prints "1 attempt" for one and "2 attempts" for two."""
    scenario = load_scenario(write(tmp_path, VALID))
    one = ScenarioResult(scenario=scenario, observed=observed(attempts=1, seconds=1.0), problems=())
    two = ScenarioResult(scenario=scenario, observed=observed(attempts=2, seconds=1.0), problems=())
    assert progress_line(one, 1, 2) == "[1/2] case: opened (expected opened), 1 attempt, 1.0 s: ok"
    assert ", 2 attempts," in progress_line(two, 2, 2)
