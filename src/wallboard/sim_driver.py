"""Sends simulated events to a running service over HTTP: in (scaled) real time, or as a
bounded load generator.

The simulator writes its own timeline; here each event is sent when its moment comes on the
wall clock (``speed`` times faster) and restamped with that moment, so the service always
sees current events, exactly as a platform would send them.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["DriveStats", "Refused", "drive", "is_loopback", "refusal"]


class Refused(Exception):
    """The service refused a whole request (a bad token, a body too large...): sending more
    would be refused alike."""


def refusal(reply: httpx.Response) -> Refused:
    """The service's own words for a refused request, from the error shape when it has one."""
    try:
        error = reply.json()["error"]
        told = f"{error['message']}" + (f" ({error['field']})" if error.get("field") else "")
    except (ValueError, KeyError, TypeError):
        told = reply.text[:200]
    return Refused(f"{reply.status_code} from {reply.request.url.path}: {told}")


@dataclass
class DriveStats:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    requests: int = 0
    retries: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0  # from the start until the last batch was handed to the service
    # Why events were refused ("field: message"), the first few kinds, with their counts.
    rejections: dict[str, int] = field(default_factory=dict)


REJECTION_KINDS = 5  # kinds of rejection remembered: the first ones tell the story


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


MAX_BATCH = 5_000  # events in one request (the service takes up to 10,000)


def drive(events: Iterator[dict[str, Any]], target: str, token: str, *, speed: float = 1.0,
          rate: float | None = None, duration_s: float | None = None,
          stop: threading.Event | None = None, tick_s: float = 0.05,
          clock: Callable[[], float] = time.time, head_start_s: float = 0.0) -> DriveStats:
    """Send ``events`` to ``target`` until they run out, ``duration_s`` passes or ``stop``.

    With ``rate``, events go out at that many a second whatever their own times (a load
    generator); otherwise at their own pace, ``speed`` times faster than real time. Either
    way they are restamped: with their scheduled moment on the wall clock, or, as a load
    generator, with the moment they are sent. ``head_start_s`` of simulated time are
    already past when the drive starts: they are sent at once, stamped in the past, so that
    the screen has a recent history from the first second.
    """
    stop = stop or threading.Event()
    stats = DriveStats()
    # Paced by the monotonic clock (a jump of the wall clock changes no rate), stamped by
    # the wall clock, as a platform stamps its events.
    started, wall_started = time.monotonic(), clock()
    first_at: int | None = None
    pending: dict[str, Any] | None = None
    last = False
    with httpx.Client(base_url=target.rstrip("/"), timeout=30, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        while not stop.is_set() and not last:
            elapsed = time.monotonic() - started
            if duration_s is not None and elapsed >= duration_s:
                # The end: what the whole duration owes is sent now, then no more.
                elapsed, last = duration_s, True
            batch: list[dict[str, Any]] = []
            now_ms = int(clock() * 1000)
            budget = (min(int(rate * elapsed) - stats.sent, MAX_BATCH) if rate is not None
                      else None)
            while True:
                if pending is None:
                    pending = next(events, None)
                    if pending is None:
                        break
                if budget is not None:
                    if len(batch) >= budget:
                        break
                    at = now_ms
                else:
                    if first_at is None:
                        first_at = pending["at"]
                    due = (pending["at"] - first_at) / 1000 / speed - head_start_s / speed
                    if due > elapsed or len(batch) >= MAX_BATCH:
                        break
                    # Its scheduled moment, so order and spacing survive the batching.
                    at = int((wall_started + due) * 1000)
                batch.append({**pending, "at": at})
                pending = None
            if batch:
                stats.seconds = time.monotonic() - started  # handed over by then
                try:
                    _post(client, batch, stats)
                except httpx.TransportError:
                    # The service went away. In the demo, Ctrl-C reaches it and us at once:
                    # when our caller is stopping too, that is the end, not an error.
                    if stop.wait(2.0):
                        break
                    raise
            elif pending is None and budget is None:
                break  # the simulation is over
            if not last:
                stop.wait(tick_s)
    return stats


def _post(client: httpx.Client, batch: list[dict[str, Any]], stats: DriveStats) -> None:
    for _ in range(20):
        sent = time.perf_counter()
        reply = client.post("/api/v1/events", json=batch)
        if reply.status_code in (429, 503):
            stats.retries += 1
            time.sleep(float(reply.headers.get("retry-after", "1")))
            continue
        if reply.status_code != 200:
            raise refusal(reply)
        body = reply.json()
        stats.latencies_ms.append((time.perf_counter() - sent) * 1000)
        stats.requests += 1
        stats.sent += len(batch)
        stats.accepted += body["accepted"]
        stats.rejected += body["rejected"]
        for problem in body["problems"]:
            if problem["result"] == "rejected":
                # By its first clause: the rest may hold figures of each event (how far
                # ahead of the clock), which would make every rejection a kind of its own.
                clause = str(problem.get("message")).split(": ", 1)[0]
                reason = f"{problem.get('field')}: {clause}"
                if reason in stats.rejections or len(stats.rejections) < REJECTION_KINDS:
                    stats.rejections[reason] = stats.rejections.get(reason, 0) + 1
        return
    raise RuntimeError("the service kept answering 'busy'")
