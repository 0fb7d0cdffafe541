"""``wallboard serve --role ingest``: the events' front door beyond one machine. Stateless:
it authenticates against the store (PostgreSQL), checks and decodes events exactly as the
single process does (the same route), publishes the accepted ones to the events' stream, and
answers once JetStream has stored each on a majority of its replicas.

It stands in for ``service.Service`` for the ingest route (the few calls that route makes),
so the route is the same code in both shapes of Wallboard.

What it cannot yet tell: an id sent again after JetStream's duplicate window (2 minutes)
is answered ``accepted`` (the engine worker still counts it once), and an id reused with
other content is not told a conflict (the first version still stands in the engine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import nats

from ..engine.account import DAYS_KEPT
from ..engine.calendar import Calendar
from ..events import Event
from ..service import Limits, NotReady, OldestAcceptedQuery, Query, Result, UnknownAccount
from ..service.queries import Asking
from ..store import AccountConfig, Store, TokenInfo, open_store
from .stream import EventStream

__all__ = ["StreamIngest"]


class StreamIngest(Asking):
    """What the ingest route asks of ``Service``, over NATS and PostgreSQL."""

    def __init__(self, urls: list[str], dsn: str, partitions: int, replicas: int,
                 limits: Limits | None = None) -> None:
        self._urls = urls
        self._partitions = partitions
        self._replicas = replicas
        self._store: Store = open_store(dsn, "postgres")
        self.limits = limits or Limits()
        self.clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000
        self._nc: Any = None
        self._stream: EventStream | None = None
        self._calendars: dict[str, Calendar] = {}

    @property
    def ready(self) -> bool:
        """Connected once and the stream there: a lost connection is retried by each
        publish (up to its deadline), not refused."""
        return self._stream is not None

    async def start(self) -> None:
        self._nc = await nats.connect(servers=self._urls, max_reconnect_attempts=-1,
                                      reconnect_time_wait=0.5, name="wallboard-ingest")
        stream = EventStream(self._nc.jetstream(), self._partitions)
        await stream.ensure(self._replicas)
        self._stream = stream

    async def stop(self) -> None:
        if self._nc is not None:
            await self._nc.drain()
        self._store.close()

    def end_streams(self) -> None:
        pass  # no live streams here: the api role serves them

    def authenticate(self, secret: str) -> TokenInfo | None:
        return self._store.authenticate(secret)

    def session(self, secret: str) -> None:
        return None  # browsers sign in to the api role; ingest takes bearer tokens only

    def account(self, account_id: str) -> AccountConfig | None:
        return self._store.account(account_id)

    async def answering(self, account_id: str, query: Query) -> object:
        """Only what the ingest route asks: the earliest ``at`` an event may have, the
        oldest local day engines still count."""
        assert isinstance(query, OldestAcceptedQuery)
        calendar = self._calendars.get(account_id)
        if calendar is None:
            config = self._store.account(account_id)
            if config is None:
                raise UnknownAccount(account_id)
            calendar = self._calendars[account_id] = Calendar(config.timezone)
        return calendar.day_start(calendar.day_of(self.clock()) - DAYS_KEPT)

    async def ingest(self, account_id: str, events: list[Event]) -> list[Result]:
        if self._stream is None:
            raise NotReady
        try:
            acks = await self._stream.publish(account_id, events)
        except TimeoutError:
            raise NotReady from None  # no JetStream leader for the whole deadline: 503
        return ["duplicate" if ack.duplicate else "accepted" for ack in acks]
