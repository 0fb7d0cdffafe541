"""What the stores hold, as named records: accounts, tokens, sessions, logged events, saved
checkpoints, days and series. Every backend speaks these."""

from __future__ import annotations

from typing import Literal, NamedTuple

import msgspec

from ..events import Event

__all__ = [
    "ROLES",
    "AccountConfig",
    "AccountExists",
    "Appended",
    "LogEntry",
    "Result",
    "RetiredConversation",
    "Role",
    "SavedAlert",
    "SavedCheckpoint",
    "SavedDay",
    "SavedDelivery",
    "SavedSeries",
    "SessionInfo",
    "StoredEvent",
    "TokenInfo",
    "UnknownAccount",
]

Role = Literal["ingest", "view", "admin"]
ROLES: tuple[Role, ...] = ("ingest", "view", "admin")
Result = Literal["accepted", "duplicate", "conflict"]


class AccountExists(Exception):
    pass


class UnknownAccount(Exception):
    pass


class AccountConfig(msgspec.Struct, frozen=True):
    id: str
    timezone: str
    name: str | None = None
    sl_threshold_s: float = 60
    default_max_chats: int = 3


class TokenInfo(msgspec.Struct, frozen=True):
    id: str
    account: str
    role: Role
    created_at: int
    revoked_at: int | None = None


class SessionInfo(msgspec.Struct, frozen=True):
    account: str
    role: Role
    token_id: str
    created_at: int
    expires_at: int


# Tuples with names: replaying a log reads millions of these, and a NamedTuple costs no more
# than the tuple it is, while every use site says which field it means.
class LogEntry(NamedTuple):
    seq: int  # the event's position in the whole log (all accounts)
    received_at: int  # epoch ms: the engine's `now` for it, on every replay
    event: Event


class StoredEvent(NamedTuple):
    received_at: int
    event: Event


class Appended(NamedTuple):
    results: list[Result]  # one per event given, in order
    last_seq: int  # the seq of the last event logged; 0 when none was


class SavedCheckpoint(NamedTuple):
    seq: int  # the engine state holds every logged event up to this one
    state: bytes
    written_at: int


class SavedDay(NamedTuple):
    day: str  # YYYY-MM-DD, local to the account
    snapshot: bytes  # that day's snapshot of counters, JSON


class SavedSeries(NamedTuple):
    day: str
    row: str  # the row's key (see history.row_key)
    data: bytes  # the row-day's buckets, packed by history.series


class SavedAlert(NamedTuple):
    id: str
    fired_at: int  # epoch ms
    resolved: bool
    body: bytes  # the alert as the service publishes it, JSON


class SavedDelivery(NamedTuple):
    """One message about one alert to one receiver, kept until it is delivered or given up."""

    id: str  # the receiver's idempotency key: the same on every attempt
    account: str
    created_at: int
    target: bytes  # where and how (JSON, the service's)
    payload: bytes  # what (JSON, the service's)
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    due_at: int  # the next attempt, while pending
    last_error: str | None
    updated_at: int


class RetiredConversation(NamedTuple):
    """A closed conversation the engine no longer holds, kept under a local day its figures
    count it on (under each such day, when it spans several)."""

    day: str  # YYYY-MM-DD, local to the account
    id: str
    packed: bytes  # as the engine packs it (engine/conversation.py)
