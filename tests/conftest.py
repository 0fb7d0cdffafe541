"""Shared test helpers: where the golden scenarios live, how snapshots are compared, and a
PostgreSQL server for the tests that need one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from wallboard.events import parse_timestamp
from wallboard.local_nats import LocalNats, NoNats
from wallboard.local_postgres import LocalPostgres, NoPostgres
from wallboard.store.postgres import close_pools

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WALLBOARD_SHARED", ROOT.parent / "shared"))
SCENARIOS = SHARED / "scenarios"


# The keys each version of the contract added to every row (METRICS.md sections 8 and 9).
ROW_KEYS_SINCE = {"1.1": ("operators", "held", "capacity", "occupancy", "windows")}


def scenario_files(version: str = "") -> list[Path]:
    """The golden cases of a version of the contract ("" for v1, "v1.1")."""
    folder = SCENARIOS / version
    files = sorted(folder.glob("*.json"))
    if not files:
        # The golden cases are the contract: never let their absence pass as green.
        pytest.fail(f"no golden scenarios found in {folder}", pytrace=False)
    return files


def without(snapshot: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The snapshot with ``keys`` left out of every row (a copy)."""
    def row(r: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in r.items() if k not in keys}
    return {**snapshot, "total": row(snapshot["total"]),
            "channels": [row(r) for r in snapshot["channels"]],
            "groups": [row(r) for r in snapshot["groups"]]}


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def mismatch(got: Any, expected: Any, path: str = "$") -> str | None:
    """First difference between two JSON values, numbers within 1e-6; None when equal.

    Key order and list order count. ``as_of`` compares as an instant.
    """
    if isinstance(expected, dict):
        if not isinstance(got, dict) or list(got) != list(expected):
            return f"{path}: keys {list(got) if isinstance(got, dict) else got!r} " \
                   f"!= {list(expected)}"
        for key in expected:
            if key == "as_of" and path == "$":
                if parse_timestamp(got[key]) != parse_timestamp(expected[key]):
                    return f"$.as_of: {got[key]} != {expected[key]}"
                continue
            found = mismatch(got[key], expected[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{path}: {got!r} != {expected!r}"
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            found = mismatch(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    numbers = (int, float)
    if (isinstance(expected, numbers) and not isinstance(expected, bool)
            and isinstance(got, numbers) and not isinstance(got, bool)):
        return None if abs(got - expected) <= 1e-6 else f"{path}: {got} != {expected}"
    return None if got == expected and type(got) is type(expected) else \
        f"{path}: {got!r} != {expected!r}"


def figure_of(row: dict[str, Any], figure: str) -> int:
    """A snapshot row's count of a figure the conversations behind it can be listed for."""
    if figure == "unserved":
        return int(row["unserved"]["total"])
    if figure in ("unassigned", "canceled", "missed"):
        return int(row["unserved"][figure])
    return int(row[figure] or 0)


def unavailable(what: str) -> NoReturn:
    """A component the tests need is missing: under CI that fails (CI must never skip),
    elsewhere the test is skipped, saying what to install."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must not skip these tests)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL server of the tests' own on 127.0.0.1 (the distribution's; .ci/run
    installs it). Without one the tests that need it fail under CI and are skipped
    elsewhere, saying why."""
    try:
        server = LocalPostgres().start()
    except NoPostgres as missing:
        unavailable(str(missing))
    try:
        yield server
    finally:
        close_pools()
        server.remove()


@pytest.fixture(scope="module")
def nats_cluster() -> Iterator[LocalNats]:
    """Three NATS servers with JetStream in one cluster on 127.0.0.1 (the PyPI wheel's
    nats-server, from requirements.lock). Under CI a missing server fails."""
    try:
        cluster = LocalNats(3).start()
    except NoNats as missing:
        unavailable(str(missing))
    try:
        yield cluster
    finally:
        cluster.remove()


def noon_zone() -> str:
    """A time zone whose clock is near noon now: a test whose events span minutes before now
    then never straddles its account's midnight, whenever it runs."""
    import time

    offset = (12 - time.gmtime().tm_hour + 12) % 24 - 12  # hours east of UTC
    return f"Etc/GMT{-offset:+d}"  # (the Etc zones' signs are POSIX's, reversed)
