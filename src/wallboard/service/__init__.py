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
from .advice import Move, Outlook, RowStaffing, Staffing, StaffingSettings, Suggestion
from .campaigns import (
    CAMPAIGNS_SETTING,
    MAX_CAMPAIGNS,
    Campaign,
    CampaignIn,
    CampaignReport,
    check_campaign,
    load_campaigns,
)
from .config import JSON_BODY_BYTES, Limits
from .facade import SESSION_MAX_MS, AccountStats, Service, ServiceStats
from .hub import Busy, NotReady
from .publisher import EXTRA_FEEDS, Feed
from .queries import (
    CampaignReportQuery,
    ConversationQuery,
    ConversationState,
    DayCharts,
    DayChartsQuery,
    Explanation,
    HistoryQuery,
    HotTopicsQuery,
    LoggedEvent,
    OldestAcceptedQuery,
    OperatorsQuery,
    Query,
    RowChart,
    SeriesQuery,
    SnapshotQuery,
    StaffingQuery,
    TrendsQuery,
)
from .replay import replay
from .roster import HeldConversation, OperatorInfo, OperatorList
from .topics import HotTopics
from .trends import RowTrend, Trends

__all__ = [
    "CAMPAIGNS_SETTING",
    "EXTRA_FEEDS",
    "JSON_BODY_BYTES",
    "MAX_CAMPAIGNS",
    "ROLES",
    "SESSION_MAX_MS",
    "AccountConfig",
    "AccountExists",
    "AccountStats",
    "Admin",
    "Busy",
    "Campaign",
    "CampaignIn",
    "CampaignReport",
    "CampaignReportQuery",
    "ConversationQuery",
    "ConversationState",
    "DayCharts",
    "DayChartsQuery",
    "Explanation",
    "Feed",
    "HeldConversation",
    "HistoryQuery",
    "HotTopics",
    "HotTopicsQuery",
    "Limits",
    "LoggedEvent",
    "Move",
    "NotReady",
    "OldestAcceptedQuery",
    "OperatorInfo",
    "OperatorList",
    "OperatorsQuery",
    "Outlook",
    "Query",
    "Result",
    "Role",
    "RowChart",
    "RowStaffing",
    "RowTrend",
    "SeriesQuery",
    "Service",
    "ServiceStats",
    "SessionInfo",
    "SnapshotQuery",
    "Staffing",
    "StaffingQuery",
    "StaffingSettings",
    "Suggestion",
    "TokenInfo",
    "Trends",
    "TrendsQuery",
    "UnknownAccount",
    "check_campaign",
    "csv_rows",
    "load_campaigns",
    "replay",
    "row_of",
    "series_csv",
]
