"""Live feeds for the streams of one account: the snapshot, and on request the operators, the
staffing advice, and the trends with the hot topics.

Changes are coalesced: however many events arrive, a stream gets at most one snapshot per
``push_interval_s`` (the operators at most one a ``operators_interval_s``, staffing one a
``staffing_interval_s``), and each feed at least every ``heartbeat_s``, so that what moves with
time alone (``longest_wait_s``, the day rollover at local midnight, the arrival rates)
refreshes with no traffic. Each feed is built once per push and shared by every client that
asked for it; a slow client only ever gets the newest of each.

Every stream also gets a ``tick`` every ``tick_s`` (the server's time and the interval), sent
by the same loop that pushes the feeds: a page that hears nothing for longer than that knows
within seconds that its figures are no longer live, whether the network, the process or this
loop stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from typing import Literal

from .config import Limits

__all__ = ["EXTRA_FEEDS", "Feed", "Publisher"]

Feed = Literal["snapshot", "operators", "staffing", "trends", "at_risk", "alerts", "tick"]
# Only to streams asking for them
EXTRA_FEEDS: tuple[Feed, ...] = ("operators", "staffing", "trends", "at_risk", "alerts")
_ORDER: tuple[Feed, ...] = ("snapshot", *EXTRA_FEEDS, "tick")
_ALWAYS: frozenset[Feed] = frozenset(("snapshot", "tick"))  # to every stream
# Sent at their interval whether or not anything changed: what they say moves with time alone
# (a wait crossing its threshold, a silence growing), not only with events.
_CLOCKED: frozenset[Feed] = frozenset(("tick", "at_risk"))


class _Client:
    __slots__ = ("ended", "pending", "ready", "wants")

    def __init__(self, wants: frozenset[Feed]) -> None:
        self.wants = wants
        self.pending: dict[Feed, bytes] = {}  # the newest of each feed not yet sent
        self.ready = asyncio.Event()
        self.ended = False


class Publisher:
    """The streams of one account; ``builders`` make each feed's JSON now (``snapshot`` and
    each of ``EXTRA_FEEDS``)."""

    def __init__(self, builders: Mapping[Feed, Callable[[], bytes]], limits: Limits) -> None:
        self._builders = builders
        self._intervals: dict[Feed, float] = {
            "snapshot": limits.push_interval_s, "operators": limits.operators_interval_s,
            "staffing": limits.staffing_interval_s, "trends": limits.trends_interval_s,
            "at_risk": limits.at_risk_interval_s, "alerts": limits.push_interval_s,
            "tick": limits.tick_s}
        self._heartbeat = limits.heartbeat_s
        self._tick_s = limits.tick_s
        self._clients: set[_Client] = set()
        self._changed = asyncio.Event()
        self._dirty: set[Feed] = set()  # changed since that feed was last sent
        self._sent: dict[Feed, float] = dict.fromkeys(_ORDER, 0.0)
        self._task: asyncio.Task[None] | None = None
        self._ended = False

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def changed(self) -> None:
        self._dirty.update(EXTRA_FEEDS)
        self._dirty.add("snapshot")
        self._changed.set()

    def alerts_changed(self) -> None:
        """An alert fired, resolved or was acknowledged: only that feed is new."""
        self.feed_changed("alerts")

    def feed_changed(self, feed: Feed) -> None:
        """Only ``feed`` is new."""
        self._dirty.add(feed)
        self._changed.set()

    def end_streams(self) -> None:
        """End every stream now and refuse new ones: the service is stopping."""
        self._ended = True
        for client in self._clients:
            client.ended = True
            client.ready.set()

    def _due(self, feed: Feed, now: float) -> float:
        """Seconds until ``feed`` should be sent (0: now), or infinity."""
        since = now - self._sent[feed]
        if feed in _CLOCKED:
            return max(0.0, self._intervals[feed] - since)
        if since >= self._heartbeat:
            return 0.0
        if feed in self._dirty:
            return max(0.0, self._intervals[feed] - since)
        return self._heartbeat - since

    async def _run(self) -> None:
        while True:
            now = time.monotonic()
            wanted = self.wanted()
            due = min(self._due(feed, now) for feed in wanted)
            if due > 0:
                with contextlib.suppress(TimeoutError):
                    # A change wakes the loop; the snapshot then waits out its interval.
                    # (asyncio.timeout: wait_for may lose a cancel on Python 3.11.)
                    async with asyncio.timeout(due):
                        await self._changed.wait()
                self._changed.clear()
                now = time.monotonic()
                wait = min(self._due(feed, now) for feed in self.wanted())
                if wait > 0:
                    await asyncio.sleep(min(wait, self._intervals["snapshot"]))
                continue
            if self._ended:
                return
            for feed in wanted:
                if self._due(feed, now) == 0:
                    self._dirty.discard(feed)
                    self._sent[feed] = now
                    if any(feed in c.wants for c in self._clients):
                        self._send(feed, self._tick() if feed == "tick"
                                   else self._builders[feed]())

    def wanted(self) -> list[Feed]:
        """The feeds some stream takes now (the snapshot and the tick always)."""
        asked = {feed for c in self._clients for feed in c.wants}
        return [feed for feed in _ORDER if feed in _ALWAYS or feed in asked]

    def _tick(self) -> bytes:
        return b'{"at":%d,"every_ms":%d}' % (time.time_ns() // 1_000_000,
                                              round(self._tick_s * 1000))

    def _send(self, feed: Feed, body: bytes) -> None:
        for client in self._clients:
            if feed in client.wants:
                client.pending[feed] = body
                client.ready.set()

    async def stream(self, allowed: Callable[[], bool] = lambda: True,
                     extras: Collection[Feed] = ()) -> AsyncIterator[bytes]:
        """Server-sent events: the snapshot (and each of ``extras``) at once, then every push.

        ``allowed`` is asked again every ``_RECHECK_S`` (pushes come at least every heartbeat):
        the stream ends once the token or session behind it is revoked or expired.
        """
        if self._ended:
            return
        client = _Client(frozenset((*_ALWAYS, *extras)))
        self._clients.add(client)
        self._changed.set()  # the loop may be asleep until the next heartbeat: ticks now
        checked = time.monotonic()
        try:
            for feed in _ORDER:
                if feed in client.wants:
                    yield _message(feed, self._tick() if feed == "tick"
                                   else self._builders[feed]())
            while True:
                await client.ready.wait()
                client.ready.clear()
                if client.ended:
                    return
                if time.monotonic() - checked >= _RECHECK_S:
                    if not allowed():
                        return
                    checked = time.monotonic()
                pending, client.pending = client.pending, {}
                for feed in _ORDER:
                    if feed in pending:
                        yield _message(feed, pending[feed])
        finally:
            self._clients.discard(client)


_RECHECK_S = 5.0


def _message(feed: Feed, body: bytes) -> bytes:
    # Each feed is one line of JSON (no newlines), so it is one data field.
    return b"event: " + feed.encode() + b"\ndata: " + body + b"\n\n"
