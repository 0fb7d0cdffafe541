"""The service behind a gate that opens once its storage does.

A data directory that cannot be opened when the process starts (on a read-only or full
filesystem, or holding a damaged database file) would otherwise end the process with a
trace. Instead the process serves at once: liveness 200, readiness 503, and every other
request a 503 naming the cause, in the documented error shape; it tries again every
``retry_s`` and, once the storage opens (the filesystem made writable, the file restored),
starts the service in place, on the same port. One log line when it begins waiting, one when
it opens. Faults met later, while serving, are the service's own (``service.storage_health``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar

from ..service import RETRY_AFTER_S, StorageFault, fault_of
from .errors import ErrorBody, ErrorDetail

__all__ = ["StorageGate"]

log = logging.getLogger("wallboard.storage")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class StorageGate:
    """An ASGI application: ``build()``'s, once it can be built and started."""

    def __init__(self, build: Callable[[], Litestar], place: Path | str,
                 retry_s: float = 2.0) -> None:
        self._build = build
        self._place = place
        self._retry_s = retry_s
        self.app: Litestar | None = None
        self.fault: StorageFault | None = None
        self._since = 0.0
        self._retrying: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._lifespan: asyncio.Task[None] | None = None

    def end_streams(self) -> None:
        if self.app is not None:
            self.app.state.service.end_streams()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._run_lifespan(receive, send)
        elif self.app is not None:
            await self.app(scope, receive, send)  # type: ignore[arg-type]
        elif scope["type"] == "http":
            await self._refuse(scope, send)

    # -- opening ------------------------------------------------------------------------------

    async def _open(self) -> bool:
        """Build and start the service; False (the fault noted) when the storage refuses.
        Raises anything else (a bug, or the service refusing to start)."""
        try:
            # Off the loop: opening may wait on a lock, and /healthz answers meanwhile.
            app = await asyncio.to_thread(self._build)
        except Exception as exc:
            fault = fault_of(exc, self._place)
            if fault is None:
                raise
            if fault != self.fault:
                if self.fault is None:
                    self._since = time.monotonic()
                log.error("storage fault (%s): %s; the service starts once it can be opened "
                          "(trying every %g s)", fault.cause, fault.message, self._retry_s)
                self.fault = fault
            return False
        asgi: Any = app  # ASGI's loose messages, not Litestar's typed events
        self._lifespan = asyncio.get_running_loop().create_task(
            asgi({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                 self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        started = await self._from_app.get()
        if started["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the service did not start: {started.get('message')}")
        if self.fault is not None:
            log.warning("storage opened after %.1f s: serving", time.monotonic() - self._since)
            self.fault = None
        self.app = app
        return True

    async def _retry(self) -> None:
        try:
            while not await self._open():
                await asyncio.sleep(self._retry_s)
        except Exception:  # not the storage: the process cannot serve; it ends, said
            log.exception("the service could not start")
            os.kill(os.getpid(), signal.SIGTERM)

    async def _run_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if not await self._open():
                        self._retrying = asyncio.get_running_loop().create_task(self._retry())
                except Exception as exc:  # the server ends at once, with the reason
                    log.exception("the service could not start")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._retrying is not None:
                    self._retrying.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await self._retrying
                await self._stop_app()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _stop_app(self) -> None:
        """Shut the service's lifespan down, even one stopped half way through its start."""
        if self._lifespan is None or self._lifespan.done():
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                while (await self._from_app.get())["type"] not in (
                        "lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                    pass
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._lifespan

    # -- while closed -------------------------------------------------------------------------

    async def _refuse(self, scope: Scope, send: Send) -> None:
        fault = self.fault
        path = scope.get("path", "")
        headers = [(b"content-type", b"application/json")]
        if path == "/healthz":
            status, body = 200, b'{"status":"ok"}'
        elif path == "/metrics":
            status, headers = 200, [(b"content-type", b"text/plain; version=0.0.4")]
            cause = fault.cause if fault else "unknown"
            body = (b"# HELP wallboard_storage_fault 1 while the storage cannot be written, "
                    b"by cause\n# TYPE wallboard_storage_fault gauge\n"
                    b'wallboard_storage_fault{cause="' + cause.encode() + b'"} 1.0\n')
        else:
            status = 503
            message = (f"{fault.message}; the service starts once it can be opened, retry "
                       "later" if fault else "starting; retry shortly")
            body = msgspec.json.encode(ErrorBody(ErrorDetail("storage_unavailable", message)))
            headers.append((b"retry-after", str(RETRY_AFTER_S).encode()))
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
