"""Service benchmark: real ``wallboard serve`` processes on 127.0.0.1, driven over HTTP.

Prints figures next to their targets and never fails on timing. Every server is started as
its own process (``python -m wallboard.cli serve --host 127.0.0.1``, a free port, a temporary
data directory, ``--log-level warning``) and stopped before the script ends; nothing but
127.0.0.1 is ever contacted (HTTP clients ignore proxy settings). The load generator runs on
the same machine as the server and competes with it for the CPUs.

1. Ingest: the bench day (``bench/engine.py``'s ``generate``) POSTed as JSON arrays of 100
   and of 1,000 events over 4 keep-alive connections; a reply means the events are committed
   to the event log (SQLite WAL, ``synchronous=NORMAL``: a commit survives the process being
   killed, not a power cut). Events/s = events sent / wall time.
2. Push latency: a live SSE stream open while events arrive at a steady 2,000/s (a batch of
   100 every 50 ms, each batch ending with a new ``conversation.started``); for each batch,
   the time from sending its POST to the first snapshot on the stream whose ``total.arrived``
   counts it.
3. Snapshot GET: an account with 50 channels, 50 groups and 10,000 open conversations (half
   waiting, half assigned); sequential GETs of the snapshot, timed by the client (the HTTP
   round trip on loopback is included).
4. Restart to ready: a data directory with 1,000,000 events (POSTed through the service in
   batches of 5,000, or with ``--fill store`` written with ``Store.append``); the time from
   starting ``wallboard serve`` to ``/readyz`` answering 200, after SIGKILL (no final
   checkpoint: the log since the last periodic checkpoint, if any, is replayed) and after
   SIGTERM (the service checkpoints on shutdown).
6. Hostile clients: while one tenant POSTs bodies built to cost the most per byte (3.4 million
   ``{}`` in a 10 MiB JSON array, 500,000 NDJSON lines), a second tenant POSTs batches of 100
   events one after another and a third client asks ``/healthz`` every 5 ms; the latencies of
   both while a hostile request is in flight. Then idle connections that never send a request
   are opened from several loopback addresses (127.0.0.x) until the service refuses one: how
   many it held, and how soon ``--head-timeout`` let them go.
5. Peer baseline: what a poll-and-query report would pay for (a subset of) the same figures
   with SQL over the stored events. The log's ``body`` column is msgpack, so the events are
   first copied (untimed) into a plain indexed table ``plain(account, conversation, type, at,
   channel, grp)``; then three queries are timed together: conversations started in the day
   per channel, conversations ended (closed or visitor left) in the day per channel split by
   "was ever assigned" (an outcome proxy), and conversations waiting now per channel (started,
   never assigned, not ended). They ignore most of the contract (requeues, transfers, late
   events, excluded kinds, wait times, service level), so the real peer would cost more. The
   ratio is their time to the engine's snapshot GET (HTTP included) on the same events.

The bench day is on 2026-11-26 in Europe/Moscow; when the local "yesterday" is another day,
its timestamps are moved by whole days onto yesterday (steps 2 and 3 use the current time).
Steps 2 and 3 count on "today": run them away from local midnight in Moscow.

    python bench/service.py                  # full size (several minutes)
    python bench/service.py --small          # the CI size (well under a minute)
    python bench/service.py --events 200000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec

from engine import ACCOUNT, DAY_START_MS, TIMEZONE, generate
from wallboard.engine.calendar import load_zone
from wallboard.events import CONVERSATION_RANKS, decode_event, parse_timestamp
from wallboard.store import Store
from wallboard.store.sqlite import DB_NAME

HOST = "127.0.0.1"
BENCH_DAY = date(2026, 11, 26)
DAY_MS = 86_400_000

TARGET_INGEST_EPS = 30_000  # batches of 1,000
TARGET_PUSH_P99_MS = 300.0
TARGET_SNAPSHOT_P99_MS = 10.0
TARGET_RESTART_S = 10.0
TARGET_SERIES_MS = 20.0  # one row, one day
TARGET_HOSTILE_P99_MS = 100.0  # /healthz and another tenant's POST during a hostile request


@dataclass(frozen=True)
class Sizes:
    ingest_events: int  # per batch size in step 1
    push_seconds: float
    push_warmup_s: float
    open_conversations: int
    snapshot_gets: int
    restart_events: int
    sql_runs: int
    hostile_requests: int
    idle_cap: int  # --max-connections for the idle-connection count (the default at full size)


FULL = Sizes(200_000, 10.0, 1.0, 10_000, 500, 1_000_000, 5, 200, 4096)
SMALL = Sizes(20_000, 2.0, 0.5, 2_000, 50, 20_000, 3, 20, 300)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# --- servers ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _child_env() -> dict[str, str]:
    # The service's defaults, whatever WALLBOARD_* the caller has set.
    return {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_")}


def cli(data_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=True, env=_child_env())
    return result.stdout.strip()


def create_account(data_dir: Path, account: str) -> tuple[str, str]:
    """Create the account with the CLI; its ingest and view token secrets."""
    cli(data_dir, "account", "create", account, "--timezone", TIMEZONE)
    return (cli(data_dir, "token", "create", account, "--role", "ingest"),
            cli(data_dir, "token", "create", account, "--role", "view"))


def client(url: str, secret: str | None = None, timeout: float = 60) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.Client(base_url=url, headers=headers, timeout=timeout, trust_env=False)


class Server:
    """One ``wallboard serve`` process; every instance is stopped by ``stop_all``."""

    running: list[Server] = []  # noqa: RUF012 - the registry of every started process

    def __init__(self, data_dir: Path, name: str, *extra: str) -> None:
        self.data_dir = data_dir
        self.extra = extra
        self.port = _free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = data_dir.parent / f"{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.launched = 0.0
        self.not_ready_replies = 0  # 503s seen while waiting

    def launch(self) -> None:
        with open(self.log, "ab") as log:
            self.launched = time.perf_counter()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wallboard.cli", "serve", "--host", HOST, "--port",
                 str(self.port), "--data-dir", str(self.data_dir), "--log-level", "warning",
                 *self.extra],
                stdout=log, stderr=subprocess.STDOUT, env=_child_env())
        Server.running.append(self)

    def wait_ready(self, timeout: float = 600) -> float:
        """Seconds from launch to the first 200 from /readyz."""
        assert self.process is not None
        deadline = self.launched + timeout
        with httpx.Client(base_url=self.url, timeout=2, trust_env=False) as c:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log_tail()}")
                try:
                    status = c.get("/readyz").status_code
                except httpx.TransportError:
                    status = 0
                if status == 200:
                    return time.perf_counter() - self.launched
                if status == 503:
                    self.not_ready_replies += 1
                time.sleep(0.01)
        raise RuntimeError(f"server not ready in {timeout} s: {self.log_tail()}")

    def start(self) -> Server:
        self.launch()
        self.wait_ready()
        return self

    def rss_mib(self) -> float | None:
        assert self.process is not None
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far."""
        assert self.process is not None
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 300) -> float:
        """SIGTERM (a clean shutdown writes checkpoints); seconds until the process is gone."""
        assert self.process is not None
        started = time.perf_counter()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self._forget()
        return time.perf_counter() - started

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        self._forget()

    def _forget(self) -> None:
        if self in Server.running:
            Server.running.remove(self)

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    @staticmethod
    def stop_all() -> None:
        for server in list(Server.running):
            try:
                server.stop(timeout=30)
            except Exception:  # still try the others, then make sure this one is gone
                if server.process is not None and server.process.poll() is None:
                    server.process.kill()
                server._forget()


