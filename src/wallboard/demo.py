"""``wallboard demo``: a living contact center on the embedded default, in one command.

It creates a fresh data directory and a demo account in this machine's time zone, keeps four
weeks of history for it (the same weekday of the four weeks before, and yesterday), starts the
service, and drives the simulator against it: today from local midnight sent at once, then in
real time, so charts, baselines, queues, waits, losses and the staffing advice are there from
the first second. Whatever the hour, the simulated day is shifted so that now is its busy late
morning (the history days the same way, so that they stay comparable). Its operators sit
mostly in support and too few in sales: the dashboard suggests the moves that fix it. A
newsletter sent twenty minutes before it opens (free delivery, marked as a campaign) brings
five times the delivery group's arrivals, and refunds have been spiking in support as long:
the screen flags both within a minute or two. It shows the live snapshot in the terminal until
Ctrl-C, which stops everything cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfoNotFoundError

import httpx
import msgspec

from .process import HOST, ServiceFailed, ServiceProcess, next_free_port, port_taken
from .service import AccountConfig, Admin
from .sim import SimConfig, Surge, TopicSpike, stream
from .sim_driver import DriveStats, drive
from .zones import load_zone

__all__ = ["local_timezone", "midnight_of", "render", "render_moves", "render_trends",
           "run_demo", "show_live"]

ACCOUNT = "demo"


def local_timezone() -> str:
    """This machine's IANA time zone name, or UTC when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    target = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name:
            try:
                load_zone(name)
                return name
            except ZoneInfoNotFoundError:
                continue
    return "UTC"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    value = round(value)
    return f"{value // 60}:{value % 60:02d}" if value >= 60 else f"{value}s"


def render(snapshot: dict[str, Any]) -> str:
    """A compact table of the snapshot: channels, groups and the total."""
    head = (f"{'':<22}{'queue':>6}{'work':>6}{'longest':>8}{'arrived':>8}{'served':>7}"
            f"{'unserved u/c/m':>16}{'avg wait':>9}{'SL':>5}{'ops':>5}{'slots':>6}")
    lines = [f"Wallboard demo - {snapshot['account']} - {snapshot['as_of'][:19]} "
             f"({snapshot['timezone']})", head]

    def line(label: str, row: dict[str, Any]) -> str:
        u = row["unserved"]
        sl = (f"{100 * row['answered_within_sl'] / row['wait_samples']:.0f}%"
              if row["wait_samples"] else "-")
        return (f"{label[:21]:<22}{row['in_queue']:>6}{row['in_work']:>6}"
                f"{_seconds(row['longest_wait_s']):>8}{row['arrived']:>8}{row['served']:>7}"
                f"{u['total']:>6} {u['unassigned']:>2}/{u['canceled']:>2}/{u['missed']:>2}"
                f"{_seconds(row['avg_wait_s']):>9}{sl:>5}{row['operators_available']:>5}"
                f"{row['slots_available']:>6}")

    lines.append("Channels")
    lines += [line(f"  {r['name'] or r['id']} ({r['kind']})", r) for r in snapshot["channels"]]
    lines.append("Groups")
    lines += [line(f"  {r['name'] or r['id'] or 'No group'}", r) for r in snapshot["groups"]]
    lines.append(line("Total", snapshot["total"]))
    topics = ", ".join(f"{k} {v}" for k, v in list(snapshot["total"]["topics"].items())[:6])
    lines.append(f"Top topics: {topics or '-'}")
    return "\n".join(lines)


def render_moves(staffing: dict[str, Any]) -> str:
    """The suggested moves, a line each: who goes where, and what it does to the groups."""
    lines = []
    for s in staffing["suggestions"]:
        who = ", ".join(f"{m['name'] or m['operator']} ({'+'.join(m['groups'])})"
                        for m in s["moves"])
        effects = "; ".join(f"{e['group']} {100 * e['before']['service_level']:.0f}% -> "
                            f"{100 * e['after']['service_level']:.0f}%" for e in s["effects"])
        lines.append(f"Move to {s['to']}: {who}. Service level: {effects}")
    return "\n".join(lines) or "Suggested moves: none needed"


def render_trends(trends: dict[str, Any]) -> str:
    """The rows out of the ordinary for the time of day, a line each."""
    lines = []
    for r in trends["rows"]:
        if r["status"] in ("surge", "drop"):
            name = r["id"] or ("all" if r["report"] == "total" else "no group")
            lines.append(f"{r['status'].capitalize()} in {r['report']} {name}: "
                         f"{100 * (r['since_ratio'] or 0):.0f}% of normal since "
                         f"{(r['since'] or '')[11:16]}, {abs(r['extra'] or 0):.0f} "
                         f"{'more' if r['status'] == 'surge' else 'fewer'}")
    if not lines and trends["rows"] and all(r["status"] == "not_enough_history"
                                            for r in trends["rows"]):
        return "Now against normal: too little history yet"
    return "\n".join(lines) or "Now against normal: arrivals as usual everywhere"


