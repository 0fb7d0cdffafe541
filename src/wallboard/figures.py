"""The published figures: the types of a snapshot and of an intraday series.

Imported by every layer (the engine builds them, the service answers with them, the API
publishes their schema); it imports nothing of ours.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["Bucket", "ChannelRow", "Gauge", "GroupRow", "Report", "Series", "Snapshot",
           "TotalRow", "Unserved"]

Report = Literal["total", "channel", "group"]  # the kinds of report row


class Unserved(msgspec.Struct):
    total: int
    unassigned: int
    canceled: int
    missed: int


class _Figures(msgspec.Struct):
    in_queue: int | None
    in_work: int | None
    longest_wait_s: float | None
    arrived: int
    served: int
    unserved: Unserved
    avg_wait_s: float | None
    wait_samples: int
    answered_within_sl: int
    operators_available: int | None
    slots_available: int | None


class TotalRow(_Figures):
    topics: dict[str, int]


class ChannelRow(msgspec.Struct):
    id: str
    kind: str
    name: str | None
    # The figures repeated rather than inherited: msgspec puts inherited fields first, and the
    # contract wants id, kind and name ahead of them.
    in_queue: int | None
    in_work: int | None
    longest_wait_s: float | None
    arrived: int
    served: int
    unserved: Unserved
    avg_wait_s: float | None
    wait_samples: int
    answered_within_sl: int
    operators_available: int | None
    slots_available: int | None


class GroupRow(msgspec.Struct):
    id: str | None
    name: str | None
    in_queue: int | None
    in_work: int | None
    longest_wait_s: float | None
    arrived: int
    served: int
    unserved: Unserved
    avg_wait_s: float | None
    wait_samples: int
    answered_within_sl: int
    operators_available: int | None
    slots_available: int | None
    topics: dict[str, int]


class Snapshot(msgspec.Struct):
    account: str
    timezone: str
    date: str
    as_of: str
    sl_threshold_s: float
    total: TotalRow
    channels: list[ChannelRow]
    groups: list[GroupRow]


class Gauge(msgspec.Struct):
    """A gauge over a bucket: the highest and the mean of its samples."""

    peak: float
    mean: float


class Bucket(msgspec.Struct):
    start: str  # local time with the offset: a 25-hour day has two buckets at 01:00
    arrived: int
    served: int
    unserved: Unserved
    avg_wait_s: float | None
    wait_samples: int
    answered_within_sl: int
    gauge_samples: int  # how many times the gauges were sampled in the bucket
    in_queue: Gauge | None  # null when not sampled (a past moment the service did not see)
    in_work: Gauge | None
    operators_available: Gauge | None  # null in the no-group row, which has no operators
    slots_available: Gauge | None
    longest_wait_s: Gauge | None


class Series(msgspec.Struct):
    account: str
    timezone: str
    date: str
    report: Report
    id: str | None  # the channel or group; null for the total and the no-group row
    name: str | None
    bucket_minutes: int
    sl_threshold_s: float
    buckets: list[Bucket]
