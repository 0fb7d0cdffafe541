"""A PostgreSQL server of its own, in a temporary directory, listening on 127.0.0.1 only: for
the tests and the local cluster demo. It runs the distribution's PostgreSQL (``initdb``,
``pg_ctl``); run as root, it runs them as the ``postgres`` user, which ``initdb`` insists on.
Trust authentication on loopback: a throwaway server nobody else can reach is its purpose.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .process import free_port

__all__ = ["LocalPostgres", "NoPostgres", "postgres_bin"]

USER = "wallboard"


class NoPostgres(Exception):
    """PostgreSQL's server programs are not installed."""


def postgres_bin() -> Path | None:
    """The directory of the newest installed PostgreSQL's ``initdb`` and ``pg_ctl``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return None if initdb is None else Path(initdb).parent


class LocalPostgres:
    """``start()``, ``dsn(database)``, ``create_database(name)``, ``restart()``, ``stop()``."""

    def __init__(self, port: int | None = None) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise NoPostgres("PostgreSQL's server is not installed (Debian: postgresql)")
        self._bin = bindir
        self.port = free_port() if port is None else port
        # Not under a directory only root may enter: the server may run as another user.
        self.directory = Path(tempfile.mkdtemp(prefix="wallboard-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self._as, str(self._bin / program), *args], check=True,
                       capture_output=True, timeout=timeout)

    def start(self) -> LocalPostgres:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust",
                      "--encoding=UTF8", "--no-locale", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.directory} -F", "start",
                  timeout=90)
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", timeout=90)

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop it if it runs, and delete its files."""
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its connection string."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)
