"""The recording's network data (a HAR file, as ``playwright codegen --save-har`` writes it): the
submit request and what its answers said.

The submit request is the request to the site, other than a GET, that was sent once per sending
of the form the recording shows (a tracking beacon is sent far more often, a login or an upload
at other times): the latest such when several fit. Its glob keeps the path, with each run of
four digits or more (the order id) as ``*``. When its answers are JSON, the busy ones and the
success are compared: the first value that differs between them says ``opened`` and ``busy``
(``ret[0]``: a ``CODE::text`` value by its code), the value equal to the new dispute's id is
``dispute_id``, the value holding the busy text is ``message``. A HAR holds the session's
cookies: `agent.recording` never copies or logs it.
"""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.errors import InvalidConfig
from agent.recording.draft import DraftAnswer, JsonRule
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = ["Exchange", "answer_from", "beacons", "glob_of", "read_har", "url_holding"]

#: A HAR with the page's contents embedded is a few megabytes; this is plenty.
MAX_HAR_BYTES = 64 << 20
_CODE = re.compile(r"^([A-Za-z][\w.]*)::")


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One request of the HAR, and its response."""

    method: str
    url: str
    status: int
    json: object | None = None


def _body(response: dict[str, Any]) -> object | None:
    content = response.get("content")
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return None
    text = content["text"]
    if content.get("encoding") == "base64":
        try:
            text = base64.b64decode(text).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed: object = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return parsed


def read_har(path: Path) -> list[Exchange]:
    """The exchanges of a HAR file, in order; InvalidConfig when it is not one."""
    source = str(path)
    try:
        text = read_user_text(path, limit=MAX_HAR_BYTES)
        check_nesting(text, syntax="json")
        data = json.loads(text)
    except UnreadableFile as exc:
        raise InvalidConfig(f"HAR {exc.what}", source=source, hint=exc.hint) from None
    except (ValueError, RecursionError):
        raise InvalidConfig(
            "is not a HAR file (not JSON)",
            source=source,
            hint="give the file `playwright codegen --save-har` wrote",
        ) from None
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InvalidConfig(
            'is not a HAR file (no "log.entries")',
            source=source,
            hint="give the file `playwright codegen --save-har` wrote",
        )
    out: list[Exchange] = []
    for entry in entries:
        request = entry.get("request") if isinstance(entry, dict) else None
        response = entry.get("response") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(response, dict):
            continue
        method, url = request.get("method"), request.get("url")
        if not isinstance(method, str) or not isinstance(url, str):
            continue
        status = response.get("status")
        out.append(
            Exchange(
                method=method.upper(),
                url=url,
                status=status if isinstance(status, int) else 0,
                json=_body(response),
            )
        )
    return out


def glob_of(urls: list[str]) -> str:
    """A URL glob for these URLs of one request: the path, its ids as ``*``, any query."""
    path = re.sub(r"(?<![\d])\d{4,}(?!\d)", "*", urlsplit(urls[0]).path)
    queries = [urlsplit(u).query for u in urls]
    if any(queries):
        path += "**" if any("/" in q for q in queries) else "*"
    return "**" + path


def _flat(data: object, prefix: str = "") -> dict[str, object]:
    """Every scalar of a JSON value by its path (``ret[0]``, ``data.reverseOrderId``)."""
    out: dict[str, object] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][\w-]*", key):
                out.update(_flat(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:20]):
            out.update(_flat(value, f"{prefix}[{index}]"))
    elif isinstance(data, str | bool | int | float) and prefix:
        out[prefix] = data
    return out


def _rule(path: str, value: object) -> JsonRule | None:
    if isinstance(value, str):
        code = _CODE.match(value)
        return JsonRule(path=path, prefix=code[1]) if code else JsonRule(path=path, equals=value)
    if isinstance(value, bool):
        return JsonRule(path=path, equals=value)
    return None


def _json_rules(answer: DraftAnswer, busy: object, success: object, success_id: str | None) -> None:
    flat_busy, flat_success = _flat(busy), _flat(success)
    if success_id is not None:
        answer.dispute_id_path = next(
            (p for p, v in flat_success.items() if isinstance(v, str) and v == success_id), None
        )
    differing = [
        p
        for p in flat_success
        if p in flat_busy
        and flat_busy[p] != flat_success[p]
        and isinstance(flat_success[p], str | bool)
        and p != answer.dispute_id_path
    ]
    differing.sort(
        key=lambda p: (p.count(".") + p.count("["), not isinstance(flat_success[p], str))
    )
    if differing and answer.dispute_id_path:
        path = differing[0]
        opened, busy_rule = _rule(path, flat_success[path]), _rule(path, flat_busy[path])
        if opened and busy_rule and opened != busy_rule:
            answer.json = {"opened": opened, "busy": busy_rule}
    for path, value in flat_busy.items():
        if isinstance(value, str) and any(t and t in value for t in answer.busy_texts):
            answer.message_path = path
            if "::" in value:
                answer.message_pattern = "(?:.*::)?(?P<message>.*)"
            break


def answer_from(
    exchanges: list[Exchange],
    answer: DraftAnswer,
    *,
    site: str,
    sendings: int,
    success_id: str | None,
) -> bool:
    """Fill *answer* from the HAR: the submit request, and JSON rules when its answers are
    JSON. False when no request fits (the answer is left as it was)."""
    host = (urlsplit(site).hostname or "").lower()
    groups: dict[str, list[int]] = defaultdict(list)
    for index, exchange in enumerate(exchanges):
        if exchange.method != "GET" and (urlsplit(exchange.url).hostname or "").lower() == host:
            groups[f"{exchange.method} {glob_of([exchange.url])}"].append(index)
    fitting = [indexes for indexes in groups.values() if len(indexes) == max(sendings, 1)]
    if not fitting:
        return False
    chosen = max(fitting, key=lambda indexes: indexes[0])
    sent = [exchanges[i] for i in chosen]
    answer.method = sent[0].method
    answer.url = glob_of([e.url for e in sent])
    answer.url_from = "har"
    bodies = [e.json for e in sent]
    if len(bodies) >= 2 and all(isinstance(b, dict) for b in bodies):
        _json_rules(answer, bodies[0], bodies[-1], success_id)
    return True


def beacons(exchanges: list[Exchange], *, site: str, submit: str | None) -> list[tuple[str, str]]:
    """The site's requests other than GET that it sent three times or more, not the submit
    request: what it posts on its own while one browses (a page-view beacon, a tracker)."""
    host = (urlsplit(site).hostname or "").lower()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for exchange in exchanges:
        if exchange.method != "GET" and (urlsplit(exchange.url).hostname or "").lower() == host:
            counts[(exchange.method, glob_of([exchange.url]))] += 1
    return [key for key, count in counts.items() if count >= 3 and key[1] != submit]


def url_holding(exchanges: list[Exchange], token: str) -> str | None:
    """The first page the HAR fetched whose URL holds *token* (the new dispute's page)."""
    return next((e.url for e in exchanges if e.method == "GET" and token in e.url), None)
