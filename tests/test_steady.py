"""The steady-load simulator: deterministic, valid for the engine, faithful to its own rules,
and right where queueing theory has closed forms."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import msgspec
import pytest

from wallboard.engine import Account, build
from wallboard.events import decode_event
from wallboard.sim.steady import (
    SteadyConfig,
    SteadyGroup,
    SteadyOperator,
    SteadyRun,
    simulate,
)

_runs: dict[SteadyConfig, SteadyRun] = {}


def run(config: SteadyConfig) -> SteadyRun:
    """Runs are deterministic, so tests share them."""
    if config not in _runs:
        _runs[config] = simulate(config)
    return _runs[config]


# Two groups sharing a channel and some operators, one with patience and one without; a
# third with its own channel and nobody arriving.
MIXED = SteadyConfig(
    seed=3, hours=12,
    groups=(SteadyGroup("sales", "site", 150, 150, 90),  # 6.25 Erlangs
            SteadyGroup("support", "site", 90, 240, None),  # 6 Erlangs
            SteadyGroup("quiet", "app", 0, 60, 30)),
    operators=(SteadyOperator("ann", ("sales",), 3),
               SteadyOperator("amy", ("sales",), 3),
               SteadyOperator("bob", ("sales", "support"), 3),
               SteadyOperator("cid", ("support", "sales"), 2),
               SteadyOperator("dan", ("support",), 3),
               SteadyOperator("dee", ("support",), 2),
               SteadyOperator("eve", ("quiet",), 1)),
)


def one_group(load: float, handle_s: float, patience_s: float | None, operators: int,
              chat_limit: int, hours: float, seed: int = 1,
              sl_threshold_s: float = 60.0) -> SteadyConfig:
    per_hour = load * operators * chat_limit / handle_s * 3600
    return SteadyConfig(
        seed=seed, hours=hours, sl_threshold_s=sl_threshold_s,
        groups=(SteadyGroup("g", "web", per_hour, handle_s, patience_s),),
        operators=tuple(SteadyOperator(f"o{i}", ("g",), chat_limit) for i in range(operators)))


# --- determinism and the wire format ------------------------------------------------------


def test_same_seed_same_events() -> None:
    config = msgspec.structs.replace(MIXED, hours=3)
    first = msgspec.json.encode(simulate(config).events)
    assert msgspec.json.encode(simulate(config).events) == first
    assert msgspec.json.encode(simulate(msgspec.structs.replace(config, seed=4)).events) != first


def test_events_are_valid_ordered_unique_and_all_accepted() -> None:
    sim = run(MIXED)
    ats = [e["at"] for e in sim.events]
    assert all(isinstance(at, int) for at in ats)
    assert ats == sorted(ats)
    assert MIXED.start_ms <= ats[0] and ats[-1] < sim.end_ms
    assert len({e["id"] for e in sim.events}) == len(sim.events)
    engine = Account(MIXED.account, MIXED.timezone, MIXED.sl_threshold_s)
    outcomes: Counter[str] = Counter()
    for event in sim.events:
        account, decoded = decode_event(msgspec.json.encode(event), sim.end_ms)
        assert account == MIXED.account
        outcomes[engine.apply(decoded, sim.end_ms)] += 1
    assert outcomes == {"accepted": len(sim.events)}
    # The engine's day (the run is inside one local day) agrees with the events.
    snapshot: dict[str, Any] = msgspec.to_builtins(build(engine, sim.end_ms - 1))
    groups = {g["id"]: g for g in snapshot["groups"]}
    kinds = Counter((e["type"], e.get("by")) for e in sim.events)
    started = Counter(e["group"] for e in sim.events if e["type"] == "conversation.started")
    assert {g: groups[g]["arrived"] for g in ("sales", "support", "quiet")} == {
        "sales": started["sales"], "support": started["support"], "quiet": 0}
    served = sum(groups[g]["served"] for g in groups)
    assert served == kinds[("conversation.closed", "operator")]
    unserved = sum(groups[g]["unserved"]["total"] for g in groups)
    assert unserved == kinds[("conversation.visitor_left", None)]
    assert {c["id"]: c["arrived"] for c in snapshot["channels"]} == {
        "site": started["sales"] + started["support"], "app": 0}


def test_configuration_comes_first_and_names_everything() -> None:
    events = run(MIXED).events
    setup = [e for e in events if e["at"] == MIXED.start_ms
             and not e["type"].startswith(("conversation.", "message."))]
    by_type = defaultdict(list)
    for e in setup:
        by_type[e["type"]].append(e)
    assert [e["group"] for e in by_type["group.updated"]] == ["sales", "support", "quiet"]
    assert {e["channel"]: (e["kind"], e["groups"]) for e in by_type["channel.updated"]} == {
        "site": ("web_chat", ["sales", "support"]), "app": ("web_chat", ["quiet"])}
    assert {e["operator"]: (e["groups"], e["max_chats"]) for e in by_type["operator.updated"]} \
        == {o.id: (list(o.groups), o.max_chats) for o in MIXED.operators}
    assert {e["operator"]: e["status"] for e in by_type["operator.status"]} == {
        o.id: "available" for o in MIXED.operators}


def test_each_conversation_lives_as_specified() -> None:
    sim = run(MIXED)
    lives: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in sim.events:
        if "conversation" in e:
            lives[e["conversation"]].append(e)
    shapes: Counter[tuple[str, ...]] = Counter()
    for life in lives.values():
        kinds = [e["type"] for e in life]
        start = life[0]
        assert kinds[0] == "conversation.started"
        assert start["channel"] == "site" and start["group"] in ("sales", "support")
        if "message.visitor" in kinds:  # 1 ms in, after an assignment at once if any
            assert life[kinds.index("message.visitor")]["at"] == start["at"] + 1
        else:
            assert start["at"] + 1 >= sim.end_ms
        if "conversation.assigned" in kinds:
            assigned = life[kinds.index("conversation.assigned")]
            reply = life[kinds.index("message.operator")]
            assert reply["at"] == assigned["at"] + 1
            assert reply["operator"] == assigned["operator"]
            assert "conversation.visitor_left" not in kinds
            if "conversation.closed" in kinds:
                closed = life[kinds.index("conversation.closed")]
                assert closed["by"] == "operator" and closed["at"] >= reply["at"]
        shapes[tuple(sorted(k.split(".")[1] for k in kinds))] += 1
    # Both endings happened; only the last moments of the run are cut short.
    served = ("assigned", "closed", "operator", "started", "visitor")
    assert shapes[served] > 2000
    assert shapes[("started", "visitor", "visitor_left")] > 50
    assert sum(shapes.values()) - shapes[served] - shapes[
        ("started", "visitor", "visitor_left")] < 40


def test_operators_take_the_longest_waiting_and_never_exceed_their_limit() -> None:
    sim = run(MIXED)
    members = {o.id: o.groups for o in MIXED.operators}
    limit = {o.id: o.max_chats for o in MIXED.operators}
    waiting: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)  # group: conv: start
    group_of: dict[str, str] = {}
    owner: dict[str, str] = {}
    load: Counter[str] = Counter()
    checked = 0
    for e in sim.events:
        kind = e["type"]
        conv: str = e.get("conversation", "")
        if kind == "conversation.started":
            group_of[conv] = e["group"]
            waiting[e["group"]][conv] = (e["at"], conv)
        elif kind == "conversation.assigned":
            op = e["operator"]
            group = group_of[conv]
            assert group in members[op]
            mine = waiting[group].pop(conv)
            older = [w for g in members[op] for w in waiting[g].values() if w[0] < mine[0]]
            assert older == [], (conv, op, older)
            load[op] += 1
            owner[conv] = op
            assert load[op] <= limit[op]
            checked += 1
        elif kind == "conversation.visitor_left":
            waiting[group_of[conv]].pop(conv)
        elif kind == "conversation.closed":
            load[owner[conv]] -= 1
    assert checked > 1000


def test_groups_without_patience_never_lose_visitors() -> None:
    sim = run(MIXED)
    support = {e["conversation"] for e in sim.events
               if e["type"] == "conversation.started" and e["group"] == "support"}
    assert support
    assert not any(e["type"] == "conversation.visitor_left" and e["conversation"] in support
                   for e in sim.events)
    assert sim.truth["support"].abandoned == 0
    quiet = sim.truth["quiet"]
    assert (quiet.arrivals, quiet.service_level, quiet.mean_wait_s) == (0, None, None)


def test_truth_is_what_the_events_say() -> None:
    """The simulator's own tally, recomputed from its events with the stated rules."""
    sim = run(MIXED)
    warm = MIXED.warm_ms
    started: dict[str, tuple[int, str]] = {}
    waits: dict[str, list[int]] = defaultdict(list)
    left: Counter[str] = Counter()
    for e in sim.events:
        conv: str = e.get("conversation", "")
        if e["type"] == "conversation.started":
            started[conv] = (e["at"], e["group"])
        elif e["type"] == "conversation.assigned" and started[conv][0] >= warm:
            waits[started[conv][1]].append(e["at"] - started[conv][0])
        elif e["type"] == "conversation.visitor_left" and started[conv][0] >= warm:
            left[started[conv][1]] += 1
    for group in ("sales", "support"):
        truth = sim.truth[group]
        assert truth.answered == len(waits[group])
        assert truth.abandoned == left[group]
        assert truth.arrivals == truth.answered + truth.abandoned
        assert truth.answered_within == sum(w <= 60_000 for w in waits[group])
        assert truth.mean_wait_s == pytest.approx(sum(waits[group]) / len(waits[group]) / 1000)
        assert truth.service_level == truth.answered_within / truth.arrivals
        assert truth.abandonment == truth.abandoned / truth.arrivals
        handle = MIXED.groups[0 if group == "sales" else 1].handle_s
        assert truth.handle_s == pytest.approx(handle, rel=0.1)


