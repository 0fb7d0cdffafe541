"""The SQLite store on real files: accounts, tokens, the event log, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wallboard.events import decode_event
from wallboard.store import AccountConfig, AccountExists, Store, UnknownAccount

NOW = 1_795_694_400_000


def event(**fields: Any) -> tuple[Any, ...]:
    raw = {"type": "conversation.started", "account": "acme", "at": NOW - 60_000,
           "conversation": "c1", "channel": "web", **fields}
    return decode_event(json.dumps(raw), NOW)[1]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data")
    s.create_account(AccountConfig("acme", "Europe/Moscow", name="ACME"), NOW)
    return s


def test_accounts(store: Store) -> None:
    store.create_account(AccountConfig("beta", "UTC", sl_threshold_s=30, default_max_chats=5), NOW)
    assert [a.id for a in store.accounts()] == ["acme", "beta"]
    assert store.account("beta") == AccountConfig("beta", "UTC", None, 30, 5)
    assert store.account("acme") == AccountConfig("acme", "Europe/Moscow", "ACME", 60, 3)
    assert store.account("nope") is None
    with pytest.raises(AccountExists):
        store.create_account(AccountConfig("acme", "UTC"), NOW)


def test_tokens_are_stored_hashed_and_revocable(store: Store) -> None:
    info, secret = store.create_token("acme", "ingest", NOW)
    assert store.authenticate(secret) == info
    assert info.role == "ingest" and info.account == "acme"
    assert store.authenticate(secret + "x") is None
    assert store.authenticate(secret.replace(info.id, "000000000000")) is None
    assert store.authenticate("garbage") is None
    # Only a hash of the secret is on disk.
    assert secret.encode() not in store.path.read_bytes()
    assert store.revoke_token(info.id, NOW)
    assert store.authenticate(secret) is None
    assert not store.revoke_token(info.id, NOW)
    assert store.tokens("acme")[0].revoked_at == NOW
    with pytest.raises(UnknownAccount):
        store.create_token("nope", "view", NOW)


def test_append_tells_accepted_duplicate_and_conflict(store: Store) -> None:
    first = event(id="e1")
    assert store.append("acme", [first, event(id="e2", conversation="c2")], NOW) == \
        ["accepted", "accepted"]
    again = event(id="e1", at="2026-11-26T14:59:00+03:00")  # the same instant, spelt otherwise
    assert again == first
    results = store.append("acme", [again, event(id="e1", channel="tg"), event(id="e3"),
                                    event(id="e3", channel="tg")], NOW + 1)
    assert results == ["duplicate", "conflict", "accepted", "conflict"]
    logged = [ev for _, _, ev in store.read("acme")]
    assert logged == [first, event(id="e2", conversation="c2"), event(id="e3")]
    # The same id in another account is another event.
    store.create_account(AccountConfig("beta", "UTC"), NOW)
    assert store.append("beta", [first], NOW) == ["accepted"]


def test_the_log_survives_reopening_and_is_shared_between_connections(tmp_path: Path) -> None:
    data = tmp_path / "data"
    writer = Store(data)
    writer.create_account(AccountConfig("acme", "UTC"), NOW)
    reader = Store(data)
    groups = decode_event(json.dumps({
        "id": "op", "type": "operator.updated", "account": "acme", "at": NOW,
        "operator": "anna", "groups": ["b", "a"], "max_chats": 2}), NOW)[1]
    writer.append("acme", [event(id="e1"), groups], NOW)
    assert [ev for _, _, ev in reader.read("acme")] == [event(id="e1"), groups]
    writer.close()
    reopened = Store(data)
    rows = list(reopened.read("acme", after_seq=1))
    assert [(seq, ev) for seq, _, ev in rows] == [(2, groups)]
    assert rows[0][2][5] == ("a", "b")  # tuples come back as tuples
    assert reopened.conversation_events("acme", "c1") == [(NOW, event(id="e1"))]
    assert reopened.last_seq() == 2 and reopened.count_events("acme") == 2


def test_checkpoints_keep_the_latest(store: Store) -> None:
    assert store.load_checkpoint("acme") is None
    store.save_checkpoint("acme", 10, b"state-1", NOW)
    store.save_checkpoint("acme", 20, b"state-2", NOW + 5)
    assert store.load_checkpoint("acme") == (20, b"state-2", NOW + 5)
