"""The store contract: every backend in ``wallboard.store.BACKENDS`` passes every test here.

SQLite runs on real files; the memory backend shares its state between stores opened on the
same place, as SQLite connections share one file.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wallboard.events import decode_event
from wallboard.local_postgres import LocalPostgres
from wallboard.store import (
    BACKENDS,
    AccountConfig,
    AccountExists,
    RetiredConversation,
    SavedAlert,
    SavedCheckpoint,
    SavedDay,
    SavedDelivery,
    SavedSeries,
    Store,
    StoredEvent,
    UnknownAccount,
    open_store,
)
from wallboard.store.log_format import event_body, event_of
from wallboard.store.postgres import close_pools
from wallboard.store.sqlite import DB_NAME

NOW = 1_795_694_400_000
MINUTE = 60_000


def event(**fields: Any) -> tuple[Any, ...]:
    raw = {"type": "conversation.started", "account": "acme", "at": NOW - 60_000,
           "conversation": "c1", "channel": "web", **fields}
    return decode_event(json.dumps(raw), NOW)[1]


Opener = Callable[[], Store]


_databases = itertools.count()


@pytest.fixture(params=sorted(BACKENDS))
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens another connection to one fresh store of the backend under test (for
    PostgreSQL, a new database on the tests' server)."""
    place: Path | str = tmp_path / "data"
    if request.param == "postgres":
        server: LocalPostgres = request.getfixturevalue("postgres")
        place = server.create_database(f"contract_{next(_databases)}")
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(open_store(place, request.param))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()
    if request.param == "postgres":
        close_pools(str(place))


@pytest.fixture
def store(opener: Opener) -> Store:
    s = opener()
    s.create_account(AccountConfig("acme", "Europe/Moscow", name="ACME"), NOW)
    return s


# -- accounts, tokens, sessions, settings -----------------------------------------------------

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
    assert store.revoke_token(info.id, NOW)
    assert store.authenticate(secret) is None
    assert not store.revoke_token(info.id, NOW)
    assert store.tokens("acme")[0].revoked_at == NOW
    with pytest.raises(UnknownAccount):
        store.create_token("nope", "view", NOW)


def test_only_a_hash_of_a_secret_reaches_the_disk(tmp_path: Path) -> None:
    store = open_store(tmp_path, "sqlite")
    store.create_account(AccountConfig("acme", "UTC"), NOW)
    _, secret = store.create_token("acme", "view", NOW)
    session = store.open_session("acme", "view", store.tokens("acme")[0].id, NOW, MINUTE)
    store.close()
    raw = (tmp_path / DB_NAME).read_bytes()
    assert secret.encode() not in raw and session.encode() not in raw


def test_sessions_slide_and_end(store: Store) -> None:
    info, _ = store.create_token("acme", "view", NOW)
    secret = store.open_session("acme", "view", info.id, NOW, 10 * MINUTE)
    found = store.session(secret, NOW + MINUTE, 10 * MINUTE, 60 * MINUTE)
    assert found is not None and found.expires_at == NOW + 11 * MINUTE
    # Used again 9 minutes later: pushed back again, never past 60 minutes after opening.
    assert store.session(secret, NOW + 10 * MINUTE, 10 * MINUTE, 60 * MINUTE) is not None
    assert store.session(secret, NOW + 19 * MINUTE, 10 * MINUTE, 60 * MINUTE) is not None
    assert store.session(secret, NOW + 59 * MINUTE, 10 * MINUTE, 60 * MINUTE) is None  # idle
    fresh = store.open_session("acme", "view", info.id, NOW, 10 * MINUTE)
    assert store.forget_sessions_before(NOW + 30 * MINUTE) >= 1
    assert store.session(fresh, NOW + 5 * MINUTE, 10 * MINUTE, 60 * MINUTE) is None
    other = store.open_session("acme", "view", info.id, NOW, 10 * MINUTE)
    store.close_session(other)
    assert store.session(other, NOW, 10 * MINUTE, 60 * MINUTE) is None
    last = store.open_session("acme", "view", info.id, NOW, 10 * MINUTE)
    store.revoke_token(info.id, NOW)  # a revoked token ends its sessions
    assert store.session(last, NOW, 10 * MINUTE, 60 * MINUTE) is None


