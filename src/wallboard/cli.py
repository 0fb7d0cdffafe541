"""The ``wallboard`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfoNotFoundError

from .events import ACCOUNT_PATTERN, EventError, parse_timestamp
from .service import (
    ROLES,
    TELEGRAM_API,
    AccountConfig,
    AccountExists,
    Admin,
    UnknownAccount,
    replay,
)
from .zones import load_zone

if TYPE_CHECKING:
    from .sim import SimConfig

__all__ = ["main"]


def _timezone(value: str) -> str:
    try:
        load_zone(value)
    except ZoneInfoNotFoundError:
        raise argparse.ArgumentTypeError(f"unknown IANA time zone: {value!r}") from None
    return value


def _instant(value: str) -> int:
    try:
        return parse_timestamp(value)
    except EventError as err:
        raise argparse.ArgumentTypeError(f"{value!r}: {err.problem}") from None


def _threshold(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds <= 86_400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return int(seconds) if seconds.is_integer() else seconds


def _replay(args: argparse.Namespace) -> int:
    err = sys.stderr
    try:
        lines = open(args.events, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        err.write(f"wallboard replay: cannot read {args.events}: {exc.strerror}\n")
        return 2
    with lines:
        snapshot = replay(lines, args.account, args.timezone, args.now, args.sl_threshold,
                          lambda number, problem: print(f"line {number}: {problem}", file=err))
    sys.stdout.buffer.write(snapshot + b"\n")
    return 0


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(*_store_of(args))


def _account_id(value: str) -> str:
    if not re.fullmatch(ACCOUNT_PATTERN, value) or len(value) > 64:
        raise argparse.ArgumentTypeError(
            "expected 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-'")
    return value


def _max_chats(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 10_000:
        raise argparse.ArgumentTypeError("expected a whole number from 0 to 10000")
    return number


def _account_create(args: argparse.Namespace) -> int:
    config = AccountConfig(args.id, args.timezone, args.name, args.sl_threshold,
                           args.default_max_chats)
    try:
        with _admin(args) as admin:
            admin.create_account(config)
    except AccountExists:
        sys.stderr.write(f"wallboard: account {args.id!r} already exists\n")
        return 1
    print(f"created account {args.id} ({args.timezone})")
    return 0


def _account_list(args: argparse.Namespace) -> int:
    print("id\ttimezone\tsl_threshold_s\tdefault_max_chats\tname")
    with _admin(args) as admin:
        accounts = admin.accounts()
    for a in accounts:
        print(f"{a.id}\t{a.timezone}\t{a.sl_threshold_s}\t{a.default_max_chats}\t{a.name or ''}")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    try:
        with _admin(args) as admin:
            info, secret = admin.create_token(args.account, args.role)
    except UnknownAccount:
        sys.stderr.write(f"wallboard: no account {args.account!r}\n")
        return 1
    sys.stderr.write(f"token {info.id} ({info.role}) for account {info.account}; the secret "
                     "below is shown once and only its hash is stored:\n")
    print(secret)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    with _admin(args) as admin:
        revoked = admin.revoke_token(args.token_id)
    if not revoked:
        sys.stderr.write(f"wallboard: no live token {args.token_id!r}\n")
        return 1
    print(f"revoked token {args.token_id}")
    return 0


def _token_list(args: argparse.Namespace) -> int:
    print("id\trole\tcreated\trevoked")
    with _admin(args) as admin:
        tokens = admin.tokens(args.account)
    for t in tokens:
        print(f"{t.id}\t{t.role}\t{t.created_at}\t{t.revoked_at or ''}")
    return 0


SIGNIN_LINK_MS = 10 * 60 * 1000


def _signin_link(args: argparse.Namespace) -> int:
    try:
        with _admin(args) as admin:
            code, made = admin.create_signin_code(args.account, args.role, SIGNIN_LINK_MS)
    except UnknownAccount:
        sys.stderr.write(f"wallboard: no account {args.account!r}\n")
        return 1
    sys.stderr.write(f"one use within 10 minutes; `wallboard token revoke {made.id}` ends the "
                     "session it opens\n")
    print(f"{args.url.rstrip('/')}/signin#code={code}")
    return 0


def _with_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", default=os.environ.get("WALLBOARD_DATA_DIR", "./wallboard-data"),
        help="where all state lives (default $WALLBOARD_DATA_DIR or ./wallboard-data)")
    parser.add_argument(
        "--postgres", metavar="DSN", default=os.environ.get("WALLBOARD_POSTGRES"),
        help="keep all state in this PostgreSQL database instead (postgresql://...; default "
        "$WALLBOARD_POSTGRES): docs/scale-out.md")


def _store_of(args: argparse.Namespace) -> tuple[str, str]:
    """Where state lives, and the backend (store.BACKENDS) that keeps it there."""
    if args.postgres:
        return args.postgres, "postgres"
    return args.data_dir, "sqlite"


# The connection limits of `serve`: a flag and a WALLBOARD_* variable each, named after the
# field of Limits that holds it (its default comes from there too).
_CONNECTION_FLAGS = {
    "max_connections": "open connections at once; beyond, new ones get 503 and are closed",
    "max_client_connections": "open connections from one address (0: no such cap; set 0 "
                              "behind a reverse proxy, whose address all clients share)",
    "head_timeout_s": "seconds for a request line and headers to arrive, else 408",
    "body_timeout_s": "seconds a body gets, plus 1 s per --body-min-rate bytes, else 408",
    "body_min_rate": "bytes a second a body must keep up on average",
    "max_header_bytes": "bytes of request line and headers; beyond, 414 or 431",
    "max_headers": "header fields in one request; beyond, 431",
    "keepalive_timeout_s": "seconds an idle connection is kept open",
    "keepalive_requests": "requests on one connection before it is closed",
}


def _serve_ingest(args: argparse.Namespace) -> int:
    if not (args.nats and args.postgres):
        sys.stderr.write("wallboard serve --role ingest needs --nats and --postgres\n")
        return 2
    from .api import create_ingest_app
    from .api.serving import ConnectionStats, serve
    from .cluster.ingest_role import StreamIngest
    from .service import Limits

    limits = Limits(max_events=args.max_events, max_body_bytes=args.max_body_mib * 1024 * 1024,
                    **{name: getattr(args, name) for name in _CONNECTION_FLAGS})
    stats = ConnectionStats()
    service = StreamIngest(args.nats.split(","), args.postgres, args.partitions, args.replicas,
                           limits)
    serve(create_ingest_app(service, stats), args.host, args.port, limits, stats,
          service.end_streams, args.log_level)
    return 0


def _serve_api(args: argparse.Namespace) -> int:
    if not (args.nats and args.postgres):
        sys.stderr.write("wallboard serve --role api needs --nats and --postgres\n")
        return 2
    from .api import app_over
    from .api.serving import ConnectionStats, serve
    from .cluster.api_role import ClusterService
    from .service import Limits

    limits = Limits(session_hours=args.session_hours,
                    **{name: getattr(args, name) for name in _CONNECTION_FLAGS})
    stats = ConnectionStats()
    service = ClusterService(args.nats.split(","), args.postgres, args.partitions, limits)
    serve(app_over(service, metrics_token=args.metrics_token or None, connections=stats),
          args.host, args.port, limits, stats, service.end_streams, args.log_level)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .process import next_free_port, port_taken, watch_parent

    if args.role != "engine":
        try:
            holder = port_taken(args.host, args.port)
        except OSError as err:  # not this machine's address, a port it may not take...
            sys.stderr.write(f"wallboard serve: cannot listen on {args.host} port "
                             f"{args.port}: {err.strerror}\n")
            return 2
        if holder is not None:
            free = next_free_port(args.host, args.port)
            sys.stderr.write(f"wallboard serve: port {args.port} on {args.host} is taken by "
                             f"{holder}; stop it or give --port"
                             + (f" ({free} is free)" if free else "") + "\n")
            return 2
    if args.parent_pid is not None:
        watch_parent(args.parent_pid)
    if args.chatwoot_sync is not None and args.role != "all":
        sys.stderr.write("wallboard serve: --chatwoot-sync runs beside the whole service "
                         "only; beside a cluster, run `wallboard chatwoot sync`\n")
        return 2
    if args.role == "ingest":
        return _serve_ingest(args)
    if args.role == "api":
        return _serve_api(args)
    if args.role == "engine":
        if not (args.nats and args.postgres):
            sys.stderr.write("wallboard serve --role engine needs --nats and --postgres\n")
            return 2
        from .cluster.engine_role import run_engine_role

        logging.basicConfig(level=args.log_level.upper(),
                            format="%(levelname)s - %(asctime)s - %(name)s - %(message)s")
        return run_engine_role(args.nats.split(","), args.postgres, args.worker_id,
                               args.partitions, args.lease_s, args.checkpoint_every,
                               args.replicas)
    from .api import create_app
    from .api.serving import ConnectionStats, serve
    from .api.storage_gate import StorageGate
    from .service import Limits

    if not 0 < args.session_hours <= 720:
        sys.stderr.write("wallboard serve: --session-hours must be above 0 and at most 720 "
                         "(30 days, when every session ends anyway)\n")
        return 2
    connection_limits = {name: getattr(args, name) for name in _CONNECTION_FLAGS}
    limits = Limits(max_events=args.max_events, max_body_bytes=args.max_body_mib * 1024 * 1024,
                    write_queue=args.write_queue, history_days=args.history_days,
                    sample_every_s=min(19.0, max(0.5, args.sample_every)),
                    session_hours=args.session_hours, **connection_limits)
    if args.chatwoot_sync is not None:
        problem = _start_chatwoot_sync(args)
        if problem is not None:
            sys.stderr.write(f"wallboard serve: {problem}\n")
            return 2
    stats = ConnectionStats()
    place, backend = _store_of(args)
    # A storage that cannot be opened yet (read-only, full, a damaged file) is waited for,
    # with 503s naming it, rather than ending the process.
    app = StorageGate(lambda: create_app(place, limits,
                                         metrics_token=args.metrics_token or None,
                                         connections=stats, backend=backend,
                                         telegram_api=args.telegram_api), place)
    serve(app, args.host, args.port, limits, stats, app.end_streams, args.log_level)
    return 0


def _at_least(low: float, kind: type[float] | type[int]) -> Any:
    def parse(value: str) -> float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:g}")
        return number
    return parse


def _add_connection_flags(serve: argparse.ArgumentParser) -> None:
    from .service import Limits

    defaults = Limits()
    for name, meaning in _CONNECTION_FLAGS.items():
        default = getattr(defaults, name)
        flag = name.removesuffix("_s").replace("_", "-")
        variable = "WALLBOARD_" + flag.replace("-", "_").upper()
        low = 0 if name == "max_client_connections" else (0.1 if isinstance(default, float)
                                                          else 1)
        parse = _at_least(low, type(default))
        serve.add_argument(f"--{flag}", dest=name, type=parse,
                           default=os.environ.get(variable, str(default)),
                           help=f"{meaning} (default {default}; ${variable})")


def _add_serve_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="run the service (HTTP API, live streams) on the data directory",
        description="Run the Wallboard service. Flags, then WALLBOARD_* environment "
                    "variables, then defaults.")
    serve.add_argument("--host", default=os.environ.get("WALLBOARD_HOST", "127.0.0.1"),
                       help="address to listen on (default $WALLBOARD_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=os.environ.get("WALLBOARD_PORT", "8000"),
                       help="port (default $WALLBOARD_PORT or 8000)")
    serve.add_argument("--max-events", type=_at_least(1, int),
                       default=os.environ.get("WALLBOARD_MAX_EVENTS", "10000"),
                       help="events per request, more is 413 (default 10000)")
    serve.add_argument("--max-body-mib", type=_at_least(1, int),
                       default=os.environ.get("WALLBOARD_MAX_BODY_MIB", "10"),
                       help="request body size in MiB, more is 413 (default 10)")
    serve.add_argument("--write-queue", type=_at_least(1, int),
                       default=os.environ.get("WALLBOARD_WRITE_QUEUE", "64"),
                       help="batches waiting to be written; when full, 429 (default 64)")
    serve.add_argument("--history-days", type=_at_least(1, int),
                       default=os.environ.get("WALLBOARD_HISTORY_DAYS", "400"),
                       help="days of daily history and intraday series kept (default 400)")
    serve.add_argument("--session-hours", type=float,
                       default=os.environ.get("WALLBOARD_SESSION_HOURS", "12"),
                       help="a dashboard session unused this long expires (default 12; any "
                       "session ends 30 days after sign-in)")
    serve.add_argument("--sample-every", type=float,
                       default=os.environ.get("WALLBOARD_SAMPLE_EVERY", "10"),
                       metavar="S", help="seconds between samples of the gauges for the "
                       "intraday series, 0.5 to 19 (default 10), so that with the 1-second "
                       "tick samples are never more than 20 s apart")
    serve.add_argument("--metrics-token", default=os.environ.get("WALLBOARD_METRICS_TOKEN"),
                       metavar="SECRET", help="a scrape token: /metrics with it as a bearer "
                       "token adds the per-account series (default $WALLBOARD_METRICS_TOKEN; "
                       "without one they are never served)")
    serve.add_argument("--role", choices=("all", "ingest", "engine", "api"), default="all",
                       help="all (default): the whole service in this process; ingest: the "
                       "events' front door, publishing to NATS JetStream; engine: an engine "
                       "worker on NATS and PostgreSQL; api: the dashboard, the API and the "
                       "streams, asking the workers (docs/scale-out.md)")
    serve.add_argument("--nats", metavar="URLS", default=os.environ.get("WALLBOARD_NATS"),
                       help="NATS servers, comma-separated (nats://127.0.0.1:4222,...)")
    serve.add_argument("--worker-id", default=None, help="this worker's name in the leases "
                       "(default: host and process id)")
    serve.add_argument("--partitions", type=_at_least(1, int), default=16,
                       help="partitions of the events' stream (fixed for a cluster's life)")
    serve.add_argument("--lease-s", type=float, default=2.0, help="an engine worker's lease "
                       "on a partition: another takes it this long after it dies (default 2)")
    serve.add_argument("--checkpoint-every", type=float, default=60.0, metavar="S",
                       help="an engine worker checkpoints its accounts this often (default 60)")
    serve.add_argument("--replicas", type=_at_least(1, int), default=1,
                       help="replicas of the stream and the leases (3 in a cluster)")
    serve.add_argument("--telegram-api", metavar="URL",
                       default=os.environ.get("WALLBOARD_TELEGRAM_API", TELEGRAM_API),
                       help=f"where alerts' Telegram messages go (default {TELEGRAM_API}; a "
                       "local Bot API server, or a stand-in in tests)")
    serve.add_argument("--parent-pid", type=int, metavar="PID",
                       help="stop (as on SIGTERM) once this process is gone: the demo's")
    serve.add_argument("--chatwoot-sync", metavar="ACCOUNT", help="also run `wallboard "
                       "chatwoot sync` for this account, against this service (with "
                       "--chatwoot-url, --chatwoot-account, and $WALLBOARD_CHATWOOT_API_TOKEN "
                       "and $WALLBOARD_CHATWOOT_SECRET)")
    serve.add_argument("--chatwoot-url", metavar="URL", help="Chatwoot's address")
    serve.add_argument("--chatwoot-account", type=int, metavar="N",
                       help="Chatwoot's account id")
    serve.add_argument("--chatwoot-every", type=float, default=20.0, metavar="S",
                       help="seconds between the sync's passes (default 20)")
    _add_connection_flags(serve)
    serve.add_argument("--log-level", default=os.environ.get("WALLBOARD_LOG_LEVEL", "info"),
                       choices=("critical", "error", "warning", "info", "debug"))
    _with_data_dir(serve)
    serve.set_defaults(run=_serve)


def _simulate(args: argparse.Namespace) -> int:
    import msgspec

    from .sim import SimConfig, Surge, batches
    from .sim.world import OPERATORS_AT_SCALE_1

    surge = Surge() if args.surge else None
    scale = args.scale if args.operators is None else args.operators / OPERATORS_AT_SCALE_1
    start_ms: int = time.time_ns() // 1_000_000 if args.target else args.start
    # A load generator's day never runs out: it sends for its whole duration.
    hours = math.inf if args.rate is not None and args.target else args.hours
    config = SimConfig(seed=args.seed, account=args.account or "demo", timezone=args.timezone,
                       start_ms=start_ms, hours=hours, scale=scale, surge=surge)
    if args.out:
        encode_lines = msgspec.json.Encoder().encode_lines
        started, count = time.perf_counter(), 0
        with open(args.out, "wb") as out:
            for k in range(args.accounts):
                account = config.account if args.accounts == 1 else f"{config.account}{k + 1}"
                for chunk in batches(msgspec.structs.replace(config, account=account,
                                                             seed=args.seed + k)):
                    out.write(encode_lines(chunk))
                    count += len(chunk)
        seconds = time.perf_counter() - started
        sys.stderr.write(f"{count:,} events in {seconds:.2f} s "
                         f"({count / seconds:,.0f} events/s) -> {args.out}\n")
        return 0
    return _drive_target(args, config)


def _drive_target(args: argparse.Namespace, config: SimConfig) -> int:
    import httpx
    import msgspec

    from .sim import stream
    from .sim_driver import Refused, drive, is_loopback, refusal

    def fail(problem: str) -> int:
        sys.stderr.write(f"wallboard simulate: {problem}\n")
        return 2

    if not args.target or not args.token:
        return fail("give --out FILE, or --target URL and --token")
    if args.rate is not None:
        if not is_loopback(args.target):
            return fail("the load generator only targets loopback (127.0.0.1, ::1, localhost)")
        if args.duration is None:
            return fail("--rate needs --duration (bounded load)")
    try:
        if args.account is None:  # the token's own account: events of another are refused
            reply = httpx.get(args.target.rstrip("/") + "/api/v1/token", trust_env=False,
                              timeout=10, headers={"Authorization": f"Bearer {args.token}"})
            if reply.status_code != 200:
                raise refusal(reply)
            config = msgspec.structs.replace(config, account=reply.json()["account"])
        stats = drive(stream(config), args.target, args.token, speed=args.speed,
                      rate=args.rate, duration_s=args.duration)
    except Refused as refused:
        return fail(f"the service refused: {refused}")
    except httpx.TransportError as err:
        return fail(f"cannot reach {args.target}: {err}")
    lat = sorted(stats.latencies_ms) or [0.0]
    sys.stderr.write(f"account {config.account}: sent {stats.sent:,} events in "
                     f"{stats.requests:,} requests: accepted {stats.accepted:,}, rejected "
                     f"{stats.rejected:,}, retries {stats.retries}; reply p50 "
                     f"{lat[len(lat) // 2]:.1f} ms, p99 {lat[int(len(lat) * 0.99)]:.1f} ms\n")
    for reason, count in stats.rejections.items():
        sys.stderr.write(f"  rejected {count:,}: {reason}\n")
    if args.rate is None:
        return 0
    # Over the duration asked, or longer when the sending itself fell behind it.
    seconds = max(stats.seconds, args.duration)
    achieved = stats.sent / seconds
    share = achieved / args.rate
    sys.stderr.write(f"rate: asked {args.rate:,.0f} events/s for {args.duration:g} s, achieved "
                     f"{achieved:,.0f} events/s over {seconds:.1f} s "
                     f"({share:.0%} of the rate asked)\n")
    if share < RATE_KEPT:
        sys.stderr.write(f"wallboard simulate: the rate asked was not kept (under "
                         f"{RATE_KEPT:.0%}): the service or this machine is the limit\n")
        return 1
    return 0


# A load generator reaching less than this share of the rate asked says so and exits 1.
RATE_KEPT = 0.95


def _cluster_demo(args: argparse.Namespace) -> int:
    from .cluster_demo import run_cluster_demo

    return run_cluster_demo(port=args.port, seed=args.seed, speed=args.speed,
                            duration_s=args.duration)


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(port=args.port, seed=args.seed, speed=args.speed,
                    browser=not args.no_browser)


def _add_sim_commands(commands: Any) -> None:
    sim = commands.add_parser(
        "simulate", help="a simulated contact center: to a file, to a service, or as load",
        description="Three modes: --out FILE writes NDJSON as fast as possible; --target URL "
                    "--token T drives a running service in real time (--speed to accelerate); "
                    "--target ... --rate N --duration S is a bounded load generator "
                    "(loopback only).")
    sim.add_argument("--out", metavar="FILE", help="write the events as NDJSON to FILE")
    sim.add_argument("--accounts", type=int, default=1,
                     help="with --out: how many accounts (ACCOUNT1..N, seeds SEED..)")
    sim.add_argument("--account", type=_account_id, help="account id (default: with "
                     "--target, the token's own; with --out, demo)")
    sim.add_argument("--timezone", default="Europe/Moscow", type=_timezone)
    sim.add_argument("--start", default="2026-11-26T00:00:00+03:00", type=_instant,
                     help="with --out: when the simulated day starts (RFC 3339)")
    sim.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    sim.add_argument("--scale", type=float, default=1.0,
                     help="operators and arrivals multiplied by this (default 1: 40 operators)")
    sim.add_argument("--operators", type=int, metavar="N",
                     help="size the center by its operators instead (arrivals follow)")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--surge", action="store_true",
                     help="an advertising campaign: sales arrivals x3 from 14:00 for an hour")
    sim.add_argument("--target", metavar="URL", help="a running service, e.g. "
                     "http://127.0.0.1:8000")
    sim.add_argument("--token", help="an ingest token of the account")
    sim.add_argument("--speed", type=float, default=1.0,
                     help="with --target: how much faster than real time (default 1)")
    sim.add_argument("--rate", type=float, metavar="EVENTS_PER_S",
                     help="load generator: send this many events a second")
    sim.add_argument("--duration", type=float, metavar="S",
                     help="stop after this many seconds")
    sim.set_defaults(run=_simulate)

    demo = commands.add_parser(
        "demo", help="start the service with a simulated contact center and watch it live",
        description="A fresh data directory, a demo account in this machine's time zone, the "
                    "service and the simulator in real time. Ctrl-C stops everything.")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--speed", type=float, default=1.0,
                      help="how much faster than real time the contact center runs (default "
                           "1: real time, after 45 minutes of history sent at once, so that "
                           "rates, handle times and the staffing advice are right at once)")
    demo.add_argument("--no-browser", action="store_true",
                      help="do not open the dashboard in a browser (the sign-in link is "
                           "printed either way)")
    demo.set_defaults(run=_demo)

    cluster = commands.add_parser(
        "cluster-demo", help="the same beyond one machine: NATS, PostgreSQL, the roles",
        description="On 127.0.0.1: a 3-node NATS JetStream cluster, PostgreSQL in a temporary "
                    "directory, two engine workers, an ingest and an api role, and the "
                    "simulator against them (docs/scale-out.md). Ctrl-C stops and removes "
                    "everything.")
    cluster.add_argument("--port", type=int, default=8000, help="the api role's port")
    cluster.add_argument("--seed", type=int, default=1)
    cluster.add_argument("--speed", type=float, default=1.0,
                         help="how much faster than real time the contact center runs")
    cluster.add_argument("--duration", type=float, metavar="S",
                         help="stop after this many seconds")
    cluster.set_defaults(run=_cluster_demo)


def _export(args: argparse.Namespace) -> int:
    try:
        first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    except ValueError:
        sys.stderr.write("wallboard export: --from and --to are dates as YYYY-MM-DD\n")
        return 2
    with _admin(args) as admin:
        return _export_from(args, admin, first, last)


def _export_from(args: argparse.Namespace, admin: Admin, first: date, last: date) -> int:
    import msgspec

    from .service import csv_rows, row_of, series_csv

    if admin.account(args.account) is None:
        sys.stderr.write(f"wallboard export: no account {args.account!r}\n")
        return 1
    if args.series or args.channel is not None or args.group is not None:
        try:
            report, row_id = row_of(args.channel, args.group)
        except ValueError:
            sys.stderr.write("wallboard export: --channel or --group, not both\n")
            return 2
        found = admin.saved_series(args.account, first, last, report, row_id)
        if args.format == "csv":
            sys.stdout.write(series_csv(found))
        else:
            sys.stdout.buffer.write(msgspec.json.encode(found) + b"\n")
        return 0
    # From the store alone: today's row is as fresh as the service's last checkpoint.
    days = admin.saved_days(args.account, first, last)
    if args.format == "csv":
        sys.stdout.write(csv_rows(days))
    else:
        sys.stdout.buffer.write(b"[" + b",".join(days) + b"]\n")
    return 0


def _add_export_command(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="an account's daily history or intraday series as CSV or JSON",
        description="Print the history of an account from the data directory: a line per day "
                    "and row (CSV) or the days' snapshots (JSON); with --series, one row's "
                    "15-minute buckets per day instead. Read from what the service last "
                    "saved (it saves every minute and when it stops).")
    export.add_argument("account")
    export.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--series", action="store_true",
                        help="the intraday series of the total (or of --channel / --group)")
    export.add_argument("--channel", metavar="ID", help="series of this channel")
    export.add_argument("--group", metavar="ID",
                        help="series of this group ('' for the no-group row)")
    _with_data_dir(export)
    export.set_defaults(run=_export)


def _add_admin_commands(commands: Any) -> None:
    account = commands.add_parser("account", help="manage accounts (tenants)")
    account_commands = account.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = account_commands.add_parser("create", help="create an account")
    create.add_argument("id", type=_account_id, help="the account id used in events")
    create.add_argument("--timezone", required=True, type=_timezone,
                        help="IANA time zone of the account's days, e.g. Europe/Moscow")
    create.add_argument("--name", help="a display name")
    create.add_argument("--sl-threshold", type=_threshold, default=60, metavar="S",
                        help="service-level threshold in seconds (default 60)")
    create.add_argument("--default-max-chats", type=_max_chats, default=3, metavar="N",
                        help="chat limit of operators that do not say theirs (default 3)")
    _with_data_dir(create)
    create.set_defaults(run=_account_create)
    listing = account_commands.add_parser("list", help="list the accounts")
    _with_data_dir(listing)
    listing.set_defaults(run=_account_list)

    token = commands.add_parser("token", help="manage an account's API tokens")
    token_commands = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = token_commands.add_parser("create", help="create a token; prints its secret once")
    new.add_argument("account", help="the account the token belongs to")
    new.add_argument("--role", required=True, choices=ROLES,
                     help="ingest: send events; view: read figures; admin: both, and tokens")
    _with_data_dir(new)
    new.set_defaults(run=_token_create)
    revoke = token_commands.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("token_id", help="the token's id (the part after 'wb_')")
    _with_data_dir(revoke)
    revoke.set_defaults(run=_token_revoke)
    tokens = token_commands.add_parser("list", help="list an account's tokens (no secrets)")
    tokens.add_argument("account")
    _with_data_dir(tokens)
    tokens.set_defaults(run=_token_list)

    link = commands.add_parser(
        "signin-link", help="a one-time link that signs a browser in to the dashboard",
        description="Print a dashboard link that signs in once, within 10 minutes. The code "
                    "is in the link's #fragment, which browsers never send to the server.")
    link.add_argument("account")
    link.add_argument("--role", choices=("view", "admin"), default="view")
    link.add_argument("--url", default="http://127.0.0.1:8000",
                      help="where the service is reached (default http://127.0.0.1:8000)")
    _with_data_dir(link)
    link.set_defaults(run=_signin_link)


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < share < 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1 (0.8 for 80 %)")
    return share


def _staffing(args: argparse.Namespace) -> int:
    from .staffing import Queue, needed, predict

    queue = Queue(args.arrivals_per_hour / 3600, args.handle_time_s, args.chat_limit,
                  args.patience_s, args.sl_threshold_s)
    found = (predict(queue, args.operators) if args.operators is not None
             else needed(queue, args.target))
    if found is None:
        print("wallboard staffing: no number of operators up to 10000 reaches the target",
              file=sys.stderr)
        return 1
    figures = {"operators": found.operators, "slots": found.slots, "p_wait": found.p_wait,
               "service_level": found.service_level, "asa_s": found.asa_s,
               "p_abandon": found.p_abandon}
    if args.json:
        print(json.dumps(figures))
        return 0
    asa = "-" if found.asa_s is None else f"{found.asa_s:.1f} s"
    print(f"operators      {found.operators} ({found.slots} chat slots)\n"
          f"wait at all    {found.p_wait:.1%} of arrivals\n"
          f"service level  {found.service_level:.1%} answered within "
          f"{args.sl_threshold_s:g} s\n"
          f"mean wait      {asa} (of those answered)\n"
          f"abandoned      {found.p_abandon:.1%}")
    if not found.stable:
        print("the queue grows without end: more work arrives than the slots can do")
    return 0


def _add_staffing_command(commands: Any) -> None:
    what = commands.add_parser(
        "staffing", help="how many operators a queue needs (Erlang A), for planning",
        description="The fewest operators whose service level reaches --target (or, with "
                    "--operators, what N operators give): Erlang A, a queue whose visitors "
                    "give up after an exponential patience, each operator working "
                    "--chat-limit conversations at once. Without --patience-s nobody gives "
                    "up (Erlang C). docs/staffing.md has the model and its limits.")
    what.add_argument("--arrivals-per-hour", type=_at_least(0, float), required=True,
                      metavar="X")
    what.add_argument("--handle-time-s", type=_at_least(0.001, float), required=True,
                      metavar="H", help="mean time a conversation holds a slot, seconds")
    what.add_argument("--chat-limit", type=_at_least(1, int), default=1, metavar="C",
                      help="conversations an operator works at once (default 1)")
    what.add_argument("--patience-s", type=_at_least(0, float), metavar="P",
                      help="mean time a visitor waits before giving up (default: never)")
    what.add_argument("--sl-threshold-s", type=_at_least(0, float), required=True, metavar="T",
                      help="answered within T seconds counts for the service level")
    what.add_argument("--target", type=_share, default=0.8,
                      help="service level to reach, a share (default 0.8)")
    what.add_argument("--operators", type=_at_least(0, int), metavar="N",
                      help="predict for N operators instead of finding how many are needed")
    what.add_argument("--json", action="store_true", help="print one JSON object")
    what.set_defaults(run=_staffing)


def _add_chatwoot_command(commands: Any) -> None:
    chatwoot = commands.add_parser("chatwoot", help="the Chatwoot connector (docs/chatwoot.md)")
    actions = chatwoot.add_subparsers(dest="action", required=True, metavar="ACTION")
    sync = actions.add_parser(
        "sync", help="send Chatwoot's agents' presence and open conversations to Wallboard",
        description="Every --every seconds: read Chatwoot's agents (availability), teams, "
                    "inboxes and open and lately resolved conversations over its REST API, "
                    "and send them to the account's Chatwoot connector, signed with its "
                    "webhook secret. Secrets may come from the environment instead "
                    "(WALLBOARD_CHATWOOT_API_TOKEN, WALLBOARD_CHATWOOT_SECRET).")
    sync.add_argument("--url", required=True, help="Chatwoot's address, e.g. "
                      "https://chat.example.com")
    sync.add_argument("--api-token", default=os.environ.get("WALLBOARD_CHATWOOT_API_TOKEN"),
                      help="an administrator's access token (Chatwoot: Profile settings)")
    sync.add_argument("--account", type=int, required=True,
                      help="Chatwoot's account id (the number in its addresses)")
    sync.add_argument("--to", required=True, metavar="ACCOUNT",
                      help="the Wallboard account whose connector receives it")
    sync.add_argument("--wallboard", default="http://127.0.0.1:8000",
                      help="Wallboard's address (default http://127.0.0.1:8000)")
    sync.add_argument("--secret", default=os.environ.get("WALLBOARD_CHATWOOT_SECRET"),
                      help="the webhook secret set up for the account's connector")
    sync.add_argument("--every", type=float, default=20.0, metavar="S",
                      help="seconds between passes (default 20)")
    sync.add_argument("--once", action="store_true", help="one pass, then exit")
    sync.set_defaults(run=_chatwoot_sync)


def _start_chatwoot_sync(args: argparse.Namespace) -> str | None:
    """The sync beside the service, on a thread of its own, sending to this very service
    (its first pass may come before the service listens: it is tried again a pass later)."""
    token = os.environ.get("WALLBOARD_CHATWOOT_API_TOKEN")
    secret = os.environ.get("WALLBOARD_CHATWOOT_SECRET")
    if not (args.chatwoot_url and args.chatwoot_account and token and secret):
        return ("--chatwoot-sync needs --chatwoot-url, --chatwoot-account, "
                "$WALLBOARD_CHATWOOT_API_TOKEN and $WALLBOARD_CHATWOOT_SECRET")
    if not 1 <= args.chatwoot_every <= 3600:
        return "--chatwoot-every is 1..3600 seconds"
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(args.host, args.host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    sync = argparse.Namespace(url=args.chatwoot_url, api_token=token,
                              account=args.chatwoot_account, to=args.chatwoot_sync,
                              wallboard=f"http://{host}:{args.port}", secret=secret,
                              every=args.chatwoot_every, once=False)
    threading.Thread(target=lambda: asyncio.run(_sync(sync)), name="wallboard-chatwoot-sync",
                     daemon=True).start()
    return None


def _chatwoot_sync(args: argparse.Namespace) -> int:
    if not args.api_token or not args.secret:
        print("wallboard chatwoot sync: give --api-token and --secret (or "
              "$WALLBOARD_CHATWOOT_API_TOKEN and $WALLBOARD_CHATWOOT_SECRET)", file=sys.stderr)
        return 2
    if not 1 <= args.every <= 3600:
        print("wallboard chatwoot sync: --every is 1..3600 seconds", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    return asyncio.run(_sync(args))


async def _sync(args: argparse.Namespace) -> int:
    import httpx

    from .chatwoot_sync import ChatwootApi, Sync

    async with httpx.AsyncClient(timeout=15, trust_env=False) as client:
        sync = Sync(ChatwootApi(client, args.url, args.api_token, args.account), client,
                    args.wallboard, args.to, args.secret)
        if not args.once:
            await sync.run(args.every)
            return 0
        try:
            roster = await sync.roster()
            sent = await sync.reconcile()
        except httpx.HTTPError as exc:
            print(f"wallboard chatwoot sync: {exc}", file=sys.stderr)
            return 1
        print(f"roster: {roster['accepted']} events accepted; {sent} conversations "
              f"reconciled")
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wallboard", description="Real-time monitoring for text-channel contact centers.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    replay = commands.add_parser(
        "replay", help="print one account's snapshot for an NDJSON file of events",
        description="Feed an NDJSON file of events to a fresh engine and print the account's "
                    "snapshot at --now as JSON. Invalid lines are reported on stderr (line "
                    "number and reason) and skipped.")
    replay.add_argument("events", metavar="EVENTS.ndjson", help="one event per line")
    replay.add_argument("--account", required=True, help="the account (tenant) id")
    replay.add_argument("--timezone", required=True, type=_timezone,
                        help="the account's IANA time zone, e.g. Europe/Moscow")
    replay.add_argument("--now", required=True, type=_instant,
                        help="RFC 3339 instant with offset: the snapshot moment and the "
                             "receiver clock for the 5-minute future bound")
    replay.add_argument("--sl-threshold", type=_threshold, default=60, metavar="S",
                        help="service-level threshold in seconds (default 60)")
    replay.set_defaults(run=_replay)
    _add_serve_command(commands)
    _add_admin_commands(commands)
    _add_sim_commands(commands)
    _add_export_command(commands)
    _add_staffing_command(commands)
    _add_chatwoot_command(commands)

    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
