"""Ids in a recording: the order's in its URLs, the new dispute's in what the site answered.

An id the recording shows once (``D-000100``, ``5000000001007135``) becomes a pattern for every
id of its shape (``D-\\d{6}``, ``\\d{16}``): letters and punctuation kept, each run of digits by
its length. A selector that names an element by a text holding the id (``role=link[name="Dispute
D-000100 is open"s]``) becomes one that names it by the pattern.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "dispute_id_in",
    "escape",
    "id_pattern",
    "order_ids_in",
    "selector_without_id",
    "text_anchored",
    "url_anchored",
    "urls_within",
]

_SPECIAL = frozenset(".^$*+?()[]{}|\\/")


def escape(text: str) -> str:
    """*text* as a regular expression matching itself (its metacharacters escaped, nothing
    else: the same in Python, RE2 and JavaScript)."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


_TOKEN = re.compile(r"(?<![\w-])([A-Za-z]{0,6}[-_]?\d{4,}[A-Za-z0-9-]*)(?![\w-])")


def urls_within(urls: Iterable[str]) -> list[str]:
    """The URLs, each followed by the URLs and paths its query holds (``next=/order/1001``,
    ``return_url=http%3A…``): where a login page says where it goes next."""
    out: list[str] = []
    for url in urls:
        out.append(url)
        for _, value in parse_qsl(urlsplit(url).query):
            inner = unquote(value)
            if inner.startswith(("/", "http://", "https://")):
                out.append(inner)
    return out


def order_ids_in(urls: Iterable[str]) -> Counter[str]:
    """Runs of 4 digits or more in the URLs' paths and query values (the port excluded), counted."""
    found: Counter[str] = Counter()
    for url in urls:
        parts = urlsplit(url)
        values = [parts.path, *(v for _, v in parse_qsl(parts.query))]
        for value in values:
            if value.startswith(("/", "http")) and value is not parts.path:
                continue  # a URL inside the query: read on its own (urls_within)
            found.update(re.findall(r"(?<!\d)\d{4,}(?!\d)", value))
    return found


def dispute_id_in(text: str) -> str | None:
    """The id a success text names (``Dispute D-000100 opened`` -> ``D-000100``): its longest
    token holding 4 digits or more."""
    tokens = [t.strip("-") for t in _TOKEN.findall(text)]
    return max(tokens, key=len) if tokens else None


def id_pattern(token: str) -> str:
    """A regular expression for ids shaped like *token* (``D-000100`` -> ``D-\\d{6}``)."""
    parts = re.findall(r"\d+|[^\d]+", token)
    return "".join(f"\\d{{{len(p)}}}" if p.isdigit() else escape(p) for p in parts)


def selector_without_id(selector: str, token: str) -> str | None:
    """The selector with the id in its accessible name or text turned into the id's pattern;
    None when the id is elsewhere in it (a CSS attribute, an XPath) and cannot be."""
    if token not in selector:
        return selector
    named = re.fullmatch(r'((?:internal:)?role=[\w-]+)\[name="(.*)"[si]?\]', selector)
    if named:
        return f"{named[1]}[name=/{_regex_around(named[2], token)}/]"
    texted = re.fullmatch(r'text="?(.*?)"?', selector)
    if texted:
        return f"text=/{_regex_around(texted[1], token)}/"
    return None


def _regex_around(text: str, token: str) -> str:
    before, _, after = text.partition(token)
    return escape(before) + id_pattern(token) + escape(after)


def _group(token: str) -> str:
    return f"(?P<dispute_id>{id_pattern(token)})"


def text_anchored(text: str, token: str) -> str:
    """The id's pattern anchored on the words before it in *text* (``Dispute D-000100 is
    open`` -> ``Dispute (?P<dispute_id>D-\\d{6})``), else on the word after it: a pattern that
    cannot take an order's own id for a dispute's."""
    before, _, after = text.partition(token)
    words = before.split()[-2:]
    if words:
        return escape(" ".join(words)) + " " + _group(token)
    following = after.split()[:1]
    return _group(token) + (" " + escape(following[0]) if following else "")


def url_anchored(url: str, token: str) -> str | None:
    """The id's pattern anchored on its key in a URL (``…?reverseOrderId=5000…`` ->
    ``reverseOrderId=(?P<dispute_id>\\d{16})``, ``…/dispute/D-000100`` -> ``dispute\\/(?P<…>…)``);
    None when the URL does not hold the id."""
    plain = unquote(url)
    if token not in plain:
        return None
    before = plain.partition(token)[0]
    separator = before[-1:] if before[-1:] in ("=", "/") else ""
    key = re.split(r"[?&/#]", before[: len(before) - len(separator)])[-1]
    return escape(key + separator) + _group(token)
