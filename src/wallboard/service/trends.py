"""Now against normal for every row: its arrivals over the last 30 minutes against the same
time of day on the same weekday of the four weeks before (``normal.py``), flagged as a surge
or a drop when that is out of the ordinary (``surge.py``), with the start of it.

The weeks are read as kept: a day the engine still holds from it, older ones from the stored
series. A week in which the account has nothing stored is missing (the account did not exist
yet, or the service was down); in a week it has, a row with nothing stored had no arrivals.
Quarters are matched by local time of day, so a DST day compares 09:00 with 09:00: its
repeated hour is counted once (the first), its skipped hour has no normal.
"""

from __future__ import annotations

from collections import OrderedDict
from weakref import WeakKeyDictionary

import msgspec

from ..engine import Account
from ..engine.calendar import BUCKET_MS, SLOT_BITS, Calendar, ordinal_iso
from ..engine.series import RowDay
from ..figures import COUNTER, Report
from ..history import read_all_compact, row_key
from ..normal import QUARTERS, Baseline, baseline
from ..store import Store
from ..surge import WINDOW_MS, Quarter, Status, UsualRange, trend, usual_range

__all__ = ["WEEKS", "Normals", "RowTrend", "Trends", "day_kept", "local_quarters", "normals",
           "trends"]

WEEKS = 4
_ARRIVED = COUNTER["arrived"]
_SURGE_LOOKBACK = 24  # quarters (6 hours) searched for the start of a surge
_CACHED_ACCOUNTS = 256



class RowTrend(msgspec.Struct):
    report: Report
    id: str | None
    status: Status
    arrived: int  # the last 30 minutes
    expected: float | None  # normal for them
    ratio: float | None
    p: float | None  # how likely so many (surge) or so few (drop) on an ordinary day
    since: str | None  # a surge's or drop's start (a quarter hour)
    extra: float | None  # conversations since then above normal (below: negative)
    since_ratio: float | None
    weeks: int  # weeks behind the normal


class Trends(msgspec.Struct):
    account: str
    as_of: str
    window_minutes: int
    weeks: list[str]  # the days the normal comes from (those the account has data for)
    rows: list[RowTrend]


def local_quarters(calendar: Calendar, day: int) -> list[int | None]:
    """Each slot of a local day -> its quarter of the day by local time (None for the second
    pass of a repeated hour)."""
    start, seen, out = calendar.day_start(day), set(), []
    for slot in range(calendar.slot_count(day)):
        clock = calendar.iso(start + slot * BUCKET_MS, "minutes")[11:16]
        quarter = int(clock[:2]) * 4 + int(clock[3:5]) // 15
        out.append(None if quarter in seen else quarter)
        seen.add(quarter)
    return out


def day_kept(rows: list[tuple[Report, str | None, RowDay]]) -> bool:
    """Whether the account kept anything of a day (``read_all_compact``'s rows): a day with
    nothing is a day missing, not a quiet one."""
    return any(report == "total" and data[0] for report, _, data in rows)


class HourTopics(msgspec.Struct):
    """A row's topics in one local hour of the day, over the weeks."""

    counts: dict[str, int] = msgspec.field(default_factory=dict)  # summed over the weeks
    weeks: int = 0  # which of the weeks had any (a bit each: weeks without a topic don't count)


class Normals(msgspec.Struct):
    """A local day's normal, from the same weekday of the weeks before (read once a day)."""

    weeks: list[str]  # the days it comes from
    rows: dict[str, Baseline]  # arrivals, by row key (``history.row_key``)
    # Per row key, each local hour's topics.
    topics: dict[str, list[HourTopics]]
    # Per row key, each quarter's usual range, worked out when first asked for
    bands: dict[str, list[UsualRange | None]] = msgspec.field(default_factory=dict)

    def band(self, key: str) -> list[UsualRange | None] | None:
        """A row's usual range for each local quarter; None for a row the weeks did not have."""
        normal = self.rows.get(key)
        if normal is None:
            return None
        found = self.bands.get(key)
        if found is None:
            found = self.bands[key] = [
                None if centre is None else usual_range(centre, normal.dispersion, weeks)
                for centre, weeks in zip(normal.centre, normal.weeks, strict=True)]
        return found


