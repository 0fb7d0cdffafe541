"""What the engine said of the events the stream stored: how the ingest role answers
``duplicate`` and ``conflict`` exactly, however long after the first copy an event comes.

JetStream's duplicate window drops an exact copy sent within 2 minutes (the message id holds
the content's digest), and the ingest role calls that a duplicate. Anything it stores goes to
the account's engine, which keeps every id it holds and says of each event ``accepted``,
``duplicate`` (an id it has, the same content) or ``conflict`` (another content). The owning
worker keeps the last ``KEPT`` such verdicts of each account by stream sequence, and the
ingest role asks for those of the sequences it just stored (``VerdictsQuery`` on the account's
ask subject) before it answers; the worker replies once it has applied them.

An engine's ``late`` (an event for a conversation closed more than 48 hours ago) is reported
``accepted``, as the single process reports it (its log takes the event, its engine drops it
and counts it in ``wallboard_late_events_dropped``).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ..engine import Result

__all__ = ["KEPT", "WAIT_S", "VerdictBook", "Verdicts", "VerdictsQuery"]

KEPT = 10_000  # verdicts kept per account: the ingest role asks within seconds
WAIT_S = 5.0  # a worker waits this long for the asked sequences to be applied

Verdict = Literal["duplicate", "conflict"]


class VerdictsQuery(msgspec.Struct, tag="verdicts", frozen=True):
    """The engine's verdicts on these stream sequences of the account."""

    seqs: list[int]


class Verdicts(msgspec.Struct):
    of: dict[int, Verdict]  # stream sequence -> verdict; a sequence not here was accepted


class VerdictBook:
    """One account's last ``KEPT`` verdicts other than ``accepted``."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._of: dict[int, Verdict] = {}

    def note(self, seq: int, result: Result) -> None:
        if result == "duplicate" or result == "conflict":
            self._of[seq] = result
            if len(self._of) > self._kept:
                del self._of[next(iter(self._of))]  # the oldest (sequences come in order)

    def of(self, seqs: list[int]) -> Verdicts:
        return Verdicts({seq: v for seq in seqs if (v := self._of.get(seq)) is not None})
