"""The simulator: deterministic, valid, realistic, and its ground truth equals the engine's."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest

from wallboard.engine import Account, build
from wallboard.events import decode_event, parse_timestamp
from wallboard.figures import COUNTER, COUNTERS
from wallboard.sim import GroundTruth, SimConfig, Simulation, Surge, simulate, stream

FIGURES = ("arrived", "served", "wait_samples", "avg_wait_s", "answered_within_sl", "in_queue",
           "in_work", "operators_available", "slots_available", "operators", "held", "capacity",
           "occupancy")
# Counters the engine keeps but does not publish in the snapshot (staffing reads them).
KEPT = ("answered", "handle_samples", "handle_sum_ms")
UNSERVED = ("unassigned", "canceled", "missed")
EXCLUDED_CHANNELS = {"app", "form"}  # mobile_chat and offline_form in the simulated center

_runs: dict[SimConfig, Simulation] = {}


def run(config: SimConfig) -> Simulation:
    """Simulations are deterministic, so tests share them."""
    if config not in _runs:
        _runs[config] = simulate(config)
    return _runs[config]


DAY = SimConfig(seed=7, scale=0.6)


def local_hour(ms: int, zone: str = "Europe/Moscow") -> float:
    moment = datetime.fromtimestamp(ms / 1000, ZoneInfo(zone))
    return moment.hour + moment.minute / 60


# --- determinism and the wire format ---------------------------------------------------------


def test_same_config_gives_byte_identical_events() -> None:
    config = SimConfig(seed=3, hours=8, scale=0.4)
    first = msgspec.json.encode(simulate(config).events)
    assert msgspec.json.encode(simulate(config).events) == first
    assert msgspec.json.encode(list(stream(config))) == first
    other = SimConfig(seed=4, hours=8, scale=0.4)
    assert msgspec.json.encode(simulate(other).events) != first


def test_events_are_valid_ordered_and_unique() -> None:
    sim = run(DAY)
    ats = [e["at"] for e in sim.events]
    assert all(isinstance(at, int) for at in ats)
    assert ats == sorted(ats)
    assert DAY.start_ms <= ats[0] and ats[-1] < sim.end_ms
    assert len({e["id"] for e in sim.events}) == len(sim.events)
    for e in sim.events:
        account, _ = decode_event(msgspec.json.encode(e), sim.end_ms)
        assert account == DAY.account


def test_stream_is_lazy_and_endless() -> None:
    endless = stream(SimConfig(seed=2, hours=math.inf, scale=0.2))
    events = list(islice(endless, 60_000))  # more than two simulated days at this scale
    assert len(events) == 60_000
    ats = [e["at"] for e in events]
    assert ats == sorted(ats)
    assert ats[-1] - ats[0] > 36 * 3_600_000
    with pytest.raises(ValueError):
        simulate(SimConfig(hours=math.inf))


# --- ground truth against the engine ---------------------------------------------------------


def replay(sim: Simulation, account: str, timezone: str, shuffle: int | None = None
           ) -> dict[str, Any]:
    engine = Account(account, timezone, 60)
    events = list(sim.events)
    if shuffle is not None:
        random.Random(shuffle).shuffle(events)
    encode = msgspec.json.encode
    for event in events:
        assert engine.apply(decode_event(encode(event), sim.end_ms)[1], sim.end_ms) == "accepted"
    # Every event is before end_ms: the figures as of the run's last instant.
    now = sim.end_ms - 1
    result: dict[str, Any] = msgspec.to_builtins(build(engine, now))
    day = engine.calendar.day_of(now)
    rows = [("total", None, result["total"])]
    rows += [("channel", r["id"], r) for r in result["channels"]]
    rows += [("group", r["id"], r) for r in result["groups"]]
    for report, row_id, row in rows:
        kept = engine.report_row(report, row_id)
        assert kept is not None
        counters = kept.days.get(day, [0] * COUNTERS)
        row.update({name: counters[COUNTER[name]] for name in KEPT})
    return result


def assert_row(name: str, row: dict[str, Any], truth: dict[str, Any]) -> None:
    for key in (*FIGURES, *KEPT):
        assert row[key] == truth[key], (name, key, row[key], truth[key])
    for key in UNSERVED:
        assert row["unserved"][key] == truth[key], (name, key, row["unserved"][key], truth[key])
    assert row["unserved"]["total"] == truth["unserved"], name


def assert_matches(snapshot: dict[str, Any], truth: GroundTruth) -> None:
    assert snapshot["date"] == truth.date.isoformat()
    assert_row("total", snapshot["total"], truth.row("total"))
    channels = {c["id"]: c for c in snapshot["channels"]}
    assert set(channels) == set(truth.ids("channel"))
    for channel_id, row in channels.items():
        assert_row(f"channel {channel_id}", row, truth.row("channel", channel_id))
    groups = {g["id"]: g for g in snapshot["groups"]}
    for group_id in truth.ids("group"):
        if group_id is None and None not in groups:  # the null row shows only when non-zero
            assert not any(v for v in truth.row("group", None).values() if v is not None)
            continue
        assert_row(f"group {group_id}", groups.pop(group_id), truth.row("group", group_id))
    assert not groups


CASES = {
    "day": DAY,
    "busy-surge": SimConfig(seed=11, hours=9, scale=1.5, busy_from_start=True,
                            surge=Surge(start_hour=13, hours=2)),
    "over-midnight": SimConfig(seed=5, hours=30, scale=0.3, start_ms=DAY.start_ms + 9 * 3_600_000),
    # A 25-hour day: New York falls back on 2026-11-01.
    "dst-day": SimConfig(seed=9, hours=25, scale=0.3, timezone="America/New_York",
                         start_ms=parse_timestamp("2026-11-01T00:00:00-04:00")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_engine_figures_equal_ground_truth(name: str) -> None:
    config = CASES[name]
    sim = run(config)
    assert_matches(replay(sim, config.account, config.timezone), sim.truth)


def test_engine_figures_equal_ground_truth_in_any_order() -> None:
    sim = run(DAY)
    assert_matches(replay(sim, DAY.account, DAY.timezone, shuffle=1), sim.truth)


def test_ground_truth_is_not_trivial() -> None:
    truth = run(DAY).truth
    total = truth.row("total")
    for key in ("arrived", "served", "wait_samples", "answered_within_sl", *UNSERVED):
        assert total[key] > 0, key
    assert truth.row("group", "nonexistent")["arrived"] == 0
    with pytest.raises(KeyError):
        truth.row("channel", "app")  # excluded kinds are in no row


# --- realism ---------------------------------------------------------------------------------


def lives(events: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """What happened in the day, read back from the events alone."""
    channel_of: dict[str, str] = {}
    state: dict[str, str] = {}
    seen: dict[str, Counter[str]] = {"types": Counter(), "statuses": Counter(),
                                     "closed_by": Counter(), "flow": Counter()}
    for e in events:
        kind = e["type"]
        seen["types"][kind] += 1
        cid = e.get("conversation")
        if kind == "conversation.started":
            channel_of[cid] = e["channel"]
            state[cid] = "waiting"
            if "group" not in e:
                seen["flow"]["started without group"] += 1
            if e["channel"] in EXCLUDED_CHANNELS:
                seen["flow"]["excluded"] += 1
        elif kind == "conversation.queued":
            seen["flow"]["requeued from work" if state[cid] == "work" else "transfer waiting"] += 1
            state[cid] = "waiting"
        elif kind == "conversation.assigned":
            state[cid] = "work"
        elif kind == "operator.status":
            seen["statuses"][e["status"]] += 1
        elif kind == "conversation.closed":
            seen["closed_by"][e["by"]] += 1
    return seen


def test_a_day_has_every_kind_of_life() -> None:
    seen = lives(run(DAY).events)
    for kind in ("conversation.started", "conversation.queued", "conversation.assigned",
                 "message.visitor", "message.operator", "conversation.visitor_left",
                 "conversation.closed", "conversation.topic", "operator.status",
                 "operator.updated", "channel.updated", "group.updated"):
        assert seen["types"][kind] > 0, kind
    assert set(seen["statuses"]) == {"available", "busy", "away", "offline"}
    assert set(seen["closed_by"]) == {"visitor", "operator", "system"}
    for flow in ("started without group", "excluded", "requeued from work", "transfer waiting"):
        assert seen["flow"][flow] > 0, flow
    total = run(DAY).truth.row("total")
    for outcome in ("served", *UNSERVED):
        assert total[outcome] > 0, outcome
    assert total["served"] > 3 * (total["unassigned"] + total["canceled"] + total["missed"])


def test_email_is_slower_than_chat() -> None:
    events = run(DAY).events
    started = {e["conversation"]: (e["channel"], e["at"]) for e in events
               if e["type"] == "conversation.started"}
    lengths: dict[str, list[int]] = {"site": [], "mail": []}
    for e in events:
        if e["type"] == "conversation.closed" and e["by"] == "operator":
            channel, at = started[e["conversation"]]
            if channel in lengths:
                lengths[channel].append(e["at"] - at)
    assert sorted(lengths["mail"])[len(lengths["mail"]) // 2] > 2 * sorted(
        lengths["site"])[len(lengths["site"]) // 2]


def test_arrivals_peak_around_midday() -> None:
    hours = Counter(int(local_hour(e["at"])) for e in run(DAY).events
                    if e["type"] == "conversation.started")
    assert sum(hours[h] for h in range(11, 15)) > 5 * sum(hours[h] for h in range(2, 6))


def test_busy_from_start_opens_at_the_peak() -> None:
    config = SimConfig(seed=1, hours=2, scale=0.5, start_ms=DAY.start_ms + 3 * 3_600_000)
    quiet = sum(e["type"] == "conversation.started" for e in simulate(config).events)
    busy = simulate(msgspec.structs.replace(config, busy_from_start=True)).events
    assert sum(e["type"] == "conversation.started" for e in busy) > 4 * quiet
    assert sum(e["type"] == "operator.status" and e["status"] == "available" for e in busy) > 5


def test_a_surge_raises_its_groups_arrivals_in_its_window() -> None:
    base = SimConfig(seed=21, hours=18, scale=0.5)
    surged = msgspec.structs.replace(base, surge=Surge("sales", 3.0, 14.0, 1.0))

    def sales_by_window(config: SimConfig) -> tuple[int, int]:
        inside = outside = 0
        for e in simulate(config).events:
            if e["type"] == "conversation.started" and e.get("group") == "sales":
                if 14 <= local_hour(e["at"]) < 15:
                    inside += 1
                elif 12 <= local_hour(e["at"]) < 14:
                    outside += 1
        return inside, outside

    (base_in, base_out), (surge_in, surge_out) = sales_by_window(base), sales_by_window(surged)
    assert surge_in > 2 * base_in
    assert abs(surge_out - base_out) < 0.35 * base_out


def test_crew_says_where_the_operators_sit() -> None:
    from wallboard.sim.model import Model

    default = Model(SimConfig(seed=2, scale=2))
    crew = Model(SimConfig(seed=2, scale=2, crew={"support": 1.0}))

    def in_group(model: Model, group: str) -> int:
        return sum(group in spec.groups for spec in model.specs)
    # Beyond the first operator of each group, everyone starts in support.
    assert in_group(crew, "support") > in_group(default, "support")
    assert in_group(crew, "sales") < in_group(default, "sales")
    for bad in ({}, {"sales": -1.0}, {"sales": 0.0}, {"sales": math.nan}):
        with pytest.raises(ValueError, match="crew"):
            SimConfig(crew=bad)


def test_topics_differ_by_group_and_hour_and_a_spike_shows() -> None:
    from wallboard.sim import TopicSpike

    def mix(config: SimConfig) -> dict[tuple[str | None, bool], Counter[str]]:
        """Topics at the start by group, and whether in the spike's hours (15:00-17:00)."""
        out: dict[tuple[str | None, bool], Counter[str]] = {}
        start = config.start_ms
        for e in simulate(config).events:
            if e["type"] == "conversation.started" and "topic" in e:
                hour = (e["at"] - start) / 3_600_000 % 24
                out.setdefault((e.get("group"), 15 <= hour < 17), Counter())[e["topic"]] += 1
        return out

    plain = mix(SimConfig(seed=4, scale=2))
    sales = plain[("sales", False)] + plain[("sales", True)]
    delivery = plain[("delivery", False)] + plain[("delivery", True)]
    assert sales.most_common(1)[0][0] == "promo"
    assert delivery.most_common(1)[0][0] == "delivery" and "promo" not in delivery
    spiked = mix(SimConfig(seed=4, scale=2, topic_spike=TopicSpike("refund", 6.0, 15, 2)))

    def share(counts: Counter[str]) -> float:
        return counts["refund"] / sum(counts.values())

    during = spiked[("support", True)]
    assert share(during) > 2.5 * share(plain[("support", True)])
    assert share(spiked[("support", False)]) == pytest.approx(
        share(plain[("support", False)]), abs=0.02)
