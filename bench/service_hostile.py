"""Service benchmark, step 6: hostile clients, and what the others see meanwhile.

6. Hostile clients: while one tenant POSTs bodies built to cost the most per byte (3.4 million
   ``{}`` in a 10 MiB JSON array, 500,000 NDJSON lines), a second tenant POSTs batches of 100
   events one after another and a third client asks ``/healthz`` every 5 ms; the latencies of
   both while a hostile request is in flight. Then idle connections that never send a request
   are opened from several loopback addresses (127.0.0.x) until the service refuses one: how
   many it held, and how soon ``--head-timeout`` let them go.

    python bench/service_hostile.py --small
"""

from __future__ import annotations

import contextlib
import json
import resource
import select
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from engine import ACCOUNT
from service_common import (
    HOST,
    TARGET_HOSTILE_P99_MS,
    BenchServer,
    Say,
    Sizes,
    arguments,
    client,
    config_events,
    create_account,
    now_ms,
    percentile,
    post_json,
    run_bench,
)


def _largest_accepted() -> bytes:
    """10,000 events of about 1 KiB each: the largest request the limits accept."""
    at = now_ms()
    return json.dumps([{"id": f"big-{i}", "type": "conversation.started", "account": "hostile",
                        "at": at, "conversation": f"big-{i}", "channel": "web",
                        "padding": "x" * 860} for i in range(10_000)]).encode()


class HostileBody(NamedTuple):
    name: str
    media_type: str
    make: Callable[[], bytes]  # built when its turn comes: they are large


HOSTILE_BODIES = (
    HostileBody("3.4 million {} in a JSON array", "application/json",
                lambda: b"[" + b",".join([b"{}"] * 3_400_000) + b"]"),
    HostileBody("500,000 NDJSON lines", "application/x-ndjson", lambda: b"{}\n" * 500_000),
    HostileBody("the largest accepted request", "application/json", _largest_accepted),
)


def bench_hostile(root: Path, sizes: Sizes, say: Say) -> dict[str, Any]:
    data = root / "hostile"
    hostile_secret, _ = create_account(data, "hostile")
    honest_secret, _ = create_account(data, ACCOUNT)
    server = BenchServer(data, "hostile").start()
    figures: dict[str, Any] = {}
    try:
        post_json(server.url, honest_secret, config_events(ACCOUNT, 5, 5, 50, now_ms()))
        for hostile in HOSTILE_BODIES:
            body = hostile.make()
            run = _during_hostile(server.url, hostile_secret, honest_secret, hostile.media_type,
                                  body, sizes.hostile_requests)
            figures[hostile.name] = run
            say(f"  while {hostile.name} ({len(body) / 2**20:.1f} MiB) is sent {run['requests']}"
                f" times, {run['hostile_ms_p50']} ms each (p50, answer {run['status']}):")
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
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, cap + 1024)), hard))
    data = root / "idle"
    create_account(data, "idle")
    head_timeout = 3
    server = BenchServer(data, "idle", "--max-connections", str(cap), "--head-timeout",
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


def step(root: Path, sizes: Sizes, say: Say) -> dict[str, Any]:
    say("6. hostile clients:")
    return bench_hostile(root, sizes, say)


def main() -> None:
    args = arguments(__doc__)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        figures["hostile"] = step(root, sizes, say)

    run_bench(args, steps)


if __name__ == "__main__":
    main()
