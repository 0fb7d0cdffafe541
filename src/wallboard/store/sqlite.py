"""The embedded backend: one SQLite file in WAL mode under the data directory.

It holds the accounts, their tokens (only a hash of each secret), the event log and engine
checkpoints. The log keeps each accepted event once per account (its ``id`` is unique there),
as the decoded tuple the engine consumes, so a replay never parses timestamps again and two
versions of an id compare by meaning, exactly as the engine compares them.

A ``Store`` wraps one connection and is used by one thread at a time; the service gives the
writer its own. Other processes (the CLI while the server runs) open their own ``Store``: WAL
lets them read while the server writes, and a busy timeout makes writers wait their turn.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .sql import EventRow, SqlStore

__all__ = ["DB_NAME", "SqliteStore"]

DB_NAME = "wallboard.sqlite3"
# How long a write waits for another connection's: past it, the database counts as locked by
# another process (a storage fault) rather than busy.
BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    name TEXT,
    timezone TEXT NOT NULL,
    sl_threshold_s REAL NOT NULL,
    default_max_chats INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('ingest', 'view', 'admin')),
    secret_sha256 BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    conversation TEXT,
    body BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (account, id)
);
CREATE INDEX IF NOT EXISTS events_by_conversation ON events (account, conversation)
    WHERE conversation IS NOT NULL;
CREATE TABLE IF NOT EXISTS history (
    account TEXT NOT NULL,
    day TEXT NOT NULL,
    snapshot BLOB NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (account, day)
);
CREATE TABLE IF NOT EXISTS series (
    account TEXT NOT NULL,
    day TEXT NOT NULL,
    row TEXT NOT NULL,
    data BLOB NOT NULL,
    written_at INTEGER NOT NULL,
    PRIMARY KEY (account, day, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retired (
    account TEXT NOT NULL,
    day TEXT NOT NULL,
    id TEXT NOT NULL,
    packed BLOB NOT NULL,
    PRIMARY KEY (account, day, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    secret_sha256 BLOB PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('view', 'admin')),
    token_id TEXT NOT NULL REFERENCES tokens(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signin_codes (
    code_sha256 BLOB PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('view', 'admin')),
    token_id TEXT NOT NULL REFERENCES tokens(id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE IF NOT EXISTS settings (
    account TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TABLE IF NOT EXISTS connector_state (
    account TEXT NOT NULL REFERENCES accounts(id),
    connector TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (account, connector, key)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    account TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    state BLOB NOT NULL,
    written_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    account TEXT NOT NULL REFERENCES accounts(id),
    id TEXT NOT NULL,
    fired_at INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (account, fired_at);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL REFERENCES accounts(id),
    created_at INTEGER NOT NULL,
    target BLOB NOT NULL,
    payload BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    last_error TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (state, seq);
CREATE INDEX IF NOT EXISTS deliveries_by_account ON deliveries (account, seq);
CREATE TABLE IF NOT EXISTS probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at INTEGER NOT NULL
);
"""


class SqliteStore(SqlStore):
    """One connection to the data directory's database (a ``protocols.Store``)."""

    def __init__(self, data_dir: Path | str) -> None:
        directory = Path(data_dir)
        # Tokens' hashes, sessions and every tenant's events: the owner's alone. (SQLite gives
        # its -wal and -shm files the database file's own permissions.)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = directory / DB_NAME
        # Only when it is new: closing a descriptor of a file SQLite has open in this process
        # would drop that connection's locks (POSIX locks belong to the process).
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        # Files an older release left readable by others are made the owner's alone (a
        # directory that existed before is the operator's to set).
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                path = directory / name
                if path.stat().st_mode & 0o077:
                    path.chmod(0o600)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_S)
        # WAL: readers never block the writer. synchronous=NORMAL: a commit survives the
        # process being killed at any moment (the WAL is in the OS before COMMIT returns);
        # only a power cut could take the last transactions.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    _duplicate = sqlite3.IntegrityError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: everything inside commits together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            # A COMMIT that failed (a full disk, a lock) may leave the transaction open, or
            # SQLite may have rolled it back already; the first error is the one to tell.
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    def _insert_events(self, rows: list[EventRow]) -> int:
        self._db.executemany(
            "INSERT INTO events (account, id, conversation, body, received_at)"
            " VALUES (?, ?, ?, ?, ?)", rows)
        # One writer holds the transaction, so this is the seq of the batch's last event.
        return int(self._db.execute("SELECT last_insert_rowid()").fetchone()[0])

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        yield from self._db.execute(sql, params)  # SQLite's cursor steps through the rows
