"""What is wrong with the storage, told in an operator's words.

A write that fails because of the machine (a full disk, a read-only or failing one, a
database another process holds locked, a damaged database file) is not a bug of ours: the
service refuses writes with a 503 naming the cause until a write works again. Everything
else stays an unexpected error. SQLite names its failures (``sqlite_errorname``); an I/O
error it cannot name is told by the filesystem itself (read-only, or no space left).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import Literal

import msgspec

__all__ = ["Cause", "StorageFault", "fault_of", "still_full"]

Cause = Literal["disk_full", "read_only", "locked", "corrupt", "replaced", "io_error"]

# Below this much free space a failing write is put down to a full disk.
_NEARLY_FULL_BYTES = 1 << 20

_SQLITE_CAUSES: dict[str, Cause] = {
    "SQLITE_READONLY_DBMOVED": "replaced",
    "SQLITE_FULL": "disk_full", "SQLITE_READONLY": "read_only", "SQLITE_PERM": "read_only",
    "SQLITE_BUSY": "locked", "SQLITE_LOCKED": "locked", "SQLITE_CORRUPT": "corrupt",
    "SQLITE_NOTADB": "corrupt", "SQLITE_IOERR": "io_error", "SQLITE_CANTOPEN": "io_error"}
# Only what can come from nothing but the disk: a denied permission or an I/O error raised
# by other code is a bug to see with its trace.
_ERRNO_CAUSES: dict[int, Cause] = {
    errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EROFS: "read_only"}


class StorageFault(msgspec.Struct, frozen=True):
    cause: Cause
    message: str  # the cause and the place, for the reply, the log and the operator

    @property
    def clears_by_itself(self) -> bool:
        """False for a database file damaged or replaced under the running service: the
        connections hold the old file, so only a restart (after a restore) ends it."""
        return self.cause not in ("corrupt", "replaced")


def fault_of(exc: BaseException, place: Path | str) -> StorageFault | None:
    """The storage fault behind ``exc`` (None: not one, a bug to log with its trace)."""
    cause: Cause | None = None
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        cause = _SQLITE_CAUSES.get(name) or _SQLITE_CAUSES.get("_".join(name.split("_")[:2]))
    elif isinstance(exc, OSError) and exc.errno is not None:
        cause = _ERRNO_CAUSES.get(exc.errno)
    if cause is None:
        return None
    if cause == "io_error":
        cause = _filesystem_says(place) or cause
    return StorageFault(cause, _MESSAGES[cause].format(place=place, detail=exc))


_MESSAGES: dict[Cause, str] = {
    "disk_full": "the disk holding the data directory {place} is full",
    "read_only": "the data directory {place} cannot be written (read-only)",
    "locked": "the database in {place} is locked by another process",
    "corrupt": "the database file in {place} is damaged ({detail}); stop the service and "
               "restore it from a backup",
    "replaced": "the database file in {place} was moved or replaced while the service ran; "
                "restart the service",
    "io_error": "the disk holding the data directory {place} fails ({detail})",
}


def still_full(place: Path | str) -> bool:
    """Under ``_NEARLY_FULL_BYTES`` free where ``place`` is (False when it cannot be told)."""
    stats = _statvfs(place)
    return stats is not None and _nearly_full(stats)


def _filesystem_says(place: Path | str) -> Cause | None:
    """A read-only or full filesystem under ``place`` (an I/O error's likely cause)."""
    stats = _statvfs(place)
    if stats is None:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return "read_only"
    return "disk_full" if _nearly_full(stats) else None


def _statvfs(place: Path | str) -> os.statvfs_result | None:
    try:
        return os.statvfs(place)
    except OSError:
        return None


def _nearly_full(stats: os.statvfs_result) -> bool:
    return stats.f_bavail * stats.f_frsize < _NEARLY_FULL_BYTES
