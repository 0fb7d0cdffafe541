"""What the steps of the service benchmark share: sizes and targets, the server processes, the
load generator, the bench day, and the command line of a step run alone.

Not a benchmark itself: ``bench/service.py`` runs every step, ``bench/service_*.py`` one each.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Self

import httpx
import msgspec

from engine import DAY_START_MS, TIMEZONE, generate
from wallboard.events import parse_timestamp
from wallboard.process import HOST as HOST  # the steps' one address, the launcher's
from wallboard.process import ServiceProcess, free_port
from wallboard.zones import load_zone

BENCH_DAY = date(2026, 11, 26)
DAY_MS = 86_400_000

TARGET_INGEST_EPS = 30_000  # batches of 1,000
TARGET_PUSH_P99_MS = 300.0
TARGET_SNAPSHOT_P99_MS = 10.0
TARGET_RESTART_S = 10.0
TARGET_SERIES_MS = 20.0  # one row, one day
TARGET_HOSTILE_P99_MS = 100.0  # /healthz and another tenant's POST during a hostile request
TARGET_OPERATORS_P99_MS = 10.0  # the operator list of 500 operators
TARGET_STAFFING_P99_MS = 100.0  # staffing of 50 groups (the stream sends it every 5 s at most)

Say = Callable[[str], None]


@dataclass(frozen=True)
class Sizes:
    ingest_events: int  # per batch size in step 1
    push_seconds: float
    push_warmup_s: float
    open_conversations: int
    snapshot_gets: int
    restart_events: int
    sql_runs: int
    hostile_requests: int
    idle_cap: int  # --max-connections for the idle-connection count (the default at full size)


FULL = Sizes(200_000, 10.0, 1.0, 10_000, 500, 1_000_000, 5, 200, 4096)
SMALL = Sizes(20_000, 2.0, 0.5, 2_000, 50, 20_000, 3, 20, 300)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# --- servers ---------------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    # The service's defaults, whatever WALLBOARD_* the caller has set.
    return {k: v for k, v in os.environ.items() if not k.startswith("WALLBOARD_")}


def cli(data_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=True, env=_child_env())
    return result.stdout.strip()


class Secrets(NamedTuple):
    ingest: str
    view: str


def create_account(data_dir: Path, account: str) -> Secrets:
    """Create the account with the CLI; its ingest and view token secrets."""
    cli(data_dir, "account", "create", account, "--timezone", TIMEZONE)
    return Secrets(cli(data_dir, "token", "create", account, "--role", "ingest"),
                   cli(data_dir, "token", "create", account, "--role", "view"))


def client(url: str, secret: str | None = None, timeout: float = 60) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.Client(base_url=url, headers=headers, timeout=timeout, trust_env=False)


class BenchServer(ServiceProcess):
    """``wallboard serve`` with its output in ``<name>-<port>.log`` beside the data directory;
    every one started is stopped by ``stop_all``, so a failing step leaves nothing running.

    The timeouts are longer than the launcher's: at full size, recovering or checkpointing a
    million events is what is being measured, not a hang."""

    unstopped: ClassVar[list[BenchServer]] = []  # started, not stopped yet: for stop_all

    def __init__(self, data_dir: Path, name: str, *extra: str) -> None:
        port = free_port()
        super().__init__(data_dir, *extra, port=port, log=data_dir.parent / f"{name}-{port}.log")
        # Replaced, not passed as ``env``: the launcher adds to this process's environment and
        # so could not take WALLBOARD_* settings away.
        self.env = _child_env()

    def spawn(self) -> Self:
        super().spawn()
        BenchServer.unstopped.append(self)
        return self

    def wait_ready(self, timeout: float = 600) -> float:
        return super().wait_ready(timeout)

    def start(self, timeout: float = 600) -> Self:
        self.spawn()
        self.wait_ready(timeout)
        return self

    def stop(self, timeout: float = 300) -> int:
        try:
            return super().stop(timeout)
        finally:
            self._forget()

    def kill(self) -> None:
        try:
            super().kill()
        finally:
            self._forget()

    def _forget(self) -> None:
        if self in BenchServer.unstopped:
            BenchServer.unstopped.remove(self)

    @staticmethod
    def stop_all() -> None:
        for server in list(BenchServer.unstopped):
            try:
                server.stop(timeout=30)
            except Exception:  # still try the others, then make sure this one is gone
                if server.process is not None and server.process.poll() is None:
                    server.process.kill()
                server._forget()


# --- load generation -------------------------------------------------------------------------


class IngestReply(msgspec.Struct):
    accepted: int
    duplicate: int
    conflict: int
    rejected: int


decode_reply = msgspec.json.Decoder(IngestReply).decode


class Body(NamedTuple):
    events: int
    content: bytes


def json_bodies(lines: list[bytes], batch: int) -> list[Body]:
    """JSON arrays of ``batch`` NDJSON lines each."""
    return [Body(len(lines[i:i + batch]), b"[" + b",".join(lines[i:i + batch]) + b"]")
            for i in range(0, len(lines), batch)]


@dataclass
class IngestRun:
    events: int
    seconds: float
    accepted: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    busy_retries: int = 0

    @property
    def eps(self) -> float:
        return self.events / self.seconds


def ingest(url: str, secret: str, bodies: list[Body], connections: int = 4) -> IngestRun:
    """POST the bodies in order over ``connections`` keep-alive connections, each taking the
    next body as soon as its previous reply (the commit) came back."""
    lock = threading.Lock()
    next_body = iter(bodies)
    run = IngestRun(sum(body.events for body in bodies), 0.0)
    errors: list[BaseException] = []

    def worker(c: httpx.Client) -> None:
        try:
            with c:
                while True:
                    with lock:
                        body = next(next_body, None)
                    if body is None:
                        return
                    while True:
                        r = c.post("/api/v1/events", content=body.content,
                                   headers={"Content-Type": "application/json"})
                        if r.status_code != 429:
                            break
                        with lock:
                            run.busy_retries += 1
                        time.sleep(0.05)
                    if r.status_code != 200:
                        raise RuntimeError(f"POST /api/v1/events: {r.status_code} {r.text[:300]}")
                    reply = decode_reply(r.content)
                    with lock:
                        run.accepted += reply.accepted
                        run.duplicate += reply.duplicate
                        run.conflict += reply.conflict
                        run.rejected += reply.rejected
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(client(url, secret),))
               for _ in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return run


def post_json(url: str, secret: str, events: list[dict[str, Any]], batch: int = 1000) -> None:
    """Set-up traffic (not timed): every event must be accepted."""
    run = ingest(url, secret, json_bodies([msgspec.json.encode(e) for e in events], batch), 2)
    if run.accepted != len(events):
        raise RuntimeError(f"set-up: {run.accepted} of {len(events)} events accepted")


def config_events(account: str, channels: int, groups: int, operators: int, at: int
                  ) -> list[dict[str, Any]]:
    """Groups, web-chat channels (channel i served by group i % groups), available operators."""
    out: list[dict[str, Any]] = []

    def add(event_type: str, **fields: Any) -> None:
        out.append({"id": f"cfg{len(out)}", "type": event_type, "account": account, "at": at,
                    **fields})

    for g in range(groups):
        add("group.updated", group=f"g{g:02d}", name=f"Group {g}")
    for c in range(channels):
        add("channel.updated", channel=f"ch{c:02d}", kind="web_chat", name=f"Chat {c}",
            groups=[f"g{c % groups:02d}"])
    for o in range(operators):
        add("operator.updated", operator=f"op{o:03d}", groups=[f"g{o % groups:02d}"],
            max_chats=4)
        add("operator.status", operator=f"op{o:03d}", status="available")
    return out


class TimedGets(NamedTuple):
    ms: list[float]  # each GET, in order
    last_body: bytes


def time_gets(url: str, secret: str, path: str, runs: int, warmup: int = 20) -> TimedGets:
    """Milliseconds of each sequential GET (client side, loopback round trip included)."""
    times = []
    with client(url, secret) as c:
        for _ in range(warmup):
            c.get(path).raise_for_status()
        body = b""
        for _ in range(runs):
            started = time.perf_counter()
            r = c.get(path)
            times.append((time.perf_counter() - started) * 1000)
            r.raise_for_status()
            body = r.content
    return TimedGets(times, body)


# --- the bench day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchDay:
    lines: list[bytes]  # NDJSON events
    shift_days: int  # how far they were moved from BENCH_DAY
    seconds: float  # taken to generate (and move) them

    @property
    def date(self) -> str:
        return (BENCH_DAY + timedelta(days=self.shift_days)).isoformat()

    @property
    def start_ms(self) -> int:
        return DAY_START_MS + self.shift_days * DAY_MS


def the_day(seed: int, events: int) -> BenchDay:
    """The bench day moved onto local yesterday."""
    started = time.perf_counter()
    lines = generate(seed, events).lines
    today = datetime.now(load_zone(TIMEZONE)).date()
    shift_days = (today - timedelta(days=1) - BENCH_DAY).days
    if shift_days:
        shift = shift_days * DAY_MS
        decode, encode = msgspec.json.decode, msgspec.json.encode
        moved = []
        for line in lines:
            ev = decode(line)
            ev["at"] = parse_timestamp(ev["at"]) + shift
            moved.append(encode(ev))
        lines = moved
    return BenchDay(lines, shift_days, time.perf_counter() - started)


def prepare_day(seed: int, events: int, figures: dict[str, Any], say: Say) -> BenchDay:
    """``the_day``, announced and recorded in ``figures``."""
    day = the_day(seed, events)
    figures.update(day=day.date, generated=len(day.lines))
    say(f"bench day: {len(day.lines):,} events on {day.date} ({TIMEZONE}) generated in "
        f"{day.seconds:.1f} s" + (f", moved by {day.shift_days} days" if day.shift_days else ""))
    return day


# --- the command line ------------------------------------------------------------------------


def arguments(doc: str | None, *, events: bool = False, fill: bool = False,
              seed: bool = False) -> argparse.Namespace:
    """``--small`` and ``--json``, and those of the other options the caller's steps use."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    if events:
        parser.add_argument("--events", type=int, default=None,
                            help="events in the log for the restart step (default 1,000,000; "
                                 "20,000 with --small)")
    parser.add_argument("--small", action="store_true",
                        help="every step at a tiny size (CI): well under a minute")
    if fill:
        parser.add_argument("--fill", choices=("http", "store"), default="http",
                            help="how step 4 fills the log: POST through the service (default) "
                                 "or Store.append from this script")
    if seed:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args()


