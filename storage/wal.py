"""The write-ahead log: numbered segment files of checksummed lines, appended and fsynced in groups.

A line is `<crc32 as 8 hex digits> <json>\\n`. A line that was being written when
the process died (torn) or that does not match its checksum is skipped on
replay; it was never acknowledged, because a change is acknowledged only after
the fsync that covers it.

Spare segments: a segment can start life as a file of zeros written and fsynced
in advance (`<name>.spare`, made off the reply path). Appending into blocks that
already exist changes neither the file's size nor its block map, so the fsync
after each group has only data to flush (about half the cost of a growing file
on ext4). Replay stops at the zeros: a line never starts with a NUL byte.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from dialogs import jsondata
from dialogs.ports import StorageError

from .files import fsync_dir

log = logging.getLogger(__name__)


def _datasync(fd: int) -> None:
    """An append-only file needs its data and size on disk, not its timestamps: fdatasync where there is one."""
    getattr(os, "fdatasync", os.fsync)(fd)


def encode_line(entry: dict[str, Any]) -> bytes:
    """One log line for an entry."""
    body = jsondata.dumps(entry)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def decode_line(line: bytes) -> dict[str, Any] | None:
    """The entry of a complete, intact line; None for a torn or damaged one."""
    if len(line) < 10 or not line.endswith(b"\n") or line[8:9] != b" ":
        return None
    body = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        entry = json.loads(body.decode("utf-8"))
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


_ZEROS = bytes(1 << 20)


class WriteAheadLog:
    """Segments `<folder>/<n>.log`; one is open for appending, older ones wait for compaction.

    `spare_bytes` > 0 keeps up to `spares` zero-filled files of that size ready to become
    the next segments (make_spares); 0 appends to files that grow.
    """

    def __init__(self, folder: Path, *, spare_bytes: int = 0, spares: int = 2) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.spare_bytes = spare_bytes
        self.spares = spares if spare_bytes > 0 else 0
        self._fh: IO[bytes] | None = None
        self._current: Path | None = None
        self._next = max((self._number(p) for p in self.segments()), default=0) + 1
        self.size = 0  # bytes written to the open segment
        self.last_sealed = 0  # bytes written to the segment sealed last (tells whether spares are worth making)
        for part in self.folder.glob("*.part"):  # a spare being made when the process died
            part.unlink(missing_ok=True)

    @staticmethod
    def _number(path: Path) -> int:
        return int(path.stem)

    def segments(self) -> list[Path]:
        """Every segment on disk, oldest first."""
        return sorted((p for p in self.folder.glob("*.log") if p.stem.isdigit()), key=self._number)

    def entries(self, segments: list[Path]) -> Iterator[dict[str, Any]]:
        """Intact entries of these segments, in order (damaged lines are skipped and logged)."""
        for path in segments:
            with open(path, "rb") as fh:
                n = 0
                while fh.peek(1)[:1] not in (b"", b"\0"):  # the end, or a spare's unused zeros (never read)
                    line, n = fh.readline(), n + 1
                    entry = decode_line(line)
                    if entry is None:
                        log.warning("write-ahead log %s line %d is torn or damaged; skipped", path.name, n)
                        continue
                    yield entry

    def append(self, lines: list[bytes]) -> None:
        """Write lines and fsync once (group commit). On failure the segment is cut back and StorageError raised."""
        if self._fh is None:
            self._open()
        assert self._fh is not None
        start = self.size
        try:
            self._fh.write(b"".join(lines))
            self._fh.flush()
            _datasync(self._fh.fileno())
        except OSError as exc:
            self._cut_back(start)
            raise StorageError(str(exc)) from exc
        self.size = self._fh.tell()

    def _cut_back(self, size: int) -> None:
        """Leave no unacknowledged bytes behind after a failed append (best effort)."""
        assert self._fh is not None
        try:
            self._fh.seek(size)
            self._fh.truncate(size)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError:
            log.warning("could not cut the write-ahead log back after a failed write")
        self.size = size

    def _open(self) -> None:
        self._current = self.folder / f"{self._next:010d}.log"
        self._next += 1
        if self._take_spare(self._current):
            self._fh = open(self._current, "r+b")  # noqa: SIM115 - written from the start, over the zeros
        else:
            self._fh = open(self._current, "ab")  # noqa: SIM115 - kept open while it is the current segment
        fsync_dir(self.folder)
        self.size = 0

    def _take_spare(self, path: Path) -> bool:
        """Rename a ready spare to `path`; False when there is none (the segment is a new, growing file)."""
        for spare in sorted(self.folder.glob("*.spare")):
            with contextlib.suppress(FileNotFoundError):
                os.rename(spare, path)
                return True
        return False

    def make_spares(self) -> int:
        """Write zero-filled spares until `spares` are ready (off the reply path); returns how many were made."""
        made = 0
        while len(list(self.folder.glob("*.spare"))) < self.spares:
            part = self.folder / f"{time.time_ns()}.part"
            try:
                with open(part, "wb") as fh:
                    left = self.spare_bytes
                    while left > 0:
                        left -= fh.write(_ZEROS[: min(left, len(_ZEROS))])
                    fh.flush()
                    os.fsync(fh.fileno())
                os.rename(part, part.with_suffix(".spare"))
            except OSError:
                log.warning("could not prepare a spare log segment; segments will grow as they are written")
                part.unlink(missing_ok=True)
                return made
            fsync_dir(self.folder)
            made += 1
        return made

    def seal(self) -> list[Path]:
        """Close the open segment; return every segment on disk (all are now sealed, oldest first)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self.last_sealed, self.size = self.size, 0
        return self.segments()

    def remove(self, segments: list[Path]) -> None:
        """Delete compacted segments."""
        for path in segments:
            path.unlink(missing_ok=True)
        fsync_dir(self.folder)

    def close(self) -> None:
        """Close the open segment, if any."""
        self.seal()