# --- load generation -------------------------------------------------------------------------


class IngestReply(msgspec.Struct):
    accepted: int
    duplicate: int
    conflict: int
    rejected: int


_reply = msgspec.json.Decoder(IngestReply).decode


def json_bodies(lines: list[bytes], batch: int) -> list[tuple[int, bytes]]:
    """``(events, body)`` of JSON arrays of ``batch`` NDJSON lines each."""
    return [(len(lines[i:i + batch]), b"[" + b",".join(lines[i:i + batch]) + b"]")
            for i in range(0, len(lines), batch)]


@dataclass
class IngestRun:
    events: int
    seconds: float
    accepted: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    busy_retries: int = 0

    @property
    def eps(self) -> float:
        return self.events / self.seconds


def ingest(url: str, secret: str, bodies: list[tuple[int, bytes]], connections: int = 4
           ) -> IngestRun:
    """POST the bodies in order over ``connections`` keep-alive connections, each taking the
    next body as soon as its previous reply (the commit) came back."""
    lock = threading.Lock()
    next_body = iter(bodies)
    run = IngestRun(sum(n for n, _ in bodies), 0.0)
    errors: list[BaseException] = []

    def worker(c: httpx.Client) -> None:
        try:
            with c:
                while True:
                    with lock:
                        item = next(next_body, None)
                    if item is None:
                        return
                    while True:
                        r = c.post("/api/v1/events", content=item[1],
                                   headers={"Content-Type": "application/json"})
                        if r.status_code != 429:
                            break
                        with lock:
                            run.busy_retries += 1
                        time.sleep(0.05)
                    if r.status_code != 200:
                        raise RuntimeError(f"POST /api/v1/events: {r.status_code} {r.text[:300]}")
                    reply = _reply(r.content)
                    with lock:
                        run.accepted += reply.accepted
                        run.duplicate += reply.duplicate
                        run.conflict += reply.conflict
                        run.rejected += reply.rejected
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(client(url, secret),))
               for _ in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return run


def post_json(url: str, secret: str, events: list[dict[str, Any]], batch: int = 1000) -> None:
    """Set-up traffic (not timed): every event must be accepted."""
    run = ingest(url, secret, json_bodies([msgspec.json.encode(e) for e in events], batch), 2)
    if run.accepted != len(events):
        raise RuntimeError(f"set-up: {run.accepted} of {len(events)} events accepted")


def the_day(seed: int, events: int) -> tuple[list[bytes], int, float]:
    """The bench day moved onto local yesterday: lines, the shift in days, seconds taken."""
    started = time.perf_counter()
    lines = generate(seed, events).lines
    today = datetime.now(load_zone(TIMEZONE)).date()
    shift_days = (today - timedelta(days=1) - BENCH_DAY).days
    if shift_days:
        shift = shift_days * DAY_MS
        decode, encode = msgspec.json.decode, msgspec.json.encode
        moved = []
        for line in lines:
            ev = decode(line)
            ev["at"] = parse_timestamp(ev["at"]) + shift
            moved.append(encode(ev))
        lines = moved
    return lines, shift_days, time.perf_counter() - started


