"""The events' stream in a real three-node NATS JetStream cluster on 127.0.0.1: every
acknowledged event is stored once, even when the stream's leader is killed while events
are being published and some are sent again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import nats
import nats.errors

from wallboard.cluster.partitions import partition_of, subject_of
from wallboard.cluster.stream import STREAM, EventStream
from wallboard.events import decode_event
from wallboard.local_nats import LocalNats
from wallboard.store.log_format import event_of

T = TypeVar("T")


def test_accounts_keep_their_partition() -> None:
    # Fixed forever: a change would move accounts between workers without their state.
    assert [partition_of(a) for a in ("acme", "beta", "shop.eu", "x")] == [0, 9, 10, 4]
    assert subject_of("acme", 16) == f"wb.events.{partition_of('acme', 16)}.acme"
    assert len({partition_of(f"account{i}", 16) for i in range(200)}) == 16


def _events(count: int, now: int, account: str = "acme") -> list[tuple[object, ...]]:
    return [decode_event(json.dumps({
        "id": f"e{i}", "type": "conversation.started", "account": account, "at": now - 1000,
        "conversation": f"c{i}", "channel": "web"}), now)[1] for i in range(count)]


async def _answered(call: Callable[[], Awaitable[T]], within_s: float = 30) -> T:
    deadline = time.monotonic() + within_s
    while True:
        try:
            return await call()
        except nats.errors.TimeoutError:
            if time.monotonic() > deadline:
                raise


async def _scenario(cluster: LocalNats) -> None:
    nc = await nats.connect(servers=cluster.urls, max_reconnect_attempts=-1,
                            reconnect_time_wait=0.2)
    js = nc.jetstream()
    stream = EventStream(js, partitions=16)
    await stream.ensure(replicas=3)
    events = _events(3000, int(time.time() * 1000))
    acked: set[str] = set()
    killed = asyncio.Event()

    async def publish_all() -> None:
        for start in range(0, len(events), 100):
            batch = events[start:start + 100]
            acks = await stream.publish("acme", batch)  # type: ignore[arg-type]
            assert all(a.stream == STREAM for a in acks)
            acked.update(str(ev[2]) for ev in batch)
            if len(acked) >= 1000 and not killed.is_set():
                leader = (await js.stream_info(STREAM)).cluster.leader  # type: ignore[union-attr]
                cluster.kill_node(next(i for i, n in enumerate(cluster.nodes)
                                       if n.name == leader))
                killed.set()
            # ... and some batches sent twice, as a sender unsure of its reply would
            if start % 700 == 0:
                again = await stream.publish("acme", batch)  # type: ignore[arg-type]
                assert all(a.duplicate for a in again)

    await asyncio.wait_for(publish_all(), 120)
    assert killed.is_set() and len(acked) == len(events)
    # The cluster may still be electing its metadata leader after the kill: its API calls
    # time out meanwhile (a clean-clone run met one), so they are asked again for a while.
    info = await _answered(lambda: js.stream_info(STREAM))
    assert info.state.messages == len(events)  # each once, retries and resends included
    seen: list[str] = []
    sub = await _answered(lambda: js.subscribe("wb.events.>", stream=STREAM,
                                               ordered_consumer=True))
    while len(seen) < len(events):
        msg = await sub.next_msg(timeout=10)
        seen.append(msg.headers["Nats-Msg-Id"])  # type: ignore[index]
    assert sorted(m.rsplit(":", 1)[0] for m in seen) == sorted(f"acme:{ev[2]}" for ev in events)
    await nc.close()


def test_every_acknowledged_event_is_stored_once_across_a_killed_stream_leader(
        nats_cluster: LocalNats) -> None:
    asyncio.run(_scenario(nats_cluster))


async def _same_ids(cluster: LocalNats) -> None:
    nc = await nats.connect(servers=cluster.urls)
    js = nc.jetstream()
    stream = EventStream(js, partitions=16)
    await stream.ensure(replicas=3)
    a, b = _events(2, int(time.time() * 1000), "beta")
    # An id twice in a batch, and the same ids in another batch published at the same moment
    # (JetStream answers the second "duplicate message id is in process" while the first is
    # being stored: that must end as a duplicate, not a failure).
    results = await asyncio.gather(stream.publish("beta", [a, b, a]),  # type: ignore[list-item]
                                   stream.publish("beta", [b, a]))  # type: ignore[list-item]
    acks = [*zip([a, b, a], results[0], strict=True), *zip([b, a], results[1], strict=True)]
    for event in (a, b):
        assert sum(1 for ev, ack in acks if ev is event and not ack.duplicate) == 1
    sub = await js.subscribe(subject_of("beta", 16), ordered_consumer=True)
    stored = []
    with contextlib.suppress(nats.errors.TimeoutError):
        while True:
            stored.append((await sub.next_msg(timeout=2)).headers["Nats-Msg-Id"])  # type: ignore[index]
    assert sorted(m.rsplit(":", 1)[0] for m in stored) == ["beta:e0", "beta:e1"]
    await nc.close()


async def _versions(cluster: LocalNats) -> None:
    nc = await nats.connect(servers=cluster.urls)
    js = nc.jetstream()
    stream = EventStream(js, partitions=16)
    await stream.ensure(replicas=3)
    (first,) = _events(1, int(time.time() * 1000), "gamma")
    second = (first[0] + 1, *first[1:])  # the same id, another content
    acks = await stream.publish("gamma", [first, second, first, second])  # type: ignore[list-item]
    assert [bool(a.duplicate) for a in acks] == [False, False, True, True]
    assert acks[2].seq == acks[0].seq and acks[3].seq == acks[1].seq > acks[0].seq
    again = await stream.publish("gamma", [second])  # type: ignore[list-item]
    assert again[0].duplicate and again[0].seq == acks[1].seq
    sub = await js.subscribe(subject_of("gamma", 16), ordered_consumer=True)
    stored = [event_of((await sub.next_msg(timeout=2)).data) for _ in range(2)]
    assert stored == [first, second]  # both kept, for the engine to call the second a conflict
    await nc.close()


def test_another_version_of_an_id_is_stored_after_the_first_for_the_engine_to_judge(
        nats_cluster: LocalNats) -> None:
    asyncio.run(_versions(nats_cluster))


def test_an_id_sent_twice_at_once_is_stored_once_and_answered_duplicate(
        nats_cluster: LocalNats) -> None:
    asyncio.run(_same_ids(nats_cluster))