def test_a_sign_in_code_works_once_and_in_time(store: Store) -> None:
    code, token = store.create_signin_code("acme", "admin", NOW, MINUTE)
    assert store.use_signin_code("never-issued", NOW) is None
    assert store.use_signin_code(code, NOW + 1) == token
    assert store.use_signin_code(code, NOW + 2) is None
    late, _ = store.create_signin_code("acme", "view", NOW, MINUTE)
    assert store.use_signin_code(late, NOW + MINUTE) is None
    with pytest.raises(UnknownAccount):
        store.create_signin_code("nope", "view", NOW, MINUTE)


def test_settings(store: Store) -> None:
    assert store.setting("acme", "thresholds") is None
    store.save_setting("acme", "thresholds", b"1")
    store.save_setting("acme", "thresholds", b"2")
    assert store.setting("acme", "thresholds") == b"2"


def test_a_probe_writes_and_can_be_repeated_inside_nothing_else(store: Store) -> None:
    store.probe(NOW)
    store.probe(NOW + 1)  # again: the same row, no error
    with store.transaction():  # and the store writes on as before
        store.save_setting("acme", "thresholds", b"3")
    assert store.setting("acme", "thresholds") == b"3"


# -- the event log --------------------------------------------------------------------------

def test_append_tells_accepted_duplicate_and_conflict(store: Store) -> None:
    first = event(id="e1")
    assert store.append("acme", [first, event(id="e2", conversation="c2")], NOW) == \
        ["accepted", "accepted"]
    again = event(id="e1", at="2026-11-26T14:59:00+03:00")  # the same instant, spelt otherwise
    assert again == first
    results = store.append("acme", [again, event(id="e1", channel="tg"), event(id="e3"),
                                    event(id="e3", channel="tg")], NOW + 1)
    assert results == ["duplicate", "conflict", "accepted", "conflict"]
    logged = [entry.event for entry in store.read("acme")]
    assert logged == [first, event(id="e2", conversation="c2"), event(id="e3")]
    # The same id in another account is another event.
    store.create_account(AccountConfig("beta", "UTC"), NOW)
    assert store.append("beta", [first], NOW) == ["accepted"]


def test_the_log_is_shared_between_connections_and_survives_reopening(opener: Opener) -> None:
    writer = opener()
    writer.create_account(AccountConfig("acme", "UTC"), NOW)
    reader = opener()
    groups = decode_event(json.dumps({
        "id": "op", "type": "operator.updated", "account": "acme", "at": NOW,
        "operator": "anna", "groups": ["b", "a"], "max_chats": 2}), NOW)[1]
    writer.append("acme", [event(id="e1"), groups], NOW)
    assert [entry.event for entry in reader.read("acme")] == [event(id="e1"), groups]
    writer.close()
    reopened = opener()
    rows = list(reopened.read("acme", after_seq=1))
    assert [(entry.seq, entry.event) for entry in rows] == [(2, groups)]
    assert rows[0].event[5] == ("a", "b")  # tuples come back as tuples
    assert reopened.conversation_events("acme", "c1") == [StoredEvent(NOW, event(id="e1"))]
    assert reopened.last_seq() == 2 and reopened.count_events("acme") == 2


def test_a_transaction_commits_all_or_nothing(store: Store) -> None:
    with store.transaction():
        appended = store.append_in_transaction("acme", [event(id="e1"), event(id="e2")], NOW)
        store.save_checkpoint("acme", appended.last_seq, b"state", NOW)
    assert appended.results == ["accepted", "accepted"] and appended.last_seq == 2
    with pytest.raises(RuntimeError), store.transaction():
        store.append_in_transaction("acme", [event(id="e3")], NOW)
        store.save_checkpoint("acme", 3, b"lost", NOW)
        raise RuntimeError("the writer fails half-way")
    assert [entry.event[2] for entry in store.read("acme")] == ["e1", "e2"]
    assert store.load_checkpoint("acme") == SavedCheckpoint(2, b"state", NOW)
    assert store.append_in_transaction("acme", [event(id="e1")], NOW).last_seq == 0


