"""Rolling windows (METRICS.md section 8) against a brute-force recomputation: for every row and
window, the effects of each accepted conversation (folded afresh, alone) whose instants fall in
the window, summed. The engine instead logs effects once and moves five edges over them; these
tests feed it events in any order, with duplicates, at snapshots taken as time goes on (and a
little back), around midnight and across DST changes."""

from __future__ import annotations

import json
import pickle
import random
from collections import defaultdict
from datetime import datetime
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import world
from wallboard.engine import Account, build, encode
from wallboard.engine import windows as windows_module
from wallboard.engine.account import EXCLUDED_KINDS
from wallboard.engine.calendar import load_zone
from wallboard.engine.conversation import (
    ARRIVED,
    COUNT,
    ENTRY,
    SAMPLE,
    TOPIC_COUNT,
    Conversation,
)
from wallboard.engine.readout import period_figures
from wallboard.events import EVENT_ID, LAST_CONVERSATION_RANK, RANK, SUBJECT, Event, decode_event
from wallboard.figures import COUNTER, COUNTERS

MINUTE = 60_000
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def at_local(tz: str, *when: int) -> int:
    return int(datetime(*when, tzinfo=load_zone(tz)).timestamp() * 1000)  # type: ignore[misc]


# (zone, start of the events): around a midnight, and through both DST changes.
PLACES = [
    ("Europe/Berlin", at_local("Europe/Berlin", 2026, 11, 25, 22, 0)),
    ("America/New_York", at_local("America/New_York", 2026, 11, 1, 0, 0)),  # 02:00 -> 01:00
    ("Europe/Berlin", at_local("Europe/Berlin", 2026, 3, 29, 1, 0)),  # 02:00 -> 03:00
]
SPAN_S = 4 * 3600


def decoded(events: list[dict[str, Any]], now: int) -> list[Event]:
    return [decode_event(json.dumps(e), now)[1] for e in events]


def brute_windows(account: Account, events: list[Event], now: int
                  ) -> dict[tuple[str, str | None], dict[str, Any]]:
    """Each row's windows at ``now``, recomputed from the accepted events alone."""
    conversations: dict[str, dict[str, Event]] = defaultdict(dict)
    for ev in events:
        if ev[RANK] <= LAST_CONVERSATION_RANK:
            conversations[ev[SUBJECT]].setdefault(ev[EVENT_ID], ev)
    # (row, edge) -> counters and topics, for the five edges' windows directly.
    spans = {"15m": [(now - 15 * MINUTE, now), (now - 30 * MINUTE, now - 15 * MINUTE)],
             "60m": [(now - 60 * MINUTE, now), (now - 120 * MINUTE, now - 60 * MINUTE)]}
    sums: dict[tuple[str, str | None, str, int], list[int]] = defaultdict(
        lambda: [0] * COUNTERS)
    topics: dict[tuple[str, str | None, str, int], dict[str, int]] = defaultdict(dict)
    for cid, evs in conversations.items():
        conv = Conversation(cid)
        conv.events = sorted(evs.values())
        for effect, n in conv.contribution(account.calendar.slot_of).items():
            tag, channel = effect[0], effect[1]
            if tag not in (ARRIVED, ENTRY, SAMPLE, COUNT, TOPIC_COUNT):
                continue
            if account.channels[channel].kind in EXCLUDED_KINDS:
                continue
            instant = effect[-1]
            if tag == ARRIVED:
                rows = [("channel", channel), ("total", None)]
            elif tag == ENTRY:
                rows = [("group", effect[2])]
            elif tag == TOPIC_COUNT:
                rows = [("channel", channel), ("total", None), ("group", effect[2])]
            else:
                rows = [("channel", channel), ("total", None), ("group", effect[2])]
            for length, periods in spans.items():
                for which, (lo, hi) in enumerate(periods):
                    if not lo < instant <= hi:
                        continue
                    for report, row_id in rows:
                        key = (report, row_id, length, which)
                        if tag == TOPIC_COUNT:
                            counts = topics[key]
                            counts[effect[4]] = counts.get(effect[4], 0) + n
                            continue
                        counters = sums[key]
                        if tag in (ARRIVED, ENTRY):
                            counters[COUNTER["arrived"]] += n
                        elif tag == COUNT:
                            counters[effect[4]] += n
                        else:
                            length_ms, answered = effect[4], effect[5]
                            counters[COUNTER["wait_samples"]] += n
                            counters[COUNTER["wait_sum_ms"]] += n * length_ms
                            if answered and length_ms <= account.sl_threshold_s * 1000:
                                counters[COUNTER["answered_within_sl"]] += n
    zero = [0] * COUNTERS
    figures = ["arrived", "served", "unserved", "avg_wait_s", "wait_samples",
               "answered_within_sl", "service_level", "abandoned_share"]

    def period(report: str, row_id: str | None, length: str, which: int) -> dict[str, Any]:
        values = period_figures(sums.get((report, row_id, length, which), zero), zero)
        out = dict(zip(figures, msgspec.to_builtins(values), strict=True))
        counts = topics.get((report, row_id, length, which), {})
        # A channel's are not published (METRICS.md), only kept for its hot topics.
        out["topics"] = dict(sorted(((t, k) for t, k in counts.items() if k),
                                    key=lambda kv: (-kv[1], kv[0])))
        return out

    result = {}
    for report, row_id, _ in account.report_rows():
        result[(report, row_id)] = {
            length: {**period(report, row_id, length, 0),
                     "previous": period(report, row_id, length, 1)}
            for length in spans}
    return result


