"""``wallboard replay``: a file of events through a fresh engine, and its snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..engine import Account, build, encode
from ..events import EVENT_ID, EventError, decode_ndjson_chunks

__all__ = ["replay"]


def replay(lines: Iterable[bytes], account_id: str, timezone: str, now: int,
           sl_threshold_s: float, problem: Callable[[int, str], None]) -> bytes:
    """The account's snapshot (JSON) at ``now`` after the NDJSON ``lines``; ``problem`` is
    told each line that was rejected or conflicted (its number and the reason). Events of
    other accounts are skipped: a multi-tenant export is a normal input."""
    account = Account(account_id, timezone, sl_threshold_s)
    for results in decode_ndjson_chunks(lines, now):
        for number, item in results:
            if isinstance(item, EventError):
                problem(number, str(item))
                continue
            owner, event = item
            if owner != account_id:
                continue
            if account.apply(event, now) == "conflict":
                problem(number, f'"id": {event[EVENT_ID]!r} was already used by an event with '
                        "different content; the first version stands")
    return encode(build(account, now))
