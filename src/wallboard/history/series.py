"""Intraday series kept: rows' days of buckets in the store, read back and shown as CSV.

The service writes, at each checkpoint, every row-day the engine holds whose buckets changed
since it last wrote them; a day the engine no longer holds is read from the store. A stored
row-day is msgpack of ``[report, id, name, counters, gauges, topic hours]`` (see
``engine.series``), small and independent of the engine's classes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from ..engine import Account
from ..engine.calendar import SLOT_BITS, Calendar, ordinal_iso
from ..engine.series import RowDay, TopicHours, build, row_day
from ..figures import COUNTERS, FIGURES, GAUGE_SAMPLES, GAUGES, Figure, Report, Series
from ..store import SavedSeries, Store
from .cells import text_cell

__all__ = ["SERIES_CSV_HEADER", "changed_row_days", "read_all_compact", "read_series",
           "restore_gauges", "row_key", "row_of", "series_csv"]

# A stored row-day: one format byte, then msgpack of (report, id, name, counters, gauges,
# topic hours). Format 1 had no topic hours; release 0.1 wrote the msgpack of format 1 alone,
# whose first byte (0x95, an array of 5) no format byte will ever be: all are read.
SERIES_FORMAT = 2
_WITHOUT_TOPICS = 1
_LEGACY = 0x95
_HEAD = bytes([SERIES_FORMAT])
_encode = msgspec.msgpack.Encoder().encode
StoredRowDay = tuple[Report, str | None, str | None, list[list[int]], list[list[int]],
                     TopicHours]
_decode = msgspec.msgpack.Decoder(StoredRowDay).decode
_decode_without_topics = msgspec.msgpack.Decoder(
    tuple[Report, str | None, str | None, list[list[int]], list[list[int]]]).decode


def _pack(row_day: StoredRowDay) -> bytes:
    return _HEAD + _encode(row_day)


def _unpack(blob: bytes) -> StoredRowDay:
    head = blob[0]
    topics: TopicHours = []
    if head == SERIES_FORMAT:
        report, row_id, name, counters, gauges, topics = _decode(memoryview(blob)[1:])
    elif head == _WITHOUT_TOPICS:
        report, row_id, name, counters, gauges = _decode_without_topics(memoryview(blob)[1:])
    elif head == _LEGACY:
        report, row_id, name, counters, gauges = _decode_without_topics(blob)
    else:
        raise ValueError(f"a stored series of format {head}, newer than this release")
    # Written before a figure was added: its place reads 0 (each list leads with its quarter).
    for values, size in ((counters, 1 + COUNTERS), (gauges, 1 + GAUGE_SAMPLES)):
        for bucket in values:
            if len(bucket) < size:
                bucket.extend([0] * (size - len(bucket)))
    return report, row_id, name, counters, gauges, topics


def row_of(channel: str | None, group: str | None) -> tuple[Report, str | None]:
    """The row a request names: a channel, a group ("" for the no-group row) or the total.

    Raises ``ValueError`` when it names both.
    """
    if channel is not None and group is not None:
        raise ValueError("a channel or a group, not both")
    if channel is not None:
        return "channel", channel
    if group is not None:
        return "group", group or None
    return "total", None


def row_key(report: Report, row_id: str | None) -> str:
    """The store's name of a row: ``total``, ``channel:ID``, ``group:ID`` or ``group``."""
    return report if row_id is None else f"{report}:{row_id}"


def _name(engine: Account, report: Report, row_id: str | None) -> str | None:
    if row_id is None:
        return None
    entity = (engine.channels if report == "channel" else engine.groups).get(row_id)
    return None if entity is None else entity.name


def changed_row_days(engine: Account, now: int, written: dict[tuple[int, str], int]
                     ) -> list[SavedSeries]:
    """Every row-day held in memory that differs from what was last written (``written``
    holds a hash per (day, row key) and is updated)."""
    calendar = engine.calendar
    today = calendar.day_of(now)
    changed = []
    for day in range(engine.first_day_held(now), today + 1):
        for report, row_id, row in engine.report_rows():
            data = row_day(row, day)
            key = row_key(report, row_id)
            if not (data[0] or data[1] or data[2]) and (day, key) not in written:
                continue  # nothing happened in that row that day
            blob = _pack((report, row_id, _name(engine, report, row_id), *data))
            fingerprint = hash(blob)
            if written.get((day, key)) != fingerprint:
                written[(day, key)] = fingerprint
                changed.append(SavedSeries(ordinal_iso(day), key, blob))
    return changed