def config_events(account: str, channels: int, groups: int, operators: int, at: int
                  ) -> list[dict[str, Any]]:
    """Groups, web-chat channels (channel i served by group i % groups), available operators."""
    out: list[dict[str, Any]] = []

    def add(event_type: str, **fields: Any) -> None:
        out.append({"id": f"cfg{len(out)}", "type": event_type, "account": account, "at": at,
                    **fields})

    for g in range(groups):
        add("group.updated", group=f"g{g:02d}", name=f"Group {g}")
    for c in range(channels):
        add("channel.updated", channel=f"ch{c:02d}", kind="web_chat", name=f"Chat {c}",
            groups=[f"g{c % groups:02d}"])
    for o in range(operators):
        add("operator.updated", operator=f"op{o:03d}", groups=[f"g{o % groups:02d}"],
            max_chats=4)
        add("operator.status", operator=f"op{o:03d}", status="available")
    return out


# --- 1. ingest throughput --------------------------------------------------------------------


def bench_ingest(root: Path, lines: list[bytes], say: Callable[[str], None]) -> dict[str, Any]:
    figures: dict[str, Any] = {"events": len(lines), "connections": 4}
    for batch in (100, 1000):
        data = root / f"ingest-{batch}"
        secret, _ = create_account(data, ACCOUNT)
        bodies = json_bodies(lines, batch)
        server = Server(data, f"ingest-{batch}").start()
        try:
            server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
            run = ingest(server.url, secret, bodies)
            server_cpu = server.cpu_seconds() - server_cpu
            client_cpu = time.process_time() - client_cpu
        finally:
            server.stop()
        target = f"   (target >= {TARGET_INGEST_EPS:,})" if batch == 1000 else ""
        say(f"  batches of {batch:>5,}: {run.eps:>10,.0f} events/s ({run.events:,} events in "
            f"{run.seconds:.2f} s; accepted {run.accepted:,}, duplicate {run.duplicate:,}, "
            f"conflict {run.conflict:,}, rejected {run.rejected:,}, 429 retries "
            f"{run.busy_retries}){target}")
        say(f"    CPU during the run: server {server_cpu / run.seconds:.0%} of one core, "
            f"load generator {client_cpu / run.seconds:.0%}")
        figures[f"batch_{batch}"] = {
            "eps": round(run.eps), "seconds": round(run.seconds, 3), "accepted": run.accepted,
            "duplicate": run.duplicate, "conflict": run.conflict, "rejected": run.rejected,
            "busy_retries": run.busy_retries,
            "server_cpu_share": round(server_cpu / run.seconds, 2),
            "client_cpu_share": round(client_cpu / run.seconds, 2)}
    return figures


# --- 2. push latency -------------------------------------------------------------------------


class _Total(msgspec.Struct):
    arrived: int


class _Snapshot(msgspec.Struct):
    total: _Total


_snapshot_total = msgspec.json.Decoder(_Snapshot).decode


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

    def batch(self, i: int, at: int) -> tuple[bytes, int, int]:
        """The body of batch ``i``, its event count and the conversations it starts."""
        events: list[dict[str, Any]] = []
        for stage in range(self.STAGES - 1, -1, -1):
            born = i - stage
            if born < 0:
                continue
            for k in range(self.per_batch):
                n = born * self.per_batch + k
                events.append(self._event(f"lc{n}", n, stage, at))
        return msgspec.json.encode(events), len(events), self.per_batch

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
    received: list[tuple[float, int]] = []
    first = asyncio.Event()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, trust_env=False, limits=limits,
                                 timeout=httpx.Timeout(30, read=None)) as c:

        async def listen() -> None:
            async with c.stream("GET", f"/api/v1/accounts/{account}/stream",
                                headers={"Authorization": f"Bearer {view_secret}"}) as r:
                if r.status_code != 200:
                    raise RuntimeError(f"stream: {r.status_code}")
                async for line in r.aiter_lines():
                    if line.startswith("data: "):
                        arrived = _snapshot_total(line[6:]).total.arrived
                        received.append((time.perf_counter(), arrived))
                        first.set()

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(first.wait(), 30)
        sent = [0.0] * n
        replied = [0.0] * n
        lag: list[float] = []
        expected: list[int] = []
        cumulative = received[0][1]
        headers = {"Authorization": f"Bearer {ingest_secret}", "Content-Type": "application/json"}

        async def post(i: int, body: bytes, count: int) -> None:
            sent[i] = time.perf_counter()
            r = await c.post("/api/v1/events", content=body, headers=headers)
            replied[i] = time.perf_counter()
            if r.status_code != 200 or _reply(r.content).accepted != count:
                raise RuntimeError(f"push POST {i}: {r.status_code} {r.text[:300]}")

        posts = []
        t0 = time.perf_counter() + 0.05
        for i in range(n):
            due = t0 + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lag.append(time.perf_counter() - due)
            body, count, starts = traffic.batch(i, now_ms())
            cumulative += starts
            expected.append(cumulative)
            posts.append(asyncio.create_task(post(i, body, count)))
        await asyncio.gather(*posts)
        deadline = time.perf_counter() + 5
        while received[-1][1] < cumulative and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener

    latencies: list[float] = []
    missing = 0
    j = 0
    for i in range(warmup, n):
        while j < len(received) and received[j][1] < expected[i]:
            j += 1
        if j == len(received):
            missing += 1
            continue
        latencies.append((received[j][0] - sent[i]) * 1000)
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


