"""``wallboard serve --role ingest``: the events' front door beyond one machine. Stateless:
it authenticates against the store (PostgreSQL), checks and decodes events exactly as the
single process does (the same route), publishes the accepted ones to the events' stream, and
answers once JetStream has stored each on a majority of its replicas.

It stands in for ``service.Service`` for the ingest route (the few calls that route makes),
so the route is the same code in both shapes of Wallboard.

Duplicates and conflicts are answered as the engine counts them (``verdicts``): an exact
copy within JetStream's duplicate window is dropped by JetStream; anything stored, the
owning worker is asked what its engine said of it. With no worker answering for
``VERDICTS_DEADLINE_S`` (none running, or a takeover stalled), stored events are answered
``accepted`` and the log says so: each is stored, and the engine will count it once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import msgspec
import nats
import nats.errors

from ..engine.account import DAYS_KEPT
from ..engine.calendar import Calendar
from ..events import Event
from ..service import Limits, NotReady, OldestAcceptedQuery, Query, Result, UnknownAccount
from ..service.desk import Desk
from ..store import Store, open_store
from .partitions import ask_subject
from .stream import EventStream
from .verdicts import WAIT_S, Verdict, Verdicts, VerdictsQuery

__all__ = ["StreamIngest"]

log = logging.getLogger("wallboard.ingest")

VERDICTS_DEADLINE_S = 15.0  # how long a POST waits for a worker to tell its events' fate


class StreamIngest(Desk):
    """What the ingest routes (events, and platforms' webhooks through their connectors) ask
    of ``Service``, over NATS and PostgreSQL."""

    def __init__(self, urls: list[str], dsn: str, partitions: int, replicas: int,
                 limits: Limits | None = None) -> None:
        self._urls = urls
        self._partitions = partitions
        self._replicas = replicas
        self._dsn = dsn
        self._store = open_store(dsn, "postgres")
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

    def session(self, secret: str) -> None:
        return None  # browsers sign in to the api role; ingest takes bearer tokens only

    def open_store(self) -> Store:
        return open_store(self._dsn, "postgres")

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
        stored = sorted({ack.seq for ack in acks if not ack.duplicate})
        verdicts = await self._verdicts(account_id, stored) if stored else {}
        return ["duplicate" if ack.duplicate else verdicts.get(ack.seq, "accepted")
                for ack in acks]

    async def _verdicts(self, account_id: str, seqs: list[int]) -> dict[int, Verdict]:
        """What the owning engine said of these stream sequences (asked again while no
        worker holds the account, up to ``VERDICTS_DEADLINE_S``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + VERDICTS_DEADLINE_S
        asked = msgspec.json.encode(VerdictsQuery(seqs))
        while True:
            try:
                reply = await self._nc.request(ask_subject(account_id, self._partitions),
                                               asked, timeout=WAIT_S + 1)
                if not (reply.headers or {}).get("Wb-Error"):
                    return msgspec.json.decode(reply.data, type=Verdicts).of
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                pass
            if loop.time() > deadline:
                log.warning("no engine worker told what became of %d events of %s within"
                            " %.0f s: answered accepted (stored; the engine counts each"
                            " once)", len(seqs), account_id, VERDICTS_DEADLINE_S)
                return {}
            await asyncio.sleep(0.2)
