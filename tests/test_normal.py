"""The normal of a row (normal.py), the count test (surge.py) and the service's trends of every
row from weeks of stored series in a real SQLite store (service/trends.py)."""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.engine import Account
from wallboard.engine.calendar import load_zone
from wallboard.events import decode_event
from wallboard.figures import RowRef
from wallboard.history import changed_row_days
from wallboard.normal import QUARTERS, baseline, quantile, tail_above, tail_below
from wallboard.service.campaigns import Campaign, campaign_report
from wallboard.service.queries import DayCharts, DayChartsQuery, answer
from wallboard.service.topics import hot_topics
from wallboard.service.trends import local_quarters, trends
from wallboard.store import AccountConfig, open_store
from wallboard.surge import ALPHA, Quarter, trend, usual_range

# -- the tails, against sums written here from the definitions --------------------------------


def nb_pmf(k: int, mean: float, dispersion: float) -> float:
    """P(X = k) by the recurrence of the negative binomial (the Poisson at dispersion 0)."""
    if dispersion == 0:
        p = math.exp(-mean)
        for i in range(1, k + 1):
            p *= mean / i
        return p
    r = 1 / dispersion
    q = mean / (r + mean)
    p = (1 - q) ** r
    for i in range(k):
        p *= (i + r) / (i + 1) * q
    return p


@settings(max_examples=200, deadline=None)
@given(st.floats(0.05, 200), st.sampled_from([0.0, 0.01, 0.1, 0.5]), st.integers(0, 400))
def test_tails_are_the_sums_of_the_probabilities(mean: float, dispersion: float,
                                                 count: int) -> None:
    below = sum(nb_pmf(k, mean, dispersion) for k in range(count + 1))
    assert tail_below(count, mean, dispersion) == pytest.approx(below, rel=1e-9, abs=1e-15)
    assert tail_above(count + 1, mean, dispersion) == pytest.approx(1 - below, rel=1e-6,
                                                                    abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.05, 600), st.sampled_from([0.0, 0.002, 0.1, 1.0]),
       st.sampled_from([0.001, 0.05, 0.5, 0.95, 0.999]))
def test_a_quantile_is_the_first_count_whose_sum_reaches_it(mean: float, dispersion: float,
                                                            p: float) -> None:
    k, below = 0, nb_pmf(0, mean, dispersion)
    while below < p:
        k += 1
        below += nb_pmf(k, mean, dispersion)
    assert quantile(p, mean, dispersion) == k


def test_the_usual_range_holds_nine_ordinary_days_in_ten() -> None:
    # Poisson(20), the widest the floor allows aside: 13 is the 5 % quantile (P(X <= 12) =
    # 0.039, P(X <= 13) = 0.066) and 28 the 95 % one (P(X <= 27) = 0.948, P(X <= 28) = 0.966).
    assert quantile(0.05, 20) == 13 and quantile(0.95, 20) == 28
    band = usual_range(20, 0.0, 1_000_000)
    assert (band.low, band.high) == (13, 28)
    # A normal of two weeks is less sure than one of four, and wider for it.
    two, four = usual_range(20, 0.0, 2), usual_range(20, 0.0, 4)
    assert two.low <= four.low and two.high > four.high


def test_small_numbers_are_counted_not_approximated() -> None:
    # Half a conversation is normal: two are not remarkable, six are (Poisson: 1.4e-5).
    assert tail_above(2, 0.5) > 0.05
    assert tail_above(6, 0.5) == pytest.approx(1.4164937e-05, rel=1e-6)
    assert quantile(0.5, 0.5) == 0 and quantile(0.99, 0.5) == 3
    # The weeks' own variation makes the same count less surprising.
    assert tail_above(30, 20, 0.05) > tail_above(30, 20)


# -- the normal --------------------------------------------------------------------------------

def flat(count: int | None) -> list[int | None]:
    return [count] * QUARTERS


def test_the_normal_is_the_mean_of_the_ordinary_weeks() -> None:
    got = baseline([flat(4), flat(6), flat(5), flat(40)])  # the last: a campaign last week
    assert got.centre[0] == pytest.approx(5 + 0.5 / 3) and got.weeks[0] == 3
    assert got.dispersion == pytest.approx(0.0)  # 4, 5, 6: less spread than chance


