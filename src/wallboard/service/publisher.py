"""Live snapshots for the streams of one account.

Changes are coalesced: however many events arrive, a stream gets at most one snapshot per
``push_interval_s``, and one at least every ``heartbeat_s`` so that the figures that move with
time alone (``longest_wait_s``, the day rollover at local midnight) refresh with no traffic.
Each snapshot is built once per push and shared by every client of the account.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from .config import Limits

__all__ = ["Publisher"]


class Publisher:
    """The streams of one account; ``current`` builds its snapshot (JSON) now."""

    def __init__(self, current: Callable[[], bytes], limits: Limits) -> None:
        self._current = current
        self._limits = limits
        self._clients: set[asyncio.Queue[bytes]] = set()
        self._changed = asyncio.Event()
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
        self._changed.set()

    def end_streams(self) -> None:
        """End every stream now and refuse new ones: the service is stopping."""
        self._ended = True
        self._send(_END)

    async def _run(self) -> None:
        limits = self._limits
        last = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), limits.heartbeat_s)
            wait = last + limits.push_interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._changed.clear()
            last = time.monotonic()
            if self._clients and not self._ended:
                self._send(self._current())

    def _send(self, snapshot: bytes) -> None:
        for client in self._clients:
            if client.full():  # a slow client only ever needs the newest snapshot
                client.get_nowait()
            client.put_nowait(snapshot)

    async def stream(self, allowed: Callable[[], bool] = lambda: True
                     ) -> AsyncIterator[bytes]:
        """Server-sent events: the current snapshot at once, then every push.

        ``allowed`` is asked again every ``_RECHECK_S`` (pushes come at least every heartbeat):
        the stream ends once the token or session behind it is revoked or expired.
        """
        if self._ended:
            return
        client: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1)
        self._clients.add(client)
        checked = time.monotonic()
        try:
            yield _message(self._current())
            while True:
                snapshot = await client.get()
                if not snapshot:  # _END
                    return
                if time.monotonic() - checked >= _RECHECK_S:
                    if not allowed():
                        return
                    checked = time.monotonic()
                yield _message(snapshot)
        finally:
            self._clients.discard(client)


_RECHECK_S = 5.0
_END = b""  # put in a client's queue: its stream ends


def _message(snapshot: bytes) -> bytes:
    # A snapshot is one line of JSON (no newlines), so it is one data field.
    return b"event: snapshot\ndata: " + snapshot + b"\n\n"
