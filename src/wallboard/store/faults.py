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

__all__ = ["Cause", "StorageFault", "fault_of"]

Cause = Literal["disk_full", "read_only", "locked", "corrupt", "io_error"]

# Below this much free space a failing write is put down to a full disk.
_NEARLY_FULL_BYTES = 1 << 20

_SQLITE_CAUSES: dict[str, Cause] = {
    "SQLITE_FULL": "disk_full", "SQLITE_READONLY": "read_only", "SQLITE_PERM": "read_only",
    "SQLITE_BUSY": "locked", "SQLITE_LOCKED": "locked", "SQLITE_CORRUPT": "corrupt",
    "SQLITE_NOTADB": "corrupt", "SQLITE_IOERR": "io_error", "SQLITE_CANTOPEN": "io_error"}
_ERRNO_CAUSES: dict[int, Cause] = {
    errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full", errno.EROFS: "read_only",
    errno.EACCES: "read_only", errno.EPERM: "read_only", errno.EIO: "io_error"}


class StorageFault(msgspec.Struct, frozen=True):
    cause: Cause
    message: str  # the cause and the place, for the reply, the log and the operator


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
    "corrupt": "the database file in {place} is damaged ({detail}); restore it from a backup",
    "io_error": "the disk holding the data directory {place} fails ({detail})",
}


def _filesystem_says(place: Path | str) -> Cause | None:
    """A read-only or full filesystem under ``place`` (an I/O error's likely cause)."""
    try:
        stats = os.statvfs(place)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return "read_only"
    if stats.f_bavail * stats.f_frsize < _NEARLY_FULL_BYTES:
        return "disk_full"
    return None
