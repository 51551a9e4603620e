"""Scenario files: one failure of the storefront each, run by the agent and checked.

A scenario (``scenarios/*.toml``, see docs/scenarios.md) holds a ``description``, the storefront's
``[faults]`` plan, the ``[request]``, optional ``[policy]`` and ``[timeouts]`` overrides,
``[[files]]`` to generate as evidence, and the ``[expect]``-ed outcome. `load_scenario` refuses an
unknown key or a bad value with `InvalidConfig` naming the file and the dotted key
(``expect.attempts.min``); a pre-flight refusal of the request is no error of the file: the
scenario may expect it (status ``invalid``, no attempt).

`run_catalogue` runs scenarios against one bundled storefront and one browser: each from a freshly
reset store with its fault plan, in its own browser context, with its own journal, its run folder
kept under ``<out>/<scenario>/``. `command_scenario` prints the table and returns the exit code:
0 when every scenario met its expectation, 1 otherwise (a bad file raises `InvalidConfig`: 2).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import difflib
import json
import os
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TextIO

import structlog

from agent.errors import InvalidConfig, InvalidRequest
from agent.log import configure_logging, get_logger
from agent.policy import RetryPolicy
from agent.profile import SiteProfile, Timeouts, load_profile
from agent.request import EvidenceRules, PreparedRequest, request_from_mapping
from agent.run import STATUS_EXIT

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from agent.run import Outcome
    from mock_site.testing import StorefrontServer

__all__ = [
    "CONTENTS",
    "DISPUTE_KEYS",
    "EXPECT_KEYS",
    "SCENARIO_KEYS",
    "STATUSES",
    "Count",
    "Expectation",
    "GeneratedFile",
    "Observed",
    "Scenario",
    "ScenarioResult",
    "check",
    "command_scenario",
    "format_table",
    "load_scenario",
    "load_scenarios",
    "run_catalogue",
    "run_scenario",
]

log = get_logger("agent.scenario")

#: The top-level keys of a scenario file.
SCENARIO_KEYS: tuple[str, ...] = (
    "description", "faults", "request", "policy", "timeouts", "files", "expect",
)
#: The keys of ``[expect]``.
EXPECT_KEYS: tuple[str, ...] = (
    "status", "attempts", "disputes", "submissions", "screenshots_min", "files",
    "message_contains", "waits", "dispute",
)
#: The fields of the created dispute that ``[expect.dispute]`` may check.
DISPUTE_KEYS: tuple[str, ...] = (
    "received", "reason", "solution", "refund", "amount", "message", "files",
)
#: The final statuses an outcome can have.
STATUSES: tuple[str, ...] = tuple(STATUS_EXIT)
#: What ``[[files]]`` can generate: each content starts with the bytes that make its format.
CONTENTS: Mapping[str, bytes] = MappingProxyType({
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64),
    "png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    "mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(64),
    "text": b"This is a text file, not a photo.\n",
})
_WAIT_CAUSES = ("backoff", "retry_after")
_POLICY_KEYS = tuple(f.name for f in dataclasses.fields(RetryPolicy))
_TIMEOUT_KEYS = tuple(f.name for f in dataclasses.fields(Timeouts))
_FILE_KEYS = ("name", "content", "size")
_COUNT_KEYS = ("min", "max")
_MAX_FILE_BYTES = 64 * 1024 * 1024
_HINT = "see docs/scenarios.md for the scenario format"


# --- the records --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Count:
    """An expected count: one number (``min == max``), or a range, open above when max is None."""

    min: int = 0
    max: int | None = None

    def matches(self, value: int) -> bool:
        """Whether *value* is within the range."""
        return value >= self.min and (self.max is None or value <= self.max)

    def __str__(self) -> str:
        if self.max == self.min:
            return str(self.min)
        return f">={self.min}" if self.max is None else f"{self.min}-{self.max}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    """The ``[expect]`` table: what must be true at the end; None (or empty) checks nothing."""

    status: str
    attempts: Count | None = None
    disputes: int | None = None
    submissions: int | None = None
    screenshots_min: int | None = None
    files: tuple[str, ...] = ()
    message_contains: tuple[str, ...] = ()
    waits: tuple[str, ...] | None = None
    dispute: Mapping[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GeneratedFile:
    """One ``[[files]]`` entry: an evidence file written before the pre-flight."""

    name: str
    content: str
    size: int

    def data(self) -> bytes:
        """The file's bytes: the content's header, padded (binary) or repeated (text) to size."""
        head = CONTENTS[self.content]
        if self.content == "text":
            return (head * (self.size // len(head) + 1))[: self.size]
        return head + bytes(self.size - len(head))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """One scenario file, checked."""

    path: Path
    name: str
    description: str
    faults: Mapping[str, object]
    request: Mapping[str, object]
    policy: RetryPolicy
    timeouts: Mapping[str, float]
    files: tuple[GeneratedFile, ...]
    expect: Expectation

    @property
    def order_id(self) -> str:
        """The order as the request names it."""
        return str(self.request.get("order_id", "")).strip()

    def profile_for(self, profile: SiteProfile) -> SiteProfile:
        """*profile* with this scenario's ``[timeouts]`` applied."""
        if not self.timeouts:
            return profile
        return dataclasses.replace(
            profile, timeouts=dataclasses.replace(profile.timeouts, **self.timeouts)
        )

    def write_files(self, folder: Path) -> None:
        """Generate the ``[[files]]`` into *folder*."""
        if self.files:
            folder.mkdir(parents=True, exist_ok=True)
        for item in self.files:
            (folder / item.name).write_bytes(item.data())

    def prepare(self, files_dir: Path, rules: EvidenceRules) -> PreparedRequest:
        """Run the pre-flight on the request; generated files are taken from *files_dir*."""
        return request_from_mapping(
            _with_generated(self.request, {f.name for f in self.files}, files_dir),
            base_dir=self.path.parent,
            rules=rules,
            source=str(self.path),
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """What one scenario's run ended with, and what the storefront recorded."""

    status: str
    attempts: int = 0
    disputes: int = 0
    submissions: int = 0
    screenshots: int = 0
    seconds: float = 0.0
    message: str = ""
    run_dir: Path | None = None
    #: Every file in the run folder, relative to it.
    files: tuple[str, ...] = ()
    #: The cause of each wait between attempts, from result.json's timeline.
    waits: tuple[str, ...] = ()
    #: The last dispute created for the order (never the seeded one), as the control API says.
    dispute: Mapping[str, object] | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioResult:
    """A scenario, what its run observed, and each way it missed its expectation."""

    scenario: Scenario
    observed: Observed
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the scenario met its expectation."""
        return not self.problems


# --- loading ------------------------------------------------------------------------------------


def _bad(source: str, key: str, what: str, hint: str = _HINT) -> InvalidConfig:
    return InvalidConfig(f'"{key}" {what}', key=key, source=source, hint=hint)


def _dotted(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _known(table: Mapping[str, object], allowed: Sequence[str], prefix: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f'did you mean "{_dotted(prefix, close[0])}"? ' if close else ""
            raise _bad(source, _dotted(prefix, str(key)), "is not a known key",
                       hint + f"the keys here are: {', '.join(allowed)}")


def _table(
    data: Mapping[str, object], key: str, source: str, *, required: bool = False
) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise _bad(source, key, "is missing", f"add a [{key}] table; {_HINT}")
        return {}
    if not isinstance(value, dict):
        raise _bad(source, key, f"must be a table ([{key}]), not {type(value).__name__}")
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object, key: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(source, key, f"must be a whole number, 0 or more, not {value!r}")
    return value


def _strings(value: object, key: str, source: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
        raise _bad(source, key, f"must be a string or a list of strings, not {value!r}")
    return tuple(items)


def _read_toml(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InvalidConfig("no such file", source=source, hint="check the scenario path") from None
    except OSError as exc:
        raise InvalidConfig(f"cannot be read ({exc.strerror or exc})", source=source,
                            hint="check its permissions") from None
    except UnicodeDecodeError:
        raise InvalidConfig("is not UTF-8 text", source=source, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(
            f"is not valid TOML ({exc})", source=source,
            hint="fix the syntax: one key = value per line, strings in quotes",
        ) from None


def _faults(table: Mapping[str, object], source: str) -> dict[str, object]:
    """Check the fault plan as the storefront will, one key at a time to name the bad one."""
    from mock_site.faults import FaultPlan, parse_fault_plan

    _known(table, tuple(f.name for f in dataclasses.fields(FaultPlan)), "faults", source)
    for key, value in table.items():
        try:
            parse_fault_plan({key: value})
        except ValueError as exc:
            raise _bad(source, f"faults.{key}", f"is refused by the storefront: {exc}",
                       "see docs/storefront.md, 'Fault plan'") from None
    try:
        parse_fault_plan(table)
    except ValueError as exc:  # pragma: no cover - every key passed alone
        raise _bad(source, "faults", f"is refused by the storefront: {exc}") from None
    return dict(table)


def _policy(table: Mapping[str, object], source: str) -> RetryPolicy:
    _known(table, _POLICY_KEYS, "policy", source)
    values: dict[str, Any] = dict(table)
    try:
        return RetryPolicy(**values)
    except InvalidConfig as err:
        key = f"policy.{err.key}" if err.key else "policy"
        raise _bad(source, key, f"is wrong: {err.what}", err.hint or _HINT) from None


def _timeouts(table: Mapping[str, object], source: str) -> dict[str, float]:
    _known(table, _TIMEOUT_KEYS, "timeouts", source)
    for key, value in table.items():
        if not _is_number(value) or value <= 0:  # type: ignore[operator]  # a number
            raise _bad(source, f"timeouts.{key}",
                       f"must be a number of seconds above 0, not {value!r}")
    return {key: float(value) for key, value in table.items()}  # type: ignore[arg-type]


def _one_file(raw: object, index: int, source: str, seen: set[str]) -> GeneratedFile:
    where = f"files[{index}]"
    if not isinstance(raw, dict):
        raise _bad(source, where, "must be a table ([[files]])")
    _known(raw, _FILE_KEYS, where, source)
    name = raw.get("name")
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name:
        raise _bad(source, f"{where}.name", f"must be a plain file name, not {name!r}")
    if name in seen:
        raise _bad(source, f"{where}.name", f"repeats {name!r}", "give each file its own name")
    seen.add(name)
    content = raw.get("content")
    if content not in CONTENTS:
        raise _bad(source, f"{where}.content",
                   f"must be one of {', '.join(CONTENTS)}, not {content!r}")
    smallest = 1 if content == "text" else len(CONTENTS[str(content)])
    size = raw.get("size", len(CONTENTS[str(content)]))
    whole = isinstance(size, int) and not isinstance(size, bool)
    if not whole or not smallest <= size <= _MAX_FILE_BYTES:
        raise _bad(source, f"{where}.size", f"must be a whole number of bytes from {smallest} "
                   f"to {_MAX_FILE_BYTES}, not {size!r}")
    return GeneratedFile(name=name, content=str(content), size=size)


def _files(raw: object, source: str) -> tuple[GeneratedFile, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad(source, "files", "must be an array of tables ([[files]])")
    seen: set[str] = set()
    return tuple(_one_file(item, n, source, seen) for n, item in enumerate(raw, start=1))


def _count(value: object, key: str, source: str) -> Count:
    if not isinstance(value, dict):
        exact = _whole(value, key, source)
        return Count(min=exact, max=exact)
    _known(value, _COUNT_KEYS, key, source)
    if not value:
        raise _bad(source, key, "needs min, max or both", "e.g. attempts = { min = 2, max = 4 }")
    low = _whole(value.get("min", 0), f"{key}.min", source)
    high = None if "max" not in value else _whole(value["max"], f"{key}.max", source)
    if high is not None and high < low:
        raise _bad(source, f"{key}.max", f"({high}) is below min ({low})")
    return Count(min=low, max=high)


def _status(value: object, source: str) -> str:
    if value not in STATUSES:
        raise _bad(source, "expect.status", f"must be one of {', '.join(STATUSES)}, not {value!r}")
    return str(value)


def _waits(value: object, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or any(v not in _WAIT_CAUSES for v in value):
        raise _bad(source, "expect.waits",
                   f"must be a list of {' and '.join(_WAIT_CAUSES)}, not {value!r}")
    return tuple(value)


def _dispute(table: Mapping[str, object], source: str) -> Mapping[str, object]:
    _known(table, DISPUTE_KEYS, "expect.dispute", source)
    checked: dict[str, object] = {}
    for key, value in table.items():
        if key == "files":
            checked[key] = list(_strings(value, "expect.dispute.files", source))
        elif not isinstance(value, str):
            raise _bad(source, f"expect.dispute.{key}", f"must be a string, not {value!r}")
        else:
            checked[key] = value
    return checked


def _expect(table: Mapping[str, object], source: str) -> Expectation:
    _known(table, EXPECT_KEYS, "expect", source)
    if "status" not in table:
        raise _bad(source, "expect.status", "is missing", f"one of {', '.join(STATUSES)}")

    def opt(key: str, parse: Callable[[object, str, str], Any]) -> Any:
        return parse(table[key], f"expect.{key}", source) if key in table else None

    return Expectation(
        status=_status(table["status"], source),
        attempts=opt("attempts", _count),
        disputes=opt("disputes", _whole),
        submissions=opt("submissions", _whole),
        screenshots_min=opt("screenshots_min", _whole),
        files=opt("files", _strings) or (),
        message_contains=opt("message_contains", _strings) or (),
        waits=_waits(table["waits"], source) if "waits" in table else None,
        dispute=_dispute(_table(table, "dispute", source), source),
    )


def _with_generated(
    request: Mapping[str, object], names: set[str], folder: Path
) -> dict[str, object]:
    """The request with evidence entries that name a ``[[files]]`` entry pointing into *folder*."""
    data = dict(request)
    evidence = data.get("evidence")
    if isinstance(evidence, list):
        data["evidence"] = [
            str(folder / item) if isinstance(item, str) and item in names else item
            for item in evidence
        ]
    return data


def _check_request(request: Mapping[str, object], path: Path, rules: EvidenceRules) -> None:
    """Refuse a request whose keys or types are wrong; a pre-flight refusal is the scenario's."""
    source = str(path)
    try:
        request_from_mapping(request, base_dir=path.parent, rules=rules, source=source)
    except InvalidConfig as err:
        key = f"request.{err.key}" if err.key else "request"
        raise _bad(source, key, f"is wrong: {err.what}", err.hint or _HINT) from None
    except InvalidRequest:
        return  # judged when the scenario runs: it may expect status "invalid"


def load_scenario(path: str | os.PathLike[str], *, profile: SiteProfile | None = None) -> Scenario:
    """Read and check one scenario file; `InvalidConfig` names the file and the dotted key."""
    file = Path(path)
    source = str(file)
    data = _read_toml(file)
    _known(data, SCENARIO_KEYS, "", source)
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _bad(source, "description", "must be a non-empty string: what the scenario checks")
    files = _files(data.get("files"), source)
    request = _table(data, "request", source, required=True)
    rules = (profile or load_profile("mock")).evidence
    _check_request(_with_generated(request, {f.name for f in files}, file.parent), file, rules)
    return Scenario(
        path=file,
        name=file.stem,
        description=" ".join(description.split()),
        faults=MappingProxyType(_faults(_table(data, "faults", source), source)),
        request=MappingProxyType(request),
        policy=_policy(_table(data, "policy", source), source),
        timeouts=MappingProxyType(_timeouts(_table(data, "timeouts", source), source)),
        files=files,
        expect=_expect(_table(data, "expect", source, required=True), source),
    )


def _expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        found.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    return found


def load_scenarios(paths: Iterable[str | os.PathLike[str]]) -> list[Scenario]:
    """Load every scenario (a folder stands for its ``*.toml``), before any of them runs."""
    profile = load_profile("mock")
    files = _expand(paths)
    if not files:
        raise InvalidConfig("no scenario files given",
                            hint="pass scenarios/*.toml or a folder of them")
    return [load_scenario(path, profile=profile) for path in files]


# --- checking -----------------------------------------------------------------------------------


def _check_dispute(expected: Mapping[str, object], got: Mapping[str, object] | None) -> list[str]:
    if not expected:
        return []
    if got is None:
        return ["dispute: no dispute was created for the order"]
    problems = []
    for key, want in expected.items():
        have = got.get(key)
        if (have if key == "files" else str(have)) != want:
            problems.append(f"dispute.{key}: expected {want!r}, got {have!r}")
    return problems


def check(expect: Expectation, got: Observed) -> tuple[str, ...]:
    """Each way *got* misses *expect*, in words; empty when it met every expectation."""
    problems: list[str] = []
    if got.status != expect.status:
        problems.append(f"status: expected {expect.status}, got {got.status}")
    if expect.attempts is not None and not expect.attempts.matches(got.attempts):
        problems.append(f"attempts: expected {expect.attempts}, got {got.attempts}")
    for key in ("disputes", "submissions"):
        want, have = getattr(expect, key), getattr(got, key)
        if want is not None and want != have:
            problems.append(f"{key}: expected {want}, got {have}")
    if expect.screenshots_min is not None and got.screenshots < expect.screenshots_min:
        problems.append(
            f"screenshots: expected at least {expect.screenshots_min}, got {got.screenshots}"
        )
    problems += [f"files: {name} is missing from the run folder"
                 for name in expect.files if name not in got.files]
    problems += [f"message: {text!r} not in {got.message!r}"
                 for text in expect.message_contains if text not in got.message]
    if expect.waits is not None and tuple(expect.waits) != got.waits:
        problems.append(f"waits: expected {list(expect.waits)}, got {list(got.waits)}")
    problems += _check_dispute(expect.dispute, got.dispute)
    return tuple(problems)


# --- running ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Rig:
    """What every scenario of a catalogue shares: the storefront, the browser, the profile."""

    server: StorefrontServer
    browser: Browser
    profile: SiteProfile
    out_dir: Path


def _run_files(run_dir: Path | None) -> tuple[str, ...]:
    if run_dir is None or not run_dir.is_dir():
        return ()
    files = (p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    return tuple(sorted(files))


def _waits_of(run_dir: Path | None) -> tuple[str, ...]:
    if run_dir is None:
        return ()
    try:
        result = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    timeline = result.get("timeline", [])
    return tuple(str(e.get("wait_cause")) for e in timeline if e.get("kind") == "wait")


def _store_facts(server: StorefrontServer, order_id: str) -> dict[str, Any]:
    """What the storefront recorded: the order's disputes, its last new one, every submission."""
    from mock_site.seed import SEEDED_DISPUTE_ID

    disputes = [d for d in server.disputes() if str(d.get("order_id")) == order_id]
    created = [d for d in disputes if d.get("dispute_id") != SEEDED_DISPUTE_ID]
    return {
        "disputes": len(disputes),
        "dispute": created[-1] if created else None,
        "submissions": len(server.submissions()),
    }


async def _outcome(scenario: Scenario, prepared: PreparedRequest, rig: _Rig, area: Path) -> Outcome:
    from agent.api import Session, open_dispute_async
    from agent.journal import Journal
    from agent.pages import Credentials

    with tempfile.TemporaryDirectory(prefix="retry-dispute-scenario-") as tmp, \
            Journal(Path(tmp) / "journal.sqlite3") as journal:
        return await open_dispute_async(
            prepared,
            site=rig.server.url,
            profile=scenario.profile_for(rig.profile),
            policy=scenario.policy,
            session=Session(credentials=Credentials("demo", "demo")),
            out_dir=area,
            journal=journal,
            browser=rig.browser,
        )


async def _observe(scenario: Scenario, rig: _Rig, area: Path) -> Observed:
    """Run the scenario's request once; a pre-flight refusal is status invalid, no attempt."""
    scenario.write_files(area / "files")
    profile = scenario.profile_for(rig.profile)
    try:
        prepared = scenario.prepare(area / "files", profile.evidence)
    except InvalidConfig:
        raise
    except InvalidRequest as err:
        log.info("agent.scenario_refused", scenario=scenario.name, error=str(err))
        return Observed(status="invalid", message=str(err))
    try:
        outcome = await _outcome(scenario, prepared, rig, area)
    except Exception as exc:  # one scenario's crash must not stop the catalogue: it is its result
        log.exception("agent.scenario_crashed", scenario=scenario.name)
        return Observed(status="error", message=f"runner: {type(exc).__name__}: {exc}")
    return Observed(
        status=outcome.status, attempts=outcome.attempts, screenshots=len(outcome.screenshots),
        message=outcome.message, run_dir=outcome.run_dir, files=_run_files(outcome.run_dir),
        waits=_waits_of(outcome.run_dir),
    )


def _record(result: ScenarioResult, area: Path) -> None:
    """Write ``scenario.json`` beside the run folder: what was expected, got, and missed."""
    got = result.observed
    data = {
        "scenario": str(result.scenario.path),
        "description": result.scenario.description,
        "faults": dict(result.scenario.faults),
        "expect": dataclasses.asdict(result.scenario.expect),
        "observed": {**dataclasses.asdict(got), "run_dir": got.run_dir and str(got.run_dir)},
        "problems": list(result.problems),
        "ok": result.ok,
    }
    (area / "scenario.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )


async def run_scenario(scenario: Scenario, rig: _Rig, area: Path) -> ScenarioResult:
    """Reset the store, set the scenario's faults, run it and check what happened."""
    area.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rig.server.reset()
    rig.server.set_faults(dict(scenario.faults))
    got = await _observe(scenario, rig, area)
    facts = _store_facts(rig.server, scenario.order_id)
    got = dataclasses.replace(got, seconds=round(time.monotonic() - started, 2), **facts)
    result = ScenarioResult(scenario=scenario, observed=got, problems=check(scenario.expect, got))
    _record(result, area)
    return result


def _areas(scenarios: Sequence[Scenario], out_dir: Path) -> list[Path]:
    """One folder per scenario, named after its file (numbered when two files share a name)."""
    areas: list[Path] = []
    for scenario in scenarios:
        name, n = scenario.name, 1
        while out_dir / name in areas:
            n += 1
            name = f"{scenario.name}-{n}"
        areas.append(out_dir / name)
    return areas


async def run_catalogue(
    scenarios: Sequence[Scenario],
    *,
    out_dir: Path,
    browser_path: str | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Run *scenarios* in order against one bundled storefront and one browser."""
    from playwright.async_api import async_playwright

    from agent.browser import BrowserTarget, connect, find_browser
    from mock_site.testing import StorefrontServer

    # without a path, connect() resolves the browser (find_browser would start a sync Playwright)
    target = BrowserTarget(executable=find_browser(browser_path) if browser_path else None)
    results: list[ScenarioResult] = []
    with StorefrontServer() as server:
        async with async_playwright() as playwright:
            browser = await connect(playwright, target)
            try:
                rig = _Rig(server=server, browser=browser, profile=load_profile("mock"),
                           out_dir=out_dir)
                for scenario, area in zip(scenarios, _areas(scenarios, out_dir), strict=True):
                    result = await run_scenario(scenario, rig, area)
                    results.append(result)
                    if on_result is not None:
                        on_result(result)
            finally:
                await browser.close()
    return results


# --- the table and the command ------------------------------------------------------------------

_COLUMNS = ("scenario", "expected", "got", "attempts", "disputes", "seconds", "result")


def _row(result: ScenarioResult) -> tuple[str, ...]:
    got = result.observed
    return (
        result.scenario.name, result.scenario.expect.status, got.status, str(got.attempts),
        str(got.disputes), f"{got.seconds:.1f}", "ok" if result.ok else "MISMATCH",
    )


def format_table(results: Sequence[ScenarioResult]) -> str:
    """The plain-text table: one row per scenario, then each mismatch's reasons."""
    rows = [_COLUMNS, *(_row(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    right = {"attempts", "disputes", "seconds"}

    def line(row: Sequence[str]) -> str:
        cells = [cell.rjust(w) if name in right else cell.ljust(w)
                 for cell, w, name in zip(row, widths, _COLUMNS, strict=True)]
        return "  ".join(cells).rstrip()

    out = [line(rows[0]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in rows[1:]]
    for result in results:
        if not result.ok:
            out += ["", f"{result.scenario.name} ({result.scenario.path}):"]
            out += [f"  - {problem}" for problem in result.problems]
            where = result.observed.run_dir or "no run folder (refused before the browser)"
            out.append(f"  run folder: {where}")
    return "\n".join(out)


def _summary(results: Sequence[ScenarioResult], seconds: float, out_dir: Path) -> str:
    failed = sum(not r.ok for r in results)
    verdict = "all met their expectation" if not failed else f"{failed} MISMATCH"
    return (f"{len(results)} scenarios, {verdict}; {seconds:.1f} s in all; "
            f"run folders in {out_dir}/")


def _progress(stream: TextIO, total: int) -> Callable[[ScenarioResult], None]:
    done = [0]

    def show(result: ScenarioResult) -> None:
        done[0] += 1
        got = result.observed
        mark = "ok" if result.ok else "MISMATCH"
        print(f"[{done[0]}/{total}] {result.scenario.name}: {got.status} "
              f"(expected {result.scenario.expect.status}), {got.attempts} attempts, "
              f"{got.seconds:.1f} s: {mark}", file=stream, flush=True)

    return show


@contextmanager
def _console_quiet() -> Iterator[None]:
    """Keep the agent's console log off the terminal (each run's log.jsonl keeps every event)."""
    saved = structlog.get_config()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging(stream=sink)
        try:
            yield
        finally:
            structlog.configure(**saved)


def command_scenario(args: argparse.Namespace) -> int:
    """``retry-dispute scenario PATH…``: run them, print the table; 0 iff all met theirs."""
    scenarios = load_scenarios(args.paths)
    # absolute: generated evidence files are named from here, requests resolve against their file
    out_dir = Path(args.out).resolve() / datetime.now().strftime("%Y%m%d-%H%M%S")
    while out_dir.exists():
        out_dir = out_dir.with_name(out_dir.name + "-1")
    started = time.monotonic()
    with _console_quiet():
        results = asyncio.run(run_catalogue(
            scenarios, out_dir=out_dir, browser_path=getattr(args, "browser_path", None),
            on_result=_progress(sys.stderr, len(scenarios)),
        ))
    table = format_table(results)
    summary = _summary(results, time.monotonic() - started, out_dir)
    (out_dir / "table.txt").write_text(f"{table}\n\n{summary}\n", encoding="utf-8")
    print(table)
    print()
    print(summary)
    return 0 if all(r.ok for r in results) else 1
