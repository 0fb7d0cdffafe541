"""How soon an alert's webhook arrives once its condition has held for its hold time, against a
real ``wallboard serve`` on 127.0.0.1, idle and under a steady stream of other events.

Each trial has a channel and a rule of its own (``in_queue`` above 0 there, held ``--hold``
seconds, a webhook to a receiver in this script): a conversation starts waiting in the
channel, and "fired" is the webhook's arrival less (the acknowledged POST of the event + the
hold); then an operator takes it, and "resolved" is the next webhook's arrival less the
acknowledged POST of the assignment. The rules are stepped every second, so a random pause
(0-1 s, seeded) before each POST spreads the trials over the tick.

    python bench/alerts.py                                  # 20 trials, hold 5 s, 500 events/s
    python bench/alerts.py --trials 3 --hold 1 --load 100   # a quick look (CI)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from service_common import BenchServer, client, now_ms, percentile
from wallboard.local_http import LocalHttp
from wallboard.service import Admin
from wallboard.store import AccountConfig

ACCOUNT = "acme"
SECRET = "a-webhook-secret-of-the-bench"
BOUND_S = 20.0  # the issue's: an alert fires within 20 s of its condition holding
WAIT_S = 60.0  # a webhook not here this long after it was due is counted as missed
LOAD_BATCH = 50
LOAD_CHANNELS = 10


# --- the webhook receiver --------------------------------------------------------------------


@dataclass
class Call:
    at: float  # time.monotonic() when the request had arrived
    body: dict[str, Any]


class Receiver:
    """A threaded HTTP server on 127.0.0.1 that answers every POST 200 at once and keeps the
    first call of each delivery (a retried one comes again with the same id)."""

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str], Call] = {}  # (channel, event) -> its first call
        self.repeats = 0  # calls of a delivery already received
        self.bad_signatures = 0
        self._seen: set[str] = set()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrived = time.monotonic()
                receiver.record(arrived, raw, self.headers.get("X-Wallboard-Timestamp", ""),
                                self.headers.get("X-Wallboard-Signature", ""))
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._http = LocalHttp(Handler)
        self.url = self._http.url

    def record(self, arrived: float, raw: bytes, stamp: str, signature: str) -> None:
        expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
        body = json.loads(raw)
        with self._changed:
            if not hmac.compare_digest(signature, "sha256=" + expected.hexdigest()):
                self.bad_signatures += 1
            if body["delivery"] in self._seen:
                self.repeats += 1
                return
            self._seen.add(body["delivery"])
            self.calls.setdefault((body["alert"]["row"], body["event"]),
                                  Call(arrived, body))
            self._changed.notify_all()

    def wait_for(self, channel: str, event: str, deadline: float) -> Call | None:
        """The first ``event`` webhook of ``channel``'s alert; None if none by ``deadline``
        (monotonic)."""
        with self._changed:
            while (channel, event) not in self.calls:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return self.calls[(channel, event)]

    def __enter__(self) -> Receiver:
        self._http.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.__exit__(*exc)


# --- background load -------------------------------------------------------------------------


def load_events() -> Iterator[dict[str, Any]]:
    """Conversations in the load channels, each started, taken 20 conversations later and
    closed 20 after that: a few always waiting, a few always in work."""
    n = 0
    while True:
        at = now_ms()
        yield {"id": f"l{n}s", "type": "conversation.started", "account": ACCOUNT, "at": at,
               "conversation": f"lc{n}", "channel": f"load{n % LOAD_CHANNELS}"}
        if n >= 20:
            yield {"id": f"l{n - 20}a", "type": "conversation.assigned", "account": ACCOUNT,
                   "at": at, "conversation": f"lc{n - 20}", "operator": f"op{n % 50}"}
        if n >= 40:
            yield {"id": f"l{n - 40}c", "type": "conversation.closed", "account": ACCOUNT,
                   "at": at, "conversation": f"lc{n - 40}", "by": "operator"}
        n += 1


@dataclass
class Load:
    """A thread POSTing batches of ``LOAD_BATCH`` events at ``rate`` events a second until
    ``stop`` (or ``max_s``, whichever comes first)."""

    url: str
    secret: str
    rate: float
    max_s: float
    sent: int = 0
    accepted: int = 0
    busy: int = 0  # 429s
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Load:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    @property
    def achieved(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def _run(self) -> None:
        events = load_events()
        every = LOAD_BATCH / self.rate
        started = time.monotonic()
        due = started
        try:
            with client(self.url, self.secret, timeout=30) as c:
                while not self._stop.is_set() and time.monotonic() - started < self.max_s:
                    batch = [next(events) for _ in range(LOAD_BATCH)]
                    reply = c.post("/api/v1/events", json=batch)
                    self.sent += len(batch)
                    if reply.status_code == 429:
                        self.busy += 1
                    elif reply.status_code != 200:
                        self.failures.append(f"{reply.status_code} {reply.text[:200]}")
                    else:
                        self.accepted += reply.json()["accepted"]
                    due += every
                    self._stop.wait(max(0.0, due - time.monotonic()))
        except Exception as exc:  # said in the summary; the trials go on
            self.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.seconds = time.monotonic() - started


# --- the trials ------------------------------------------------------------------------------


@dataclass
class Trials:
    fired: list[float] = field(default_factory=list)  # seconds past ack + hold
    resolved: list[float] = field(default_factory=list)  # seconds past the assign's ack
    missed_fired: int = 0
    missed_resolved: int = 0


class Bench:
    def __init__(self, url: str, ingest: str, admin: str, hook: Receiver, hold: float,
                 rng: random.Random) -> None:
        self.ingest = client(url, ingest, timeout=30)
        self.admin = client(url, admin, timeout=30)
        self.hook = hook
        self.hold = hold
        self.rng = rng
        self._n = 0

    def close(self) -> None:
        self.ingest.close()
        self.admin.close()

    def post(self, event: dict[str, Any]) -> float:
        """POST one event; the monotonic time its acceptance came back."""
        self._n += 1
        reply = self.ingest.post("/api/v1/events", json=[{"id": f"t{self._n}",
                                                          "account": ACCOUNT, "at": now_ms(),
                                                          **event}])
        acked = time.monotonic()
        if reply.status_code != 200 or reply.json()["accepted"] != 1:
            raise RuntimeError(f"POST /api/v1/events: {reply.status_code} {reply.text[:300]}")
        return acked

    def trial(self, channel: str, into: Trials) -> None:
        rules = f"/api/v1/accounts/{ACCOUNT}/alert-rules"
        reply = self.admin.post(rules, json={
            "name": f"Queue in {channel}", "figure": "in_queue", "comparison": "above",
            "threshold": 0, "hold_s": self.hold, "rows": [{"report": "channel", "id": channel}],
            "webhook": {"url": f"{self.hook.url}/hook/{channel}", "secret": SECRET}})
        if reply.status_code != 201:
            raise RuntimeError(f"POST {rules}: {reply.status_code} {reply.text[:300]}")
        rule = reply.json()["id"]
        time.sleep(self.rng.random())  # somewhere in the 1-s tick
        conversation = f"{channel}-c"
        acked = self.post({"type": "conversation.started", "conversation": conversation,
                           "channel": channel})
        fired = self.hook.wait_for(channel, "firing", acked + self.hold + WAIT_S)
        if fired is None:
            into.missed_fired += 1
        else:
            into.fired.append(fired.at - (acked + self.hold))
        time.sleep(self.rng.random())  # not just after the tick that fired it
        acked = self.post({"type": "conversation.assigned", "conversation": conversation,
                           "operator": "anna"})
        if fired is not None:
            done = self.hook.wait_for(channel, "resolved", acked + WAIT_S)
            if done is None:
                into.missed_resolved += 1
            else:
                into.resolved.append(done.at - acked)
        self.admin.delete(f"{rules}/{rule}").raise_for_status()  # at most 100 rules an account

    def run(self, name: str, trials: int) -> Trials:
        out = Trials()
        for i in range(trials):
            self.trial(f"{name}{i}", out)
        return out


def _figures(seconds: list[float]) -> str:
    return (f"min {min(seconds):.2f} s, p50 {percentile(seconds, 50):.2f} s, "
            f"p95 {percentile(seconds, 95):.2f} s, max {max(seconds):.2f} s")


def report(condition: str, t: Trials, hold: float) -> None:
    runs = len(t.fired) + t.missed_fired
    missed = f", {t.missed_fired} MISSED" if t.missed_fired else ""
    over = sum(1 for s in t.fired if s > BOUND_S)
    beyond = f", {over} beyond the bound" if over else ""
    if t.fired:
        print(f"  {condition}: alert fired after hold ({hold:g} s): {_figures(t.fired)} "
              f"({runs} trials{missed}{beyond}; bound {BOUND_S:g} s)")
    else:
        print(f"  {condition}: alert fired after hold: none arrived ({runs} trials)")
    missed = f", {t.missed_resolved} MISSED" if t.missed_resolved else ""
    if t.resolved:
        print(f"  {condition}: alert resolved after the assign: {_figures(t.resolved)} "
              f"({len(t.resolved) + t.missed_resolved} trials{missed})")


def server_log_problems(log: Path | None) -> list[str]:
    if log is None or not log.exists():
        return []
    return [line for line in log.read_text(errors="replace").splitlines()
            if any(word in line for word in ("ERROR", "WARNING", "Traceback", "CRITICAL"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="trials per condition (20)")
    parser.add_argument("--hold", type=float, default=5.0, help="the rules' hold_s (5)")
    parser.add_argument("--load", type=float, default=500.0,
                        help=f"background events a second, in batches of {LOAD_BATCH} (500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wallboard-bench-alerts-") as tmp:
        data = Path(tmp) / "data"
        with Admin(data) as admin:
            admin.create_account(AccountConfig(ACCOUNT, "UTC"))
            ingest = admin.create_token(ACCOUNT, "ingest")[1]
            admin_secret = admin.create_token(ACCOUNT, "admin")[1]
        server = BenchServer(data, "alerts")
        load: Load | None = None
        try:
            server.start()
            with Receiver() as hook:
                bench = Bench(server.url, ingest, admin_secret, hook, args.hold, rng)
                try:
                    print(f"wallboard serve on {server.url} (loopback only); rules stepped "
                          f"every 1 s; {args.trials} trials a condition, hold {args.hold:g} s")
                    idle = bench.run("idle", args.trials)
                    report("idle", idle, args.hold)
                    # Bounded by the trials' worst case, and stopped as soon as they end.
                    worst = args.trials * (2 * WAIT_S + args.hold + 5)
                    load = Load(server.url, ingest, args.load, worst).start()
                    time.sleep(1.0)  # running before the first trial
                    busy = bench.run("busy", args.trials)
                    load.stop()
                    report(f"under load ({args.load:g} events/s asked)", busy, args.hold)
                    print(f"  background load: {load.accepted:,} of {load.sent:,} events "
                          f"accepted in {load.seconds:.1f} s, {load.achieved:,.0f} events/s "
                          f"achieved ({load.busy} 429s, {len(load.failures)} failures)")
                    for failure in load.failures[:3]:
                        print(f"    load failure: {failure}")
                    if hook.repeats or hook.bad_signatures:
                        print(f"  webhooks: {hook.repeats} repeated deliveries, "
                              f"{hook.bad_signatures} bad signatures")
                finally:
                    if load is not None:
                        load.stop()
                    bench.close()
        finally:  # the server's complaints are said even when a trial failed
            BenchServer.stop_all()
            problems = server_log_problems(server.log)
            print(f"  server log: {len(problems)} warnings or errors")
            for line in problems[:5]:
                print(f"    {line[:200]}")
    print(f"done in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