def test_a_quarter_needs_two_weeks() -> None:
    one = flat(3)
    one[9] = None  # the hour DST skipped, say
    got = baseline([one, [*flat(None)[:QUARTERS - 1], 2]])
    assert got.centre[9] is None and got.centre[QUARTERS - 1] == pytest.approx(2.75)
    assert got.expected([(9, 1.0)]) is None
    assert got.expected([(QUARTERS - 1, 0.5)]) == (pytest.approx(1.375), 2)


def test_extra_variation_between_weeks_is_measured() -> None:
    rng = random.Random(1)
    weeks = [[round(rng.gammavariate(4, 5)) for _ in range(QUARTERS)] for _ in range(4)]
    assert baseline(weeks).dispersion == pytest.approx(0.25, abs=0.1)  # gamma: 1/shape


# -- the test ------------------------------------------------------------------------------------

def test_trend_says_normal_surge_drop_or_too_little_history() -> None:
    assert trend(5, None, 0, 4, []).status == "not_enough_history"
    assert trend(22, 20, 0, 4, []).status == "normal"
    quarters = [Quarter(i, 20, 20.0) for i in range(6)] + [Quarter(6, 45, 20.0),
                                                           Quarter(7, 50, 20.0)]
    surge = trend(95, 40, 0, 4, quarters)
    assert surge.status == "surge" and surge.p is not None and surge.p < ALPHA
    assert (surge.since_ms, surge.extra, surge.ratio) == (6, 55.0, 95 / 40)
    drop = trend(0, 40, 0, 4, [Quarter(0, 20, 20.0), Quarter(1, 0, 20.0), Quarter(2, 0, 20.0)])
    assert (drop.status, drop.since_ms, drop.extra) == ("drop", 1, -40.0)
    # Too few expected for a drop to be seen.
    assert trend(0, 0.8, 0, 4, []).status == "normal"


# -- the service: weeks of stored series --------------------------------------------------------

TZ = "Europe/Berlin"


def at(day: datetime, hour: int, minute: int = 0) -> int:
    return int((day + timedelta(hours=hour, minutes=minute)).timestamp() * 1000)


def usual_topic(rng: random.Random, q: int) -> str:
    return rng.choice(("billing", "billing", "delivery", "returns"))


def conversations(day: datetime, group: str, per_quarter: float, rng: random.Random,
                  hours: tuple[int, int] = (8, 20), factor: Any = None,
                  topic: Any = usual_topic, channel: str = "web") -> list[dict[str, Any]]:
    out = []
    for q in range(hours[0] * 4, hours[1] * 4):
        rate = per_quarter * (factor(q) if factor else 1)
        for _ in range(sum(rng.random() < rate / 50 for _ in range(50))):
            start = at(day, 0, q * 15) + rng.randrange(15 * 60_000)
            cid = f"{group}{start}{rng.random()}"
            out += [{"type": "conversation.started", "at": start, "conversation": cid,
                     "channel": channel, "group": group, "topic": topic(rng, q)},
                    {"type": "conversation.closed", "at": start + 60_000, "conversation": cid,
                     "by": "system"}]
    return out


def feed(account: Account, raw: list[dict[str, Any]], now: int) -> None:
    for i, e in enumerate(sorted(raw, key=lambda e: e["at"])):
        e = {"id": f"{e['at']}-{i}-{e.get('conversation', '')}", "account": "acme", **e}
        account.apply(decode_event(json.dumps(e), now)[1], now)


def weeks_of_history(tmp_path: Path, today: datetime, rng: random.Random
                     ) -> tuple[Account, Any]:
    store = open_store(tmp_path)
    account = Account("acme", TZ, 60)
    written: dict[tuple[int, str], int] = {}
    for back in range(28, 0, -1):
        day = today - timedelta(days=back)
        feed(account, conversations(day, "sales", 8, rng) + conversations(day, "support", 12, rng),
             at(day, 23, 59))
        store.save_series("acme", changed_row_days(account, at(day, 23, 59), written),
                          at(day, 23, 59))
    return account, store


