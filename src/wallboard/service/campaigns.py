"""Campaigns: marks an admin puts on the account's timeline (an advertising campaign, a
mailing), and what each did: per row, the arrivals since its start against the normal for the
same stretch of the same weekdays of the four weeks before, the uplift with an interval, and
what happened to waits and lost conversations meanwhile.

Counted by whole quarter hours, from the one the campaign starts in to the one holding its last
moment (the end is not in it; or now): the counters are kept per quarter hour and exact, and a
part of one would be a guess.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Annotated

import msgspec

from ..alerting import row_problem
from ..engine import Account
from ..engine.calendar import BUCKET_MS, SLOT_BITS
from ..events import EventError, parse_timestamp
from ..figures import COUNTER, Report, RowRef
from ..history import read_all_compact
from ..store import Store
from ..surge import usual_range
from .trends import WEEKS, day_kept, local_quarters

__all__ = ["CAMPAIGNS_SETTING", "MAX_CAMPAIGNS", "Campaign", "CampaignIn", "CampaignReport",
           "RowEffect", "campaign_report", "check_campaign", "load_campaigns"]

CAMPAIGNS_SETTING = "campaigns"
MAX_CAMPAIGNS = 200  # kept per account
MAX_ROWS = 100  # rows a campaign names

_ARRIVED, _SERVED = COUNTER["arrived"], COUNTER["served"]
_LOST = tuple(COUNTER[n] for n in ("unassigned", "canceled", "missed"))
_SAMPLES, _WAIT_SUM = COUNTER["wait_samples"], COUNTER["wait_sum_ms"]


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    """A campaign as an admin sends it."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    start: str  # RFC 3339
    end: str | None = None  # RFC 3339; null: still running
    rows: Annotated[list[RowRef], msgspec.Meta(max_length=MAX_ROWS)] = msgspec.field(
        default_factory=list)  # the rows it aims at; empty: every row


class Campaign(msgspec.Struct):
    id: str
    name: str
    start: str
    end: str | None
    rows: list[RowRef]


class RowEffect(msgspec.Struct):
    report: Report
    id: str | None
    arrived: int
    expected: float | None  # normal for the same stretch; null without two weeks of history
    uplift: float | None  # arrived - expected
    uplift_low: float | None  # the interval: arrived less what 95 % / 5 % of ordinary days give
    uplift_high: float | None
    ratio: float | None
    avg_wait_s: float | None  # of the waits that ended meanwhile
    normal_avg_wait_s: float | None
    unserved: int  # closed meanwhile unserved (unassigned, canceled, missed)
    normal_unserved: float | None
    unserved_share: float | None  # of those closed meanwhile
    normal_unserved_share: float | None
    weeks: int


class CampaignReport(msgspec.Struct):
    account: str
    campaign: Campaign
    from_: str = msgspec.field(name="from")  # the quarter hours counted
    to: str = ""
    rows: list[RowEffect] = msgspec.field(default_factory=list)


def load_campaigns(saved: bytes | None) -> list[Campaign]:
    return [] if saved is None else msgspec.json.decode(saved, type=list[Campaign])


def check_campaign(data: CampaignIn) -> tuple[str, str] | None:
    """The field at fault and the problem, or None."""
    try:
        start = parse_timestamp(data.start)
    except (EventError, ValueError):
        return "start", "an RFC 3339 date and time with its offset"
    if data.end is not None:
        try:
            end = parse_timestamp(data.end)
        except (EventError, ValueError):
            return "end", "an RFC 3339 date and time with its offset"
        if end <= start:
            return "end", "after the start"
    for i, row in enumerate(data.rows):
        if problem := row_problem(i, row.report, row.id):
            return problem
    return None


class _Sums(msgspec.Struct):
    arrived: int = 0
    served: int = 0
    lost: int = 0
    samples: int = 0
    wait_ms: int = 0

    def add(self, c: list[int]) -> None:
        self.arrived += c[_ARRIVED]
        self.served += c[_SERVED]
        self.lost += sum(c[i] for i in _LOST)
        self.samples += c[_SAMPLES]
        self.wait_ms += c[_WAIT_SUM]


