"""Operations outside the happy path, with real processes and real signals: the demo takes its
service along however it ends, and a busy port is said plainly, never with a traceback."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server import Server, free_port


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _answers(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1, trust_env=False)
        return True
    except httpx.TransportError:
        return False


# SIGABRT is the demo crashing (as a fault in native code would end it: no Python cleanup
# runs); SIGKILL, the demo killed outright.
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGABRT, signal.SIGKILL])
def test_the_demo_takes_its_service_along_however_it_ends(how: signal.Signals) -> None:
    port = free_port()
    demo = subprocess.Popen([sys.executable, "-m", "wallboard.cli", "demo", "--port",
                             str(port), "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    assert demo.stdout is not None
    output = b""
    try:
        deadline = time.monotonic() + 60
        while b"Ctrl-C stops" not in output:
            line = demo.stdout.readline()
            assert line and time.monotonic() < deadline, output.decode()
            output += line
        service = [c for c in _children(demo.pid)]
        assert len(service) == 1 and _answers(port)
        demo.send_signal(how)  # to the demo alone, as a terminal closing or kill would
        rest, _ = demo.communicate(timeout=30)
        output += rest
        gone_by = time.monotonic() + 10
        while _alive(service[0]) or _answers(port):
            assert time.monotonic() < gone_by, f"the service outlived the demo ({how.name})"
            time.sleep(0.2)
    finally:
        if demo.poll() is None:
            demo.kill()
    if how not in (signal.SIGKILL, signal.SIGABRT):
        assert b"stopped:" in output and b"Traceback" not in output, output.decode()[-2000:]


def test_a_busy_port_is_said_plainly_with_a_free_one(tmp_path: Path) -> None:
    with socket.socket() as other:  # another program listening
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "wallboard.cli", "serve", "--port",
                               str(port), "--data-dir", str(tmp_path / "a")],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"port {port} on 127.0.0.1 is taken by another program" in done.stderr
    assert "is free)" in done.stderr and "Traceback" not in done.stderr
    wallboard = Server(tmp_path / "b").start()
    try:
        for command in (["serve", "--data-dir", str(tmp_path / "c")], ["demo", "--no-browser"]):
            done = subprocess.run([sys.executable, "-m", "wallboard.cli", *command, "--port",
                                   str(wallboard.port)], capture_output=True, text=True,
                                  timeout=60)
            said = done.stdout + done.stderr
            assert done.returncode == 2 and "taken by another Wallboard" in said, said
            assert "Traceback" not in said
        assert "make demo PORT=" in said  # the demo offers the next free port
        assert _answers(wallboard.port)  # and the Wallboard there was left alone
    finally:
        wallboard.stop()
