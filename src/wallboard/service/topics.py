"""Hot topics now: each topic's share of a row's conversations over the last hour against its
usual share at that time of day (the same local hours of the same weekday of the four weeks
before), so that "refund: 3.1 times usual, 42 in the last hour" stands out by mid-afternoon,
when the day's ranking no longer moves.

A topic is rising when its count is very unlikely under its usual share (a binomial tail
below ``ALPHA``) and at least ``MIN_RATIO`` times it; new when the weeks never had it and it
has ``MIN_NEW`` conversations already (one stray conversation is not news). The
usual share adds half a conversation to every topic the weeks or the hour have (so a rare one
is rare, not impossible). A week counts when the row had conversations with a topic at those
hours (a week before topics were sent, or before a channel's were kept, says nothing of them).
Channels' topics are not in the snapshot (METRICS.md section 5 counts them for the total and
the groups), but a topic hot in one channel (a broken checkout in the app) is news: the engine
keeps them for this.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from ..engine import Account
from ..figures import Report
from ..history import row_key
from ..store import Store
from .trends import normals

__all__ = ["HotTopics", "RowTopics", "TopicNow", "hot_topics"]

ALPHA = 1e-3
MIN_RATIO = 1.5
MIN_NEW = 3  # conversations of a topic the weeks never had before it is called new
_HOUR_MS = 3_600_000

TopicStatus = Literal["rising", "new", "usual"]


class TopicNow(msgspec.Struct):
    topic: str
    count: int  # conversations that started in the last hour with this topic
    share: float  # of the row's conversations with a topic in the last hour
    usual_share: float | None  # at this time of day; null without two weeks of history
    ratio: float | None  # share / usual share
    status: TopicStatus | None  # null without history


class RowTopics(msgspec.Struct):
    report: Report
    id: str | None
    count: int  # conversations with a topic in the last hour
    weeks: int  # weeks whose same hours had topics in this row (two are needed)
    topics: list[TopicNow]  # rising and new first (by ratio), then by count


class HotTopics(msgspec.Struct):
    account: str
    as_of: str
    rows: list[RowTopics]


def _binomial_above(count: int, trials: int, p: float) -> float:
    """P(X >= count) for X ~ Binomial(trials, p)."""
    if count <= 0:
        return 1.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    total, log_p, log_q = 0.0, math.log(p), math.log1p(-p)
    for k in range(count, trials + 1):
        term = math.exp(math.lgamma(trials + 1) - math.lgamma(k + 1) - math.lgamma(trials - k + 1)
                        + k * log_p + (trials - k) * log_q)
        total += term
        if k > trials * p and term < total * 1e-16:
            break
    return min(1.0, total)


def hot_topics(account_id: str, engine: Account, store: Store, now: int) -> HotTopics:
    """Every topic row's topics over the last hour against their usual share."""
    engine.move_windows(now)
    calendar = engine.calendar
    normal = normals(account_id, engine, store, calendar.day_of(now), now)
    # The local hours the last hour touches.
    hours = {int(calendar.iso(t, "minutes")[11:13]) for t in (now - _HOUR_MS + 1, now)}
    rows = []
    for report, row_id, row in engine.report_rows():
        sums = row.windows
        recent = {} if sums is None else dict(sums.topics[2])  # the last 60 minutes
        if report == "group" and row_id is None and not recent:
            continue
        before: dict[str, int] = {}
        had = 0  # the weeks with topics in the row at these hours
        kept = normal.topics.get(row_key(report, row_id), [])
        for hour in hours if kept else ():
            had |= kept[hour].weeks
            for topic, n in kept[hour].counts.items():
                before[topic] = before.get(topic, 0) + n
        weeks = had.bit_count()
        known = set(before) | set(recent)
        total_before = sum(before.values()) + 0.5 * len(known)
        count = sum(recent.values())
        topics = []
        for topic, n in recent.items():
            share = n / count
            if weeks < 2:
                topics.append(TopicNow(topic, n, share, None, None, None))
                continue
            usual_share = (before.get(topic, 0) + 0.5) / total_before
            ratio = share / usual_share
            status: TopicStatus = "usual"
            if topic not in before:
                status = "new" if n >= MIN_NEW else "usual"
            elif ratio >= MIN_RATIO and _binomial_above(n, count, usual_share) < ALPHA:
                status = "rising"
            topics.append(TopicNow(topic, n, share, usual_share, ratio, status))
        topics.sort(key=lambda t: (t.status not in ("rising", "new"), -(t.ratio or 0)
                                   if t.status in ("rising", "new") else -t.count, t.topic))
        rows.append(RowTopics(report, row_id, count, weeks, topics))
    return HotTopics(account_id, engine.calendar.iso(now), rows)