def restore_gauges(engine: Account, store: Store, now: int) -> None:
    """Put back the stored gauge samples of the days the engine holds where it has fewer.

    An engine rebuilt from the log (an older checkpoint refused) has counters but no past
    samples, which events cannot tell; without this its next save would overwrite them.
    """
    for day in range(engine.first_day_held(now), engine.calendar.day_of(now) + 1):
        for blob in store.series_of_day(engine.id, ordinal_iso(day)):
            report, row_id, _, _, gauges, _ = _unpack(blob)
            row = engine.report_row(report, row_id)
            if row is not None:
                for quarter, *samples in gauges:
                    row.keep_gauges((day << SLOT_BITS) + quarter, samples)


def read_series(account_id: str, calendar: Calendar, sl_threshold_s: float, day: int,
                report: Report, row_id: str | None, store: Store, engine: Account | None,
                now: int) -> Series | None:
    """One row's series for a local day: from the engine while it holds the day, else from
    the store. None when neither knows the row (an empty day of a known row is all zeros)."""
    row = None if engine is None else engine.report_row(report, row_id)
    if row is not None and engine is not None and engine.holds_day(day, now):
        return build(account_id, calendar, sl_threshold_s, report, row_id,
                     _name(engine, report, row_id), day, row_day(row, day))
    blob = store.series(account_id, ordinal_iso(day), row_key(report, row_id))
    if blob is not None:
        _, _, name, counters, gauges, topics = _unpack(blob)
        return build(account_id, calendar, sl_threshold_s, report, row_id, name, day,
                     (counters, gauges, topics))
    if row is not None and engine is not None:
        return build(account_id, calendar, sl_threshold_s, report, row_id,
                     _name(engine, report, row_id), day, ([], [], []))
    return None


def read_all_compact(account_id: str, day: int, store: Store, engine: Account, now: int
                     ) -> list[tuple[Report, str | None, RowDay]]:
    """Every report row's day: from the engine while it holds the day, else from the store."""
    if engine.holds_day(day, now):
        return [(report, row_id, row_day(row, day))
                for report, row_id, row in engine.report_rows()]
    out: list[tuple[Report, str | None, RowDay]] = []
    for blob in store.series_of_day(account_id, ordinal_iso(day)):
        report, row_id, _, counters, gauges, topics = _unpack(blob)
        out.append((report, row_id, (counters, gauges, topics)))
    return out


# The counted figures of a bucket that have a column, then the gauges' peak and mean.
_COLUMNS = [f for f in FIGURES if f.csv is not None and f.kind != "gauge" and f.in_series]


def _gauge_header(f: Figure, which: str) -> str:
    return f"{f.csv} ({which}, s)" if f.unit == "seconds" else f"{f.csv} ({which})"


SERIES_CSV_HEADER = (
    "Date", "Report", "Id", "Name", "Bucket start", *(str(f.csv) for f in _COLUMNS),
    "Gauge samples", *(_gauge_header(f, w) for f in GAUGES for w in ("peak", "mean")))


def _cell(f: Figure, bucket: Any) -> Any:
    if f.part_of is not None:
        return getattr(getattr(bucket, f.part_of), f.name)
    value = getattr(bucket, f.name)
    if f.kind == "total":
        return value.total
    if f.kind == "mean":
        return "" if value is None else round(value, f.decimals)
    return value


def _gauge(g: Any) -> list[Any]:
    return ["", ""] if g is None else [g.peak, round(g.mean, 3)]


def _lines(series: Series) -> Iterator[list[Any]]:
    report = {"total": "Total", "channel": "Channel", "group": "Group"}[series.report]
    name = text_cell(series.name) or ("No group" if series.report == "group" and
                                      series.id is None else "")
    for b in series.buckets:
        yield [series.date, report, text_cell(series.id), name, b.start,
               *(_cell(f, b) for f in _COLUMNS), b.gauge_samples,
               *(cell for f in GAUGES for cell in _gauge(getattr(b, f.name)))]


def series_csv(days: Iterable[Series]) -> str:
    """One line per bucket, with a header a spreadsheet reads."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SERIES_CSV_HEADER)
    for series in days:
        writer.writerows(_lines(series))
    return out.getvalue()

