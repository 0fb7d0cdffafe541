"""Prometheus metrics of one service instance.

Two registries: the process's own figures, which anyone may read at ``/metrics``, and the
per-account series, which name every tenant and so are served only with the scrape token that
the operator opts in to (``--metrics-token``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from ..service import Hub
    from .serving import ConnectionStats

__all__ = ["Metrics"]


class Metrics:
    def __init__(self, hub: Hub, connections: ConnectionStats | None) -> None:
        self.registry = registry = CollectorRegistry()
        self.accounts = accounts = CollectorRegistry()
        self._events_all = Counter("wallboard_events", "Events received, by result",
                                   ["result"], registry=registry)
        self._events = Counter("wallboard_account_events",
                               "Events received, by account and result",
                               ["account", "result"], registry=accounts)
        self.ingest_seconds = Histogram(
            "wallboard_ingest_seconds", "POST /api/v1/events, from receipt to committed reply",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=registry)
        queue = Gauge("wallboard_write_queue_depth", "Batches waiting for the writer",
                      registry=registry)
        queue.set_function(hub.queue_depth)
        clients = Gauge("wallboard_sse_clients", "Open snapshot streams", registry=registry)
        clients.set_function(lambda: sum(a.publisher.clients for a in hub.accounts.values()))
        tenants = Gauge("wallboard_accounts", "Accounts served", registry=registry)
        tenants.set_function(lambda: len(hub.accounts))
        self.errors = Counter("wallboard_unexpected_errors",
                              "Requests that failed on an unexpected error (logged with a "
                              "trace)", registry=registry)
        if connections is not None:
            stats = connections
            open_now = Gauge("wallboard_connections_open", "Open HTTP connections",
                             registry=registry)
            open_now.set_function(lambda: stats.open)
            refused = Counter("wallboard_connections_refused",
                              "Connections and requests refused by the connection limits, by "
                              "reason", ["reason"], registry=registry)
            self._refused, self._stats = refused, stats
            self._seen: dict[str, int] = {}
        late = Counter("wallboard_late_events_dropped",
                       "Events for conversations already final (closed over 48 h before)",
                       ["account"], registry=accounts)
        age = Gauge("wallboard_checkpoint_age_seconds", "Seconds since the last checkpoint",
                    ["account"], registry=accounts)
        self._late, self._age, self._hub = late, age, hub
        self._dropped: dict[str, int] = {}
        self._connections = connections

    def count_events(self, account: str, result: str, n: int) -> None:
        self._events_all.labels(result).inc(n)
        self._events.labels(account, result).inc(n)

    def refresh(self) -> None:
        """Gauges and counters read from the engines, brought up to date before a scrape."""
        now = time.monotonic()
        for account_id, live in self._hub.accounts.items():
            self._age.labels(account_id).set(now - live.checkpoint_at)
            dropped = live.engine.dropped_late
            seen = self._dropped.get(account_id, 0)
            if dropped > seen:
                self._late.labels(account_id).inc(dropped - seen)
                self._dropped[account_id] = dropped
        if self._connections is not None:
            for reason, n in self._connections.refused.items():
                seen = self._seen.get(reason, 0)
                if n > seen:
                    self._refused.labels(reason).inc(n - seen)
                    self._seen[reason] = n
