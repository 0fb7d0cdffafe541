"""Every golden case of ../shared/scenarios, through the engine API and the replay command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import load, mismatch, scenario_files
from wallboard.engine import Account, build, encode
from wallboard.events import decode_event, parse_timestamp

CASES = scenario_files()


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_engine_api(path: Path) -> None:
    case = load(path)
    now = parse_timestamp(case["now"])
    account = Account(case["account"], case["timezone"], case["sl_threshold_s"])
    for raw in case["events"]:
        owner, event = decode_event(json.dumps(raw), now)
        if owner == case["account"]:
            account.apply(event, now)
    got = json.loads(encode(build(account, now)))
    assert mismatch(got, case["expected"]) is None, mismatch(got, case["expected"])


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_replay_command(path: Path, tmp_path: Path) -> None:
    case = load(path)
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in case["events"]),
                      encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "replay", str(events),
         "--account", case["account"], "--timezone", case["timezone"], "--now", case["now"],
         "--sl-threshold", str(case["sl_threshold_s"])],
        capture_output=True, check=True,
    )
    text = run.stdout.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1
    got = json.loads(text)
    assert mismatch(got, case["expected"]) is None, mismatch(got, case["expected"])
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
