"""``wallboard serve --role engine``: one engine worker as a process, on NATS and PostgreSQL.

It samples the gauges of the accounts it holds every ``Limits.sample_every_s`` and
checkpoints them every ``checkpoint_every_s`` (and on SIGTERM or SIGINT, when it also gives
its leases back so that the other workers take its partitions at once; a stop that cannot end
within ``STOP_WITHIN_S`` ends the process anyway).
Killed, it gives nothing back: its leases age out and another worker carries on from the
last checkpoints and the stream after them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
import time

import nats

from ..store import open_store
from .worker import EngineWorker

__all__ = ["run_engine_role"]

log = logging.getLogger("wallboard.worker")

STOP_WITHIN_S = 30.0  # a clean stop takes a checkpoint round at most


async def _main(urls: list[str], dsn: str, worker_id: str, partitions: int, lease_s: float,
                checkpoint_every_s: float, replicas: int) -> None:
    nc = await nats.connect(servers=urls, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                            name=f"wallboard-engine-{worker_id}")
    worker = EngineWorker(worker_id, nc, lambda: open_store(dsn, "postgres"), partitions,
                          lease_s, lambda: time.time_ns() // 1_000_000)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _stopping, worker_id, stop)
    running = loop.create_task(worker.run(replicas))
    rounds = loop.create_task(_rounds(worker, checkpoint_every_s))
    log.info("engine worker %s on %s, %d partitions", worker_id, ",".join(urls), partitions)
    try:
        await asyncio.wait([running, loop.create_task(stop.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        if running.done() and not running.cancelled() and running.exception() is not None:
            log.error("engine worker %s failed", worker_id, exc_info=running.exception())
        rounds.cancel()
        await asyncio.gather(rounds, return_exceptions=True)
        await _checkpoint(worker)  # before the partitions are dropped with their engines
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.release()
        await nc.close()
        worker.close()
        log.info("engine worker %s stopped", worker_id)


async def _rounds(worker: EngineWorker, checkpoint_every_s: float) -> None:
    """Forever: the gauges sampled for the series, and a checkpoint when one is due."""
    every = min(checkpoint_every_s, worker.limits.sample_every_s)
    loop = asyncio.get_running_loop()
    sampled = checkpointed = loop.time()
    while True:
        await asyncio.sleep(every)
        if loop.time() - sampled >= worker.limits.sample_every_s:
            worker.sample_gauges()
            sampled = loop.time()
        if loop.time() - checkpointed >= checkpoint_every_s:
            await _checkpoint(worker)
            checkpointed = loop.time()


async def _checkpoint(worker: EngineWorker) -> None:
    try:
        await worker.checkpoint()
    except Exception as exc:  # PostgreSQL away (restarting): the next round writes it all
        log.warning("engine worker %s could not checkpoint: %r", worker.worker, exc)


def _stopping(worker_id: str, stop: asyncio.Event) -> None:
    """Stop cleanly; a stop held up past ``STOP_WITHIN_S`` (a database or NATS not
    answering) ends the process anyway: what it held is in the stream."""
    if stop.is_set():
        return
    stop.set()

    def give_up() -> None:
        log.error("engine worker %s did not stop within %.0f s: ending it", worker_id,
                  STOP_WITHIN_S)
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(STOP_WITHIN_S, give_up)
    timer.daemon = True
    timer.start()


def run_engine_role(urls: list[str], dsn: str, worker_id: str | None, partitions: int,
                    lease_s: float, checkpoint_every_s: float, replicas: int) -> int:
    asyncio.run(_main(urls, dsn, worker_id or f"{socket.gethostname()}-{os.getpid()}",
                      partitions, lease_s, checkpoint_every_s, replicas))
    return 0
