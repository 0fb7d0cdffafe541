"""The hub: one live engine per account, fed by a single writer that commits to the log first.

Flow of a POST: the handler decodes and validates, then ``Hub.ingest`` queues the batch. The
writer thread appends batches to the event log (one transaction for all that are waiting),
and hands the committed results back to the event loop, where one task applies the accepted
events to the account's engines in log order (a slice at a time, so that a large batch never
holds the loop for long), wakes the publisher and answers the request. So a reply
always means "committed", and the engine only ever sees what the log holds, in its order:
replaying the log (each event with the time it was received) rebuilds the engine exactly.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from ..engine import Account, build, encode
from ..engine.behind import days_of
from ..engine.calendar import ordinal_iso
from ..events import Event
from ..figures import Snapshot
from ..history import changed_row_days, restore_gauges
from ..store import (
    AccountConfig,
    Result,
    RetiredConversation,
    SavedDay,
    SavedSeries,
    Store,
    open_store,
)
from .advice import advise
from .alerts import AlertBook
from .at_risk import at_risk
from .config import Limits
from .explain import KEPT_SINCE_SETTING, in_memory_from
from .publisher import Feed, Publisher
from .queries import staffing_settings
from .roster import roster
from .thresholds import THRESHOLDS_SETTING, apply_sl_thresholds, load_thresholds
from .topics import HotTopics, hot_topics
from .trends import Trends, trends

__all__ = ["Busy", "Hub", "IngestResult", "LiveAccount"]

log = logging.getLogger("wallboard.hub")

# Events applied between two turns of the event loop: about 5 ms of engine work.
APPLY_SLICE = 1000

IngestResult = Result



class TrendsFeed(msgspec.Struct):
    """The stream's ``trends`` feed: surges and drops, and the hot topics."""

    trends: Trends
    hot_topics: HotTopics

class Busy(Exception):
    """The write queue is full: the client should retry later."""


class NotReady(Exception):
    """Still recovering the engines from the log."""


@dataclass
class LiveAccount:
    config: AccountConfig
    engine: Account
    publisher: Publisher
    alerts: AlertBook
    applied_seq: int = 0  # the engine holds every logged event up to this one
    written_days: dict[int, bytes] = field(default_factory=dict)  # history as last written
    # Intraday series as last written: a hash per (day, row key).
    written_series: dict[tuple[int, str], int] = field(default_factory=dict)
    checkpoint_at: float = field(default_factory=time.monotonic)
    checkpoint_seq: int = 0
    sampled: bool = False  # gauges sampled since the last checkpoint
    applying: bool = False  # a batch is half applied: no checkpoint until it is whole


@dataclass
class _Checkpoint:
    account: str
    seq: int
    state: bytes
    written_at: int
    days: list[SavedDay]  # the daily history that changed
    series: list[SavedSeries]  # the row-days of buckets that changed
    forget_before: str  # retention: history days before this one go
    forget_alerts_before: int  # ... and alerts fired (deliveries made) before this instant
    retired: list[RetiredConversation]  # conversations that left memory, under their days
    drained: list[tuple[str, bytes]]  # the same as the engine gave them (put back if not sent)


@dataclass
class _Batch:
    account: str
    events: list[Event]
    future: asyncio.Future[list[IngestResult]]
    received_at: int = 0
    results: list[IngestResult] = field(default_factory=list)
    last_seq: int = 0


