"""A real ``wallboard serve`` process on 127.0.0.1 for integration tests (the package's own
launcher, with its log beside the data directory), and the CLI calls that set one up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wallboard.process import ServiceProcess, engine_worker, free_port

__all__ = ["Server", "cli", "create_account", "engine_worker", "free_port", "token"]


def cli(data_dir: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "wallboard.cli", *args, "--data-dir",
                             str(data_dir)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def create_account(data_dir: Path, account: str, timezone: str = "Europe/Moscow") -> None:
    cli(data_dir, "account", "create", account, "--timezone", timezone)


def token(data_dir: Path, account: str, role: str) -> str:
    return cli(data_dir, "token", "create", account, "--role", role)


class Server(ServiceProcess):
    """The service as its own process, its output in ``server-PORT.log`` beside the data."""

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        super().__init__(data_dir, *extra, env=env)
        self.log: Path = data_dir.parent / f"server-{self.port}.log"