# --- queueing sanity -----------------------------------------------------------------------


def _occupied(events: list[dict[str, Any]], since: int, until: int
              ) -> tuple[float, float, int, int]:
    """Time-averaged numbers waiting and in work over [since, until), and the numbers of
    visitors answered and of visitors who gave up in it."""
    waiting_area = working_area = 0.0
    stint_start: dict[str, int] = {}
    work_start: dict[str, int] = {}
    answered = gave_up = 0

    def area(a: int, b: int) -> float:
        return max(0, min(b, until) - max(a, since))

    for e in events:
        conv: str = e.get("conversation", "")
        if e["type"] == "conversation.started":
            stint_start[conv] = e["at"]
        elif e["type"] == "conversation.assigned":
            waiting_area += area(stint_start.pop(conv), e["at"])
            work_start[conv] = e["at"]
            answered += since <= e["at"] < until
        elif e["type"] == "conversation.visitor_left":
            waiting_area += area(stint_start.pop(conv), e["at"])
            gave_up += since <= e["at"] < until
        elif e["type"] == "conversation.closed":
            working_area += area(work_start.pop(conv), e["at"])
    for begun in stint_start.values():
        waiting_area += area(begun, until)
    for begun in work_start.values():
        working_area += area(begun, until)
    span = until - since
    return waiting_area / span, working_area / span, answered, gave_up


