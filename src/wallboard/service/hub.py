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

import msgspec

from ..engine import Account, build, encode
from ..events import Event
from ..history import restore_gauges
from ..store import (
    AccountConfig,
    Result,
    Store,
    open_store,
)
from ..store.faults import StorageFault, fault_of, still_full
from .advice import advise
from .alerts import AlertBook
from .at_risk import at_risk
from .config import Limits
from .loading import load_engine
from .publisher import Feed, Publisher
from .queries import staffing_settings
from .roster import roster
from .storage_health import StorageHealth, StorageUnavailable
from .topics import HotTopics, hot_topics
from .trends import Trends, trends
from .written import Checkpoint, Written, checkpoint_of, save, undo

__all__ = ["Busy", "Hub", "IngestResult", "LiveAccount"]

log = logging.getLogger("wallboard.hub")

# Events applied between two turns of the event loop: about 5 ms of engine work.
APPLY_SLICE = 1000
RECOVERY_RETRY_S = 2.0  # a recovery stopped by a storage fault tries again after this

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
    written: Written = field(default_factory=Written)  # its history as last written
    checkpoint_at: float = field(default_factory=time.monotonic)
    checkpoint_seq: int = 0
    sampled: bool = False  # gauges sampled since the last checkpoint
    applying: bool = False  # a batch is half applied: no checkpoint until it is whole
    # A checkpoint is with the writer: no other until it is written or undone (undoing one
    # restores what was written before it, which must not be another's).
    saving: bool = False


