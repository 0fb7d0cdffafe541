"""``wallboard cluster-demo``: Wallboard beyond one machine, on this one, in one command.

On 127.0.0.1 it starts a 3-node NATS JetStream cluster (the PyPI wheel's ``nats-server``), a
PostgreSQL server in a temporary directory (the distribution's), two engine workers, an ingest
role and an api role, creates a demo account in this machine's time zone, drives the
simulator into the ingest role (today from local midnight at once, then in real time) and
prints the dashboard's sign-in link, served by the api role. It shows the live snapshot, read
through the api role, until Ctrl-C (or ``duration_s``), then stops everything and removes
what it made. Kill an engine worker meanwhile (its process id is printed) and watch the
other take its accounts over.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

from .demo import ACCOUNT, CREW, DEMO_HOUR, STAFFING, local_timezone, midnight_of, show_live
from .local_nats import LocalNats
from .local_postgres import LocalPostgres
from .process import ServiceProcess, engine_worker
from .service import AccountConfig, Admin
from .sim import SimConfig, stream
from .sim_driver import DriveStats, drive

__all__ = ["run_cluster_demo"]

PARTITIONS = 16
WORKERS = ("worker-1", "worker-2")
LINK_MS = 60 * 60 * 1000  # the sign-in link may be opened a while after it is printed


def run_cluster_demo(port: int = 8000, seed: int = 1, speed: float = 1.0, scale: float = 1.0,
                     out: TextIO = sys.stdout, duration_s: float | None = None) -> int:
    place = Path(tempfile.mkdtemp(prefix="wallboard-cluster-demo-"))
    out.write("Starting a 3-node NATS cluster and PostgreSQL on 127.0.0.1...\n")
    out.flush()
    nats_cluster: LocalNats | None = None
    postgres: LocalPostgres | None = None
    workers: list[subprocess.Popen[bytes]] = []
    roles: list[ServiceProcess] = []
    stop = threading.Event()
    stats: list[DriveStats] = []
    try:
        nats_cluster = LocalNats(3).start()
        postgres = LocalPostgres().start()
        dsn = postgres.create_database("wallboard")
        timezone = local_timezone()
        with Admin(dsn, "postgres") as setup:
            setup.create_account(AccountConfig(ACCOUNT, timezone,
                                               name="Demo contact center (cluster)"))
            ingest_token = setup.create_token(ACCOUNT, "ingest")[1]
            view = setup.create_token(ACCOUNT, "view")[1]
            admin = setup.create_token(ACCOUNT, "admin")[1]
            code = setup.create_signin_code(ACCOUNT, "admin", LINK_MS)[0]
        urls = ",".join(nats_cluster.urls)
        cluster_flags = ("--nats", urls, "--postgres", dsn, "--partitions", str(PARTITIONS),
                         "--replicas", "3")
        for name in WORKERS:
            workers.append(engine_worker(name, nats_cluster.urls, dsn, PARTITIONS,
                                         place / f"{name}.log", checkpoint_every_s=10))
        ingest = ServiceProcess(place / "ingest", "--role", "ingest", *cluster_flags,
                                log=place / "ingest.log")
        api = ServiceProcess(place / "api", "--role", "api", *cluster_flags, port=port,
                             log=place / "api.log")
        roles += [ingest.spawn(), api.spawn()]
        for role in roles:
            role.wait_ready(60)
        link = f"{api.url}/signin#code={code}"
        header = (f"Wallboard cluster demo: the dashboard at {api.url}/ (api role)\n"
                  f"  one-time sign-in link (1 hour): {link}\n"
                  f"  or sign in at {api.url}/signin with the admin token {admin}\n"
                  f"  events go to the ingest role at {ingest.url}; NATS at {urls}\n"
                  f"  engine workers: " + ", ".join(f"{n} (pid {w.pid})" for n, w in
                                                    zip(WORKERS, workers, strict=True))
                  + f"; logs in {place}\n  Ctrl-C stops everything.\n")
        out.write(header)
        out.flush()
        now = time.time_ns() // 1_000_000
        midnight = midnight_of(timezone, 0)
        local_hour = (now - midnight) / 3_600_000
        config = SimConfig(seed=seed, account=ACCOUNT, timezone=timezone, scale=scale,
                           staffing=STAFFING, crew=CREW,
                           hour_shift=(DEMO_HOUR - local_hour) % 24, start_ms=midnight,
                           hours=48.0)
        head_start_s = (now - midnight) / 1000
        driver = threading.Thread(
            target=lambda: stats.append(drive(stream(config), ingest.url, ingest_token,
                                              speed=speed, stop=stop,
                                              head_start_s=head_start_s)),
            daemon=True)
        driver.start()
        show_live(api.url, view, out, stop, duration_s, header, api.running)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        for role in roles:
            with contextlib.suppress(Exception):
                role.stop()
        for worker in workers:
            worker.terminate()  # gives its leases back and checkpoints
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(20)
            if worker.poll() is None:
                worker.kill()
        if postgres is not None:
            postgres.remove()
        if nats_cluster is not None:
            nats_cluster.remove()
        shutil.rmtree(place, ignore_errors=True)
    sent = stats[0].sent if stats else 0
    out.write(f"\nstopped: {sent:,} events sent through the cluster; everything removed\n")
    return 0