def _slots(engine: Account, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(day, quarter of that day) for every quarter hour from the one holding ``start`` to
    the one holding ``end``."""
    slot_of = engine.calendar.slot_of
    at = start
    while True:
        slot = slot_of(at)
        yield slot >> SLOT_BITS, slot & ((1 << SLOT_BITS) - 1)
        day = slot >> SLOT_BITS
        following = engine.calendar.day_start(day) + ((slot & ((1 << SLOT_BITS) - 1)) + 1) \
            * BUCKET_MS
        if following > end:
            return
        at = following


def _counted(account_id: str, engine: Account, store: Store, now: int,
             wanted: dict[int, set[int]], keys: list[tuple[Report, str | None]],
             local: bool) -> dict[tuple[Report, str | None], _Sums] | None:
    """The rows' sums over the quarters ``wanted`` (day -> quarters; local quarters of the
    day when ``local``); None when the account kept nothing for any of those days."""
    sums = {key: _Sums() for key in keys}
    kept = False
    for day, quarters in wanted.items():
        rows = read_all_compact(account_id, day, store, engine, now)
        if not day_kept(rows):
            continue
        kept = True
        order = local_quarters(engine.calendar, day) if local else None
        for report, row_id, data in rows:
            if (report, row_id) not in sums:
                continue
            for slot, *c in data[0]:
                quarter = slot if order is None else (order[slot] if slot < len(order)
                                                      else None)
                if quarter in quarters:
                    sums[(report, row_id)].add(c)
    return sums if kept else None


def campaign_report(account_id: str, engine: Account, store: Store, campaign: Campaign,
                    now: int) -> CampaignReport:
    calendar = engine.calendar
    start = parse_timestamp(campaign.start)
    end = min(now, parse_timestamp(campaign.end) if campaign.end is not None else now)
    keys = ([(r.report, r.id) for r in campaign.rows] if campaign.rows
            else [(report, row_id) for report, row_id, _ in engine.report_rows()])
    last = max(start, end - 1)  # [start, end)
    period: dict[int, set[int]] = {}
    local: dict[int, set[int]] = {}
    for day, quarter in _slots(engine, start, last):
        period.setdefault(day, set()).add(quarter)
        order = local_quarters(calendar, day)
        if quarter < len(order) and order[quarter] is not None:
            local.setdefault(day, set()).add(order[quarter])  # type: ignore[arg-type]
    observed = _counted(account_id, engine, store, now, period, keys, local=False) or \
        {key: _Sums() for key in keys}
    weeks = []
    for week in range(1, WEEKS + 1):
        earlier = {day - 7 * week: quarters for day, quarters in local.items()}
        found = _counted(account_id, engine, store, now, earlier, keys, local=True)
        if found is not None:
            weeks.append(found)
    first_day, first_quarter = next(_slots(engine, start, start))
    *_, (last_day, last_quarter) = _slots(engine, start, last)
    report = CampaignReport(
        account_id, campaign,
        calendar.iso(calendar.day_start(first_day) + first_quarter * BUCKET_MS),
        calendar.iso(calendar.day_start(last_day) + (last_quarter + 1) * BUCKET_MS))
    for key in keys:
        seen = observed[key]
        report.rows.append(_effect(key, seen, [w[key] for w in weeks]))
    return report


def _effect(key: tuple[Report, str | None], seen: _Sums, weeks: list[_Sums]) -> RowEffect:
    closed = seen.served + seen.lost
    effect = RowEffect(key[0], key[1], seen.arrived, None, None, None, None, None,
                       seen.wait_ms / seen.samples / 1000 if seen.samples else None, None,
                       seen.lost, None, seen.lost / closed if closed else None, None, len(weeks))
    if len(weeks) < 2:
        return effect
    counts = [w.arrived for w in weeks]
    mean = statistics.fmean(counts)
    expected = mean + 0.5 / len(weeks)  # as normal.py: a quiet stretch still expects a little
    extra = statistics.variance(counts) - mean
    usual = usual_range(expected, max(0.0, extra / mean ** 2) if mean > 0 else 0.0, len(weeks))
    samples = sum(w.samples for w in weeks)
    closed_before = sum(w.served + w.lost for w in weeks)
    effect.expected = expected
    effect.uplift = seen.arrived - expected
    effect.uplift_low, effect.uplift_high = seen.arrived - usual.high, seen.arrived - usual.low
    effect.ratio = seen.arrived / expected
    effect.normal_avg_wait_s = (sum(w.wait_ms for w in weeks) / samples / 1000 if samples
                                else None)
    effect.normal_unserved = statistics.fmean(w.lost for w in weeks)
    effect.normal_unserved_share = (sum(w.lost for w in weeks) / closed_before
                                    if closed_before else None)
    return effect

