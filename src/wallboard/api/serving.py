"""The HTTP server around the application: connection limits, timeouts and a clean shutdown.

uvicorn parses HTTP; what it does not do, this module adds on its protocol, before a request
reaches the application, so that no client can hold what others need:

- a cap on open connections, overall and per client address: beyond it a new connection gets
  a 503 and is closed at once (its descriptor is never parked), with one log line when the cap
  is first reached and one when connections are accepted again;
- a deadline for the request line and headers (408), counted from the connection or from the
  end of the previous response, so a client that sends half a request and waits is dropped;
- a body must keep up a minimum rate after a grace period (408), time spent waiting for the
  application to read it not counted;
- limits on the size and number of header fields (431; 414 for a request line alone) and on
  the requests one connection may carry;
- on shutdown the live streams are ended first, so that hundreds of them close at once instead
  of being cancelled after the grace period.

Every refusal is written in the API's error shape and counted in ``ConnectionStats``.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import httptools
import msgspec
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..service import Limits
from .errors import ErrorBody, ErrorDetail

__all__ = ["ConnectionStats", "serve"]

log = logging.getLogger("wallboard.connections")

_RESERVED_FDS = 64  # descriptors kept for the database, logs and threads beyond connections
_REASONS = {400: "Bad Request", 408: "Request Timeout", 414: "URI Too Long",
            431: "Request Header Fields Too Large", 503: "Service Unavailable"}


class ConnectionStats:
    """What the connection guard did, for /metrics."""

    def __init__(self) -> None:
        self.open = 0
        self.refused: Counter[str] = Counter()  # by reason: connections, client_connections, ...
        self.cap_reached = False


def _raw_response(status: int, code: str, message: str, extra: str = "") -> bytes:
    """A reply written before the application sees the request, with the headers every reply
    carries (``headers.security_headers``)."""
    body = msgspec.json.encode(ErrorBody(ErrorDetail(code, message, None)))
    head = (f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\ncache-control: no-store\r\n"
            f"x-content-type-options: nosniff\r\nx-frame-options: DENY\r\n{extra}\r\n")
    return head.encode() + body


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _Guarded(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above; subclassed per server."""

    limits: ClassVar[Limits]
    stats: ClassVar[ConnectionStats]
    per_client: ClassVar[Counter[str]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._header_count = 0
        self._requests = 0
        self._in_head = True  # between a response (or the connection) and the next head's end
        self._raw_head = 0  # bytes received while in the head, whatever the parser keeps
        self._body_at = 0.0  # when the current body's clock started (pauses push it on)
        self._body_bytes = 0

    # -- connections ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        limits, stats = self.limits, self.stats
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else ""
        reason = None
        if len(self.connections) >= limits.max_connections:
            reason = "connections"
        elif limits.max_client_connections and \
                self.per_client[address] >= limits.max_client_connections:
            reason = "client_connections"
        if reason is not None:
            self._refuse_connection(transport, reason, address)
            return
        if stats.cap_reached and len(self.connections) < limits.max_connections * 0.9:
            stats.cap_reached = False
            log.warning("accepting connections again: %d open", len(self.connections))
        super().connection_made(transport)
        self._address = address
        self.per_client[address] += 1
        stats.open += 1
        self._start_timer(limits.head_timeout_s, self._head_late)

    def _refuse_connection(self, transport: asyncio.Transport, reason: str, address: str
                           ) -> None:
        limits, stats = self.limits, self.stats
        stats.refused[reason] += 1
        if reason == "connections" and not stats.cap_reached:
            stats.cap_reached = True
            log.warning("connection limit reached: %d open (--max-connections %d); new "
                        "connections get 503 until some close", len(self.connections),
                        limits.max_connections)
        elif reason == "client_connections" and stats.refused[reason] % 1000 == 1:
            log.warning("client %s holds %d connections (--max-client-connections); its new "
                        "ones get 503 (%d refused so far)", address, self.per_client[address],
                        stats.refused[reason])
        transport.write(_raw_response(503, "busy", "too many open connections; retry shortly",
                                      "retry-after: 1\r\n"))
        transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is None:  # refused: nothing of it was set up
            return
        self._stop_timer()
        self.per_client[self._address] -= 1
        if self.per_client[self._address] <= 0:
            del self.per_client[self._address]
        self.stats.open -= 1
        super().connection_lost(exc)

    def shutdown(self) -> None:
        self._stop_timer()
        super().shutdown()

    # -- timers ----------------------------------------------------------------------------

    def _start_timer(self, delay: float, callback: Callable[[], None]) -> None:
        self._stop_timer()
        self._timer = self.loop.call_later(delay, callback)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_late(self) -> None:
        self._timer = None
        self._refuse(_Refusal(408, "timeout", "the request line and headers did not arrive "
                              f"within {self.limits.head_timeout_s:g} s"))

    def _check_body(self) -> None:
        self._timer = None
        now = time.monotonic()
        if self.flow.read_paused:  # the application is not reading: its time, not the client's
            self._body_at += 1.0
        limits = self.limits
        allowed = limits.body_timeout_s + self._body_bytes / limits.body_min_rate
        if now - self._body_at > allowed:
            self._refuse(_Refusal(408, "timeout", "the body arrived slower than "
                                  f"{limits.body_min_rate} bytes a second"))
        else:
            self._start_timer(1.0, self._check_body)

    def _refuse(self, refusal: _Refusal) -> None:
        """Answer (unless a response has begun) and close: the client is not keeping up."""
        self.stats.refused[refusal.code if refusal.status != 408 else "timeout"] += 1
        if self.transport.is_closing():
            return
        if self._in_head or self.cycle is None or not self.cycle.response_started:
            # between requests the last cycle's response is complete: the refusal is new
            self.transport.write(_raw_response(refusal.status, refusal.code, refusal.message))
        if self.cycle is not None:
            self.cycle.disconnected = True  # the application's later sends go nowhere
            self.cycle.message_event.set()
        log.debug("refused %s: %s", self._address, refusal.message)
        self.transport.close()

    # -- parsing ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        in_head = self._in_head
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # As uvicorn without WebSockets: the request was already handed on as plain HTTP.
            log.debug("ignored a protocol upgrade from %s", self._address)
            return
        except httptools.HttpParserError as err:
            cause = err.__context__
            self._refuse(cause if isinstance(cause, _Refusal) else
                         _Refusal(400, "bad_request", "malformed HTTP request"))
            return
        if in_head and self._in_head:
            # The parser keeps a field that has not ended yet without telling us: count what
            # came while the head was still open, so one endless header cannot grow.
            self._raw_head += len(data)
            if self._raw_head > self.limits.max_header_bytes:
                self._refuse(_Refusal(431, "too_large", "request line and headers over "
                                      f"{self.limits.max_header_bytes} bytes"))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = self._header_count = 0

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        if self._head_bytes > self.limits.max_header_bytes:
            raise _Refusal(414, "too_large", "the request line is longer than "
                           f"{self.limits.max_header_bytes} bytes")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        self._header_count += 1
        limits = self.limits
        if self._head_bytes > limits.max_header_bytes or self._header_count > limits.max_headers:
            raise _Refusal(431, "too_large", f"request headers over {limits.max_headers} "
                           f"fields or {limits.max_header_bytes} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_timer()
        self._in_head, self._raw_head = False, 0
        super().on_headers_complete()
        self._requests += 1
        if self._requests >= self.limits.keepalive_requests and self.cycle is not None:
            self.cycle.keep_alive = False
        if self._has_body():  # whatever the method: a GET may declare a body too
            self._body_at, self._body_bytes = time.monotonic(), 0
            self._start_timer(1.0, self._check_body)

    def _has_body(self) -> bool:
        for name, value in self.headers:
            if name == b"content-length":
                return value.strip() not in (b"0", b"")
            if name == b"transfer-encoding":
                return True
        return False

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._stop_timer()
        super().on_message_complete()
        if self.cycle is not None and self.cycle.response_complete:  # answered before its end
            self._await_next_head()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if not pipelined and not self.cycle.more_body:  # else: when the body has ended
            self._await_next_head()

    def _await_next_head(self) -> None:
        """The next request's head is due from now: blank lines sent meanwhile (which the
        parser skips without starting a request) do not hold the connection open."""
        if not self.transport.is_closing():
            self._in_head, self._raw_head = True, 0
            self._start_timer(self.limits.head_timeout_s, self._head_late)


def guarded_protocol(limits: Limits, stats: ConnectionStats) -> type[HttpToolsProtocol]:
    """uvicorn's protocol for one server, with its limits and its statistics."""
    return type("GuardedProtocol", (_Guarded,),
                {"limits": limits, "stats": stats, "per_client": Counter()})


def _descriptors(limits: Limits) -> Limits:
    """Raise the open-file limit as far as allowed, and keep the cap within it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + _RESERVED_FDS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        cap = max(16, soft - _RESERVED_FDS)
        log.warning("only %d open files allowed (ulimit -n): --max-connections lowered from "
                    "%d to %d", soft, limits.max_connections, cap)
        return msgspec.structs.replace(limits, max_connections=cap)
    return limits


class _Server(uvicorn.Server):
    """uvicorn's server, ending the live streams before its graceful wait begins."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown

    async def shutdown(self, sockets: Any = None) -> None:
        self._on_shutdown()
        await super().shutdown(sockets)


def serve(app: Any, host: str, port: int, limits: Limits, stats: ConnectionStats,
          on_shutdown: Callable[[], None], log_level: str) -> None:
    limits = _descriptors(limits)
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, loop="uvloop", ws="none",
        http=guarded_protocol(limits, stats), timeout_keep_alive=limits.keepalive_timeout_s,
        timeout_graceful_shutdown=5, server_header=False)
    _Server(config, on_shutdown).run()
