"""Intraday series in the engine: buckets add up to days, DST-correct, corrected late, sampled."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from wallboard.engine import Account, build
from wallboard.engine.account import Report
from wallboard.engine.calendar import load_zone
from wallboard.engine.series import Series, row_day
from wallboard.engine.series import build as build_series
from wallboard.events import decode_event
from wallboard.sim import SimConfig, simulate

COUNTED = ("arrived", "served", "wait_samples", "answered_within_sl")


def local_ms(zone: str, *fields: int, fold: int = 0) -> int:
    return int(datetime(*fields, tzinfo=load_zone(zone), fold=fold).timestamp() * 1000)  # type: ignore[misc]


def series_of(engine: Account, report: Report, row_id: str | None, day: int) -> Series:
    row = next(r for kind, rid, r in engine.report_rows() if kind == report and rid == row_id)
    return build_series(engine.id, engine.calendar, engine.sl_threshold_s, report, row_id, None,
                        day, row_day(row, day))


def summed(series: Series) -> dict[str, Any]:
    """The day's counters as the sum of the buckets."""
    total: dict[str, Any] = {k: sum(getattr(b, k) for b in series.buckets) for k in COUNTED}
    for kind in ("total", "unassigned", "canceled", "missed"):
        total[kind] = sum(getattr(b.unserved, kind) for b in series.buckets)
    total["wait_ms"] = round(sum((b.avg_wait_s or 0) * b.wait_samples * 1000
                                 for b in series.buckets))
    return total


def day_figures(engine: Account, report: Report, row_id: str | None, day: int, now: int
                ) -> dict[str, Any]:
    snap = build(engine, now, day, gauges=False)
    rows = {("total", None): snap.total,
            **{("channel", c.id): c for c in snap.channels},
            **{("group", g.id): g for g in snap.groups}}
    row = rows.get((report, row_id))
    if row is None:  # the no-group row is listed only when not empty
        return {k: 0 for k in (*COUNTED, "total", "unassigned", "canceled", "missed",
                               "wait_ms")}
    out: dict[str, Any] = {k: getattr(row, k) for k in COUNTED}
    for kind in ("total", "unassigned", "canceled", "missed"):
        out[kind] = getattr(row.unserved, kind)
    out["wait_ms"] = round((row.avg_wait_s or 0) * row.wait_samples * 1000)
    return out


def test_buckets_sum_to_the_days_and_gauges_are_the_samples_taken() -> None:
    tz = "Europe/Moscow"
    start = local_ms(tz, 2026, 11, 20, 6, 0)
    sim = simulate(SimConfig(seed=11, account="acme", timezone=tz, start_ms=start, hours=30,
                             scale=0.5))
    engine = Account("acme", tz)
    expected: dict[tuple[Report, str | None, int], list[tuple[Any, ...]]] = {}
    sample_every = 60_000
    next_sample = start
    for ev in sim.events:
        while next_sample <= ev["at"]:
            engine.sample_gauges(next_sample)
            snap = build(engine, next_sample)
            slot = engine.calendar.slot_of(next_sample)
            t = snap.total
            seen: dict[tuple[Report, str | None], tuple[Any, ...]] = {
                ("total", None): (t.in_queue, t.in_work, t.operators_available,
                                  t.slots_available, round((t.longest_wait_s or 0) * 1000)),
                ("group", None): (0, 0, 0, 0, 0),  # listed only when not empty
            }
            for g in snap.groups:
                seen["group", g.id] = (g.in_queue, g.in_work, g.operators_available,
                                       g.slots_available, round((g.longest_wait_s or 0) * 1000))
            for (report, rid), values in seen.items():
                expected.setdefault((report, rid, slot), []).append(values)
            next_sample += sample_every
        received = ev["at"] + 1000
        engine.apply(decode_event(json.dumps(ev), received)[1], received)
    now = sim.end_ms
    days = range(engine.calendar.day_of(start), engine.calendar.day_of(now) + 1)
    assert len(days) == 2
    checked = 0
    for day in days:
        for report, rid, _ in list(engine.report_rows()):
            series = series_of(engine, report, rid, day)
            assert len(series.buckets) == 96
            assert summed(series) == day_figures(engine, report, rid, day, now), (report, rid)
            checked += series.buckets[40].arrived
    assert checked > 0  # midday buckets are busy

    # Gauges: peak and mean of exactly the samples taken in each bucket.
    compared = 0
    for (report, rid, slot), samples in expected.items():
        series = series_of(engine, report, rid, slot >> 8)
        bucket = series.buckets[slot & 255]
        assert bucket.gauge_samples == len(samples)
        for i, name in enumerate(("in_queue", "in_work", "operators_available",
                                  "slots_available")):
            values = [s[i] for s in samples]
            gauge = getattr(bucket, name)
            if rid is None and report == "group" and name in ("operators_available",
                                                               "slots_available"):
                assert gauge is None
                continue
            assert gauge.peak == max(values) and abs(gauge.mean - sum(values) / len(values)) \
                < 1e-9, (report, rid, slot, name)
            compared += 1
        longest = [s[4] for s in samples]
        assert abs(bucket.longest_wait_s.peak - max(longest) / 1000) < 1e-9
    assert compared > 1000
    quiet = series_of(engine, "total", None, days[0]).buckets[0]  # before the run started
    assert quiet.gauge_samples == 0 and quiet.in_queue is None and quiet.arrived == 0


