"""Which partition an account's events go to: a stable hash of its id into a fixed number of
partitions, the same in every process and every release (a change would move accounts
between engine workers with their state left behind)."""

from __future__ import annotations

import hashlib

__all__ = [
    "DEFAULT_PARTITIONS",
    "SUBJECTS",
    "WATCHES",
    "alerts_subject",
    "ask_subject",
    "asks_of",
    "events_of",
    "message_id",
    "partition_of",
    "snapshot_subject",
    "subject_of",
    "watch_subject",
]

DEFAULT_PARTITIONS = 16
SUBJECTS = "wb.events.>"  # every partition's subjects: wb.events.<partition>.<account>


def partition_of(account: str, partitions: int = DEFAULT_PARTITIONS) -> int:
    digest = hashlib.sha256(account.encode()).digest()
    return int.from_bytes(digest[:8], "big") % partitions


def subject_of(account: str, partitions: int = DEFAULT_PARTITIONS) -> str:
    return f"wb.events.{partition_of(account, partitions)}.{account}"


def message_id(account: str, event_id: str, body: bytes) -> str:
    """JetStream's message id of an event: its duplicate window then drops a second copy of
    what Wallboard's own idempotency calls the same event (same account, id and content).
    The content's digest is in it so that another version of an id is stored, for the engine
    to call a conflict, and not dropped as if it were a copy."""
    return f"{account}:{event_id}:{hashlib.blake2b(body, digest_size=12).hexdigest()}"


def events_of(partition: int) -> str:
    """Every account's events in one partition."""
    return f"wb.events.{partition}.>"


def ask_subject(account: str, partitions: int = DEFAULT_PARTITIONS) -> str:
    """Where the worker owning the account answers queries about it (request-reply)."""
    return f"wb.ask.{partition_of(account, partitions)}.{account}"


def asks_of(partition: int) -> str:
    return f"wb.ask.{partition}.>"


def snapshot_subject(account: str) -> str:
    """Where the owning worker publishes the account's snapshots (the api roles listen)."""
    return f"wb.snap.{account}"


def alerts_subject(account: str) -> str:
    """Where the owning worker publishes the account's open alerts as they change."""
    return f"wb.alerts.{account}"


WATCHES = "wb.watch.>"


def watch_subject(account: str) -> str:
    """Where an api role says, every few seconds, that it streams the account to somebody:
    only watched accounts have their snapshots published."""
    return f"wb.watch.{account}"
