"""Service benchmark, step 1: ingest throughput over HTTP (and launch to ready, empty).

1. Ingest: the bench day (``bench/engine.py``'s ``generate``) POSTed as JSON arrays of 100
   and of 1,000 events over 4 keep-alive connections; a reply means the events are committed
   to the event log (SQLite WAL, ``synchronous=NORMAL``: a commit survives the process being
   killed, not a power cut). Events/s = events sent / wall time.

Before it, the time from launching ``wallboard serve`` on an empty data directory to
``/readyz`` answering 200: the fixed cost in every restart figure of step 4.

    python bench/service_ingest.py --small
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from engine import ACCOUNT
from service_common import (
    TARGET_INGEST_EPS,
    BenchDay,
    BenchServer,
    Say,
    Sizes,
    arguments,
    create_account,
    ingest,
    json_bodies,
    prepare_day,
    run_bench,
)
from wallboard.store import open_store


def bench_startup(root: Path) -> float:
    """Launch to ready on an empty data directory: the fixed cost in every restart figure."""
    data = root / "empty"
    open_store(data).close()
    server = BenchServer(data, "empty")
    server.spawn()
    try:
        return server.wait_ready()
    finally:
        server.stop()


def bench_ingest(root: Path, lines: list[bytes], say: Say) -> dict[str, Any]:
    figures: dict[str, Any] = {"events": len(lines), "connections": 4}
    for batch in (100, 1000):
        data = root / f"ingest-{batch}"
        secret, _ = create_account(data, ACCOUNT)
        bodies = json_bodies(lines, batch)
        server = BenchServer(data, f"ingest-{batch}").start()
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


def startup(root: Path, say: Say) -> float:
    """``bench_startup``, announced; the seconds, rounded as reported."""
    seconds = round(bench_startup(root), 3)
    say(f"launch to ready on an empty data dir: {seconds:.2f} s")
    return seconds


def step(root: Path, sizes: Sizes, day: BenchDay, say: Say) -> dict[str, Any]:
    """Step 1 on the first events of ``day``."""
    say(f"1. ingest over HTTP, committed before the reply, "
        f"{sizes.ingest_events:,} events per batch size:")
    return bench_ingest(root, day.lines[:sizes.ingest_events], say)


def main() -> None:
    args = arguments(__doc__, seed=True)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        day = prepare_day(args.seed, sizes.ingest_events, figures, say)
        figures["startup_empty_s"] = startup(root, say)
        figures["ingest"] = step(root, sizes, day, say)

    run_bench(args, steps)


if __name__ == "__main__":
    main()
