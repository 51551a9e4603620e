"""Durations as people write them: ``90s``, ``30m``, ``6h``, ``1h30m``, or a number of seconds.

Every time the command line asks for (``--deadline``, ``--initial-wait``, ``--max-wait``) goes
through `parse_duration`; `format_duration` writes one back the same way (``15m``, ``1h30m``,
``2.5s``) for help texts, the report and the console.
"""

from __future__ import annotations

import math
import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|seconds?|secs?|s|minutes?|mins?|m|hours?|h|days?|d)")
_UNIT_OF = {
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
}


def parse_duration(text: str) -> float:
    """Seconds in *text*: a number (seconds) or parts like ``90s``, ``30m``, ``6h``, ``1h30m``.

    Raises ValueError saying what is accepted; a negative or non-finite duration is refused.
    """
    raw = text.strip().lower()
    if not raw:
        raise ValueError("an empty duration")
    try:
        plain = float(raw)
    except ValueError:
        plain = None
    if plain is not None:
        if not math.isfinite(plain) or plain < 0:
            raise ValueError(f"{text!r} is not a duration of 0 or more")
        return plain
    total, at = 0.0, 0
    compact = raw.replace(" ", "")
    for match in _PART.finditer(compact):
        if match.start() != at:
            break
        unit = _UNIT_OF.get(match[2], match[2])
        total += float(match[1]) * _UNITS[unit]
        at = match.end()
    if at == 0 or at != len(compact):
        raise ValueError(
            f"{text!r} is not a duration: write seconds (90) or a number with a unit, "
            "like 90s, 30m, 6h or 1h30m"
        )
    return total


def format_duration(seconds: float) -> str:
    """*seconds* the way `parse_duration` reads them: ``45s``, ``2.5s``, ``15m``, ``1h30m``."""
    if seconds < 60 or seconds != int(seconds):
        if seconds >= 60:
            return f"{seconds:.0f}s"
        return f"{seconds:g}s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return "".join(parts)
