"""Questions about one account's state, and their answers as plain data.

Every read of an account's live state is one call, ``Service.ask(account, query)``. A query is
a msgspec Struct and its answer plain data (bytes or Structs), so that the same call can be
answered by another process, the one that owns the account, as well as by this one. Here each
query is answered against the account's engine in memory and, for what has left memory, the
store.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, overload

import msgspec

from ..engine import Account, build, encode
from ..engine.calendar import BUCKET_MS, ordinal_iso
from ..engine.conversation import DONE, IN_WORK, NEW, OUTCOME_NAMES, WAITING
from ..engine.series import compact
from ..events import to_wire
from ..figures import Report, Series
from ..history import day_snapshots, read_all_compact, read_series, row_key
from ..store import AccountConfig, Store
from ..store.faults import StorageFault
from .advice import Staffing, StaffingSettings, advise
from .at_risk import DEFAULT_SILENT_AFTER_S, AtRisk, at_risk
from .campaigns import CAMPAIGNS_SETTING, CampaignReport, campaign_report, load_campaigns
from .roster import OperatorList, roster
from .topics import HotTopics, hot_topics
from .trends import Trends, local_quarters, normals, trends

__all__ = [
    "STAFFING_SETTING",
    "Asking",
    "AtRiskQuery",
    "CampaignReportQuery",
    "ConversationQuery",
    "ConversationState",
    "DayCharts",
    "DayChartsQuery",
    "Explanation",
    "FutureDay",
    "HistoryQuery",
    "HotTopicsQuery",
    "LoggedEvent",
    "OldestAcceptedQuery",
    "OperatorsQuery",
    "Query",
    "RowChart",
    "SeriesQuery",
    "SnapshotQuery",
    "StaffingQuery",
    "TrendsQuery",
    "answer",
    "answer_bytes",
    "answer_from",
    "day_ordinal",
    "staffing_settings",
]


class FutureDay(Exception):
    """A day asked for that has not begun on the account's clock: it has no figures, not
    zeros."""

    def __init__(self, today: str) -> None:
        super().__init__(f"after the account's today ({today})")
        self.today = today


class SnapshotQuery(msgspec.Struct, tag="snapshot", frozen=True):
    """The snapshot now (``day`` None), or a past local day's counters (gauges null)."""

    day: str | None = None  # YYYY-MM-DD


class HistoryQuery(msgspec.Struct, tag="history", frozen=True):
    """One snapshot of counters per local day with data, ``first`` to ``last``."""

    first: str
    last: str


class SeriesQuery(msgspec.Struct, tag="series", frozen=True):
    """One row's local day (today when ``day`` is None) in 15-minute buckets."""

    report: Report = "total"
    row: str | None = None  # the channel or group; None for the total or the no-group row
    day: str | None = None


class DayChartsQuery(msgspec.Struct, tag="day_charts", frozen=True):
    """Every row's day, compact, for the dashboard's charts."""

    day: str | None = None


class ConversationQuery(msgspec.Struct, tag="conversation", frozen=True):
    """One conversation's stored events and what the engine made of them."""

    conversation: str


class OldestAcceptedQuery(msgspec.Struct, tag="oldest_accepted", frozen=True):
    """The earliest ``at`` an event of the account may have now."""


class OperatorsQuery(msgspec.Struct, tag="operators", frozen=True):
    """The operators (of one group, or all) and the conversations they hold now."""

    group: str | None = None


class StaffingQuery(msgspec.Struct, tag="staffing", frozen=True):
    """How many operators each group needs now, and the moves that would help."""


class TrendsQuery(msgspec.Struct, tag="trends", frozen=True):
    """Every row's arrivals over the last 30 minutes against normal: surges and drops."""


class HotTopicsQuery(msgspec.Struct, tag="hot_topics", frozen=True):
    """Each topic's share of the last hour against its usual share at that time of day."""


class AtRiskQuery(msgspec.Struct, tag="at_risk", frozen=True):
    """What is about to go wrong in each row now (service/at_risk.py)."""

    silent_after_s: float = DEFAULT_SILENT_AFTER_S


class CampaignReportQuery(msgspec.Struct, tag="campaign_report", frozen=True):
    """What a campaign did to each row's arrivals, waits and losses."""

    campaign: str


Query = (SnapshotQuery | HistoryQuery | SeriesQuery | DayChartsQuery | ConversationQuery
         | OldestAcceptedQuery | OperatorsQuery | StaffingQuery | TrendsQuery
         | CampaignReportQuery | HotTopicsQuery | AtRiskQuery)

STAFFING_SETTING = "staffing"  # the account's StaffingSettings, as JSON


# -- answers that are not bytes or figures ---------------------------------------------------

