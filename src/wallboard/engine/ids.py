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

# Keys are odd (the hash with its low bit set), so the even markers can never be keys.
_EMPTY, _DELETED = 0, 2
_SHARD_BITS = 6
_SHARDS = 1 << _SHARD_BITS
_SHARD_MASK = _SHARDS - 1
_MIN_SLOTS = 256


class _Shard:
    __slots__ = ("filled", "limit", "mask", "table")

    def __init__(self, slots: int) -> None:
        self.table = array("q", bytes(8 * slots))
        self.mask = slots - 1
        self.filled = 0  # slots that are not empty: keys and deletion markers
        self.limit = slots * 7 // 10  # linear probing stays short below 70% full


class IdSet:
    __slots__ = ("_shards",)

    def __init__(self) -> None:
        # Keys are odd, so ``key & _SHARD_MASK`` only picks odd entries: 32 shards hold keys
        # and the 32 others stay at their first 2 KB. Measured, not tuned away: with twice
        # the shards each table would land on other sizes (see docs/performance.md).
        self._shards = [_Shard(_MIN_SLOTS) for _ in range(_SHARDS)]

    def __len__(self) -> int:
        return sum(sum(1 for k in s.table if k & 1) for s in self._shards)

    def _slot(self, event_id: str) -> tuple[_Shard, int]:
        """The id's shard and its slot there, or -1 when it is not in the set."""
        key = hash(event_id) | 1
        shard = self._shards[key & _SHARD_MASK]
        table, mask = shard.table, shard.mask
        i = (key >> _SHARD_BITS) & mask
        k = table[i]
        while k:
            if k == key:
                return shard, i
            i = (i + 1) & mask
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
        # a call more is a measurable share of it.
        key = hash(event_id) | 1
        shard = self._shards[key & _SHARD_MASK]
        table, mask = shard.table, shard.mask
        i = (key >> _SHARD_BITS) & mask
        k = table[i]
        while k:  # deletion markers are walked over, never reused: growing drops them
            if k == key:
                return False
            i = (i + 1) & mask
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
        slots = _MIN_SLOTS
        while slots < 3 * len(live):
            slots *= 2
        table = shard.table = array("q", bytes(8 * slots))
        mask = shard.mask = slots - 1
        for key in live:
            i = (key >> _SHARD_BITS) & mask
            while table[i]:
                i = (i + 1) & mask
            table[i] = key
        shard.filled = len(live)
        shard.limit = slots * 7 // 10
