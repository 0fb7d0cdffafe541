"""Every golden case of ../shared/scenarios, through the engine API and the replay command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROW_KEYS_SINCE, load, mismatch, scenario_files, without
from wallboard.engine import Account, build, encode
from wallboard.events import decode_event, parse_timestamp


# A v1 case is compared without the keys v1.1 added; a v1.1 case in full.
def _case(path: Path, left_out: tuple[str, ...]) -> Any:
    return pytest.param((path, left_out), id=f"{path.parent.name}/{path.stem}")


CASES = [_case(path, ROW_KEYS_SINCE["1.1"]) for path in scenario_files()] + \
        [_case(path, ()) for path in scenario_files("v1.1")]


def compare(got: dict[str, Any], expected: dict[str, Any], left_out: tuple[str, ...]
            ) -> str | None:
    return mismatch(without(got, left_out), without(expected, left_out))


@pytest.mark.parametrize("case", CASES)
def test_engine_api(case: tuple[Path, tuple[str, ...]]) -> None:
    path, left_out = case
    case_data = load(path)
    now = parse_timestamp(case_data["now"])
    account = Account(case_data["account"], case_data["timezone"], case_data["sl_threshold_s"])
    for raw in case_data["events"]:
        owner, event = decode_event(json.dumps(raw), now)
        if owner == case_data["account"]:
            account.apply(event, now)
    got = json.loads(encode(build(account, now)))
    assert compare(got, case_data["expected"], left_out) is None, \
        compare(got, case_data["expected"], left_out)


@pytest.mark.parametrize("case", CASES)
def test_replay_command(case: tuple[Path, tuple[str, ...]], tmp_path: Path) -> None:
    path, left_out = case
    case_data = load(path)
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n"
                              for e in case_data["events"]), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "replay", str(events),
         "--account", case_data["account"], "--timezone", case_data["timezone"],
         "--now", case_data["now"], "--sl-threshold", str(case_data["sl_threshold_s"])],
        capture_output=True, check=True,
    )
    text = run.stdout.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1
    got = json.loads(text)
    assert compare(got, case_data["expected"], left_out) is None, \
        compare(got, case_data["expected"], left_out)
    # Not ASCII-escaped: Cyrillic topics appear as themselves.
    assert "\\u" not in text


def test_mismatch_sees_differences() -> None:
    # The comparison itself must be able to fail, or the tests above prove nothing.
    base = {"a": 1, "b": [1.0, {"c": None}], "as_of": "2026-11-26T12:00:00+03:00"}
    assert mismatch(base, base) is None
    assert mismatch({**base, "as_of": "2026-11-26T09:00:00Z"}, base) is None
    assert mismatch({**base, "a": 2}, base)
    assert mismatch({"b": base["b"], "a": 1, "as_of": base["as_of"]}, base)  # key order
    assert mismatch({**base, "b": [1.0000011, {"c": None}]}, base)
    assert mismatch({**base, "b": [1.0, {"c": 0}]}, base)
    assert mismatch({**base, "as_of": "2026-11-26T12:00:01+03:00"}, base)


def test_the_v1_projection_leaves_out_only_the_newer_keys() -> None:
    row = {"in_queue": 1, "operators": {"available": 1}, "held": 0, "windows": {}}
    snapshot = {"total": row, "channels": [row], "groups": []}
    assert without(snapshot, ROW_KEYS_SINCE["1.1"])["channels"] == [{"in_queue": 1}]
    assert without(snapshot, ())["total"] == row