def restart_events(args: argparse.Namespace, sizes: Sizes) -> int:
    """Events in the log for the restart step: ``--events``, else the size's default."""
    return args.events if args.events is not None else sizes.restart_events


def run_bench(args: argparse.Namespace,
              steps: Callable[[Path, Sizes, dict[str, Any], Say], None]) -> None:
    """Run ``steps`` (which add their figures) in a temporary directory, every server stopped
    before it goes away; print the figures as text as they come, or as one JSON object."""
    say: Say = (lambda _: None) if args.json else print
    sizes = SMALL if args.small else FULL
    started = time.perf_counter()
    cpus = os.cpu_count() or 0
    figures: dict[str, Any] = {"small": args.small}
    if "seed" in args:
        figures["seed"] = args.seed
    figures["cpus"] = cpus
    say(f"{cpus} CPUs; the load generator runs on this machine and competes with the server "
        "for them; loopback only (127.0.0.1)")
    with tempfile.TemporaryDirectory(prefix="wallboard-bench-") as tmp:
        try:
            steps(Path(tmp), sizes, figures, say)
        finally:
            BenchServer.stop_all()  # before the data directories go away
    figures["total_s"] = round(time.perf_counter() - started, 1)
    say(f"done in {figures['total_s']} s")
    if args.json:
        print(json.dumps(figures))
