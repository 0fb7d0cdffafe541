"""Daily rows: a past-day snapshot per local day (counters, gauges null), and their CSV form.

Days the engine still holds come from it (they may still be corrected by late events); older
days come from the store, where the service writes every day whose counters changed at each
checkpoint.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from ..engine import Account, build, encode
from ..figures import FIGURES, Figure, mean_of
from ..store import Store
from .cells import text_cell

__all__ = ["CSV_HEADER", "csv_rows", "day_snapshots"]


def day_snapshots(account_id: str, first: date, last: date, store: Store,
                  engine: Account | None, now: int) -> list[bytes]:
    """The snapshots (JSON) of every local day from ``first`` to ``last`` that has data."""
    stored = {saved.day: saved.snapshot
              for saved in store.days(account_id, first.isoformat(), last.isoformat())}
    out = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        if engine is not None and engine.holds_day(ordinal, now):
            out.append(encode(build(engine, now, ordinal, gauges=False)))
        elif (saved := stored.get(date.fromordinal(ordinal).isoformat())) is not None:
            out.append(saved)
    return out


# The counted figures that have a column, in the registry's order (gauges are null in a past
# day's snapshot, so they have none here).
_COLUMNS = [f for f in FIGURES if f.csv is not None and f.kind != "gauge"]
CSV_HEADER = ("Date", "Report", "Id", "Name", "Channel kind", *(str(f.csv) for f in _COLUMNS))


def _cell(f: Figure, row: dict[str, Any]) -> Any:
    """A figure's cell from a snapshot row (JSON): means rounded, empty when undefined. A day
    saved before a figure was added has no key for it: a count reads 0."""
    if f.part_of is not None:
        return row[f.part_of].get(f.name, 0)
    if f.kind == "total":
        return row[f.name]["total"]
    if f.kind != "mean":
        return row.get(f.name, 0)
    if f.published:
        value = row.get(f.name)
    else:  # computed here from its counters, as the snapshot would
        assert f.of is not None
        value = mean_of(f, row.get(f.of[0], 0), row.get(f.of[1], 0))
    return "" if value is None else round(value, f.decimals)


def _row(day: str, report: str, row: dict[str, Any]) -> list[Any]:
    return [day, report, text_cell(row.get("id")) if report != "Total" else "",
            text_cell(row.get("name")) or ("No group" if report == "Group" and row.get("id")
                                           is None else ""),
            row.get("kind", ""), *(_cell(f, row) for f in _COLUMNS)]


def csv_rows(snapshots: Iterable[bytes]) -> str:
    """One line per day and row (total, channels, groups), with a header a spreadsheet reads."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for raw in snapshots:
        snap = json.loads(raw)
        writer.writerow(_row(snap["date"], "Total", snap["total"]))
        for row in snap["channels"]:
            writer.writerow(_row(snap["date"], "Channel", row))
        for row in snap["groups"]:
            writer.writerow(_row(snap["date"], "Group", row))
    return out.getvalue()
