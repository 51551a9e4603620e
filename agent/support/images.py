"""The run's screenshots as the chat takes them: the error's first, in batches, within the limits.

The error's screenshot is the last attempt that did not open the dispute (or the step where the run
stopped); the others follow in run order. A screenshot whose page text held a secret (the run masked
it in the text: ``[redacted]``) is never attached: the picture still shows it. Each image must be
JPEG or PNG (judged by content) and at most the chat's size: a larger one is re-encoded as a smaller
JPEG with Pillow, and one that cannot be read is left out (and logged).
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from PIL import Image, UnidentifiedImageError

from agent.log import get_logger
from agent.outcome import Outcome
from agent.output.held_back import error_screenshot, secret_screenshots
from agent.output.run_folder import (
    present_screenshots,
    run_dir_of,
    screenshot_file,
)
from agent.support.port import OutgoingImage

__all__ = ["image_batches", "ordered_screenshots"]


log = get_logger("agent.support")

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def ordered_screenshots(outcome: Outcome) -> tuple[str, ...]:
    """The run's screenshots that exist, the error's first, then the others in run order."""
    shots = present_screenshots(outcome)
    first = error_screenshot(outcome)
    return tuple(dict.fromkeys([first, *shots])) if first else shots


def _shrunk(data: bytes, limit: int) -> bytes | None:
    """``data`` re-encoded as a JPEG of at most ``limit`` bytes (smaller each try), or None."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            picture = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    for _ in range(6):
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=80)
        if out.tell() <= limit:
            return out.getvalue()
        picture = picture.resize((max(1, picture.width // 2), max(1, picture.height // 2)))
    return None


def _image(outcome: Outcome, relative: str, max_bytes: int) -> OutgoingImage | None:
    path = screenshot_file(run_dir_of(outcome), relative)
    try:
        data = path.read_bytes() if path is not None else b""
    except OSError:
        data = b""
    name = PurePosixPath(relative).name
    if not data.startswith((_PNG, _JPEG)):
        log.warning("agent.support_image_skipped", screenshot=relative, why="not a PNG or JPEG")
        return None
    if len(data) <= max_bytes:
        kind = "image/png" if data.startswith(_PNG) else "image/jpeg"
        return OutgoingImage(name=name, mime_type=kind, data=data, source=relative)
    smaller = _shrunk(data, max_bytes)
    if smaller is None:
        log.warning("agent.support_image_skipped", screenshot=relative, why="too large")
        return None
    log.info("agent.support_image_shrunk", screenshot=relative, bytes=len(data), now=len(smaller))
    jpeg_name = str(PurePosixPath(name).with_suffix(".jpg"))
    return OutgoingImage(name=jpeg_name, mime_type="image/jpeg", data=smaller, source=relative)


def image_batches(
    outcome: Outcome, *, max_images: int, max_bytes: int
) -> tuple[tuple[OutgoingImage, ...], ...]:
    """The screenshots to attach, in messages of at most ``max_images``, the error's first;
    never one whose page held a secret (`secret_screenshots`)."""
    held = set(secret_screenshots(outcome))
    images = [
        image
        for relative in ordered_screenshots(outcome)
        if relative not in held and (image := _image(outcome, relative, max_bytes)) is not None
    ]
    return tuple(tuple(images[i : i + max_images]) for i in range(0, len(images), max_images))
