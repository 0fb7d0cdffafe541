"""History: whole local days of counters and their intraday series, from the live engine or
from the store."""

from .days import CSV_HEADER, csv_rows, day_snapshots
from .series import (
    SERIES_CSV_HEADER,
    changed_row_days,
    read_all_compact,
    read_series,
    restore_gauges,
    row_key,
    row_of,
    series_csv,
)

__all__ = ["CSV_HEADER", "SERIES_CSV_HEADER", "changed_row_days", "csv_rows", "day_snapshots",
           "read_all_compact", "read_series", "restore_gauges", "row_key", "row_of",
           "series_csv"]
