"""Prometheus metrics of one service instance."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from ..service import Hub

__all__ = ["Metrics"]


class Metrics:
    def __init__(self, hub: Hub) -> None:
        self.registry = registry = CollectorRegistry()
        self.events = Counter("wallboard_events", "Events received, by account and result",
                              ["account", "result"], registry=registry)
        self.ingest_seconds = Histogram(
            "wallboard_ingest_seconds", "POST /api/v1/events, from receipt to committed reply",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=registry)
        queue = Gauge("wallboard_write_queue_depth", "Batches waiting for the writer",
                      registry=registry)
        queue.set_function(hub.queue_depth)
        clients = Gauge("wallboard_sse_clients", "Open snapshot streams", registry=registry)
        clients.set_function(lambda: sum(a.publisher.clients for a in hub.accounts.values()))
        late = Counter("wallboard_late_events_dropped",
                       "Events for conversations already final (closed over 48 h before)",
                       ["account"], registry=registry)
        age = Gauge("wallboard_checkpoint_age_seconds", "Seconds since the last checkpoint",
                    ["account"], registry=registry)
        self._late, self._age, self._hub = late, age, hub
        self._dropped: dict[str, int] = {}

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
