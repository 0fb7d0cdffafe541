"""The ``wallboard`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from zoneinfo import ZoneInfoNotFoundError

from .engine import Account, build, encode
from .engine.calendar import load_zone
from .events import EventError, decode_ndjson, parse_timestamp

__all__ = ["main"]


def _timezone(value: str) -> str:
    try:
        load_zone(value)
    except ZoneInfoNotFoundError:
        raise argparse.ArgumentTypeError(f"unknown IANA time zone: {value!r}") from None
    return value


def _instant(value: str) -> int:
    try:
        return parse_timestamp(value)
    except EventError as err:
        raise argparse.ArgumentTypeError(f"{value!r}: {err.problem}") from None


def _threshold(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds <= 86_400:
        raise argparse.ArgumentTypeError("must be between 0 and 86400 seconds")
    return int(seconds) if seconds.is_integer() else seconds


def _replay(args: argparse.Namespace) -> int:
    account = Account(args.account, args.timezone, args.sl_threshold)
    now: int = args.now
    err = sys.stderr
    try:
        lines = open(args.events, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        err.write(f"wallboard replay: cannot read {args.events}: {exc.strerror}\n")
        return 2
    with lines:
        for number, item in decode_ndjson(lines, now):
            if isinstance(item, EventError):
                err.write(f"line {number}: {item}\n")
                continue
            owner, event = item
            if owner != args.account:
                continue  # another tenant's event: not an error, just not this snapshot
            if account.apply(event, now) == "conflict":
                err.write(f'line {number}: "id": {event[2]!r} was already used by an event with '
                          "different content; the first version stands\n")
    sys.stdout.buffer.write(encode(build(account, now)) + b"\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wallboard", description="Real-time monitoring for text-channel contact centers.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    replay = commands.add_parser(
        "replay", help="print one account's snapshot for an NDJSON file of events",
        description="Feed an NDJSON file of events to a fresh engine and print the account's "
                    "snapshot at --now as JSON. Invalid lines are reported on stderr (line "
                    "number and reason) and skipped.")
    replay.add_argument("events", metavar="EVENTS.ndjson", help="one event per line")
    replay.add_argument("--account", required=True, help="the account (tenant) id")
    replay.add_argument("--timezone", required=True, type=_timezone,
                        help="the account's IANA time zone, e.g. Europe/Moscow")
    replay.add_argument("--now", required=True, type=_instant,
                        help="RFC 3339 instant with offset: the snapshot moment and the "
                             "receiver clock for the 5-minute future bound")
    replay.add_argument("--sl-threshold", type=_threshold, default=60, metavar="S",
                        help="service-level threshold in seconds (default 60)")
    replay.set_defaults(run=_replay)

    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
