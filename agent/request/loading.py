"""Requests read from files: a request TOML, or a scenario's or batch's ``[request]`` table."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from agent.errors import InvalidConfig, InvalidRequest
from agent.request.build import build_request
from agent.request.evidence import EvidenceRules
from agent.request.message import MessageLimits
from agent.request.model import REQUEST_KEYS, REQUIRED_KEYS, PreparedRequest
from agent.request.reasons import SiteReasons
from agent.request.text import quote, suggest, type_name
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = ["load_request_toml", "request_from_mapping"]

#: What each request key may hold in TOML: the accepted types and how to say it.
_KEY_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "order_id": ((str, int), 'a string, e.g. order_id = "1002"'),
    "item": ((str, int), 'the item id on the order page, e.g. item = "3044357010137135"'),
    "quantity": ((int, str), "how many of the item, e.g. quantity = 2"),
    "received": ((str, bool), 'yes or no, e.g. received = "yes"'),
    "reason": ((str,), 'a reason code, e.g. reason = "damaged"'),
    "solution": ((str,), 'refund or return, e.g. solution = "refund"'),
    "refund": ((str,), 'full or partial, e.g. refund = "partial"'),
    "amount": ((str, int, float), 'a number or a string, e.g. amount = "5.30"'),
    "message": ((str,), 'a string, e.g. message = "The item arrived broken."'),
    "evidence": ((list,), 'a list of file paths, e.g. evidence = ["photo.jpg"]'),
}


def request_from_mapping(
    data: Mapping[str, object],
    *,
    base_dir: str | os.PathLike[str] = ".",
    rules: EvidenceRules | None = None,
    source: str | None = None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> PreparedRequest:
    """Check a request read from TOML (a request file, a scenario's or a batch's ``[request]``).

    The keys are exactly `REQUEST_KEYS`; unknown keys, missing required ones and wrong types are
    refused naming the key (`InvalidConfig`). Relative evidence paths are taken from *base_dir*.
    Errors carry *source* (a file name) in their context and first words. *reasons*: the
    site's reason list (a profile's), else our codes; *message_limits*: the profile's.
    """

    def fail(what: str, key: str, hint: str) -> InvalidConfig:
        return InvalidConfig(what, key=key, source=source, hint=hint)

    for key in data:
        if key not in REQUEST_KEYS:
            keys = f"the keys are: {', '.join(REQUEST_KEYS)}"
            raise fail(
                f"unknown key {quote(str(key))}", str(key), suggest(str(key), REQUEST_KEYS) + keys
            )
    for key in REQUIRED_KEYS:
        if key not in data:
            raise fail(f'missing key "{key}"', key, f"add it: {_KEY_TYPES[key][1]}")
    for key, value in data.items():
        types, expected = _KEY_TYPES[key]
        wrong = isinstance(value, bool) and bool not in types
        if wrong or not isinstance(value, types):
            raise fail(f'key "{key}" holds {type_name(value)}', key, f"it takes {expected}")
    files = cast("list[object]", data.get("evidence", []))  # a list: checked above
    for item in files:
        if not isinstance(item, str) or not item:
            raise fail(
                f'key "evidence" holds {type_name(item)} in its list',
                "evidence",
                f"it takes {_KEY_TYPES['evidence'][1]}",
            )
    base = Path(base_dir)
    try:
        return build_request(
            order_id=str(data["order_id"]),  # TOML may hold it as an integer: order_id = 1002
            item=None if data.get("item") is None else str(data["item"]),
            quantity=cast("int | str | None", data.get("quantity")),
            received=cast("str | bool", data["received"]),
            reason=cast("str", data["reason"]),
            solution=cast("str", data.get("solution", "refund")),
            refund=cast("str", data.get("refund", "full")),
            amount=cast("str | int | float | None", data.get("amount")),
            message=cast("str", data["message"]),
            evidence=[base / Path(str(item)).expanduser() for item in files],
            rules=rules,
            reasons=reasons,
            message_limits=message_limits,
        )
    except InvalidRequest as err:
        if source is not None:
            err.context.setdefault("source", source)
        raise


def load_request_toml(
    path: str | os.PathLike[str],
    *,
    rules: EvidenceRules | None = None,
    reasons: SiteReasons | None = None,
    message_limits: MessageLimits | None = None,
) -> PreparedRequest:
    """Read a request TOML file and check it with `request_from_mapping`.

    Evidence paths are relative to the file's folder. The file is read by
    `agent.user_files.read_user_text` (a regular file, at most 1 MiB, UTF-8 with or without a
    byte-order mark); a missing, unreadable, special, non-UTF-8, too deeply nested or corrupt
    file is refused naming it (`InvalidConfig`).
    """
    file = Path(path)
    source = str(file)
    try:
        text = read_user_text(file)
        check_nesting(text, syntax="toml")
    except UnreadableFile as exc:
        hint = "check the --request path" if exc.what == "no such file" else exc.hint
        raise InvalidConfig(exc.what, source=source, hint=hint) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(
            f"is not valid TOML ({exc})",
            source=source,
            hint="fix the syntax: one key = value per line, strings in quotes",
        ) from None
    return request_from_mapping(
        data,
        base_dir=file.parent,
        rules=rules,
        source=source,
        reasons=reasons,
        message_limits=message_limits,
    )
