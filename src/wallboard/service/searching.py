"""A search for the conversations behind a figure, as the single process and the cluster's
engine workers run it: the row's copy taken on the event loop (where the engine is
consistent), the day's conversations that left memory read from the store and the page
explained on threads, one search at a time (each holds the interpreter a while)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import msgspec

from ..engine import Account
from ..engine.behind import Explained
from ..engine.calendar import ordinal_iso
from ..figures import Report
from ..store import Store
from .explain import KEPT_SINCE_SETTING, FigureBehind, explained, search
from .queries import day_ordinal

__all__ = ["BehindQuery", "figure_behind"]


class BehindQuery(msgspec.Struct, tag="behind", frozen=True):
    """A page of the conversations behind ``figure`` of a row, on ``day`` (None: today)."""

    figure: Explained
    report: Report
    row_id: str | None
    day: str | None
    offset: int
    limit: int


async def figure_behind(query: BehindQuery, account_id: str, engine: Account, store: Store,
                        retired: Callable[[str], list[tuple[str, bytes]]], history_days: int,
                        now: int, one_at_a_time: asyncio.Semaphore) -> FigureBehind | None:
    """The page (None: no such row). ``store`` is read on the loop; ``retired(day)``, the
    day's conversations kept in the store, is called on a thread (with a connection of its
    own). Raises ``FutureDay`` and ``explain.NotHeld``."""
    ordinal = day_ordinal(engine, query.day, now)
    if engine.report_row(query.report, query.row_id) is None:
        return None
    held, stored = search(engine, query.report, query.row_id, ordinal, now,
                          _kept_from(engine, store, account_id, history_days, now))
    async with one_at_a_time:
        if stored:
            kept = await asyncio.to_thread(retired, ordinal_iso(ordinal))
            held = msgspec.structs.replace(held, closed=held.closed + kept)
        return await asyncio.to_thread(explained, account_id, held, engine.calendar.iso,
                                       query.figure, query.report, query.row_id, ordinal,
                                       ordinal_iso(ordinal), now, query.offset, query.limit)


def _kept_from(engine: Account, store: Store, account_id: str, history_days: int,
               now: int) -> int:
    """The first day whose conversations are all kept: not before the store began keeping
    them, nor before the history's retention."""
    saved = store.setting(account_id, KEPT_SINCE_SETTING)
    since = date.fromisoformat(saved.decode()).toordinal() if saved else 0
    return max(since, engine.calendar.day_of(now) - history_days)