# Enough operators for the busy hour overall, but most of them in support and few in sales:
# sales queues up while support idles, and the dashboard suggests the moves that fix it.
STAFFING = 0.85
CREW = {"support": 0.6, "sales": 0.1, "billing": 0.15, "delivery": 0.15}
# The simulated local hour when the demo opens: the busy late morning.
DEMO_HOUR = 11.5
HISTORY_DAYS = (28, 21, 14, 7, 1)  # days back kept as history: the normal's weeks, yesterday
# The newsletter (free delivery this weekend) went out twenty minutes before the demo opens:
# a surge of five times in the delivery group is on the screen within a minute or two (the
# count test needs that much of it), and the moves to sales, from support, still help.
# Refunds started going wrong twenty minutes before: a topic's share over the last hour needs
# that long to stand out.
CAMPAIGN_AT_S = -20 * 60
SPIKE_AT_S = -20 * 60
SURGE_FACTOR = 5.0
CAMPAIGN_GROUP = "delivery"
SPIKE_FACTOR = 10.0
# Which groups may lend operators to which (the staffing settings an admin edits).
MAY_HELP = {"support": ["sales"], "billing": ["sales"], "delivery": ["sales"]}


def _allow_help(url: str, admin: str) -> None:
    with httpx.Client(base_url=url, timeout=10, trust_env=False,
                      headers={"Authorization": f"Bearer {admin}"}) as client:
        client.put(f"/api/v1/accounts/{ACCOUNT}/staffing/settings",
                   json={"may_help": MAY_HELP}).raise_for_status()


# The demo's sign-in link may be opened a while after it is printed; a real link (``wallboard
# signin-link``) lives 10 minutes.
DEMO_LINK_MS = 60 * 60 * 1000


def midnight_of(zone_name: str, days_back: int) -> int:
    zone = load_zone(zone_name)
    today = datetime.now(zone).date() - timedelta(days=days_back)
    return int(datetime.combine(today, dt_time(0), tzinfo=zone).timestamp() * 1000)


def _fill_history(setup: Admin, base: SimConfig, out: TextIO) -> None:
    out.write("Keeping four weeks of history for the demo account...\n")
    out.flush()
    for back in HISTORY_DAYS:
        day = msgspec.structs.replace(base, seed=base.seed * 7919 + back,
                                      start_ms=midnight_of(base.timezone, back), hours=24.0)
        setup.fill_history(ACCOUNT, [list(stream(day))])


def _mark_campaign(url: str, admin: str, start_ms: int, timezone: str) -> None:
    start = datetime.fromtimestamp(start_ms / 1000, load_zone(timezone)).isoformat()
    with httpx.Client(base_url=url, timeout=10, trust_env=False,
                      headers={"Authorization": f"Bearer {admin}"}) as client:
        client.post(f"/api/v1/accounts/{ACCOUNT}/campaigns",
                    json={"name": "Newsletter: free delivery this weekend", "start": start,
                          "rows": [{"report": "group", "id": CAMPAIGN_GROUP}]}
                    ).raise_for_status()


