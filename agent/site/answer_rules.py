"""How a profile reads the site's answer: the submit request, its JSON, page texts, HTTP status.

Pure data, its parsing, and the pure reads: `SubmitRequest.matches` (is this request the
submission? a tracking beacon or an upload never is), `JsonRules.judge` (what an answer's JSON
says). `agent.site.answer` combines them with page texts and the HTTP status.

A JSON path is a JMESPath expression (jmespath, a maintained library): dotted keys and list
indexes, ``status``, ``data.reverseOrderId``, ``ret[0]``, ``ret[-1]``, and projections such as
``ret[*]`` (any element) or ``errors[*].extensions.code`` (GraphQL's error codes). A test holds
when ANY value at its path passes it::

    busy = [{path = "ret[*]", prefix = "RGV587_ERROR"},
            {all = [{path = "ret[0]", prefix = "FAIL_BIZ_SYSTEM_BUSY"}]}]
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

import jmespath
import jmespath.exceptions
import jmespath.parser

from agent.site.patterns import BoundedPattern, compile_pattern
from agent.site.toml_check import Checker

__all__ = [
    "JSON_KINDS",
    "AnswerRules",
    "JsonPath",
    "JsonRules",
    "JsonTest",
    "JsonVerdict",
    "PageRules",
    "StatusRules",
    "SubmitRequest",
    "body_data",
    "glob_pattern",
    "parse_answer",
    "parse_path",
]

JsonKind = Literal["challenge", "login", "opened", "expired", "busy", "invalid"]
#: The kinds of answer a JSON rule can say, in the order they are tried.
JSON_KINDS: tuple[JsonKind, ...] = ("challenge", "login", "opened", "expired", "busy", "invalid")
#: The most of a request body read to tell the submission from a side request.
_MAX_BODY = 1024 * 1024
#: The AST node types of a JMESPath expression that yields several values (a projection).
_PROJECTIONS = frozenset({"projection", "value_projection", "filter_projection", "flatten"})


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A JSON path (JMESPath: ``status``, ``data.reverseOrderId``, ``ret[0]``, ``ret[-1]``,
    ``ret[*]``, ``errors[*].extensions.code``), compiled once."""

    text: str
    compiled: jmespath.parser.ParsedResult
    #: The path yields several values (``[*]``, a filter, a flatten): each is tested.
    many: bool

    def values(self, data: object) -> list[object]:
        """Every value at the path in *data* (several with ``[*]``; none when it is missing)."""
        try:
            found = self.compiled.search(data)
        except jmespath.exceptions.JMESPathError:
            return []
        if self.many:
            return [v for v in found if v is not None] if isinstance(found, list) else []
        return [] if found is None else [found]


def _has_projection(node: object) -> bool:
    if isinstance(node, dict):
        if node.get("type") in _PROJECTIONS:
            return True
        return any(_has_projection(child) for child in node.get("children", ()))
    return False


