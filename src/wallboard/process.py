"""A ``wallboard serve`` child process on 127.0.0.1: started, waited for, stopped.

The one launcher for everything that runs the service as a process of its own: the demo, the
tests and the benchmarks. ``stop`` is SIGTERM (the service checkpoints and exits), ``kill``
is SIGKILL (a crash).
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

__all__ = ["HOST", "ServiceFailed", "ServiceProcess", "engine_worker", "free_port",
           "next_free_port", "port_taken", "watch_parent"]

HOST = "127.0.0.1"


class ServiceFailed(RuntimeError):
    """The service exited, or did not become ready in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def port_taken(host: str, port: int) -> str | None:
    """Who holds ``port`` ("another Wallboard" or "another program"), or None when it is
    free to listen on. Another reason not to listen there (a port below 1024 without the
    right, an address not of this machine) is raised as the ``OSError`` it is."""
    if _can_listen(host, port):
        return None
    shown = f"[{host}]" if ":" in host else host
    try:
        reply = httpx.get(f"http://{shown}:{port}/schema/openapi.json", timeout=1,
                          trust_env=False)
        if reply.json()["info"]["title"] == "Wallboard":
            return "another Wallboard"
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        pass
    return "another program"


def _can_listen(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind((host, port))
            return True
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return False
            raise


def next_free_port(host: str, port: int) -> int | None:
    """The first port after ``port`` that is free, among the next 100."""
    return next((p for p in range(port + 1, min(port + 101, 65536)) if _can_listen(host, p)),
                None)


def watch_parent(parent: int, every_s: float = 1.0) -> None:
    """End this process (SIGTERM to itself: a clean stop) once ``parent`` is gone, even if it
    was killed with SIGKILL and could say nothing: its children are re-parented then."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="wallboard-parent-watch", daemon=True).start()


class ServiceProcess:
    """``wallboard serve`` on ``data_dir``; ``extra`` are more flags. With ``log`` None the
    child writes to this process's terminal, else the file gets its output."""

    def __init__(self, data_dir: Path, *extra: str, port: int | None = None,
                 log: Path | None = None, env: dict[str, str] | None = None,
                 log_level: str = "warning") -> None:
        self.data_dir = data_dir
        self.extra = extra
        self.port = free_port() if port is None else port
        self.url = f"http://{HOST}:{self.port}"
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.log_level = log_level
        self.process: subprocess.Popen[bytes] | None = None
        self.launched = 0.0
        self.not_ready_replies = 0  # 503s seen while waiting for readiness

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "wallboard.cli", "serve", "--host", HOST, "--port",
                str(self.port), "--data-dir", str(self.data_dir), "--log-level",
                self.log_level, *self.extra]

    def spawn(self) -> ServiceProcess:
        """Start the process without waiting for it to be ready."""
        output: IO[bytes] | None = None
        if self.log is not None:
            output = open(self.log, "ab")  # noqa: SIM115 - the child keeps its own copy
        try:
            self.launched = time.perf_counter()
            self.process = subprocess.Popen(self.command, stdout=output,
                                            stderr=subprocess.STDOUT if output else None,
                                            env=self.env)
        finally:
            if output is not None:
                output.close()
        return self

    def wait_ready(self, timeout: float = 60) -> float:
        """Seconds from the start to the first 200 from /readyz."""
        assert self.process is not None
        deadline = self.launched + timeout
        with httpx.Client(base_url=self.url, timeout=2, trust_env=False) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise ServiceFailed(f"the service exited ({self.process.returncode}): "
                                        f"{self.log_tail()}")
                try:
                    status = client.get("/readyz").status_code
                except httpx.TransportError:
                    status = 0
                if status == 200:
                    return time.perf_counter() - self.launched
                if status == 503:
                    self.not_ready_replies += 1
                time.sleep(0.02)
        raise ServiceFailed(f"the service was not ready in {timeout} s: {self.log_tail()}")

    def start(self, timeout: float = 60) -> ServiceProcess:
        self.spawn()
        self.wait_ready(timeout)
        return self

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then SIGKILL if it is still there after ``timeout``; the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, secret: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client of the service (with a bearer token when given); never a proxy."""
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        kwargs.setdefault("timeout", 30)
        return httpx.Client(base_url=self.url, headers=headers, trust_env=False, **kwargs)

    def log_tail(self, chars: int = 3000) -> str:
        if self.log is None:
            return "(output on the terminal)"
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def rss_mib(self) -> float | None:
        """The process's resident memory, from /proc."""
        assert self.process is not None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far, from /proc."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_worker(name: str, nats_urls: list[str], dsn: str, partitions: int, log: Path, *,
                  lease_s: float = 2.0, checkpoint_every_s: float = 1.0, replicas: int = 3
                  ) -> subprocess.Popen[bytes]:
    """``wallboard serve --role engine`` as a process (it serves no HTTP: nothing to wait
    for), its output in ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "wallboard.cli", "serve", "--role", "engine", "--nats",
             ",".join(nats_urls), "--postgres", dsn, "--worker-id", name, "--partitions",
             str(partitions), "--lease-s", str(lease_s), "--checkpoint-every",
             str(checkpoint_every_s), "--replicas", str(replicas), "--log-level", "info"],
            stdout=out, stderr=subprocess.STDOUT)
