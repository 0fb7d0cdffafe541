"""The service: the facade the API and the command line talk to, and what is below it."""

from ..history import csv_rows, row_of, series_csv
from ..store import (
    ROLES,
    AccountConfig,
    AccountExists,
    Result,
    Role,
    SessionInfo,
    TokenInfo,
    UnknownAccount,
)
from .admin import Admin
from .config import JSON_BODY_BYTES, Limits
from .facade import SESSION_MAX_MS, AccountStats, Service, ServiceStats
from .hub import Busy, NotReady
from .queries import (
    ConversationQuery,
    ConversationState,
    DayCharts,
    DayChartsQuery,
    Explanation,
    HistoryQuery,
    LoggedEvent,
    OldestAcceptedQuery,
    Query,
    RowChart,
    SeriesQuery,
    SnapshotQuery,
)
from .replay import replay

__all__ = [
    "JSON_BODY_BYTES",
    "ROLES",
    "SESSION_MAX_MS",
    "AccountConfig",
    "AccountExists",
    "AccountStats",
    "Admin",
    "Busy",
    "ConversationQuery",
    "ConversationState",
    "DayCharts",
    "DayChartsQuery",
    "Explanation",
    "HistoryQuery",
    "Limits",
    "LoggedEvent",
    "NotReady",
    "OldestAcceptedQuery",
    "Query",
    "Result",
    "Role",
    "RowChart",
    "SeriesQuery",
    "Service",
    "ServiceStats",
    "SessionInfo",
    "SnapshotQuery",
    "TokenInfo",
    "UnknownAccount",
    "csv_rows",
    "replay",
    "row_of",
    "series_csv",
]
