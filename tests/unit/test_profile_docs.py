"""docs/profile-format.md: generated from the loader's schema, and listing every key it accepts."""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from agent.errors import InvalidConfig
from agent.request import EvidenceRules
from agent.site.chat_profile import ChatProfile, ChatSelectors
from agent.site.profile import parse_profile
from agent.site.profile_docs import render
from agent.site.profile_model import Timeouts
from agent.site.profile_schema import TABLES, keys

ROOT = Path(__file__).resolve().parents[2]
PROBE = "zz_probe"
#: The profiles bundled and those of the test stores: every key they use is documented.
PROFILES = [
    *(resources.files("agent") / "profiles").iterdir(),
    ROOT / "tests/e2e/tinyshop/tinyshop.toml",
    ROOT / "tests/e2e/appshop/appshop.toml",
    ROOT / "tests/e2e/postshop/postshop.toml",
]


def _mock() -> dict[str, Any]:
    text = (resources.files("agent") / "profiles" / "mock.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _table_at(data: dict[str, Any], path: str) -> dict[str, Any]:
    """The table of *data* a schema path names (an element of a list for an array of tables)."""
    if path == "":
        return data
    if path == "elements.*":
        data["elements"]["probed"] = {"selector": "#probed"}
        return data["elements"]["probed"]  # type: ignore[no-any-return]
    if path == "steps":
        return data["open"]["steps"][0]  # type: ignore[no-any-return]
    if path == "answer.json.*":
        return data["answer"]["json"]["opened"]  # type: ignore[no-any-return]
    if path == "check.harmless":
        harmless = data.setdefault("check", {}).setdefault("harmless", [{"url": "**/beacon"}])
        return harmless[0]  # type: ignore[no-any-return]
    if path == "pin.cookies":
        cookies = data.setdefault("pin", {}).setdefault("cookies", [{"name": "a", "value": "b"}])
        return cookies[0]  # type: ignore[no-any-return]
    table: Any = data
    for part in path.split("."):
        table = table.setdefault(part, {})
        if isinstance(table, list):
            table = table[0]
    return table  # type: ignore[no-any-return]


def _checked_tables() -> list[str]:
    """The schema's tables whose loader names its keys when it refuses an unknown one."""
    own = {"elements", "support_chat", "support_chat.selectors", "support_chat.asks"}
    return [t.path for t in TABLES if t.path not in own]


def test_the_reference_is_generated_from_the_schema() -> None:
    """docs/profile-format.md is exactly what the generator writes from the loader's schema
    (regenerate: python -m agent.site.profile_docs > docs/profile-format.md)."""
    assert (ROOT / "docs" / "profile-format.md").read_text(encoding="utf-8") == render()


def test_the_readme_links_the_reference() -> None:
    """A new user finds every key from the README."""
    assert "docs/profile-format.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", _checked_tables())
def test_every_key_the_loader_accepts_is_documented(path: str) -> None:
    """An unknown key is refused listing the keys the loader accepts there: exactly the
    documented ones (so a key added to the loader without its documentation fails here)."""
    data = copy.deepcopy(_mock())
    _table_at(data, path)[PROBE] = 1
    with pytest.raises(InvalidConfig) as refused:
        parse_profile(data, source="probe.toml")
    listed = re.search(r"\(the keys are: ([^)]*)\)", str(refused.value))
    assert listed is not None, str(refused.value)
    accepted = set(listed.group(1).split(", "))
    if path == "answer.json.*":  # a test, or {all = [tests]}
        accepted.add("all")
    assert accepted == set(keys(path)), path
    assert PROBE in str(refused.value)


def test_the_keys_read_into_records_are_documented() -> None:
    """The tables read field by field into records ([evidence], [timeouts], the chat's) hold
    exactly the documented keys; the chat refuses one it does not know."""
    assert set(keys("evidence")) == {f.name for f in fields(EvidenceRules)}
    assert set(keys("timeouts")) == {f.name for f in fields(Timeouts)}
    assert set(keys("support_chat")) == {f.name for f in fields(ChatProfile)}
    assert set(keys("support_chat.selectors")) == {f.name for f in fields(ChatSelectors)}
    for path in ("support_chat", "support_chat.selectors", "support_chat.asks"):
        data = copy.deepcopy(_mock())
        _table_at(data, path)[PROBE] = 1
        with pytest.raises(InvalidConfig, match="is not a known key"):
            parse_profile(data, source="probe.toml")


#: Tables written again inside others: ``[follow.respond]`` holds a form, steps and an answer
#: written as the dispute's, documented there.
_ALIASES = {
    "follow.respond.form": "form",
    "follow.respond.submit": "submit",
    "follow.respond.retry": "retry",
    "follow.respond.answer": "answer",
    "answer.body": "answer.json.*",  # a test, as the JSON rules write them
}
#: Inline tables documented in their key's row (``deadline = {element, pattern}``).
_INLINE = ("options", "when", "deadline", "proposal", "requested")


def _used(data: dict[str, Any], path: str, out: set[tuple[str, str]]) -> None:
    """Every (table path, key) a profile's data uses."""
    for key, value in data.items():
        out.add((path, key))
        inner = f"{path}.{key}" if path else key
        inner = _ALIASES.get(inner, inner)
        if path == "elements":
            if isinstance(value, dict):
                _used(value, "elements.*", out)
            continue
        if inner.endswith((".steps", ".open_steps")) or inner == "steps":
            for step in value:
                _used(step, "steps", out)
        elif inner == "answer.json":
            for kind, test in value.items():
                out.add(("answer.json", kind))
                for one in test if isinstance(test, list) else [test]:
                    if isinstance(one, dict):
                        _used(one, "answer.json.*", out)
        elif key in _INLINE:  # value maps and inline tables: documented in their key's row
            continue
        elif isinstance(value, dict):
            _used(value, inner, out)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                _used(item, inner, out)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: Path(str(p)).stem)
def test_every_key_of_the_bundled_and_test_profiles_is_documented(profile: Path) -> None:
    """Each key the bundled and test-store profiles use is in the reference, in its table."""
    data = tomllib.loads(Path(str(profile)).read_text(encoding="utf-8"))
    used: set[tuple[str, str]] = set()
    _used(data, "", used)
    documented = {(t.path, k) for t in TABLES for k, _ in t.keys}
    missing = sorted(
        (path, key)
        for path, key in used
        if path != "elements"
        and not (path == "answer.json.*" and key == "all")
        and (path, key) not in documented
    )
    assert not missing
