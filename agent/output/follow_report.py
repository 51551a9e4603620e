"""The report's section for a follow (``follow.json``), and the page of a follow with no run.

`follow_view` reads a folder's ``follow.json`` (leniently: None when absent or damaged) and
what the section shows: where the request stands, its deadline, the responses sent, the
readings, and the follow's screenshots embedded. A run folder's ``report.html`` includes it
(`agent.output.report`); an order followed without a run folder (``follow --order``) gets a
``report.html`` of that section alone (`write_follow_report`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.follow.record import read_follow
from agent.output.html import env, local_and_utc, write_text
from agent.output.run_folder import IMAGE_TYPES, screenshot_file

__all__ = ["FollowView", "follow_view", "write_follow_report"]

_SHOWN_READINGS = 20
_SHOWN_SHOTS = 12


@dataclass(frozen=True, slots=True)
class _Shot:
    path: str
    data_uri: str


@dataclass(frozen=True, slots=True)
class FollowView:
    """What the report shows of a follow."""

    data: dict[str, Any]
    readings: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    shots: list[_Shot]


def _embed(folder: Path, relative: str) -> _Shot | None:
    path = screenshot_file(folder, relative)
    if path is None:
        return None
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return None
    return _Shot(relative, f"data:{IMAGE_TYPES[path.suffix.lower()][0]};base64,{data}")


def follow_view(folder: Path) -> FollowView | None:
    """The folder's follow, as the report shows it; None without a readable follow.json."""
    data = read_follow(folder)
    if data is None:
        return None
    readings = [r for r in data.get("readings") or [] if isinstance(r, dict)]
    shots = [str(s) for s in data.get("screenshots") or [] if isinstance(s, str)]
    embedded = [_embed(folder, s) for s in shots[-_SHOWN_SHOTS:]]
    return FollowView(
        data=data,
        readings=readings[-_SHOWN_READINGS:],
        responses=[r for r in data.get("responses") or [] if isinstance(r, dict)],
        shots=[s for s in embedded if s is not None],
    )


def write_follow_report(folder: Path) -> Path | None:
    """``report.html`` for a folder that holds a follow and no run; None without follow.json."""
    view = follow_view(folder)
    if view is None:
        return None
    html = env.get_template("follow_report.html.j2").render(
        follow=view, generated=local_and_utc(datetime.now(UTC), date=True)
    )
    return write_text(folder / "report.html", html)
