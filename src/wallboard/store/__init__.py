"""Durable storage: protocols for what the service needs (``protocols``), the records they
speak (``records``), and the backends that implement them, named in ``BACKENDS``."""

from collections.abc import Callable
from pathlib import Path

from .memory import MemoryStore
from .protocols import Alerts, Checkpoints, Directory, EventLog, History, Store
from .records import (
    ROLES,
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
from .sqlite import SqliteStore


def _postgres(place: Path | str) -> Store:
    from .postgres import PostgresStore  # psycopg only for those who use it

    return PostgresStore(str(place))


__all__ = ["BACKENDS", "ROLES", "AccountConfig", "AccountExists", "Alerts", "Appended",
           "Checkpoints", "Directory", "EventLog", "History", "LogEntry", "Result",
           "RetiredConversation", "Role",
           "SavedAlert", "SavedCheckpoint", "SavedDay", "SavedDelivery", "SavedSeries",
           "SessionInfo", "Store", "StoredEvent", "TokenInfo", "UnknownAccount", "open_store"]

# A backend is a module implementing the protocols, and a line here.
BACKENDS: dict[str, Callable[[Path | str], Store]] = {
    "sqlite": SqliteStore,  # the embedded default: one file under the data directory
    "memory": MemoryStore,  # nothing on disk: for tests
    "postgres": _postgres,  # PostgreSQL: the place is its connection string
}


def open_store(place: Path | str, backend: str = "sqlite") -> Store:
    """A new connection to the backend's store at ``place`` (for SQLite, the data directory)."""
    return BACKENDS[backend](place)
