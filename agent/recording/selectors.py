"""Selectors from recordings: written as Playwright selectors, sorted stable first.

A profile element may list alternatives, the preferred first (README, "Alternatives"). What a
recording names an element by is sorted here in the order the profile wants them: roles, labels,
test ids and texts first (they survive a new release of the site's markup), plain CSS and XPath
next, positions (``:nth-child``) after them, and CSS-module hashes (``reverse--form--3Tq9vKd``)
last, each hashed class also given by its stable prefix (``[class*="reverse--form--"]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

__all__ = [
    "RANKS",
    "css_attr",
    "derived_alternatives",
    "hashed_classes",
    "is_hashed_class",
    "label_selector",
    "quoted",
    "rank_of",
    "role_selector",
    "sort_stable",
    "tag_of",
    "test_id_selector",
    "text_selector",
]

#: The kinds of selector, in the order a profile lists them (stable first).
RANKS: tuple[str, ...] = (
    "role",
    "label",
    "testid",
    "text",
    "css",
    "xpath",
    "position",
    "hashed",
)

# module--name--hash (the real site's CSS modules), name__local___hash (css-loader's default),
# css-1x2y3z4 (emotion), sc-AbCdEf (styled-components)
_HASHED = (
    re.compile(r"^(?P<prefix>[A-Za-z][\w-]*?--[A-Za-z][\w]*--)(?P<hash>[A-Za-z0-9_]{5,})$"),
    re.compile(r"^(?P<prefix>[A-Za-z][\w-]*__[\w-]+___)(?P<hash>[A-Za-z0-9_-]{5})$"),
    re.compile(r"^(?P<prefix>css-)(?P<hash>[a-z0-9]{5,})$"),
    re.compile(r"^(?P<prefix>sc-)(?P<hash>[A-Za-z]{5,})$"),
)
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_POSITION = re.compile(r":nth-(?:child|of-type)\(|>>\s*nth=|\[\d+\]")
_TAG = re.compile(r"(?:^|[\s>+~])([a-zA-Z][a-zA-Z0-9-]*)(?=[.#\[:]|$)")


def quoted(text: str) -> str:
    """*text* in double quotes, as Playwright's selector syntax reads a string."""
    return json.dumps(text, ensure_ascii=False)


def css_attr(name: str, value: str) -> str:
    """A CSS attribute selector ``[name="value"]``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'[{name}="{escaped}"]'


def role_selector(role: str, name: str | None = None) -> str:
    """``role=button[name="Submit"s]``: the role, and the accessible name exactly."""
    return f"role={role}" if not name else f"role={role}[name={quoted(name)}s]"


def label_selector(label: str) -> str:
    """The element labelled *label* (what Playwright's ``get_by_label`` builds), exactly."""
    return f"internal:label={quoted(label)}s"


def text_selector(text: str, *, exact: bool = True) -> str:
    """The element whose text is *text* (exact), or holds it (not exact: any case)."""
    return f"text={quoted(text)}" if exact else f"text={text}"


def test_id_selector(value: str, attribute: str = "data-testid") -> str:
    """The element whose test id attribute is *value*."""
    return css_attr(attribute, value)


def is_hashed_class(token: str) -> bool:
    """Whether a class name is a generated hash (it changes with the site's next release)."""
    for pattern in _HASHED:
        found = pattern.match(token)
        if found and re.search(r"\d|[A-Z].*[a-z]|[a-z].*[A-Z]", found["hash"]):
            return True
    return False


def _prefix(token: str) -> str | None:
    for pattern in _HASHED:
        found = pattern.match(token)
        if found and is_hashed_class(token) and not found["prefix"].startswith(("css-", "sc-")):
            return found["prefix"]
    return None


def hashed_classes(selector: str) -> tuple[str, ...]:
    """The hashed class names a CSS selector holds."""
    if selector.startswith(("role=", "text=", "xpath=", "internal:", "//")):
        return ()
    return tuple(c for c in _CLASS.findall(selector) if is_hashed_class(c))


def derived_alternatives(selector: str) -> tuple[str, ...]:
    """For a CSS selector with hashed classes: the same selector by their stable prefixes
    (``div.reverse--form--3Tq9vKd`` -> ``div[class*="reverse--form--"]``); else nothing."""
    hashed = hashed_classes(selector)
    if not hashed:
        return ()
    out = selector
    for token in hashed:
        prefix = _prefix(token)
        if prefix is None:
            return ()
        out = re.sub(rf"\.{re.escape(token)}(?![\w-])", css_attr("class*", prefix), out)
    return (out,)


def rank_of(selector: str) -> str:
    """The kind of a selector (one of `RANKS`)."""
    if selector.startswith(("role=", "internal:role=")):
        return "role"
    if selector.startswith(("internal:label=", "[placeholder=", "[aria-label=")):
        return "label"
    if selector.startswith(("[data-testid=", "data-testid=", "internal:testid=", "[data-test")):
        return "testid"
    if selector.startswith(("text=", "internal:text=")):
        return "text"
    if selector.startswith(("xpath=", "//")):
        return "position" if _POSITION.search(selector) else "xpath"
    if hashed_classes(selector):
        return "hashed"
    if _POSITION.search(selector):
        return "position"
    return "css"


def sort_stable(selectors: Iterable[str]) -> tuple[str, ...]:
    """The selectors without repeats, each hashed one joined by its stable-prefix form, in
    the profile's order: stable first, hashed classes last (ties keep the recording's order)."""
    seen: dict[str, None] = {}
    for selector in selectors:
        selector = selector.strip()
        if selector:
            seen.setdefault(selector)
            for derived in derived_alternatives(selector):
                seen.setdefault(derived)
    return tuple(sorted(seen, key=lambda s: RANKS.index(rank_of(s))))


def tag_of(selector: str) -> str | None:
    """The tag a CSS or XPath selector ends on (``div > select`` -> ``select``), if it says."""
    if selector.startswith(("role=", "text=", "internal:")):
        return None
    last = selector.split(">>")[-1].strip()
    if last.startswith(("xpath=", "/")):
        step = last.removeprefix("xpath=").rstrip("/").split("/")[-1]
        found = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", step)
        return found[1].lower() if found else None
    compound = re.split(r"\s+|>|\+|~", last)[-1]
    found = _TAG.match(compound) or re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", compound)
    return found[1].lower() if found else None