def test_bucket_boundaries_on_dst_days() -> None:
    ny = Account("acme", "America/New_York")
    fall = ny.calendar.day_of(local_ms("America/New_York", 2026, 11, 1, 12, 0))
    spring = ny.calendar.day_of(local_ms("America/New_York", 2026, 3, 8, 12, 0))
    howe = Account("acme", "Australia/Lord_Howe")
    short = howe.calendar.day_of(local_ms("Australia/Lord_Howe", 2026, 10, 4, 12, 0))

    starts = [b.start for b in series_of(ny, "total", None, fall).buckets]
    assert len(starts) == 100
    assert starts[0] == "2026-11-01T00:00:00-04:00"
    assert starts[7:9] == ["2026-11-01T01:45:00-04:00", "2026-11-01T01:00:00-05:00"]
    assert starts[-1] == "2026-11-01T23:45:00-05:00"
    starts = [b.start for b in series_of(ny, "total", None, spring).buckets]
    assert len(starts) == 92
    assert starts[7:9] == ["2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00"]
    starts = [b.start for b in series_of(howe, "total", None, short).buckets]
    assert len(starts) == 94  # a 23.5-hour day
    assert starts[7:9] == ["2026-10-04T01:45:00+10:30", "2026-10-04T02:30:00+11:00"]

    # An event in the repeated hour lands in the second 01:30 bucket, not the first.
    at = local_ms("America/New_York", 2026, 11, 1, 1, 30, fold=1)
    ev = {"id": "s1", "type": "conversation.started", "account": "acme", "at": at,
          "conversation": "c1", "channel": "web"}
    ny.apply(decode_event(json.dumps(ev), at)[1], at)
    buckets = series_of(ny, "total", None, fall).buckets
    assert [i for i, b in enumerate(buckets) if b.arrived] == [10]
    assert buckets[10].start == "2026-11-01T01:30:00-05:00"


def test_a_late_event_corrects_yesterdays_bucket() -> None:
    tz = "Europe/Berlin"
    t0 = local_ms(tz, 2026, 11, 20, 23, 40)
    events = [
        {"type": "conversation.started", "at": t0, "channel": "web", "group": "sales"},
        {"type": "message.visitor", "at": t0 + 5_000},
        {"type": "conversation.assigned", "at": t0 + 30_000, "operator": "ann"},
        {"type": "conversation.closed", "at": t0 + 600_000, "by": "operator"},
    ]
    engine = Account("acme", tz)
    for n, ev in enumerate(events):
        body = {"id": f"e{n}", "account": "acme", "conversation": "c1", **ev}
        engine.apply(decode_event(json.dumps(body), ev["at"])[1], ev["at"])
    day = engine.calendar.day_of(t0)
    close_bucket = (t0 + 600_000 - engine.calendar.day_start(day)) // 900_000
    before = series_of(engine, "group", "sales", day).buckets[close_bucket]
    assert before.unserved.missed == 1 and before.served == 0

    # Next morning, within 48 hours: the operator's reply was late, so it was served.
    late_at = t0 + 60_000
    received = t0 + 10 * 3600 * 1000
    late = {"id": "late", "type": "message.operator", "account": "acme", "conversation": "c1",
            "at": late_at, "operator": "ann"}
    assert engine.apply(decode_event(json.dumps(late), received)[1], received) == "accepted"
    after = series_of(engine, "group", "sales", day)
    assert after.buckets[close_bucket].served == 1
    assert after.buckets[close_bucket].unserved.missed == 0
    assert summed(after) == day_figures(engine, "group", "sales", day, received)


def test_series_survive_a_checkpoint() -> None:
    tz = "Europe/Moscow"
    at = local_ms(tz, 2026, 11, 20, 10, 5)
    engine = Account("acme", tz)
    ev = {"id": "s1", "type": "conversation.started", "account": "acme", "at": at,
          "conversation": "c1", "channel": "web"}
    engine.apply(decode_event(json.dumps(ev), at)[1], at)
    engine.sample_gauges(at + 1000)
    day = engine.calendar.day_of(at)
    again = Account.loads(engine.dumps())
    assert series_of(again, "total", None, day) == series_of(engine, "total", None, day)
    assert series_of(again, "total", None, day).buckets[40].in_queue.peak == 1  # type: ignore[union-attr]
