"""Local days: every instant maps to the date a wall clock in that zone shows (DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.engine.calendar import Calendar, load_zone

ZONES = ["Europe/Moscow", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
         "Asia/Kathmandu", "Pacific/Chatham", "America/Havana", "Africa/Monrovia",
         "America/Santiago", "Asia/Kolkata", "UTC"]
INSTANTS = st.integers(0, 4_102_444_800_000)  # 1970 .. 2100


def wall_date(zone: str, ms: int) -> int:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(load_zone(zone)) \
        .date().toordinal()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), INSTANTS)
def test_day_of_matches_the_wall_clock(zone: str, ms: int) -> None:
    cal = Calendar(zone)
    assert cal.day_of(ms) == wall_date(zone, ms)
    # And again from the cache, with neighbours that may sit across a boundary.
    for probe in (ms, ms - 1, ms + 1, ms + 899_999):
        assert cal.day_of(probe) == wall_date(zone, probe)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), INSTANTS)
def test_day_start_is_the_first_instant_of_the_day(zone: str, ms: int) -> None:
    cal = Calendar(zone)
    day = cal.day_of(ms)
    start = cal.day_start(day)
    assert start <= ms < cal.day_start(day + 1)
    assert wall_date(zone, start) == day and wall_date(zone, start - 1) == day - 1


@pytest.mark.parametrize(("zone", "date", "hours"), [
    ("America/New_York", (2026, 11, 1), 25),
    ("America/New_York", (2026, 3, 8), 23),
    ("Europe/Berlin", (2026, 10, 25), 25),
    ("Europe/Berlin", (2026, 3, 29), 23),
    ("Australia/Lord_Howe", (2026, 4, 5), 24.5),
    ("Australia/Lord_Howe", (2026, 10, 4), 23.5),
    ("Europe/Moscow", (2026, 11, 26), 24),
])
def test_day_lengths(zone: str, date: tuple[int, int, int], hours: float) -> None:
    cal = Calendar(zone)
    day = datetime(*date).toordinal()
    assert cal.day_start(day + 1) - cal.day_start(day) == hours * 3_600_000


def test_iso_keeps_milliseconds_and_the_offset_of_the_instant() -> None:
    cal = Calendar("America/New_York")
    assert cal.iso(1793511000123) == "2026-11-01T01:30:00.123-04:00"
    assert cal.iso(1793511000123 + 3_600_000) == "2026-11-01T01:30:00.123-05:00"


def test_a_date_the_zone_skipped_has_no_buckets_and_ends_nothing() -> None:
    # Samoa moved across the date line: 2011-12-29 was followed by 2011-12-31.
    apia = Calendar("Pacific/Apia")
    days = [date(2011, 12, d).toordinal() for d in (29, 30, 31)]
    assert [apia.slot_count(d) for d in days] == [96, 0, 96]
    assert apia.day_start(days[1]) == apia.day_start(days[2])
    assert Calendar("UTC").slot_count(date.max.toordinal()) == 96


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["Europe/Moscow", "America/New_York", "Australia/Lord_Howe",
                        "Asia/Kathmandu", "Pacific/Chatham", "Europe/Dublin", "UTC",
                        "America/St_Johns", "Africa/Monrovia"]),
       st.integers(-2_500_000_000_000, 4_000_000_000_000))
def test_iso_by_the_quarter_hour_is_what_the_zone_says(zone: str, ms: int) -> None:
    # The formatting cached per quarter hour of UTC equals the zone's own, second by second
    # around the instant (and through the odd offsets of the early twentieth century).
    cal = Calendar(zone)
    for at in (ms, ms + 1, ms + 59_999, ms - 1):
        local = datetime.fromtimestamp(at // 1000, UTC).astimezone(load_zone(zone))
        assert cal.iso(at) == local.replace(microsecond=at % 1000 * 1000).isoformat(
            timespec="milliseconds")
