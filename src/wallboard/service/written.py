"""A checkpoint: an account's engine state with the position it holds, and what of its
history changed since the last one (the daily snapshots and the row-days of 15-minute
buckets, the conversations that left the engine's memory, what retention forgets). The single
process's writer and the cluster's engine workers build and save the same.

Built on the event loop, where the engine is consistent (pickling takes about 0.1 s for a
million-event day); saved off it, in one transaction. A day counts as changed when its
counters differ from what was last written: comparing the few days in memory costs nothing
per event. A checkpoint not saved is ``undone`` so that the next one writes it all again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine import Account, build, encode
from ..engine.behind import days_of
from ..engine.calendar import ordinal_iso
from ..figures import Snapshot
from ..history import changed_row_days
from ..store import RetiredConversation, SavedDay, SavedSeries, Store

__all__ = ["Checkpoint", "Superseded", "Written", "checkpoint_of", "save", "undo"]

DAY_MS = 86_400_000


class Superseded(Exception):
    """A checkpoint of the account at a later position is saved already (the partition's
    next owner wrote it): this older one, and its history, are not written."""


@dataclass
class Written:
    """What was last written of one account's history."""

    days: dict[int, bytes] = field(default_factory=dict)  # local day -> its snapshot
    series: dict[tuple[int, str], int] = field(default_factory=dict)  # (day, row) -> hash


@dataclass
class Checkpoint:
    account: str
    seq: int  # the position (log or stream sequence) the state holds
    state: bytes
    written_at: int
    days: list[SavedDay]  # the daily history that changed
    series: list[SavedSeries]  # the row-days of buckets that changed
    forget_before: str  # retention: history days before this one go
    forget_alerts_before: int  # ... and alerts fired (deliveries made) before this instant
    retired: list[RetiredConversation]  # conversations that left memory, under their days
    drained: list[tuple[str, bytes]]  # the same as the engine gave them (back if not saved)
    before: Written  # what was written before this checkpoint (back if not saved)


def checkpoint_of(account_id: str, engine: Account, seq: int, written: Written, now: int,
                  history_days: int) -> Checkpoint:
    """The checkpoint at ``now``; ``written`` is brought up to date with it, and the
    engine's retired conversations go into it."""
    before = Written(dict(written.days), dict(written.series))
    today = engine.calendar.day_of(now)
    days = []
    for day in range(engine.first_day_held(now), today + 1):
        # A past day is stamped with its own last instant, so unchanged means identical.
        as_of = now if day == today else engine.calendar.day_start(day + 1) - 1
        built = build(engine, as_of, day, gauges=False)
        if not _has_counts(built) and day not in written.days:
            continue  # a quiet day (or one before the account's first event)
        snapshot = encode(built)
        if written.days.get(day) != snapshot:
            written.days[day] = snapshot
            days.append(SavedDay(ordinal_iso(day), snapshot))
    for day in [d for d in written.days if d < today - history_days]:
        del written.days[day]
    drained, engine.retired = engine.retired or [], ([] if engine.retired is not None else None)
    retired = [RetiredConversation(ordinal_iso(day), cid, packed)
               for cid, packed in drained for day in days_of(engine, packed)]
    series = changed_row_days(engine, now, written.series)
    held = engine.first_day_held(now)
    for key in [k for k in written.series if k[0] < held]:
        del written.series[key]  # the engine no longer holds the day: final
    return Checkpoint(account_id, seq, engine.dumps(), now, days, series,
                      ordinal_iso(today - history_days), now - history_days * DAY_MS,
                      retired, drained, before)


def undo(checkpoint: Checkpoint, engine: Account, written: Written) -> None:
    """The checkpoint was not saved: what it held goes with the next one."""
    written.days, written.series = checkpoint.before.days, checkpoint.before.series
    if engine.retired is not None:
        engine.retired = checkpoint.drained + engine.retired


def save(store: Store, checkpoint: Checkpoint) -> None:
    """In one transaction; ``Superseded`` (nothing written) when a later one is saved."""
    item = checkpoint
    with store.transaction():
        if not store.save_checkpoint(item.account, item.seq, item.state, item.written_at):
            raise Superseded(item.account)
        store.save_days(item.account, item.days, item.written_at)
        store.save_series(item.account, item.series, item.written_at)
        store.save_retired(item.account, item.retired)
        store.forget_sessions_before(item.written_at)  # expired sessions, spent links
        store.forget_days_before(item.account, item.forget_before)
        store.forget_alerts_before(item.account, item.forget_alerts_before)
        # What connectors remember of a platform's conversations goes with the history: a
        # conversation reopened after that starts afresh.
        store.forget_connector_states_before(item.account, item.forget_alerts_before)


def _has_counts(snapshot: Snapshot) -> bool:
    rows: list[Any] = [snapshot.total, *snapshot.channels, *snapshot.groups]
    return any(r.arrived or r.served or r.unserved.total or r.wait_samples for r in rows) or \
        bool(snapshot.total.topics)
