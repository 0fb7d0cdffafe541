"""A backend in memory: the same protocols as SQLite, for tests that need no files and as the
proof that a second backend is one module plus one line (``store.BACKENDS``).

Stores opened on the same place share one state (as SQLite connections share one file), for
as long as the process lives. A transaction holds the state's lock and puts everything back
if it fails.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..events import EVENT_ID, LAST_CONVERSATION_RANK, RANK, SUBJECT, Event
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

__all__ = ["MemoryStore"]


@dataclass
class _Token:
    info: TokenInfo
    secret_hash: bytes


@dataclass
class _Code:
    account: str
    role: Role
    token_id: str
    expires_at: int
    used: bool = False


@dataclass
class _Logged:
    seq: int
    account: str
    conversation: str | None
    body: bytes
    received_at: int


@dataclass
class _State:
    lock: threading.RLock = field(default_factory=threading.RLock)
    accounts: dict[str, AccountConfig] = field(default_factory=dict)
    tokens: dict[str, _Token] = field(default_factory=dict)
    sessions: dict[bytes, SessionInfo] = field(default_factory=dict)
    codes: dict[bytes, _Code] = field(default_factory=dict)
    settings: dict[tuple[str, str], bytes] = field(default_factory=dict)
    log: list[_Logged] = field(default_factory=list)
    ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (account, id) -> log index
    history: dict[tuple[str, str], bytes] = field(default_factory=dict)
    series: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    checkpoints: dict[str, SavedCheckpoint] = field(default_factory=dict)
    alerts: dict[tuple[str, str], SavedAlert] = field(default_factory=dict)
    retired: dict[tuple[str, str, str], bytes] = field(default_factory=dict)  # (acc, day, id)
    deliveries: dict[str, SavedDelivery] = field(default_factory=dict)  # in creation order
    # (account, connector, key) -> (value, saved at)
    connector_state: dict[tuple[str, str, str], tuple[bytes, int]] = field(default_factory=dict)

    def copy_data(self) -> dict[str, object]:
        """What a failed transaction puts back (tokens and codes change in place)."""
        return {name: (copy.deepcopy if name in _MUTABLE else copy.copy)(getattr(self, name))
                for name in _DATA}


_DATA = ("accounts", "tokens", "sessions", "codes", "settings", "log", "ids", "history",
         "series", "checkpoints", "alerts", "deliveries", "retired", "connector_state")
_MUTABLE = ("tokens", "codes")
_PLACES: dict[str, _State] = {}
_PLACES_LOCK = threading.Lock()


class MemoryStore:
    """One connection to the in-memory state of ``place`` (a ``protocols.Store``)."""

    def __init__(self, place: Path | str) -> None:
        with _PLACES_LOCK:
            self._s = _PLACES.setdefault(str(place), _State())

    def close(self) -> None:
        pass

    def probe(self, now: int) -> None:
        pass  # memory never fails to be written

    @contextmanager
    def transaction(self) -> Iterator[None]:
        s = self._s
        with s.lock:
            before = s.copy_data()
            try:
                yield
            except BaseException:
                for name, value in before.items():
                    setattr(s, name, value)
                raise

    # -- accounts, tokens, sessions, codes, settings --------------------------------------------

    def create_account(self, config: AccountConfig, now: int) -> None:
        with self._s.lock:
            if config.id in self._s.accounts:
                raise AccountExists(config.id)
            self._s.accounts[config.id] = config

    def accounts(self) -> list[AccountConfig]:
        with self._s.lock:
            return [self._s.accounts[k] for k in sorted(self._s.accounts)]

    def account(self, account_id: str) -> AccountConfig | None:
        return self._s.accounts.get(account_id)

    def create_token(self, account_id: str, role: Role, now: int) -> tuple[TokenInfo, str]:
        with self._s.lock:
            if account_id not in self._s.accounts:
                raise UnknownAccount(account_id)
            token_id, secret = new_token()
            info = TokenInfo(token_id, account_id, role, now)
            self._s.tokens[token_id] = _Token(info, hash_secret(secret))
            return info, secret

    def revoke_token(self, token_id: str, now: int) -> bool:
        with self._s.lock:
            token = self._s.tokens.get(token_id)
            if token is None or token.info.revoked_at is not None:
                return False
            token.info = TokenInfo(token.info.id, token.info.account, token.info.role,
                                   token.info.created_at, now)
            return True

    def tokens(self, account_id: str) -> list[TokenInfo]:
        with self._s.lock:
            found = [t.info for t in self._s.tokens.values() if t.info.account == account_id]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def authenticate(self, secret: str) -> TokenInfo | None:
        token_id = token_id_of(secret)
        token = None if token_id is None else self._s.tokens.get(token_id)
        if token is None or token.info.revoked_at is not None or \
                not matches(token.secret_hash, secret):
            return None
        return token.info

    def open_session(self, account_id: str, role: Role, token_id: str, now: int,
                     idle_ms: int) -> str:
        secret = new_session_secret()
        with self._s.lock:
            self._s.sessions[hash_secret(secret)] = SessionInfo(account_id, role, token_id, now,
                                                                now + idle_ms)
        return secret

    def session(self, secret: str, now: int, idle_ms: int, max_ms: int) -> SessionInfo | None:
        key = hash_secret(secret)
        with self._s.lock:
            found = self._s.sessions.get(key)
            token = None if found is None else self._s.tokens.get(found.token_id)
            if found is None or found.expires_at <= now or token is None or \
                    token.info.revoked_at is not None:
                return None
            expires = session_expiry(found.created_at, found.expires_at, now, idle_ms, max_ms)
            if expires is not None:
                found = self._s.sessions[key] = SessionInfo(
                    found.account, found.role, found.token_id, found.created_at, expires)
            return found

    def close_session(self, secret: str) -> None:
        with self._s.lock:
            self._s.sessions.pop(hash_secret(secret), None)

    def forget_sessions_before(self, now: int) -> int:
        with self._s.lock:
            s = self._s
            s.codes = {k: c for k, c in s.codes.items() if c.expires_at > now and not c.used}
            expired = [k for k, v in s.sessions.items() if v.expires_at <= now]
            for key in expired:
                del s.sessions[key]
            return len(expired)

    def create_signin_code(self, account_id: str, role: Role, now: int, ttl_ms: int
                           ) -> tuple[str, TokenInfo]:
        with self._s.lock:
            token, _ = self.create_token(account_id, role, now)
            code = new_code()
            self._s.codes[hash_secret(code)] = _Code(account_id, role, token.id, now + ttl_ms)
            return code, token

    def use_signin_code(self, code: str, now: int) -> TokenInfo | None:
        with self._s.lock:
            found = self._s.codes.get(hash_secret(code))
            if found is None or found.used or found.expires_at <= now:
                return None
            found.used = True
            token = self._s.tokens.get(found.token_id)
            return None if token is None or token.info.revoked_at is not None else token.info

    def setting(self, account_id: str, name: str) -> bytes | None:
        return self._s.settings.get((account_id, name))

    def save_setting(self, account_id: str, name: str, value: bytes) -> None:
        with self._s.lock:
            self._s.settings[account_id, name] = value

    # -- what connectors remember ----------------------------------------------------------------

    def connector_states(self, account_id: str, connector: str, keys: Sequence[str]
                         ) -> dict[str, bytes]:
        with self._s.lock:
            kept = self._s.connector_state
            return {k: kept[account_id, connector, k][0] for k in keys
                    if (account_id, connector, k) in kept}

    def save_connector_states(self, account_id: str, connector: str,
                              states: Mapping[str, bytes], now: int) -> None:
        with self._s.lock:
            for key, value in states.items():
                self._s.connector_state[account_id, connector, key] = (value, now)

    def forget_connector_states_before(self, account_id: str, before: int) -> int:
        with self._s.lock:
            kept = self._s.connector_state
            gone = [k for k, (_, saved) in kept.items()
                    if k[0] == account_id and saved < before]
            for k in gone:
                del kept[k]
            return len(gone)

    # -- the event log ----------------------------------------------------------------------------

    def append(self, account_id: str, events: Sequence[Event], received_at: int
               ) -> list[Result]:
        with self.transaction():
            return self.append_in_transaction(account_id, events, received_at).results

    def append_in_transaction(self, account_id: str, events: Sequence[Event],
                              received_at: int) -> Appended:
        s = self._s
        results: list[Result] = []
        last = 0
        with s.lock:
            for ev in events:
                body = event_body(ev)
                known = s.ids.get((account_id, ev[EVENT_ID]))
                if known is not None:
                    results.append(verdict(s.log[known].body, body, ev))
                    continue
                last = len(s.log) + 1
                conversation = ev[SUBJECT] if ev[RANK] <= LAST_CONVERSATION_RANK else None
                s.ids[account_id, ev[EVENT_ID]] = len(s.log)
                s.log.append(_Logged(last, account_id, conversation, body, received_at))
                results.append("accepted")
        return Appended(results, last)

    def read(self, account_id: str, after_seq: int = 0) -> Iterator[LogEntry]:
        with self._s.lock:
            rows = [r for r in self._s.log[after_seq:] if r.account == account_id]
        for row in rows:
            yield LogEntry(row.seq, row.received_at, event_of(row.body))

    def conversation_events(self, account_id: str, conversation: str) -> list[StoredEvent]:
        with self._s.lock:
            return [StoredEvent(r.received_at, event_of(r.body)) for r in self._s.log
                    if r.account == account_id and r.conversation == conversation]

    def last_seq(self) -> int:
        return len(self._s.log)

    def count_events(self, account_id: str) -> int:
        with self._s.lock:
            return sum(1 for r in self._s.log if r.account == account_id)

    # -- checkpoints, days, series ----------------------------------------------------------------

    # -- alerts and their deliveries ------------------------------------------------------------

    def save_alert(self, account_id: str, alert: SavedAlert) -> None:
        with self._s.lock:
            self._s.alerts[account_id, alert.id] = alert

    def alerts(self, account_id: str, limit: int, before: int | None = None
               ) -> list[SavedAlert]:
        with self._s.lock:
            found = [a for (acc, _), a in self._s.alerts.items() if acc == account_id
                     and (before is None or a.fired_at < before)]
        return sorted(found, key=lambda a: (a.fired_at, a.id), reverse=True)[:limit]

    def open_alerts(self, account_id: str) -> list[SavedAlert]:
        with self._s.lock:
            found = [a for (acc, _), a in self._s.alerts.items()
                     if acc == account_id and not a.resolved]
        return sorted(found, key=lambda a: (a.fired_at, a.id))

    def save_delivery(self, delivery: SavedDelivery) -> None:
        with self._s.lock:
            known = self._s.deliveries.get(delivery.id)
            if known is not None:  # what was asked for stays as first saved
                delivery = delivery._replace(account=known.account,
                                             created_at=known.created_at,
                                             target=known.target, payload=known.payload)
            self._s.deliveries[delivery.id] = delivery

    def pending_deliveries(self, limit: int) -> list[SavedDelivery]:
        with self._s.lock:
            return [d for d in self._s.deliveries.values() if d.state == "pending"][:limit]

    def deliveries(self, account_id: str, limit: int) -> list[SavedDelivery]:
        with self._s.lock:
            mine = [d for d in self._s.deliveries.values() if d.account == account_id]
        return mine[::-1][:limit]

    def forget_alerts_before(self, account_id: str, when: int) -> int:
        with self._s.lock:
            s = self._s
            s.deliveries = {k: d for k, d in s.deliveries.items()
                            if not (d.account == account_id and d.created_at < when
                                    and d.state != "pending")}
            gone = [k for k, a in s.alerts.items()
                    if k[0] == account_id and a.fired_at < when and a.resolved]
            for key in gone:
                del s.alerts[key]
            return len(gone)

    def save_checkpoint(self, account_id: str, seq: int, state: bytes, now: int) -> bool:
        with self._s.lock:
            saved = self._s.checkpoints.get(account_id)
            if saved is not None and saved.seq > seq:
                return False
            self._s.checkpoints[account_id] = SavedCheckpoint(seq, state, now)
            return True

    def load_checkpoint(self, account_id: str) -> SavedCheckpoint | None:
        return self._s.checkpoints.get(account_id)

    def save_days(self, account_id: str, days: Sequence[SavedDay], now: int) -> None:
        with self._s.lock:
            for day in days:
                self._s.history[account_id, day.day] = day.snapshot

    def days(self, account_id: str, first: str, last: str) -> list[SavedDay]:
        with self._s.lock:
            return [SavedDay(day, snapshot) for (account, day), snapshot
                    in sorted(self._s.history.items())
                    if account == account_id and first <= day <= last]

    def forget_days_before(self, account_id: str, day: str) -> int:
        with self._s.lock:
            s = self._s
            s.series = {k: v for k, v in s.series.items() if k[0] != account_id or k[1] >= day}
            s.retired = {k: v for k, v in s.retired.items()
                         if k[0] != account_id or k[1] >= day}
            old = [k for k in s.history if k[0] == account_id and k[1] < day]
            for key in old:
                del s.history[key]
            return len(old)

    def save_series(self, account_id: str, items: Sequence[SavedSeries], now: int) -> None:
        with self._s.lock:
            for item in items:
                self._s.series[account_id, item.day, item.row] = item.data

    def save_retired(self, account_id: str, items: Sequence[RetiredConversation]) -> None:
        with self._s.lock:
            for item in items:
                self._s.retired[account_id, item.day, item.id] = item.packed

    def retired(self, account_id: str, day: str) -> list[tuple[str, bytes]]:
        with self._s.lock:
            found = [(k[2], v) for k, v in self._s.retired.items()
                     if k[0] == account_id and k[1] == day]
        return sorted(found)

    def series(self, account_id: str, day: str, row: str) -> bytes | None:
        return self._s.series.get((account_id, day, row))

    def series_of_day(self, account_id: str, day: str) -> list[bytes]:
        with self._s.lock:
            return [data for (account, d, _), data in sorted(self._s.series.items())
                    if account == account_id and d == day]
