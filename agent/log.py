"""structlog configuration: a readable console for people, JSON lines for the run folder.

Every event goes through one processor chain: context variables (run id, order id), level,
timestamp, redaction of secrets, then a tee that writes a JSON line to the current run's
``log.jsonl`` before the console renderer (or a JSON renderer, ``--log-format json``) prints it.
The console renderer (`render_for_people`) writes an event the way the rest of the console
speaks: ``order 1001: warning: trace failed (error: …)``, no timestamp, no level column, the
event's name in words, the site's text with its control characters made visible.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import structlog
from structlog.typing import FilteringBoundLogger

from agent.console import visible
from agent.files import Appender
from agent.redaction import redact_text, redact_value

__all__ = ["configure_logging", "get_logger", "log_to_file", "redact", "render_for_people"]

_sink: contextvars.ContextVar[Appender | None] = contextvars.ContextVar(
    "retry_dispute_sink", default=None
)
_configured = False


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask cookies, passwords, tokens, authorization and session values."""
    for key in list(event_dict):
        if key == "event":
            event_dict[key] = redact_text(str(event_dict[key]))
        else:
            event_dict[key] = redact_value(key, event_dict[key])
    return event_dict


def _tee_to_run_file(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    sink = _sink.get()
    if sink is not None:  # a line that cannot be written is recorded there, never raised
        sink.write_line(json.dumps(dict(event_dict), default=str, ensure_ascii=False))
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


#: Fields the console leaves out: the run file has them (time, ids, the logger).
_NOT_SHOWN = frozenset({"timestamp", "run_id", "level", "logger", "event", "order_id"})
#: What a level adds before the event on the console (info and debug: nothing).
_LEVEL_WORDS = {"warning": "warning: ", "error": "error: ", "critical": "error: "}
#: The longest value shown on the console (the run file keeps it whole).
_VALUE_CELLS = 160


def _shown_value(value: object) -> str:
    if isinstance(value, list | tuple):  # files: [a, b] reads "a, b"
        return visible(", ".join(str(v) for v in value), _VALUE_CELLS)
    return visible(value, _VALUE_CELLS)


def render_for_people(_: Any, method: str, event_dict: MutableMapping[str, Any]) -> str:
    """structlog renderer for a terminal: one line like the rest of the console (a traceback,
    when there is one, follows it)."""
    level = str(event_dict.get("level", method)).lower()
    name = str(event_dict.get("event", ""))
    words = name.removeprefix("agent.").replace("_", " ").replace(".", " ")
    order = event_dict.get("order_id")
    exception = event_dict.pop("exception", None)
    fields = ", ".join(
        f"{key}: {_shown_value(value)}"
        for key, value in event_dict.items()
        if key not in _NOT_SHOWN and value not in (None, "", [], {})
    )
    line = (
        (f"order {visible(order, 40)}: " if order else "")
        + _LEVEL_WORDS.get(level, "")
        + visible(words)
        + (f" ({fields})" if fields else "")
    )
    return line + (f"\n{exception}" if exception else "")


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
        renderer = render_for_people
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

    The file is private (0600); a line that cannot be written (a full disk) is not raised: the
    file is recorded as unwritten (`agent.files`) and left alone from then on. Configures logging
    with the defaults first when nobody has (a library user, a test).
    """
    if not _configured:
        configure_logging()
    with contextlib.suppress(OSError):  # a folder that cannot be made: the lines are not written
        path.parent.mkdir(parents=True, exist_ok=True)
    sink = Appender(path)
    token = _sink.set(sink)
    try:
        with structlog.contextvars.bound_contextvars(**bound):
            yield
    finally:
        _sink.reset(token)
        sink.close()


def get_logger(name: str = "agent") -> FilteringBoundLogger:
    """A structlog logger."""
    logger: FilteringBoundLogger = structlog.get_logger(name)
    return logger
