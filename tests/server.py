"""A real ``wallboard serve`` process on 127.0.0.1 for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cli(data_dir: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "wallboard.cli", *args, "--data-dir",
                             str(data_dir)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def create_account(data_dir: Path, account: str, timezone: str = "Europe/Moscow") -> None:
    cli(data_dir, "account", "create", account, "--timezone", timezone)


def token(data_dir: Path, account: str, role: str) -> str:
    return cli(data_dir, "token", "create", account, "--role", role)


class Server:
    """Starts the service as its own process; ``kill`` is SIGKILL, ``stop`` is SIGTERM."""

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = extra
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    def spawn(self) -> Server:
        """Start the process without waiting for it to be ready."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wallboard.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--data-dir", str(self.data_dir),
                 "--log-level", "warning", *self.extra],
                stdout=log, stderr=subprocess.STDOUT, env=self.env)
        return self

    def start(self, timeout: float = 60) -> Server:
        self.spawn()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not ready in {timeout} s: {self.log.read_text()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def client(self, secret: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        kwargs.setdefault("timeout", 30)
        return httpx.Client(base_url=self.url, headers=headers, **kwargs)