def parse_path(text: str) -> JsonPath:
    """A JSON path compiled (ValueError when it is not a JMESPath expression)."""
    try:
        compiled = jmespath.compile(text)
    except jmespath.exceptions.JMESPathError as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    return JsonPath(text=text, compiled=compiled, many=_has_projection(compiled.parsed))


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonTest:
    """One test on the values at a path: equals, prefix, contains, matches, exists."""

    path: JsonPath
    equals: tuple[object, ...] | None = None
    prefix: str | None = None
    contains: str | None = None
    matches: BoundedPattern | None = None
    exists: bool | None = None

    def holds(self, data: object) -> bool:
        """Whether any value at the path passes (for ``exists = false``: none is there)."""
        values = self.path.values(data)
        if self.exists is not None:
            return bool(values) is self.exists
        return any(self._passes(v) for v in values)

    def _passes(self, value: object) -> bool:
        if self.equals is not None:
            return any(value == e and type(value) is type(e) for e in self.equals)
        if not isinstance(value, str):
            return False
        if self.prefix is not None:
            return value.startswith(self.prefix)
        if self.contains is not None:
            return self.contains in value
        return self.matches is not None and self.matches.search(value) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonVerdict:
    """What the JSON says: a kind (None: it does not say), the dispute id and the message."""

    kind: JsonKind | None
    dispute_id: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonRules:
    """How to read a JSON answer: a rule per kind (any of its alternatives, all of its tests)."""

    rules: tuple[tuple[JsonKind, tuple[tuple[JsonTest, ...], ...]], ...]
    dispute_id: JsonPath | None = None
    message: JsonPath | None = None
    #: Applied to the message: its group ``message`` is the text (``(?:.*::)?(?P<message>.*)``).
    message_pattern: BoundedPattern | None = None

    def judge(self, data: object) -> JsonVerdict:
        """The first kind whose rule holds, with the dispute id and message found."""
        message = ""
        if self.message is not None:
            texts = [v for v in self.message.values(data) if isinstance(v, str | int | float)]
            message = str(texts[0]) if texts else ""
            if message and self.message_pattern is not None:
                found = self.message_pattern.search(message)
                if found is not None:
                    message = found.group("message") or ""
        dispute_id = None
        if self.dispute_id is not None:
            ids = [
                v
                for v in self.dispute_id.values(data)
                if isinstance(v, str | int) and not isinstance(v, bool) and str(v)
            ]
            dispute_id = str(ids[0]) if ids else None
        for kind, alternatives in self.rules:
            if any(all(test.holds(data) for test in tests) for tests in alternatives):
                return JsonVerdict(kind=kind, dispute_id=dispute_id, message=message)
        return JsonVerdict(kind=None, dispute_id=dispute_id, message=message)


