"""``wallboard serve --role api``: the dashboard, the API and the live streams beyond one
machine. Stateless: it holds no engine. Accounts, tokens, sessions and settings are read from
the store (PostgreSQL); every figure is asked of the engine worker owning the account, over
NATS request-reply; a live stream is fed by the snapshots and open alerts that worker
publishes, and its other feeds (operators, staffing, trends, at risk) by asking at each feed's
interval while somebody watches.

It stands in for ``service.Service`` behind the same routes. The owning worker also searches
the conversations behind a figure, and applies what must reach its engine or its alert book
(thresholds, alert rules, acknowledgements: ``calls``); what is only kept (the alert history,
the delivery log, the rules as saved) is read from PostgreSQL here. Taking events is refused
with 501 naming the ingest role.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

import msgspec
import nats
import nats.errors
from nats.aio.msg import Msg

from ..alerting import AlertRule
from ..engine.behind import Explained
from ..engine.calendar import Calendar
from ..events import Event
from ..figures import Report
from ..service import (
    FutureDay,
    Limits,
    NotReady,
    OpenAlerts,
    Result,
    ServiceStats,
    UnknownAccount,
)
from ..service.alerts import (
    ALERT_RULES_SETTING,
    Alert,
    AlertPage,
    Delivery,
    alert_page,
    delivery_log,
    load_rules,
)
from ..service.desk import Desk, NotServedHere
from ..service.explain import FigureBehind, NotHeld
from ..service.hub import TrendsFeed
from ..service.publisher import Feed, Publisher
from ..service.queries import (
    AtRiskQuery,
    HotTopicsQuery,
    OperatorsQuery,
    Query,
    SnapshotQuery,
    StaffingQuery,
    TrendsQuery,
    answer_from,
)
from ..service.searching import BehindQuery
from ..service.thresholds import Thresholds
from ..store import Store, open_store
from .calls import AcknowledgeAlert, Call, OpenAlertsQuery, SaveAlertRules, SaveThresholds
from .partitions import (
    DEFAULT_PARTITIONS,
    alerts_subject,
    ask_subject,
    snapshot_subject,
    watch_subject,
)
from .worker import WATCH_EVERY_S

__all__ = ["ClusterService"]

log = logging.getLogger("wallboard.api_role")

ASK_TIMEOUT_S = 5.0  # an owner that does not answer in this is taken to be gone: 503


class _Mirror:
    """One account's live feeds as the api role sees them: the newest of each, and the
    publisher that pushes them to this process's streams."""

    def __init__(self, account: str, service: ClusterService) -> None:
        self.account = account
        self._service = service
        self.latest: dict[Feed, bytes] = {}
        self.fetched: dict[Feed, float] = {}
        self.publisher = Publisher(
            {feed: (lambda feed=feed: self.latest[feed])  # type: ignore[misc]
             for feed in ("snapshot", "operators", "staffing", "trends", "at_risk", "alerts")},
            service.limits)
        self._intervals: dict[Feed, float] = {
            "operators": service.limits.operators_interval_s,
            "staffing": service.limits.staffing_interval_s,
            "trends": service.limits.trends_interval_s,
            "at_risk": service.limits.at_risk_interval_s}
        self._subscriptions: list[Any] = []
        self._refreshing: asyncio.Task[None] | None = None
        self._watching: asyncio.Task[None] | None = None

    async def open(self, nc: Any) -> None:
        # Subscribed first: a change published meanwhile is not missed.
        self._subscriptions = [
            await nc.subscribe(snapshot_subject(self.account), cb=self._snapshot),
            await nc.subscribe(alerts_subject(self.account), cb=self._alerts)]
        self.latest["snapshot"] = await self._service.ask(self.account, SnapshotQuery())
        self.latest.setdefault("alerts", msgspec.json.encode(
            await self._service.open_alerts(self.account)))
        self.publisher.start()
        loop = asyncio.get_running_loop()
        self._refreshing = loop.create_task(self._refresh())
        self._watching = loop.create_task(self._watch(nc))

    async def _watch(self, nc: Any) -> None:
        """Forever: while somebody here streams the account, tell its owner (a worker
        publishes only the snapshots somebody watches)."""
        first = True  # opened for a stream about to begin
        while True:
            if first or self.publisher.clients:
                first = False
                with contextlib.suppress(nats.errors.Error):
                    await nc.publish(watch_subject(self.account), b"")
            await asyncio.sleep(WATCH_EVERY_S)

    async def close(self) -> None:
        for task in (self._refreshing, self._watching):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        await self.publisher.stop()

    async def _snapshot(self, msg: Msg) -> None:
        self.latest["snapshot"] = msg.data
        self.publisher.feed_changed("snapshot")

    async def _alerts(self, msg: Msg) -> None:
        self.latest["alerts"] = msg.data
        self.publisher.feed_changed("alerts")

    async def fetch(self, feeds: Collection[Feed]) -> None:
        """Ask the owner for each of ``feeds`` this process does not have yet."""
        for feed in feeds:
            if feed in self._intervals and feed not in self.latest:
                await self._fetch(feed)

    async def _fetch(self, feed: Feed) -> None:
        ask, account = self._service.ask, self.account
        body: object
        if feed == "operators":
            body = await ask(account, OperatorsQuery())
        elif feed == "staffing":
            body = await ask(account, StaffingQuery())
        elif feed == "trends":
            body = TrendsFeed(await ask(account, TrendsQuery()),
                              await ask(account, HotTopicsQuery()))
        else:
            body = await ask(account, AtRiskQuery())
        self.latest[feed] = msgspec.json.encode(body)
        self.fetched[feed] = time.monotonic()
        self.publisher.feed_changed(feed)

    async def _refresh(self) -> None:
        """Forever: the feeds some stream here takes, each at its interval."""
        while True:
            await asyncio.sleep(min(self._intervals.values()))
            now = time.monotonic()
            for feed in self.publisher.wanted():
                every = self._intervals.get(feed)
                if every is not None and now - self.fetched.get(feed, 0.0) >= every:
                    try:
                        await self._fetch(feed)
                    except NotReady:  # the owner is changing: the stream keeps the last
                        break


