"""Service limits: every one explicit, documented in docs/api.md and settable by the operator."""

from __future__ import annotations

import msgspec

__all__ = ["Limits"]


class Limits(msgspec.Struct, frozen=True):
    max_events: int = 10_000  # events in one POST; more is 413
    max_body_bytes: int = 10 * 1024 * 1024  # one POST body; more is 413
    write_queue: int = 64  # batches waiting for the writer; when full, 429 with Retry-After
    push_interval_s: float = 0.2  # at most 5 snapshots a second per account on a stream
    heartbeat_s: float = 20.0  # a snapshot at least this often, even with no traffic
    checkpoint_interval_s: float = 60.0  # engine state saved this often (and on shutdown)
    checkpoint_events: int = 300_000  # ... or after this many events, whichever comes first
    history_days: int = 400  # daily history and intraday series kept this many days
    sample_every_s: float = 10.0  # gauges sampled this often for the intraday series
    session_hours: float = 12.0  # a dashboard session unused this long expires