def published_windows(snapshot: bytes) -> dict[tuple[str, str | None], Any]:
    data = json.loads(snapshot)
    out = {("total", None): data["total"]["windows"]}
    out.update({("channel", c["id"]): c["windows"] for c in data["channels"]})
    out.update({("group", g["id"]): g["windows"] for g in data["groups"]})
    return out


def check(account: Account, accepted: list[Event], now: int) -> None:
    got = published_windows(encode(build(account, now)))
    want = brute_windows(account, accepted, now)
    for channel_id, channel in account.channels.items():  # the channels' topics, kept
        if channel.excluded or ("channel", channel_id) not in got:
            continue
        kept = channel.row.windows.topics if channel.row.windows else [{}] * 4
        for w, (length, which) in enumerate((("15m", 0), ("15m", 1), ("60m", 0), ("60m", 1))):
            window = want[("channel", channel_id)][length]
            want_topics = (window if which == 0 else window["previous"]).pop("topics")
            assert {t: k for t, k in kept[w].items() if k} == want_topics, (channel_id, w)
    for key, windows in got.items():
        assert windows == want[key], (key, now)
    # The no-group row is published exactly when it has something to show (or its day has).
    assert ("group", None) in got or not any(
        v for w in want[("group", None)].values()
        for v in (w["arrived"], w["wait_samples"], w["previous"]["arrived"],
                  w["previous"]["wait_samples"], w["served"], w["previous"]["served"]))


