"""What is about to go wrong, per row, now: the conversations waiting past the row's
service-level threshold (each one already lost to the service level), those in work whose
operator has not written since taking them for longer than ``silent_after_s`` (a missed
conversation in the making), and the available operators with no free slot (available on
paper, of no help to the queue).

Read from the engine's live state at the moment asked: O(waiting + open conversations +
operators), no index kept.
"""

from __future__ import annotations

import msgspec

from ..engine import Account
from ..engine.conversation import IN_WORK
from ..figures import Report

__all__ = ["DEFAULT_SILENT_AFTER_S", "MAX_SILENT_AFTER_S", "AtRisk", "RowAtRisk", "at_risk"]

DEFAULT_SILENT_AFTER_S = 60
MAX_SILENT_AFTER_S = 86_400


class RowAtRisk(msgspec.Struct):
    report: Report
    id: str | None
    waiting_past_sl: int  # waiting now longer than the row's service-level threshold
    sl_threshold_s: float  # the row's (its own, or the account's)
    silent_in_work: int  # in work, no operator message since taken, for over silent_after_s
    longest_silence_s: float | None
    full_operators: int  # available, every chat slot taken


class AtRisk(msgspec.Struct):
    account: str
    as_of: str
    silent_after_s: float
    rows: list[RowAtRisk]


def at_risk(engine: Account, now: int, silent_after_s: float = DEFAULT_SILENT_AFTER_S
            ) -> AtRisk:
    """Every reported row's conversations and operators at risk at ``now``."""
    keys: dict[int, tuple[Report, str | None]] = {}  # id(row) -> its key
    out: dict[tuple[Report, str | None], RowAtRisk] = {}
    for report, row_id, row in engine.report_rows():
        keys[id(row)] = (report, row_id)
        sl = engine.sl_ms_of(row)
        late = sum(1 for start in row.waits.values() if now - start > sl)
        out[(report, row_id)] = RowAtRisk(report, row_id, late, sl / 1000, 0, None, 0)
    silent_ms = silent_after_s * 1000
    for conv in engine.open.values():
        if conv.state != IN_WORK or conv.operator is None:
            continue
        if conv.operator_msg_at is not None and conv.operator_msg_at >= conv.assigned_at:
            continue  # the operator has written since taking it
        silence = now - conv.assigned_at
        if silence <= silent_ms:
            continue
        channel = engine.channels.get(conv.channel)
        if channel is None or channel.excluded:
            continue  # of a kind no row counts (a callback, an offline form)
        rows: list[tuple[Report, str | None]] = [("total", None), ("group", conv.group),
                                                 ("channel", conv.channel)]
        for row_key in rows:
            found = out.get(row_key)
            if found is not None:
                found.silent_in_work += 1
                found.longest_silence_s = max(found.longest_silence_s or 0.0, silence / 1000)
    for op in engine.operators.values():
        if op.status == "available" and op.in_work >= op.max_chats:
            for row in op.rows:
                counted = keys.get(id(row))
                if counted is not None:
                    out[counted].full_operators += 1
    return AtRisk(engine.id, engine.calendar.iso(now), silent_after_s, list(out.values()))