def test_writes_from_two_threads_are_all_kept(opener: Opener, store: Store) -> None:
    def write(prefix: str) -> None:
        mine = opener()
        for i in range(50):
            with mine.transaction():
                mine.append_in_transaction("acme", [event(id=f"{prefix}{i}")], NOW)

    threads = [threading.Thread(target=write, args=(p,)) for p in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [entry.seq for entry in store.read("acme")]
    assert len(seqs) == 100 and seqs == sorted(set(seqs))


# -- checkpoints, days, series ----------------------------------------------------------------

def test_checkpoints_keep_the_latest(store: Store) -> None:
    assert store.load_checkpoint("acme") is None
    assert store.save_checkpoint("acme", 10, b"state-1", NOW)
    assert store.save_checkpoint("acme", 20, b"state-2", NOW + 5)
    assert store.save_checkpoint("acme", 20, b"state-2b", NOW + 6)  # the same position again
    assert store.load_checkpoint("acme") == SavedCheckpoint(20, b"state-2b", NOW + 6)


def test_a_checkpoint_never_goes_back_to_an_earlier_position(store: Store) -> None:
    # A worker that lost its partition may still be writing: the next owner's stands.
    store.save_checkpoint("acme", 20, b"new-owner", NOW + 5)
    assert not store.save_checkpoint("acme", 10, b"late-old-owner", NOW + 9)
    assert store.load_checkpoint("acme") == SavedCheckpoint(20, b"new-owner", NOW + 5)


def test_connector_state_is_kept_per_account_and_connector_and_forgotten(store: Store
                                                                        ) -> None:
    store.create_account(AccountConfig("beta", "UTC"), NOW)
    store.save_connector_states("acme", "chatwoot", {"c1": b"one", "c2": b"two"}, NOW)
    store.save_connector_states("acme", "chatwoot", {"c2": b"two again"}, NOW + 10)
    store.save_connector_states("beta", "chatwoot", {"c1": b"beta's"}, NOW)
    store.save_connector_states("acme", "other", {"c1": b"other's"}, NOW)
    keys = [f"c{i}" for i in range(1200)]  # more than one statement's worth of keys
    assert store.connector_states("acme", "chatwoot", keys) == {"c1": b"one",
                                                                "c2": b"two again"}
    assert store.connector_states("beta", "chatwoot", ["c1", "c2"]) == {"c1": b"beta's"}
    assert store.connector_states("acme", "chatwoot", []) == {}
    assert store.forget_connector_states_before("acme", NOW + 5) == 2  # both connectors'
    assert store.connector_states("acme", "chatwoot", ["c1", "c2"]) == {"c2": b"two again"}
    assert store.connector_states("acme", "other", ["c1"]) == {}
    assert store.connector_states("beta", "chatwoot", ["c1"]) == {"c1": b"beta's"}


def test_days_and_series_are_kept_corrected_and_forgotten(store: Store) -> None:
    store.save_days("acme", [SavedDay("2026-11-24", b"a"), SavedDay("2026-11-25", b"b")], NOW)
    store.save_days("acme", [SavedDay("2026-11-25", b"c")], NOW)  # a late event's correction
    assert store.days("acme", "2026-11-01", "2026-11-30") == [SavedDay("2026-11-24", b"a"),
                                                              SavedDay("2026-11-25", b"c")]
    store.save_series("acme", [SavedSeries("2026-11-24", "total", b"1"),
                               SavedSeries("2026-11-25", "total", b"2"),
                               SavedSeries("2026-11-25", "channel:web", b"3")], NOW)
    assert store.series("acme", "2026-11-25", "total") == b"2"
    assert store.series_of_day("acme", "2026-11-25") == [b"3", b"2"]  # row key order
    assert store.forget_days_before("acme", "2026-11-25") == 1
    assert store.days("acme", "2026-11-01", "2026-11-30") == [SavedDay("2026-11-25", b"c")]
    assert store.series("acme", "2026-11-24", "total") is None


def test_conversations_leaving_memory_are_kept_by_day_and_forgotten_with_it(
        store: Store) -> None:
    store.save_retired("acme", [RetiredConversation("2026-11-24", "c2", b"x"),
                                RetiredConversation("2026-11-24", "c1", b"y"),
                                RetiredConversation("2026-11-25", "c1", b"y")])
    store.save_retired("acme", [RetiredConversation("2026-11-24", "c2", b"z")])  # again
    assert store.retired("acme", "2026-11-24") == [("c1", b"y"), ("c2", b"z")]
    assert store.retired("beta", "2026-11-24") == []
    store.forget_days_before("acme", "2026-11-25")
    assert store.retired("acme", "2026-11-24") == []
    assert store.retired("acme", "2026-11-25") == [("c1", b"y")]


def test_alerts_are_kept_listed_newest_first_and_the_open_ones_found(store: Store) -> None:
    store.save_alert("acme", SavedAlert("a1", NOW, False, b"1"))
    store.save_alert("acme", SavedAlert("a2", NOW + 5, False, b"2"))
    store.save_alert("acme", SavedAlert("a1", NOW, True, b"1r"))  # resolved
    assert store.alerts("acme", 10) == [SavedAlert("a2", NOW + 5, False, b"2"),
                                        SavedAlert("a1", NOW, True, b"1r")]
    assert store.alerts("acme", 10, before=NOW + 5) == [SavedAlert("a1", NOW, True, b"1r")]
    assert store.alerts("acme", 1) == [SavedAlert("a2", NOW + 5, False, b"2")]
    assert store.open_alerts("acme") == [SavedAlert("a2", NOW + 5, False, b"2")]
    assert store.forget_alerts_before("acme", NOW + 10) == 1  # only the resolved one goes
    assert [a.id for a in store.alerts("acme", 10)] == ["a2"]


def test_deliveries_stay_pending_in_order_until_done_and_keep_what_was_asked(
        opener: Opener, store: Store) -> None:
    first = SavedDelivery("d1", "acme", NOW, b"t1", b"p1", "pending", 0, NOW, None, NOW)
    with store.transaction():
        store.save_delivery(first)
        store.save_delivery(first._replace(id="d2", target=b"t2"))
    other = opener()  # what one connection commits, another sees
    assert [d.id for d in other.pending_deliveries(10)] == ["d1", "d2"]
    retried = first._replace(attempts=1, due_at=NOW + 1000, last_error="HTTP 500",
                             updated_at=NOW + 1, payload=b"ignored")
    store.save_delivery(retried)
    assert other.pending_deliveries(10)[0] == retried._replace(payload=b"p1")
    store.save_delivery(retried._replace(state="delivered", attempts=2))
    assert [d.id for d in other.pending_deliveries(10)] == ["d2"]
    assert [(d.id, d.state) for d in other.deliveries("acme", 10)] == [("d2", "pending"),
                                                                      ("d1", "delivered")]
    assert store.forget_alerts_before("acme", NOW + 1) == 0
    assert [d.id for d in store.deliveries("acme", 10)] == ["d2"]  # pending ones stay


# -- the log's format ---------------------------------------------------------------------------

def test_log_bodies_carry_their_format_and_the_older_one_is_read() -> None:
    ev = event(id="e1")
    body = event_body(ev)
    assert body[0] == 1 and event_of(body) == ev
    legacy = body[1:]  # release 0.1 wrote the msgpack alone
    assert legacy[0] == 0x97 and event_of(legacy) == ev
    with pytest.raises(ValueError, match="format 2"):
        event_of(b"\x02" + legacy)
