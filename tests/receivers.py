"""Real HTTP receivers on 127.0.0.1 for alerts' deliveries: each request is recorded, and a
test says how each is answered (a status, a delay)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from wallboard.local_http import LocalHttp

__all__ = ["Call", "Receiver"]


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver(LocalHttp):
    """``answer(call_number)`` gives (status, seconds to wait first) for each request; by
    default 200 at once. Telegram's stand-in answers ``{"ok": true}``."""

    def __init__(self, answer: Callable[[int], tuple[int, float]] | None = None) -> None:
        self.calls: list[Call] = []
        self.answer = answer or (lambda n: (200, 0.0))
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.calls.append(Call(self.path, {k.lower(): v for k, v in
                                                           self.headers.items()}, body))
                    number = len(receiver.calls)
                status, delay = receiver.answer(number)
                time.sleep(delay)
                reply = b'{"ok": true}' if status < 300 else b'{"ok": false}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the caller gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def wait_for(self, count: int, timeout: float = 15) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.calls) >= count:
                    return list(self.calls)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.calls)} calls within {timeout} s, expected {count}")
