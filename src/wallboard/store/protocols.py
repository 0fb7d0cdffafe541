"""What the service needs of storage, as small typed protocols; every backend implements all
of them, and one contract test suite (``tests/test_store.py``) holds every backend to them.

A store object is one connection, used by one thread at a time; the service opens one per
thread that needs it (the event loop, the writer, recovery). Several stores opened on the same
place see the same data: what one commits, the others read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from ..events import Event
from .records import (
    AccountConfig,
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
)

__all__ = ["Alerts", "Checkpoints", "Directory", "EventLog", "History", "Store"]


class Directory(Protocol):
    """Accounts, their tokens (only a hash of each secret), browser sessions, one-time sign-in
    codes and per-account settings."""

    def create_account(self, config: AccountConfig, now: int) -> None:
        """Raises ``AccountExists``."""

    def accounts(self) -> list[AccountConfig]: ...

    def account(self, account_id: str) -> AccountConfig | None: ...

    def create_token(self, account_id: str, role: Role, now: int) -> tuple[TokenInfo, str]:
        """A new token and its secret, which is never stored. Raises ``UnknownAccount``."""

    def revoke_token(self, token_id: str, now: int) -> bool:
        """False when there is no such live token."""

    def tokens(self, account_id: str) -> list[TokenInfo]: ...

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The live token a secret belongs to."""

    def open_session(self, account_id: str, role: Role, token_id: str, now: int,
                     idle_ms: int) -> str:
        """A new session; its secret (for the cookie), which is never stored."""

    def session(self, secret: str, now: int, idle_ms: int, max_ms: int) -> SessionInfo | None:
        """The live session of a secret, its expiry pushed back to ``now + idle_ms`` (at most
        ``max_ms`` after it opened); None when unknown, expired or its token revoked."""

    def close_session(self, secret: str) -> None: ...

    def forget_sessions_before(self, now: int) -> int:
        """Drop expired sessions and spent or expired sign-in codes; how many sessions."""

    def create_signin_code(self, account_id: str, role: Role, now: int, ttl_ms: int
                           ) -> tuple[str, TokenInfo]:
        """A one-time code and the token made for it. Raises ``UnknownAccount``."""

    def use_signin_code(self, code: str, now: int) -> TokenInfo | None:
        """The code's token, once; None when used, expired or unknown."""

    def setting(self, account_id: str, name: str) -> bytes | None: ...

    def save_setting(self, account_id: str, name: str, value: bytes) -> None: ...


class EventLog(Protocol):
    """Every accepted event once per account and id, in the order it was accepted."""

    def append(self, account_id: str, events: Sequence[Event], received_at: int
               ) -> list[Result]:
        """``append_in_transaction`` in a transaction of its own."""

    def append_in_transaction(self, account_id: str, events: Sequence[Event],
                              received_at: int) -> Appended:
        """Log what is new; an id already logged is a duplicate when its content is the same,
        else a conflict (the first version stands). Within a ``transaction()``."""

    def read(self, account_id: str, after_seq: int = 0) -> Iterator[LogEntry]:
        """The account's events after ``after_seq``, in log order."""

    def conversation_events(self, account_id: str, conversation: str) -> list[StoredEvent]:
        """One conversation's events, in log order."""

    def last_seq(self) -> int: ...

    def count_events(self, account_id: str) -> int: ...


class Checkpoints(Protocol):
    def save_checkpoint(self, account_id: str, seq: int, state: bytes, now: int) -> bool:
        """False, writing nothing, when one at a later ``seq`` is saved already (written
        late by a previous owner of the account's partition)."""

    def load_checkpoint(self, account_id: str) -> SavedCheckpoint | None:
        """The latest one saved."""


class History(Protocol):
    """Whole local days of counters, and rows' days of 15-minute buckets."""

    def save_days(self, account_id: str, days: Sequence[SavedDay], now: int) -> None:
        """Store or correct these days."""

    def days(self, account_id: str, first: str, last: str) -> list[SavedDay]:
        """Stored days from ``first`` to ``last`` (inclusive), oldest first."""

    def forget_days_before(self, account_id: str, day: str) -> int:
        """Retention: drop the days (their series and conversations) before ``day``; how
        many days."""

    def save_series(self, account_id: str, items: Sequence[SavedSeries], now: int) -> None: ...

    def series(self, account_id: str, day: str, row: str) -> bytes | None: ...

    def series_of_day(self, account_id: str, day: str) -> list[bytes]:
        """Every stored row of one day, in row key order."""

    def save_retired(self, account_id: str, items: Sequence[RetiredConversation]) -> None:
        """Keep these conversations under their days (again: the same conversation replaced)."""

    def retired(self, account_id: str, day: str) -> list[tuple[str, bytes]]:
        """The conversations kept under a day: (id, packed), by id."""


class Alerts(Protocol):
    """Alerts as they fired and resolved, and the outbox of their deliveries: a delivery is
    saved with its alert, in one transaction, before any attempt, so that a crash between
    firing and delivery loses nothing."""

    def save_alert(self, account_id: str, alert: SavedAlert) -> None:
        """Store it, or replace the one of the same id."""

    def alerts(self, account_id: str, limit: int, before: int | None = None
               ) -> list[SavedAlert]:
        """The latest ``limit`` alerts fired before ``before`` (all when None), newest
        first."""

    def open_alerts(self, account_id: str) -> list[SavedAlert]:
        """Those not resolved, oldest first."""

    def save_delivery(self, delivery: SavedDelivery) -> None:
        """Store it, or replace the one of the same id."""

    def pending_deliveries(self, limit: int) -> list[SavedDelivery]:
        """Every account's, oldest first."""

    def deliveries(self, account_id: str, limit: int) -> list[SavedDelivery]:
        """The latest ``limit``, newest first: the delivery log."""

    def forget_alerts_before(self, account_id: str, when: int) -> int:
        """Retention: drop resolved alerts fired before ``when`` and finished deliveries
        created before it; how many alerts."""


class ConnectorState(Protocol):
    """What a connector remembers between a platform's webhooks (one record per key, say one
    per conversation of that platform), kept beside the events it led to."""

    def connector_states(self, account_id: str, connector: str, keys: Sequence[str]
                         ) -> dict[str, bytes]:
        """The records of these keys that exist."""

    def save_connector_states(self, account_id: str, connector: str,
                              states: Mapping[str, bytes], now: int) -> None:
        """Store them (replacing those of the same keys), stamped ``now``."""

    def forget_connector_states_before(self, account_id: str, before: int) -> int:
        """Retention: drop the account's records (of every connector) last saved before
        ``before``; how many went."""


class Store(Directory, EventLog, Checkpoints, History, Alerts, ConnectorState, Protocol):
    """One connection to a backend: all of the above, transactions, and closing."""

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together, or nothing does (on an exception)."""

    def probe(self, now: int) -> None:
        """Write a row of its own and commit: raises what any write would raise now (a
        storage fault is over once this works again)."""

    def close(self) -> None: ...