def test_a_surge_and_a_drop_today_against_four_weeks(tmp_path: Path) -> None:
    rng = random.Random(7)
    today = datetime(2026, 11, 26, tzinfo=load_zone(TZ))
    account, store = weeks_of_history(tmp_path, today, rng)
    now = at(today, 14, 0)
    # Sales triples from 13:30; support stops at 13:30 (the site's support form broke).
    feed(account, conversations(today, "sales", 8, rng, (8, 14),
                                lambda q: 3 if q >= 13 * 4 + 2 else 1)
         + conversations(today, "support", 12, rng, (8, 13)), now)
    feed(account, conversations(today, "support", 12, rng, (13, 14),
                                lambda q: 1 if q < 13 * 4 + 2 else 0), now)
    got = {(r.report, r.id): r for r in trends("acme", account, store, now).rows}
    sales, support, total = got[("group", "sales")], got[("group", "support")], got[("total", None)]
    assert sales.status == "surge" and sales.weeks == 4
    # Its start, within a quarter hour of the true one (the quarters before are noisy too).
    assert sales.since is not None and sales.since[11:16] in ("13:15", "13:30", "13:45")
    assert sales.ratio is not None and sales.ratio > 2
    assert support.status == "drop" and support.arrived == 0
    assert support.since is not None and support.since[11:16] in ("13:15", "13:30", "13:45")
    # The same normal, but for the half conversation each row adds to every quarter.
    assert total.expected == pytest.approx(sales.expected + support.expected, abs=0.5)
    # The weeks are the same weekday's.
    assert trends("acme", account, store, now).weeks == [
        "2026-11-19", "2026-11-12", "2026-11-05", "2026-10-29"]


def test_without_history_it_says_so(tmp_path: Path) -> None:
    rng = random.Random(3)
    today = datetime(2026, 11, 26, tzinfo=load_zone(TZ))
    account = Account("acme", TZ, 60)
    now = at(today, 12)
    feed(account, conversations(today, "sales", 8, rng, (8, 12)), now)
    rows = trends("acme", account, open_store(tmp_path), now).rows
    assert rows and {r.status for r in rows} == {"not_enough_history"}


def test_local_quarters_align_dst_days_by_local_time() -> None:
    account = Account("acme", TZ, 60)
    cal = account.calendar
    short = cal.day_of(at(datetime(2026, 3, 29, tzinfo=load_zone(TZ)), 12))
    long = cal.day_of(at(datetime(2026, 10, 25, tzinfo=load_zone(TZ)), 12))
    assert local_quarters(cal, short)[8] == 12  # 02:00 is skipped: 03:00 is the 9th slot
    assert len(local_quarters(cal, short)) == 92
    quarters = local_quarters(cal, long)
    assert len(quarters) == 100 and quarters[12:16] == [None] * 4  # 02:00-03:00 again
    assert quarters[16] == 12  # 03:00


def test_a_campaign_report_against_four_weeks(tmp_path: Path) -> None:
    rng = random.Random(11)
    today = datetime(2026, 11, 26, tzinfo=load_zone(TZ))
    account, store = weeks_of_history(tmp_path, today, rng)
    now = at(today, 16, 0)
    # From 12:00 sales doubles; support stays as usual.
    feed(account, conversations(today, "sales", 8, rng, (8, 16),
                                lambda q: 2 if q >= 12 * 4 else 1)
         + conversations(today, "support", 12, rng, (8, 16)), now)
    campaign = Campaign("c1", "Radio", "2026-11-26T12:00:00+01:00", None,
                        [RowRef("group", "sales"), RowRef("group", "support")])
    report = campaign_report("acme", account, store, campaign, now)
    assert (report.from_, report.to) == ("2026-11-26T12:00:00.000+01:00",
                                         "2026-11-26T16:00:00.000+01:00")
    sales, support = report.rows
    assert sales.weeks == support.weeks == 4
    assert sales.expected == pytest.approx(8 * 16, rel=0.15)
    assert sales.ratio is not None and 1.6 < sales.ratio < 2.4
    assert sales.uplift_low is not None and sales.uplift_low > 0  # it worked
    assert support.uplift_low is not None and support.uplift_high is not None
    assert support.uplift_low < 0 < support.uplift_high  # nothing to tell from normal
    assert sales.arrived == sum(r.arrived for r in report.rows) - support.arrived
    # Conversations here are closed by the system a minute in: all lost, as every week.
    assert sales.unserved_share == 1.0 and sales.normal_unserved_share == 1.0


