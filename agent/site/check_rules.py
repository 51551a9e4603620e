"""The profile's optional ``[check]`` table: the requests ``retry-dispute check`` may let through.

``check`` walks a profile up to the filled form and must be unable to submit: it blocks the
profile's answer request and every other request that is not a GET once logged in, except those
a field needs while it is filled (an upload) and those the profile declares harmless here::

    [[check.harmless]]
    method = "POST"              # optional: any method but GET when absent
    url = "**/gw/aplus/track"    # a glob (``**`` any text, ``*`` any text but ``/``), or
    # url_pattern = "..."        # a regular expression (RE2), one of the two

A bad entry is refused at load with one line naming the profile file and the dotted key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.site.answer_rules import glob_pattern
from agent.site.patterns import BoundedPattern, PatternError, compile_pattern
from agent.site.toml_check import Checker

__all__ = ["CheckRules", "HarmlessRequest", "parse_check_rules"]

_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True, slots=True, kw_only=True)
class HarmlessRequest:
    """A request the site sends on its own (a tracker, a beacon) that changes nothing."""

    #: The method, or None for any method but GET.
    method: str | None
    url: BoundedPattern
    #: As the profile wrote it, for messages.
    shown: str

    def matches(self, method: str, url: str) -> bool:
        """Whether a request (method, full URL) is this one."""
        if self.method is not None and method.upper() != self.method:
            return False
        return self.url.search(url) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRules:
    """The whole ``[check]`` table."""

    harmless: tuple[HarmlessRequest, ...] = ()

    def is_harmless(self, method: str, url: str) -> bool:
        """Whether the profile declares this request harmless."""
        return any(rule.matches(method, url) for rule in self.harmless)


def _request(chk: Checker, data: Mapping[str, Any], at: str) -> HarmlessRequest:
    chk.known(data, ("method", "url", "url_pattern"), at)
    method = chk.choice(data, "method", at, _METHODS, default="") or None
    if ("url" in data) == ("url_pattern" in data):
        chk.fail(
            f"{at}.url",
            'give the request\'s URL: url = "**/path" (a glob) or url_pattern = a regular '
            "expression, one of them",
        )
    if "url" in data:
        glob = chk.text(data, "url", at)
        try:
            url = compile_pattern(glob_pattern(glob))
        except PatternError as exc:  # a glob always compiles; said plainly if it ever does not
            chk.fail(f"{at}.url", f"is not a URL glob the agent can run ({exc})")
        return HarmlessRequest(method=method, url=url, shown=glob)
    pattern = chk.pattern(data["url_pattern"], f"{at}.url_pattern")
    return HarmlessRequest(method=method, url=pattern, shown=pattern.pattern)


def parse_check_rules(chk: Checker, data: Mapping[str, Any]) -> CheckRules:
    """The ``[check]`` table (empty when absent)."""
    chk.known(data, ("harmless",), "check")
    items = chk.tables(data, "harmless", "check")
    return CheckRules(
        harmless=tuple(
            _request(chk, item, f"check.harmless[{n}]") for n, item in enumerate(items, 1)
        )
    )