def glob_pattern(glob: str) -> str:
    """A URL glob as a regular expression: ``**`` any text, ``*`` any text but ``/``."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "^" + "".join(out) + "$"


def _multipart(body: bytes) -> dict[str, object] | None:
    """The fields of a multipart/form-data body (a file field: its file name), or None."""
    first, _, _ = body.partition(b"\r\n")
    if not first.startswith(b"--") or len(first) < 3:
        return None
    fields: dict[str, object] = {}
    for part in body.split(first)[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.strip(b"\r\n").partition(b"\r\n\r\n")
        disposition = next(
            (
                line
                for line in head.decode("utf-8", "replace").split("\r\n")
                if line.lower().startswith("content-disposition:")
            ),
            "",
        )
        params = dict(
            (k.strip().lower(), v.strip().strip('"'))
            for k, _, v in (p.partition("=") for p in disposition.split(";")[1:])
        )
        name = params.get("name")
        if name is None:
            continue
        text = params["filename"] if "filename" in params else value.decode("utf-8", "replace")
        fields.setdefault(name, text)
    return fields


def body_data(body: bytes | None) -> object | None:
    """A request body as data for JSON paths: its JSON, else its form fields (urlencoded or
    multipart; a field whose value is a JSON object or list is read as that); None when empty
    or unreadable."""
    if not body or len(body) > _MAX_BODY:
        return None
    form = _multipart(body)
    if form is None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        try:
            parsed: object = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            return parsed
        pairs = parse_qs(text, keep_blank_values=True)
        if not pairs:
            return None
        form = {key: values[0] for key, values in pairs.items()}
    data: dict[str, object] = {}
    for key, value in form.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            with contextlib.suppress(ValueError, RecursionError):
                value = json.loads(value)
        data[key] = value
    return data


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitRequest:
    """The request whose answer is the site's answer to a submission.

    Every request with this method and URL (and, when ``body`` is given, a body that passes it)
    counts as a possible submission: a side request to the same URL (a validation, a GraphQL
    call of another operation) is told apart only by ``body``.
    """

    method: str
    url: BoundedPattern
    #: As the profile wrote it, for messages.
    shown: str
    #: Tests on the request's body (any alternative, all of its tests), read as JSON paths.
    body: tuple[tuple[JsonTest, ...], ...] | None = None

    def addressed(self, method: str, url: str) -> bool:
        """Whether a request goes where the submission goes (method and URL; any body)."""
        return method.upper() == self.method and self.url.search(url) is not None

    def matches(self, method: str, url: str, body: bytes | None = None) -> bool:
        """Whether a request (method, full URL, body) may be the submission: a body that cannot
        be read (too large, binary) cannot be told from the submission, so it may be."""
        if not self.addressed(method, url):
            return False
        if self.body is None:
            return True
        data = body_data(body)
        return data is None or any(all(t.holds(data) for t in tests) for tests in self.body)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRules:
    """Answers read from the page (elements by kind), the fallback for non-JSON answers."""

    result: str | None = None
    success: BoundedPattern | None = None
    busy: tuple[str, ...] = ()
    error: str | None = None
    #: Shows that the form expired (a single-use token spent): open the form again, resend.
    expired: str | None = None

    def elements(self) -> tuple[str, ...]:
        """Every element named."""
        return tuple(e for e in (self.result, *self.busy, self.error, self.expired) if e)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRules:
    """What an HTTP status alone says, when nothing else does."""

    busy: tuple[int, ...] = (429, 503)
    login: tuple[int, ...] = (401,)
    server_error_from: int = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRules:
    """The whole ``[answer]`` table."""

    request: SubmitRequest
    json: JsonRules | None = None
    page: PageRules | None = None
    status: StatusRules = field(default_factory=StatusRules)
    #: Phrases that mean busy in any answer text, in every language the site speaks.
    busy_texts: tuple[str, ...] = ()

    def is_busy_text(self, text: str) -> str | None:
        """The busy phrase found in *text* (case-insensitive), or None."""
        folded = text.casefold()
        for phrase in self.busy_texts:
            if phrase.casefold() in folded:
                return phrase
        return None


# --- parsing --------------------------------------------------------------------------------

_TEST_KEYS = ("path", "equals", "prefix", "contains", "matches", "exists")


def _path(chk: Checker, value: object, key: str) -> JsonPath:
    if not isinstance(value, str) or not value:
        chk.fail(key, 'must be a JSON path, e.g. "data.id" or "ret[0]"')
    try:
        return parse_path(value)
    except ValueError as exc:
        chk.fail(key, f"is not a JSON path ({exc})")


def _test(chk: Checker, data: Any, at: str) -> JsonTest:
    if not isinstance(data, dict):
        chk.fail(at, "must be a table {path = ..., equals|prefix|contains|matches|exists = ...}")
    chk.known(data, _TEST_KEYS, at)
    tests = [k for k in _TEST_KEYS[1:] if k in data]
    if len(tests) != 1:
        chk.fail(at, "needs a path and exactly one of equals, prefix, contains, matches, exists")
    kind = tests[0]
    value = data[kind]
    path = _path(chk, data.get("path"), f"{at}.path")
    if kind == "equals":
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            chk.fail(f"{at}.equals", "must be a string, number, boolean or a list of them")
        return JsonTest(path=path, equals=tuple(values))
    if kind == "exists":
        if not isinstance(value, bool):
            chk.fail(f"{at}.exists", "must be true or false")
        return JsonTest(path=path, exists=value)
    if kind == "matches":
        return JsonTest(path=path, matches=chk.pattern(value, f"{at}.matches"))
    if not isinstance(value, str) or not value:
        chk.fail(f"{at}.{kind}", "must be a non-empty string")
    if kind == "prefix":
        return JsonTest(path=path, prefix=value)
    return JsonTest(path=path, contains=value)


def _alternatives(chk: Checker, value: Any, at: str) -> tuple[tuple[JsonTest, ...], ...]:
    items = value if isinstance(value, list) else [value]
    out: list[tuple[JsonTest, ...]] = []
    for n, item in enumerate(items, 1):
        where = f"{at}[{n}]" if isinstance(value, list) else at
        if isinstance(item, dict) and "all" in item:
            chk.known(item, ("all",), where)
            group = item["all"]
            if not isinstance(group, list) or not group:
                chk.fail(f"{where}.all", "must be a list of tests")
            out.append(tuple(_test(chk, t, f"{where}.all[{i}]") for i, t in enumerate(group, 1)))
        else:
            out.append((_test(chk, item, where),))
    return tuple(out)


def _json_rules(chk: Checker, data: dict[str, Any]) -> JsonRules:
    at = "answer.json"
    chk.known(data, (*JSON_KINDS, "dispute_id", "message", "message_pattern"), at)
    rules = tuple(
        (kind, _alternatives(chk, data[kind], f"{at}.{kind}"))
        for kind in JSON_KINDS
        if kind in data
    )
    if not any(kind == "opened" for kind, _ in rules):
        chk.fail(f"{at}.opened", "is missing: say how a JSON answer shows the dispute was opened")
    pattern = None
    if "message_pattern" in data:
        pattern = chk.pattern(data["message_pattern"], f"{at}.message_pattern", groups=("message",))
    return JsonRules(
        rules=rules,
        dispute_id=_path(chk, data["dispute_id"], f"{at}.dispute_id")
        if "dispute_id" in data
        else None,
        message=_path(chk, data["message"], f"{at}.message") if "message" in data else None,
        message_pattern=pattern,
    )


def _statuses(
    chk: Checker, data: dict[str, Any], key: str, default: tuple[int, ...]
) -> tuple[int, ...]:
    value = data.get(key, list(default))
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in value
    ):
        chk.fail(f"answer.status.{key}", "must be a list of HTTP status codes (100-599)")
    return tuple(value)


def parse_answer(chk: Checker, data: dict[str, Any], elements: Collection[str]) -> AnswerRules:
    """The ``[answer]`` table: the submit request, then JSON, page and status rules."""
    at = "answer"
    chk.known(
        data, ("method", "url", "url_pattern", "body", "busy_texts", "json", "page", "status"), at
    )
    method = chk.choice(data, "method", at, ("POST", "PUT", "PATCH", "GET"), default="POST")
    if ("url" in data) == ("url_pattern" in data):
        chk.fail(
            f"{at}.url",
            'give the submit request\'s URL: url = "**/path/*" (a glob) '
            "or url_pattern = a regular expression, one of them",
        )
    if "url" in data:
        glob = chk.text(data, "url", at)
        url = compile_pattern(glob_pattern(glob))
        shown = glob
    else:
        url = chk.pattern(data["url_pattern"], f"{at}.url_pattern")
        shown = url.pattern
    json_rules = _json_rules(chk, chk.table(data, "json", at)) if "json" in data else None
    page = None
    if "page" in data:
        table = chk.table(data, "page", at)
        where = f"{at}.page"
        chk.known(table, ("result", "success", "busy", "error", "expired"), where)
        for key in ("result", "error", "expired"):
            name = table.get(key)
            if name is not None and name not in elements:
                chk.fail(f"{where}.{key}", f"names no element: add {name!r} to [elements]")
        busy = chk.strings(table, "busy", where)
        for name in busy:
            if name not in elements:
                chk.fail(f"{where}.busy", f"names no element: add {name!r} to [elements]")
        success = table.get("success")
        page = PageRules(
            result=table.get("result"),
            success=chk.pattern(success, f"{where}.success", groups=("dispute_id",))
            if success is not None
            else None,
            busy=busy,
            error=table.get("error"),
            expired=table.get("expired"),
        )
        if (page.result is None) != (page.success is None):
            chk.fail(f"{where}.success", "goes with result: the element and its pattern")
    if json_rules is None and page is None:
        chk.fail(at, "needs [answer.json] or [answer.page]: how to read the site's answer")
    status = chk.table(data, "status", at)
    chk.known(status, ("busy", "login", "server_error_from"), f"{at}.status")
    server_from = status.get("server_error_from", 500)
    if (
        not isinstance(server_from, int)
        or isinstance(server_from, bool)
        or not (400 <= server_from <= 600)
    ):
        chk.fail(f"{at}.status.server_error_from", "must be a status code from 400 to 600")
    return AnswerRules(
        request=SubmitRequest(
            method=method,
            url=url,
            shown=shown,
            body=_alternatives(chk, data["body"], f"{at}.body") if "body" in data else None,
        ),
        json=json_rules,
        page=page,
        status=StatusRules(
            busy=_statuses(chk, status, "busy", (429, 503)),
            login=_statuses(chk, status, "login", (401,)),
            server_error_from=server_from,
        ),
        busy_texts=chk.strings(data, "busy_texts", at),
    )
