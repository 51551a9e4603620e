"""The HTML pages' shared machinery: the Jinja environment and atomic writes.

Every template autoescapes: each text may come from the site or the user; control characters
and bidirectional overrides in a text are shown as ``U+XXXX`` codes (a page saved and printed on a
terminal drives nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jinja2
from markupsafe import Markup

from agent.files import write_private_text
from agent.request.text import coded_controls

__all__ = ["env", "local_and_utc", "write_text"]


def _shown(value: object) -> object:
    """Every ``{{ value }}`` of a page: a text's control characters as codes (markup the
    templates built themselves is left as it is)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return coded_controls(value)
    return value


env = jinja2.Environment(
    loader=jinja2.PackageLoader("agent.output", "templates"),
    autoescape=True,  # every text may come from the site or the user: escape all of it
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_shown,
)


def write_text(path: Path, text: str) -> Path:
    """Write *text* to *path* through a temporary file, so a reader never sees half of it.

    Private (0600, `agent.files`). Not redacted here: every text of a page comes from an
    Outcome, redacted when it is made, and the page's embedded screenshots must stay intact.
    """
    write_private_text(path, text, redact=False)
    return path


def local_and_utc(when: datetime, *, date: bool = False) -> str:
    """*when* in this machine's local time with UTC beside it (``14:03:05 CET (13:03:05 UTC)``),
    or only UTC when the two are the same."""
    fmt = "%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S"
    utc = when.astimezone(UTC)
    local = when.astimezone()
    if local.utcoffset() == utc.utcoffset():
        return f"{utc.strftime(fmt)} UTC"
    zone = local.strftime("%Z") or local.strftime("UTC%z")
    return f"{local.strftime(fmt)} {zone} ({utc.strftime(fmt)} UTC)"
