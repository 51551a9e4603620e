"""Regular expressions from profiles, in linear time and on bounded text.

A profile is data a person wrote or copied, so its patterns are untrusted: a pattern that
backtracks catastrophically (``(a+)+$``) must not hang a run. Every pattern is compiled with
RE2 (google-re2), whose matching time is linear in the text, and is only ever run on the first
`MAX_TEXT` characters of a text. RE2 refuses what it cannot run in linear time (backreferences,
look-arounds): such a pattern is refused when the profile loads.
"""

from __future__ import annotations

from dataclasses import dataclass

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints: wrapped here

__all__ = ["MAX_TEXT", "BoundedPattern", "PatternError", "compile_pattern"]

#: Characters of a text a pattern is run on (a page's visible text can be long: the start counts).
MAX_TEXT = 100_000
#: Memory RE2 may use for one compiled pattern (bytes): a huge repetition is refused at load.
_MAX_MEM = 8 * 1024 * 1024


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why, on one line."""


@dataclass(frozen=True, slots=True)
class Found:
    """One match: the whole text matched and the named groups."""

    text: str
    groups: dict[str, str | None]

    def group(self, name: str) -> str | None:
        """The text of a named group, or None when it did not take part."""
        return self.groups.get(name)


class BoundedPattern:
    """A compiled pattern that searches at most `MAX_TEXT` characters, in linear time."""

    __slots__ = ("_regexp", "ignore_case", "pattern")

    def __init__(self, pattern: str, regexp: object, *, ignore_case: bool = False) -> None:
        self.pattern = pattern
        self.ignore_case = ignore_case
        self._regexp = regexp

    def __eq__(self, other: object) -> bool:
        """Two patterns are equal when written and compiled alike (profiles compare equal)."""
        if not isinstance(other, BoundedPattern):
            return NotImplemented
        return (self.pattern, self.ignore_case) == (other.pattern, other.ignore_case)

    def __hash__(self) -> int:
        return hash((self.pattern, self.ignore_case))

    @property
    def group_names(self) -> frozenset[str]:
        """The names of the pattern's named groups."""
        return frozenset(self._regexp.groupindex)  # type: ignore[attr-defined]  # re2 object

    def search(self, text: str) -> Found | None:
        """The first match in the first `MAX_TEXT` characters of *text*, or None."""
        match = self._regexp.search(text[:MAX_TEXT])  # type: ignore[attr-defined]  # re2
        if match is None:
            return None
        return Found(text=match.group(0), groups=dict(match.groupdict()))

    def __repr__(self) -> str:
        return f"BoundedPattern({self.pattern!r})"


def compile_pattern(pattern: str, *, ignore_case: bool = False) -> BoundedPattern:
    """Compile *pattern* with RE2; `PatternError` (one line) when RE2 refuses it."""
    options = re2.Options()
    options.log_errors = False  # the refusal is ours to report, on one line
    options.max_mem = _MAX_MEM
    if ignore_case:
        options.case_sensitive = False
    try:
        regexp = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(" ".join(str(reason).split())) from None
    return BoundedPattern(pattern, regexp, ignore_case=ignore_case)
