"""The registry of figures: consistent, and the dashboard's copy of it up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from wallboard.figures import (
    BY_NAME,
    COUNTER,
    FIGURES,
    PUBLISHED,
    SAMPLE,
    STATUSES,
    ChannelRow,
    Figure,
    GroupRow,
    TotalRow,
    typescript,
)

GENERATED = Path(__file__).resolve().parent.parent / "frontend" / "src" / "generated" / \
    "figures.ts"


def test_the_dashboards_copy_is_what_the_registry_writes() -> None:
    assert GENERATED.read_text(encoding="utf-8") == typescript(), (
        "frontend/src/generated/figures.ts is stale: run `make figures`")


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.name)
def test_every_figure_is_whole(figure: Figure) -> None:
    assert figure.en and figure.ru
    if figure.kind == "counter":
        assert figure.counter is not None and figure.sample is None
    if figure.kind == "gauge":
        assert figure.counter is None and figure.part_of is None
        # A gauge of v1 is sampled into the series; one of its own parts or a ratio is not.
        assert (figure.sample is not None) == (figure.since == "1")
        if figure.of is not None:
            assert all(BY_NAME[g].kind == "gauge" for g in figure.of)
        assert not figure.parts or figure.parts == STATUSES
    if figure.kind == "total":
        assert all(BY_NAME[p].kind == "counter" and BY_NAME[p].part_of == figure.name
                   for p in figure.parts)
    if figure.kind == "mean":
        assert figure.of is not None and all(BY_NAME[c].kind == "counter" for c in figure.of)
    if figure.part_of is not None:
        assert figure.name in BY_NAME[figure.part_of].parts


def test_places_are_dense_and_the_published_order_is_the_contracts() -> None:
    from wallboard.figures import TopicWindow, Window, Windows

    assert sorted(COUNTER.values()) == list(range(len(COUNTER)))
    assert sorted(SAMPLE.values()) == list(range(len(SAMPLE)))
    # METRICS.md sections 6 and 9: a row's keys in this order, the topics between the two
    # versions' keys in the total and group rows.
    v1 = ["in_queue", "in_work", "longest_wait_s", "arrived", "served", "unserved",
          "avg_wait_s", "wait_samples", "answered_within_sl", "operators_available",
          "slots_available"]
    v1_1 = ["operators", "held", "capacity", "occupancy"]
    assert [f.name for f in PUBLISHED] == v1 + v1_1
    assert list(TotalRow.__struct_fields__) == [*v1, "topics", *v1_1, "windows"]
    assert list(GroupRow.__struct_fields__) == ["id", "name", *v1, "topics", *v1_1, "windows"]
    assert list(ChannelRow.__struct_fields__) == ["id", "kind", "name", *v1, *v1_1, "windows"]
    # Section 8: a window's keys, the topics after the shares, then the window before it.
    period = ["arrived", "served", "unserved", "avg_wait_s", "wait_samples",
              "answered_within_sl", "service_level", "abandoned_share"]
    assert list(Window.__struct_fields__) == [*period, "previous"]
    assert list(TopicWindow.__struct_fields__) == [*period, "topics", "previous"]
    assert list(Windows.__struct_encode_fields__) == ["15m", "60m"]


def test_what_was_kept_before_a_figure_was_added_reads_it_as_zero() -> None:
    import msgspec

    from wallboard.engine.rows import Row
    from wallboard.figures import COUNTERS, GAUGE_SAMPLES
    from wallboard.history.series import _unpack

    # A row-day written when a row had fewer counters and gauges than now.
    blob = b"\x01" + msgspec.msgpack.encode(("total", None, None, [[3, 1, 2]], [[3, 4, 5]]))
    _, _, _, counters, gauges, topics = _unpack(blob)
    assert topics == []  # kept before topic hours
    assert counters == [[3, 1, 2] + [0] * (COUNTERS - 2)]
    assert gauges == [[3, 4, 5] + [0] * (GAUGE_SAMPLES - 2)]
    # An engine checkpointed then: its rows' lists are widened when it is loaded.
    row = Row()
    row.days[1] = [7]
    row.buckets[2] = [7, 8]
    row.gauges[2] = [1]
    row.widen()
    assert row.days[1] == [7] + [0] * (COUNTERS - 1)
    assert len(row.buckets[2]) == COUNTERS and len(row.gauges[2]) == GAUGE_SAMPLES
