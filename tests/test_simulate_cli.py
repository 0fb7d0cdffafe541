"""``wallboard simulate`` in its three modes, as real processes (a real server where named)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from server import Server, create_account, token
from wallboard.sim import SimConfig, stream
from wallboard.sim_driver import DriveStats, drive


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wallboard.cli", "simulate", *args],
                          capture_output=True, text=True, timeout=300)


def test_out_is_deterministic_byte_for_byte(tmp_path: Path) -> None:
    files = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.ndjson"
        run = simulate("--out", str(out), "--hours", "6", "--seed", "3", "--accounts", "2")
        assert run.returncode == 0, run.stderr
        assert "events/s" in run.stderr
        files.append(out.read_bytes())
    assert files[0] == files[1] and files[0].count(b"\n") > 1000
    assert b'"account":"demo1"' in files[0] and b'"account":"demo2"' in files[0]
    other = tmp_path / "c.ndjson"
    simulate("--out", str(other), "--hours", "6", "--seed", "4", "--accounts", "2")
    assert other.read_bytes() != files[0]
    # Sizing by operators is the same as the matching scale (40 operators at scale 1).
    by_operators, by_scale = tmp_path / "o.ndjson", tmp_path / "s.ndjson"
    simulate("--out", str(by_operators), "--hours", "2", "--operators", "80")
    simulate("--out", str(by_scale), "--hours", "2", "--scale", "2")
    assert by_operators.read_bytes() == by_scale.read_bytes()
    assert b'"operator":"op080"' in by_scale.read_bytes()


def test_drives_a_running_service_and_generates_bounded_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "demo")
    ingest, view = token(data, "demo", "ingest"), token(data, "demo", "view")
    server = Server(data).start()
    try:
        real_time = simulate("--target", server.url, "--token", ingest, "--speed", "600",
                             "--duration", "4", "--scale", "2")
        assert real_time.returncode == 0, real_time.stderr
        with server.client(view) as client:
            total = client.get("/api/v1/accounts/demo/snapshot").json()["total"]
        assert total["arrived"] > 0 and total["operators_available"] > 0
        load = simulate("--target", server.url, "--token", ingest, "--rate", "500",
                        "--duration", "2", "--seed", "9")
        assert load.returncode == 0, load.stderr
        sent = int(re.search(r"sent ([\d,]+) events", load.stderr)[1].replace(",", ""))  # type: ignore[index]
        assert 700 <= sent <= 1100  # about 500 a second for 2 seconds
    finally:
        server.stop()


def test_the_load_generator_keeps_its_rate_past_the_simulated_day_and_says_so(
        tmp_path: Path) -> None:
    # A center of 2 operators has a day of about 1,300 events: 800 a second for 4 seconds
    # outlasts it (it used to stop sending, silently, when the day ran out).
    data = tmp_path / "data"
    create_account(data, "acme")
    ingest = token(data, "acme", "ingest")
    server = Server(data).start()
    try:
        day = simulate("--out", str(tmp_path / "day.ndjson"), "--operators", "2")
        assert (tmp_path / "day.ndjson").read_bytes().count(b"\n") < 3200, day.stderr
        load = simulate("--target", server.url, "--token", ingest, "--rate", "800",
                        "--duration", "4", "--operators", "2")
        assert load.returncode == 0, load.stderr
        # No --account: the token's own is used, and every event is taken.
        told = re.search(r"account acme: sent ([\d,]+) events .* accepted ([\d,]+), rejected 0",
                         load.stderr)
        assert told, load.stderr
        sent, accepted = (int(told[i].replace(",", "")) for i in (1, 2))
        assert sent == accepted and 3000 <= sent <= 3300, load.stderr
        rate = re.search(r"rate: asked 800 events/s for 4 s, achieved ([\d,]+) events/s "
                         r"over [\d.]+ s \((\d+)% of the rate asked\)", load.stderr)
        assert rate and 95 <= int(rate[2]) <= 105, load.stderr
        # Another account's id in the events: refused, and the reasons told.
        wrong = simulate("--target", server.url, "--token", ingest, "--rate", "100",
                         "--duration", "1", "--account", "other")
        assert re.search(r"rejected [\d,]+: account: the token belongs to account 'acme'",
                         wrong.stderr), wrong.stderr
        # A token the service does not know: one clear line, no traceback.
        refused = simulate("--target", server.url, "--token", "wb_nope", "--rate", "100",
                           "--duration", "1")
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert "the service refused: 401" in refused.stderr, refused.stderr
        assert "unknown or revoked (Authorization)" in refused.stderr, refused.stderr
    finally:
        server.stop()


def test_the_load_generator_only_targets_loopback() -> None:
    for target in ("http://10.1.2.3:8000", "http://example.org"):
        run = simulate("--target", target, "--token", "x", "--rate", "10", "--duration", "1")
        assert run.returncode == 2 and "loopback" in run.stderr
    unbounded = simulate("--target", "http://127.0.0.1:9", "--token", "x", "--rate", "10")
    assert unbounded.returncode == 2 and "--duration" in unbounded.stderr


def test_driving_ends_quietly_when_the_service_and_the_caller_stop_together(
        tmp_path: Path) -> None:
    # What Ctrl-C does to `wallboard demo`: the service and the driver stop at the same time.
    data = tmp_path / "data"
    create_account(data, "acme")
    ingest = token(data, "acme", "ingest")
    server = Server(data).start()
    stop = threading.Event()
    outcome: list[object] = []
    config = SimConfig(seed=2, account="acme", timezone="Europe/Moscow",
                       start_ms=int(time.time() * 1000), hours=2.0, busy_from_start=True)

    def run() -> None:
        try:
            outcome.append(drive(stream(config), server.url, ingest, speed=60.0, stop=stop))
        except Exception as exc:
            outcome.append(exc)

    driver = threading.Thread(target=run)
    driver.start()
    time.sleep(1.5)
    server.kill()
    time.sleep(0.3)
    stop.set()
    driver.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], DriveStats), outcome
    assert outcome[0].sent > 0
