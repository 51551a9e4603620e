"""Reading scenario files: every key checked, named in one line when wrong."""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from agent import RetryPolicy
from agent.errors import InvalidConfig, InvalidRequest
from agent.request import request_from_mapping
from agent.site.profile import SiteProfile, load_profile
from mock_site.faults import FaultPlan, parse_fault_plan
from mock_site.scenarios.follow import FOLLOW_STATES, FOLLOW_STATUSES, parse_follow_plan
from mock_site.scenarios.model import (
    CHAT_ENDS,
    CONTENTS,
    COUNT_KEYS,
    DISPUTE_KEYS,
    EXPECT_KEYS,
    FILE_KEYS,
    MAX_FILE_BYTES,
    POLICY_KEYS,
    PROFILE_KEYS,
    SCENARIO_KEYS,
    STATUSES,
    STOREFRONTS,
    SUPPORT_KEYS,
    TIMEOUT_KEYS,
    WAIT_CAUSES,
    Count,
    Expectation,
    GeneratedFile,
    Scenario,
    with_generated,
)
from mock_site.skins import check_skin

# --- loading ------------------------------------------------------------------------------------


_HINT = "see docs/scenarios.md for the scenario format"


def _bad(source: str, key: str, what: str, hint: str = _HINT) -> InvalidConfig:
    return InvalidConfig(f'"{key}" {what}', key=key, source=source, hint=hint)