class Hub:
    """The live engines of every account and the single writer of the store."""

    def __init__(self, data_dir: Path | str, limits: Limits | None = None,
                 clock: Callable[[], int] | None = None, backend: str = "sqlite") -> None:
        self.place = data_dir  # a directory, or a connection string (store.BACKENDS)
        self.backend = backend
        self.limits = limits or Limits()
        self.clock = clock or (lambda: time.time_ns() // 1_000_000)
        self.store = self.open_store()  # the event loop's connection: reads and auth
        self.accounts: dict[str, LiveAccount] = {}
        self.ready = False
        # Batches and checkpoints for the writer; None asks it to stop.
        self._queue: queue.Queue[_Batch | _Checkpoint | None] = queue.Queue(
            self.limits.write_queue)
        self._recovery: asyncio.Task[None] | None = None
        self._committed: asyncio.Queue[list[_Batch]] = asyncio.Queue()
        self._applier: asyncio.Task[None] | None = None
        self._writer: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def open_store(self) -> Store:
        """A connection of its own (one per thread that needs one)."""
        return open_store(self.place, self.backend)

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving at once; the engines recover in the background (``ready`` after)."""
        self._loop = asyncio.get_running_loop()
        self._recovery = self._loop.create_task(self._recover_then_serve())

    async def _recover_then_serve(self) -> None:
        await asyncio.to_thread(self._recover)
        for live in self.accounts.values():
            live.publisher.start()
        self._applier = asyncio.get_running_loop().create_task(self._apply_committed())
        self._writer = threading.Thread(target=self._write_loop, name="wallboard-writer",
                                        daemon=True)
        self._writer.start()
        self.ready = True

    async def stop(self) -> None:
        """Stop writing, then checkpoint every engine (a clean restart replays nothing)."""
        was_ready, self.ready = self.ready, False
        if self._recovery is not None and not self._recovery.done():
            await asyncio.wait([self._recovery])  # a thread cannot be interrupted: let it end
        if self._writer is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._writer.join)
        if self._applier is not None:
            await self._committed.join()  # what the log holds, the engines hold
            self._applier.cancel()
        for live in self.accounts.values():
            await live.publisher.stop()
            if was_ready or self._writer is not None:
                self._save(self.store, self._checkpoint_of(live))
        self.store.close()

    def _recover(self) -> None:
        """Engines from their checkpoints plus the log written after them."""
        started = time.monotonic()
        store = self.open_store()
        try:
            for config in store.accounts():
                self._catch_up(self._live(config, store), store)
        finally:
            store.close()
        log.info("recovered %d accounts in %.2f s", len(self.accounts),
                 time.monotonic() - started)

    def _catch_up(self, live: LiveAccount, store: Store) -> LiveAccount:
        """Apply the log written after the engine's state, each event at its receive time;
        then take back the gauge samples the store has kept and the engine lacks."""
        engine = live.engine
        for entry in store.read(live.config.id, live.applied_seq):
            engine.apply(entry.event, entry.received_at)
            live.applied_seq = entry.seq
        restore_gauges(live.engine, store, self.clock())
        return live

    def _live(self, config: AccountConfig, store: Store) -> LiveAccount:
        engine, seq = None, 0
        saved = store.load_checkpoint(config.id)
        if saved is not None:
            try:
                engine, seq = Account.loads(saved.state), saved.seq
            except Exception:  # an older program's checkpoint: the log still has everything
                log.warning("checkpoint of %s unreadable; replaying its whole log", config.id)
        if engine is None:
            engine = Account(config.id, config.timezone, config.sl_threshold_s,
                             config.default_max_chats)
        if engine.retired is None:  # new, or from before conversations were kept
            fresh = seq == 0  # the whole log is to be replayed
            self._keep_retired(engine, config, store, fresh)
        # Before the log is replayed: rows count by their own service-level thresholds from
        # their first event (a checkpoint holds them already: nothing to count again).
        apply_sl_thresholds(engine, load_thresholds(store.setting(config.id,
                                                                  THRESHOLDS_SETTING)))
        alerts = AlertBook(config.id, engine, self.store, store)
        clock = self.clock
        store = self.store  # the feeds read on the event loop, through its connection

        def staffing() -> bytes:
            return msgspec.json.encode(advise(engine, staffing_settings(store, config.id),
                                              clock()))

        def now_against_normal() -> bytes:
            now = clock()
            return msgspec.json.encode(TrendsFeed(trends(config.id, engine, store, now),
                                                  hot_topics(config.id, engine, store, now)))

        feeds: dict[Feed, Callable[[], bytes]] = {
            "snapshot": lambda: encode(build(engine, clock())),
            "operators": lambda: msgspec.json.encode(roster(engine, None, clock())),
            "staffing": staffing,
            "trends": now_against_normal,
            "at_risk": lambda: msgspec.json.encode(at_risk(engine, clock())),
            "alerts": lambda: msgspec.json.encode(alerts.open_alerts())}
        live = LiveAccount(config, engine, Publisher(feeds, self.limits),
                           alerts, seq, checkpoint_seq=seq)
        self.accounts[config.id] = live
        return live

    def _keep_retired(self, engine: Account, config: AccountConfig, store: Store,
                      fresh: bool) -> None:
        """From now on the conversations leaving the engine's memory are kept in the store;
        note the first day whose conversations are therefore all kept: for an engine built
        from the whole log, the day the log began (earlier days may hold history imported
        without events); for one from an older checkpoint, the first day still in memory."""
        engine.retired = []
        if store.setting(config.id, KEPT_SINCE_SETTING) is not None:
            return
        now = self.clock()
        if fresh:
            first = next(iter(store.read(config.id)), None)
            since = engine.calendar.day_of(now if first is None else first.received_at)
        else:
            since = in_memory_from(engine, now)
        store.save_setting(config.id, KEPT_SINCE_SETTING, ordinal_iso(since).encode())

    def retired(self, account_id: str, day: str) -> list[tuple[str, bytes]]:
        """The conversations of ``day`` kept in the store (call it off the event loop: it
        opens a connection of its own)."""
        store = self.open_store()
        try:
            return store.retired(account_id, day)
        finally:
            store.close()

    def end_streams(self) -> None:
        """End every open stream (the service is stopping)."""
        for live in self.accounts.values():
            live.publisher.end_streams()

    def account(self, account_id: str) -> LiveAccount | None:
        """The live account, loading one created (by the CLI) since the service started."""
        live = self.accounts.get(account_id)
        if live is None:
            config = self.store.account(account_id)
            if config is not None:
                live = self._catch_up(self._live(config, self.store), self.store)
                if self.ready:
                    live.publisher.start()
        return live

    # -- ingest -------------------------------------------------------------------------------

    def queue_depth(self) -> int:
        return self._queue.qsize()

    async def ingest(self, account_id: str, events: list[Event]) -> list[IngestResult]:
        """Commit the events to the log, apply them, and say what became of each."""
        if not self.ready or self._loop is None:
            raise NotReady
        future: asyncio.Future[list[IngestResult]] = self._loop.create_future()
        try:
            self._queue.put_nowait(_Batch(account_id, events, future))
        except queue.Full:
            raise Busy from None
        return await future

    def _write_loop(self) -> None:
        store = self.open_store()
        try:
            item = self._queue.get()
            while item is not None:
                if isinstance(item, _Checkpoint):
                    self._save(store, item)
                    item = self._queue.get()
                    continue
                # Group commit: every batch already waiting goes into the same transaction;
                # a checkpoint or a stop waits for it.
                batches, after = [item], None
                while len(batches) < 256:
                    try:
                        waiting = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if isinstance(waiting, _Batch):
                        batches.append(waiting)
                    else:
                        after = (waiting,)
                        break
                self._commit(store, batches)
                item = after[0] if after is not None else self._queue.get()
        finally:
            store.close()

    def _commit(self, store: Store, batches: list[_Batch]) -> None:
        assert self._loop is not None
        received_at = self.clock()
        try:
            with store.transaction():
                for batch in batches:
                    batch.received_at = received_at
                    batch.results, batch.last_seq = store.append_in_transaction(
                        batch.account, batch.events, received_at)
        except Exception as exc:
            log.exception("commit failed")
            for batch in batches:
                self._loop.call_soon_threadsafe(_fail, batch.future, exc)
            return
        self._loop.call_soon_threadsafe(self._committed.put_nowait, batches)

    async def _apply_committed(self) -> None:
        """On the event loop: committed batches go into the engines, in log order."""
        while True:
            batches = await self._committed.get()
            for batch in batches:
                try:
                    await self._apply(batch)
                except Exception as exc:  # a bug: say so, and let the request fail with it
                    log.exception("applying a committed batch of %s failed", batch.account)
                    _fail(batch.future, exc)
            self._committed.task_done()

    async def _apply(self, batch: _Batch) -> None:
        live = self.accounts.get(batch.account)
        if live is None:
            # An account created (by the CLI) since the start: loading it replays its whole
            # log, this batch included, so there is nothing more to apply.
            live = self.account(batch.account)
            if live is not None:
                live.publisher.changed()
        else:
            engine, received_at = live.engine, batch.received_at
            live.applying = True
            try:
                for start in range(0, len(batch.events), APPLY_SLICE):
                    if start:
                        await asyncio.sleep(0)  # the loop's other work goes on between slices
                    end = start + APPLY_SLICE
                    for ev, result in zip(batch.events[start:end], batch.results[start:end],
                                          strict=True):
                        if result == "accepted":
                            engine.apply(ev, received_at)
            finally:
                live.applying = False
            if batch.last_seq:
                live.applied_seq = batch.last_seq
            live.publisher.changed()
        if not batch.future.done():
            batch.future.set_result(batch.results)

    # -- reads --------------------------------------------------------------------------------

    def sample_gauges(self) -> None:
        """Record every account's gauges now in its intraday series."""
        now = self.clock()
        for live in self.accounts.values():
            live.engine.sample_gauges(now)
            live.sampled = True

    def watch_alerts(self) -> bool:
        """Step every account's alert rules now; True when an alert fired or resolved."""
        now, moved = self.clock(), False
        for live in self.accounts.values():
            if live.alerts.tick(now):
                live.publisher.alerts_changed()
                moved = True
        return moved

    def checkpoint_due(self, live: LiveAccount) -> bool:
        if live.applying:
            return False
        behind = live.applied_seq - live.checkpoint_seq
        if behind <= 0 and not live.sampled:
            return False  # nothing new: no events, no gauge samples
        return (behind >= self.limits.checkpoint_events
                or time.monotonic() - live.checkpoint_at >= self.limits.checkpoint_interval_s)

    def _checkpoint_of(self, live: LiveAccount) -> _Checkpoint:
        """The engine's state, the log position it holds and the days whose counters changed.

        Built on the event loop, where the engine is consistent: pickling takes about 0.1 s
        for a million-event day. Writing it is the writer's job, off the loop. A day counts as
        changed when its counters differ from what was last written: comparing the few days
        in memory here costs nothing per event.
        """
        engine, now = live.engine, self.clock()
        today = engine.calendar.day_of(now)
        days = []
        for day in range(engine.first_day_held(now), today + 1):
            # A past day is stamped with its own last instant, so unchanged means identical.
            as_of = now if day == today else engine.calendar.day_start(day + 1) - 1
            built = build(engine, as_of, day, gauges=False)
            if not _has_counts(built) and day not in live.written_days:
                continue  # a quiet day (or one before the account's first event)
            snapshot = encode(built)
            if live.written_days.get(day) != snapshot:
                live.written_days[day] = snapshot
                days.append(SavedDay(ordinal_iso(day), snapshot))
        for day in [d for d in live.written_days if d < today - self.limits.history_days]:
            del live.written_days[day]
        drained, engine.retired = engine.retired or [], []
        retired = [RetiredConversation(ordinal_iso(day), cid, packed)
                   for cid, packed in drained for day in days_of(engine, packed)]
        series = changed_row_days(engine, now, live.written_series)
        held = engine.first_day_held(now)
        for key in [k for k in live.written_series if k[0] < held]:
            del live.written_series[key]  # the engine no longer holds the day: final
        return _Checkpoint(live.config.id, live.applied_seq, engine.dumps(), now, days, series,
                           ordinal_iso(today - self.limits.history_days),
                           now - self.limits.history_days * 86_400_000, retired, drained)

    @staticmethod
    def _save(store: Store, item: _Checkpoint) -> None:
        with store.transaction():
            store.save_checkpoint(item.account, item.seq, item.state, item.written_at)
            store.save_days(item.account, item.days, item.written_at)
            store.save_series(item.account, item.series, item.written_at)
            store.save_retired(item.account, item.retired)
            store.forget_sessions_before(item.written_at)  # expired sessions, spent links
            store.forget_days_before(item.account, item.forget_before)
            store.forget_alerts_before(item.account, item.forget_alerts_before)

    def checkpoint(self, live: LiveAccount) -> bool:
        """Hand a checkpoint (and the changed daily history) to the writer to save."""
        if not self.ready:
            return False
        written, written_series = dict(live.written_days), dict(live.written_series)
        item = self._checkpoint_of(live)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            # Busy: these days (and conversations) go with the next one.
            live.written_days, live.written_series = written, written_series
            live.engine.retired = item.drained + (live.engine.retired or [])
            return False
        live.checkpoint_seq = live.applied_seq
        live.checkpoint_at = time.monotonic()
        live.sampled = False
        return True


def _has_counts(snapshot: Snapshot) -> bool:
    rows: list[Any] = [snapshot.total, *snapshot.channels, *snapshot.groups]
    return any(r.arrived or r.served or r.unserved.total or r.wait_samples for r in rows) or \
        bool(snapshot.total.topics)


def _fail(future: asyncio.Future[list[IngestResult]], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