def run_demo(port: int = 8000, seed: int = 1, speed: float = 1.0, scale: float = 2.0,
             out: TextIO = sys.stdout, duration_s: float | None = None,
             browser: bool = True) -> int:
    try:
        holder = port_taken(HOST, port)
    except OSError as err:
        out.write(f"cannot listen on {HOST} port {port}: {err.strerror}\n")
        return 2
    if holder is not None:
        free = next_free_port(HOST, port)
        out.write(f"port {port} on {HOST} is taken by {holder}: stop it, or run the demo on "
                  + (f"another port: make demo PORT={free} (or wallboard demo --port {free})\n"
                     if free else "another port (--port)\n"))
        return 2
    _stop_on(signal.SIGTERM, signal.SIGHUP)
    data_dir = Path(tempfile.mkdtemp(prefix="wallboard-demo-"))
    timezone = local_timezone()
    setup = Admin(data_dir)
    now = time.time_ns() // 1_000_000
    midnight = midnight_of(timezone, 0)
    local_hour = (now - midnight) / 3_600_000
    base = SimConfig(seed=seed, account=ACCOUNT, timezone=timezone, scale=scale,
                     staffing=STAFFING, crew=CREW, hour_shift=(DEMO_HOUR - local_hour) % 24)
    setup.create_account(AccountConfig(ACCOUNT, timezone, name="Demo contact center"))
    _fill_history(setup, base, out)
    ingest = setup.create_token(ACCOUNT, "ingest")[1]
    view = setup.create_token(ACCOUNT, "view")[1]
    admin = setup.create_token(ACCOUNT, "admin")[1]
    code = setup.create_signin_code(ACCOUNT, "admin", DEMO_LINK_MS)[0]
    setup.close()
    # The service watches this process: killed even with SIGKILL, the demo takes it along.
    server = ServiceProcess(data_dir, "--parent-pid", str(os.getpid()), port=port).spawn()
    url = server.url
    link = f"{url}/signin#code={code}"
    stop = threading.Event()
    stats: list[DriveStats] = []
    try:
        try:
            server.wait_ready(30)
        except ServiceFailed as failed:
            raise SystemExit(f"the service did not start: {failed}") from None
        header = (f"Wallboard demo running at {url}/ (API documentation: {url}/schema)\n"
                  f"  dashboard, one-time sign-in link (1 hour): {link}\n"
                  f"  or sign in at {url}/signin with the admin token {admin}\n"
                  f"  data directory: {data_dir}; account: {ACCOUNT} ({timezone})\n"
                  "  Ctrl-C stops.\n")
        out.write(header)
        out.flush()
        if browser:
            _open(link)
        _allow_help(url, admin)
        # The surprises, in the simulated day's hours.
        config = msgspec.structs.replace(
            base, start_ms=midnight, hours=48.0,
            surge=Surge(CAMPAIGN_GROUP, SURGE_FACTOR, (DEMO_HOUR + CAMPAIGN_AT_S / 3600) % 24,
                        1.5),
            topic_spike=TopicSpike("refund", SPIKE_FACTOR, (DEMO_HOUR + SPIKE_AT_S / 3600) % 24,
                                   2.0, "support"))
        _mark_campaign(url, admin, now + round(CAMPAIGN_AT_S / speed * 1000), timezone)
        head_start_s = (now - midnight) / 1000
        driver = threading.Thread(
            target=lambda: stats.append(drive(stream(config), url, ingest, speed=speed,
                                              stop=stop, head_start_s=head_start_s)),
            daemon=True)
        driver.start()
        show_live(url, view, out, stop, duration_s, header, server.running)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        # The service gets Ctrl-C too and is stopping; a Ctrl-C that reaches this process
        # only now (or a second one) must not cut its shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for _ in range(2):
            try:
                server.stop()
                break
            except KeyboardInterrupt:
                continue
    sent = stats[0].sent if stats else 0
    out.write(f"\nstopped: {sent:,} events sent; the data stays in {data_dir}\n")
    return 0


def _stop_on(*signals: signal.Signals) -> None:
    """These signals stop the demo as Ctrl-C does (closing the terminal sends SIGHUP): its
    ``finally`` stops the service."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for signum in signals:
        signal.signal(signum, interrupt)


def _open(link: str) -> None:
    """Open the link in the desktop's browser, if there is a desktop: without one, Python
    would pick a text browser and take over the terminal."""
    import webbrowser

    if sys.platform == "darwin" or os.environ.get("DISPLAY") or os.environ.get(
            "WAYLAND_DISPLAY"):
        with contextlib.suppress(webbrowser.Error):
            webbrowser.open(link)


def show_live(url: str, view: str, out: TextIO, stop: threading.Event,
          duration_s: float | None, header: str, serving: Callable[[], bool]) -> None:
    tty = out.isatty()
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=10, trust_env=False,
                      headers={"Authorization": f"Bearer {view}"}) as client:
        while not stop.is_set():
            if duration_s is not None and time.monotonic() - started > duration_s:
                return
            try:
                snapshot = client.get(f"/api/v1/accounts/{ACCOUNT}/snapshot").json()
                staffing = client.get(f"/api/v1/accounts/{ACCOUNT}/staffing").json()
            except httpx.TransportError:
                # Ctrl-C reaches the service too (same process group): it may be gone a
                # moment before this process hears of it.
                if not serving():
                    return
                stop.wait(0.5)
                continue
            trends = client.get(f"/api/v1/accounts/{ACCOUNT}/trends").json()
            table = (render(snapshot) + "\n" + render_moves(staffing) + "\n"
                     + render_trends(trends))
            # On a terminal the table refreshes in place under the sign-in link; in a log, one
            # block per refresh.
            out.write(("\x1b[H\x1b[2J" + header + "\n" + table + "\n") if tty
                      else (table + "\n\n"))
            out.flush()
            stop.wait(1.0 if tty else 5.0)
