"""Cluster benchmark: ingest beyond one machine, on this one (docs/scale-out.md).

On 127.0.0.1: a 3-node NATS JetStream cluster (stream and leases on 3 replicas), PostgreSQL,
an ingest role and one, then two, engine workers. For each, and for the single process on
SQLite beside them:

1. Ingest throughput: the bench day (``bench/engine.py``'s ``generate``, moved onto
   yesterday) POSTed in arrays of 1,000 over 4 keep-alive connections. A reply means the
   events are stored: in the single process, committed to SQLite; in the cluster, stored by
   JetStream on a majority of its 3 replicas and judged by the owning engine (accepted,
   duplicate or conflict: ``cluster/verdicts.py``).
2. POST latency: single-event POSTs one after another, each answered once stored (and, in
   the cluster, judged).
3. Catch-up: after the last reply, until the owning worker's figures equal the single
   process's for the same events (exact, not just close).

Then the takeover of a partition of a big day: one worker holds an account of ``--takeover``
events and has checkpointed it; a second worker runs; the owner is killed with SIGKILL; the
time until the other answers with every event counted (its lease ageing out, the checkpoint
loaded, the stream after it replayed).

    python bench/cluster.py --small
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
import nats.errors

from engine import ACCOUNT, TIMEZONE
from service_common import (
    BenchServer,
    client,
    create_account,
    ingest,
    json_bodies,
    percentile,
    the_day,
)
from wallboard.cluster.leases import BUCKET
from wallboard.cluster.owner import ask_owner
from wallboard.cluster.partitions import DEFAULT_PARTITIONS, partition_of
from wallboard.local_nats import LocalNats
from wallboard.local_postgres import LocalPostgres
from wallboard.process import engine_worker
from wallboard.service import Admin, SnapshotQuery
from wallboard.store import AccountConfig

COUNTED = ("arrived", "served", "wait_samples", "answered_within_sl")
_databases = itertools.count()


def counted(snapshot: dict[str, Any]) -> tuple[int, ...]:
    total = snapshot["total"]
    return (*(total[k] for k in COUNTED), total["unserved"]["total"])


def renamed(lines: list[bytes], account: str) -> list[bytes]:
    """The bench day's events for another account (each cluster run its own: the stream
    keeps what earlier runs sent)."""
    return [line.replace(f'"account":"{ACCOUNT}"'.encode(), f'"account":"{account}"'.encode())
            for line in lines]


async def _ask(urls: list[str], account: str, day: str | None) -> dict[str, Any] | None:
    nc = await nats.connect(servers=urls)
    try:
        owned = await ask_owner(nc, account, SnapshotQuery(day), timeout=10)
        if owned is None:
            return None
        found: dict[str, Any] = json.loads(owned.data)
        found["answered_by"] = owned.worker
        return found
    finally:
        await nc.close()


def wait_counted(urls: list[str], account: str, day: str | None, want: tuple[int, ...] | None,
                 within: float, not_by: str | None = None) -> float:
    """Seconds until the owner (not ``not_by``) answers, with ``want`` counted when given."""
    started = time.monotonic()
    while True:
        found = asyncio.run(_ask(urls, account, day))
        if found is not None and (want is None or counted(found) == want) and \
                found["answered_by"] != not_by:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise RuntimeError(f"{account}: {found and counted(found)} after {within} s, "
                               f"want {want}")
        time.sleep(0.05)


async def _owner(urls: list[str], account: str) -> str:
    nc = await nats.connect(servers=urls)
    try:
        kv = await nc.jetstream().key_value(BUCKET)
        entry = await kv.get(f"partition.{partition_of(account, DEFAULT_PARTITIONS)}")
        return (entry.value or b"").decode()
    finally:
        await nc.close()


def latencies(url: str, secret: str, account: str, posts: int) -> list[float]:
    """Milliseconds of single-event POSTs, one after another."""
    out = []
    with client(url, secret) as c:
        for i in range(posts):
            event = {"id": f"lat{i}", "type": "conversation.started", "account": account,
                     "at": int(time.time() * 1000), "conversation": f"lat{i}",
                     "channel": "latency"}
            started = time.perf_counter()
            reply = c.post("/api/v1/events", json=[event])
            out.append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200 or reply.json()["accepted"] != 1:
                raise RuntimeError(f"POST: {reply.status_code} {reply.text[:300]}")
    return out


def say_problems(role: BenchServer, workers: list[subprocess.Popen[bytes]], root: Path
                 ) -> None:
    """A failed run: what the roles' logs say (they go with the temporary directory)."""
    for log in [role.log, *sorted(root.glob("w*.log")), *sorted(root.glob("t-*.log"))]:
        if log is not None and log.exists():
            lines = log.read_text(errors="replace").splitlines()
            print(f"--- {log.name}, last lines:")
            print("\n".join(lines[-40:]))


