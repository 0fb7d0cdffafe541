"""Service benchmark, step 3: sequential snapshot GETs on a large account.

3. Snapshot GET: an account with 50 channels, 50 groups and 10,000 open conversations (half
   waiting, half assigned); sequential GETs of the snapshot, timed by the client (the HTTP
   round trip on loopback is included).

The conversations start "today": run it away from local midnight in Moscow.

    python bench/service_snapshot.py --small
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from engine import TIMEZONE
from service_common import (
    TARGET_SNAPSHOT_P99_MS,
    BenchServer,
    Say,
    Sizes,
    arguments,
    config_events,
    create_account,
    now_ms,
    percentile,
    post_json,
    run_bench,
    time_gets,
)
from wallboard.zones import load_zone


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


def bench_snapshot(root: Path, sizes: Sizes, seed: int, say: Say) -> dict[str, Any]:
    account = "snap"
    data = root / "snapshot"
    ingest_secret, view_secret = create_account(data, account)
    server = BenchServer(data, "snapshot").start()
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


def step(root: Path, sizes: Sizes, seed: int, say: Say) -> dict[str, Any]:
    say(f"3. snapshot GET, 100 rows and {sizes.open_conversations:,} open conversations:")
    return bench_snapshot(root, sizes, seed, say)


def main() -> None:
    args = arguments(__doc__, seed=True)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        figures["snapshot"] = step(root, sizes, args.seed, say)

    run_bench(args, steps)


if __name__ == "__main__":
    main()
