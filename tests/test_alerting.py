"""Alert rules on an injected clock: hold time, hysteresis, resolution, quiet hours, a stale
feed, and the rows a rule names."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from wallboard.alerting import AlertRule, Evaluator, QuietHours, RowRef, check_rule

S = 1000  # ms
NOON = 12 * 60


def rule(**fields: Any) -> AlertRule:
    base = {"id": "r", "name": "Queue", "figure": "in_queue", "comparison": "above",
            "threshold": 10}
    return msgspec.convert({**base, **fields}, AlertRule)


def kinds(out: list[Any]) -> list[tuple[str, str | None]]:
    return [(t.kind, t.id) for t in out]


def total(value: float | None, figure: str = "in_queue") -> dict[Any, dict[str, float | None]]:
    return {("total", None): {figure: value}}


def test_it_fires_after_holding_for_its_hold_time_and_not_before() -> None:
    ev = Evaluator([rule(hold_s=60)])
    assert ev.step(0, NOON, total(12)) == []
    assert ev.step(59 * S, NOON, total(15)) == []
    assert kinds(ev.step(60 * S, NOON, total(11))) == [("firing", None)]
    assert ev.step(61 * S, NOON, total(30)) == []  # once
    # A dip below the threshold starts the hold again.
    ev2 = Evaluator([rule(hold_s=60)])
    ev2.step(0, NOON, total(12))
    ev2.step(30 * S, NOON, total(9))
    assert ev2.step(70 * S, NOON, total(12)) == []
    assert kinds(ev2.step(130 * S, NOON, total(12))) == [("firing", None)]


def test_hysteresis_keeps_a_wavering_figure_from_flapping() -> None:
    ev = Evaluator([rule(clear=6)])
    assert kinds(ev.step(0, NOON, total(11))) == [("firing", None)]
    # Between the clear level and the threshold it stays firing, however it wavers.
    for t, value in enumerate((9, 11, 8, 10, 7), start=1):
        assert ev.step(t * S, NOON, total(value)) == []
    resolved = ev.step(10 * S, NOON, total(6))
    assert kinds(resolved) == [("resolved", None)] and resolved[0].value == 6
    assert ev.firing() == []


def test_a_figure_that_falls_below_fires_and_no_data_resolves() -> None:
    ev = Evaluator([rule(figure="service_level", comparison="below", threshold=60, clear=70)])
    assert kinds(ev.step(0, NOON, total(55, "service_level"))) == [("firing", None)]
    assert ev.step(S, NOON, total(65, "service_level")) == []
    assert kinds(ev.step(2 * S, NOON, total(None, "service_level"))) == [("resolved", None)]


def test_quiet_hours_hold_a_firing_back_until_they_end_but_never_a_resolution() -> None:
    night = [QuietHours("22:00", "08:00")]
    ev = Evaluator([rule(quiet=night)])
    assert ev.step(0, 23 * 60, total(20)) == []  # 23:00: quiet
    assert ev.step(60 * S, 2 * 60, total(20)) == []  # 02:00: quiet (past midnight)
    assert kinds(ev.step(120 * S, 8 * 60, total(20))) == [("firing", None)]  # 08:00: over
    ev2 = Evaluator([rule(quiet=[QuietHours("12:00", "13:00")])])
    ev2.step(0, 11 * 60, total(20))
    assert kinds(ev2.step(S, NOON, total(0))) == [("resolved", None)]  # in quiet hours too
    # A condition that ended during the quiet hours never fires.
    ev3 = Evaluator([rule(quiet=night)])
    ev3.step(0, 23 * 60, total(20))
    ev3.step(S, 7 * 60, total(3))
    assert ev3.step(2 * S, 9 * 60, total(3)) == []


def test_a_stale_feed_fires_for_the_channel_that_went_silent() -> None:
    stale = rule(id="stale", name="No events", figure="minutes_since_event", threshold=10,
                 rows=[RowRef("channel", "web"), RowRef("channel", "mail")])
    ev = Evaluator([stale])
    feeds = {("channel", "web"): {"minutes_since_event": 2.0},
             ("channel", "mail"): {"minutes_since_event": 12.0},
             ("channel", "viber"): {"minutes_since_event": 500.0}}  # not named: not watched
    assert kinds(ev.step(0, NOON, feeds)) == [("firing", "mail")]
    feeds[("channel", "mail")] = {"minutes_since_event": 0.0}
    assert kinds(ev.step(60 * S, NOON, feeds)) == [("resolved", "mail")]


def test_every_row_when_none_is_named_and_a_vanished_row_resolves() -> None:
    ev = Evaluator([rule()])
    rows = {("group", "a"): {"in_queue": 20.0}, ("group", "b"): {"in_queue": 30.0},
            ("group", "c"): {"in_queue": 1.0}}
    assert sorted(kinds(ev.step(0, NOON, rows))) == [("firing", "a"), ("firing", "b")]
    del rows[("group", "b")]
    assert kinds(ev.step(S, NOON, rows)) == [("resolved", "b")]


@pytest.mark.parametrize(("fields", "field"), [
    ({"clear": 12}, "clear"),
    ({"comparison": "below", "threshold": 60, "clear": 50}, "clear"),
    ({"quiet": [{"start": "25:00", "end": "08:00"}]}, "quiet[0].start"),
    ({"quiet": [{"start": "22:00", "end": "8"}]}, "quiet[0].end"),
])
def test_a_bad_rule_names_its_field(fields: dict[str, Any], field: str) -> None:
    problem = check_rule(rule(**fields))
    assert problem is not None and problem[0] == field


def test_the_service_reads_every_watched_figure_of_every_row() -> None:
    from wallboard.alerting import ALERT_FIGURES
    from wallboard.engine import Account
    from wallboard.events import decode_event
    from wallboard.service.alerts import figures_now

    now = 1_795_694_400_000
    engine = Account("a", "UTC")
    raw = {"id": "e1", "type": "conversation.started", "account": "a",
           "at": "2026-11-26T09:15:00Z", "conversation": "c1", "channel": "web",
           "group": "sales"}
    received = now - 90 * S
    engine.apply(decode_event(msgspec.json.encode(raw), received)[1], received)
    got = figures_now(engine, now, at_risk_too=True)
    web, sales, total = got[("channel", "web")], got[("group", "sales")], got[("total", None)]
    assert web["in_queue"] == 1 and web["no_operator"] == 1 and total["no_operator"] == 1
    assert web["stale_feed_min"] == 1.5 and "stale_feed_min" not in sales
    assert sales["waiting_past_sl"] == 1 and web["arrived"] == 1
    assert web["sl_percent"] is None and web["15m.arrived"] is not None
    # Every figure of the catalogue is read for a channel (none is misspelt)
    assert {f.name for f in ALERT_FIGURES} <= set(web)
