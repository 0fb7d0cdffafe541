"""An engine worker: the engines of the accounts in the partitions it leases, fed from the
events' stream, checkpointed to the store, asked over NATS request-reply.

For each partition it comes to own, the worker loads every account of that partition from
its latest checkpoint (the engine's state and the stream sequence it holds), reads the
partition's subjects from the earliest such sequence on, and applies to each account the
messages after its own; each event is applied at the moment JetStream stored it, so every
replay of the stream gives the same state. A partition whose lease is lost is dropped at once
(its engines with it): the next owner carries on from the checkpoints. Queries arrive on
``wb.ask.<partition>.<account>`` (a ``service.queries.Query`` as JSON) and are answered as
``service.queries.answer_bytes`` makes them, a failure as a ``Wb-Error`` header; and the
ingest role's ``verdicts.VerdictsQuery``, answered once the engine has applied what it asks.
Each held account that an api role watches (``wb.watch.<account>``, said every
``WATCH_EVERY_S``) has its snapshot published on ``wb.snap.<account>`` within
``push_interval_s`` of a change, and every ``heartbeat_s`` without one (what moves with time
alone: the waits), for the api roles' live streams; nobody watching, nothing is built.

``checkpoint`` saves each held account that moved (events or gauge samples) as the single
process does (``service.written``: the state with its stream sequence, and the history and
series that changed, in one transaction), each built on the event loop and written on a
thread of its own, so that neither a slow database nor a hung one holds the loop (or the
process's exit). A checkpoint behind one already saved (this worker lost the partition and
its next owner wrote since) is not written.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec
import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import ConsumerConfig, DeliverPolicy

from ..engine import Account, build, encode
from ..service import FutureDay, Limits
from ..service.alerts import AlertBook
from ..service.deliveries import Deliverer
from ..service.explain import NotHeld
from ..service.loading import load_engine
from ..service.queries import Query, answer, answer_bytes
from ..service.searching import BehindQuery, figure_behind
from ..service.thresholds import THRESHOLDS_SETTING, apply_sl_thresholds
from ..service.written import Checkpoint, Superseded, Written, checkpoint_of, save, undo
from ..store import AccountConfig, Store
from ..store.log_format import event_of
from .calls import Call, OpenAlertsQuery, SaveAlertRules, SaveThresholds
from .leases import Leases
from .partitions import (
    WATCHES,
    alerts_subject,
    asks_of,
    events_of,
    partition_of,
    snapshot_subject,
)
from .stream import STREAM, EventStream
from .verdicts import WAIT_S as VERDICTS_WAIT_S
from .verdicts import VerdictBook, VerdictsQuery

__all__ = ["WATCH_EVERY_S", "EngineWorker"]

WATCH_EVERY_S = 5.0  # an api role with a stream of an account says so this often
WATCHED_FOR_S = 4 * WATCH_EVERY_S  # ... and the worker publishes for this long after
# A partition's feed not heard from for two of these (the stream's leader lost) is made
# again from where it stopped: with nats-py's default (5 s) a leader's death held the events
# (and the ingest role's verdicts on them) up to 20 s.
FEED_HEARTBEAT_S = 1.0

log = logging.getLogger("wallboard.worker")

T = TypeVar("T")


STOP_TASKS_S = 10.0  # how long a stopping worker waits for its own tasks to end


@dataclass
class _Held:
    config: AccountConfig
    engine: Account
    seq: int = 0  # the last stream sequence applied
    published_seq: int = -1  # the sequence its last published snapshot held
    published_at: float = 0.0  # when (monotonic)
    watched_until: float = 0.0  # an api role streams it until then (monotonic)
    written: Written = field(default_factory=Written)  # its history as last written
    checkpoint_seq: int = -1  # the sequence its last saved checkpoint held (-1: none yet)
    sampled: bool = False  # gauges sampled since
    verdicts: VerdictBook = field(default_factory=VerdictBook)  # for the ingest role
    alerts: AlertBook | None = None  # its rules and open alerts


@dataclass
class _Partition:
    accounts: dict[str, _Held] = field(default_factory=dict)
    feed: Subscription | None = None
    asks: Subscription | None = None
    task: asyncio.Task[None] | None = None


class EngineWorker:
    def __init__(self, worker: str, nc: Client, open_store: Callable[[], Store],
                 partitions: int, lease_s: float, clock: Callable[[], int],
                 limits: Limits | None = None) -> None:
        self.worker = worker
        self._nc = nc
        self._js = nc.jetstream()
        self._open_store = open_store
        self._store = open_store()  # the event loop's connection
        self._writer = open_store()  # the checkpoints' (on their threads, one at a time)
        self._writing = threading.Lock()
        self._telling: set[asyncio.Task[None]] = set()  # verdicts and searches under way
        self._searching = asyncio.Semaphore(1)  # searches behind figures, one at a time
        self._partitions = partitions
        self._lease_s = lease_s
        self._clock = clock
        self.limits = limits or Limits()
        self.held: dict[int, _Partition] = {}
        self._leases: Leases | None = None
        self._deliverer = Deliverer(self._store, self.limits, clock, owns=self._owns)

    async def run(self, replicas: int = 1) -> None:
        """Forever: lease, take up and drop partitions as the leases say."""
        while self._leases is None:  # until the cluster answers (a leader being elected)
            try:
                await EventStream(self._js, self._partitions).ensure(replicas)  # first one up
                self._leases = await Leases.open(self._js, self.worker, self._partitions,
                                                 self._lease_s, replicas)
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("%s waits for JetStream: %r", self.worker, exc)
                await asyncio.sleep(self._lease_s / 4)
        watches = await self._nc.subscribe(WATCHES, cb=self._watched)
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._publish_snapshots()),
                 loop.create_task(self._watch_alerts()), loop.create_task(self._deliverer.run())]
        try:
            while True:
                try:
                    owned = await self._leases.step()
                except (nats.errors.Error, TimeoutError) as exc:
                    # No answer (a leader being elected, the connection reconnecting): the
                    # leases not renewed in time age out, and their partitions go below.
                    log.warning("%s could not renew its leases: %r", self.worker, exc)
                    owned = set(self._leases.owned)
                for partition in set(self.held) - owned:
                    await self._drop(partition)
                for partition in owned - set(self.held):
                    try:
                        await self._take(partition)
                    except (nats.errors.Error, TimeoutError) as exc:
                        log.warning("%s could not take partition %d: %r", self.worker,
                                    partition, exc)
                        await self._drop(partition)  # tried again next round
                await asyncio.sleep(self._lease_s / 4)
        finally:
            for task in tasks:
                task.cancel()
            # Bounded: a task that lost its cancel must not hold the stop forever.
            _, stuck = await asyncio.wait(tasks, timeout=STOP_TASKS_S)
            if stuck:
                log.error("%s: %d tasks did not stop within %g s", self.worker, len(stuck),
                          STOP_TASKS_S)
            with contextlib.suppress(Exception):
                await watches.unsubscribe()
            for partition in list(self.held):
                await self._drop(partition)

    async def release(self) -> None:
        """Give every lease back (a clean stop): the other workers take them at once."""
        if self._leases is not None:
            try:
                await self._leases.release()
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("%s could not give its leases back: %r", self.worker, exc)

    def _owns(self, account_id: str) -> bool:
        return self.account(account_id) is not None

    def account(self, account_id: str) -> _Held | None:
        part = self.held.get(partition_of(account_id, self._partitions))
        return None if part is None else part.accounts.get(account_id)

    async def checkpoint(self) -> int:
        """Save every held account that moved since its last checkpoint, one at a time;
        how many were saved. A failure ends the round (the next one writes it all)."""
        saved = 0
        for part in list(self.held.values()):
            for held in list(part.accounts.values()):
                if held.seq == held.checkpoint_seq and not held.sampled:
                    continue
                item = checkpoint_of(held.config.id, held.engine, held.seq, held.written,
                                     self._clock(), self.limits.history_days)
                held.sampled = False
                try:
                    await _on_a_thread(functools.partial(self._save, item))
                except Superseded:
                    log.warning("%s: a later checkpoint of %s is saved; this worker no longer"
                                " owns it", self.worker, held.config.id)
                    continue
                except BaseException:
                    undo(item, held.engine, held.written)
                    held.sampled = True
                    raise
                held.checkpoint_seq = item.seq
                saved += 1
        return saved

    def sample_gauges(self) -> None:
        """Every held account's gauges now, into its intraday series."""
        now = self._clock()
        for part in self.held.values():
            for held in part.accounts.values():
                held.engine.sample_gauges(now)
                held.sampled = True

    def close(self) -> None:
        """The store connections go back (but one a checkpoint may still be writing on)."""
        self._store.close()
        if self._writing.acquire(blocking=False):
            try:
                self._writer.close()
            finally:
                self._writing.release()

    def _save(self, item: Checkpoint) -> None:
        with self._writing:  # one at a time, even when the last one's waiter went away
            save(self._writer, item)

    async def _take(self, partition: int) -> None:
        part = self.held[partition] = _Partition()
        for config in self._store.accounts():
            if partition_of(config.id, self._partitions) == partition:
                part.accounts[config.id] = self._load(config)
        start = min((h.seq for h in part.accounts.values()), default=0) + 1
        part.feed = await self._js.subscribe(
            events_of(partition), stream=STREAM, ordered_consumer=True,
            idle_heartbeat=FEED_HEARTBEAT_S,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                  opt_start_seq=start))
        part.asks = await self._nc.subscribe(asks_of(partition), cb=self._ask)
        part.task = asyncio.get_running_loop().create_task(self._apply(part))
        log.info("%s took partition %d (%d accounts) from stream sequence %d", self.worker,
                 partition, len(part.accounts), start)

    def _load(self, config: AccountConfig) -> _Held:
        loaded = load_engine(config, self._store, self._clock())
        held = _Held(config, loaded.engine, loaded.seq)
        held.alerts = AlertBook(config.id, held.engine, self._store, self._store)
        return held

    async def _drop(self, partition: int) -> None:
        part = self.held.pop(partition)
        if part.task is not None:
            part.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await part.task
        for sub in (part.feed, part.asks):
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
        log.info("%s dropped partition %d", self.worker, partition)

    async def _apply(self, part: _Partition) -> None:
        assert part.feed is not None
        async for msg in part.feed.messages:
            account = msg.subject.split(".", 3)[3]
            held = part.accounts.get(account)
            if held is None:  # an account created since the partition was taken
                config = self._store.account(account)
                if config is None:
                    continue  # its account was deleted: nothing counts it
                held = part.accounts[account] = self._load(config)
            seq = msg.metadata.sequence.stream
            if seq <= held.seq:
                continue  # the checkpoint holds it already
            stored_ms = int(msg.metadata.timestamp.timestamp() * 1000)
            held.verdicts.note(seq, held.engine.apply(event_of(msg.data), stored_ms))
            held.seq = seq

    async def _ask(self, msg: Msg) -> None:
        account = msg.subject.split(".", 3)[3]
        try:
            query = msgspec.json.decode(msg.data,
                                        type=Query | VerdictsQuery | BehindQuery | Call)
        except msgspec.DecodeError:
            log.warning("%s was asked %r about %s", self.worker, msg.data[:200], account)
            await self._nc.publish(msg.reply, b"", headers={"Wb-Error": "failed"})
            return
        if isinstance(query, VerdictsQuery | BehindQuery):  # they wait: not in this queue
            task = asyncio.get_running_loop().create_task(
                self._tell_verdicts(msg, account, query) if isinstance(query, VerdictsQuery)
                else self._answer(msg, account, query))
            self._telling.add(task)
            task.add_done_callback(self._telling.discard)
            return
        await self._answer(msg, account, query)

    async def _answer(self, msg: Msg, account: str, query: Query | BehindQuery | Call
                      ) -> None:
        """The answer, or what prevented it in a ``Wb-Error`` header (and its details)."""
        held = self.account(account)
        if held is None:
            await self._nc.publish(msg.reply, b"", headers={"Wb-Error": "not_here"})
            return
        try:
            if isinstance(query, BehindQuery):
                found: object = await figure_behind(
                    query, account, held.engine, self._store,
                    functools.partial(self._retired, account), self.limits.history_days,
                    self._clock(), self._searching)
                body = msgspec.json.encode(found)
            elif isinstance(query, Call):
                body = msgspec.json.encode(await self._call(held, query))
            else:
                body = answer_bytes(answer(query, held.config, held.engine, self._store,
                                           self._clock()))
        except FutureDay as exc:
            await self._nc.publish(msg.reply, b"", headers={"Wb-Error": "future_day",
                                                             "Wb-Today": exc.today})
            return
        except NotHeld as exc:
            await self._nc.publish(msg.reply, b"", headers={"Wb-Error": "not_held",
                                                             "Wb-First": exc.first})
            return
        except Exception:  # a bug, or the store away: the asker gets a 503, not silence
            log.exception("%s could not answer %r about %s", self.worker, msg.data, account)
            await self._nc.publish(msg.reply, b"", headers={"Wb-Error": "failed"})
            return
        await self._nc.publish(msg.reply, body,
                               headers={"Wb-Worker": self.worker})  # who answered: for logs

    async def _call(self, held: _Held, call: Call) -> object:
        """What the single process's ``Service`` does for the same call, here."""
        alerts = held.alerts
        assert alerts is not None
        if isinstance(call, OpenAlertsQuery):
            return alerts.open_alerts()
        if isinstance(call, SaveThresholds):
            self._store.save_setting(held.config.id, THRESHOLDS_SETTING,
                                     msgspec.json.encode(call.thresholds))
            changed = apply_sl_thresholds(held.engine, call.thresholds)
            if changed:
                held.published_seq = -1  # a snapshot counted by them at once
            return changed
        if isinstance(call, SaveAlertRules):
            alerts.set_rules(call.rules, self._clock())
            await self._publish_alerts(held)
            self._deliverer.wake()
            return None
        alert = alerts.acknowledge(call.alert_id, call.by, self._clock())
        if alert is not None:
            await self._publish_alerts(held)
        return alert

    async def _watch_alerts(self) -> None:
        """Forever: every held account's alert rules stepped every ``alert_every_s``."""
        while True:
            await asyncio.sleep(self.limits.alert_every_s)
            now, moved = self._clock(), False
            for part in list(self.held.values()):
                for held in list(part.accounts.values()):
                    try:
                        if held.alerts is not None and held.alerts.tick(now):
                            moved = True
                            await self._publish_alerts(held)
                    except Exception:  # the store away: said, and stepped again next time
                        log.exception("%s could not step the alerts of %s", self.worker,
                                      held.config.id)
            if moved:
                self._deliverer.wake()

    async def _publish_alerts(self, held: _Held) -> None:
        assert held.alerts is not None
        with contextlib.suppress(nats.errors.Error):  # reconnecting: asked at the next open
            await self._nc.publish(alerts_subject(held.config.id),
                                   msgspec.json.encode(held.alerts.open_alerts()))

    def _retired(self, account: str, day: str) -> list[tuple[str, bytes]]:
        """The day's conversations kept in the store (on a thread: a connection of its own)."""
        store = self._open_store()
        try:
            return store.retired(account, day)
        finally:
            store.close()

    async def _tell_verdicts(self, msg: Msg, account: str, query: VerdictsQuery) -> None:
        """Once the account's engine has applied the asked sequences (up to ``WAIT_S``; a
        new account is loaded by its first event), what it said of them."""
        loop = asyncio.get_running_loop()
        deadline, last = loop.time() + VERDICTS_WAIT_S, max(query.seqs, default=0)
        partition = partition_of(account, self._partitions)
        while (held := self.account(account)) is None or held.seq < last:
            if partition not in self.held or loop.time() > deadline:
                await self._nc.publish(msg.reply, b"", headers={"Wb-Error": "not_here"})
                return
            await asyncio.sleep(0.002)
        with contextlib.suppress(nats.errors.Error):  # reconnecting: the asker asks again
            await self._nc.publish(msg.reply, msgspec.json.encode(held.verdicts.of(query.seqs)),
                                   headers={"Wb-Worker": self.worker})

    async def _watched(self, msg: Msg) -> None:
        held = self.account(msg.subject.split(".", 2)[2])
        if held is not None:
            now = asyncio.get_running_loop().time()
            if held.watched_until < now:
                held.published_seq = -1  # newly watched: a snapshot at once
            held.watched_until = now + WATCHED_FOR_S

    async def _publish_snapshots(self) -> None:
        """Forever: each held account's snapshot once it changed (at most one a push
        interval) and at least every heartbeat."""
        every, heartbeat = self.limits.push_interval_s, self.limits.heartbeat_s
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            for part in list(self.held.values()):
                for held in list(part.accounts.values()):
                    now = loop.time()
                    if now > held.watched_until or (held.seq == held.published_seq
                                                    and now - held.published_at < heartbeat):
                        continue
                    held.published_seq, held.published_at = held.seq, now
                    body = encode(build(held.engine, self._clock()))
                    try:
                        await self._nc.publish(snapshot_subject(held.config.id), body)
                    except nats.errors.Error as exc:  # reconnecting: the next one goes
                        log.warning("%s could not publish a snapshot: %r", self.worker, exc)


def _on_a_thread(call: Callable[[], T]) -> asyncio.Future[T]:
    """``call()`` on a daemon thread of its own: unlike ``asyncio.to_thread``, one that never
    returns (a database gone silent) holds neither the loop nor the process's exit."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():
            return  # the awaiting task was cancelled
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = call(), None
        except BaseException as exc:  # handed to the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="wallboard-checkpoint", daemon=True).start()
    return done
