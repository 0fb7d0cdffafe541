"""The conversations behind every figure of every row agree with the figure, always: on
simulated days with transfers, across midnight, with events shuffled, duplicated and late, and
with a row counting by its own service-level threshold."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from wallboard.engine import Account, build, encode
from wallboard.engine.behind import EXPLAINED, behind, hold
from wallboard.events import decode_event
from wallboard.sim import SimConfig, simulate

TZ = "Europe/Moscow"
# 22:00 in Moscow: four hours run across midnight into the next local day.
START = 1_795_460_400_000


def figure_of(row: dict[str, Any], figure: str) -> int:
    if figure == "unserved":
        return int(row["unserved"]["total"])
    if figure in ("unassigned", "canceled", "missed"):
        return int(row["unserved"][figure])
    return int(row[figure] or 0)


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
