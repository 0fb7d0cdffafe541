"""The store in SQL, written once for every SQL backend: what each statement asks, over a
DB-API connection. A backend (``sqlite.py``, ``postgres.py``) opens the connection, keeps its
schema, and supplies the few things that differ: transactions, inserting events (their
``seq`` back), streaming a long read, and the error of a duplicate key.

Statements use ``?`` for their parameters; a backend whose driver wants ``%s`` says so in
``_marks``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

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

__all__ = ["SqlStore"]

EventRow = tuple[str, str, str | None, bytes, int]  # account, id, conversation, body, received


class Cursor(Protocol):
    """What the statements read of a DB-API cursor."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlStore:
    """A ``protocols.Store`` over ``self._db``, a DB-API connection in autocommit mode."""

    _db: Any
    _marks = "?"  # the driver's parameter mark
    _duplicate: type[Exception] | tuple[type[Exception], ...]  # a unique key violated

    def close(self) -> None:
        self._db.close()

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _insert_events(self, rows: list[EventRow]) -> int:
        """Log these rows (within the one writer's transaction); the seq of the last."""
        raise NotImplementedError

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """The rows of a long read, a few at a time."""
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql if self._marks == "?" else sql.replace("?", self._marks)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self._db.execute(self._sql(sql), params)
        return cursor

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._db.cursor().executemany(self._sql(sql), rows)

    # -- accounts -----------------------------------------------------------------------------

    def create_account(self, config: AccountConfig, now: int) -> None:
        try:
            self._run(
                "INSERT INTO accounts (id, name, timezone, sl_threshold_s, default_max_chats,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (config.id, config.name, config.timezone, config.sl_threshold_s,
                 config.default_max_chats, now))
        except self._duplicate:
            raise AccountExists(config.id) from None

    def accounts(self) -> list[AccountConfig]:
        rows = self._run(
            "SELECT id, timezone, name, sl_threshold_s, default_max_chats FROM accounts"
            " ORDER BY id").fetchall()
        return [AccountConfig(*_whole(row)) for row in rows]

    def account(self, account_id: str) -> AccountConfig | None:
        row = self._run(
            "SELECT id, timezone, name, sl_threshold_s, default_max_chats FROM accounts"
            " WHERE id = ?", (account_id,)).fetchone()
        return None if row is None else AccountConfig(*_whole(row))

    # -- tokens -------------------------------------------------------------------------------

    def create_token(self, account_id: str, role: Role, now: int) -> tuple[TokenInfo, str]:
        """A new token; returns its record and the secret, which is never stored."""
        if self.account(account_id) is None:
            raise UnknownAccount(account_id)
        token_id, secret = new_token()
        self._run(
            "INSERT INTO tokens (id, account, role, secret_sha256, created_at)"
            " VALUES (?, ?, ?, ?, ?)", (token_id, account_id, role, hash_secret(secret), now))
        return TokenInfo(token_id, account_id, role, now), secret

    def revoke_token(self, token_id: str, now: int) -> bool:
        """Revoke a token by its id; False when there is no such live token."""
        cursor = self._run(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now, token_id))
        return cursor.rowcount == 1

    def tokens(self, account_id: str) -> list[TokenInfo]:
        rows = self._run(
            "SELECT id, account, role, created_at, revoked_at FROM tokens WHERE account = ?"
            " ORDER BY created_at, id", (account_id,)).fetchall()
        return [TokenInfo(*row) for row in rows]

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The live token this secret belongs to, or None."""
        token_id = token_id_of(secret)
        if token_id is None:
            return None
        row = self._run(
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
        self._run(
            "INSERT INTO sessions (secret_sha256, account, role, token_id, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (hash_secret(secret), account_id, role, token_id, now, now + idle_ms))
        return secret

    def session(self, secret: str, now: int, idle_ms: int, max_ms: int) -> SessionInfo | None:
        """The live session of this secret, its expiry pushed back to ``now + idle_ms`` (at
        most ``max_ms`` after it opened); None when unknown, expired or its token revoked."""
        row = self._run(
            "SELECT s.account, s.role, s.token_id, s.created_at, s.expires_at, t.revoked_at"
            " FROM sessions s JOIN tokens t ON t.id = s.token_id"
            " WHERE s.secret_sha256 = ?", (hash_secret(secret),)).fetchone()
        if row is None or row[4] <= now or row[5] is not None:
            return None
        expires = session_expiry(row[3], row[4], now, idle_ms, max_ms)
        if expires is not None:
            self._run("UPDATE sessions SET expires_at = ? WHERE secret_sha256 = ?",
                             (expires, hash_secret(secret)))
        else:
            expires = row[4]
        return SessionInfo(row[0], row[1], row[2], row[3], expires)

    def close_session(self, secret: str) -> None:
        self._run("DELETE FROM sessions WHERE secret_sha256 = ?", (hash_secret(secret),))

    def forget_sessions_before(self, now: int) -> int:
        """Drop expired sessions and used or expired sign-in codes; how many sessions went."""
        self._run("DELETE FROM signin_codes WHERE expires_at <= ? OR used_at IS NOT NULL",
                  (now,))
        return self._run("DELETE FROM sessions WHERE expires_at <= ?", (now,)).rowcount

    def create_signin_code(self, account_id: str, role: Role, now: int, ttl_ms: int
                           ) -> tuple[str, TokenInfo]:
        """A code for a one-time sign-in link (one use, within ``ttl_ms``), and the token
        made for it: its secret is never shown, but revoking it ends the link's session."""
        token, _ = self.create_token(account_id, role, now)
        code = new_code()
        self._run(
            "INSERT INTO signin_codes (code_sha256, account, role, token_id, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (hash_secret(code), account_id, role, token.id, now + ttl_ms))
        return code, token

    def use_signin_code(self, code: str, now: int) -> TokenInfo | None:
        """Spend a sign-in code: the token it stands for the first time, None ever after."""
        row = self._run(
            "UPDATE signin_codes SET used_at = ? WHERE code_sha256 = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING token_id", (now, hash_secret(code), now)).fetchone()
        if row is None:
            return None
        found = self._run(
            "SELECT id, account, role, created_at, revoked_at FROM tokens WHERE id = ?"
            " AND revoked_at IS NULL", (row[0],)).fetchone()
        return None if found is None else TokenInfo(*found)

    # -- per-account settings -----------------------------------------------------------------

    def setting(self, account_id: str, name: str) -> bytes | None:
        row = self._run("SELECT value FROM settings WHERE account = ? AND name = ?",
                               (account_id, name)).fetchone()
        return None if row is None else bytes(row[0])

    def probe(self, now: int) -> None:
        with self.transaction():
            self._run("INSERT INTO probe (id, probed_at) VALUES (1, ?)"
                      " ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at", (now,))

    def save_setting(self, account_id: str, name: str, value: bytes) -> None:
        self._run(
            "INSERT INTO settings (account, name, value) VALUES (?, ?, ?)"
            " ON CONFLICT (account, name) DO UPDATE SET value = excluded.value",
            (account_id, name, value))

    # -- what connectors remember -------------------------------------------------------------

    def connector_states(self, account_id: str, connector: str, keys: Sequence[str]
                         ) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):  # bound the statement's parameters
            chunk = list(keys[start:start + 500])
            marks = ", ".join("?" * len(chunk))
            for key, value in self._run(
                    f"SELECT key, value FROM connector_state WHERE account = ? AND connector = ?"
                    f" AND key IN ({marks})", (account_id, connector, *chunk)).fetchall():
                found[key] = bytes(value)
        return found

    def save_connector_states(self, account_id: str, connector: str,
                              states: Mapping[str, bytes], now: int) -> None:
        self._many(
            "INSERT INTO connector_state (account, connector, key, value, saved_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, connector, key) DO UPDATE SET"
            " value = excluded.value, saved_at = excluded.saved_at",
            [(account_id, connector, key, value, now) for key, value in states.items()])

    def forget_connector_states_before(self, account_id: str, before: int) -> int:
        return self._run(
            "DELETE FROM connector_state WHERE account = ? AND saved_at < ?",
            (account_id, before)).rowcount

    # -- event log ----------------------------------------------------------------------------

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
        return Appended(results, self._insert_events(rows))

    def _known_bodies(self, account_id: str, ids: list[str]) -> dict[str, bytes]:
        known: dict[str, bytes] = {}
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            known.update(self._run(
                f"SELECT id, body FROM events WHERE account = ? AND id IN ({marks})",
                (account_id, *chunk)).fetchall())
        return known

    def read(self, account_id: str, after_seq: int = 0) -> Iterator[LogEntry]:
        """The account's log after ``after_seq``, in order."""
        for seq, received_at, body in self._stream(
                "SELECT seq, received_at, body FROM events WHERE account = ? AND seq > ?"
                " ORDER BY seq", (account_id, after_seq)):
            yield LogEntry(seq, received_at, event_of(bytes(body)))

    def conversation_events(self, account_id: str, conversation: str) -> list[StoredEvent]:
        """One conversation's events, in the order they were logged."""
        rows = self._run(
            "SELECT received_at, body FROM events WHERE account = ? AND conversation = ?"
            " ORDER BY seq", (account_id, conversation)).fetchall()
        return [StoredEvent(received_at, event_of(body)) for received_at, body in rows]

    def last_seq(self) -> int:
        row = self._run("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def count_events(self, account_id: str) -> int:
        row = self._run("SELECT COUNT(*) FROM events WHERE account = ?",
                               (account_id,)).fetchone()
        return int(row[0])

    # -- daily history ------------------------------------------------------------------------

    def save_days(self, account_id: str, days: Sequence[SavedDay], now: int) -> None:
        """Store (or correct) whole local days."""
        self._many(
            "INSERT INTO history (account, day, snapshot, written_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account, day) DO UPDATE SET snapshot = excluded.snapshot,"
            " written_at = excluded.written_at",
            [(account_id, day, snapshot, now) for day, snapshot in days])

    def days(self, account_id: str, first: str, last: str) -> list[SavedDay]:
        """Stored days from ``first`` to ``last`` (YYYY-MM-DD, inclusive), oldest first."""
        rows = self._run(
            "SELECT day, snapshot FROM history WHERE account = ? AND day BETWEEN ? AND ?"
            " ORDER BY day", (account_id, first, last)).fetchall()
        return [SavedDay(day, bytes(snapshot)) for day, snapshot in rows]

    def forget_days_before(self, account_id: str, day: str) -> int:
        """Retention: drop the account's days (their series and conversations) before ``day``;
        how many went."""
        self._run("DELETE FROM series WHERE account = ? AND day < ?", (account_id, day))
        self._run("DELETE FROM retired WHERE account = ? AND day < ?", (account_id, day))
        return self._run("DELETE FROM history WHERE account = ? AND day < ?",
                                (account_id, day)).rowcount

    # -- intraday series ----------------------------------------------------------------------

    def save_series(self, account_id: str, items: Sequence[SavedSeries], now: int) -> None:
        """Store (or correct) rows' days of buckets."""
        self._many(
            "INSERT INTO series (account, day, row, data, written_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account, day, row) DO UPDATE SET data = excluded.data,"
            " written_at = excluded.written_at",
            [(account_id, day, row, data, now) for day, row, data in items])

    def save_retired(self, account_id: str, items: Sequence[RetiredConversation]) -> None:
        self._many(
            "INSERT INTO retired (account, day, id, packed) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account, day, id) DO UPDATE SET packed = excluded.packed",
            [(account_id, *item) for item in items])

    def retired(self, account_id: str, day: str) -> list[tuple[str, bytes]]:
        rows = self._run("SELECT id, packed FROM retired WHERE account = ? AND day = ?"
                                " ORDER BY id", (account_id, day)).fetchall()
        return [(r[0], bytes(r[1])) for r in rows]

    def series(self, account_id: str, day: str, row: str) -> bytes | None:
        found = self._run(
            "SELECT data FROM series WHERE account = ? AND day = ? AND row = ?",
            (account_id, day, row)).fetchone()
        return None if found is None else bytes(found[0])

    def series_of_day(self, account_id: str, day: str) -> list[bytes]:
        """Every stored row of one day, in row key order."""
        return [bytes(data) for (data,) in self._run(
            "SELECT data FROM series WHERE account = ? AND day = ? ORDER BY row",
            (account_id, day))]

    # -- checkpoints --------------------------------------------------------------------------

    def save_checkpoint(self, account_id: str, seq: int, state: bytes, now: int) -> bool:
        return self._run(
            "INSERT INTO checkpoints (account, seq, state, written_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account) DO UPDATE SET seq = excluded.seq, state = excluded.state,"
            " written_at = excluded.written_at WHERE checkpoints.seq <= excluded.seq",
            (account_id, seq, state, now)).rowcount == 1

    # -- alerts and their deliveries ------------------------------------------------------------

    def save_alert(self, account_id: str, alert: SavedAlert) -> None:
        self._run(
            "INSERT INTO alerts (account, id, fired_at, resolved, body) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account, id) DO UPDATE SET fired_at = excluded.fired_at,"
            " resolved = excluded.resolved, body = excluded.body",
            (account_id, alert.id, alert.fired_at, int(alert.resolved), alert.body))

    def alerts(self, account_id: str, limit: int, before: int | None = None
               ) -> list[SavedAlert]:
        rows = self._run(
            "SELECT id, fired_at, resolved, body FROM alerts WHERE account = ? AND fired_at < ?"
            " ORDER BY fired_at DESC, id DESC LIMIT ?",
            (account_id, 2**62 if before is None else before, limit)).fetchall()
        return [SavedAlert(r[0], r[1], bool(r[2]), bytes(r[3])) for r in rows]

    def open_alerts(self, account_id: str) -> list[SavedAlert]:
        rows = self._run(
            "SELECT id, fired_at, resolved, body FROM alerts WHERE account = ? AND resolved = 0"
            " ORDER BY fired_at, id", (account_id,)).fetchall()
        return [SavedAlert(r[0], r[1], bool(r[2]), bytes(r[3])) for r in rows]

    def save_delivery(self, delivery: SavedDelivery) -> None:
        self._run(
            f"INSERT INTO deliveries ({_DELIVERY}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
            " attempts = excluded.attempts, due_at = excluded.due_at,"
            " last_error = excluded.last_error, updated_at = excluded.updated_at",
            tuple(delivery))

    def pending_deliveries(self, limit: int) -> list[SavedDelivery]:
        rows = self._run(f"SELECT {_DELIVERY} FROM deliveries WHERE state = 'pending'"
                                " ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [_delivery(r) for r in rows]

    def deliveries(self, account_id: str, limit: int) -> list[SavedDelivery]:
        rows = self._run(f"SELECT {_DELIVERY} FROM deliveries WHERE account = ?"
                                " ORDER BY seq DESC LIMIT ?", (account_id, limit)).fetchall()
        return [_delivery(r) for r in rows]

    def forget_alerts_before(self, account_id: str, when: int) -> int:
        self._run("DELETE FROM deliveries WHERE account = ? AND created_at < ?"
                  " AND state != 'pending'", (account_id, when))
        return self._run("DELETE FROM alerts WHERE account = ? AND fired_at < ?"
                                " AND resolved = 1", (account_id, when)).rowcount

    def load_checkpoint(self, account_id: str) -> SavedCheckpoint | None:
        """The account's latest checkpoint, or None."""
        row = self._run(
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