@pytest.mark.parametrize(("tz", "base"), PLACES, ids=["midnight", "dst-back", "dst-forward"])
@SETTINGS
@given(data=st.data())
def test_windows_equal_the_brute_force_as_time_goes_on(tz: str, base: int,
                                                       data: st.DataObject) -> None:
    events = data.draw(world(base, SPAN_S, max_conversations=8))
    end = base + SPAN_S * 1000
    evs = decoded(events, end)
    rnd = random.Random(data.draw(st.integers(0, 10**6)))
    shuffled = evs + [rnd.choice(evs) for _ in range(3)] if evs else []
    rnd.shuffle(shuffled)
    # Snapshots at instants drawn across the span, in order, some a few minutes back.
    nows = sorted(data.draw(st.lists(st.integers(base, end + 130 * MINUTE), min_size=1,
                                     max_size=6)))
    account = Account("acme", tz, 60)
    accepted: list[Event] = []
    per_step = max(1, len(shuffled) // len(nows))
    for step, now in enumerate(nows):
        # Received at the snapshot's moment, whatever their own times.
        for ev in shuffled[step * per_step:(step + 1) * per_step]:
            if account.apply(ev, now) == "accepted":
                accepted.append(ev)
        check(account, accepted, now)
        back = data.draw(st.integers(0, windows_module.SLACK_MS))
        check(account, accepted, now - back)  # an earlier snapshot within the slack
    for ev in shuffled[len(nows) * per_step:]:
        if account.apply(ev, nows[-1]) == "accepted":
            accepted.append(ev)
    check(account, accepted, nows[-1])


@SETTINGS
@given(data=st.data())
def test_forgotten_effects_change_nothing(data: st.DataObject) -> None:
    """An account whose snapshots move on forgets what the windows can no longer reach, and
    shows what an account told everything at once shows."""
    tz, base = PLACES[0]
    events = data.draw(world(base, SPAN_S, max_conversations=8))
    end = base + SPAN_S * 1000
    evs = decoded(events, end)
    moving = Account("acme", tz, 60)
    for ev in evs:
        moving.apply(ev, base)
    held = len(moving.windows)
    nows = sorted(data.draw(st.lists(st.integers(base, end + 200 * MINUTE), min_size=1,
                                     max_size=5)))
    for now in nows:
        fresh = Account("acme", tz, 60)
        for ev in evs:
            fresh.apply(ev, now)
        assert encode(build(moving, now)) == encode(build(fresh, now))
    reach = nows[-1] - windows_module.EDGES_MS[-1] - windows_module.SLACK_MS
    assert all(effect[-1] > reach - windows_module.MINUTE_MS
               for items in moving.windows.minutes.values() for effect, _ in items)
    assert len(moving.windows) <= held


def test_a_late_event_lands_in_the_window_of_its_time() -> None:
    tz, base = PLACES[0]
    now = base + 3 * 3600_000
    account = Account("acme", tz, 60)
    raw = [{"id": "s", "type": "conversation.started", "account": "acme",
            "at": now - 20 * MINUTE, "conversation": "c", "channel": "web"},
           {"id": "v", "type": "message.visitor", "account": "acme", "at": now - 19 * MINUTE,
            "conversation": "c"}]
    for ev in decoded(raw, now):
        account.apply(ev, now)
    first = json.loads(encode(build(account, now)))["total"]["windows"]
    assert (first["15m"]["arrived"], first["15m"]["previous"]["arrived"]) == (0, 1)
    # The visitor left 10 minutes ago; the event comes only now.
    left = {"id": "l", "type": "conversation.visitor_left", "account": "acme",
            "at": now - 10 * MINUTE, "conversation": "c"}
    account.apply(decoded([left], now)[0], now)
    after = json.loads(encode(build(account, now)))["total"]["windows"]["15m"]
    assert after["unserved"] == {"total": 1, "unassigned": 1, "canceled": 0, "missed": 0}
    assert after["wait_samples"] == 1 and after["avg_wait_s"] == 600.0
    assert after["abandoned_share"] == 1.0 and after["service_level"] == 0.0
    # Fifteen minutes on, it has moved to the previous window.
    later = json.loads(encode(build(account, now + 15 * MINUTE)))["total"]["windows"]["15m"]
    assert later["unserved"]["total"] == 0 and later["previous"]["unserved"]["total"] == 1


def test_a_past_day_has_no_windows() -> None:
    tz, base = PLACES[0]
    account = Account("acme", tz, 60)
    snapshot = json.loads(encode(build(account, base, account.calendar.day_of(base) - 1)))
    assert snapshot["total"]["windows"] is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_checkpoint_from_before_the_windows_logs_them_again(data: st.DataObject) -> None:
    tz, base = PLACES[0]
    events = data.draw(world(base, SPAN_S, max_conversations=8))
    now = base + SPAN_S * 1000
    account = Account("acme", tz, 60)
    for ev in decoded(events, now):
        account.apply(ev, now)
    state = pickle.loads(pickle.dumps(account)).__getstate__()
    state["format"] = 3  # saved before the windows: no log, no sums in the rows
    del state["windows"]
    restored = Account.__new__(Account)
    restored.__setstate__(state)
    assert encode(build(restored, now)) == encode(build(account, now))
