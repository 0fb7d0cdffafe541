"""Engine workers on a real NATS JetStream cluster and a real PostgreSQL: the accounts'
partitions are shared, a worker that dies mid-day (its leases left to age out) has its
accounts served by the other within 5 s, from the checkpoints plus the stream after them,
and every account's state then equals a single replay of the same events."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import msgspec
import nats
import pytest

from wallboard.cluster.partitions import ask_subject
from wallboard.cluster.stream import STREAM, EventStream
from wallboard.cluster.worker import EngineWorker
from wallboard.engine import Account, build, encode
from wallboard.engine.calendar import ordinal_iso
from wallboard.events import decode_event
from wallboard.local_nats import LocalNats
from wallboard.local_postgres import LocalPostgres
from wallboard.service.queries import SnapshotQuery
from wallboard.service.written import Superseded, Written, checkpoint_of, save
from wallboard.sim import SimConfig, simulate
from wallboard.store import AccountConfig, SavedDay, open_store
from wallboard.store.log_format import event_of

PARTITIONS = 8
LEASE_S = 2.0
ACCOUNTS = [f"shop{i}" for i in range(12)]
_databases = itertools.count()


def _day(account: str, now: int) -> list[tuple[object, ...]]:
    raw = simulate(SimConfig(seed=hash(account) % 1000, account=account, timezone="UTC",
                             start_ms=now - 3600_000, hours=1, busy_from_start=True,
                             staffing=0.5)).events
    return [decode_event(json.dumps(e), now)[1] for e in raw]


async def _caught_up(workers: list[EngineWorker], last: dict[str, int], within: float) -> float:
    started = time.monotonic()
    while True:
        held = {a: h for w in workers for a in ACCOUNTS if (h := w.account(a)) is not None}
        if len(held) == len(ACCOUNTS) and all(held[a].seq >= last[a] for a in ACCOUNTS):
            return time.monotonic() - started
        assert time.monotonic() - started < within, {a: h.seq for a, h in held.items()}
        await asyncio.sleep(0.05)


async def _scenario(cluster: LocalNats, dsn: str) -> float:
    now = int(time.time() * 1000)
    store = open_store(dsn, "postgres")
    for account in ACCOUNTS:
        store.create_account(AccountConfig(account, "UTC"), now)
    publisher = await nats.connect(servers=cluster.urls)
    js = publisher.jetstream()
    stream = EventStream(js, PARTITIONS)
    await stream.ensure(replicas=3)
    await js.purge_stream(STREAM)
    days = {a: _day(a, now) for a in ACCOUNTS}
    last: dict[str, int] = {}

    async def publish(part: int) -> None:
        for account, events in days.items():
            half = len(events) // 2
            chunk = events[:half] if part == 0 else events[half:]
            for i in range(0, len(chunk), 500):
                acks = await stream.publish(account, chunk[i:i + 500])  # type: ignore[arg-type]
                last[account] = max([last.get(account, 0), *(a.seq for a in acks)])

    clock = lambda: now  # every worker answers as of the same moment
    workers, tasks, connections = [], [], []
    for name in ("a", "b"):
        nc = await nats.connect(servers=cluster.urls)
        worker = EngineWorker(name, nc, lambda: open_store(dsn, "postgres"), PARTITIONS,
                              LEASE_S, clock)
        workers.append(worker)
        connections.append(nc)
        tasks.append(asyncio.create_task(worker.run(replicas=3)))
    await publish(0)
    await _caught_up(workers, last, 30)
    while not all(w.held for w in workers):  # both hold some partitions
        await asyncio.sleep(0.05)
    for worker in workers:  # mid-day: the second half is only in the stream
        assert await worker.checkpoint() == sum(len(p.accounts) for p in worker.held.values())
        assert await worker.checkpoint() == 0  # nothing moved since
    orphans = [a for a in ACCOUNTS if workers[0].account(a) is not None]
    assert orphans, "the dying worker must hold accounts for this to test anything"
    dying = workers[0].account(orphans[0])
    assert dying is not None  # ... and a checkpoint of one of them it will write too late
    late = checkpoint_of(orphans[0], dying.engine, dying.seq, Written(), now, 400)
    await publish(1)
    # "a" dies: its task ends without giving its leases back, its connection closes.
    tasks[0].cancel()
    await asyncio.gather(tasks[0], return_exceptions=True)
    await connections[0].close()
    taken_over = await _caught_up(workers[1:], last, 10)
    survivor = workers[1]
    # Every account equals one replay of its events as the stream stored them.
    sub = await js.subscribe("wb.events.>", ordered_consumer=True)
    replayed = {a: Account(a, "UTC") for a in ACCOUNTS}
    for _ in range(sum(len(d) for d in days.values())):
        msg = await sub.next_msg(timeout=10)
        stored_ms = int(msg.metadata.timestamp.timestamp() * 1000)
        replayed[msg.subject.split(".", 3)[3]].apply(event_of(msg.data), stored_ms)
    for account in ACCOUNTS:
        held = survivor.account(account)
        assert held is not None
        assert encode(build(held.engine, now)) == encode(build(replayed[account], now))
        # ... and asked over NATS, the worker says the same.
        reply = await publisher.request(
            ask_subject(account, PARTITIONS),
            msgspec.json.encode(SnapshotQuery()), timeout=5)
        assert reply.data == encode(build(replayed[account], now))
    # A message it cannot decode (NATS is inside the trust boundary, but careless clients
    # are not unheard of) is answered as a failure, and the worker goes on.
    bad = await publisher.request(ask_subject(ACCOUNTS[0], PARTITIONS), b'{"kind": "rm -rf"',
                                  timeout=5)
    assert (bad.headers or {}).get("Wb-Error") == "failed"
    assert (await publisher.request(ask_subject(ACCOUNTS[0], PARTITIONS), msgspec.json.encode(
        SnapshotQuery()), timeout=5)).data == encode(build(replayed[ACCOUNTS[0]], now))
    # The survivor's checkpoint writes each account's day to the history as it counts it ...
    assert await survivor.checkpoint() == len(ACCOUNTS)
    today = ordinal_iso(replayed[ACCOUNTS[0]].calendar.day_of(now))
    for account in ACCOUNTS:
        day = replayed[account].calendar.day_of(now)
        assert store.days(account, today, today) == [
            SavedDay(today, encode(build(replayed[account], now, day, gauges=False)))]
    # ... and the dead owner's mid-day checkpoint, written late, does not take its place.
    survivors = store.load_checkpoint(orphans[0])
    assert survivors is not None and survivors.seq > late.seq
    with pytest.raises(Superseded):
        save(store, late)
    assert store.load_checkpoint(orphans[0]) == survivors
    tasks[1].cancel()
    await asyncio.gather(tasks[1], return_exceptions=True)
    for nc in (*connections[1:], publisher):
        await nc.close()
    return taken_over


def test_a_dead_workers_accounts_are_served_again_within_5_s_and_equal_a_replay(
        nats_cluster: LocalNats, postgres: LocalPostgres,
        capsys: pytest.CaptureFixture[str]) -> None:
    dsn = postgres.create_database(f"workers_{next(_databases)}")
    taken_over = asyncio.run(_scenario(nats_cluster, dsn))
    with capsys.disabled():
        print(f"\n  workers: a dead worker's accounts caught up on the other in "
              f"{taken_over:.1f} s (lease {LEASE_S:g} s; target < 5 s)")
    assert taken_over < 5
