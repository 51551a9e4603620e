"""A recording imported: read, drafted, its network data read, written.

`draft_recording` does what needs no browser (the recording and its HAR); the second pass on a
live site is `agent.recording.live`; `save_draft` writes the profile (never over a file unless
asked) after the loader accepted it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from agent.errors import InvalidConfig
from agent.recording.draft import Draft
from agent.recording.flow import draft_from
from agent.recording.har import answer_from, beacons, read_har, url_holding
from agent.recording.ids import id_pattern, url_anchored
from agent.recording.reading import read_recording
from agent.recording.writer import write_draft

__all__ = ["ImportRequest", "draft_recording", "har_beside", "save_draft", "summary"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRequest:
    """What to import, and the facts the person gives."""

    recording: Path
    #: The recording's network data (``--save-har``), when there is some.
    har: Path | None = None
    order_id: str | None = None
    site: str | None = None
    name: str | None = None


def har_beside(recording: Path) -> Path | None:
    """The HAR next to a recording (``flow.py`` -> ``flow.har``), when there is one."""
    candidate = recording.with_suffix(".har")
    return candidate if candidate != recording and candidate.is_file() else None


def draft_recording(request: ImportRequest) -> Draft:
    """The draft of a recording and its network data (no browser); InvalidConfig in one line
    for a recording that is not one, or not of a dispute being opened on this site."""
    recording = read_recording(request.recording)
    draft = draft_from(recording, order_id=request.order_id, site=request.site, name=request.name)
    if request.har is not None:
        exchanges = read_har(request.har)
        if answer_from(
            exchanges,
            draft.answer,
            site=draft.origin,
            sendings=draft.sendings,
            success_id=draft.success_id,
        ):
            draft.learned.append(
                f"the submit request: {draft.answer.method} {draft.answer.url}, from the network "
                f"data ({request.har})"
                + (", and how its JSON answers say opened and busy" if draft.answer.json else "")
            )
        else:
            draft.todo(
                f"[answer] url: no request of {request.har} was sent once per sending of the form"
            )
        draft.harmless.extend(beacons(exchanges, site=draft.origin, submit=draft.answer.url))
        _anchor_dispute(draft, url_holding(exchanges, draft.success_id or "\0"))
    return draft


def _anchor_dispute(draft: Draft, url: str | None) -> None:
    """A dispute read from an href without its key: the key, from the page the HAR fetched."""
    dispute = draft.dispute
    token = draft.success_id
    if dispute is None or dispute.attribute != "href" or url is None or token is None:
        return
    if dispute.pattern != id_pattern(token):
        return  # anchored already
    anchored = url_anchored(url, token)
    if anchored is not None:
        dispute.pattern = anchored
        draft.todos[:] = [t for t in draft.todos if not t.startswith("[dispute] pattern")]


def save_draft(draft: Draft, out: Path, *, force: bool) -> None:
    """Write the draft to *out* (InvalidConfig when it exists and *force* is not given)."""
    text, _ = write_draft(draft, source=str(out))
    if out.exists() and not force:
        raise InvalidConfig(
            f"{out} exists: the draft was not written",
            hint="give another --out, or --force to replace it",
        )
    if out.is_dir():
        raise InvalidConfig(f"--out {out} is a folder", hint="give a file name, e.g. shop.toml")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidConfig(
            f"--out {out} cannot be written ({(exc.strerror or str(exc)).lower()})",
            hint="choose another file",
        ) from None


def summary(draft: Draft) -> list[str]:
    """What the draft holds, in a few lines for the console."""
    counts = (
        f"{len(draft.elements)} elements, {len(draft.login_steps)} login steps, "
        f"{len(draft.open_steps)} open steps, {len(draft.fields)} fields "
        f"({', '.join(f.name for f in draft.fields)}), {len(draft.submit_steps)} submit steps, "
        f"{len(draft.reasons)} reason{'s' if len(draft.reasons) != 1 else ''}"
    )
    return [counts, *(f"TODO: {line}" for line in draft.todos)]
