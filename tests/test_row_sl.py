"""A channel's or group's own service-level threshold: its figures count by it, exactly as an
account whose threshold it were would count them, whether set before the day's events or after
them (then the row's conversations are counted again), with shuffled and late events."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import noon_zone
from server import Server, create_account, token
from wallboard.engine import Account, build, encode
from wallboard.events import decode_event
from wallboard.sim import SimConfig, simulate

TZ = "Europe/Moscow"
START = 1_795_500_000_000  # 2026-11-26, in the morning in Moscow


def day(seed: int) -> tuple[list[Any], int]:
    sim = simulate(SimConfig(seed=seed, account="acme", timezone=TZ, start_ms=START, hours=3,
                             busy_from_start=True, staffing=0.6))
    end = START + 3 * 3600_000
    return [decode_event(json.dumps(e), end)[1] for e in sim.events], end


def rows_of(account: Account, now: int) -> dict[tuple[str, str | None], dict[str, Any]]:
    data = json.loads(encode(build(account, now)))
    out = {("total", None): data["total"]}
    out.update({("channel", c["id"]): c for c in data["channels"]})
    out.update({("group", g["id"]): g for g in data["groups"]})
    return out


SL_FIGURES = ("answered_within_sl", "wait_samples", "avg_wait_s")


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("report", ["channel", "group"])
def test_a_rows_own_threshold_counts_as_an_account_with_it_would(seed: int, report: str) -> None:
    events, now = day(seed)
    rng = random.Random(seed)
    shuffled = events + [rng.choice(events) for _ in range(20)]  # duplicates too
    rng.shuffle(shuffled)
    plain = Account("acme", TZ, 60)
    for ev in events:
        plain.apply(ev, now)
    busiest = max((row["wait_samples"], key[1]) for key, row in rows_of(plain, now).items()
                  if key[0] == report and key[1] is not None)
    row_id = busiest[1]

    before = Account("acme", TZ, 60)  # the row's threshold set before any event
    before.set_sl_thresholds({(report, row_id): 600})  # type: ignore[dict-item]
    after = Account("acme", TZ, 60)  # ... and after the day, its samples counted again
    for ev in shuffled:
        before.apply(ev, now)
        after.apply(ev, now)
    assert after.set_sl_thresholds({(report, row_id): 600}) == 1  # type: ignore[dict-item]
    reference = Account("acme", TZ, 600)  # an account answering in 600 s everywhere
    for ev in events:
        reference.apply(ev, now)

    got, late, want, base = (rows_of(a, now) for a in (before, after, reference, plain))
    assert got == late  # the same, whenever the threshold came
    mine = got[(report, row_id)]
    for figure in SL_FIGURES:
        assert mine[figure] == want[(report, row_id)][figure], figure
    for length in ("15m", "60m"):
        assert mine["windows"][length]["answered_within_sl"] == \
            want[(report, row_id)]["windows"][length]["answered_within_sl"]
    assert mine["answered_within_sl"] > base[(report, row_id)]["answered_within_sl"]
    # Every other row, the total included, still counts by the account's 60 s.
    for key, row in got.items():
        if key != (report, row_id):
            assert row["answered_within_sl"] == base[key]["answered_within_sl"], key
    # Back to the account's: as if it had never been set.
    assert after.set_sl_thresholds({}) == 1
    assert rows_of(after, now) == base
    assert after.set_sl_thresholds({}) == 0


def test_a_threshold_for_a_row_not_yet_seen_waits_for_it_and_survives_a_checkpoint() -> None:
    account = Account("acme", TZ, 60)
    assert account.set_sl_thresholds({("channel", "nobody-yet"): 300}) == 1
    now = START + 60_000
    assert json.loads(encode(build(account, now)))["channels"] == []  # not made known by it
    account = Account.loads(account.dumps())
    assert account.sl_thresholds() == {("channel", "nobody-yet"): 300.0}
    # The account's own threshold is no threshold of the row's own.
    assert account.set_sl_thresholds({("channel", "nobody-yet"): 60}) == 1
    assert account.sl_thresholds() == {}


def test_a_row_keeps_its_threshold_across_a_kill_and_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme", noon_zone())  # its events span 17 minutes: never midnight
    admin, ingest, view = (token(data, "acme", role) for role in ("admin", "ingest", "view"))
    server = Server(data).start()
    try:
        now = int(time.time() * 1000)

        def mail(n: int, answered_after_s: int) -> list[dict[str, Any]]:
            cid = f"mail{n}"
            return [{"id": f"{cid}-s", "type": "conversation.started", "account": "acme",
                     "at": now - 1_000_000 + n, "conversation": cid, "channel": "mail"},
                    {"id": f"{cid}-a", "type": "conversation.assigned", "account": "acme",
                     "at": now - 1_000_000 + n + answered_after_s * 1000, "conversation": cid,
                     "operator": "op"}]

        def within() -> int:
            with server.client(view) as client:
                snap = client.get("/api/v1/accounts/acme/snapshot").json()
            return int(next(c for c in snap["channels"] if c["id"] == "mail")
                       ["answered_within_sl"])

        with server.client(ingest) as client:
            client.post("/api/v1/events", json=mail(1, 200)).raise_for_status()
        with server.client(admin) as client:
            client.put("/api/v1/accounts/acme/thresholds", json={"rows": [
                {"report": "channel", "id": "mail", "sl_threshold_s": 300}]}).raise_for_status()
        with server.client(ingest) as client:  # after the change: counted by it as it comes
            client.post("/api/v1/events", json=mail(2, 250) + mail(3, 400)).raise_for_status()
        assert within() == 2
        server.kill()  # no checkpoint since the change: the log is replayed by the setting
        server.start()
        assert within() == 2
        server.stop()  # SIGTERM: a checkpoint, which keeps the row's threshold
        server.start()
        assert within() == 2
    finally:
        server.stop()
