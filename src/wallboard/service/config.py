"""Service limits: every one explicit, documented in docs/api.md and settable by the operator."""

from __future__ import annotations

import msgspec

__all__ = ["JSON_BODY_BYTES", "Limits"]

# The body of a JSON route other than ingest (sign-in, thresholds, tokens): more is 413.
JSON_BODY_BYTES = 64 * 1024


class Limits(msgspec.Struct, frozen=True):
    max_events: int = 10_000  # events in one POST; more is 413
    max_body_bytes: int = 10 * 1024 * 1024  # one POST body; more is 413
    connector_body_bytes: int = 1024 * 1024  # one platform webhook's body; more is 413
    write_queue: int = 64  # batches waiting for the writer; when full, 429 with Retry-After
    push_interval_s: float = 0.2  # at most 5 snapshots a second per account on a stream
    heartbeat_s: float = 20.0  # a snapshot at least this often, even with no traffic
    tick_s: float = 2.0  # a stream says it is alive this often (a page seeing none is stale)
    operators_interval_s: float = 1.0  # the operator list at most this often on a stream
    staffing_interval_s: float = 5.0  # staffing advice at most this often on a stream
    trends_interval_s: float = 10.0  # trends and hot topics at most this often on a stream
    at_risk_interval_s: float = 1.0  # what is at risk at most this often on a stream
    checkpoint_interval_s: float = 60.0  # engine state saved this often (and on shutdown)
    checkpoint_events: int = 300_000  # ... or after this many events, whichever comes first
    history_days: int = 400  # daily history and intraday series kept this many days
    sample_every_s: float = 10.0  # gauges sampled this often for the intraday series
    alert_every_s: float = 1.0  # alert rules are evaluated this often
    delivery_timeout_s: float = 5.0  # an alert's webhook or Telegram call gets this long
    delivery_attempts: int = 12  # tries before a delivery is given up (about 30 minutes)
    delivery_backoff_max_s: float = 300.0  # retries wait 1, 2, 4 ... s, at most this
    deliveries_in_flight: int = 32  # receivers called at once (one call at a time each)
    session_hours: float = 12.0  # a dashboard session unused this long expires
    # -- connections (checked by the HTTP server before the application sees a request) --
    max_connections: int = 4096  # open at once; more get 503 and are closed at once
    max_client_connections: int = 256  # open at once from one address (0: no such cap)
    head_timeout_s: float = 10.0  # a request line and headers must arrive within this; 408
    body_timeout_s: float = 20.0  # a body gets this long, plus 1 s per body_min_rate bytes; 408
    body_min_rate: int = 8 * 1024  # bytes a second a body must keep up on average
    max_header_bytes: int = 16 * 1024  # request line and headers together: 414 or 431 beyond
    max_headers: int = 100  # header fields in one request: 431 beyond
    keepalive_timeout_s: int = 5  # an idle connection is closed after this
    keepalive_requests: int = 1000  # requests on one connection before it is closed