class _Probe:
    """Asks the writer whether a write works again (a storage fault may be over)."""


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
        # Batches, checkpoints and probes for the writer; None asks it to stop.
        self._queue: queue.Queue[_Batch | Checkpoint | _Probe | None] = queue.Queue(
            self.limits.write_queue)
        self.health = StorageHealth()
        self.unreadable_checkpoints = 0  # found at load: those accounts replayed their log
        self._probing = False  # a probe is in the queue
        self._stopping = False
        # The writer's own view of the storage (only its thread touches it): while a write
        # has failed and no probe has worked since, batches are refused without waiting on
        # the storage again (a lock would hold each group of them for the busy timeout).
        self._writer_fault: StorageFault | None = None
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
        while True:  # a storage fault met while recovering: again once it may be over
            try:
                await asyncio.to_thread(self._recover)
                break
            except Exception as exc:
                fault = fault_of(exc, self.place)
                if fault is None:
                    raise
                self.health.failed(fault)
                self.accounts.clear()
                if self._stopping:
                    return  # nothing recovered: nothing to serve or to checkpoint
                await asyncio.sleep(RECOVERY_RETRY_S)
        self.health.recovered()
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
        self._stopping = True
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
                try:
                    save(self.store, self._checkpoint_of(live))
                except Exception as exc:  # the log holds everything: the next start replays
                    fault = fault_of(exc, self.place)
                    log.error("the last checkpoint of %s was not saved: %s", live.config.id,
                              fault.message if fault else exc)
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
        def log_began() -> int | None:
            first = next(iter(store.read(config.id)), None)
            return None if first is None else first.received_at

        loaded = load_engine(config, store, self.clock(), log_began)
        engine, seq = loaded.engine, loaded.seq
        self.unreadable_checkpoints += loaded.unreadable
        alerts = AlertBook(config.id, engine, self.store, store)
        clock = self.clock
        reads = self.store  # the feeds read on the event loop, through its connection

        def staffing() -> bytes:
            return msgspec.json.encode(advise(engine, staffing_settings(reads, config.id),
                                              clock()))

        def now_against_normal() -> bytes:
            now = clock()
            return msgspec.json.encode(TrendsFeed(trends(config.id, engine, reads, now),
                                                  hot_topics(config.id, engine, reads, now)))

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
        self.health.check()
        if not self.ready or self._loop is None:
            raise NotReady
        future: asyncio.Future[list[IngestResult]] = self._loop.create_future()
        try:
            self._queue.put_nowait(_Batch(account_id, events, future))
        except queue.Full:
            raise Busy from None
        return await future

    def _write_loop(self) -> None:
        store = self._writer_store()
        try:
            item = self._queue.get()
            while item is not None:
                if isinstance(item, Checkpoint):
                    self._save(store, item)
                    item = self._queue.get()
                    continue
                if isinstance(item, _Probe):
                    self._probe(store)
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

    def _writer_store(self) -> Store:
        """The writer's connection, once the storage lets it open one (batches waiting
        meanwhile are refused by the health's fault)."""
        while True:
            try:
                return self.open_store()
            except Exception as exc:
                if self._fault(exc) is None:
                    raise
                time.sleep(RECOVERY_RETRY_S)

    def _commit(self, store: Store, batches: list[_Batch]) -> None:
        assert self._loop is not None
        if self._writer_fault is not None:
            for batch in batches:
                self._loop.call_soon_threadsafe(_fail, batch.future,
                                                StorageUnavailable(self._writer_fault))
            return
        received_at = self.clock()
        try:
            with store.transaction():
                for batch in batches:
                    batch.received_at = received_at
                    batch.results, batch.last_seq = store.append_in_transaction(
                        batch.account, batch.events, received_at)
        except Exception as exc:
            fault = self._fault(exc)
            if fault is not None:
                exc = StorageUnavailable(fault)  # a 503 naming the cause, no trace
            else:
                log.exception("commit failed")
            for batch in batches:
                self._loop.call_soon_threadsafe(_fail, batch.future, exc)
            return
        self._loop.call_soon_threadsafe(self._committed.put_nowait, batches)

    def _fault(self, exc: BaseException) -> StorageFault | None:
        """In the writer: the storage fault behind a failed write (told to the health, on
        the loop)."""
        assert self._loop is not None
        fault = fault_of(exc, self.place)
        if fault is not None:
            self._writer_fault = fault
            self._loop.call_soon_threadsafe(self.health.failed, fault)
        return fault

    def _save(self, store: Store, item: Checkpoint) -> None:
        """In the writer: a checkpoint not saved goes again with the next one."""
        assert self._loop is not None
        try:
            if self._writer_fault is not None:
                raise StorageUnavailable(self._writer_fault)
            save(store, item)
        except Exception as exc:
            if not isinstance(exc, StorageUnavailable) and self._fault(exc) is None:
                log.exception("saving the checkpoint of %s failed", item.account)
            self._loop.call_soon_threadsafe(self._checkpointed, item, False)
        else:
            self._loop.call_soon_threadsafe(self._checkpointed, item, True)

    def _checkpointed(self, item: Checkpoint, saved: bool) -> None:
        live = self.accounts.get(item.account)
        if live is None:
            return
        live.saving = False
        if not saved:  # what it held goes with the next one, due again at once
            undo(item, live.engine, live.written)
            live.checkpoint_seq = min(live.checkpoint_seq, item.seq - 1)
            live.checkpoint_at = 0.0
            live.sampled = True

    def _probe(self, store: Store) -> None:
        """In the writer: is the fault over? A write of its own must work, and the cause
        be gone: a full disk must have room again (SQLite may write the probe into log space
        it already holds), and a damaged file is over only once replaced, which needs a
        restart (connections opened on the old file keep it)."""
        assert self._loop is not None
        try:
            fault = self._writer_fault or self.health.fault  # (a reference read across threads)
            if fault is not None and not fault.clears_by_itself:
                return
            store.probe(self.clock())
            if fault is not None and fault.cause == "disk_full" and still_full(self.place):
                return
        except Exception as exc:
            if self._fault(exc) is None:
                log.exception("probing the storage failed")
        else:
            self._writer_fault = None
            self._loop.call_soon_threadsafe(self.health.recovered)
        finally:
            self._probing = False

    def probe(self) -> None:
        """While a fault lasts: ask the writer to try a small write (the scheduler calls
        this every second)."""
        if self.health.fault is None or self._probing or self._writer is None:
            return
        self._probing = True
        try:
            self._queue.put_nowait(_Probe())
        except queue.Full:
            self._probing = False

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
        if live.applying or live.saving:
            return False
        behind = live.applied_seq - live.checkpoint_seq
        if behind <= 0 and not live.sampled:
            return False  # nothing new: no events, no gauge samples
        return (behind >= self.limits.checkpoint_events
                or time.monotonic() - live.checkpoint_at >= self.limits.checkpoint_interval_s)

    def _checkpoint_of(self, live: LiveAccount) -> Checkpoint:
        return checkpoint_of(live.config.id, live.engine, live.applied_seq, live.written,
                             self.clock(), self.limits.history_days)

    def checkpoint(self, live: LiveAccount) -> bool:
        """Hand a checkpoint (and the changed daily history) to the writer to save."""
        if not self.ready or self.health.fault is not None:
            return False
        item = self._checkpoint_of(live)
        try:
            self._queue.put_nowait(item)
        except queue.Full:  # busy: what it holds goes with the next one
            undo(item, live.engine, live.written)
            return False
        live.checkpoint_seq = live.applied_seq
        live.checkpoint_at = time.monotonic()
        live.sampled = False
        live.saving = True
        return True


def _fail(future: asyncio.Future[list[IngestResult]], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
