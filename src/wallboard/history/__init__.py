"""Daily history: whole local days of counters, from the live engine or from the store."""

from .days import CSV_HEADER, csv_rows, day_snapshots

__all__ = ["CSV_HEADER", "csv_rows", "day_snapshots"]
