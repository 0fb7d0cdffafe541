"""Chatwoot connector benchmark: webhooks a second through ``POST
/api/v1/connectors/chatwoot/{account}`` of a real ``wallboard serve`` on 127.0.0.1, and the
reply time, against Chatwoot's 5-second delivery timeout.

A simulated day (``--hours`` from the simulator, as ``sim_chatwoot.chatwoot_day`` turns it
into Chatwoot's webhooks and the sync's rosters), each signed as Chatwoot signs:

1. one sender, one webhook after another: the reply time of each (p50/p95/p99/max);
2. ``--senders`` senders at once (as Chatwoot's job workers send), each conversation's
   webhooks on one of them in order: webhooks a second;

and after each run every figure of the account's snapshot is compared with the same day
POSTed to another account as events (it must be equal).

    python bench/chatwoot.py --hours 1     # a quick look (CI)
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from service_common import BenchServer, client, percentile
from wallboard.compare import differences, figures
from wallboard.service import Admin
from wallboard.sim import SimConfig, simulate
from wallboard.sim_chatwoot import body_of, chatwoot_day, signed_headers
from wallboard.store import AccountConfig

SECRET = "bench-chatwoot-webhook-secret"
ZONE = "UTC"


def _post_all(url: str, account: str, webhooks: list[dict[str, Any]]) -> list[float]:
    """Each webhook in turn; each reply's seconds."""
    took = []
    with client(url) as http:
        for payload in webhooks:
            body = body_of(payload)
            started = time.perf_counter()
            reply = http.post(f"/api/v1/connectors/chatwoot/{account}", content=body,
                              headers=signed_headers(SECRET, body))
            took.append(time.perf_counter() - started)
            if reply.status_code != 200 or reply.json()["rejected"]:
                raise SystemExit(f"webhook refused: {reply.status_code} {reply.text[:300]}")
    return took


def _shards(webhooks: list[dict[str, Any]], senders: int) -> list[list[dict[str, Any]]]:
    """Each conversation's webhooks on one sender, in order; rosters on the first."""
    shards: list[list[dict[str, Any]]] = [[] for _ in range(senders)]
    for payload in webhooks:
        conversation = payload.get("conversation", payload)
        key = conversation.get("id") if "inbox_id" in conversation else None
        shards[0 if key is None else key % senders].append(payload)
    return shards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0, help="simulated hours (8)")
    parser.add_argument("--senders", type=int, default=4, help="senders at once (4)")
    parser.add_argument("--seed", type=int, default=5, help="simulator seed (5)")
    args = parser.parse_args()
    now = int(time.time() * 1000)
    simulated = simulate(SimConfig(seed=args.seed, account="native", timezone=ZONE,
                                   start_ms=now - int(args.hours * 3600_000),
                                   hours=args.hours, busy_from_start=True)).events
    native = chatwoot_day(simulated, "native").native
    days = {name: chatwoot_day(simulated, name).webhooks for name in ("one", "many")}
    print(f"chatwoot bench: {args.hours:g} simulated hours, {len(days['one']):,} webhooks "
          f"({len(native):,} events), a real server on 127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="wallboard-bench-chatwoot-") as tmp:
        data = Path(tmp) / "data"
        secrets = {}
        with Admin(data) as admin:
            for account in ("native", "one", "many"):
                admin.create_account(AccountConfig(account, ZONE))
                secrets[account] = {role: admin.create_token(account, role)[1]
                                    for role in ("ingest", "admin", "view")}
        server = BenchServer(data, "chatwoot")
        try:
            server.start()
            for account in ("one", "many"):
                with client(server.url, secrets[account]["admin"]) as http:
                    http.put(f"/api/v1/accounts/{account}/connectors/chatwoot",
                             json={"secret": SECRET}).raise_for_status()
            with client(server.url, secrets["native"]["ingest"]) as http:
                for start in range(0, len(native), 1000):
                    http.post("/api/v1/events",
                              json=native[start:start + 1000]).raise_for_status()
            took = _post_all(server.url, "one", days["one"])
            print(f"  one sender: {len(took) / sum(took):,.0f} webhooks/s; reply p50 "
                  f"{percentile(took, 50) * 1000:.1f} ms, p95 {percentile(took, 95) * 1000:.1f}"
                  f" ms, p99 {percentile(took, 99) * 1000:.1f} ms, max "
                  f"{max(took) * 1000:.1f} ms (Chatwoot gives up after 5,000 ms)")
            shards = _shards(days["many"], args.senders)
            results: list[list[float]] = [[] for _ in shards]
            started = time.perf_counter()
            threads = [threading.Thread(target=lambda i=i: results[i].extend(
                _post_all(server.url, "many", shards[i]))) for i in range(len(shards))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
            every = [t for r in results for t in r]
            print(f"  {args.senders} senders: {len(every) / wall:,.0f} webhooks/s; reply p99 "
                  f"{percentile(every, 99) * 1000:.1f} ms, max {max(every) * 1000:.1f} ms")
            snapshots = {}
            for account in ("native", "one", "many"):
                with client(server.url, secrets[account]["view"]) as http:
                    snapshots[account] = figures(
                        http.get(f"/api/v1/accounts/{account}/snapshot").json())
            same = snapshots["one"] == snapshots["native"] == snapshots["many"]
            for account in ("one", "many"):
                wrong = differences(snapshots[account], snapshots["native"])
                if wrong:
                    print(f"  {account}: {wrong[:5]}")
            print(f"  every figure equal to the same day sent as events: {same} "
                  f"({snapshots['native']['total']['arrived']:,} conversations)")
            if not same:
                raise SystemExit("the connector's figures differ from the events'")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