class RowChart(msgspec.Struct):
    report: str
    id: str | None
    arrived: list[int]
    in_queue: list[float | None]  # peak of the samples; null where not sampled
    avg_wait_s: list[float | None]  # null where no wait ended
    # Normal arrivals for each bucket's local time (docs/normal.md); null where there is no
    # normal (fewer than two weeks kept)
    normal: list[float | None] = msgspec.field(default_factory=list)
    # Where nine ordinary days in ten fall, from the same weeks (surge.usual_range)
    normal_low: list[int | None] = msgspec.field(default_factory=list)
    normal_high: list[int | None] = msgspec.field(default_factory=list)


class DayCharts(msgspec.Struct):
    date: str
    starts: list[str]  # each bucket's local start, HH:MM
    current: int | None  # the bucket holding now when the date is today (later ones are ahead)
    rows: list[RowChart]


class LoggedEvent(msgspec.Struct):
    received_at: int
    event: dict[str, object]


ConversationState = Literal["not_started", "waiting", "in_work", "closed", "final", "unknown"]
_STATES: dict[int, ConversationState] = {NEW: "not_started", WAITING: "waiting",
                                         IN_WORK: "in_work", DONE: "closed"}


class Explanation(msgspec.Struct):
    account: str
    conversation: str
    state: ConversationState
    outcome: str | None
    channel: str | None
    group: str | None
    operator: str | None
    events: list[LoggedEvent]


# -- asking ----------------------------------------------------------------------------------

# What each query's answer is, for another process to decode it (a snapshot travels as its
# own bytes). The overloads of ``Asking.ask`` say the same to the type checker.
_ANSWERS: dict[type, Any] = {
    HistoryQuery: list[bytes], SeriesQuery: Series | None, DayChartsQuery: DayCharts,
    ConversationQuery: Explanation, OldestAcceptedQuery: int,
    OperatorsQuery: OperatorList | None, StaffingQuery: Staffing, TrendsQuery: Trends,
    CampaignReportQuery: CampaignReport | None, HotTopicsQuery: HotTopics,
    AtRiskQuery: AtRisk}


def answer_bytes(found: object) -> bytes:
    """An answer as it travels between processes."""
    return found if isinstance(found, bytes) else msgspec.json.encode(found)


def answer_from(query: Query, data: bytes) -> object:
    """The answer to ``query`` that ``answer_bytes`` made ``data``."""
    if isinstance(query, SnapshotQuery):
        return data
    return msgspec.json.decode(data, type=_ANSWERS[type(query)])


class Asking:
    """The one typed call through which every read of an account's live state goes;
    ``answering`` is where it is answered: this process's engine or the owning worker's."""

    async def answering(self, account_id: str, query: Query) -> object:
        raise NotImplementedError

    # Every shape of the service answers these; the single process on its own disk knows
    # its storage's faults (``storage_health``), the cluster's roles leave them to PostgreSQL.
    @property
    def storage_fault(self) -> StorageFault | None:
        """What keeps the storage from being written now (None: nothing known)."""
        return None

    def storage_failed(self, exc: BaseException) -> StorageFault | None:
        """The storage fault behind a request's failure, noted (None: not one, a bug)."""
        return None

    @overload
    async def ask(self, account_id: str, query: SnapshotQuery) -> bytes: ...
    @overload
    async def ask(self, account_id: str, query: HistoryQuery) -> list[bytes]: ...
    @overload
    async def ask(self, account_id: str, query: SeriesQuery) -> Series | None: ...
    @overload
    async def ask(self, account_id: str, query: DayChartsQuery) -> DayCharts: ...
    @overload
    async def ask(self, account_id: str, query: ConversationQuery) -> Explanation: ...
    @overload
    async def ask(self, account_id: str, query: OldestAcceptedQuery) -> int: ...
    @overload
    async def ask(self, account_id: str, query: OperatorsQuery) -> OperatorList | None: ...
    @overload
    async def ask(self, account_id: str, query: StaffingQuery) -> Staffing: ...
    @overload
    async def ask(self, account_id: str, query: TrendsQuery) -> Trends: ...
    @overload
    async def ask(self, account_id: str, query: CampaignReportQuery
                  ) -> CampaignReport | None: ...
    @overload
    async def ask(self, account_id: str, query: HotTopicsQuery) -> HotTopics: ...
    @overload
    async def ask(self, account_id: str, query: AtRiskQuery) -> AtRisk: ...

    async def ask(self, account_id: str, query: Query) -> object:
        """Ask this account's engine ``query``; plain data back. Raises ``UnknownAccount``
        (and ``FutureDay`` for a day not begun)."""
        return await self.answering(account_id, query)


# -- answering -------------------------------------------------------------------------------

def staffing_settings(store: Store, account_id: str) -> StaffingSettings:
    saved = store.setting(account_id, STAFFING_SETTING)
    return StaffingSettings() if saved is None else \
        msgspec.json.decode(saved, type=StaffingSettings)


