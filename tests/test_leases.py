"""Partitions leased to engine workers in a real NATS JetStream key-value bucket: shared
fairly, never owned twice, and taken over within seconds when a worker stops renewing (as a
killed one would)."""

from __future__ import annotations

import asyncio
import time

import nats
import pytest

from wallboard.cluster.leases import Leases
from wallboard.local_nats import LocalNats

PARTITIONS = 16
TTL_S = 2.0


async def _scenario(cluster: LocalNats) -> dict[str, float]:
    connections = [await nats.connect(servers=cluster.urls) for _ in range(2)]
    a = await Leases.open(connections[0].jetstream(), "a", PARTITIONS, TTL_S, replicas=3)
    b = await Leases.open(connections[1].jetstream(), "b", PARTITIONS, TTL_S, replicas=3)
    running = {"a": True, "b": True}

    async def work(leases: Leases) -> None:
        while running[leases.worker]:
            await leases.step()
            await asyncio.sleep(TTL_S / 4)

    first = await a.step()
    assert first == set(range(PARTITIONS))  # alone, it takes every partition
    tasks = [asyncio.create_task(work(a)), asyncio.create_task(work(b))]
    deadline = time.monotonic() + 15
    while not (len(a.owned) == len(b.owned) == PARTITIONS // 2):
        assert time.monotonic() < deadline, (a.owned, b.owned)
        assert not set(a.owned) & set(b.owned)  # never both
        await asyncio.sleep(0.05)
    assert set(a.owned) | set(b.owned) == set(range(PARTITIONS))
    # "a" stops renewing, as a killed worker would: "b" holds every partition soon after.
    running["a"] = False
    stopped = time.monotonic()
    await tasks[0]
    while len(b.owned) < PARTITIONS:
        assert time.monotonic() - stopped < 10, b.owned
        await asyncio.sleep(0.05)
    takeover = time.monotonic() - stopped
    running["b"] = False
    await tasks[1]
    await b.release()
    for nc in connections:
        await nc.close()
    return {"takeover_s": takeover}


def test_workers_share_the_partitions_and_take_over_a_stopped_ones_within_5_s(
        nats_cluster: LocalNats, capsys: pytest.CaptureFixture[str]) -> None:
    got = asyncio.run(_scenario(nats_cluster))
    with capsys.disabled():
        print(f"\n  leases: a stopped worker's partitions taken over in {got['takeover_s']:.1f} s "
              f"(lease {TTL_S:g} s; target < 5 s)")
    assert got["takeover_s"] < 5, got