class ClusterService(Desk):
    """What the routes ask of ``Service``, over NATS and PostgreSQL."""

    def __init__(self, urls: list[str], dsn: str, partitions: int = DEFAULT_PARTITIONS,
                 limits: Limits | None = None) -> None:
        self._urls = urls
        self._partitions = partitions
        self._dsn = dsn
        self._store = open_store(dsn, "postgres")
        self.limits = limits or Limits()
        self.clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000
        self._nc: Any = None
        self._mirrors: dict[str, _Mirror] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    @property
    def ready(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def start(self) -> None:
        self._nc = await nats.connect(servers=self._urls, max_reconnect_attempts=-1,
                                      reconnect_time_wait=0.5, name="wallboard-api")

    async def stop(self) -> None:
        for mirror in self._mirrors.values():
            await mirror.close()
        if self._nc is not None:
            await self._nc.drain()
        self._store.close()

    def end_streams(self) -> None:
        for mirror in self._mirrors.values():
            mirror.publisher.end_streams()

    # -- figures: asked of the owning worker ------------------------------------------------------

    async def answering(self, account_id: str, query: Query) -> object:
        return answer_from(query, await self._ask(account_id, query))

    async def behind(self, account_id: str, figure: Explained, report: Report,
                     row_id: str | None, day: str | None, offset: int, limit: int
                     ) -> FigureBehind | None:
        asked = BehindQuery(figure, report, row_id, day, offset, limit)
        return msgspec.json.decode(await self._ask(account_id, asked),
                                   type=FigureBehind | None)

    async def _ask(self, account_id: str, query: Query | BehindQuery | Call) -> bytes:
        """The owning worker's answer; its ``Wb-Error`` raised as the single process would."""
        if self._nc is None:
            raise NotReady
        try:
            reply = await self._nc.request(ask_subject(account_id, self._partitions),
                                           msgspec.json.encode(query), timeout=ASK_TIMEOUT_S)
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError,
                nats.errors.ConnectionClosedError) as exc:
            log.warning("no engine answered about %s: %r", account_id, exc)
            raise NotReady from None
        error = (reply.headers or {}).get("Wb-Error")
        if error == "future_day":
            raise FutureDay(reply.headers["Wb-Today"])
        if error == "not_held":
            raise NotHeld(reply.headers["Wb-First"])
        if error == "not_here":
            if self._store.account(account_id) is None:
                raise UnknownAccount(account_id)
            raise NotReady  # a worker is taking the partition over
        if error is not None:
            raise NotReady
        return bytes(reply.data)

    def stream(self, account_id: str, allowed: Callable[[], bool],
               extras: Collection[Feed] = ()) -> AsyncIterator[bytes]:
        if self._store.account(account_id) is None:
            raise UnknownAccount(account_id)
        return self._stream(account_id, allowed, extras)

    async def _stream(self, account_id: str, allowed: Callable[[], bool],
                      extras: Collection[Feed]) -> AsyncIterator[bytes]:
        mirror = await self._mirror(account_id)
        await mirror.fetch(extras)
        async for message in mirror.publisher.stream(allowed, extras):
            yield message

    async def _mirror(self, account_id: str) -> _Mirror:
        """The account's mirror, opened by the first stream of it (kept while the process
        lives: an account watched once is likely watched again)."""
        async with self._opening.setdefault(account_id, asyncio.Lock()):
            mirror = self._mirrors.get(account_id)
            if mirror is None:
                mirror = _Mirror(account_id, self)
                await mirror.open(self._nc)
                self._mirrors[account_id] = mirror
            return mirror

    def open_store(self) -> Store:
        return open_store(self._dsn, "postgres")

    def stats(self) -> ServiceStats:
        return ServiceStats(0, sum(m.publisher.clients for m in self._mirrors.values()), [])

    # -- what the api role does not do (yet) ------------------------------------------------------

    async def ingest(self, account_id: str, events: list[Event]) -> list[Result]:
        raise NotServedHere("taking events", "send them to the ingest role")

    # -- thresholds and alerts: kept in PostgreSQL, applied by the owning worker ---------------

    async def save_thresholds(self, account_id: str, thresholds: Thresholds) -> int:
        changed: int = msgspec.json.decode(
            await self._ask(account_id, SaveThresholds(thresholds)), type=int)
        return changed

    def alert_rules(self, account_id: str) -> list[AlertRule]:
        if self._store.account(account_id) is None:
            raise UnknownAccount(account_id)
        return load_rules(self._store.setting(account_id, ALERT_RULES_SETTING))

    async def save_alert_rules(self, account_id: str, rules: list[AlertRule]) -> None:
        await self._ask(account_id, SaveAlertRules(rules))

    async def open_alerts(self, account_id: str) -> OpenAlerts:
        return msgspec.json.decode(await self._ask(account_id, OpenAlertsQuery()),
                                   type=OpenAlerts)

    async def alert_history(self, account_id: str, limit: int, before: int | None
                            ) -> AlertPage:
        if self._store.account(account_id) is None:
            raise UnknownAccount(account_id)
        return alert_page(self._store, account_id, limit, before)

    async def acknowledge_alert(self, account_id: str, alert_id: str, by: str
                                ) -> Alert | None:
        return msgspec.json.decode(
            await self._ask(account_id, AcknowledgeAlert(alert_id, by)), type=Alert | None)

    def deliveries(self, account_id: str, limit: int) -> list[Delivery]:
        config = self._store.account(account_id)
        if config is None:
            raise UnknownAccount(account_id)
        return delivery_log(self._store.deliveries(account_id, limit),
                            Calendar(config.timezone).iso)
