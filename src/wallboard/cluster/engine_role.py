"""``wallboard serve --role engine``: one engine worker as a process, on NATS and PostgreSQL.

It checkpoints every account it holds every ``checkpoint_every_s`` (and on SIGTERM or SIGINT,
when it also gives its leases back so that the other workers take its partitions at once).
Killed, it gives nothing back: its leases age out and another worker carries on from the
last checkpoints and the stream after them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time

import nats

from ..store import open_store
from .worker import EngineWorker

__all__ = ["run_engine_role"]

log = logging.getLogger("wallboard.worker")


async def _main(urls: list[str], dsn: str, worker_id: str, partitions: int, lease_s: float,
                checkpoint_every_s: float, replicas: int) -> None:
    nc = await nats.connect(servers=urls, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                            name=f"wallboard-engine-{worker_id}")
    store = open_store(dsn, "postgres")
    worker = EngineWorker(worker_id, nc, store, partitions, lease_s,
                          lambda: time.time_ns() // 1_000_000)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    running = loop.create_task(worker.run(replicas))
    log.info("engine worker %s on %s, %d partitions", worker_id, ",".join(urls), partitions)
    try:
        while not stop.is_set() and not running.done():
            try:
                await asyncio.wait_for(stop.wait(), checkpoint_every_s)
            except TimeoutError:
                try:
                    worker.checkpoint()
                except Exception as exc:  # PostgreSQL away (restarting): the next round
                    log.warning("engine worker %s could not checkpoint: %r", worker_id, exc)
    finally:
        if running.done() and not running.cancelled() and running.exception() is not None:
            log.error("engine worker %s failed", worker_id, exc_info=running.exception())
        worker.checkpoint()  # before the partitions are dropped with their engines
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.release()
        await nc.close()
        store.close()


def run_engine_role(urls: list[str], dsn: str, worker_id: str | None, partitions: int,
                    lease_s: float, checkpoint_every_s: float, replicas: int) -> int:
    asyncio.run(_main(urls, dsn, worker_id or f"{socket.gethostname()}-{os.getpid()}",
                      partitions, lease_s, checkpoint_every_s, replicas))
    return 0
