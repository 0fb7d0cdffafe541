"""A compact set of event ids: about 16 bytes an id instead of a string and a dict entry.

It stores a 63-bit hash of each id in open-addressing tables. Membership is therefore exact up
to a hash collision (about one in 10^7 for a million ids held at once, with hash keys that are
randomised per process so they cannot be aimed at); callers that need certainty look the id up
where its event is kept. The table is split into shards that grow one at a time, so growing
never needs twice the memory of the whole set.
"""

from __future__ import annotations

from array import array

__all__ = ["IdSet"]

# A key is the id's hash, which CPython never makes -1: so -1 marks a deletion, and a hash of
# 0 is stored as 1 to keep 0 for empty slots.
_EMPTY, _DELETED = 0, -1
_SHARD_BITS = 6
_SHARDS = 1 << _SHARD_BITS
_SHARD_MASK = _SHARDS - 1
_MIN_SLOTS = 255


def _table_size(live: int) -> int:
    # 2**n - 1: odd, so that the slot (key % size) is independent of the shard (key & 63).
    slots = _MIN_SLOTS
    while slots < 3 * live:
        slots = slots * 2 + 1
    return slots


class _Shard:
    __slots__ = ("filled", "limit", "size", "table")

    def __init__(self, slots: int) -> None:
        self.table = array("q", bytes(8 * slots))
        self.size = slots
        self.filled = 0  # slots that are not empty: keys and deletion markers
        self.limit = slots * 7 // 10  # linear probing stays short below 70% full


class IdSet:
    __slots__ = ("_shards",)

    def __init__(self) -> None:
        self._shards = [_Shard(_MIN_SLOTS) for _ in range(_SHARDS)]

    def __len__(self) -> int:
        return sum(sum(1 for k in s.table if k != _EMPTY and k != _DELETED)
                   for s in self._shards)

    def _slot(self, event_id: str) -> tuple[_Shard, int]:
        """The id's shard and its slot there, or -1 when it is not in the set."""
        key = hash(event_id) or 1
        shard = self._shards[key & _SHARD_MASK]
        table, size = shard.table, shard.size
        i = key % size
        k = table[i]
        while k:
            if k == key:
                return shard, i
            i = (i + 1) % size
            k = table[i]
        return shard, -1

    def __contains__(self, event_id: str) -> bool:
        return self._slot(event_id)[1] >= 0

    def discard(self, event_id: str) -> None:
        shard, i = self._slot(event_id)
        if i >= 0:
            shard.table[i] = _DELETED

    def add(self, event_id: str) -> bool:
        """Add the id; False when it was already there."""
        # The probe of ``_slot`` written out again: this runs for every event received, and
        # a call more is a measurable share of it. Every operation on a 64-bit int allocates,
        # hence as few of them as possible.
        key = hash(event_id) or 1
        shard = self._shards[key & _SHARD_MASK]
        table, size = shard.table, shard.size
        i = key % size
        k = table[i]
        while k:  # deletion markers are walked over, never reused: growing drops them
            if k == key:
                return False
            i = (i + 1) % size
            k = table[i]
        table[i] = key
        shard.filled += 1
        if shard.filled > shard.limit:
            self._grow(shard)
        return True

    @staticmethod
    def _grow(shard: _Shard) -> None:
        """Rehash the live keys (markers dropped) into a table a third full at most."""
        live = set(shard.table)  # in C: much faster than a Python loop over every slot
        live.discard(_EMPTY)
        live.discard(_DELETED)
        size = shard.size = _table_size(len(live))
        table = shard.table = array("q", bytes(8 * size))
        for key in live:
            i = key % size
            while table[i]:
                i = (i + 1) % size
            table[i] = key
        shard.filled = len(live)
        shard.limit = size * 7 // 10
