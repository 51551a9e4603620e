"""A disk that fills up, for `agent.files.use_writer`: writes what fits, then fails with ENOSPC."""

from __future__ import annotations

import errno
import os


class FillingDisk:
    """A disk with ``free`` bytes left (None: never full); counts what was written and refused."""

    def __init__(self, free: int | None) -> None:
        self.free = free
        self.used = 0
        self.refused = 0

    def write(self, fd: int, data: bytes, /) -> None:
        """Write all of *data*, or what fits and then raise ENOSPC, as a full disk does."""
        room = len(data) if self.free is None else max(0, self.free - self.used)
        part = bytes(data[:room])
        while part:
            part = part[os.write(fd, part) :]
        self.used += min(room, len(data))
        if room < len(data):
            self.refused += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
