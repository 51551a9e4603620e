"""Reading the text files a person gives (request, batch, profile, fault plan, session): safely.

Every such file is read here, the same way: only a regular file (a FIFO, a device or a socket
is refused without being opened for long: nothing hangs on a pipe, nothing reads /dev/zero
forever), at most a size limit (read once, never more than the limit plus one byte), UTF-8 text
with or without a byte-order mark, and, for TOML and JSON, nested no deeper than `MAX_NESTING`
levels (checked before the parser sees it: a parser recursing thousands of levels deep would
crash). Each refusal is `UnreadableFile`, a few words on what is wrong and how to fix it, which
the caller puts in its own one-line error naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Literal

__all__ = [
    "MAX_NESTING",
    "MAX_TEXT_BYTES",
    "UnreadableFile",
    "check_nesting",
    "read_user_text",
]

#: The largest text file a person gives that is read (a request, a profile, a fault plan).
MAX_TEXT_BYTES = 1 << 20
#: The deepest nesting of arrays and tables accepted in a TOML or JSON file.
MAX_NESTING = 64

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(Exception):
    """A user's file that cannot be used: *what* is wrong with it, and *hint* how to fix it."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(mode: int) -> UnreadableFile:
    kind = _kind(mode)
    if kind == "a folder":
        return UnreadableFile("is a folder, not a file", "give the path of the file itself")
    return UnreadableFile(f"is {kind}, not a regular file", "give the path of a regular file")


def _os_error(exc: OSError) -> UnreadableFile:
    if exc.errno == errno.ENOENT:
        return UnreadableFile("no such file", "check the path")
    if exc.errno == errno.EISDIR:
        return UnreadableFile("is a folder, not a file", "give the path of the file itself")
    reason = (exc.strerror or type(exc).__name__).lower()
    return UnreadableFile(f"cannot be read ({reason})", "check the path and its permissions")


def read_user_text(path: str | os.PathLike[str], *, limit: int = MAX_TEXT_BYTES) -> str:
    """The text of a person's file: a regular file of at most *limit* bytes, in UTF-8.

    A byte-order mark at the start is dropped (as a CSV or TOML saved by a Windows editor has).
    Raises `UnreadableFile` for anything else, without blocking on a pipe or device.
    """
    file = Path(path)
    try:
        mode = os.stat(file).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode)
        # O_NONBLOCK: a file swapped for a FIFO after the stat still cannot block the open
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _os_error(exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _os_error(exc) from None
    finally:
        os.close(fd)
    if size > limit:
        raise UnreadableFile(
            f"is larger than {_size(limit)}", "check the path: no such file is that large"
        )
    try:
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("is not UTF-8 text", "save it as UTF-8") from None


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def check_nesting(text: str, *, syntax: Literal["toml", "json"], limit: int = MAX_NESTING) -> None:
    """Refuse TOML or JSON whose arrays and tables nest deeper than *limit* levels.

    Brackets inside strings and comments do not count; the parser still judges the syntax.
    """
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    raise UnreadableFile(
                        f"nests lists or tables more than {limit} levels deep",
                        "flatten it: no request, profile, plan or session needs that",
                    )
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == '"' or (ch == "'" and syntax == "toml"):
            i = _string_end(text, i, escapes=ch == '"')
            continue
        elif ch == "#" and syntax == "toml":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        i += 1


def _string_end(text: str, start: int, *, escapes: bool) -> int:
    """The index just after the string that starts at *start* (multi-line TOML strings too)."""
    quote = text[start]
    triple = text.startswith(quote * 3, start)
    closing = quote * 3 if triple else quote
    i = start + len(closing)
    n = len(text)
    while i < n:
        ch = text[i]
        if escapes and ch == "\\":
            i += 2
            continue
        if text.startswith(closing, i):
            i += len(closing)
            while triple and i < n and text[i] == quote:  # """a"""" ends with a quote inside
                i += 1
            return i
        if ch == "\n" and not triple:
            return i  # an unterminated one-line string: the parser says so
        i += 1
    return n