def stop_workers(procs: list[subprocess.Popen[bytes]], root: Path) -> None:
    """SIGTERM (checkpoint, leases given back). One still there after 30 s is said, with the
    workers' logs, and killed: never left running after the bench (a clean-clone run once
    left one reconnecting for half an hour to ports later given to other servers)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            print(f"  ENGINE WORKER {proc.args[10]} DID NOT STOP within 30 s of SIGTERM: killed")
            for log in sorted(root.glob("w*.log")) + sorted(root.glob("t-*.log")):
                print(f"--- {log.name}, last lines:")
                print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))


def _ms(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
            f"p99 {percentile(values, 99):.1f} ms")


def single_process(root: Path, lines: list[bytes], day: str, posts: int
                   ) -> tuple[int, ...]:
    data = root / "single"
    secrets = create_account(data, ACCOUNT)
    server = BenchServer(data, "single").start()
    try:
        run = ingest(server.url, secrets.ingest, json_bodies(lines, 1000))
        with client(server.url, secrets.view) as c:
            want = counted(c.get(f"/api/v1/accounts/{ACCOUNT}/snapshot",
                                 params={"date": day}).json())
        lat = latencies(server.url, secrets.ingest, ACCOUNT, posts)
    finally:
        server.stop()
    print(f"  single process (SQLite): {run.eps:,.0f} events/s ({run.accepted:,} accepted in "
          f"{run.seconds:.2f} s); POST latency {_ms(lat)}")
    return want


def cluster_run(root: Path, nodes: LocalNats, pg: LocalPostgres, workers: int,
                lines: list[bytes], day: str, want: tuple[int, ...], posts: int) -> None:
    account = f"bench{workers}w"
    dsn = pg.create_database(f"bench_{next(_databases)}")
    with Admin(dsn, "postgres") as admin:
        admin.create_account(AccountConfig(account, TIMEZONE))
        secret = admin.create_token(account, "ingest")[1]
    procs = [engine_worker(f"w{workers}-{i}", nodes.urls, dsn, DEFAULT_PARTITIONS,
                           root / f"w{workers}-{i}.log", checkpoint_every_s=30)
             for i in range(workers)]
    role = BenchServer(root / f"ingest-{workers}", f"ingest-{workers}", "--role", "ingest",
                       "--nats", ",".join(nodes.urls), "--postgres", dsn, "--replicas", "3")
    try:
        role.start()
        wait_counted(nodes.urls, account, None, None, 60)  # a worker holds the account
        run = ingest(role.url, secret, json_bodies(renamed(lines, account), 1000))
        caught_up = wait_counted(nodes.urls, account, day, want, 300)
        lat = latencies(role.url, secret, account, posts)
    except Exception:
        say_problems(role, procs, root)
        raise
    finally:
        role.stop()
        stop_workers(procs, root)
    print(f"  cluster, {workers} engine worker{'s' if workers > 1 else ''}: "
          f"{run.eps:,.0f} events/s ({run.accepted:,} accepted in {run.seconds:.2f} s); "
          f"POST latency (stored on 3 replicas, judged by the engine) {_ms(lat)}; "
          f"every figure equal to the single process's "
          f"{caught_up:.1f} s after the last reply")


def takeover(root: Path, nodes: LocalNats, pg: LocalPostgres, lines: list[bytes], day: str
             ) -> None:
    account = "takeover"
    dsn = pg.create_database(f"bench_{next(_databases)}")
    with Admin(dsn, "postgres") as admin:
        admin.create_account(AccountConfig(account, TIMEZONE))
        secret = admin.create_token(account, "ingest")[1]
    checkpoint_s = 5.0
    first = engine_worker("t-1", nodes.urls, dsn, DEFAULT_PARTITIONS, root / "t-1.log",
                          checkpoint_every_s=checkpoint_s)
    procs: dict[str, subprocess.Popen[bytes]] = {"t-1": first}
    role = BenchServer(root / "ingest-t", "ingest-t", "--role", "ingest", "--nats",
                       ",".join(nodes.urls), "--postgres", dsn, "--replicas", "3")
    try:
        role.start()
        wait_counted(nodes.urls, account, None, None, 60)
        run = ingest(role.url, secret, json_bodies(renamed(lines, account), 1000))
        def now_counted() -> tuple[int, ...] | None:
            found = asyncio.run(_ask(nodes.urls, account, day))
            return None if found is None else counted(found)

        # Every event applied: the figures stop moving (the stream has them all already).
        deadline, last, now = time.monotonic() + 300, None, now_counted()
        while now is None or now[0] == 0 or now != last:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the first worker never settled: {now}")
            time.sleep(1)
            last, now = now, now_counted()
        want = now
        time.sleep(checkpoint_s + 1)  # a checkpoint holds it all
        procs["t-2"] = engine_worker("t-2", nodes.urls, dsn, DEFAULT_PARTITIONS,
                                     root / "t-2.log", checkpoint_every_s=checkpoint_s)
        time.sleep(5)  # the newcomer takes its share; the account may have moved to it
        owner = asyncio.run(_owner(nodes.urls, account))
        wait_counted(nodes.urls, account, day, want, 120)
        found = asyncio.run(_ask(nodes.urls, account, day))
        assert found is not None and found["answered_by"] == owner, (found, owner)
        procs[owner].kill()
        procs[owner].wait(10)
        seconds = wait_counted(nodes.urls, account, day, want, 120, not_by=owner)
    finally:
        role.stop()
        stop_workers([p for p in procs.values() if p.poll() is None], root)
    print(f"  takeover: a partition holding a day of {len(lines):,} events ({run.eps:,.0f} "
          f"events/s in), its owner ({owner}) killed with SIGKILL: served again by the "
          f"other, every event counted, in {seconds:.1f} s (lease 2 s, renewed every 0.5 s; "
          f"checkpoint loaded, the stream after it replayed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="the ingest runs' day")
    parser.add_argument("--takeover", type=int, default=1_000_000,
                        help="events in the partition taken over (a million)")
    parser.add_argument("--posts", type=int, default=300, help="single-event POSTs timed")
    parser.add_argument("--small", action="store_true",
                        help="a quick run for CI: 20,000 events, 50 POSTs")
    args = parser.parse_args()
    if args.small:
        args.events, args.takeover, args.posts = 20_000, 20_000, 50
    started = time.monotonic()
    bench_day = the_day(1, max(args.events, args.takeover))
    lines, day = bench_day.lines[:args.events], bench_day.date
    print(f"cluster bench: {len(lines):,} events of {day} ({TIMEZONE}); 3 NATS nodes, "
          f"PostgreSQL, {DEFAULT_PARTITIONS} partitions, all on 127.0.0.1 (2 cores)")
    with tempfile.TemporaryDirectory(prefix="wallboard-bench-cluster-") as tmp:
        root = Path(tmp)
        want = single_process(root, lines, day, args.posts)
        nodes, pg = LocalNats(3).start(), LocalPostgres().start()
        try:
            for workers in (1, 2):
                cluster_run(root, nodes, pg, workers, lines, day, want, args.posts)
            takeover(root, nodes, pg, bench_day.lines[:args.takeover], day)
        finally:
            BenchServer.stop_all()
            pg.remove()
            nodes.remove()
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
