"""The service: the one object the API talks to.

Below it live the engines, the writer, the store and the schedule; the API sees none of them.
Reads of an account's live state are one call, ``ask(account, query)`` (see ``queries``), so
that another process owning the account could answer them as well. Everything else the routes
need (who is asking, tokens, sessions, settings, ingest, streams, figures for /metrics) is a
method here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Collection
from pathlib import Path

import msgspec

from ..alerting import AlertRule
from ..engine.behind import Explained
from ..events import Event
from ..figures import Report
from ..store import Result, Store, UnknownAccount
from ..store.faults import Cause, StorageFault, fault_of
from .alerts import Alert, AlertPage, Delivery, OpenAlerts, delivery_log
from .config import Limits
from .deliveries import TELEGRAM_API, Deliverer
from .desk import SESSION_MAX_MS, Desk
from .explain import FigureBehind
from .hub import Hub, LiveAccount
from .publisher import Feed
from .queries import (
    Query,
    answer,
)
from .scheduler import run_schedule
from .searching import BehindQuery, figure_behind
from .thresholds import THRESHOLDS_SETTING, Thresholds, apply_sl_thresholds

__all__ = ["SESSION_MAX_MS", "AccountStats", "Service", "ServiceStats"]


class AccountStats(msgspec.Struct):
    account: str
    checkpoint_age_s: float
    dropped_late: int  # events for conversations already final


class ServiceStats(msgspec.Struct):
    write_queue: int
    stream_clients: int
    accounts: list[AccountStats]
    storage_fault: Cause | None = None  # now
    # Faults begun since the start, by cause.
    storage_faults: dict[Cause, int] = msgspec.field(default_factory=dict)
    checkpoints_unreadable: int = 0  # found at load (those accounts replayed their log)


class Service(Desk):
    """The service over a data directory (``backend`` names the store; see ``store``)."""

    def __init__(self, data_dir: Path | str, limits: Limits | None = None, *,
                 clock: Callable[[], int] | None = None, backend: str = "sqlite",
                 telegram_api: str = TELEGRAM_API) -> None:
        self._hub = Hub(data_dir, limits, clock, backend)
        self._searching = asyncio.Semaphore(1)  # searches behind figures, one at a time
        self.limits = self._hub.limits
        self.clock = self._hub.clock
        self._store = self._hub.store
        self._schedule: asyncio.Task[None] | None = None
        self._deliverer = Deliverer(self._store, self.limits, self.clock, telegram_api)
        self._delivering: asyncio.Task[None] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Recovered and accepting events."""
        return self._hub.ready

    @property
    def storage_fault(self) -> StorageFault | None:
        return self._hub.health.fault

    def storage_failed(self, exc: BaseException) -> StorageFault | None:
        fault = fault_of(exc, self._hub.place)
        if fault is not None:
            self._hub.health.failed(fault)
        return fault

    async def start(self) -> None:
        """Start serving at once; the engines recover in the background (``ready`` after)."""
        await self._hub.start()
        loop = asyncio.get_running_loop()
        self._schedule = loop.create_task(run_schedule(self._hub, self._deliverer.wake))
        self._delivering = loop.create_task(self._deliverer.run())

    async def stop(self) -> None:
        """Stop writing, checkpoint every engine, close."""
        for task in (self._schedule, self._delivering):
            if task is not None:
                task.cancel()
                # Whatever ended them, the engines are still checkpointed below.
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._hub.stop()

    def end_streams(self) -> None:
        """End every open stream at once (the process is about to stop)."""
        self._hub.end_streams()

    def open_store(self) -> Store:
        return self._hub.open_store()

    async def save_thresholds(self, account_id: str, thresholds: Thresholds) -> int:
        """Keep the account's thresholds, and count each row's service level by its own
        threshold from now on, on every day the engine holds (its conversations counted
        again). Returns how many rows changed. Raises ``UnknownAccount``."""
        live = self._hub.account(account_id)
        if live is None:
            raise UnknownAccount(account_id)
        self._store.save_setting(account_id, THRESHOLDS_SETTING, msgspec.json.encode(thresholds))
        changed = apply_sl_thresholds(live.engine, thresholds)
        if changed:
            live.publisher.changed()
        return changed

    # -- alerts -------------------------------------------------------------------------------

    def _live(self, account_id: str) -> LiveAccount:
        live = self._hub.account(account_id)
        if live is None:
            raise UnknownAccount(account_id)
        return live

    def alert_rules(self, account_id: str) -> list[AlertRule]:
        """The account's rules, with their secrets. Raises ``UnknownAccount``."""
        return list(self._live(account_id).alerts.rules)

    async def save_alert_rules(self, account_id: str, rules: list[AlertRule]) -> None:
        """Keep these rules; the open alerts of rules changed or removed resolve now."""
        live = self._live(account_id)
        live.alerts.set_rules(rules, self.clock())
        live.publisher.alerts_changed()
        self._deliverer.wake()

    async def open_alerts(self, account_id: str) -> OpenAlerts:
        return self._live(account_id).alerts.open_alerts()

    async def alert_history(self, account_id: str, limit: int, before: int | None) -> AlertPage:
        return self._live(account_id).alerts.page(limit, before)

    async def acknowledge_alert(self, account_id: str, alert_id: str, by: str) -> Alert | None:
        """Mark an open alert seen (None: no open alert of that id)."""
        live = self._live(account_id)
        alert = live.alerts.acknowledge(alert_id, by, self.clock())
        if alert is not None:
            live.publisher.alerts_changed()
        return alert

    def deliveries(self, account_id: str, limit: int) -> list[Delivery]:
        """The delivery log, newest first."""
        live = self._live(account_id)
        return delivery_log(self._store.deliveries(account_id, limit),
                            live.engine.calendar.iso)

    # -- events in, figures out -----------------------------------------------------------------

    async def ingest(self, account_id: str, events: list[Event]) -> list[Result]:
        """Commit the events to the log, apply them, and say what became of each.

        Raises ``Busy`` (the write queue is full) and ``NotReady``."""
        return await self._hub.ingest(account_id, events)

    async def answering(self, account_id: str, query: Query) -> object:
        live = self._hub.account(account_id)
        if live is None:
            raise UnknownAccount(account_id)
        return answer(query, live.config, live.engine, self._store, self.clock())

    async def behind(self, account_id: str, figure: Explained, report: Report,
                     row_id: str | None, day: str | None, offset: int, limit: int
                     ) -> FigureBehind | None:
        """A page of the conversations behind a figure of a row (None: no such row), searched
        off the engine's thread. Raises ``UnknownAccount``, ``FutureDay``, ``NotHeld``."""
        live = self._hub.account(account_id)
        if live is None:
            raise UnknownAccount(account_id)
        return await figure_behind(
            BehindQuery(figure, report, row_id, day, offset, limit), account_id, live.engine,
            self._store, lambda day: self._hub.retired(account_id, day),
            self.limits.history_days, self.clock(), self._searching)

    def stream(self, account_id: str, allowed: Callable[[], bool],
               extras: Collection[Feed] = ()) -> AsyncIterator[bytes]:
        """Server-sent events of the account's snapshots (and of ``extras``: the operators,
        staffing), while ``allowed()`` holds."""
        live = self._hub.account(account_id)
        if live is None:
            raise UnknownAccount(account_id)
        return live.publisher.stream(allowed, extras)

    def stats(self) -> ServiceStats:
        """The service's own figures, for /metrics."""
        now = time.monotonic()
        accounts = list(self._hub.accounts.values())
        return ServiceStats(
            self._hub.queue_depth(), sum(a.publisher.clients for a in accounts),
            [AccountStats(a.config.id, now - a.checkpoint_at, a.engine.dropped_late)
             for a in accounts],
            self._hub.health.fault.cause if self._hub.health.fault else None,
            dict(self._hub.health.faults), self._hub.unreadable_checkpoints)
