"""The conversations behind every figure of every row agree with the figure, always: on
simulated days with transfers, across midnight, with events shuffled, duplicated and late, and
with a row counting by its own service-level threshold."""

from __future__ import annotations

import json
import random

import msgspec
import pytest

from conftest import figure_of
from wallboard.engine import Account, build, encode
from wallboard.engine.behind import EXPLAINED, behind, days_of, hold
from wallboard.events import decode_event
from wallboard.sim import SimConfig, simulate

TZ = "Europe/Moscow"
# 22:00 in Moscow: four hours run across midnight into the next local day.
START = 1_795_460_400_000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_of_every_row_has_exactly_its_conversations_behind_it(seed: int) -> None:
    sim = simulate(SimConfig(seed=seed, account="acme", timezone=TZ, start_ms=START, hours=4,
                             busy_from_start=True, staffing=0.5))
    end = START + 4 * 3600_000
    events = [decode_event(json.dumps(e), end)[1] for e in sim.events]
    rng = random.Random(seed)
    shuffled = events + [rng.choice(events) for _ in range(50)]
    rng.shuffle(shuffled)
    account = Account("acme", TZ, 60)
    # Half of the day in order, the rest shuffled and late: as a careless sender would.
    for ev in events[: len(events) // 2] + shuffled:
        account.apply(ev, end)
    account.set_sl_thresholds({("group", sorted(account.groups)[0]): 300})
    today = account.calendar.day_of(end)
    checked = 0
    for day in (today - 1, today):
        snapshot = json.loads(encode(build(account, end, None if day == today else day)))
        rows = [("total", None, snapshot["total"])]
        rows += [("channel", c["id"], c) for c in snapshot["channels"]]
        rows += [("group", g["id"], g) for g in snapshot["groups"]]
        for report, row_id, row in rows:
            for figure in EXPLAINED:
                if figure in ("in_queue", "in_work") and day != today:
                    continue  # gauges are now's
                held = hold(account, report, row_id)  # type: ignore[arg-type]
                got = behind(held, figure, report, row_id, day)  # type: ignore[arg-type]
                assert len(got) == figure_of(row, figure), (day, report, row_id, figure)
                checked += len(got)
    assert checked > 1000  # a day with plenty behind its figures


@pytest.mark.parametrize("seed", [4, 5])
def test_days_whose_conversations_left_memory_agree_from_what_was_kept(seed: int) -> None:
    """Four days later every conversation has left memory: what the engine handed over to be
    kept, each under the days it may count on, gives every figure of both days exactly."""
    sim = simulate(SimConfig(seed=seed, account="acme", timezone=TZ, start_ms=START, hours=4,
                             busy_from_start=True, staffing=0.5))
    end = START + 4 * 3600_000
    events = [decode_event(json.dumps(e), end)[1] for e in sim.events]
    random.Random(seed).shuffle(events)
    account = Account("acme", TZ, 60)
    account.retired = []
    for ev in events:
        account.apply(ev, end)
    today = account.calendar.day_of(end)
    before = {day: json.loads(encode(build(account, end, day))) for day in (today - 1, today)}
    later = end + 4 * 86_400_000
    account.expire(later)
    assert not account.closed and len(account.retired) > 500
    kept: dict[int, list[tuple[str, bytes]]] = {}
    for cid, packed in account.retired:
        for day in days_of(account, packed):
            kept.setdefault(day, []).append((cid, packed))
    checked = 0
    for day, snapshot in before.items():
        counted = json.loads(encode(build(account, later, day)))["total"]
        for figure in ("arrived", "served", "unserved", "wait_samples", "answered_within_sl"):
            assert counted[figure] == snapshot["total"][figure]  # the day's counts are final
        rows = [("total", None, snapshot["total"])]
        rows += [("channel", c["id"], c) for c in snapshot["channels"]]
        rows += [("group", g["id"], g) for g in snapshot["groups"]]
        for report, row_id, row in rows:
            held = hold(account, report, row_id)  # type: ignore[arg-type]
            held = msgspec.structs.replace(held, closed=held.closed + kept.get(day, []))
            for figure in EXPLAINED:
                if figure in ("in_queue", "in_work"):
                    continue  # gauges are now's
                got = behind(held, figure, report, row_id, day)  # type: ignore[arg-type]
                assert len(got) == figure_of(row, figure), (day, report, row_id, figure)
                checked += len(got)
    assert checked > 1000
