"""Service benchmark, step 7: the operator list and the staffing advice of a large account.

7. An account with 50 groups of 10 operators each (500, all available, 4 chats each), 1,500
   conversations in work (3 an operator, an operator message in each) and 500 waiting, all
   started within the last 30 minutes; sequential GETs of ``/operators`` and of
   ``/staffing`` (51 rows: the total and every group, each one's needs found by the Erlang A
   model, and the moves), timed by the client (the loopback round trip included).

The conversations start "today": run it away from local midnight in Moscow.

    python bench/service_people.py --small
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import msgspec

from service_common import (
    TARGET_OPERATORS_P99_MS,
    TARGET_STAFFING_P99_MS,
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

GROUPS = 50
OPERATORS = 500
HELD = 3  # conversations in work per operator
WAITING = 500


def conversations(account: str, seed: int) -> list[dict[str, Any]]:
    """Conversations of the last 30 minutes: ``HELD`` in work per operator, ``WAITING`` waiting;
    half an hour earlier, as many served ones (for the handle times)."""
    rng = random.Random(seed)
    now = now_ms()
    out: list[dict[str, Any]] = []

    def add(event_type: str, cid: str, at: int, **fields: Any) -> None:
        out.append({"id": f"{cid}.{len(out)}", "type": event_type, "account": account,
                    "at": at, "conversation": cid, **fields})

    for k in range(OPERATORS * HELD + WAITING):
        cid, op = f"pc{k}", k % OPERATORS
        channel, start = f"ch{op % GROUPS:02d}", now - rng.randrange(1_800_000)
        add("conversation.started", cid, start, channel=channel, group=f"g{op % GROUPS:02d}")
        add("message.visitor", cid, start)
        if k < OPERATORS * HELD:
            add("conversation.assigned", cid, start + 1_000, operator=f"op{op:03d}")
            add("message.operator", cid, start + 2_000)
        done, earlier = f"pd{k}", start - 1_800_000
        add("conversation.started", done, earlier, channel=channel, group=f"g{op % GROUPS:02d}")
        add("message.visitor", done, earlier)
        add("conversation.assigned", done, earlier + 5_000, operator=f"op{op:03d}")
        add("message.operator", done, earlier + 6_000)
        add("conversation.closed", done, earlier + rng.randrange(60_000, 900_000), by="operator")
    return out


def step(root: Path, sizes: Sizes, seed: int, say: Say) -> dict[str, Any]:
    say(f"7. operators and staffing, {OPERATORS} operators in {GROUPS} groups:")
    account = "people"
    data = root / "people"
    ingest_secret, view_secret = create_account(data, account)
    server = BenchServer(data, "people").start()
    figures: dict[str, Any] = {}
    try:
        post_json(server.url, ingest_secret,
                  config_events(account, GROUPS, GROUPS, OPERATORS, now_ms() - 3_600_000))
        post_json(server.url, ingest_secret, conversations(account, seed))
        for name, path, target in (
                ("operators", f"/api/v1/accounts/{account}/operators", TARGET_OPERATORS_P99_MS),
                ("staffing", f"/api/v1/accounts/{account}/staffing", TARGET_STAFFING_P99_MS)):
            times, body = time_gets(server.url, view_secret, path, sizes.snapshot_gets)
            decoded = msgspec.json.decode(body)
            count = len(decoded["operators"] if name == "operators" else decoded["rows"])
            figures[name] = {"count": count, "bytes": len(body), "gets": len(times),
                             "p50_ms": round(percentile(times, 50), 3),
                             "p99_ms": round(percentile(times, 99), 3),
                             "max_ms": round(max(times), 3)}
            f = figures[name]
            say(f"  GET {name}: {count} entries, {len(body):,} bytes: p50 {f['p50_ms']:.2f} ms, "
                f"p99 {f['p99_ms']:.2f} ms, max {f['max_ms']:.2f} ms over {len(times)} "
                f"sequential GETs   (target p99 <= {target:.0f} ms)")
        staffing = msgspec.json.decode(body)
        ok = sum(r["status"] == "ok" for r in staffing["rows"])
        say(f"  staffing: {ok} of {len(staffing['rows'])} rows modelled, "
            f"{len(staffing['suggestions'])} suggestions")
    finally:
        server.stop()
    return figures


def main() -> None:
    args = arguments(__doc__, seed=True)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        figures["people"] = step(root, sizes, args.seed, say)

    run_bench(args, steps)


if __name__ == "__main__":
    main()
