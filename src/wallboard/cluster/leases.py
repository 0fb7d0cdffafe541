"""Which engine worker owns which partition: leases in a JetStream key-value bucket.

Every worker, several times within ``ttl_s`` (the tests: every quarter of it), says it is
alive (``worker.<id>``), renews the leases it holds (``partition.<n>``, a compare-and-set on
the revision it wrote last, so a lease taken
over meanwhile is lost, never shared), gives back those beyond its fair share (the partitions
over the workers alive, rounded up) so that a worker joining gets some, and claims free
partitions up to that share (a create, which fails if another worker got there first). The
bucket's age limit is the lease's length: a worker that stops (killed, partitioned away)
stops renewing, its keys age out after ``ttl_s``, and the others claim its partitions on
their next step: within ``ttl_s`` plus a step.
"""

from __future__ import annotations

import math

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

__all__ = ["BUCKET", "Leases"]

BUCKET = "wallboard_leases"


class Leases:
    def __init__(self, kv: KeyValue, worker: str, partitions: int) -> None:
        self._kv = kv
        self.worker = worker
        self._partitions = partitions
        self.owned: dict[int, int] = {}  # partition -> the revision this worker wrote last

    @classmethod
    async def open(cls, js: JetStreamContext, worker: str, partitions: int, ttl_s: float,
                   replicas: int = 1) -> Leases:
        kv = await js.create_key_value(KeyValueConfig(
            bucket=BUCKET, history=1, ttl=ttl_s, replicas=replicas, storage=StorageType.FILE))
        return cls(kv, worker, partitions)

    async def step(self) -> set[int]:
        """One round (see the module); the partitions this worker holds after it."""
        await self._kv.put(f"worker.{self.worker}", b"alive")
        for partition, revision in list(self.owned.items()):
            try:
                self.owned[partition] = await self._kv.update(
                    self._key(partition), self.worker.encode(), last=revision)
            except KeyWrongLastSequenceError:
                del self.owned[partition]  # it aged out and another worker took it
        keys = await self._keys()
        workers = sum(1 for k in keys if k.startswith("worker."))
        share = math.ceil(self._partitions / max(1, workers))
        for partition in sorted(self.owned)[share:]:
            await self._kv.delete(self._key(partition), last=self.owned.pop(partition))
        taken = {int(k.split(".", 1)[1]) for k in keys if k.startswith("partition.")}
        for partition in range(self._partitions):
            if len(self.owned) >= share:
                break
            if partition in taken or partition in self.owned:
                continue
            try:
                self.owned[partition] = await self._kv.create(self._key(partition),
                                                              self.worker.encode())
            except KeyWrongLastSequenceError:
                continue  # another worker claimed it first
        return set(self.owned)

    async def release(self) -> None:
        """Give every lease back (a clean stop): the others claim them at once."""
        for partition, revision in list(self.owned.items()):
            await self._kv.delete(self._key(partition), last=revision)
        self.owned.clear()
        await self._kv.delete(f"worker.{self.worker}")

    async def _keys(self) -> list[str]:
        try:
            return list(await self._kv.keys())
        except NoKeysError:
            return []

    @staticmethod
    def _key(partition: int) -> str:
        return f"partition.{partition}"
