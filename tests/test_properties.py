"""Property tests of the engine on generated event sets (METRICS.md sections 3-5)."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import world
from wallboard.engine import Account, build, encode
from wallboard.engine.calendar import load_zone
from wallboard.engine.conversation import DONE, OUTCOME_NAMES
from wallboard.events import Event, decode_event

TZ = "Europe/Berlin"
# A window around a local midnight, so day attribution matters in every example.
BASE = int(datetime(2026, 11, 25, 20, 0, tzinfo=load_zone(TZ)).timestamp() * 1000)
SPAN_S = 8 * 3600
NOW = BASE + SPAN_S * 1000 + 60_000
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def decoded(events: list[dict[str, Any]], now: int = NOW) -> list[Event]:
    return [decode_event(json.dumps(e), now)[1] for e in events]


def replay(events: list[Event], now: int = NOW, tz: str = TZ) -> Account:
    account = Account("acme", tz, 60)
    for ev in events:
        account.apply(ev, now)
    return account


def snap(account: Account, now: int = NOW, day: int | None = None) -> bytes:
    return encode(build(account, now, day))


@SETTINGS
@given(world(BASE, SPAN_S), st.randoms(use_true_random=False), st.data())
def test_any_order_any_duplicates_same_snapshot(
    events: list[dict[str, Any]], rnd: random.Random, data: st.DataObject
) -> None:
    evs = decoded(events)
    reference = replay(evs)
    shuffled = evs + [data.draw(st.sampled_from(evs)) for _ in range(3)] if evs else []
    rnd.shuffle(shuffled)
    other = replay(shuffled)
    assert snap(other) == snap(reference)
    yesterday = reference.calendar.day_of(NOW) - 1
    assert snap(other, day=yesterday) == snap(reference, day=yesterday)
    # The counters no snapshot publishes (staffing's) too, per day and per bucket.
    assert counters(other) == counters(reference)


def counters(account: Account) -> dict[tuple[str, str | None], Any]:
    return {(report, row_id): ({d: c for d, c in row.days.items() if any(c)},
                               {s: c for s, c in row.buckets.items() if any(c)})
            for report, row_id, row in account.report_rows()}


@SETTINGS
@given(world(BASE, SPAN_S, max_conversations=4), st.randoms(use_true_random=False))
def test_incremental_state_equals_fresh_engine(
    events: list[dict[str, Any]], rnd: random.Random
) -> None:
    evs = decoded(events)
    rnd.shuffle(evs)
    incremental = Account("acme", TZ, 60)
    yesterday = incremental.calendar.day_of(NOW) - 1
    for i, ev in enumerate(evs):
        incremental.apply(ev, NOW)
        # A fresh engine fed the same set, in time order this time.
        fresh = replay(sorted(evs[: i + 1]))
        assert snap(incremental) == snap(fresh)
        assert snap(incremental, day=yesterday) == snap(fresh, day=yesterday)


ADDITIVE = ("in_queue", "in_work", "arrived", "served", "wait_samples", "answered_within_sl")


@SETTINGS
@given(world(BASE, SPAN_S))
def test_row_invariants(events: list[dict[str, Any]]) -> None:
    account = replay(decoded(events))
    snapshot = json.loads(snap(account))
    today = account.calendar.day_of(NOW)
    closed: dict[tuple[str, Any], int] = {}
    for conv in account.conversations():
        if conv.state == DONE and account.calendar.day_of(conv.close_at) == today \
                and not account.channels[conv.channel].excluded:
            for key in (("total", None), ("channel", conv.channel), ("group", conv.group)):
                closed[key] = closed.get(key, 0) + 1
    rows = [("total", None, snapshot["total"])]
    rows += [("channel", r["id"], r) for r in snapshot["channels"]]
    rows += [("group", r["id"], r) for r in snapshot["groups"]]
    for kind, key, row in rows:
        unserved = row["unserved"]
        assert unserved["total"] == sum(unserved[k] for k in OUTCOME_NAMES[1:])
        assert row["served"] + unserved["total"] == closed.get((kind, key), 0)
        for name, value in row.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert value >= 0, (kind, key, name)
        assert all(v >= 0 for v in unserved.values())
        assert row["answered_within_sl"] <= row["wait_samples"]
        assert (row["avg_wait_s"] is None) == (row["wait_samples"] == 0)
        assert (row["longest_wait_s"] is None) == (row["in_queue"] == 0)
        assert row["slots_available"] <= 3 * row["operators_available"]
    total = snapshot["total"]
    for name in ADDITIVE:
        assert sum(r[name] for r in snapshot["channels"]) == total[name], name
    for name in ("total", "unassigned", "canceled", "missed"):
        assert sum(r["unserved"][name] for r in snapshot["channels"]) == total["unserved"][name]
    # Every conversation has exactly one group at a time, so groups add up for the gauges too.
    for name in ("in_queue", "in_work", "served", "wait_samples"):
        assert sum(r[name] for r in snapshot["groups"]) == total[name], name
    assert sum(sum(r["topics"].values()) for r in snapshot["groups"]) == \
        sum(total["topics"].values())


MIDNIGHTS = [
    # (zone, a local date whose day is 23 or 25 hours long)
    ("America/New_York", (2026, 3, 8)),
    ("America/New_York", (2026, 11, 1)),
    ("Europe/Berlin", (2026, 3, 29)),
    ("Europe/Berlin", (2026, 10, 25)),
    ("Australia/Lord_Howe", (2026, 4, 5)),
    ("Australia/Lord_Howe", (2026, 10, 4)),
]


@pytest.mark.parametrize(("tz", "ymd"), MIDNIGHTS, ids=lambda v: str(v))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_midnight_resets_only_the_day_counters(
    tz: str, ymd: tuple[int, int, int], data: st.DataObject
) -> None:
    zone = load_zone(tz)
    day_start = int(datetime(*ymd, tzinfo=zone).timestamp() * 1000)
    # Both ends of the odd-length day: its own midnight and the next one.
    next_start = int(datetime.fromordinal(datetime(*ymd).toordinal() + 1)
                     .replace(tzinfo=zone).timestamp() * 1000)
    midnight = data.draw(st.sampled_from([day_start, next_start]))
    events = data.draw(world(midnight - 30 * 3600 * 1000, 30 * 3600 - 1))
    account = replay(decoded(events, midnight), midnight, tz)
    before = json.loads(snap(account, midnight - 1))
    after = json.loads(snap(account, midnight))
    assert after["date"] > before["date"]
    gauges = ("in_queue", "in_work", "operators_available", "slots_available")
    rows_before = [before["total"], *before["channels"], *before["groups"]]
    rows_after = [after["total"], *after["channels"], *after["groups"]]
    # The null group row may vanish at midnight when only its counters were non-zero.
    ids_after = {(("c" if "kind" in r else "g"), r.get("id")) for r in rows_after}
    for row in rows_before:
        key = ("c" if "kind" in row else "g", row.get("id"))
        if row is not before["total"] and key not in ids_after:
            assert row["id"] is None and row["in_queue"] == row["in_work"] == 0
    for a, b in zip(rows_before, rows_after, strict=False):
        if a.get("id") != b.get("id"):
            break
        for name in gauges:
            assert a[name] == b[name]
        if a["longest_wait_s"] is not None:
            assert b["longest_wait_s"] == pytest.approx(a["longest_wait_s"] + 0.001)
        assert b["arrived"] == b["served"] == b["wait_samples"] == 0
        assert b["unserved"]["total"] == 0 and b["avg_wait_s"] is None
        assert b.get("topics", {}) == {}
    # The day that just ended keeps its counters: the past-day view shows them, gauges null.
    past = json.loads(snap(account, midnight, account.calendar.day_of(midnight - 1)))
    assert past["date"] == before["date"]
    for a, b in zip([before["total"], *before["channels"]],
                    [past["total"], *past["channels"]], strict=True):
        for name in ("arrived", "served", "unserved", "avg_wait_s", "wait_samples",
                     "answered_within_sl"):
            assert a[name] == b[name]
        assert b["in_queue"] is None and b["slots_available"] is None
