"""IANA time zones, from the pinned ``tzdata`` package: every machine gets the same rules."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["load_zone"]

_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")


@cache
def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` from the pinned ``tzdata`` package, never from the machine.

    Raises ``ZoneInfoNotFoundError`` for a name that is not a zone.
    """
    if not _ZONE_NAME.fullmatch(name):
        raise ZoneInfoNotFoundError(f"not an IANA time zone name: {name!r}")
    entry = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    try:
        with entry.open("rb") as data:
            return ZoneInfo.from_file(data, key=name)
    except (OSError, ValueError):
        raise ZoneInfoNotFoundError(f"unknown IANA time zone: {name!r}") from None