def _dotted(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _known(table: Mapping[str, object], allowed: Sequence[str], prefix: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f'did you mean "{_dotted(prefix, close[0])}"? ' if close else ""
            raise _bad(
                source,
                _dotted(prefix, str(key)),
                "is not a known key",
                hint + f"the keys here are: {', '.join(allowed)}",
            )


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
        raise InvalidConfig(
            f"cannot be read ({exc.strerror or exc})", source=source, hint="check its permissions"
        ) from None
    except UnicodeDecodeError:
        raise InvalidConfig("is not UTF-8 text", source=source, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(
            f"is not valid TOML ({exc})",
            source=source,
            hint="fix the syntax: one key = value per line, strings in quotes",
        ) from None


def _storefronts(value: object, source: str) -> tuple[str, ...]:
    """``storefront``: one name or a list of them; absent: every bundled storefront."""
    if value is None:
        return STOREFRONTS
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _bad(
            source,
            "storefront",
            "must be a storefront's name or a list of them",
            f"the storefronts are: {', '.join(STOREFRONTS)} (leave it out for all)",
        )
    for name in names:
        if name not in STOREFRONTS:
            raise _bad(
                source,
                "storefront",
                f"{name!r} is no bundled storefront",
                f"the storefronts are: {', '.join(STOREFRONTS)}",
            )
    return tuple(n for n in STOREFRONTS if n in names)


def _faults(
    table: Mapping[str, object], source: str, storefronts: Sequence[str]
) -> dict[str, object]:
    """Check the fault plan as each of the scenario's storefronts will, one key at a time to
    name the bad one."""

    _known(table, tuple(f.name for f in dataclasses.fields(FaultPlan)), "faults", source)
    hint = (
        "see docs/storefront.md, 'Fault plan', or run the scenario only on the storefronts "
        'it fits (storefront = "mock")'
    )
    for skin in storefronts:
        try:
            parse_fault_plan(table, skin=check_skin(skin))
        except ValueError as exc:
            whole = exc
        else:
            continue
        for key, value in table.items():  # name the key when it is wrong on its own
            try:
                parse_fault_plan({key: value}, skin=check_skin(skin))
            except ValueError as exc:
                raise _bad(
                    source, f"faults.{key}", f"is refused by the {skin} storefront: {exc}", hint
                ) from None
        raise _bad(source, "faults", f"is refused by the {skin} storefront: {whole}", hint)
    return dict(table)


def _policy(table: Mapping[str, object], source: str) -> RetryPolicy:
    _known(table, POLICY_KEYS, "policy", source)
    values: dict[str, Any] = dict(table)
    try:
        return RetryPolicy(**values)
    except InvalidConfig as err:
        key = f"policy.{err.key}" if err.key else "policy"
        raise _bad(source, key, f"is wrong: {err.what}", err.hint or _HINT) from None


def _timeouts(table: Mapping[str, object], source: str) -> dict[str, float]:
    _known(table, TIMEOUT_KEYS, "timeouts", source)
    for key, value in table.items():
        if not _is_number(value) or value <= 0:  # type: ignore[operator]  # a number
            raise _bad(
                source, f"timeouts.{key}", f"must be a number of seconds above 0, not {value!r}"
            )
    return {key: float(value) for key, value in table.items()}  # type: ignore[arg-type]


def _one_file(raw: object, index: int, source: str, seen: set[str]) -> GeneratedFile:
    where = f"files[{index}]"
    if not isinstance(raw, dict):
        raise _bad(source, where, "must be a table ([[files]])")
    _known(raw, FILE_KEYS, where, source)
    name = raw.get("name")
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name:
        raise _bad(source, f"{where}.name", f"must be a plain file name, not {name!r}")
    if name in seen:
        raise _bad(source, f"{where}.name", f"repeats {name!r}", "give each file its own name")
    seen.add(name)
    content = raw.get("content")
    if content not in CONTENTS:
        raise _bad(
            source, f"{where}.content", f"must be one of {', '.join(CONTENTS)}, not {content!r}"
        )
    smallest = 1 if content == "text" else len(CONTENTS[str(content)])
    size = raw.get("size", len(CONTENTS[str(content)]))
    whole = isinstance(size, int) and not isinstance(size, bool)
    if not whole or not smallest <= size <= MAX_FILE_BYTES:
        raise _bad(
            source,
            f"{where}.size",
            f"must be a whole number of bytes from {smallest} to {MAX_FILE_BYTES}, not {size!r}",
        )
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
    _known(value, COUNT_KEYS, key, source)
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
    if not isinstance(value, list) or any(v not in WAIT_CAUSES for v in value):
        raise _bad(
            source, "expect.waits", f"must be a list of {' and '.join(WAIT_CAUSES)}, not {value!r}"
        )
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


def _support(data: Mapping[str, object], source: str) -> dict[str, Any] | None:
    """``[support]``: the chat after the run, with overrides of the profile's [support_chat]."""
    if "support" not in data:
        return None
    table = _table(data, "support", source)
    _known(table, SUPPORT_KEYS, "support", source)
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if key == "idle_counts":
            if value not in ("turn", "always"):
                raise _bad(source, "support.idle_counts", f"must be turn or always, not {value!r}")
            checked[key] = value
        elif not _is_number(value) or value <= 0:
            raise _bad(
                source, f"support.{key}", f"must be a number of seconds above 0, not {value!r}"
            )
        else:
            checked[key] = float(value)
    idle, margin = checked.get("idle_s", 180.0), checked.get("hold_margin_s", 30.0)
    if margin >= idle:
        raise _bad(source, "support.hold_margin_s", f"({margin:g}) must be below idle_s ({idle:g})")
    return checked


def _chat_end(value: object, source: str) -> str:
    if value not in CHAT_ENDS:
        raise _bad(source, "expect.chat", f"must be one of {', '.join(CHAT_ENDS)}, not {value!r}")
    return str(value)


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
        chat=_chat_end(table["chat"], source) if "chat" in table else None,
        chat_attachments=opt("chat_attachments", _count),
        chat_holding=opt("chat_holding", _count),
        follow=_one_of(table, "follow", FOLLOW_STATUSES, source),
        follow_state=_one_of(table, "follow_state", FOLLOW_STATES, source),
        responses=opt("responses", _whole),
        follow_attempts=opt("follow_attempts", _count),
        drift=_drift(table["drift"], source) if "drift" in table else None,
    )


def _one_of(
    table: Mapping[str, object], key: str, choices: Sequence[str], source: str
) -> str | None:
    if key not in table:
        return None
    if table[key] not in choices:
        raise _bad(source, f"expect.{key}", f"must be one of {', '.join(choices)}")
    return str(table[key])


def _drift(value: object, source: str) -> bool | tuple[str, ...]:
    """``expect.drift``: true (some drift), false (none), or the elements that must be in it."""
    if isinstance(value, bool):
        return value
    return _strings(value, "expect.drift", source)


def _pin(data: Mapping[str, object], source: str) -> bool:
    """``[profile] pin``: whether the profile's pin cookies are set (default true)."""
    table = _table(data, "profile", source)
    _known(table, PROFILE_KEYS, "profile", source)
    value = table.get("pin", True)
    if not isinstance(value, bool):
        raise _bad(source, "profile.pin", f"must be true or false, not {value!r}")
    return value


def _check_request(request: Mapping[str, object], path: Path, profile: SiteProfile) -> None:
    """Refuse a request whose keys or types are wrong; a pre-flight refusal is the scenario's."""
    source = str(path)
    try:
        request_from_mapping(
            request,
            base_dir=path.parent,
            rules=profile.evidence,
            source=source,
            reasons=profile.reasons,
            message_limits=profile.message_limits,
        )
    except InvalidConfig as err:
        key = f"request.{err.key}" if err.key else "request"
        raise _bad(source, key, f"is wrong: {err.what}", err.hint or _HINT) from None
    except InvalidRequest:
        return  # judged when the scenario runs: it may expect status "invalid"


def load_scenario(
    path: str | os.PathLike[str],
    *,
    profile: SiteProfile | None = None,
    profiles: Mapping[str, SiteProfile] | None = None,
) -> Scenario:
    """Read and check one scenario file; `InvalidConfig` names the file and the dotted key.

    Its request is checked against *profile*, else the storefront's profile in *profiles*
    (``--profile SKIN=FILE``), else the storefront's bundled profile."""
    file = Path(path)
    source = str(file)
    data = _read_toml(file)
    _known(data, SCENARIO_KEYS, "", source)
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _bad(source, "description", "must be a non-empty string: what the scenario checks")
    files = _files(data.get("files"), source)
    request = _table(data, "request", source, required=True)
    storefronts = _storefronts(data.get("storefront"), source)
    for storefront in storefronts:
        _check_request(
            with_generated(request, {f.name for f in files}, file.parent),
            file,
            profile or (profiles or {}).get(storefront) or load_profile(storefront),
        )
    support = _support(data, source)
    expect = _expect(_table(data, "expect", source, required=True), source)
    follow = parse_follow_plan(data, source)
    follow_keys = [k for k in ("follow", "follow_state", "responses") if k in data["expect"]]
    if follow_keys and follow is None:
        raise _bad(
            source,
            f"expect.{follow_keys[0]}",
            "needs a [follow] table",
            "add [follow] (it follows the request after the run) or drop the expectation",
        )
    chat_keys = [k for k in ("chat", "chat_attachments", "chat_holding") if k in data["expect"]]
    if chat_keys and support is None:
        raise _bad(
            source,
            f"expect.{chat_keys[0]}",
            "needs a [support] table",
            "add [support] (the chat runs after the run) or drop the chat expectation",
        )
    return Scenario(
        path=file,
        name=file.stem,
        description=" ".join(description.split()),
        storefronts=storefronts,
        storefront=storefronts[0],
        faults=MappingProxyType(_faults(_table(data, "faults", source), source, storefronts)),
        request=MappingProxyType(request),
        policy=_policy(_table(data, "policy", source), source),
        timeouts=MappingProxyType(_timeouts(_table(data, "timeouts", source), source)),
        files=files,
        expect=expect,
        support=MappingProxyType(support) if support is not None else None,
        follow=follow,
        pin=_pin(data, source),
    )


def _expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        found.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    return found


def on_each_storefront(scenario: Scenario) -> list[Scenario]:
    """One copy of the scenario per storefront it runs on: ``NAME``, ``NAME@aliexpress``."""
    return [
        dataclasses.replace(
            scenario,
            storefront=storefront,
            name=scenario.name if storefront == "mock" else f"{scenario.name}@{storefront}",
        )
        for storefront in scenario.storefronts
    ]


def load_scenarios(
    paths: Iterable[str | os.PathLike[str]],
    *,
    faults: Mapping[str, object] | None = None,
    profiles: Mapping[str, SiteProfile] | None = None,
    storefronts: Sequence[str] = (),
) -> list[Scenario]:
    """Load every scenario (a folder stands for its ``*.toml``), before any of them runs; one
    copy per storefront it runs on (only those of *storefronts* when given). *faults*
    (``--fault KEY=VALUE``) are added to every scenario's fault plan, checked as its storefronts
    will; *profiles* (``--profile SKIN=FILE``) replace a storefront's bundled profile."""
    files = _expand(paths)
    if not files:
        raise InvalidConfig(
            "no scenario files given", hint="pass scenarios/*.toml or a folder of them"
        )
    for name in storefronts:
        if name not in STOREFRONTS:
            raise InvalidConfig(
                f"--storefront {name}: no such storefront",
                hint=f"the storefronts are: {', '.join(STOREFRONTS)}",
            )
    scenarios = [load_scenario(path, profiles=profiles) for path in files]
    if storefronts:  # only the copies on those storefronts: the faults are checked for them
        scenarios = [
            dataclasses.replace(s, storefronts=kept, storefront=kept[0])
            for s in scenarios
            if (kept := tuple(x for x in s.storefronts if x in storefronts))
        ]
    if faults:
        scenarios = [_with_faults(s, faults) for s in scenarios]
    return [copy for scenario in scenarios for copy in on_each_storefront(scenario)]


def _with_faults(scenario: Scenario, faults: Mapping[str, object]) -> Scenario:
    """*scenario* with ``--fault`` keys added to its plan. A new release's class names
    (``class_drift``) are drift by design: a scenario that expects none then expects some, since
    the run must say which elements it found another way."""
    plan = _faults(
        {**scenario.faults, **faults}, f"{scenario.path} with --fault", scenario.storefronts
    )
    expect = scenario.expect
    if plan.get("class_drift") and expect.drift is False:
        expect = dataclasses.replace(expect, drift=True)
    return dataclasses.replace(scenario, faults=MappingProxyType(plan), expect=expect)
