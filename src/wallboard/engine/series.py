"""Intraday series: one report row's local day in 15-minute buckets (types and assembly).

A row keeps counters per slot (``rows.py``), moved by the same effects as its day counters, and
the gauge samples its owner took. ``row_day`` cuts one day out of a row as plain lists (what the
history store keeps), and ``build`` turns that into the published ``Series``: every bucket of
the day, 92, 96 or 100 of them, empty ones included, so a chart never has to guess the gaps.
"""

from __future__ import annotations

from ..figures import Bucket, Gauge, Report, Series, Unserved
from .calendar import BUCKET_MS, SLOT_BITS, Calendar, ordinal_iso
from .rows import (
    ARRIVED,
    CANCELED,
    COUNTERS,
    GAUGES,
    MISSED,
    SAMPLES,
    SERVED,
    UNASSIGNED,
    WAIT_SUM_MS,
    WITHIN_SL,
    Row,
)

__all__ = ["BUCKET_MINUTES", "Bucket", "Gauge", "Report", "RowDay", "Series", "build", "compact",
           "row_day"]

BUCKET_MINUTES = BUCKET_MS // 60_000

# One row's day: ([quarter, *counters], ...) and ([quarter, *gauge samples], ...), quarters
# ascending, only those with something in them.
RowDay = tuple[list[list[int]], list[list[int]]]


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
    return counters, gauges


_NO_COUNTS = [0] * COUNTERS
_NO_GAUGES = [0] * GAUGES


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
        n, samples = g[0], c[SAMPLES]
        buckets.append(Bucket(
            start=calendar.iso(start + quarter * BUCKET_MS, "seconds"),
            arrived=c[ARRIVED],
            served=c[SERVED],
            unserved=Unserved(c[UNASSIGNED] + c[CANCELED] + c[MISSED], c[UNASSIGNED],
                              c[CANCELED], c[MISSED]),
            avg_wait_s=c[WAIT_SUM_MS] / samples / 1000 if samples else None,
            wait_samples=samples,
            answered_within_sl=c[WITHIN_SL],
            gauge_samples=n,
            in_queue=Gauge(g[2], g[1] / n) if n else None,
            in_work=Gauge(g[4], g[3] / n) if n else None,
            operators_available=Gauge(g[6], g[5] / n) if n and has_operators else None,
            slots_available=Gauge(g[8], g[7] / n) if n and has_operators else None,
            longest_wait_s=Gauge(g[10] / 1000, g[9] / n / 1000) if n else None,
        ))
    return Series(account, calendar.name, ordinal_iso(day), report, row_id, name,
                  BUCKET_MINUTES, sl_threshold_s, buckets)


def compact(data: RowDay, buckets: int
            ) -> tuple[list[int], list[float | None], list[float | None]]:
    """What a small chart draws, one number a bucket: arrivals, the peak in queue (None
    where not sampled) and the average wait (None where no wait ended)."""
    arrived = [0] * buckets
    avg_wait: list[float | None] = [None] * buckets
    for q, *c in data[0]:
        if q < buckets:
            arrived[q] = c[ARRIVED]
            if c[SAMPLES]:
                avg_wait[q] = c[WAIT_SUM_MS] / c[SAMPLES] / 1000
    in_queue: list[float | None] = [None] * buckets
    for q, *g in data[1]:
        if q < buckets and g[0]:
            in_queue[q] = g[2]
    return arrived, in_queue, avg_wait
