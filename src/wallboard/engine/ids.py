"""A compact set of event ids: 8 bytes a slot instead of a string object and a dict entry.

It stores a 64-bit hash of each id in an open-addressing table. Membership is therefore exact
up to a 64-bit hash collision (about one in 10^8 for a million ids held at once, with keys
that are randomised per process so they cannot be aimed at); callers that need certainty look
the id up where its event is kept.
"""

from __future__ import annotations

from array import array

__all__ = ["IdSet"]

_EMPTY, _DELETED = 0, 1
_MIN_SIZE = 1024


def _key(event_id: str) -> int:
    h = hash(event_id)
    return h + 2 if h in (_EMPTY, _DELETED) else h  # never one of the two markers


class IdSet:
    __slots__ = ("_filled", "_mask", "_table", "_used")

    def __init__(self) -> None:
        self._table = array("q", bytes(8 * _MIN_SIZE))
        self._mask = _MIN_SIZE - 1
        self._used = 0  # live ids
        self._filled = 0  # live ids plus deletion markers

    def __len__(self) -> int:
        return self._used

    def _slot(self, key: int) -> int:
        """The slot holding ``key``, or -1."""
        table, mask = self._table, self._mask
        i = key & mask
        while True:
            k = table[i]
            if k == key:
                return i
            if k == _EMPTY:
                return -1
            i = (i + 1) & mask

    def __contains__(self, event_id: str) -> bool:
        return self._slot(_key(event_id)) >= 0

    def add(self, event_id: str) -> bool:
        """Add the id; False when it was already there."""
        key = _key(event_id)
        table, mask = self._table, self._mask
        i = key & mask
        free = -1
        while True:
            k = table[i]
            if k == key:
                return False
            if k == _EMPTY:
                break
            if k == _DELETED and free < 0:
                free = i
            i = (i + 1) & mask
        if free >= 0:
            table[free] = key
        else:
            table[i] = key
            self._filled += 1
        self._used += 1
        if 2 * self._filled > len(table):  # keep probes short: at most half full
            self._resize()
        return True

    def discard(self, event_id: str) -> None:
        i = self._slot(_key(event_id))
        if i >= 0:
            self._table[i] = _DELETED
            self._used -= 1

    def _resize(self) -> None:
        live = [k for k in self._table if k != _EMPTY and k != _DELETED]
        size = _MIN_SIZE
        while size < 3 * len(live):
            size *= 2
        self._table = table = array("q", bytes(8 * size))
        self._mask = mask = size - 1
        for key in live:
            i = key & mask
            while table[i] != _EMPTY:
                i = (i + 1) & mask
            table[i] = key
        self._used = self._filled = len(live)
