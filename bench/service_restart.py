"""Service benchmark, step 4: restart to ready on a large log, after SIGKILL and after SIGTERM.

4. Restart to ready: a data directory with 1,000,000 events (POSTed through the service in
   batches of 5,000, or with ``--fill store`` written with ``Store.append``); the time from
   starting ``wallboard serve`` to ``/readyz`` answering 200, after SIGKILL (no final
   checkpoint: the log since the last periodic checkpoint, if any, is replayed) and after
   SIGTERM (the service checkpoints on shutdown).

Also on the restarted service: GETs of the live snapshot, of the bench day's snapshot and of
one channel's series for that day, and what the store keeps of the day.

    python bench/service_restart.py --small
    python bench/service_restart.py --events 200000 --fill store
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from engine import ACCOUNT
from service_common import (
    TARGET_RESTART_S,
    TARGET_SERIES_MS,
    BenchDay,
    BenchServer,
    Say,
    Sizes,
    arguments,
    client,
    create_account,
    ingest,
    json_bodies,
    now_ms,
    percentile,
    prepare_day,
    restart_events,
    run_bench,
    time_gets,
)
from wallboard.events import decode_event
from wallboard.store import open_store
from wallboard.store.sqlite import DB_NAME


class Restarted(NamedTuple):
    figures: dict[str, Any]
    data: Path  # the data directory, its log full of the bench day


class LogState(NamedTuple):
    logged: int  # events in the log
    checkpoint_seq: int  # 0 without a checkpoint
    tail: int  # events after the checkpoint: what a start replays
    checkpoint_bytes: int


def _comparable(body: bytes) -> Any:
    snapshot = msgspec.json.decode(body)
    snapshot.pop("as_of", None)
    return snapshot


def fill_by_store(data: Path, lines: list[bytes]) -> float:
    """Write the events with ``Store.append`` in chunks of 10,000, as the writer would."""
    started = time.perf_counter()
    store = open_store(data)
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


def _log_state(data: Path) -> LogState:
    db = sqlite3.connect(data / DB_NAME)
    try:
        logged = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        row = db.execute("SELECT seq, length(state) FROM checkpoints WHERE account = ?",
                         (ACCOUNT,)).fetchone()
        seq, size = (int(row[0]), int(row[1])) if row else (0, 0)
        tail = db.execute("SELECT COUNT(*) FROM events WHERE seq > ?", (seq,)).fetchone()[0]
    finally:
        db.close()
    return LogState(int(logged), seq, int(tail), size)


def bench_restart(root: Path, lines: list[bytes], fill: str, sizes: Sizes, day: str,
                  say: Say) -> Restarted:
    data = root / "restart"
    ingest_secret, view_secret = create_account(data, ACCOUNT)
    figures: dict[str, Any] = {"events": len(lines), "fill": fill}
    day_path = f"/api/v1/accounts/{ACCOUNT}/snapshot?date={day}"
    before: Any = None
    if fill == "http":
        filler = BenchServer(data, "fill").start()
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

    at_kill = _log_state(data)
    replay = ("the whole log" if at_kill.checkpoint_seq == 0 else
              f"{at_kill.tail:,} events after the checkpoint at {at_kill.checkpoint_seq:,}")
    after_kill = BenchServer(data, "after-kill")
    after_kill.spawn()
    figures["after_sigkill_s"] = round(after_kill.wait_ready(), 3)
    figures.update(logged=at_kill.logged, replayed_after_sigkill=at_kill.tail,
                   checkpoint_seq_at_kill=at_kill.checkpoint_seq)
    with client(after_kill.url, view_secret) as c:
        recovered = _comparable(c.get(day_path).content)
    if before is None:
        before = recovered
    stopping = time.perf_counter()
    after_kill.stop()
    shutdown_s = time.perf_counter() - stopping
    checkpoint_bytes = _log_state(data).checkpoint_bytes
    figures.update(sigterm_shutdown_s=round(shutdown_s, 3), checkpoint_bytes=checkpoint_bytes)

    after_term = BenchServer(data, "after-term")
    after_term.spawn()
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
    say(f"  {at_kill.logged:,} events in the log "
        f"({(data / DB_NAME).stat().st_size / 2**20:,.0f} MiB)")
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
    return Restarted(figures, data)


def step(root: Path, sizes: Sizes, day: BenchDay, events: int, fill: str, say: Say
         ) -> Restarted:
    """Step 4 on the first ``events`` of ``day``."""
    say(f"4. restart to ready with {events:,} events in the log:")
    return bench_restart(root, day.lines[:events], fill, sizes, day.date, say)


def main() -> None:
    args = arguments(__doc__, events=True, fill=True, seed=True)

    def steps(root: Path, sizes: Sizes, figures: dict[str, Any], say: Say) -> None:
        events = restart_events(args, sizes)
        day = prepare_day(args.seed, events, figures, say)
        figures["restart"] = step(root, sizes, day, events, args.fill, say).figures

    run_bench(args, steps)


if __name__ == "__main__":
    main()