def day_ordinal(engine: Account, day: str | None, now: int) -> int:
    """The local day asked for (today when None). Raises ``FutureDay``."""
    today = engine.calendar.day_of(now)
    if day is None:
        return today
    ordinal = date.fromisoformat(day).toordinal()
    if ordinal > today:
        raise FutureDay(ordinal_iso(today))
    return ordinal


def answer(query: Query, config: AccountConfig, engine: Account, store: Store, now: int
           ) -> object:
    """What ``query`` asks of the account (``config``, its live ``engine``), at ``now``."""
    if isinstance(query, SnapshotQuery):
        return _snapshot(query, engine, store, now)
    if isinstance(query, HistoryQuery):
        return day_snapshots(config.id, date.fromisoformat(query.first),
                             date.fromisoformat(query.last), store, engine, now)
    if isinstance(query, SeriesQuery):
        return _series(query, config, engine, store, now)
    if isinstance(query, DayChartsQuery):
        return _day_charts(query, config, engine, store, now)
    if isinstance(query, ConversationQuery):
        return _conversation(query, config, engine, store)
    if isinstance(query, OperatorsQuery):
        if query.group is not None and query.group not in engine.groups:
            return None
        return roster(engine, query.group, now)
    if isinstance(query, StaffingQuery):
        return advise(engine, staffing_settings(store, config.id), now)
    if isinstance(query, TrendsQuery):
        return trends(config.id, engine, store, now)
    if isinstance(query, HotTopicsQuery):
        return hot_topics(config.id, engine, store, now)
    if isinstance(query, AtRiskQuery):
        return at_risk(engine, now, query.silent_after_s)
    if isinstance(query, CampaignReportQuery):
        found = [c for c in load_campaigns(store.setting(config.id, CAMPAIGNS_SETTING))
                 if c.id == query.campaign]
        return campaign_report(config.id, engine, store, found[0], now) if found else None
    return engine.calendar.day_start(engine.first_day_held(now))  # OldestAcceptedQuery


def _snapshot(query: SnapshotQuery, engine: Account, store: Store, now: int) -> bytes:
    if query.day is None:
        return encode(build(engine, now))
    ordinal = day_ordinal(engine, query.day, now)
    if not engine.holds_day(ordinal, now):  # out of memory, or filled in: the history kept
        saved = store.days(engine.id, query.day, query.day)
        if saved:
            return saved[0].snapshot
    return encode(build(engine, now, ordinal))


def _series(query: SeriesQuery, config: AccountConfig, engine: Account, store: Store,
            now: int) -> Series | None:
    return read_series(config.id, engine.calendar, config.sl_threshold_s,
                       day_ordinal(engine, query.day, now), query.report, query.row, store, engine,
                       now)


def _day_charts(query: DayChartsQuery, config: AccountConfig, engine: Account, store: Store,
                now: int) -> DayCharts:
    calendar = engine.calendar
    ordinal = day_ordinal(engine, query.day, now)
    start = calendar.day_start(ordinal)
    starts = [calendar.iso(start + q * BUCKET_MS, "minutes")[11:16]
              for q in range(calendar.slot_count(ordinal))]
    usual_day = normals(config.id, engine, store, ordinal, now)
    quarters = local_quarters(calendar, ordinal)
    rows = []
    for report, row_id, data in read_all_compact(config.id, ordinal, store, engine, now):
        key = row_key(report, row_id)
        normal, bands = usual_day.rows.get(key), usual_day.band(key)
        usual: list[float | None] = [None] * len(starts)
        low: list[int | None] = [None] * len(starts)
        high: list[int | None] = [None] * len(starts)
        if normal is not None and bands is not None:
            for slot, q in enumerate(quarters):
                if q is not None and (band := bands[q]) is not None:
                    usual[slot], low[slot], high[slot] = normal.centre[q], band.low, band.high
        rows.append(RowChart(report, row_id, *compact(data, len(starts)), usual, low, high))
    current = (now - start) // BUCKET_MS if calendar.day_of(now) == ordinal else None
    return DayCharts(ordinal_iso(ordinal), starts, current, rows)


def _conversation(query: ConversationQuery, config: AccountConfig, engine: Account,
                  store: Store) -> Explanation:
    logged = store.conversation_events(config.id, query.conversation)
    conv = engine.conversation(query.conversation)
    state: ConversationState
    if conv is not None:
        state = _STATES[conv.state]
        outcome = OUTCOME_NAMES[conv.outcome] if conv.state == DONE else None
        channel = conv.channel or None
        group, operator = conv.group, conv.operator
    else:
        state = "final" if logged else "unknown"
        outcome = channel = group = operator = None
    return Explanation(config.id, query.conversation, state, outcome, channel, group, operator,
                       [LoggedEvent(e.received_at, to_wire(config.id, e.event))
                        for e in logged])
