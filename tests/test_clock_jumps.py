"""The machine's clock jumps under a running service (10 minutes back, then 10 minutes on):
no figure goes negative, operators' stints keep sane ages, sessions and checkpoints keep
working, and a sender whose clock is now ahead of ours is told by how much and counted.

The jump is real for the process: a small library loaded into it (``native/clock_shift.c``,
built here with the machine's C compiler) shifts its wall clock by what a file says, while
its monotonic clock goes on, as on a machine whose clock is set.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import noon_zone
from server import Server, create_account, token

NATIVE = Path(__file__).parent / "native"
SHIFT_S = 600
_ids = itertools.count()


@pytest.fixture(scope="module")
def clock_shift(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no C compiler to build the clock-shifting library")
        pytest.skip("no C compiler to build the clock-shifting library")
    library = tmp_path_factory.mktemp("native") / "clock_shift.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(library),
                    str(NATIVE / "clock_shift.c"), "-ldl"], check=True)
    return library


class Clock:
    """The service's wall clock: ours shifted by what the file holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.shift_s = 0
        self.set(0)

    def set(self, shift_s: int) -> None:
        self.path.write_text(f"{shift_s}\n")
        self.shift_s = shift_s

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.shift_s * 1000


@pytest.fixture
def shifted(clock_shift: Path, tmp_path: Path) -> Iterator[tuple[Clock, dict[str, str]]]:
    clock = Clock(tmp_path / "shift")
    yield clock, {"LD_PRELOAD": str(clock_shift), "WALLBOARD_CLOCK_SHIFT_FILE": str(clock.path)}


def _numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}[{index}]")


def _none_negative(value: Any) -> None:
    negative = [(path, n) for path, n in _numbers(value) if n < 0]
    assert negative == [], negative


def _event(kind: str, at: int, **fields: str) -> dict[str, object]:
    return {"id": f"e{next(_ids)}", "type": kind, "account": "acme", "at": at, **fields}


def _post(client: httpx.Client, events: list[dict[str, object]]) -> dict[str, Any]:
    reply = client.post("/api/v1/events", json=events)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _figures(client: httpx.Client) -> dict[str, Any]:
    snapshot = client.get("/api/v1/accounts/acme/snapshot").json()
    _none_negative(snapshot)
    return snapshot


def _stint_s(client: httpx.Client) -> float:
    operators = client.get("/api/v1/accounts/acme/operators").json()
    _none_negative(operators)
    (op,) = operators["operators"]
    stint: float = op["in_status_s"]
    return stint


def _counted(snapshot: dict[str, Any]) -> tuple[int, int, int]:
    total = snapshot["total"]
    return total["arrived"], total["in_queue"], total["in_work"]


def test_a_clock_jumping_back_then_on_leaves_sane_figures_and_working_sessions(
        shifted: tuple[Clock, dict[str, str]], tmp_path: Path) -> None:
    clock, env = shifted
    data = tmp_path / "data"
    create_account(data, "acme", noon_zone())
    ingest, view = token(data, "acme", "ingest"), token(data, "acme", "view")
    server = Server(data, env=env).start()
    began = time.monotonic()
    try:
        with server.client(ingest) as sender, server.client(view) as reader:
            now = clock.now_ms()
            _post(sender, [
                _event("operator.status", now - 60_000, operator="op1", status="available"),
                _event("conversation.started", now - 30_000, conversation="c1", channel="web"),
                _event("conversation.queued", now - 30_000, conversation="c1"),
                _event("conversation.started", now - 20_000, conversation="c2", channel="web"),
                _event("conversation.assigned", now - 19_000, conversation="c2",
                       operator="op1")])
            before = _figures(reader)
            assert _counted(before) == (2, 1, 1)
            with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as browser:
                assert browser.post("/api/v1/session", json={"token": view}).status_code == 201

                # Ten minutes back: what was received is "ahead" now; nothing goes negative.
                clock.set(-SHIFT_S)
                back = _figures(reader)
                assert _counted(back) == _counted(before)
                assert back["total"]["longest_wait_s"] == 0  # never a negative wait
                assert _stint_s(reader) == 0
                assert browser.get("/api/v1/session").status_code == 200
                # A sender still on the right time is now ten minutes ahead: told, counted.
                told = _post(sender, [_event("conversation.started", now + 1000,
                                             conversation="c3", channel="web")])
                assert told["rejected"] == 1, told
                message = told["problems"][0]["message"]
                assert message.startswith("more than 5 minutes ahead of the receiver's clock: "
                                          "by 6"), message
                metrics = httpx.get(server.url + "/metrics", trust_env=False).text
                assert "wallboard_events_ahead_of_clock_total 1.0" in metrics
                # A sender on our (wrong) clock is taken as usual.
                c4_at = clock.now_ms()
                taken = _post(sender, [_event("conversation.started", c4_at,
                                              conversation="c4", channel="web")])
                assert taken["accepted"] == 1
                assert _counted(_figures(reader)) == (3, 2, 1)  # c4 waits
        # A checkpoint written and read back on the shifted clock.
        server.stop()
        server = Server(data, env=env).start()
        with server.client(view) as reader:
            assert _counted(_figures(reader)) == (3, 2, 1)
            # Ten minutes on from the truth: waits and stints grow by the jump, no more (c4,
            # stamped by the clock ten minutes behind, has waited twenty minutes by it).
            clock.set(SHIFT_S)
            on = _figures(reader)
            assert _counted(on) == (3, 2, 1)
            waited_s = (clock.now_ms() - c4_at) / 1000
            assert waited_s - 2 <= on["total"]["longest_wait_s"] <= waited_s + 2
            stint = _stint_s(reader)
            assert SHIFT_S + 55 <= stint <= SHIFT_S + 65 + time.monotonic() - began
        with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as browser:
            assert browser.post("/api/v1/session", json={"token": view}).status_code == 201
            assert browser.get("/api/v1/session").status_code == 200
        with server.client(ingest) as sender:
            at = clock.now_ms()
            assert _post(sender, [
                _event("message.visitor", at - 2000, conversation="c2"),
                _event("message.operator", at - 1000, conversation="c2", operator="op1"),
                _event("conversation.closed", at, conversation="c2", by="operator")]
            )["accepted"] == 3
        server.stop()
        clock.set(0)  # set right again
        server = Server(data, env=env).start()
        with server.client(view) as reader:
            after = _figures(reader)
            assert _counted(after) == (3, 2, 0), json.dumps(after["total"])
            assert after["total"]["served"] == 1
    finally:
        server.stop()
    assert "Traceback" not in server.log_tail(100_000)
