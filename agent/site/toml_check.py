"""Reading a profile's parsed TOML strictly: every key known, every value of its type.

`Checker` carries the profile's file name, so that every refusal is one line naming the file
and the key (``profile shop.toml: form.fields[2].kind must be one of ...``), exit code 2.
"""

from __future__ import annotations

import math
import string
from collections.abc import Collection, Mapping
from typing import Any, NoReturn

from agent.errors import InvalidConfig
from agent.site.patterns import BoundedPattern, PatternError, compile_pattern

__all__ = ["PROFILE_HINT", "Checker"]

PROFILE_HINT = (
    "fix the profile (README, 'Site profiles'; `retry-dispute check` tries it on the site) "
    "or use --profile mock"
)


class Checker:
    """Typed reads of one profile's TOML, refusing with one line naming the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, what: str) -> NoReturn:
        """Refuse the profile: *key* (dotted, may be empty for the whole file) and what is wrong."""
        where = f"{key} " if key else ""
        raise InvalidConfig(
            f"profile {self.source}: {where}{what}",
            key=key or None,
            hint=PROFILE_HINT,
        )

    def known(self, table: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
        """Refuse a key of *table* not in *allowed*, naming it and the keys that are allowed."""
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            prefix = f"{where}." if where else ""
            self.fail(
                f"{prefix}{unknown[0]}",
                f"is not a key of {'[' + where + ']' if where else 'a profile'} "
                f"(the keys are: {', '.join(sorted(allowed))})",
            )

    def table(
        self, data: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> dict[str, Any]:
        """The sub-table *key* of *data* ({} when absent and not required)."""
        full = f"{where}.{key}" if where else key
        if key not in data:
            if required:
                self.fail(full, "is missing: add the table")
            return {}
        value = data[key]
        if not isinstance(value, dict):
            self.fail(full, "must be a table")
        return value

    def tables(self, data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        """An array of tables (``[[key]]``), [] when absent."""
        full = f"{where}.{key}" if where else key
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(full, "must be an array of tables ([[...]])")
        return value

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        *,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        """A non-empty string (None or *default* when absent and not required)."""
        full = f"{where}.{key}" if where else key
        if key not in data:
            if required:
                self.fail(full, "is missing")
            return default
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(full, "must be a non-empty string")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str:
        """A required non-empty string."""
        value = self.string(data, key, where)
        assert value is not None
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        """A string or a list of non-empty strings, as a tuple ((), when absent)."""
        full = f"{where}.{key}" if where else key
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(full, "must be a string or a list of non-empty strings")
        return tuple(value)

    def flag(self, data: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
        """A boolean."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}" if where else key, "must be true or false")
        return value

    def seconds(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        *,
        default: float,
        allow_zero: bool = False,
    ) -> float:
        """A finite number of seconds, > 0 (or >= 0 with *allow_zero*); nan and inf refused."""
        full = f"{where}.{key}" if where else key
        value = data.get(key, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and not math.isfinite(value):
            self.fail(full, f"must be a finite number of seconds, not {value}")
        if not ok or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            self.fail(full, f"must be a number of seconds {bound}")
        return float(value)

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        choices: tuple[str, ...],
        *,
        default: str | None = None,
    ) -> str:
        """One of *choices* (the default when absent, if any)."""
        full = f"{where}.{key}" if where else key
        if key not in data and default is not None:
            return default
        value = data.get(key)
        if value not in choices:
            self.fail(full, f"must be one of {', '.join(choices)}")
        assert isinstance(value, str)
        return value

    def pattern(
        self, value: object, key: str, *, groups: Collection[str] = (), ignore_case: bool = False
    ) -> BoundedPattern:
        """A regular expression RE2 accepts (linear time), with the named groups required."""
        if not isinstance(value, str) or not value:
            self.fail(key, "must be a regular expression (a non-empty string)")
        try:
            compiled = compile_pattern(value, ignore_case=ignore_case)
        except PatternError as exc:
            self.fail(key, f"is not a regular expression the agent can run in linear time ({exc})")
        for group in groups:
            if group not in compiled.group_names:
                self.fail(key, f"needs a group named {group}: (?P<{group}>...)")
        return compiled

    def placeholders(
        self, value: str, key: str, allowed: Collection[str], *, required: Collection[str] = ()
    ) -> None:
        """Refuse a stray brace or a placeholder not in *allowed*; require those in *required*."""
        try:
            names = [
                name
                for _, name, spec, conv in string.Formatter().parse(value)
                if name is not None and not (spec or conv)
            ]
            specs = [
                name
                for _, name, spec, conv in string.Formatter().parse(value)
                if name is not None and (spec or conv)
            ]
        except ValueError as exc:
            self.fail(key, f"has a stray brace ({exc}): write {{{{ or }}}} for a literal one")
        if specs:
            self.fail(key, f"placeholder {{{specs[0]}}} may not carry a format or conversion")
        for name in names:
            if name not in allowed:
                shown = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
                self.fail(key, f"has an unknown placeholder {{{name}}} (allowed: {shown})")
        for name in required:
            if name not in names:
                self.fail(key, f"must contain {{{name}}}")
