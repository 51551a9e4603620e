"""Writing what a run leaves behind: private files, atomic, redacted text, never fatal to a run.

Every file of a run folder is written here: created with mode 0600 whatever the umask (run
folders are 0700), through a temporary name renamed into place (a reader never sees half a
file), text redacted (`agent.redaction`). A symbolic link is never followed: a file is opened
with ``O_NOFOLLOW`` and a link in a folder's place is refused, so a link planted in a run folder
neither receives the run's lines nor has its target's mode changed. A write that fails (a full
disk, a folder that went away) raises ``OSError`` as usual, and inside `tracking_failures` (a
run) it is first recorded by its name: the run catches the error where it writes, so its
outcome never changes because its evidence could not be saved, and the console says afterwards
which files are missing.

The bytes go through one `Writer`; tests put one in that fails like a full disk (`use_writer`).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from agent.redaction import redact_text

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "Appender",
    "Failures",
    "Writer",
    "check_writable_dir",
    "make_private_dir",
    "record_failure",
    "secure_file",
    "tracking_failures",
    "use_writer",
    "write_private_bytes",
    "write_private_text",
]

#: Every run-folder file: readable and writable by its owner only.
FILE_MODE = 0o600
#: Run folders (and their screenshots folder): their owner only.
DIR_MODE = 0o700


class Writer(Protocol):
    """Writes all of *data* to an open file descriptor, or raises OSError."""

    def write(self, fd: int, data: bytes, /) -> None: ...


class _OsWriter:
    def write(self, fd: int, data: bytes, /) -> None:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]


_writer: Writer = _OsWriter()


@contextlib.contextmanager
def use_writer(writer: Writer) -> Iterator[None]:
    """Send every file write of the process through *writer* (tests: a disk that fills up)."""
    global _writer
    before, _writer = _writer, writer
    try:
        yield
    finally:
        _writer = before


@dataclass(slots=True)
class Failures:
    """The files of a run that could not be written, by their name in the run folder."""

    root: Path
    names: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    def discard(self, name: str) -> None:
        """Forget a failure (a file that was written after all, in an earlier version)."""
        if name in self.reasons:
            self.names.remove(name)
            del self.reasons[name]

    def add(self, path: Path | str, exc: BaseException | str) -> None:
        name = _relative(self.root, Path(path))
        if name not in self.reasons:
            self.names.append(name)
            self.reasons[name] = _reason(exc)


_failures: contextvars.ContextVar[Failures | None] = contextvars.ContextVar(
    "retry_dispute_unwritten", default=None
)


@contextlib.contextmanager
def tracking_failures(root: Path) -> Iterator[Failures]:
    """Within this block (one run, in its task), failed writes are recorded, never raised."""
    failures = Failures(root)
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def record_failure(path: Path | str, exc: BaseException | str) -> bool:
    """Record that *path* could not be written; False when no run is tracking failures."""
    failures = _failures.get()
    if failures is None:
        return False
    failures.add(path, exc)
    return True


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _reason(exc: BaseException | str) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno).lower()
    return str(exc)[:200] or type(exc).__name__


#: Opening a run file never follows a symbolic link put in its place (ELOOP instead).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _no_link(path: Path) -> None:
    """Raise OSError (ELOOP) when *path* is a symbolic link: its target is never written."""
    if path.is_symlink():
        raise OSError(errno.ELOOP, "it is a symbolic link: not followed", str(path))


def make_private_dir(path: Path) -> None:
    """Create *path* (its parents as usual) with mode 0700; raise OSError when it cannot.

    A symbolic link in its place is refused (ELOOP), never followed, and its target's mode is
    never changed.
    """
    _no_link(path)
    path.mkdir(parents=True, exist_ok=True)
    _no_link(path)
    os.chmod(path, DIR_MODE)


def secure_file(path: Path) -> None:
    """Make a file another program wrote (Playwright's trace) readable by its owner only (a
    symbolic link is left alone: its target is never changed)."""
    if path.exists() and not path.is_symlink():
        os.chmod(path, FILE_MODE)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # O_NOFOLLOW: a link planted at the temporary name is refused, not written through; the
    # rename then replaces a link at *path* itself, never its target
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)  # an old temporary file may have had wider permissions
            _writer.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* (0600, atomically); an OSError is recorded (in a run), then raised."""
    try:
        _write(path, data)
    except OSError as exc:
        record_failure(path, exc)
        raise


def write_private_text(path: Path, text: str, *, redact: bool = True) -> None:
    """Write *text* (redacted unless told otherwise) as UTF-8; see `write_private_bytes`."""
    write_private_bytes(path, (redact_text(text) if redact else text).encode("utf-8"))


class Appender:
    """A file written line by line (``log.jsonl``): 0600, and silent once a write has failed.

    The first failure is recorded (`record_failure`) and the file is not written again, so a
    full disk costs the rest of the log, never the run.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failed = False
        self._fd: int | None = None

    def write_line(self, line: str) -> None:
        """Append one line (a newline is added); never raises."""
        if self.failed:
            return
        try:
            if self._fd is None:
                self._fd = os.open(
                    self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW, FILE_MODE
                )
                os.fchmod(self._fd, FILE_MODE)
            _writer.write(self._fd, (line + "\n").encode("utf-8"))
        except OSError as exc:
            self.failed = True
            record_failure(self.path, exc)
        except ValueError as exc:  # text that cannot be encoded: skip this line only
            record_failure(self.path, exc)

    def close(self) -> None:
        """Close the file; never raises."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)


def check_writable_dir(path: Path) -> None:
    """Make sure *path* is a folder this process can write a file into; OSError says why not.

    Creates it (and its parents) when missing, then writes and removes a one-byte file, so a
    file in its place, a folder without permission or a full disk are found before a run starts.
    """
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder", str(path))
    path.mkdir(parents=True, exist_ok=True)
    probe = path / f".retry-dispute-probe-{os.getpid()}"
    try:
        _write(probe, b"x")
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
