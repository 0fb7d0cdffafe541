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
        if engine is not None and ordinal >= engine.first_day_held(now):
            out.append(encode(build(engine, now, ordinal, gauges=False)))
        elif (saved := stored.get(date.fromordinal(ordinal).isoformat())) is not None:
            out.append(saved)
    return out


CSV_HEADER = ("Date", "Report", "Id", "Name", "Channel kind", "Arrived", "Served",
              "Unserved", "Unassigned", "Canceled", "Missed", "Queue wait (average, s)",
              "Wait samples", "Answered within service level", "Service level (%)")


def _row(day: str, report: str, row: dict[str, Any]) -> list[Any]:
    unserved = row["unserved"]
    samples = row["wait_samples"]
    avg = row["avg_wait_s"]
    level = 100 * row["answered_within_sl"] / samples if samples else None
    return [day, report, text_cell(row.get("id")) if report != "Total" else "",
            text_cell(row.get("name")) or ("No group" if report == "Group" and row.get("id")
                                           is None else ""),
            row.get("kind", ""), row["arrived"], row["served"], unserved["total"],
            unserved["unassigned"], unserved["canceled"], unserved["missed"],
            "" if avg is None else round(avg, 3), samples, row["answered_within_sl"],
            "" if level is None else round(level, 1)]


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