def test_hot_topics_against_their_usual_share(tmp_path: Path) -> None:
    rng = random.Random(5)
    today = datetime(2026, 11, 26, tzinfo=load_zone(TZ))
    account, store = weeks_of_history(tmp_path, today, rng)
    now = at(today, 15, 0)

    def broken(rng: random.Random, q: int) -> str:
        # From 14:00 deliveries go wrong: half of the support conversations are about them,
        # and a topic never seen before appears.
        if q >= 14 * 4 and rng.random() < 0.6:
            return rng.choice(("delivery", "delivery", "delivery", "courier lost"))
        return usual_topic(rng, q)

    feed(account, conversations(today, "sales", 8, rng, (8, 15))
         + conversations(today, "support", 12, rng, (8, 15), topic=broken)
         # A new channel: no week had topics there, so none of its topics is "new".
         + conversations(today, "sales", 2, rng, (13, 15), channel="app"), now)
    rows = {(r.report, r.id): r for r in hot_topics("acme", account, store, now).rows}
    support, sales = rows[("group", "support")], rows[("group", "sales")]
    assert support.weeks == 4 and support.count == sum(t.count for t in support.topics)
    by_topic = {t.topic: t for t in support.topics}
    assert by_topic["delivery"].status == "rising"
    assert by_topic["delivery"].ratio is not None and by_topic["delivery"].ratio > 1.5
    assert by_topic["courier lost"].status == "new"
    assert [t.topic for t in support.topics[:2]] == sorted(
        ["delivery", "courier lost"], key=lambda t: -(by_topic[t].ratio or 0))
    assert {t.status for t in sales.topics} == {"usual"}
    assert ("total", None) in rows
    # Channels have their hot topics too (the snapshot shows none of theirs).
    web = {t.topic: t for t in rows[("channel", "web")].topics}
    assert rows[("channel", "web")].weeks == 4
    assert web["delivery"].status == "rising" and web["courier lost"].status == "new"
    app = rows[("channel", "app")]
    assert app.weeks == 0 and app.count > 0 and {t.status for t in app.topics} == {None}


def test_the_day_charts_carry_each_rows_normal(tmp_path: Path) -> None:
    rng = random.Random(13)
    today = datetime(2026, 11, 26, tzinfo=load_zone(TZ))
    account, store = weeks_of_history(tmp_path, today, rng)
    now = at(today, 9, 0)
    feed(account, conversations(today, "sales", 8, rng, (8, 9)), now)
    charts = answer(DayChartsQuery(), AccountConfig("acme", TZ), account, store, now)
    assert isinstance(charts, DayCharts)
    total = next(r for r in charts.rows if r.report == "total")
    ten = charts.starts.index("10:00")
    assert len(total.normal) == len(charts.starts)
    # Twenty conversations a quarter in every week (sales 8, support 12), half a conversation
    # over four weeks on top; nobody at night.
    assert total.normal[ten] == pytest.approx(20, abs=5)
    assert total.normal[charts.starts.index("03:00")] == pytest.approx(0.125)
    sales = next(r for r in charts.rows if r.id == "sales")
    assert sales.normal[ten] == pytest.approx(8, abs=3)
    # The band: where nine ordinary quarters in ten fall, around the normal; at night, none
    # or one (an eighth of a conversation expected, from four weeks only).
    for row in (total, sales):
        low, high, centre = row.normal_low[ten], row.normal_high[ten], row.normal[ten]
        assert low is not None and high is not None and centre is not None
        assert low < centre < high
    assert total.normal_high[ten] - total.normal_low[ten] > sales.normal_high[ten] \
        - sales.normal_low[ten]
    assert (total.normal_low[charts.starts.index("03:00")],
            total.normal_high[charts.starts.index("03:00")]) == (0, 1)
