"""Evidence files: judged by content as the site will, before anything is sent.

The content decides the format (puremagic reads the first bytes), and the name must agree with
it (a PNG named ``.jpg`` is refused, asking to rename it), except that MP4 and MOV, one container,
may carry either extension. HEIC/AVIF images are named as such and refused unless the rules
allow them. Photos are decoded in full with Pillow, so a truncated or corrupt picture is refused
here rather than by the site. Empty files, folders, FIFOs and broken links are refused before
anything is opened, so a FIFO never blocks the check.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import puremagic
from PIL import Image

from agent.errors import InvalidConfig, InvalidEvidence
from agent.request.model import ALL_REASONS, EvidenceFile, EvidenceKind
from agent.request.text import suggest, type_name

__all__ = ["EvidenceRules", "check_evidence", "decode_error", "sniff_format"]

_KIB = 1024
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Format:
    label: str
    description: str
    extensions: tuple[str, ...]


#: Every format `sniff_format` recognises; the first extension is the one suggested in a rename.
_FORMATS: dict[str, _Format] = {
    "jpeg": _Format("JPEG", "a JPEG image", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "png": _Format("PNG", "a PNG image", (".png",)),
    "gif": _Format("GIF", "a GIF image", (".gif",)),
    "webp": _Format("WebP", "a WebP image", (".webp",)),
    "tiff": _Format("TIFF", "a TIFF image", (".tif", ".tiff")),
    "heic": _Format("HEIC", "a HEIC image", (".heic", ".heif")),
    "avif": _Format("AVIF", "an AVIF image", (".avif",)),
    "mp4": _Format("MP4", "an MP4 video", (".mp4", ".m4v", ".3gp")),
    "mov": _Format("MOV", "a QuickTime (MOV) video", (".mov", ".qt")),
    "m4a": _Format("M4A", "an M4A audio file", (".m4a",)),
    "webm": _Format("WebM", "a WebM or Matroska video", (".webm", ".mkv")),
    "avi": _Format("AVI", "an AVI video", (".avi",)),
    "pdf": _Format("PDF", "a PDF document", (".pdf",)),
    "zip": _Format("ZIP", "a ZIP archive or Office document", (".zip", ".docx", ".xlsx")),
}
_EXTENSIONS = {ext: name for name, fmt in _FORMATS.items() for ext in fmt.extensions}
#: MP4 and MOV share one container; either extension is accepted for either content.
_ONE_CONTAINER = frozenset({"mp4", "mov"})
#: What puremagic calls a format (its extension for it) -> our name for it.
_MAGIC_NAMES: dict[str, str] = {
    **dict.fromkeys((".jpg", ".jpeg", ".jpe", ".jfif"), "jpeg"),
    ".png": "png",
    ".gif": "gif",
    ".webp": "webp",
    **dict.fromkeys((".tif", ".tiff"), "tiff"),
    **dict.fromkeys((".heic", ".heif"), "heic"),
    ".avif": "avif",
    **dict.fromkeys((".mp4", ".m4v", ".3gp"), "mp4"),
    **dict.fromkeys((".mov", ".qt"), "mov"),
    **dict.fromkeys((".m4a", ".f4a"), "m4a"),
    **dict.fromkeys((".webm", ".mkv"), "webm"),
    ".avi": "avi",
    ".pdf": "pdf",
    **dict.fromkeys((".zip", ".docx", ".xlsx", ".pptx"), "zip"),
}
#: Bytes read from the start of a file to tell its format.
_SNIFF_BYTES = 512
#: Formats Pillow decodes in full to refuse a truncated or corrupt picture.
_DECODED = frozenset({"jpeg", "png", "gif", "webp", "tiff"})


def sniff_format(head: bytes) -> str | None:
    """Return the format of a file from its first bytes, or None when unknown (puremagic).

    The names are those of the evidence rules: ``jpeg``, ``png``, ``gif``, ``webp``, ``tiff``,
    ``heic``, ``avif``, ``mp4``, ``mov``, ``m4a``, ``webm``, ``avi``, ``pdf``, ``zip``.
    """
    if not head:
        return None
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    # the most confident match first, and of those the one that reads furthest into the header
    # (an ISO container's brand, "ftypavif", says more than its box, "ftyp")
    ranked = sorted(
        matches, key=lambda m: (m.confidence, m.offset + len(m.byte_match)), reverse=True
    )
    for match in ranked:
        name = _MAGIC_NAMES.get(match.extension.lower())
        if name is not None:
            return name
    return None


def decode_error(path: Path) -> str | None:
    """Why Pillow cannot decode the picture at *path* (truncated, corrupt), or None when it can."""
    try:
        with Image.open(path) as image:
            image.verify()  # structure and checksums (PNG chunks)
        with Image.open(path) as image:
            image.load()  # every pixel: a truncated JPEG fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return None


def _labels(formats: Iterable[str]) -> str:
    names = [_FORMATS[f].label for f in formats]
    return " or ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} or {names[-1]}"


def _size(n: int) -> str:
    if n >= _MIB:
        return f"{n / _MIB:.1f}".removesuffix(".0") + " MiB"
    if n >= _KIB:
        return f"{n / _KIB:.0f} KiB"
    return f"{n} bytes"


_FILE_TYPES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _check_file(path: Path, rules: EvidenceRules) -> EvidenceFile:
    name = str(path)
    accepted = f"the site takes {_labels(rules.photo_formats)} photos"
    if rules.video_formats:
        accepted += f" and {_labels(rules.video_formats)} videos"
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InvalidEvidence(
                f"{name} is a broken symbolic link",
                path=path,
                hint="point it at the file, or give the file itself",
            ) from None
        raise InvalidEvidence(
            f"{name} does not exist", path=path, hint="check the path and the current folder"
        ) from None
    except OSError as exc:
        raise InvalidEvidence(
            f"{name} cannot be reached ({exc.strerror or exc})",
            path=path,
            hint="check the path and its folders' permissions",
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidEvidence(
            f"{name} is a folder, not a file",
            path=path,
            hint="give the photo and video files inside it one by one",
        )
    if not stat.S_ISREG(info.st_mode):
        special = next((label for test, label in _FILE_TYPES if test(info.st_mode)), "special")
        raise InvalidEvidence(
            f"{name} is {special}, not a regular file", path=path, hint="give a photo or video file"
        )
    if info.st_size == 0:
        raise InvalidEvidence(
            f"{name} is empty", path=path, hint="attach the photo or video itself"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InvalidEvidence(
            f"{name} cannot be read ({exc.strerror or exc})",
            path=path,
            hint="check its permissions (chmod u+r)",
        ) from None
    found = sniff_format(head)
    named = _EXTENSIONS.get(path.suffix.lower())
    says = f", not {_FORMATS[named].description} as its name says" if named else ""
    if found is None:
        raise InvalidEvidence(
            f"{name} is not a photo or a video (its content is none of "
            f"{_labels((*rules.photo_formats, *rules.video_formats))})",
            path=path,
            hint=f"{accepted}: attach one of those",
        )
    if found not in rules.photo_formats and found not in rules.video_formats:
        raise InvalidEvidence(
            f"{name} holds {_FORMATS[found].description}{says}",
            path=path,
            hint=f"{accepted}: convert it",
            context={"format": found},
        )
    if named != found and not {named, found} <= _ONE_CONTAINER:
        what = f"{name} holds {_FORMATS[found].description}"
        what += says or " but its name does not say so"
        rename = path.with_suffix(_FORMATS[found].extensions[0]).name
        raise InvalidEvidence(
            what, path=path, hint=f"rename it {rename}", context={"format": found}
        )
    kind: EvidenceKind = "photo" if found in rules.photo_formats else "video"
    limit = rules.max_photo_bytes if kind == "photo" else rules.max_video_bytes
    if info.st_size > limit:
        size, most = _size(info.st_size), _size(limit)
        if size == most:
            size, most = f"{info.st_size} bytes", f"{limit} bytes ({most})"
        raise InvalidEvidence(
            f"{name} is {size}",
            path=path,
            hint=f"{kind}s may be at most {most}: resize or compress it",
            context={"size": info.st_size, "limit": limit},
        )
    broken = decode_error(path) if found in _DECODED else None
    if broken is not None:
        raise InvalidEvidence(
            f"{name} is not a whole {_FORMATS[found].label} picture ({broken})",
            path=path,
            hint="the file is truncated or corrupt: export or copy the photo again",
            context={"format": found},
        )
    return EvidenceFile(path=path, kind=kind, size=info.st_size)


def check_evidence(
    paths: Iterable[str | os.PathLike[str]],
    *,
    received: bool,
    reason: str,
    rules: EvidenceRules | None = None,
) -> list[EvidenceFile]:
    """Check the evidence files as the site will, by content, and return them (`InvalidEvidence`).

    Each file must exist, be a regular readable file whose content is an accepted photo or video
    format that its name agrees with, within the size limit of its kind; at most
    ``rules.max_files`` files (none when it is 0), no file twice; a photo when *received*
    (unless the rules say otherwise) and for the reasons in ``rules.photo_required_reasons``, a
    video for the reasons in ``rules.video_required_reasons``.
    """
    rules = rules if rules is not None else EvidenceRules()
    given = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    if given and rules.max_files == 0:
        raise InvalidEvidence(
            f"{len(given)} file{'s' if len(given) > 1 else ''} given",
            hint="the site takes no evidence files: leave them out",
            context={"count": len(given), "max_files": 0},
        )
    if len(given) > rules.max_files:
        raise InvalidEvidence(
            f"{len(given)} files given",
            hint=f"the site takes at most {rules.max_files}: keep those that show the problem best",
            context={"count": len(given), "max_files": rules.max_files},
        )
    files: list[EvidenceFile] = []
    seen: dict[Path, Path] = {}
    for path in given:
        if not str(path) or path == Path():
            raise InvalidEvidence("an empty file name", hint="give the path of each file")
        checked = _check_file(path, rules)
        key = path.resolve()
        if key in seen:
            raise InvalidEvidence(f"{path} is given twice", path=path, hint="give each file once")
        seen[key] = path
        files.append(checked)
    kinds = {f.kind for f in files}
    if received and rules.photos_required_when_received and "photo" not in kinds:
        raise InvalidEvidence(
            "no photo attached",
            hint=f"the site needs at least one photo ({_labels(rules.photo_formats)}) "
            "of the item when it was received: attach one",
        )
    if reason in rules.photo_required_reasons and "photo" not in kinds:
        raise InvalidEvidence(
            "no photo attached",
            hint=f"the reason {reason} needs a photo ({_labels(rules.photo_formats)}) "
            "showing the problem: attach one",
        )
    if reason in rules.video_required_reasons and "video" not in kinds:
        raise InvalidEvidence(
            "no video attached",
            hint=f"the reason {reason} needs a video ({_labels(rules.video_formats)}) "
            "showing the problem: attach one",
        )
    return files


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRules:
    """What a storefront accepts as evidence; the defaults are the bundled storefront's.

    Photos are optional when the item was not received. A store that takes no video says
    ``video_formats = []`` (its video limits then do not apply); one that takes no evidence at
    all says ``max_files = 0`` (and requires none).
    """

    #: Formats judged by content: any of the names `sniff_format` returns.
    photo_formats: tuple[str, ...] = ("jpeg", "png")
    video_formats: tuple[str, ...] = ("mp4", "mov")
    max_files: int = 6
    max_photo_bytes: int = 5 * _MIB
    max_video_bytes: int = 20 * _MIB
    #: At least one photo when the item was received.
    photos_required_when_received: bool = True
    #: Reasons that need a video showing the problem.
    video_required_reasons: tuple[str, ...] = ("does_not_work",)
    #: Reasons that need a photo showing the problem (``damaged``), received or not.
    photo_required_reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lists = (
            "photo_formats",
            "video_formats",
            "video_required_reasons",
            "photo_required_reasons",
        )
        for key in lists:
            value = getattr(self, key)
            if not isinstance(value, tuple | list) or not all(isinstance(v, str) for v in value):
                raise _rules_error(key, f"must be a list of strings, not {type_name(value)}", "")
            object.__setattr__(self, key, tuple(value))  # a list from TOML becomes a tuple
        for key in ("photo_formats", "video_formats"):
            for name in getattr(self, key):
                if name not in _FORMATS:
                    raise _rules_error(
                        key,
                        f'names an unknown format "{name}"',
                        suggest(name, _FORMATS) + f"known formats: {', '.join(_FORMATS)}",
                    )
        both = set(self.photo_formats) & set(self.video_formats)
        if both:
            raise _rules_error(
                "video_formats",
                f"repeats photo formats ({', '.join(sorted(both))})",
                "a format is either a photo or a video",
            )
        for key, least in (
            ("max_files", 0),
            ("max_photo_bytes", 1),
            ("max_video_bytes", 1 if self.video_formats else 0),
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                bound = "0 or more" if least == 0 else "1 or more"
                raise _rules_error(key, f"must be a whole number of {bound}, not {value!r}", "")
        if not isinstance(self.photos_required_when_received, bool):
            value = self.photos_required_when_received
            raise _rules_error(
                "photos_required_when_received", f"must be true or false, not {value!r}", ""
            )
        for key in ("video_required_reasons", "photo_required_reasons"):
            for reason in getattr(self, key):
                if reason not in ALL_REASONS:
                    raise _rules_error(
                        key,
                        f'names an unknown reason "{reason}"',
                        suggest(reason, ALL_REASONS) + f"reasons: {', '.join(ALL_REASONS)}",
                    )
        if self.video_required_reasons and not self.video_formats:
            raise _rules_error(
                "video_required_reasons",
                "requires a video but video_formats is empty (the site takes no video)",
                "set video_required_reasons = [] or list the video formats",
            )
        if self.max_files == 0:
            required = [
                key
                for key in ("photo_required_reasons", "video_required_reasons")
                if getattr(self, key)
            ]
            if self.photos_required_when_received:
                required.insert(0, "photos_required_when_received")
            if required:
                raise _rules_error(
                    required[0],
                    "requires evidence but max_files is 0 (the site takes none)",
                    f"set {required[0]} = {'false' if required[0].startswith('photos') else '[]'}",
                )


def _rules_error(key: str, what: str, hint: str) -> InvalidConfig:
    return InvalidConfig(
        f"evidence.{key} {what}", key=f"evidence.{key}", hint=hint or "fix the profile's [evidence]"
    )
