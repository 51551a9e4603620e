"""A recording file read safely, its format told from its content, refused in one line.

A JSON file must be a Chrome DevTools Recorder export (`agent.recording.chrome`); anything else
must be a Python script that uses Playwright (`agent.recording.codegen`), parsed with `ast` and
never run. What is neither (not JSON, another JSON schema, a script that does not parse or does
not use Playwright, a file that cannot be read) is `InvalidConfig` (exit 2) naming the file, what
is wrong and what to give instead.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from agent.errors import InvalidConfig
from agent.log import get_logger
from agent.recording.chrome import check_chrome_shape, read_chrome
from agent.recording.codegen import looks_like_codegen, read_codegen
from agent.recording.model import Recording
from agent.user_files import UnreadableFile, check_nesting, read_user_text

__all__ = ["MAX_RECORDING_BYTES", "read_recording"]

log = get_logger("agent.recording")

#: A recording of one flow is a few dozen kilobytes; anything past this is not one.
MAX_RECORDING_BYTES = 4 << 20
_WHAT = "a Chrome DevTools Recorder export (JSON) or a Playwright codegen script (Python)"


def _json(text: str, source: str) -> Recording:
    try:
        check_nesting(text, syntax="json")
        data = json.loads(text)
    except UnreadableFile as exc:
        raise InvalidConfig(exc.what, source=source, hint=exc.hint) from None
    except json.JSONDecodeError as exc:
        raise InvalidConfig(
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            source=source,
            hint=f"give {_WHAT}, as the tool exported it",
        ) from None
    except (ValueError, RecursionError):
        raise InvalidConfig(
            "is not valid JSON", source=source, hint=f"give {_WHAT}, as the tool exported it"
        ) from None
    return read_chrome(check_chrome_shape(data, source=source), source=source)


def _python(text: str, source: str) -> Recording:
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise InvalidConfig(
            f"is neither JSON nor a Python script (line {exc.lineno}: {exc.msg})",
            source=source,
            hint=f"give {_WHAT}",
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise InvalidConfig(
            "is nested too deeply to read", source=source, hint=f"give {_WHAT}"
        ) from None
    if not looks_like_codegen(tree):
        raise InvalidConfig(
            "is a Python script that does not use Playwright",
            source=source,
            hint="record the flow with `playwright codegen --target python`, or use "
            "`retry-dispute record`",
        )
    script = read_codegen(tree, source=source)
    if script.skipped:
        log.warning(
            "agent.recording_lines_skipped",
            source=source,
            lines=list(script.skipped),
            reason="in a frame: a profile cannot name an element inside a frame",
        )
    return script.recording


def read_recording(path: Path) -> Recording:
    """Read a recording; InvalidConfig (one line, exit 2) when it is not one."""
    source = str(path)
    try:
        text = read_user_text(path, limit=MAX_RECORDING_BYTES)
    except UnreadableFile as exc:
        raise InvalidConfig(f"recording {exc.what}", source=source, hint=exc.hint) from None
    stripped = text.lstrip()
    if not stripped:
        raise InvalidConfig("is empty", source=source, hint=f"give {_WHAT}")
    if stripped[0] in "{[" or path.suffix.lower() == ".json":
        recording = _json(text, source)
    else:
        recording = _python(text, source)
    if not recording.actions:
        raise InvalidConfig(
            "holds no action of a person (no page opened, nothing clicked or typed)",
            source=source,
            hint="record the whole flow: open the order, open the dispute form, fill it in",
        )
    return recording
