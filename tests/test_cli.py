"""The ``wallboard replay`` command as a user runs it: a real process, files, stdout, stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wallboard.cli", *args], capture_output=True,
                          text=True, encoding="utf-8")


def test_invalid_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    good = {"id": "e1", "type": "conversation.started", "account": "acme",
            "at": "2026-11-26T10:00:00+03:00", "conversation": "c1", "channel": "web"}
    lines = [
        json.dumps(good),
        "",
        json.dumps({**good, "id": "e2", "at": "2026-11-26T10:00:00"}),
        "{not json",
        json.dumps({**good, "id": "e3", "type": "conversation.closed", "by": "nobody"}),
        json.dumps({**good, "id": "e4", "account": "someone-else"}),
        json.dumps({**good, "id": "e1", "conversation": "c2"}),
        json.dumps({**good, "id": "e5", "at": "2026-11-26T12:05:00.001+03:00"}),
    ]
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("replay", str(events), "--account", "acme", "--timezone", "Europe/Moscow",
                 "--now", "2026-11-26T12:00:00+03:00")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        'line 3: "at": timestamp has no UTC offset',
        'line 4: "event": malformed JSON (JSON is malformed: object keys must be strings (byte 1))',
        'line 5: "by": expected one of visitor, operator, system',
        "line 7: \"id\": 'e1' was already used by an event with different content; the first "
        "version stands",
        'line 8: "at": more than 5 minutes ahead of the receiver\'s clock: by 300.001 s (the '
        'receiver\'s clock read 2026-11-26T09:00:00.000Z); the sender\'s clock, or the '
        'receiver\'s, is wrong',
    ]
    snapshot = json.loads(result.stdout)
    assert snapshot["total"]["arrived"] == 1 and snapshot["total"]["in_queue"] == 1


def test_bad_arguments_are_refused_with_a_reason(tmp_path: Path) -> None:
    events = tmp_path / "empty.ndjson"
    events.write_text("", encoding="utf-8")
    base = ["replay", str(events), "--account", "acme"]
    bad_zone = run(*base, "--timezone", "Mars/Olympus", "--now", "2026-11-26T12:00:00Z")
    assert bad_zone.returncode == 2 and "unknown IANA time zone: 'Mars/Olympus'" in bad_zone.stderr
    naive = run(*base, "--timezone", "UTC", "--now", "2026-11-26T12:00:00")
    assert naive.returncode == 2 and "timestamp has no UTC offset" in naive.stderr
    threshold = run(*base, "--timezone", "UTC", "--now", "2026-11-26T12:00:00Z",
                    "--sl-threshold", "-1")
    assert threshold.returncode == 2 and "between 0 and 86400" in threshold.stderr
    empty = run(*base, "--timezone", "UTC", "--now", "2026-11-26T12:00:00Z",
                "--sl-threshold", "20")
    assert empty.returncode == 0
    assert json.loads(empty.stdout)["sl_threshold_s"] == 20


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run("replay", str(tmp_path / "nope.ndjson"), "--account", "acme", "--timezone",
                 "UTC", "--now", "2026-11-26T12:00:00Z")
    assert result.returncode == 2
    assert "nope.ndjson" in result.stderr and "Traceback" not in result.stderr


def test_accounts_and_tokens_from_the_command_line(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    created = run("account", "create", "acme", "--timezone", "Europe/Moscow", "--name", "ACME",
                  "--sl-threshold", "30", *data)
    assert created.returncode == 0, created.stderr
    again = run("account", "create", "acme", "--timezone", "UTC", *data)
    assert again.returncode == 1 and "already exists" in again.stderr
    bad_zone = run("account", "create", "beta", "--timezone", "Nowhere/Land", *data)
    assert bad_zone.returncode == 2 and "unknown IANA time zone" in bad_zone.stderr
    bad_id = run("account", "create", "a b", "--timezone", "UTC", *data)
    assert bad_id.returncode == 2 and "A-Z, a-z, 0-9" in bad_id.stderr
    listed = run("account", "list", *data)
    assert listed.stdout.splitlines()[1:] == ["acme\tEurope/Moscow\t30\t3\tACME"]

    token = run("token", "create", "acme", "--role", "ingest", *data)
    assert token.returncode == 0
    secret = token.stdout.strip()
    assert secret.startswith("wb_") and "shown once" in token.stderr
    token_id = secret.split("_")[1]
    assert token_id in run("token", "list", "acme", *data).stdout
    assert secret not in run("token", "list", "acme", *data).stdout
    assert run("token", "revoke", token_id, *data).returncode == 0
    assert run("token", "revoke", token_id, *data).returncode == 1
    missing = run("token", "create", "nope", "--role", "view", *data)
    assert missing.returncode == 1 and "no account 'nope'" in missing.stderr
    bad_role = run("token", "create", "acme", "--role", "root", *data)
    assert bad_role.returncode == 2


def test_data_dir_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "WALLBOARD_DATA_DIR": str(tmp_path / "env-data")}
    result = subprocess.run(
        [sys.executable, "-m", "wallboard.cli", "account", "create", "acme", "--timezone", "UTC"],
        capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env-data" / "wallboard.sqlite3").exists()


STAFFING = ("staffing", "--arrivals-per-hour", "360", "--handle-time-s", "100",
            "--sl-threshold-s", "20")


def test_staffing_finds_the_fewest_operators_for_the_target() -> None:
    # Erlang C, 10 Erlangs: SL = 1 - P(wait) exp(-(N - 10) 20 / 100): 11 operators answer
    # 44.2 % within 20 s, 12 answer 69.9 %, 13 answer 84.3 % (P(wait) 0.6821, 0.4494, 0.2853).
    found = json.loads(run(*STAFFING, "--json").stdout)
    assert set(found) == {"operators", "slots", "p_wait", "service_level", "asa_s", "p_abandon"}
    assert (found["operators"], found["slots"], found["p_abandon"]) == (13, 13, 0.0)
    assert round(found["service_level"], 3) == 0.843
    eleven = json.loads(run(*STAFFING, "--json", "--operators", "11").stdout)
    assert round(eleven["p_wait"], 4) == 0.6821 and round(eleven["asa_s"], 1) == 68.2
    # Three chats each, and visitors who give up after two minutes on average.
    shared = json.loads(run(*STAFFING, "--json", "--chat-limit", "3", "--patience-s", "120")
                        .stdout)
    assert shared["slots"] == 3 * shared["operators"] and shared["p_abandon"] > 0


def test_staffing_speaks_plainly_and_refuses_nonsense() -> None:
    text = run(*STAFFING).stdout
    assert "operators      13 (13 chat slots)" in text and "answered within 20 s" in text
    for bad, word in [(("--target", "80"), "--target"), (("--chat-limit", "0"), "--chat-limit"),
                      (("--operators", "-1"), "--operators")]:
        refused = run(*STAFFING, *bad)
        assert refused.returncode == 2 and word in refused.stderr
    overloaded = run(*STAFFING, "--operators", "5")
    assert "grows without end" in overloaded.stdout
