"""Service benchmark, step 5: the peer baseline, SQL over the events step 4 stored.

5. Peer baseline: what a poll-and-query report would pay for (a subset of) the same figures
   with SQL over the stored events. The log's ``body`` column is msgpack, so the events are
   first copied (untimed) into a plain indexed table ``plain(account, conversation, type, at,
   channel, grp)``; then three queries are timed together: conversations started in the day
   per channel, conversations ended (closed or visitor left) in the day per channel split by
   "was ever assigned" (an outcome proxy), and conversations waiting now per channel (started,
   never assigned, not ended). They ignore most of the contract (requeues, transfers, late
   events, excluded kinds, wait times, service level), so the real peer would cost more. The
   ratio is their time to the engine's snapshot GET (HTTP included) on the same events.

Run alone, it runs step 4 first: that step fills the log and times the engine's GETs.

    python bench/service_peer.py --small
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import service_restart
from engine import ACCOUNT
from service_common import (
    DAY_MS,
    BenchDay,
    Say,
    Sizes,
    arguments,
    percentile,
    prepare_day,
    restart_events,
    run_bench,
)
from wallboard.events import CONVERSATION_RANKS, LAST_CONVERSATION_RANK
from wallboard.store.log_format import event_of
from wallboard.store.sqlite import DB_NAME

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
               say: Say) -> dict[str, Any]:
    started = time.perf_counter()
    source = sqlite3.connect(data / DB_NAME)
    peer = sqlite3.connect(root / "peer.sqlite3", isolation_level=None)
    try:
        peer.executescript(PEER_SCHEMA)
        peer.execute("BEGIN")
        rows = []
        for account, body in source.execute("SELECT account, body FROM events ORDER BY seq"):
            at, rank, _, subject, a, b, _ = event_of(body)
            if rank > LAST_CONVERSATION_RANK:
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


def step(root: Path, restarted: service_restart.Restarted, day: BenchDay, sizes: Sizes,
         say: Say) -> dict[str, Any]:
    """Step 5 on the log step 4 left, against the engine's GETs step 4 timed."""
    say("5. peer baseline: SQL over the same stored events (step 4's log):")
    restart = restarted.figures
    # The slower of the live snapshot and the day's snapshot: the SQL gets the benefit.
    engine_ms = max(restart["engine_get_p50_ms"], restart["engine_get_day_p50_ms"])
    return bench_peer(root, restarted.data, day.start_ms, sizes.sql_runs, engine_ms, say)


def main() -> None:
    args = arguments(__doc__, events=True, fill=True, seed=True)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        events = restart_events(args, sizes)
        day = prepare_day(args.seed, events, figures, say)
        restarted = service_restart.step(root, sizes, day, events, args.fill, say)
        figures["restart"] = restarted.figures
        figures["peer"] = step(root, restarted, day, sizes, say)

    run_bench(args, steps)


if __name__ == "__main__":
    main()