def _read(account_id: str, engine: Account, store: Store, day: int, now: int) -> Normals:
    """Every row any of the weeks had (a row that is new since has no normal yet)."""
    used: list[str] = []
    weeks: list[tuple[list[int | None], dict[str, RowDay]]] = []
    for week in range(1, WEEKS + 1):
        earlier = day - 7 * week
        rows = read_all_compact(account_id, earlier, store, engine, now)
        if day_kept(rows):
            used.append(ordinal_iso(earlier))
            weeks.append((local_quarters(engine.calendar, earlier),
                          {row_key(report, row_id): data for report, row_id, data in rows}))
    arrivals: dict[str, list[list[int | None]]] = {}
    topics: dict[str, list[HourTopics]] = {}
    for key in {key for _, by_key in weeks for key in by_key}:
        hours = [HourTopics() for _ in range(24)]
        for week, (quarters, by_key) in enumerate(weeks):
            counts: list[int | None] = [None] * QUARTERS
            for q in quarters:
                if q is not None:
                    counts[q] = 0
            data = by_key.get(key, ([], [], []))
            for slot, *c in data[0]:
                if slot < len(quarters) and (q := quarters[slot]) is not None:
                    counts[q] = c[_ARRIVED]
            arrivals.setdefault(key, []).append(counts)
            for slot_hour, by_topic in data[2]:
                if slot_hour * 4 < len(quarters) and (q := quarters[slot_hour * 4]) is not None:
                    hour = hours[q // 4]
                    hour.weeks |= (1 << week) if by_topic else 0
                    for topic, n in by_topic.items():
                        hour.counts[topic] = hour.counts.get(topic, 0) + n
        topics[key] = hours
    return Normals(used, {key: baseline(days) for key, days in arrivals.items()}, topics)


# Per store (a test or a tool may open several): (account, day) -> its normals, the most
# recently used last.
_caches: WeakKeyDictionary[Store, OrderedDict[tuple[str, int], Normals]] = WeakKeyDictionary()


def normals(account_id: str, engine: Account, store: Store, day: int, now: int) -> Normals:
    """Each row's normal for a local day, worked out once a day (the weeks it reads are
    final)."""
    cache = _caches.setdefault(store, OrderedDict())
    found = cache.get((account_id, day))
    if found is None:
        found = cache[(account_id, day)] = _read(account_id, engine, store, day, now)
        while len(cache) > _CACHED_ACCOUNTS:
            cache.popitem(last=False)
    else:
        cache.move_to_end((account_id, day))
    return found


def _slot_normal(by_day: dict[int, dict[str, Baseline]], key: str, slot: int, share: float,
                 quarters: dict[int, list[int | None]]) -> tuple[float, int] | None:
    day = slot >> SLOT_BITS
    normal = by_day[day].get(key)
    if normal is None:
        return None
    quarter = quarters[day][slot & ((1 << SLOT_BITS) - 1)]
    if quarter is None:
        return None
    return normal.expected([(quarter, share)])


def trends(account_id: str, engine: Account, store: Store, now: int) -> Trends:
    """Every reported row's trend at ``now``."""
    calendar = engine.calendar
    today = calendar.day_of(now)
    days = (today - 1, today)  # the last 30 minutes may start yesterday
    weeks = normals(account_id, engine, store, today, now).weeks
    by_day = {d: normals(account_id, engine, store, d, now).rows for d in days}
    quarters = {d: local_quarters(calendar, d) for d in days}
    engine.move_windows(now)
    # The slots the last 30 minutes cover, each with the share of it inside them.
    window: list[tuple[int, float]] = []
    edge = now - WINDOW_MS
    while edge < now:
        slot = calendar.slot_of(edge + 1)
        start = calendar.day_start(slot >> SLOT_BITS) + (slot & ((1 << SLOT_BITS) - 1)) \
            * BUCKET_MS
        end = min(now, start + BUCKET_MS - 1)
        window.append((slot, (end - edge) / BUCKET_MS))
        edge = end
    current = calendar.slot_of(now)
    rows = []
    for report, row_id, row in engine.report_rows():
        key = row_key(report, row_id)
        sums = row.windows
        arrived = 0 if sums is None else sums.counters[0][_ARRIVED] - sums.counters[2][_ARRIVED]
        expected: float | None = 0.0
        fewest = WEEKS
        for slot, share in window:
            part = _slot_normal(by_day, key, slot, share, quarters)
            if part is None or expected is None:
                expected = None
                break
            expected += part[0]
            fewest = min(fewest, part[1])
        recent = []
        for back in range(min(_SURGE_LOOKBACK, current & ((1 << SLOT_BITS) - 1)), -1, -1):
            slot = current - back
            start = calendar.day_start(today) + (slot - (today << SLOT_BITS)) * BUCKET_MS
            share = min(1.0, (now - start + 1) / BUCKET_MS)
            part = _slot_normal(by_day, key, slot, share, quarters)
            counts = row.buckets.get(slot)
            recent.append(Quarter(start, counts[_ARRIVED] if counts else 0,
                                  None if part is None else part[0]))
        got = trend(arrived, expected, by_day[today][key].dispersion if key in by_day[today]
                    else 0.0, max(1, fewest), recent)
        if got.status == "not_enough_history" and report == "group" and row_id is None \
                and arrived == 0:
            continue  # the no-group row, empty and without history: not a row to show
        rows.append(RowTrend(report, row_id, got.status, got.arrived, got.expected, got.ratio,
                             got.p, None if got.since_ms is None else calendar.iso(got.since_ms),
                             got.extra, got.since_ratio, fewest if expected is not None else 0))
    return Trends(account_id, calendar.iso(now), WINDOW_MS // 60_000, weeks, rows)
