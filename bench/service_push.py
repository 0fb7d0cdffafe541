"""Service benchmark, step 2: push latency, from a POST to the SSE snapshot that counts it.

2. Push latency: a live SSE stream open while events arrive at a steady 2,000/s (a batch of
   100 every 50 ms, each batch ending with a new ``conversation.started``); for each batch,
   the time from sending its POST to the first snapshot on the stream whose ``total.arrived``
   counts it.

The events are timed now: run it away from local midnight in Moscow.

    python bench/service_push.py --small
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import msgspec

from service_common import (
    TARGET_PUSH_P99_MS,
    BenchServer,
    Say,
    Sizes,
    arguments,
    config_events,
    create_account,
    decode_reply,
    now_ms,
    percentile,
    post_json,
    run_bench,
)


class _Total(msgspec.Struct):
    arrived: int


class _Snapshot(msgspec.Struct):
    total: _Total


_snapshot_total = msgspec.json.Decoder(_Snapshot).decode


class _Seen(NamedTuple):
    at: float  # perf_counter() when the snapshot arrived
    arrived: int  # its total.arrived


class LiveBatch(NamedTuple):
    body: bytes
    events: int
    started: int  # conversations it starts


class LiveTraffic:
    """A steady flow: each batch starts ``batch // 10`` conversations, and each conversation
    lives 10 batches (started, assigned, 7 messages, closed), so a full batch is a realistic
    mix; the batch's started events come last."""

    STAGES = 10

    def __init__(self, account: str, batch: int, channels: int, operators: int) -> None:
        self.account = account
        self.per_batch = batch // self.STAGES
        self.channels = channels
        self.operators = operators

    def batch(self, i: int, at: int) -> LiveBatch:
        """Batch ``i``, every event of it at ``at``."""
        events: list[dict[str, Any]] = []
        for stage in range(self.STAGES - 1, -1, -1):
            born = i - stage
            if born < 0:
                continue
            for k in range(self.per_batch):
                n = born * self.per_batch + k
                events.append(self._event(f"lc{n}", n, stage, at))
        return LiveBatch(msgspec.json.encode(events), len(events), self.per_batch)

    def _event(self, cid: str, n: int, stage: int, at: int) -> dict[str, Any]:
        ev: dict[str, Any] = {"id": f"{cid}.{stage}", "account": self.account, "at": at,
                              "conversation": cid}
        operator = f"op{n % self.operators:03d}"
        if stage == 0:
            ev.update(type="conversation.started", channel=f"ch{n % self.channels:02d}")
        elif stage == 1:
            ev.update(type="conversation.assigned", operator=operator)
        elif stage == self.STAGES - 1:
            ev.update(type="conversation.closed", by="operator")
        elif stage % 2:
            ev.update(type="message.operator", operator=operator)
        else:
            ev["type"] = "message.visitor"
        return ev


async def _push_run(url: str, ingest_secret: str, view_secret: str, account: str,
                    sizes: Sizes, rate: int, batch: int) -> dict[str, Any]:
    interval = batch / rate
    warmup = round(sizes.push_warmup_s / interval)
    n = warmup + round(sizes.push_seconds / interval)
    traffic = LiveTraffic(account, batch, channels=5, operators=50)
    received: list[_Seen] = []
    first = asyncio.Event()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, trust_env=False, limits=limits,
                                 timeout=httpx.Timeout(30, read=None)) as c:

        async def listen() -> None:
            async with c.stream("GET", f"/api/v1/accounts/{account}/stream",
                                headers={"Authorization": f"Bearer {view_secret}"}) as r:
                if r.status_code != 200:
                    raise RuntimeError(f"stream: {r.status_code}")
                kind = ""
                async for line in r.aiter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "snapshot":
                        arrived = _snapshot_total(line[6:]).total.arrived
                        received.append(_Seen(time.perf_counter(), arrived))
                        first.set()

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(first.wait(), 30)
        sent = [0.0] * n
        replied = [0.0] * n
        lag: list[float] = []
        expected: list[int] = []
        cumulative = received[0].arrived
        headers = {"Authorization": f"Bearer {ingest_secret}", "Content-Type": "application/json"}

        async def post(i: int, live: LiveBatch) -> None:
            sent[i] = time.perf_counter()
            r = await c.post("/api/v1/events", content=live.body, headers=headers)
            replied[i] = time.perf_counter()
            if r.status_code != 200 or decode_reply(r.content).accepted != live.events:
                raise RuntimeError(f"push POST {i}: {r.status_code} {r.text[:300]}")

        posts = []
        t0 = time.perf_counter() + 0.05
        for i in range(n):
            due = t0 + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lag.append(time.perf_counter() - due)
            live = traffic.batch(i, now_ms())
            cumulative += live.started
            expected.append(cumulative)
            posts.append(asyncio.create_task(post(i, live)))
        await asyncio.gather(*posts)
        deadline = time.perf_counter() + 5
        while received[-1].arrived < cumulative and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener

    latencies: list[float] = []
    missing = 0
    j = 0
    for i in range(warmup, n):
        while j < len(received) and received[j].arrived < expected[i]:
            j += 1
        if j == len(received):
            missing += 1
            continue
        latencies.append((received[j].at - sent[i]) * 1000)
    commits = [(replied[i] - sent[i]) * 1000 for i in range(warmup, n)]
    measured = n - warmup
    return {
        "rate_eps": rate, "batch": batch, "batches": measured,
        "seconds": round(measured * interval, 2), "warmup_s": round(warmup * interval, 2),
        "snapshots_received": len(received), "missing": missing,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "post_reply_p50_ms": round(percentile(commits, 50), 1),
        "post_reply_p99_ms": round(percentile(commits, 99), 1),
        "send_lag_max_ms": round(max(lag[warmup:]) * 1000, 1),
    }


def bench_push(root: Path, sizes: Sizes, say: Say) -> dict[str, Any]:
    account = "push"
    data = root / "push"
    ingest_secret, view_secret = create_account(data, account)
    server = BenchServer(data, "push").start()
    try:
        post_json(server.url, ingest_secret, config_events(account, 5, 5, 50, now_ms()))
        figures = asyncio.run(_push_run(server.url, ingest_secret, view_secret, account, sizes,
                                        rate=2000, batch=100))
    finally:
        server.stop()
    say(f"  POST -> SSE snapshot: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"max {figures['max_ms']} ms over {figures['batches']} batches of 100 in "
        f"{figures['seconds']} s   (target p99 <= {TARGET_PUSH_P99_MS:.0f} ms)")
    say(f"  POST reply (committed): p50 {figures['post_reply_p50_ms']} ms, p99 "
        f"{figures['post_reply_p99_ms']} ms; snapshots received {figures['snapshots_received']}"
        f", batches never seen {figures['missing']}, worst send lag "
        f"{figures['send_lag_max_ms']} ms (after {figures['warmup_s']} s of warm-up)")
    return figures


def step(root: Path, sizes: Sizes, say: Say) -> dict[str, Any]:
    say(f"2. push latency at 2,000 events/s for {sizes.push_seconds:g} s:")
    return bench_push(root, sizes, say)


def main() -> None:
    args = arguments(__doc__)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        figures["push"] = step(root, sizes, say)

    run_bench(args, steps)


if __name__ == "__main__":
    main()