def test_littles_law_and_the_patience_clock() -> None:
    config = one_group(1.05, 200, 120, 4, 3, hours=80, seed=8)
    sim = run(config)
    truth = sim.truth["g"]
    assert truth.handle_s is not None
    since, until = config.warm_ms, config.end_ms
    span_s = (until - since) / 1000
    in_queue, in_work, answered, gave_up = _occupied(sim.events, since, until)
    # L = lambda W for the chats in work: busy slots = answered per second times the mean
    # handle time.
    assert in_work == pytest.approx(answered / span_s * truth.handle_s, rel=0.03)
    assert in_work <= 12
    # Each waiting visitor gives up at rate 1/patience, so the rate of giving up is the mean
    # queue length over the patience.
    assert gave_up / span_s == pytest.approx(in_queue / 120, rel=0.05)
    # A wrong patience clock would be seen: at double the patience the rate is far off.
    assert abs(gave_up / span_s - in_queue / 240) > 0.2 * gave_up / span_s


def test_mm1_matches_its_closed_form() -> None:
    # One operator, one chat, nobody leaves, half busy: P(wait) = rho, the mean wait is
    # rho/(mu - lambda) and P(wait <= t) = 1 - rho exp(-(mu - lambda) t).
    handle, rho, t = 30.0, 0.5, 20.0
    mu, lam = 1 / handle, rho / handle
    truth = run(one_group(rho, handle, None, 1, 1, hours=400, seed=2, sl_threshold_s=t)
                ).truth["g"]
    assert truth.arrivals > 20_000 and truth.abandoned == 0
    assert truth.mean_wait_s == pytest.approx(rho / (mu - lam), rel=0.08)
    assert truth.service_level == pytest.approx(1 - rho * math.exp(-(mu - lam) * t), abs=0.015)
    at_once = run(one_group(rho, handle, None, 1, 1, hours=400, seed=2, sl_threshold_s=0)
                  ).truth["g"]
    assert at_once.service_level == pytest.approx(1 - rho, abs=0.015)


def test_no_patience_is_erlang_b() -> None:
    # Visitors who find every slot taken leave at once: the share lost is Erlang B's.
    a, slots = 4.0, 5
    blocked = 1.0
    for k in range(1, slots + 1):
        blocked = a * blocked / (k + a * blocked)
    truth = run(one_group(a / slots, 100, 0.0, slots, 1, hours=200, seed=5)).truth["g"]
    assert truth.abandonment == pytest.approx(blocked, abs=0.01)
    assert truth.mean_wait_s == 0.0


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown groups"):
        SteadyConfig(seed=1, hours=1, groups=(SteadyGroup("a", "c", 1, 60),),
                     operators=(SteadyOperator("o", ("b",)),))
    with pytest.raises(ValueError, match="handle_s"):
        SteadyGroup("a", "c", 1, 0)
    with pytest.raises(ValueError, match="unique"):
        SteadyConfig(seed=1, hours=1, groups=(SteadyGroup("a", "c", 1, 60),) * 2,
                     operators=())
