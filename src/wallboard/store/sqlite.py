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

from ..events import EVENT_ID, LAST_CONVERSATION_RANK, Event
from .log_format import event_body, event_of
from .records import (
    AccountConfig,
    AccountExists,
    Appended,
    LogEntry,
    Result,
    RetiredConversation,
    Role,
    SavedAlert,
    SavedCheckpoint,
    SavedDay,
    SavedDelivery,
    SavedSeries,
    SessionInfo,
    StoredEvent,
    TokenInfo,
    UnknownAccount,
)
from .rules import (
    hash_secret,
    matches,
    new_code,
    new_session_secret,
    new_token,
    session_expiry,
    token_id_of,
    verdict,
)

__all__ = ["DB_NAME", "SqliteStore"]

DB_NAME = "wallboard.sqlite3"

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
"""


class SqliteStore:
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
                                   timeout=30)
        # WAL: readers never block the writer. synchronous=NORMAL: a commit survives the
        # process being killed at any moment (the WAL is in the OS before COMMIT returns);
        # only a power cut could take the last transactions.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- accounts -----------------------------------------------------------------------------

    def create_account(self, config: AccountConfig, now: int) -> None:
        try:
            self._db.execute(
                "INSERT INTO accounts (id, name, timezone, sl_threshold_s, default_max_chats,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (config.id, config.name, config.timezone, config.sl_threshold_s,
                 config.default_max_chats, now))
        except sqlite3.IntegrityError:
            raise AccountExists(config.id) from None

    def accounts(self) -> list[AccountConfig]:
        rows = self._db.execute(
            "SELECT id, timezone, name, sl_threshold_s, default_max_chats FROM accounts"
            " ORDER BY id").fetchall()
        return [AccountConfig(*_whole(row)) for row in rows]

    def account(self, account_id: str) -> AccountConfig | None:
        row = self._db.execute(
            "SELECT id, timezone, name, sl_threshold_s, default_max_chats FROM accounts"
            " WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else AccountConfig(*_whole(row))

    # -- tokens -------------------------------------------------------------------------------

    def create_token(self, account_id: str, role: Role, now: int) -> tuple[TokenInfo, str]:
        """A new token; returns its record and the secret, which is never stored."""
        if self.account(account_id) is None:
            raise UnknownAccount(account_id)
        token_id, secret = new_token()
        self._db.execute(
            "INSERT INTO tokens (id, account, role, secret_sha256, created_at)"
            " VALUES (?, ?, ?, ?, ?)", (token_id, account_id, role, hash_secret(secret), now))
        return TokenInfo(token_id, account_id, role, now), secret

    def revoke_token(self, token_id: str, now: int) -> bool:
        """Revoke a token by its id; False when there is no such live token."""
        cursor = self._db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now, token_id))
        return cursor.rowcount == 1

    def tokens(self, account_id: str) -> list[TokenInfo]:
        rows = self._db.execute(
            "SELECT id, account, role, created_at, revoked_at FROM tokens WHERE account = ?"
            " ORDER BY created_at, id", (account_id,)).fetchall()
        return [TokenInfo(*row) for row in rows]

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The live token this secret belongs to, or None."""
        token_id = token_id_of(secret)
        if token_id is None:
            return None
        row = self._db.execute(
            "SELECT id, account, role, created_at, revoked_at, secret_sha256 FROM tokens"
            " WHERE id = ?", (token_id,)).fetchone()
        if row is None or row[4] is not None or not matches(row[5], secret):
            return None
        return TokenInfo(*row[:5])

    # -- browser sessions and one-time sign-in codes -------------------------------------------

    def open_session(self, account_id: str, role: Role, token_id: str, now: int,
                     idle_ms: int) -> str:
        """A new session; returns its secret (for the cookie), which is never stored."""
        secret = new_session_secret()
        self._db.execute(
            "INSERT INTO sessions (secret_sha256, account, role, token_id, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (hash_secret(secret), account_id, role, token_id, now, now + idle_ms))
        return secret

    def session(self, secret: str, now: int, idle_ms: int, max_ms: int) -> SessionInfo | None:
        """The live session of this secret, its expiry pushed back to ``now + idle_ms`` (at
        most ``max_ms`` after it opened); None when unknown, expired or its token revoked."""
        row = self._db.execute(
            "SELECT s.account, s.role, s.token_id, s.created_at, s.expires_at, t.revoked_at"
            " FROM sessions s JOIN tokens t ON t.id = s.token_id"
            " WHERE s.secret_sha256 = ?", (hash_secret(secret),)).fetchone()
        if row is None or row[4] <= now or row[5] is not None:
            return None
        expires = session_expiry(row[3], row[4], now, idle_ms, max_ms)
        if expires is not None:
            self._db.execute("UPDATE sessions SET expires_at = ? WHERE secret_sha256 = ?",
                             (expires, hash_secret(secret)))
        else:
            expires = row[4]
        return SessionInfo(row[0], row[1], row[2], row[3], expires)

    def close_session(self, secret: str) -> None:
        self._db.execute("DELETE FROM sessions WHERE secret_sha256 = ?", (hash_secret(secret),))

    def forget_sessions_before(self, now: int) -> int:
        """Drop expired sessions and used or expired sign-in codes; how many sessions went."""
        self._db.execute("DELETE FROM signin_codes WHERE expires_at <= ? OR used_at IS NOT NULL",
                         (now,))
        return self._db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,)).rowcount

    def create_signin_code(self, account_id: str, role: Role, now: int, ttl_ms: int
                           ) -> tuple[str, TokenInfo]:
        """A code for a one-time sign-in link (one use, within ``ttl_ms``), and the token
        made for it: its secret is never shown, but revoking it ends the link's session."""
        token, _ = self.create_token(account_id, role, now)
        code = new_code()
        self._db.execute(
            "INSERT INTO signin_codes (code_sha256, account, role, token_id, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (hash_secret(code), account_id, role, token.id, now + ttl_ms))
        return code, token

    def use_signin_code(self, code: str, now: int) -> TokenInfo | None:
        """Spend a sign-in code: the token it stands for the first time, None ever after."""
        row = self._db.execute(
            "UPDATE signin_codes SET used_at = ? WHERE code_sha256 = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING token_id", (now, hash_secret(code), now)).fetchone()
        if row is None:
            return None
        found = self._db.execute(
            "SELECT id, account, role, created_at, revoked_at FROM tokens WHERE id = ?"
            " AND revoked_at IS NULL", (row[0],)).fetchone()
        return None if found is None else TokenInfo(*found)

    # -- per-account settings -----------------------------------------------------------------

    def setting(self, account_id: str, name: str) -> bytes | None:
        row = self._db.execute("SELECT value FROM settings WHERE account = ? AND name = ?",
                               (account_id, name)).fetchone()
        return None if row is None else bytes(row[0])

    def save_setting(self, account_id: str, name: str, value: bytes) -> None:
        self._db.execute(
            "INSERT INTO settings (account, name, value) VALUES (?, ?, ?)"
            " ON CONFLICT (account, name) DO UPDATE SET value = excluded.value",
            (account_id, name, value))

    # -- event log ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: everything inside commits together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def append(self, account_id: str, events: Sequence[Event], received_at: int
               ) -> list[Result]:
        """Log the events of one account in one transaction; say what became of each.

        An id already in the log is a duplicate when its content is the same, else a
        conflict; the first version stands. The same id twice in one batch counts likewise.
        """
        with self.transaction():
            return self.append_in_transaction(account_id, events, received_at).results

    def append_in_transaction(self, account_id: str, events: Sequence[Event], received_at: int
                              ) -> Appended:
        """``append`` inside a ``transaction()``; also the seq of the last event logged."""
        results: list[Result] = []
        known = self._known_bodies(account_id, [ev[EVENT_ID] for ev in events])
        rows = []
        for ev in events:
            _at, rank, event_id, subject, _a, _b, _c = ev
            body = event_body(ev)
            seen = known.get(event_id)
            if seen is not None:
                results.append(verdict(seen, body, ev))
                continue
            known[event_id] = body
            results.append("accepted")
            conversation = subject if rank <= LAST_CONVERSATION_RANK else None
            rows.append((account_id, event_id, conversation, body, received_at))
        if not rows:
            return Appended(results, 0)
        self._db.executemany(
            "INSERT INTO events (account, id, conversation, body, received_at)"
            " VALUES (?, ?, ?, ?, ?)", rows)
        # One writer holds the transaction, so this is the seq of the batch's last event.
        last = self._db.execute("SELECT last_insert_rowid()").fetchone()[0]
        return Appended(results, int(last))

    def _known_bodies(self, account_id: str, ids: list[str]) -> dict[str, bytes]:
        known: dict[str, bytes] = {}
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            known.update(self._db.execute(
                f"SELECT id, body FROM events WHERE account = ? AND id IN ({marks})",
                (account_id, *chunk)).fetchall())
        return known

    def read(self, account_id: str, after_seq: int = 0) -> Iterator[LogEntry]:
        """The account's log after ``after_seq``, in order."""
        cursor = self._db.execute(
            "SELECT seq, received_at, body FROM events WHERE account = ? AND seq > ?"
            " ORDER BY seq", (account_id, after_seq))
        for seq, received_at, body in cursor:
            yield LogEntry(seq, received_at, event_of(body))

    def conversation_events(self, account_id: str, conversation: str) -> list[StoredEvent]:
        """One conversation's events, in the order they were logged."""
        rows = self._db.execute(
            "SELECT received_at, body FROM events WHERE account = ? AND conversation = ?"
            " ORDER BY seq", (account_id, conversation)).fetchall()
        return [StoredEvent(received_at, event_of(body)) for received_at, body in rows]

    def last_seq(self) -> int:
        row = self._db.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def count_events(self, account_id: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM events WHERE account = ?",
                               (account_id,)).fetchone()
        return int(row[0])

    # -- daily history ------------------------------------------------------------------------

    def save_days(self, account_id: str, days: Sequence[SavedDay], now: int) -> None:
        """Store (or correct) whole local days."""
        self._db.executemany(
            "INSERT INTO history (account, day, snapshot, written_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account, day) DO UPDATE SET snapshot = excluded.snapshot,"
            " written_at = excluded.written_at",
            [(account_id, day, snapshot, now) for day, snapshot in days])

    def days(self, account_id: str, first: str, last: str) -> list[SavedDay]:
        """Stored days from ``first`` to ``last`` (YYYY-MM-DD, inclusive), oldest first."""
        rows = self._db.execute(
            "SELECT day, snapshot FROM history WHERE account = ? AND day BETWEEN ? AND ?"
            " ORDER BY day", (account_id, first, last)).fetchall()
        return [SavedDay(day, bytes(snapshot)) for day, snapshot in rows]

    def forget_days_before(self, account_id: str, day: str) -> int:
        """Retention: drop the account's days (their series and conversations) before ``day``;
        how many went."""
        self._db.execute("DELETE FROM series WHERE account = ? AND day < ?", (account_id, day))
        self._db.execute("DELETE FROM retired WHERE account = ? AND day < ?", (account_id, day))
        return self._db.execute("DELETE FROM history WHERE account = ? AND day < ?",
                                (account_id, day)).rowcount

    # -- intraday series ----------------------------------------------------------------------

    def save_series(self, account_id: str, items: Sequence[SavedSeries], now: int) -> None:
        """Store (or correct) rows' days of buckets."""
        self._db.executemany(
            "INSERT INTO series (account, day, row, data, written_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account, day, row) DO UPDATE SET data = excluded.data,"
            " written_at = excluded.written_at",
            [(account_id, day, row, data, now) for day, row, data in items])

    def save_retired(self, account_id: str, items: Sequence[RetiredConversation]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO retired (account, day, id, packed) VALUES (?, ?, ?, ?)",
            [(account_id, *item) for item in items])

    def retired(self, account_id: str, day: str) -> list[tuple[str, bytes]]:
        rows = self._db.execute("SELECT id, packed FROM retired WHERE account = ? AND day = ?"
                                " ORDER BY id", (account_id, day)).fetchall()
        return [(r[0], bytes(r[1])) for r in rows]

    def series(self, account_id: str, day: str, row: str) -> bytes | None:
        found = self._db.execute(
            "SELECT data FROM series WHERE account = ? AND day = ? AND row = ?",
            (account_id, day, row)).fetchone()
        return None if found is None else bytes(found[0])

    def series_of_day(self, account_id: str, day: str) -> list[bytes]:
        """Every stored row of one day, in row key order."""
        return [bytes(data) for (data,) in self._db.execute(
            "SELECT data FROM series WHERE account = ? AND day = ? ORDER BY row",
            (account_id, day))]

    # -- checkpoints --------------------------------------------------------------------------

    def save_checkpoint(self, account_id: str, seq: int, state: bytes, now: int) -> None:
        self._db.execute(
            "INSERT INTO checkpoints (account, seq, state, written_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account) DO UPDATE SET seq = excluded.seq, state = excluded.state,"
            " written_at = excluded.written_at", (account_id, seq, state, now))

    # -- alerts and their deliveries ------------------------------------------------------------

    def save_alert(self, account_id: str, alert: SavedAlert) -> None:
        self._db.execute(
            "INSERT INTO alerts (account, id, fired_at, resolved, body) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account, id) DO UPDATE SET fired_at = excluded.fired_at,"
            " resolved = excluded.resolved, body = excluded.body",
            (account_id, alert.id, alert.fired_at, int(alert.resolved), alert.body))

    def alerts(self, account_id: str, limit: int, before: int | None = None
               ) -> list[SavedAlert]:
        rows = self._db.execute(
            "SELECT id, fired_at, resolved, body FROM alerts WHERE account = ? AND fired_at < ?"
            " ORDER BY fired_at DESC, id DESC LIMIT ?",
            (account_id, 2**62 if before is None else before, limit)).fetchall()
        return [SavedAlert(r[0], r[1], bool(r[2]), bytes(r[3])) for r in rows]

    def open_alerts(self, account_id: str) -> list[SavedAlert]:
        rows = self._db.execute(
            "SELECT id, fired_at, resolved, body FROM alerts WHERE account = ? AND resolved = 0"
            " ORDER BY fired_at, id", (account_id,)).fetchall()
        return [SavedAlert(r[0], r[1], bool(r[2]), bytes(r[3])) for r in rows]

    def save_delivery(self, delivery: SavedDelivery) -> None:
        self._db.execute(
            f"INSERT INTO deliveries ({_DELIVERY}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
            " attempts = excluded.attempts, due_at = excluded.due_at,"
            " last_error = excluded.last_error, updated_at = excluded.updated_at",
            tuple(delivery))

    def pending_deliveries(self, limit: int) -> list[SavedDelivery]:
        rows = self._db.execute(f"SELECT {_DELIVERY} FROM deliveries WHERE state = 'pending'"
                                " ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [_delivery(r) for r in rows]

    def deliveries(self, account_id: str, limit: int) -> list[SavedDelivery]:
        rows = self._db.execute(f"SELECT {_DELIVERY} FROM deliveries WHERE account = ?"
                                " ORDER BY seq DESC LIMIT ?", (account_id, limit)).fetchall()
        return [_delivery(r) for r in rows]

    def forget_alerts_before(self, account_id: str, when: int) -> int:
        self._db.execute("DELETE FROM deliveries WHERE account = ? AND created_at < ?"
                         " AND state != 'pending'", (account_id, when))
        return self._db.execute("DELETE FROM alerts WHERE account = ? AND fired_at < ?"
                                " AND resolved = 1", (account_id, when)).rowcount

    def load_checkpoint(self, account_id: str) -> SavedCheckpoint | None:
        """The account's latest checkpoint, or None."""
        row = self._db.execute(
            "SELECT seq, state, written_at FROM checkpoints WHERE account = ?",
            (account_id,)).fetchone()
        return None if row is None else SavedCheckpoint(int(row[0]), bytes(row[1]), int(row[2]))


_DELIVERY = ("id, account, created_at, target, payload, state, attempts, due_at, last_error,"
             " updated_at")


def _delivery(row: tuple[Any, ...]) -> SavedDelivery:
    (id_, account, created, target, payload, state, attempts, due, error, updated) = row
    return SavedDelivery(id_, account, created, bytes(target), bytes(payload), state,
                         attempts, due, error, updated)


def _whole(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Thresholds are stored as REAL; give whole numbers back as int (60, not 60.0)."""
    return tuple(int(v) if isinstance(v, float) and v.is_integer() else v for v in row)
