"""structlog configuration: a readable console for people, JSON lines for the run folder.

Every event goes through one processor chain: context variables (run id, order id), level,
timestamp, redaction of secrets, then a tee that writes a JSON line to the current run's
``log.jsonl`` before the console renderer (or a JSON renderer, ``--log-format json``) prints it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import structlog
from structlog.typing import FilteringBoundLogger

__all__ = ["REDACTED", "add_secret", "configure_logging", "get_logger", "log_to_file", "redact"]

REDACTED = "[redacted]"

#: Field names whose values are secret (matched anywhere in the name, case-insensitively).
_SECRET_KEYS = re.compile(
    r"(cookie|passw|pwd|secret|token|authori[sz]ation|credential|private_?key|api_?key|csrf"
    r"|storage_?state|sessid|^sid$|session_?(id|value|state)?$)",
    re.IGNORECASE,
)
#: Headers whose whole value is secret, in text: masked to the end of the line or quote.
_SECRET_HEADER = re.compile(
    r"(?i)\b((?:proxy-)?authorization|set-cookie|cookie)([\"']?[ \t]*[:=][ \t]*[\"']?)"
    r"([^\r\n\"']+)"
)
#: ``key=value``, ``key: value``, ``"key": "value"`` pairs with a secret key, in text.
_SECRET_PAIR = re.compile(
    r"(?i)\b([\w.-]*?(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|csrf[\w-]*|sessid"
    r"|session(?:_?(?:id|value|state|token))?|(?<![\w-])sid))"
    r"([\"']?\s*[:=]\s*[\"']?)"
    r"((?:(?:bearer|basic|digest|token)\s+)?[^\s;,&\"'}\]<>]+)"
)
_sink: contextvars.ContextVar[TextIO | None] = contextvars.ContextVar(
    "retry_dispute_sink", default=None
)
_secrets: list[str] = []
_configured = False


def add_secret(value: str) -> None:
    """Register a literal secret (a password, a cookie value) to be masked wherever it appears."""
    if value and len(value) >= 4 and value not in _secrets:
        _secrets.append(value)


def _mask_text(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _SECRET_HEADER.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return _SECRET_PAIR.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


def _mask_named_value(value: dict[Any, Any]) -> dict[str, Any]:
    """A ``{"name": ..., "value": ...}`` pair (a cookie, a header) whose name is secret."""
    masked = {str(k): _mask(str(k), v) for k, v in value.items()}
    if _SECRET_KEYS.search(str(value.get("name", ""))) and "value" in masked:
        masked["value"] = REDACTED
    return masked


def _mask(key: str, value: Any) -> Any:
    if _SECRET_KEYS.search(key) and value not in (None, "", False, True):
        return REDACTED
    if isinstance(value, str):
        return _mask_text(value)
    if isinstance(value, dict):
        return _mask_named_value(value)
    if isinstance(value, list | tuple):
        return [_mask(key, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    shown = str(value)  # an object the renderer will print: mask its text when it holds a secret
    masked = _mask_text(shown)
    return masked if masked != shown else value


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask cookies, passwords, tokens, authorization and session values."""
    for key in list(event_dict):
        if key == "event":
            event_dict[key] = _mask_text(str(event_dict[key]))
        else:
            event_dict[key] = _mask(key, event_dict[key])
    return event_dict


def _tee_to_run_file(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    sink = _sink.get()
    if sink is not None:
        sink.write(json.dumps(dict(event_dict), default=str, ensure_ascii=False) + "\n")
        sink.flush()
    return event_dict


def _level_number(level: str) -> int:
    number = logging.getLevelName(level.upper())
    return number if isinstance(number, int) else logging.INFO


class _ConsoleLevel:
    """structlog processor after the run file's tee: events below the console's level stop here.

    So ``log.jsonl`` keeps every event at info (and debug with ``-vv``) while the terminal shows
    only warnings by default.
    """

    def __init__(self, level: int) -> None:
        self.level = level

    def __call__(
        self, _: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if _level_number(str(event_dict.get("level", method))) < self.level:
            raise structlog.DropEvent
        return event_dict


def configure_logging(
    *, fmt: str = "console", level: str = "info", stream: TextIO | None = None
) -> None:
    """Configure structlog once for the process: ``console`` for people, ``json`` for machines.

    *level* is what the console (``stream``, else stderr) shows; each run's ``log.jsonl`` gets
    every event at info or above whatever it is (and debug events when *level* is debug).
    """
    global _configured
    _configured = True
    renderer: Any
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(default=str)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    console_level = _level_number(level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Tracebacks as plain text, never with local variables (they may hold secrets).
            structlog.processors.format_exc_info,
            redact,
            _tee_to_run_file,
            _ConsoleLevel(console_level),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(min(console_level, logging.INFO)),
        # sys.stderr is looked up at each logger's creation, not now: it may be replaced later.
        logger_factory=(
            structlog.PrintLoggerFactory(stream)
            if stream is not None
            else lambda *_: structlog.PrintLogger(sys.stderr)
        ),
        cache_logger_on_first_use=False,
    )


@contextmanager
def log_to_file(path: Path, **bound: object) -> Iterator[None]:
    """Send this context's events to ``path`` as JSON lines too, with ``bound`` on every line.

    Configures logging with the defaults first when nobody has (a library user, a test).
    """
    if not _configured:
        configure_logging()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        token = _sink.set(fh)
        with structlog.contextvars.bound_contextvars(**bound):
            try:
                yield
            finally:
                _sink.reset(token)


def get_logger(name: str = "agent") -> FilteringBoundLogger:
    """A structlog logger."""
    logger: FilteringBoundLogger = structlog.get_logger(name)
    return logger
