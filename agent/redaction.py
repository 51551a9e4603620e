"""One redaction for every text that leaves the process: logs, run-folder files, console, zips.

Secrets are masked three ways: a value under a secret-looking name (``password``, ``cookie``,
``token``, ``session_id``, ...), a secret inside text (``Cookie:``/``Authorization:`` header
values, ``key=value`` and ``"key": "value"`` pairs with a secret key, the password of a URL
such as ``wss://user:password@host``), and the literal values
registered with `add_secret` (the login password, the session's cookie values), wherever they
appear. Masking is idempotent: masked text stays as it is when masked again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "REDACTED",
    "add_secret",
    "forget_secrets",
    "is_secret_name",
    "known_secrets",
    "redact_data",
    "redact_text",
    "redact_value",
]

REDACTED = "[redacted]"

#: Field names whose values are secret (matched anywhere in the name, case-insensitively).
_SECRET_KEYS = re.compile(
    r"(cookie|passw|pwd|secret|token|authori[sz]ation|credential|private_?key|api_?key|csrf"
    r"|storage_?state|sessid|^sid$|session_?(id|value|state)?$)",
    re.IGNORECASE,
)
_ALREADY = re.escape(REDACTED)
#: Headers whose whole value is secret, in text: masked to the end of the line or quote.
_SECRET_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|set-cookie|cookie)([\"']?[ \t]*[:=][ \t]*[\"']?)"
    rf"(?!{_ALREADY}(?:[\r\n\"']|$))([^\s\"'][^\r\n\"']*)"
)
#: ``key=value``, ``key: value``, ``"key": "value"`` pairs with a secret key, in text.
#: A key is a whole run of key characters (never the inside of one) of at most `_MAX_KEY`: each
#: run is looked at once and briefly, so a site's long text (``a.a.a.a…``, ``csrfcsrf…``) costs
#: linear time, never the quadratic one that held the interpreter (and Ctrl-C) for minutes.
_MAX_KEY = 80
_SECRET_PAIR = re.compile(
    rf"(?i)(?<![\w.-])(?=[\w.-]{{1,{_MAX_KEY}}}+(?![\w.-]))"
    r"([\w.-]*?(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|csrf[\w-]*+|sessid"
    r"|session(?:_?(?:id|value|state|token))?|(?<![\w-])sid))"
    r"([\"']?\s*[:=]\s*[\"']?)"
    rf"(?!{_ALREADY})"
    r"((?:(?:bearer|basic|digest|token)\s+)?[^\s;,&\"'}\]<>]+)"
)
#: A password in a URL (``wss://user:password@host/``), in text: the password is masked.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@\"'<>]*:)([^\s/@\"'<>]+)@")
#: The shortest literal secret registered: shorter ones would mask ordinary words.
_MIN_SECRET = 4

_secrets: list[str] = []


def add_secret(value: str) -> None:
    """Register a literal secret (a password, a cookie value) to be masked wherever it appears."""
    if value and len(value) >= _MIN_SECRET and value not in _secrets:
        _secrets.append(value)
        _secrets.sort(key=len, reverse=True)  # a secret inside a longer one: the longer first


def is_secret_name(name: str) -> bool:
    """Whether a field, header or cookie of this name holds a secret (``session``, ``token``...)."""
    return bool(_SECRET_KEYS.search(name))


def known_secrets() -> tuple[str, ...]:
    """The literal secrets registered so far (for tests that restore them)."""
    return tuple(_secrets)


def forget_secrets(keep: tuple[str, ...] = ()) -> None:
    """Forget every registered secret but *keep* (for tests that restore a known state)."""
    _secrets[:] = []
    for value in keep:
        add_secret(value)


def redact_text(text: str) -> str:
    """*text* with every registered secret and every secret-looking value masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _SECRET_HEADER.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return _SECRET_PAIR.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


def _named_value(value: Mapping[Any, Any]) -> dict[str, Any]:
    """A ``{"name": ..., "value": ...}`` pair (a cookie, a header) whose name is secret."""
    masked = {str(k): redact_value(str(k), v) for k, v in value.items()}
    if is_secret_name(str(value.get("name", ""))) and "value" in masked:
        masked["value"] = REDACTED
    return masked


def redact_value(key: str, value: Any) -> Any:
    """A field's value masked: all of it under a secret key, else the secrets inside it."""
    if is_secret_name(key) and value not in (None, "", False, True):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return _named_value(value)
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    shown = str(value)  # an object a renderer will print: mask its text when it holds a secret
    masked = redact_text(shown)
    return masked if masked != shown else value


def redact_data(value: Any) -> Any:
    """JSON-like data with the secrets inside its texts masked (keys are kept as they are)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value