def bench_push(root: Path, sizes: Sizes, say: Callable[[str], None]) -> dict[str, Any]:
    account = "push"
    data = root / "push"
    ingest_secret, view_secret = create_account(data, account)
    server = Server(data, "push").start()
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


# --- 3. snapshot GET -------------------------------------------------------------------------


def time_gets(url: str, secret: str, path: str, runs: int, warmup: int = 20
              ) -> tuple[list[float], bytes]:
    """Milliseconds of each sequential GET (client side, loopback round trip included)."""
    times = []
    with client(url, secret) as c:
        for _ in range(warmup):
            c.get(path).raise_for_status()
        body = b""
        for _ in range(runs):
            started = time.perf_counter()
            r = c.get(path)
            times.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            body = r.content
    return times, body


def open_conversations(account: str, n: int, channels: int, operators: int, seed: int
                       ) -> list[dict[str, Any]]:
    """``n`` conversations started today (up to 2 hours ago), every other one assigned."""
    rng = random.Random(seed)
    now = now_ms()
    midnight = int(datetime.now(load_zone(TIMEZONE)).replace(
        hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    span = max(1, min(2 * 3_600_000, now - midnight - 1000))
    out: list[dict[str, Any]] = []
    for k in range(n):
        cid = f"oc{k}"
        at = now - rng.randrange(span)
        out.append({"id": f"{cid}.s", "type": "conversation.started", "account": account,
                    "at": at, "conversation": cid, "channel": f"ch{k % channels:02d}"})
        if k % 2:
            out.append({"id": f"{cid}.a", "type": "conversation.assigned", "account": account,
                        "at": min(now, at + rng.randrange(1000, 60_000)), "conversation": cid,
                        "operator": f"op{k % operators:03d}"})
    return out


def bench_snapshot(root: Path, sizes: Sizes, seed: int, say: Callable[[str], None]
                   ) -> dict[str, Any]:
    account = "snap"
    data = root / "snapshot"
    ingest_secret, view_secret = create_account(data, account)
    server = Server(data, "snapshot").start()
    n = sizes.open_conversations
    try:
        post_json(server.url, ingest_secret, config_events(account, 50, 50, 200, now_ms()))
        post_json(server.url, ingest_secret, open_conversations(account, n, 50, 200, seed))
        times, body = time_gets(server.url, view_secret, f"/api/v1/accounts/{account}/snapshot",
                                sizes.snapshot_gets)
    finally:
        server.stop()
    snapshot = msgspec.json.decode(body)
    total = snapshot["total"]
    rows = len(snapshot["channels"]) + len(snapshot["groups"]) + 1
    figures = {
        "open_conversations": n, "rows": rows, "bytes": len(body), "gets": len(times),
        "in_queue": total["in_queue"], "in_work": total["in_work"],
        "p50_ms": round(percentile(times, 50), 3), "p99_ms": round(percentile(times, 99), 3),
        "max_ms": round(max(times), 3),
    }
    say(f"  GET snapshot: p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
        f"max {figures['max_ms']:.2f} ms over {len(times)} sequential GETs   "
        f"(target p99 <= {TARGET_SNAPSHOT_P99_MS:.0f} ms)")
    say(f"  {rows} rows (channels, groups with the no-group row, total), {len(body):,} bytes;"
        f" total in_queue {total['in_queue']:,}, in_work {total['in_work']:,}, arrived "
        f"{total['arrived']:,} (expected {n - n // 2:,}, {n // 2:,}, {n:,})")
    return figures


# --- 4. restart to ready ---------------------------------------------------------------------


def _comparable(body: bytes) -> Any:
    snapshot = msgspec.json.decode(body)
    snapshot.pop("as_of", None)
    return snapshot


def fill_by_store(data: Path, lines: list[bytes]) -> float:
    """Write the events with ``Store.append`` in chunks of 10,000, as the writer would."""
    started = time.perf_counter()
    store = Store(data)
    try:
        received = now_ms()
        for i in range(0, len(lines), 10_000):
            events = [decode_event(line, received)[1] for line in lines[i:i + 10_000]]
            store.append(ACCOUNT, events, received)
    finally:
        store.close()
    return time.perf_counter() - started


def _history_bytes(data: Path, day: str) -> dict[str, int]:
    """What the store keeps of one account-day: its daily row and its rows' series."""
    with sqlite3.connect(data / DB_NAME) as db:
        (history,) = db.execute("SELECT coalesce(sum(length(snapshot)), 0) FROM history"
                                " WHERE account = ? AND day = ?", (ACCOUNT, day)).fetchone()
        rows, size = db.execute("SELECT count(*), coalesce(sum(length(data)), 0) FROM series"
                                " WHERE account = ? AND day = ?", (ACCOUNT, day)).fetchone()
    return {"history_day_bytes": history, "series_rows": rows, "series_bytes": size}


def _log_state(data: Path) -> tuple[int, int, int, int]:
    """(events logged, checkpoint seq or 0, events after it, checkpoint bytes)."""
    db = sqlite3.connect(data / DB_NAME)
    try:
        logged = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        row = db.execute("SELECT seq, length(state) FROM checkpoints WHERE account = ?",
                         (ACCOUNT,)).fetchone()
        seq, size = (int(row[0]), int(row[1])) if row else (0, 0)
        tail = db.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (seq,)).fetchone()[0]
    finally:
        db.close()
    return int(logged), seq, int(tail), size


def bench_restart(root: Path, lines: list[bytes], fill: str, sizes: Sizes, day: str,
                  say: Callable[[str], None]) -> tuple[dict[str, Any], Path]:
    data = root / "restart"
    ingest_secret, view_secret = create_account(data, ACCOUNT)
    figures: dict[str, Any] = {"events": len(lines), "fill": fill}
    day_path = f"/api/v1/accounts/{ACCOUNT}/snapshot?date={day}"
    before: Any = None
    if fill == "http":
        filler = Server(data, "fill").start()
        try:
            run = ingest(filler.url, ingest_secret, json_bodies(lines, 5000))
            with client(filler.url, view_secret) as c:
                before = _comparable(c.get(day_path).content)
            figures["fill_rss_mib"] = filler.rss_mib()
        finally:
            filler.kill()  # SIGKILL: no final checkpoint
        figures.update(fill_eps=round(run.eps), fill_s=round(run.seconds, 2),
                       accepted=run.accepted, duplicate=run.duplicate)
        say(f"  filled by POSTing batches of 5,000 through the service: {run.events:,} events "
            f"({run.accepted:,} accepted, {run.duplicate:,} duplicates) in {run.seconds:.1f} s,"
            f" {run.eps:,.0f} events/s; server RSS {figures['fill_rss_mib'] or 0:,.0f} MiB; "
            "then SIGKILL")
    else:
        seconds = fill_by_store(data, lines)
        figures.update(fill_s=round(seconds, 2))
        say(f"  filled by writing the events with Store.append from this script (what a "
            f"service would have logged; no checkpoint): {len(lines):,} events in "
            f"{seconds:.1f} s")

    logged, seq, tail, _ = _log_state(data)
    replay = "the whole log" if seq == 0 else f"{tail:,} events after the checkpoint at {seq:,}"
    after_kill = Server(data, "after-kill")
    after_kill.launch()
    figures["after_sigkill_s"] = round(after_kill.wait_ready(), 3)
    figures.update(logged=logged, replayed_after_sigkill=tail, checkpoint_seq_at_kill=seq)
    with client(after_kill.url, view_secret) as c:
        recovered = _comparable(c.get(day_path).content)
    if before is None:
        before = recovered
    shutdown_s = after_kill.stop()
    _, _, _, checkpoint_bytes = _log_state(data)
    figures.update(sigterm_shutdown_s=round(shutdown_s, 3), checkpoint_bytes=checkpoint_bytes)

    after_term = Server(data, "after-term")
    after_term.launch()
    figures["after_sigterm_s"] = round(after_term.wait_ready(), 3)
    try:
        with client(after_term.url, view_secret) as c:
            restored = _comparable(c.get(day_path).content)
        figures["rss_after_restart_mib"] = after_term.rss_mib()
        live, _ = time_gets(after_term.url, view_secret, f"/api/v1/accounts/{ACCOUNT}/snapshot",
                            sizes.snapshot_gets // 2 or 1)
        past, _ = time_gets(after_term.url, view_secret, day_path, sizes.snapshot_gets // 2 or 1)
        channel = restored["channels"][0]["id"]
        series_path = f"/api/v1/accounts/{ACCOUNT}/series?date={day}&channel={channel}"
        series, series_body = time_gets(after_term.url, view_secret, series_path,
                                        sizes.snapshot_gets // 2 or 1)
    finally:
        after_term.stop()
    figures.update(series_get_p50_ms=round(percentile(series, 50), 3),
                   series_get_p99_ms=round(percentile(series, 99), 3),
                   series_buckets=len(msgspec.json.decode(series_body)["buckets"]),
                   **_history_bytes(data, day))
    same = before == recovered == restored
    figures.update(snapshots_equal=same,
                   not_ready_503s=after_kill.not_ready_replies + after_term.not_ready_replies,
                   engine_get_p50_ms=round(percentile(live, 50), 3),
                   engine_get_day_p50_ms=round(percentile(past, 50), 3))
    say(f"  {logged:,} events in the log ({(data / DB_NAME).stat().st_size / 2**20:,.0f} MiB)")
    first = "after SIGKILL" if fill == "http" else "first start on the written log"
    say(f"  {first}: ready in {figures['after_sigkill_s']:.2f} s (replayed {replay})"
        f"   (target <= {TARGET_RESTART_S:.0f} s)")
    say(f"  SIGTERM: shut down in {shutdown_s:.2f} s, checkpoint {checkpoint_bytes / 2**20:,.1f}"
        " MiB")
    say(f"  after SIGTERM: ready in {figures['after_sigterm_s']:.2f} s (from the checkpoint)"
        f"   (target <= {TARGET_RESTART_S:.0f} s); RSS "
        f"{figures['rss_after_restart_mib'] or 0:,.0f} MiB")
    say(f"  GET snapshot p50 on this account: live {figures['engine_get_p50_ms']:.2f} ms, "
        f"?date={day} {figures['engine_get_day_p50_ms']:.2f} ms")
    say(f"  GET series of one channel for {day}: p50 {figures['series_get_p50_ms']:.2f} ms, "
        f"p99 {figures['series_get_p99_ms']:.2f} ms ({figures['series_buckets']} buckets)"
        f"   (target < {TARGET_SERIES_MS:.0f} ms)")
    say(f"  history stored for {day}: daily row {figures['history_day_bytes']:,} bytes, "
        f"series {figures['series_rows']} rows, {figures['series_bytes']:,} bytes "
        f"({figures['series_bytes'] / max(1, figures['series_rows']):,.0f} bytes per row)")
    say(f"  snapshot of {day} before the kill == after recovery == after restart: "
        f"{'yes' if same else 'NO'}; 503s from /readyz while starting: "
        f"{figures['not_ready_503s']} (the port opens at once; readyz says 503 until recovered)")
    return figures, data


def bench_startup(root: Path) -> float:
    """Launch to ready on an empty data directory: the fixed cost in every restart figure."""
    data = root / "empty"
    Store(data).close()
    server = Server(data, "empty")
    server.launch()
    try:
        return server.wait_ready()
    finally:
        server.stop()


# --- 5. peer baseline ------------------------------------------------------------------------

_TYPES = {rank: name for name, rank in CONVERSATION_RANKS.items()}
STARTED, QUEUED, ASSIGNED = (CONVERSATION_RANKS[t] for t in (
    "conversation.started", "conversation.queued", "conversation.assigned"))

PEER_SCHEMA = """
CREATE TABLE plain (account TEXT, conversation TEXT, type TEXT, at INTEGER, channel TEXT,
                    grp TEXT);
"""
PEER_INDEXES = """
CREATE INDEX plain_by_type_at ON plain (account, type, at);
CREATE INDEX plain_by_conversation ON plain (account, conversation, type);
ANALYZE;
"""
PEER_QUERIES = {
    "arrived": """
        SELECT channel, COUNT(*) FROM plain
        WHERE account = :account AND type = 'conversation.started'
          AND at >= :day_start AND at < :day_end
        GROUP BY channel""",
    "ended": """
        SELECT s.channel, COUNT(*),
               SUM(EXISTS (SELECT 1 FROM plain a WHERE a.account = s.account
                           AND a.conversation = s.conversation
                           AND a.type = 'conversation.assigned'))
        FROM plain s
        WHERE s.account = :account AND s.type = 'conversation.started'
          AND EXISTS (SELECT 1 FROM plain e WHERE e.account = s.account
                      AND e.conversation = s.conversation
                      AND e.type IN ('conversation.closed', 'conversation.visitor_left')
                      AND e.at >= :day_start AND e.at < :day_end)
        GROUP BY s.channel""",
    "waiting": """
        SELECT s.channel, COUNT(*) FROM plain s
        WHERE s.account = :account AND s.type = 'conversation.started'
          AND NOT EXISTS (SELECT 1 FROM plain e WHERE e.account = s.account
                          AND e.conversation = s.conversation
                          AND e.type IN ('conversation.assigned', 'conversation.closed',
                                         'conversation.visitor_left'))
        GROUP BY s.channel""",
}


def bench_peer(root: Path, data: Path, day_start: int, runs: int, engine_ms: float,
               say: Callable[[str], None]) -> dict[str, Any]:
    started = time.perf_counter()
    unpack = msgspec.msgpack.Decoder(tuple[int, int, str, str, Any, Any, Any]).decode
    source = sqlite3.connect(data / DB_NAME)
    peer = sqlite3.connect(root / "peer.sqlite3", isolation_level=None)
    try:
        peer.executescript(PEER_SCHEMA)
        peer.execute("BEGIN")
        rows = []
        for account, body in source.execute("SELECT account, body FROM events ORDER BY seq"):
            at, rank, _, subject, a, b, _ = unpack(body)
            if rank > 7:
                continue  # operator, channel and group events: not needed by these queries
            channel = a if rank == STARTED else None
            group = b if rank in (STARTED, ASSIGNED) else a if rank == QUEUED else None
            rows.append((account, subject, _TYPES[rank], at, channel, group))
            if len(rows) == 50_000:
                peer.executemany("INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?)", rows)
                rows.clear()
        peer.executemany("INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?)", rows)
        peer.execute("COMMIT")
        peer.executescript(PEER_INDEXES)
        copied = peer.execute("SELECT COUNT(*) FROM plain").fetchone()[0]
        build_s = time.perf_counter() - started
        params = {"account": ACCOUNT, "day_start": day_start, "day_end": day_start + DAY_MS}
        times: list[float] = []
        per_query: dict[str, list[float]] = {name: [] for name in PEER_QUERIES}
        results: dict[str, int] = {}
        for _ in range(runs):
            t0 = time.perf_counter()
            for name, sql in PEER_QUERIES.items():
                q0 = time.perf_counter()
                result = peer.execute(sql, params).fetchall()
                per_query[name].append((time.perf_counter() - q0) * 1000)
                results[name] = sum(row[1] for row in result)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        source.close()
        peer.close()
    median = percentile(times, 50)
    figures = {
        "rows": copied, "build_s": round(build_s, 2), "runs": runs,
        "first_ms": round(times[0], 2), "median_ms": round(median, 2),
        "per_query_median_ms": {k: round(percentile(v, 50), 2) for k, v in per_query.items()},
        "sums": results, "engine_get_p50_ms": engine_ms,
        "ratio": round(median / engine_ms, 1) if engine_ms else None,
    }
    say(f"  plain table: {copied:,} conversation events copied out of the log and indexed in "
        f"{build_s:.1f} s (untimed)")
    say(f"  SQL (arrived / ended by assigned-or-not / waiting now, per channel): median "
        f"{median:,.1f} ms of {runs} (first {times[0]:,.1f} ms; "
        + ", ".join(f"{k} {v}" for k, v in figures["per_query_median_ms"].items())
        + f"); sums {results}")
    say(f"  engine GET snapshot on the same events: p50 {engine_ms:.2f} ms (the slower of the "
        f"live and the past-day snapshot, HTTP included) -> SQL takes {figures['ratio']}x the "
        "engine's time")
    return figures


# --- 6. hostile clients ----------------------------------------------------------------------

def _largest_accepted() -> bytes:
    """10,000 events of about 1 KiB each: the largest request the limits accept."""
    at = now_ms()
    return json.dumps([{"id": f"big-{i}", "type": "conversation.started", "account": "hostile",
                        "at": at, "conversation": f"big-{i}", "channel": "web",
                        "padding": "x" * 860} for i in range(10_000)]).encode()


HOSTILE_BODIES = (
    ("3.4 million {} in a JSON array", "application/json",
     lambda: b"[" + b",".join([b"{}"] * 3_400_000) + b"]"),
    ("500,000 NDJSON lines", "application/x-ndjson", lambda: b"{}\n" * 500_000),
    ("the largest accepted request", "application/json", _largest_accepted),
)


def bench_hostile(root: Path, sizes: Sizes, say: Callable[[str], None]) -> dict[str, Any]:
    data = root / "hostile"
    hostile_secret, _ = create_account(data, "hostile")
    honest_secret, _ = create_account(data, ACCOUNT)
    server = Server(data, "hostile").start()
    figures: dict[str, Any] = {}
    try:
        post_json(server.url, honest_secret, config_events(ACCOUNT, 5, 5, 50, now_ms()))
        for name, media, make in HOSTILE_BODIES:
            body = make()
            run = _during_hostile(server.url, hostile_secret, honest_secret, media, body,
                                  sizes.hostile_requests)
            figures[name] = run
            say(f"  while {name} ({len(body) / 2**20:.1f} MiB) is sent {run['requests']} times, "
                f"{run['hostile_ms_p50']} ms each (p50, answer {run['status']}):")
            say(f"    /healthz p50 {run['healthz_p50_ms']} ms, p99 {run['healthz_p99_ms']} ms, "
                f"max {run['healthz_max_ms']} ms ({run['healthz']} asked); another tenant's "
                f"POST of 100 events p50 {run['other_p50_ms']} ms, p99 {run['other_p99_ms']} ms"
                f" ({run['other']} sent)   (target p99 < {TARGET_HOSTILE_P99_MS:.0f} ms)")
        figures["rss_after_mib"] = server.rss_mib()
    finally:
        server.stop()
    figures["idle"] = _idle_connections(root, sizes.idle_cap)
    idle = figures["idle"]
    say(f"  {sizes.idle_cap + 10} idle connections that send nothing, from {idle['addresses']} "
        f"addresses: {idle['held']} held (--max-connections {sizes.idle_cap}), {idle['refused']}"
        f" refused at once with {idle['refused_status']}; all let go {idle['released_s']} s "
        f"after opening (--head-timeout {idle['head_timeout_s']})")
    return figures


def _during_hostile(url: str, hostile: str, honest: str, media: str, body: bytes,
                    requests: int) -> dict[str, Any]:
    busy = threading.Event()
    done = threading.Event()
    hostile_ms: list[float] = []
    statuses: set[int] = set()

    def attack() -> None:
        with client(url, hostile, timeout=120) as c:
            busy.set()  # back to back: the others' figures count only while it runs
            for _ in range(requests):
                started = time.perf_counter()
                reply = c.post("/api/v1/events", content=body, headers={"Content-Type": media})
                hostile_ms.append((time.perf_counter() - started) * 1000)
                statuses.add(reply.status_code)
            busy.clear()
        done.set()

    def probe(path: str, post: bool, waits: list[float]) -> None:
        n = 0
        with client(url, honest, timeout=30) as c:
            while not done.is_set():
                started = time.perf_counter()
                if post:
                    n += 1
                    events = [{"id": f"honest-{n}-{i}", "type": "conversation.started",
                               "account": ACCOUNT, "at": now_ms(), "conversation": f"h{n}-{i}",
                               "channel": "ch-1"} for i in range(100)]
                    c.post(path, json=events).raise_for_status()
                else:
                    c.get(path).raise_for_status()
                if busy.is_set():
                    waits.append((time.perf_counter() - started) * 1000)
                time.sleep(0.005)

    healthz: list[float] = []
    other: list[float] = []
    threads = [threading.Thread(target=attack),
               threading.Thread(target=probe, args=("/healthz", False, healthz)),
               threading.Thread(target=probe, args=("/api/v1/events", True, other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    healthz = healthz or [0.0]
    other = other or [0.0]
    return {"requests": requests, "status": sorted(statuses)[0] if len(statuses) == 1
            else sorted(statuses), "hostile_ms_p50": round(percentile(hostile_ms, 50)),
            "healthz": len(healthz), "healthz_p50_ms": round(percentile(healthz, 50), 1),
            "healthz_p99_ms": round(percentile(healthz, 99), 1),
            "healthz_max_ms": round(max(healthz), 1), "other": len(other),
            "other_p50_ms": round(percentile(other, 50), 1),
            "other_p99_ms": round(percentile(other, 99), 1)}


def _idle_connections(root: Path, cap: int) -> dict[str, Any]:
    import resource
    import select

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, cap + 1024)), hard))
    data = root / "idle"
    create_account(data, "idle")
    head_timeout = 3
    server = Server(data, "idle", "--max-connections", str(cap), "--head-timeout",
                    str(head_timeout)).start()
    per_address = 256  # the default --max-client-connections
    socks: list[socket.socket] = []
    try:
        opened = time.perf_counter()
        for i in range(cap + 10):  # ten more than the cap, from as many addresses as needed
            socks.append(socket.create_connection(
                (HOST, server.port), timeout=5, source_address=(f"127.0.0.{1 + i // 250}", 0)))
        time.sleep(0.5)
        poll = select.poll()  # (select() stops at descriptor 1024)
        for sock in socks:
            poll.register(sock, select.POLLIN)
        ready = {fd for fd, _ in poll.poll(0)}  # refused ones are answered at once
        answered = [s for s in socks if s.fileno() in ready]
        held = [s for s in socks if s.fileno() not in ready]
        statuses = sorted({int(s.recv(256).split(b" ", 2)[1]) for s in answered})
        for sock in held:  # each is answered 408 and closed by the head deadline
            sock.settimeout(head_timeout + 10)
            with contextlib.suppress(OSError):
                while sock.recv(65536):
                    pass
        released = time.perf_counter() - opened
    finally:
        for sock in socks:
            sock.close()
        server.stop()
    return {"held": len(held), "refused": len(answered), "refused_status": statuses,
            "per_address": per_address, "addresses": 1 + (cap + 9) // 250,
            "released_s": round(released, 1), "head_timeout_s": head_timeout, "cap": cap}


# --- main ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    sizes = SMALL if args.small else FULL
    events = args.events if args.events is not None else sizes.restart_events
    cpus = os.cpu_count() or 0
    figures: dict[str, Any] = {"small": args.small, "seed": args.seed, "cpus": cpus}
    say(f"{cpus} CPUs; the load generator runs on this machine and competes with the server "
        "for them; loopback only (127.0.0.1)")
    lines, shift_days, seconds = the_day(args.seed, max(events, sizes.ingest_events))
    day = (BENCH_DAY + timedelta(days=shift_days)).isoformat()
    figures.update(day=day, generated=len(lines))
    say(f"bench day: {len(lines):,} events on {day} ({TIMEZONE}) generated in {seconds:.1f} s"
        + (f", moved by {shift_days} days" if shift_days else ""))
    with tempfile.TemporaryDirectory(prefix="wallboard-bench-") as tmp:
        try:
            figures.update(_steps(Path(tmp), args, sizes, lines, shift_days, events, say))
        finally:
            Server.stop_all()  # before the data directories go away
    figures["targets"] = {
        "ingest_eps_batch_1000": TARGET_INGEST_EPS, "push_p99_ms": TARGET_PUSH_P99_MS,
        "snapshot_p99_ms": TARGET_SNAPSHOT_P99_MS, "restart_s": TARGET_RESTART_S,
        "series_ms": TARGET_SERIES_MS, "hostile_p99_ms": TARGET_HOSTILE_P99_MS}
    return figures


def _steps(root: Path, args: argparse.Namespace, sizes: Sizes, lines: list[bytes],
           shift_days: int, events: int, say: Callable[[str], None]) -> dict[str, Any]:
    day = (BENCH_DAY + timedelta(days=shift_days)).isoformat()
    figures: dict[str, Any] = {}
    figures["startup_empty_s"] = round(bench_startup(root), 3)
    say(f"launch to ready on an empty data dir: {figures['startup_empty_s']:.2f} s")

    say(f"1. ingest over HTTP, committed before the reply, "
        f"{sizes.ingest_events:,} events per batch size:")
    figures["ingest"] = bench_ingest(root, lines[:sizes.ingest_events], say)

    say(f"2. push latency at 2,000 events/s for {sizes.push_seconds:g} s:")
    figures["push"] = bench_push(root, sizes, say)

    say(f"3. snapshot GET, 100 rows and {sizes.open_conversations:,} open conversations:")
    figures["snapshot"] = bench_snapshot(root, sizes, args.seed, say)

    say(f"4. restart to ready with {events:,} events in the log:")
    restart, data = bench_restart(root, lines[:events], args.fill, sizes, day, say)
    figures["restart"] = restart

    say("5. peer baseline: SQL over the same stored events (step 4's log):")
    day_start = DAY_START_MS + shift_days * DAY_MS
    # The slower of the live snapshot and the day's snapshot: the SQL gets the benefit.
    engine_ms = max(restart["engine_get_p50_ms"], restart["engine_get_day_p50_ms"])
    figures["peer"] = bench_peer(root, data, day_start, sizes.sql_runs, engine_ms, say)

    say("6. hostile clients:")
    figures["hostile"] = bench_hostile(root, sizes, say)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=None,
                        help="events in the log for the restart step (default 1,000,000; "
                             "20,000 with --small)")
    parser.add_argument("--small", action="store_true",
                        help="every step at a tiny size (CI): well under a minute")
    parser.add_argument("--fill", choices=("http", "store"), default="http",
                        help="how step 4 fills the log: POST through the service (default) or "
                             "Store.append from this script")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    say: Callable[[str], None] = (lambda _: None) if args.json else print
    started = time.perf_counter()
    try:
        figures = run(args, say)
    finally:
        Server.stop_all()
    figures["total_s"] = round(time.perf_counter() - started, 1)
    say(f"done in {figures['total_s']} s")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
