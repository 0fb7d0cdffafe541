"""Service benchmark: real ``wallboard serve`` processes on 127.0.0.1, driven over HTTP.

Prints figures next to their targets and never fails on timing. Every server is started as
its own process (``python -m wallboard.cli serve --host 127.0.0.1``, a free port, a temporary
data directory, ``--log-level warning``) and stopped before the script ends; nothing but
127.0.0.1 is ever contacted (HTTP clients ignore proxy settings). The load generator runs on
the same machine as the server and competes with it for the CPUs.

This script runs every step in order; each is described at the top of its own file and runs
alone from there (``python bench/service_ingest.py --small``):

1. ingest throughput, after launch to ready on an empty data directory: ``service_ingest.py``
2. push latency, POST to SSE snapshot: ``service_push.py``
3. snapshot GET on 10,000 open conversations: ``service_snapshot.py``
4. restart to ready on 1,000,000 events, after SIGKILL and after SIGTERM: ``service_restart.py``
5. peer baseline, SQL over step 4's events: ``service_peer.py``
6. hostile clients, and idle connections: ``service_hostile.py``
7. the operator list of 500 operators and the staffing of 50 groups: ``service_people.py``

What they share (sizes, targets, the server processes, the load generator) is in
``service_common.py``.

The bench day is on 2026-11-26 in Europe/Moscow; when the local "yesterday" is another day,
its timestamps are moved by whole days onto yesterday (steps 2 and 3 use the current time).
Steps 2 and 3 count on "today": run them away from local midnight in Moscow.

    python bench/service.py                  # full size (several minutes)
    python bench/service.py --small          # the CI size (well under a minute)
    python bench/service.py --events 200000 --json
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any

import service_hostile
import service_ingest
import service_peer
import service_people
import service_push
import service_restart
import service_snapshot
from service_common import (
    TARGET_HOSTILE_P99_MS,
    TARGET_INGEST_EPS,
    TARGET_OPERATORS_P99_MS,
    TARGET_PUSH_P99_MS,
    TARGET_RESTART_S,
    TARGET_SERIES_MS,
    TARGET_SNAPSHOT_P99_MS,
    TARGET_STAFFING_P99_MS,
    Say,
    Sizes,
    arguments,
    prepare_day,
    restart_events,
    run_bench,
)


def run(args: argparse.Namespace, root: Path, sizes: Sizes, figures: dict[str, Any],
        say: Say) -> None:
    """Every step in order, on one bench day long enough for steps 1 and 4."""
    events = restart_events(args, sizes)
    day = prepare_day(args.seed, max(events, sizes.ingest_events), figures, say)
    figures["startup_empty_s"] = service_ingest.startup(root, say)
    figures["ingest"] = service_ingest.step(root, sizes, day, say)
    figures["push"] = service_push.step(root, sizes, say)
    figures["snapshot"] = service_snapshot.step(root, sizes, args.seed, say)
    restarted = service_restart.step(root, sizes, day, events, args.fill, say)
    figures["restart"] = restarted.figures
    figures["peer"] = service_peer.step(root, restarted, day, sizes, say)
    figures["hostile"] = service_hostile.step(root, sizes, say)
    figures["people"] = service_people.step(root, sizes, args.seed, say)
    figures["targets"] = {
        "ingest_eps_batch_1000": TARGET_INGEST_EPS, "push_p99_ms": TARGET_PUSH_P99_MS,
        "snapshot_p99_ms": TARGET_SNAPSHOT_P99_MS, "restart_s": TARGET_RESTART_S,
        "series_ms": TARGET_SERIES_MS, "hostile_p99_ms": TARGET_HOSTILE_P99_MS,
        "operators_p99_ms": TARGET_OPERATORS_P99_MS, "staffing_p99_ms": TARGET_STAFFING_P99_MS}


def main() -> None:
    args = arguments(__doc__, events=True, fill=True, seed=True)
    run_bench(args, functools.partial(run, args))


if __name__ == "__main__":
    main()
