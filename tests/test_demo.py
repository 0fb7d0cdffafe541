"""``make demo`` as a newcomer runs it: a subprocess that serves a living contact center."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from server import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_make_demo_serves_a_living_contact_center_and_stops_on_ctrl_c() -> None:
    port = free_port()
    demo = subprocess.Popen(["make", "--no-print-directory", "demo", f"PORT={port}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    assert demo.stdout is not None
    output = b""
    try:
        code = token = None
        deadline = time.monotonic() + 30
        while token is None and time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, output.decode()
            output += line
            if found := re.search(rb"/signin#code=(\S+)", line):
                code = found.group(1).decode()
            if found := re.search(rb"admin token (wb_\S+)", line):
                token = found.group(1).decode()
        assert code and token, output.decode()
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as browser:
            # The printed link signs a browser in (and only once).
            assert browser.post("/api/v1/session", json={"code": code}).status_code == 201
            assert browser.get("/").status_code == 200
            assert browser.post("/api/v1/session", json={"code": code}).status_code == 401
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          trust_env=False, timeout=10) as client:
            first = client.get("/api/v1/accounts/demo/snapshot").json()
            time.sleep(4)
            second = client.get("/api/v1/accounts/demo/snapshot").json()
        assert second["total"]["arrived"] > 0
        assert (second["total"], second["channels"]) != (first["total"], first["channels"])
        assert time.monotonic() < deadline + 10
        # Sales is short and support idles: the advice says who to move, and that it helps.
        moves: list[dict[str, Any]] = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          trust_env=False, timeout=10) as client:
            while not moves and time.monotonic() < deadline + 40:
                staffing = client.get("/api/v1/accounts/demo/staffing").json()
                moves = [s for s in staffing["suggestions"] if s["to"] == "sales"]
                time.sleep(0.5)
        assert moves, staffing
        effect = moves[0]["effects"][0]
        assert effect["group"] == "sales"
        assert effect["after"]["service_level"] > effect["before"]["service_level"] + 0.1
        # Four weeks of history behind every row, a campaign marked on delivery.
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          trust_env=False, timeout=10) as client:
            trends = client.get("/api/v1/accounts/demo/trends").json()
            campaigns = client.get("/api/v1/accounts/demo/campaigns").json()
        assert len(trends["weeks"]) == 4
        rows = {(r["report"], r["id"]): r for r in trends["rows"]}
        assert rows[("group", "sales")]["weeks"] == 4 and rows[("total", None)]["weeks"] == 4
        assert [c["rows"] for c in campaigns] == [[{"report": "group", "id": "delivery"}]]
    finally:
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        rest, _ = demo.communicate(timeout=30)
        output += rest
    text = output.decode()
    assert "stopped:" in text and "Traceback" not in text, text[-3000:]
    with httpx.Client(trust_env=False) as client:
        try:
            client.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            still_up = True
        except httpx.TransportError:
            still_up = False
    assert not still_up  # the service stopped with the demo


def test_the_cluster_demo_serves_the_simulated_day_through_the_roles_and_removes_all(
        postgres: Any, nats_cluster: Any) -> None:
    """``wallboard cluster-demo`` for 25 s (the fixtures only make sure the servers it starts
    of its own are installed): the sign-in link works on the api role, the table read
    through it fills, and at the end no process or directory it made is left."""
    port = free_port()
    demo = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "-m", "wallboard.cli", "cluster-demo", "--port",
         str(port), "--duration", "25", "--speed", "30"], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    assert demo.stdout is not None
    head = ""
    while "Ctrl-C stops" not in head:
        line = demo.stdout.readline()
        assert line, head
        head += line
    link = re.search(r"sign-in link \(1 hour\): (\S+)#code=(\S+)", head)
    assert link, head
    signed = httpx.post(f"http://127.0.0.1:{port}/api/v1/session",
                        json={"code": link.group(2)}, trust_env=False, timeout=30)
    assert signed.status_code == 201, signed.text
    rest, _ = demo.communicate(timeout=180)
    out = head + rest
    assert demo.returncode == 0, out
    workers = [int(p) for p in re.findall(r"\(pid (\d+)\)", out)]
    place = re.search(r"logs in (\S+)\n", out)
    assert len(workers) == 2 and place, out
    totals = [int(line.split()[4]) for line in out.splitlines() if line.startswith("Total ")]
    # The day so far, read through the api role: at least what 12 simulated minutes of the busy
    # late morning bring (even just after midnight, when the day before now is empty).
    assert totals and totals[-1] > 20, out[-3000:]
    assert "everything removed" in out
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()
    assert not Path(place.group(1)).exists()
