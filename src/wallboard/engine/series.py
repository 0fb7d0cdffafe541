"""Intraday series: one report row's local day in 15-minute buckets (types and assembly).

A row keeps counters per slot (``rows.py``), moved by the same effects as its day counters, and
the gauge samples its owner took. ``row_day`` cuts one day out of a row as plain lists (what the
history store keeps), and ``build`` turns that into the published ``Series``: every bucket of
the day, 92, 96 or 100 of them, empty ones included, so a chart never has to guess the gaps.
"""

from __future__ import annotations

from ..figures import COUNTER, COUNTERS, GAUGE_SAMPLES, SAMPLE, Bucket, Gauge, Report, Series
from .calendar import BUCKET_MS, SLOT_BITS, Calendar, ordinal_iso
from .readout import bucket_gauges, counted, seconds
from .rows import HOUR_BITS, Row

__all__ = ["BUCKET_MINUTES", "Bucket", "Gauge", "Report", "RowDay", "Series", "TopicHours",
           "build", "compact", "row_day"]

BUCKET_MINUTES = BUCKET_MS // 60_000

# One row's day: ([quarter, *counters], ...), ([quarter, *gauge samples], ...), quarters
# ascending, only those with something in them; and ((hour, {topic: conversations}), ...),
# by the hour of the day's slots the conversations started in.
TopicHours = list[tuple[int, dict[str, int]]]
RowDay = tuple[list[list[int]], list[list[int]], TopicHours]


def row_day(row: Row, day: int) -> RowDay:
    """The day's buckets of ``row`` as plain lists."""
    first = day << SLOT_BITS
    counters, gauges = [], []
    for quarter in range(1 << SLOT_BITS):
        c = row.buckets.get(first + quarter)
        if c is not None and any(c):
            counters.append([quarter, *c])
        g = row.gauges.get(first + quarter)
        if g is not None:
            gauges.append([quarter, *g])
    first_hour = day << HOUR_BITS
    topics = [(hour, dict(counts)) for hour in range(1 << HOUR_BITS)
              if (counts := row.topic_hours.get(first_hour + hour))]
    return counters, gauges, topics


_NO_COUNTS = [0] * COUNTERS
_NO_GAUGES = [0] * GAUGE_SAMPLES
_IN_SERIES = [(name, read) for name, read in counted if name in Bucket.__struct_fields__]


def build(account: str, calendar: Calendar, sl_threshold_s: float, report: Report,
          row_id: str | None, name: str | None, day: int, data: RowDay) -> Series:
    """The published series of one row and local day from its ``row_day`` lists."""
    counters = {q[0]: q[1:] for q in data[0]}
    gauges = {q[0]: q[1:] for q in data[1]}
    start = calendar.day_start(day)
    has_operators = not (report == "group" and row_id is None)
    buckets = []
    for quarter in range(calendar.slot_count(day)):
        c = counters.get(quarter, _NO_COUNTS)
        g = gauges.get(quarter, _NO_GAUGES)
        buckets.append(Bucket(calendar.iso(start + quarter * BUCKET_MS, "seconds"),
                              *[read(c) for _, read in _IN_SERIES], g[0],
                              *bucket_gauges(g, has_operators)))
    return Series(account, calendar.name, ordinal_iso(day), report, row_id, name,
                  BUCKET_MINUTES, sl_threshold_s, buckets)


_ARRIVED, _WAITS, _WAIT_SUM = COUNTER["arrived"], COUNTER["wait_samples"], COUNTER["wait_sum_ms"]
_IN_QUEUE_PEAK = 2 + 2 * SAMPLE["in_queue"]


def compact(data: RowDay, buckets: int
            ) -> tuple[list[int], list[float | None], list[float | None]]:
    """What a small chart draws, one number a bucket: arrivals, the peak in queue (None
    where not sampled) and the average wait (None where no wait ended)."""
    arrived = [0] * buckets
    avg_wait: list[float | None] = [None] * buckets
    for q, *c in data[0]:
        if q < buckets:
            arrived[q] = c[_ARRIVED]
            if c[_WAITS]:
                avg_wait[q] = seconds(c[_WAIT_SUM] / c[_WAITS])
    in_queue: list[float | None] = [None] * buckets
    for q, *g in data[1]:
        if q < buckets and g[0]:
            in_queue[q] = g[_IN_QUEUE_PEAK]
    return arrived, in_queue, avg_wait
