"""Prometheus metrics of one service instance.

Two registries: the process's own figures, which anyone may read at ``/metrics``, and the
per-account series, which name every tenant and so are served only with the scrape token that
the operator opts in to (``--metrics-token``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from ..service import Service
    from .serving import ConnectionStats

__all__ = ["Metrics"]


class Metrics:
    def __init__(self, service: Service, connections: ConnectionStats | None) -> None:
        self.registry = registry = CollectorRegistry()
        self.accounts = accounts = CollectorRegistry()
        self._events_all = Counter("wallboard_events", "Events received, by result",
                                   ["result"], registry=registry)
        self._events = Counter("wallboard_account_events",
                               "Events received, by account and result",
                               ["account", "result"], registry=accounts)
        self._ahead_all = Counter("wallboard_events_ahead_of_clock", "Events refused for an "
                                  "`at` over 5 minutes ahead of this service's clock (the "
                                  "sender's clock, or ours, is wrong)", registry=registry)
        self._ahead = Counter("wallboard_account_events_ahead_of_clock", "Events refused for "
                              "an `at` over 5 minutes ahead of the clock, by account",
                              ["account"], registry=accounts)
        self._ahead_by = Gauge("wallboard_events_ahead_of_clock_last_seconds", "How far "
                               "ahead of this service's clock the last such event was",
                               registry=registry)
        self.ingest_seconds = Histogram(
            "wallboard_ingest_seconds", "POST /api/v1/events, from receipt to committed reply",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=registry)
        self._queue = Gauge("wallboard_write_queue_depth", "Batches waiting for the writer",
                            registry=registry)
        self._clients = Gauge("wallboard_sse_clients", "Open snapshot streams",
                              registry=registry)
        self._tenants = Gauge("wallboard_accounts", "Accounts served", registry=registry)
        self._storage = Gauge("wallboard_storage_fault", "1 while the storage cannot be "
                              "written, by cause (disk_full, read_only, locked, corrupt, replaced, "
                              "io_error)", ["cause"], registry=registry)
        self._storage_faults = _Following(Counter(
            "wallboard_storage_faults", "Storage faults begun, by cause", ["cause"],
            registry=registry))
        self._unreadable = _Following(Counter(
            "wallboard_checkpoints_unreadable", "Checkpoints found damaged or unreadable at "
            "load (the account was rebuilt from its log)", registry=registry))
        self.errors = Counter("wallboard_unexpected_errors",
                              "Requests that failed on an unexpected error (logged with a "
                              "trace)", registry=registry)
        if connections is not None:
            stats = connections
            open_now = Gauge("wallboard_connections_open", "Open HTTP connections",
                             registry=registry)
            open_now.set_function(lambda: stats.open)
            self._refused = _Following(Counter(
                "wallboard_connections_refused", "Connections and requests refused by the "
                "connection limits, by reason", ["reason"], registry=registry))
        late = _Following(Counter(
            "wallboard_late_events_dropped",
            "Events for conversations already final (closed over 48 h before)", ["account"],
            registry=accounts))
        age = Gauge("wallboard_checkpoint_age_seconds", "Seconds since the last checkpoint",
                    ["account"], registry=accounts)
        self._late, self._age, self._service = late, age, service
        self._connections = connections

    def count_events(self, account: str, result: str, n: int) -> None:
        self._events_all.labels(result).inc(n)
        self._events.labels(account, result).inc(n)

    def count_ahead(self, account: str, ahead_ms: list[int]) -> None:
        self._ahead_all.inc(len(ahead_ms))
        self._ahead.labels(account).inc(len(ahead_ms))
        self._ahead_by.set(ahead_ms[-1] / 1000)

    def refresh(self) -> None:
        """Gauges and counters read from the engines, brought up to date before a scrape."""
        stats = self._service.stats()
        self._queue.set(stats.write_queue)
        self._clients.set(stats.stream_clients)
        self._tenants.set(len(stats.accounts))
        self._unreadable.follow(stats.checkpoints_unreadable)
        for cause, n in stats.storage_faults.items():
            self._storage.labels(cause).set(1 if cause == stats.storage_fault else 0)
            self._storage_faults.follow(n, cause)
        for account in stats.accounts:
            self._age.labels(account.account).set(account.checkpoint_age_s)
            self._late.follow(account.dropped_late, account.account)
        if self._connections is not None:
            for reason, n in self._connections.refused.items():
                self._refused.follow(n, reason)


class _Following:
    """A counter that follows a running total kept elsewhere (one per set of labels): each
    scrape adds what the total grew by since the last."""

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._seen: dict[tuple[str, ...], int] = {}

    def follow(self, total: int, *labels: str) -> None:
        grown = total - self._seen.get(labels, 0)
        if grown > 0:
            (self._counter.labels(*labels) if labels else self._counter).inc(grown)
            self._seen[labels] = total
