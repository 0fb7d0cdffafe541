"""The event wire format (METRICS.md section 2): decoding, validation and rejection messages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.batch import BodyError, decode_array
from wallboard.events import (
    EVENT_TYPES,
    FUTURE_BOUND_MS,
    EventError,
    _parse_rfc3339,
    decode_event,
    decode_ndjson,
    decode_ndjson_chunks,
    parse_timestamp,
)

# The receiver's clock in every test: 2026-11-26T12:00:00Z.
RECEIVED = 1_795_694_400_000
# Told how far ahead, and what the receiver's clock read: a sender's clock ahead of ours
# shows itself at once.
AHEAD_BY_300_001 = ('"at": more than 5 minutes ahead of the receiver\'s clock: by 300.001 s (the '
                    'receiver\'s clock read 2026-11-26T12:00:00.000Z); the sender\'s clock, or '
                    'the receiver\'s, is wrong')
# 2026-11-26T09:00:00Z, the `at` of the base events below.
AT_MS = 1_795_683_600_000
AT = "2026-11-26T09:00:00Z"

ALL_TYPES = ", ".join(EVENT_TYPES)
ALL_KINDS = (
    "web_chat, email, telegram, whatsapp, viber, vk, facebook, instagram, ok, sms, api, other, "
    "mobile_chat, offline_form, callback"
)
ACCOUNT_CHARS = "expected 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-'"

# One minimal valid event of each type (required fields only).
MINIMAL: dict[str, dict[str, Any]] = {
    "conversation.started": {"conversation": "c1", "channel": "web"},
    "conversation.queued": {"conversation": "c1", "group": "g1"},
    "conversation.assigned": {"conversation": "c1", "operator": "op1"},
    "message.visitor": {"conversation": "c1"},
    "message.operator": {"conversation": "c1"},
    "conversation.visitor_left": {"conversation": "c1"},
    "conversation.closed": {"conversation": "c1", "by": "system"},
    "conversation.topic": {"conversation": "c1", "topic": "billing"},
    "operator.status": {"operator": "op1", "status": "available"},
    "operator.updated": {"operator": "op1"},
    "channel.updated": {"channel": "web", "kind": "web_chat"},
    "group.updated": {"group": "g1"},
}

_DROP = object()


def event(type_: str = "message.visitor", **fields: Any) -> dict[str, Any]:
    """A valid event of ``type_`` with ``fields`` overridden; ``_DROP`` removes a field."""
    ev: dict[str, Any] = {"id": "e1", "type": type_, "account": "acme", "at": AT}
    ev.update(MINIMAL[type_])
    for name, value in fields.items():
        if value is _DROP:
            ev.pop(name, None)
        else:
            ev[name] = value
    return ev


def encode(ev: Any) -> bytes:
    return json.dumps(ev).encode()


def rejection(data: bytes | str, received_ms: int = RECEIVED) -> EventError:
    with pytest.raises(EventError) as info:
        decode_event(data, received_ms)
    return info.value


def decode(ev: dict[str, Any], received_ms: int = RECEIVED) -> tuple[str, Any]:
    return decode_event(encode(ev), received_ms)


# --- rejections ---------------------------------------------------------------------------------

REJECTIONS = [
    # missing common fields
    pytest.param(event(id=_DROP), '"id": required field is missing', id="missing-id"),
    pytest.param(event(type=_DROP), '"type": required field is missing', id="missing-type"),
    pytest.param(event(account=_DROP), '"account": required field is missing',
                 id="missing-account"),
    pytest.param(event(at=_DROP), '"at": required field is missing', id="missing-at"),
    # missing type-specific fields
    pytest.param(event(conversation=_DROP), '"conversation": required field is missing',
                 id="missing-conversation"),
    pytest.param(event("conversation.started", channel=_DROP),
                 '"channel": required field is missing', id="missing-channel"),
    pytest.param(event("conversation.queued", group=_DROP),
                 '"group": required field is missing', id="missing-queued-group"),
    pytest.param(event("conversation.assigned", operator=_DROP),
                 '"operator": required field is missing', id="missing-operator"),
    pytest.param(event("conversation.closed", by=_DROP), '"by": required field is missing',
                 id="missing-by"),
    pytest.param(event("conversation.topic", topic=_DROP), '"topic": required field is missing',
                 id="missing-topic"),
    pytest.param(event("operator.status", status=_DROP), '"status": required field is missing',
                 id="missing-status"),
    pytest.param(event("channel.updated", kind=_DROP), '"kind": required field is missing',
                 id="missing-kind"),
    pytest.param(event("group.updated", group=_DROP), '"group": required field is missing',
                 id="missing-group"),
    # the type
    pytest.param(event(type="conversation.reopened"), f'"type": expected one of {ALL_TYPES}',
                 id="unknown-type"),
    pytest.param(event(type=""), f'"type": expected one of {ALL_TYPES}', id="empty-type"),
    pytest.param(event(type=5), f'"type": expected one of {ALL_TYPES}', id="type-number"),
    pytest.param(event(type=None), f'"type": expected one of {ALL_TYPES}', id="type-null"),
    pytest.param(event(type=["message.visitor"]), f'"type": expected one of {ALL_TYPES}',
                 id="type-array"),
    # wrong JSON types
    pytest.param(event(id=5), '"id": expected a string, got an integer', id="id-number"),
    pytest.param(event(id=None), '"id": expected a string, got null', id="id-null"),
    pytest.param(event(account=7), '"account": expected a string, got an integer',
                 id="account-number"),
    pytest.param(event(conversation=1.5), '"conversation": expected a string, got a number',
                 id="conversation-float"),
    pytest.param(event(conversation={"id": "c1"}),
                 '"conversation": expected a string, got an object', id="conversation-object"),
    pytest.param(event("conversation.closed", by=1), '"by": expected a string, got an integer',
                 id="by-number"),
    pytest.param(event("operator.updated", name=1), '"name": expected a string, got an integer',
                 id="name-number"),
    pytest.param(event("operator.updated", groups="g1"),
                 '"groups": expected an array, got a string', id="groups-string"),
    pytest.param(event("channel.updated", groups={"g1": True}),
                 '"groups": expected an array, got an object', id="groups-object"),
    pytest.param(event("operator.updated", max_chats=2.5),
                 '"max_chats": expected an integer, got a number', id="max-chats-float"),
    pytest.param(event("operator.updated", max_chats=2.0),
                 '"max_chats": expected an integer, got a number', id="max-chats-float-whole"),
    pytest.param(event("operator.updated", max_chats="3"),
                 '"max_chats": expected an integer, got a string', id="max-chats-string"),
    pytest.param(event("operator.updated", max_chats=True),
                 '"max_chats": expected an integer, got a boolean', id="max-chats-bool"),
    pytest.param(event(at=True), '"at": expected an integer or a string, got a boolean',
                 id="at-bool"),
    pytest.param(event(at=1.5e12), '"at": expected an integer or a string, got a number',
                 id="at-float"),
    pytest.param(event(at=None), '"at": expected an integer or a string, got null',
                 id="at-null"),
    pytest.param(event(at=[AT]), '"at": expected an integer or a string, got an array',
                 id="at-array"),
    # `groups` items (the index names the item)
    pytest.param(event("operator.updated", groups=["g1", 2]),
                 '"groups[1]": expected a string, got an integer', id="groups-item-number"),
    pytest.param(event("channel.updated", groups=["g1", "g2", None]),
                 '"groups[2]": expected a string, got null', id="groups-item-null"),
    pytest.param(event("operator.updated", groups=["", "g1"]),
                 '"groups[0]": expected a string of 1..128 characters', id="groups-item-empty"),
    # lengths
    pytest.param(event(id="x" * 129), '"id": expected a string of 1..128 characters',
                 id="id-too-long"),
    pytest.param(event(id=""), '"id": expected a string of 1..128 characters', id="id-empty"),
    pytest.param(event(conversation="c" * 129),
                 '"conversation": expected a string of 1..128 characters',
                 id="conversation-too-long"),
    pytest.param(event(conversation=""),
                 '"conversation": expected a string of 1..128 characters',
                 id="conversation-empty"),
    pytest.param(event("conversation.started", channel=""),
                 '"channel": expected a string of 1..128 characters', id="channel-empty"),
    pytest.param(event("conversation.started", topic="t" * 129),
                 '"topic": expected a string of 1..128 characters', id="optional-topic-too-long"),
    pytest.param(event("operator.updated", name="n" * 257),
                 '"name": expected a string of at most 256 characters', id="name-too-long"),
    pytest.param(event(account="a" * 65), f'"account": {ACCOUNT_CHARS}',
                 id="account-too-long"),
    pytest.param(event(account=""), f'"account": {ACCOUNT_CHARS}',
                 id="account-empty"),
    pytest.param(event(account="ac me"), f'"account": {ACCOUNT_CHARS}', id="account-space"),
    pytest.param(event(account="acme/eu"), f'"account": {ACCOUNT_CHARS}', id="account-slash"),
    pytest.param(event(account="acmé"), f'"account": {ACCOUNT_CHARS}', id="account-non-ascii"),
    # enums
    pytest.param(event("conversation.closed", by="bot"),
                 '"by": expected one of visitor, operator, system', id="by-unknown"),
    pytest.param(event("conversation.closed", by="Visitor"),
                 '"by": expected one of visitor, operator, system', id="by-wrong-case"),
    pytest.param(event("operator.status", status="lunch"),
                 '"status": expected one of available, busy, away, offline',
                 id="status-unknown"),
    pytest.param(event("channel.updated", kind="fax"), f'"kind": expected one of {ALL_KINDS}',
                 id="kind-unknown"),
    # numbers
    pytest.param(event("operator.updated", max_chats=-1),
                 '"max_chats": expected an integer >= 0', id="max-chats-negative"),
    pytest.param(event("operator.updated", max_chats=10_001),
                 '"max_chats": expected an integer <= 10000', id="max-chats-too-big"),
    # timestamps
    pytest.param(event(at="2026-11-26T09:00:00"), '"at": timestamp has no UTC offset',
                 id="at-naive"),
    pytest.param(event(at="2026-11-26T09:00:00.250"), '"at": timestamp has no UTC offset',
                 id="at-naive-fraction"),
    pytest.param(event(at="yesterday"),
                 '"at": not an RFC 3339 timestamp or epoch milliseconds', id="at-garbage"),
    pytest.param(event(at=""), '"at": not an RFC 3339 timestamp or epoch milliseconds',
                 id="at-empty"),
    pytest.param(event(at="2026-11-26"), '"at": not an RFC 3339 timestamp or epoch milliseconds',
                 id="at-date-only"),
    pytest.param(event(at="2026-11-26T09:00Z"),
                 '"at": not an RFC 3339 timestamp or epoch milliseconds', id="at-no-seconds"),
    pytest.param(event(at="2026-11-26T09:00:00.Z"),
                 '"at": not an RFC 3339 timestamp or epoch milliseconds', id="at-empty-fraction"),
    pytest.param(event(at="2026-11-26T09:00:00+0300"),
                 '"at": not an RFC 3339 timestamp or epoch milliseconds', id="at-offset-no-colon"),
    pytest.param(event(at=" 2026-11-26T09:00:00Z"),
                 '"at": not an RFC 3339 timestamp or epoch milliseconds', id="at-leading-space"),
    pytest.param(event(at="1795683600000"),
                 '"at": not an RFC 3339 timestamp or epoch milliseconds', id="at-epoch-as-string"),
    pytest.param(event(at="2026-02-30T09:00:00Z"), '"at": date or time out of range',
                 id="at-feb-30"),
    pytest.param(event(at="2100-02-29T09:00:00Z"), '"at": date or time out of range',
                 id="at-feb-29-not-leap-century"),
    pytest.param(event(at="2026-13-01T09:00:00Z"), '"at": date or time out of range',
                 id="at-month-13"),
    pytest.param(event(at="2026-00-10T09:00:00Z"), '"at": date or time out of range',
                 id="at-month-0"),
    pytest.param(event(at="2026-11-00T09:00:00Z"), '"at": date or time out of range',
                 id="at-day-0"),
    pytest.param(event(at="2026-11-26T24:00:00Z"), '"at": date or time out of range',
                 id="at-hour-24"),
    pytest.param(event(at="2026-11-26T09:60:00Z"), '"at": date or time out of range',
                 id="at-minute-60"),
    pytest.param(event(at="2026-11-26T09:00:60Z"), '"at": date or time out of range',
                 id="at-second-60"),
    pytest.param(event(at="2026-11-26T09:00:00+24:00"), '"at": UTC offset out of range',
                 id="at-offset-hours"),
    pytest.param(event(at="2026-11-26T09:00:00-03:60"), '"at": UTC offset out of range',
                 id="at-offset-minutes"),
    pytest.param(event(at="1969-12-31T23:59:59.999Z"),
                 '"at": timestamp out of range (1970..9999)', id="at-before-1970"),
    pytest.param(event(at="1970-01-01T00:30:00+01:00"),
                 '"at": timestamp out of range (1970..9999)', id="at-before-1970-by-offset"),
    pytest.param(event(at=-1), '"at": epoch milliseconds out of range (1970..9999)',
                 id="at-negative-epoch"),
    pytest.param(event(at=253_402_300_800_000),
                 '"at": epoch milliseconds out of range (1970..9999)', id="at-epoch-year-10000"),
    pytest.param(event(at=10**30), '"at": epoch milliseconds out of range (1970..9999)',
                 id="at-epoch-huge"),
    pytest.param(event(at=RECEIVED + FUTURE_BOUND_MS + 1), AHEAD_BY_300_001,
                 id="at-future-epoch"),
    pytest.param(event(at="2026-11-26T15:05:00.001+03:00"), AHEAD_BY_300_001,
                 id="at-future-string"),
    pytest.param(event(at="2026-11-26T16:00:00+03:00"),
                 '"at": more than 5 minutes ahead of the receiver\'s clock: by 3,600.000 s (the '
                 'receiver\'s clock read 2026-11-26T12:00:00.000Z); the sender\'s clock, or the '
                 'receiver\'s, is wrong', id="at-an-hour-ahead"),
]


@pytest.mark.parametrize(("ev", "message"), REJECTIONS)
def test_rejection_message(ev: dict[str, Any], message: str) -> None:
    err = rejection(encode(ev))
    assert str(err) == message
    assert message == f'"{err.field}": {err.problem}'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"[]", '"event": expected a JSON object, got an array', id="array"),
        pytest.param(b"[{}]", '"event": expected a JSON object, got an array', id="array-of-obj"),
        pytest.param(b"42", '"event": expected a JSON object, got an integer', id="integer"),
        pytest.param(b"4.2", '"event": expected a JSON object, got a number', id="float"),
        pytest.param(b'"hi"', '"event": expected a JSON object, got a string', id="string"),
        pytest.param(b"null", '"event": expected a JSON object, got null', id="null"),
        pytest.param(b"true", '"event": expected a JSON object, got a boolean', id="bool"),
        pytest.param(b'{"id":', '"event": malformed JSON (Input data was truncated)',
                     id="truncated"),
        pytest.param(b"", '"event": malformed JSON (Input data was truncated)', id="empty"),
    ],
)
def test_rejection_of_non_objects(data: bytes, message: str) -> None:
    err = rejection(data)
    assert str(err) == message
    assert err.field == "event"


def test_trailing_characters_are_malformed_json() -> None:
    # msgspec's own wording follows; its byte position is not pinned here.
    err = rejection(encode(event()) + b" x")
    assert str(err).startswith('"event": malformed JSON (JSON is malformed: trailing characters')


def test_malformed_json_names_the_event() -> None:
    err = rejection(b'{"id": "e1", "type": }')
    assert err.field == "event"
    assert err.problem.startswith("malformed JSON (")


def test_a_str_is_accepted_as_well_as_bytes() -> None:
    assert decode_event(json.dumps(event()), RECEIVED) == decode(event())
    assert str(rejection(json.dumps(event(by="x", type="conversation.closed")))) == (
        '"by": expected one of visitor, operator, system'
    )


def test_the_future_bound_is_inclusive() -> None:
    bound = RECEIVED + FUTURE_BOUND_MS
    assert decode(event(at=bound))[1][0] == bound
    # 12:05:00 UTC written at +03:00: exactly five minutes ahead.
    assert decode(event(at="2026-11-26T15:05:00+03:00"))[1][0] == bound
    assert decode(event(at="2026-11-26T15:05:00.000999+03:00"))[1][0] == bound
    assert str(rejection(encode(event(at=bound + 1)))) == AHEAD_BY_300_001


def test_the_future_bound_follows_received_ms() -> None:
    assert decode(event(at=AT_MS + FUTURE_BOUND_MS), received_ms=AT_MS)[1][0] == (
        AT_MS + FUTURE_BOUND_MS
    )
    with pytest.raises(EventError):
        decode(event(at=AT_MS + FUTURE_BOUND_MS + 1), received_ms=AT_MS)


def test_events_in_the_past_are_accepted() -> None:
    assert decode(event(at=0))[1][0] == 0
    assert decode(event(at="1970-01-01T00:00:00Z"))[1][0] == 0


# --- input that is not text, or not ASCII where ASCII is due ---------------------------------

INVALID_UTF8 = b'{"id":"\xff","type":"message.visitor","account":"acme","at":0,"conversation":"c1"}'
GOOD = encode(event(at=0))


def test_invalid_utf8_is_malformed_json() -> None:
    err = rejection(INVALID_UTF8)
    assert err.field == "event"
    assert err.problem.startswith("malformed JSON")


def test_invalid_utf8_spoils_only_its_own_event_in_a_batch() -> None:
    results = decode_many(b"[" + GOOD + b"," + INVALID_UTF8 + b"," + GOOD + b"]", RECEIVED)
    assert results[0] == results[2] == ("acme", (0, 2, "e1", "c1", None, None, None))
    assert isinstance(results[1], EventError)
    assert results[1].field == "event"


def test_invalid_utf8_spoils_only_its_own_ndjson_line() -> None:
    results = list(decode_ndjson([GOOD, INVALID_UTF8, GOOD], RECEIVED))
    assert [number for number, _ in results] == [1, 2, 3]
    assert isinstance(results[1][1], EventError)


def test_lone_surrogate_in_a_str_is_rejected() -> None:
    data = json.dumps(event(), ensure_ascii=False).replace('"e1"', '"\ud800"')
    err = rejection(data)
    assert err.field == "event"


@pytest.mark.parametrize(
    "at",
    [
        "２０２６-11-26T09:00:00Z",  # noqa: RUF001 - full-width digits on purpose
        "٢٠٢٦-11-26T09:00:00Z",  # Arabic-Indic digits
        "2026-11-26T09:00:00.٩٩٩Z",
    ],
)
def test_non_ascii_digits_in_timestamps_are_rejected(at: str) -> None:
    err = rejection(encode(event(at=at)))
    assert str(err) == '"at": not an RFC 3339 timestamp or epoch milliseconds'


# --- accepted input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "ms"),
    [
        pytest.param("2026-11-26T09:00:00Z", AT_MS, id="Z"),
        pytest.param("2026-11-26T09:00:00z", AT_MS, id="lower-z"),
        pytest.param("2026-11-26t09:00:00Z", AT_MS, id="lower-t"),
        pytest.param("2026-11-26t09:00:00z", AT_MS, id="lower-t-and-z"),
        pytest.param("2026-11-26 09:00:00Z", AT_MS, id="space-separator"),
        pytest.param("2026-11-26T09:00:00+00:00", AT_MS, id="plus-zero"),
        pytest.param("2026-11-26T09:00:00-00:00", AT_MS, id="minus-zero"),
        pytest.param("2026-11-26T12:00:00+03:00", AT_MS, id="plus-offset"),
        pytest.param("2026-11-26T14:30:00+05:30", AT_MS, id="half-hour-offset"),
        pytest.param("2026-11-26T04:00:00-05:00", AT_MS, id="minus-offset"),
        pytest.param("2026-11-25T09:01:00-23:59", AT_MS, id="largest-negative-offset"),
        pytest.param("2026-11-27T08:59:00+23:59", AT_MS, id="largest-positive-offset"),
        pytest.param("2026-11-26T09:00:00.2Z", AT_MS + 200, id="1-digit"),
        pytest.param("2026-11-26T09:00:00.25Z", AT_MS + 250, id="2-digits"),
        pytest.param("2026-11-26T09:00:00.250Z", AT_MS + 250, id="3-digits"),
        pytest.param("2026-11-26T09:00:00.9999Z", AT_MS + 999, id="4-digits-truncated"),
        pytest.param("2026-11-26T09:00:00.12345Z", AT_MS + 123, id="5-digits"),
        pytest.param("2026-11-26T09:00:00.999999Z", AT_MS + 999, id="6-digits-truncated"),
        pytest.param("2026-11-26T09:00:00.0019999Z", AT_MS + 1, id="7-digits-truncated"),
        pytest.param("2026-11-26T09:00:00.00099999Z", AT_MS, id="8-digits-truncated"),
        pytest.param("2026-11-26T09:00:00.999999999Z", AT_MS + 999, id="9-digits-truncated"),
        pytest.param("2026-11-26T12:00:00.250+03:00", AT_MS + 250, id="fraction-and-offset"),
        pytest.param("2026-11-26T09:00:00.05Z", AT_MS + 50, id="leading-zero-fraction"),
        pytest.param(AT_MS, AT_MS, id="epoch-ms"),
        pytest.param(AT_MS + 999, AT_MS + 999, id="epoch-ms-fraction"),
        pytest.param(0, 0, id="epoch-zero"),
        pytest.param("2028-02-29T09:00:00Z", 1_835_427_600_000, id="leap-day-2028"),
        pytest.param("2000-02-29T00:00:00Z", 951_782_400_000, id="leap-day-2000"),
        pytest.param("9999-12-31T23:59:59.999Z", 253_402_300_799_999, id="last-ms-of-9999"),
    ],
)
def test_parse_timestamp_accepts(at: int | str, ms: int) -> None:
    assert parse_timestamp(at) == ms


def test_decoded_at_is_the_parsed_timestamp() -> None:
    assert decode(event(at="2026-11-26T12:00:00.9999+03:00"))[1][0] == AT_MS + 999
    assert decode(event(at=AT_MS))[1][0] == AT_MS


def test_unknown_extra_fields_are_ignored() -> None:
    ev = event("conversation.closed", by="operator", extra="x", nested={"a": [1, {"b": None}]},
               version=2, channel=123)
    assert decode(ev) == ("acme", (AT_MS, 7, "e1", "c1", "operator", None, None))


def test_type_need_not_come_first() -> None:
    data = b'{"account":"acme","at":0,"conversation":"c1","id":"e1","type":"message.visitor"}'
    assert decode_event(data, RECEIVED) == ("acme", (0, 2, "e1", "c1", None, None, None))


def test_boundary_lengths_are_accepted() -> None:
    account, ev = decode(event(id="x" * 128, account="a" * 64, conversation="c" * 128))
    assert account == "a" * 64
    assert ev[2] == "x" * 128
    assert ev[3] == "c" * 128
    # Lengths count characters, not bytes.
    assert decode(event(id="é" * 128))[1][2] == "é" * 128
    assert decode(event("operator.updated", name="n" * 256))[1][4] == "n" * 256


def test_account_accepts_every_allowed_character() -> None:
    account = "AZaz09_.-"
    assert decode(event(account=account))[0] == account


@pytest.mark.parametrize(
    ("ev", "expected"),
    [
        pytest.param(event("conversation.started", group=None, topic=None),
                     (AT_MS, 0, "e1", "c1", "web", None, None), id="started"),
        pytest.param(event("conversation.assigned", group=None),
                     (AT_MS, 3, "e1", "c1", "op1", None, None), id="assigned"),
        pytest.param(event("message.operator", operator=None),
                     (AT_MS, 4, "e1", "c1", None, None, None), id="message.operator"),
        pytest.param(event("operator.updated", name=None, groups=None, max_chats=None),
                     (AT_MS, 11, "e1", "op1", None, None, None), id="operator.updated"),
        pytest.param(event("channel.updated", name=None, groups=None),
                     (AT_MS, 12, "e1", "web", "web_chat", None, None), id="channel.updated"),
        pytest.param(event("group.updated", name=None),
                     (AT_MS, 13, "e1", "g1", None, None, None), id="group.updated"),
    ],
)
def test_optional_fields_null_are_absent(ev: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert decode(ev) == ("acme", expected)
    absent = {name: value for name, value in ev.items() if value is not None}
    assert decode(absent) == ("acme", expected)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        pytest.param(["b", "a", "b", "c", "a"], ("a", "b", "c"), id="sorted-unique"),
        pytest.param(["g1"], ("g1",), id="one"),
        pytest.param([], (), id="empty"),
        pytest.param(["Z", "a", "_", "0"], ("0", "Z", "_", "a"), id="code-point-order"),
    ],
)
def test_groups_are_normalised(groups: list[str], expected: tuple[str, ...]) -> None:
    assert decode(event("operator.updated", groups=groups))[1][5] == expected
    assert decode(event("channel.updated", groups=groups))[1][6] == expected


# (at, rank, id, subject, a, b, c) for each of the twelve types, every field given.
FULL_TUPLES = [
    pytest.param(
        event("conversation.started", conversation="c9", channel="web", group="sales",
              topic="billing"),
        (AT_MS, 0, "e1", "c9", "web", "sales", "billing"), id="conversation.started"),
    pytest.param(
        event("conversation.queued", conversation="c9", group="sales"),
        (AT_MS, 1, "e1", "c9", "sales", None, None), id="conversation.queued"),
    pytest.param(
        event("message.visitor", conversation="c9"),
        (AT_MS, 2, "e1", "c9", None, None, None), id="message.visitor"),
    pytest.param(
        event("conversation.assigned", conversation="c9", operator="op7", group="sales"),
        (AT_MS, 3, "e1", "c9", "op7", "sales", None), id="conversation.assigned"),
    pytest.param(
        event("message.operator", conversation="c9", operator="op7"),
        (AT_MS, 4, "e1", "c9", "op7", None, None), id="message.operator"),
    pytest.param(
        event("conversation.topic", conversation="c9", topic="delivery"),
        (AT_MS, 5, "e1", "c9", "delivery", None, None), id="conversation.topic"),
    pytest.param(
        event("conversation.visitor_left", conversation="c9"),
        (AT_MS, 6, "e1", "c9", None, None, None), id="conversation.visitor_left"),
    pytest.param(
        event("conversation.closed", conversation="c9", by="visitor"),
        (AT_MS, 7, "e1", "c9", "visitor", None, None), id="conversation.closed"),
    pytest.param(
        event("operator.status", operator="op7", status="busy"),
        (AT_MS, 10, "e1", "op7", "busy", None, None), id="operator.status"),
    pytest.param(
        event("operator.updated", operator="op7", name="Anna", groups=["sales", "support"],
              max_chats=0),
        (AT_MS, 11, "e1", "op7", "Anna", ("sales", "support"), 0), id="operator.updated"),
    pytest.param(
        event("channel.updated", channel="tg", kind="telegram", name="Bot",
              groups=["support"]),
        (AT_MS, 12, "e1", "tg", "telegram", "Bot", ("support",)), id="channel.updated"),
    pytest.param(
        event("group.updated", group="sales", name="Sales"),
        (AT_MS, 13, "e1", "sales", "Sales", None, None), id="group.updated"),
]


@pytest.mark.parametrize(("ev", "expected"), FULL_TUPLES)
def test_tuple_of_each_type(ev: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert decode(ev) == ("acme", expected)


def test_every_type_is_covered() -> None:
    assert sorted(MINIMAL) == sorted(EVENT_TYPES)
    assert sorted(p.id for p in FULL_TUPLES) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_minimal_event_of_each_type_is_accepted(type_: str) -> None:
    account, ev = decode(event(type_, account="tenant-1"))
    assert account == "tenant-1"
    assert ev[0] == AT_MS
    assert ev[2] == "e1"


@pytest.mark.parametrize("value", ["visitor", "operator", "system"])
def test_every_closed_by_is_accepted(value: str) -> None:
    assert decode(event("conversation.closed", by=value))[1][4] == value


@pytest.mark.parametrize("value", ["available", "busy", "away", "offline"])
def test_every_status_is_accepted(value: str) -> None:
    assert decode(event("operator.status", status=value))[1][4] == value


@pytest.mark.parametrize("value", ALL_KINDS.split(", "))
def test_every_kind_is_accepted(value: str) -> None:
    assert decode(event("channel.updated", kind=value))[1][4] == value


@pytest.mark.parametrize("value", [0, 3, 10_000])
def test_max_chats_bounds_are_accepted(value: int) -> None:
    assert decode(event("operator.updated", max_chats=value))[1][6] == value


def test_conversation_events_sort_in_section_3_order() -> None:
    # Same `at`: the rank decides; same rank: the id decides.
    order = ["conversation.started", "conversation.queued", "message.visitor",
             "conversation.assigned", "message.operator", "conversation.topic",
             "conversation.visitor_left", "conversation.closed"]
    decoded = [decode(event(t))[1] for t in order]
    assert sorted(reversed(decoded)) == decoded
    a = decode(event(id="a"))[1]
    b = decode(event(id="b"))[1]
    earlier = decode(event("conversation.closed", id="z", at=AT_MS - 1))[1]
    assert sorted([b, a, earlier]) == [earlier, a, b]


# --- a JSON array of events (batch.decode_array) -----------------------------------------------


def decode_many(body: bytes, received_ms: int) -> list[Any]:
    return decode_array(body, received_ms, 10_000)


def test_decode_many_gives_per_event_results_in_order() -> None:
    body = json.dumps([
        event(id="e1", at=1),
        event(id="e2", at="2026-11-26T09:00:00"),
        event("conversation.closed", id="e3", by="nobody"),
        42,
        event("operator.status", id="e5", account="other", status="away"),
        event(id="e6", at=RECEIVED + FUTURE_BOUND_MS + 1),
    ]).encode()
    results = decode_many(body, RECEIVED)
    assert len(results) == 6
    assert results[0] == ("acme", (1, 2, "e1", "c1", None, None, None))
    assert isinstance(results[1], EventError)
    assert str(results[1]) == '"at": timestamp has no UTC offset'
    assert isinstance(results[2], EventError)
    assert str(results[2]) == '"by": expected one of visitor, operator, system'
    assert isinstance(results[3], EventError)
    assert str(results[3]) == '"event": expected a JSON object, got an integer'
    assert results[4] == ("other", (AT_MS, 10, "e5", "op1", "away", None, None))
    assert isinstance(results[5], EventError)
    assert str(results[5]).startswith('"at": more than 5 minutes ahead of the receiver\'s clock')


def test_decode_many_keeps_the_good_events_beside_one_with_a_bad_timestamp() -> None:
    # Every event passes msgspec, so only the timestamp check rejects the middle one.
    body = json.dumps([event(id="e1", at=1), event(id="e2", at="2026-11-26T09:00:00"),
                       event(id="e3", at=3)]).encode()
    results = decode_many(body, RECEIVED)
    assert results[0] == ("acme", (1, 2, "e1", "c1", None, None, None))
    assert str(results[1]) == '"at": timestamp has no UTC offset'
    assert results[2] == ("acme", (3, 2, "e3", "c1", None, None, None))


def test_decode_many_empty_array() -> None:
    assert decode_many(b"[]", RECEIVED) == []
    assert decode_many(b"  [ ]\n", RECEIVED) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"id": "e1"}', id="object"),
        pytest.param(encode(event()), id="single-event"),
        pytest.param(b"42", id="number"),
        pytest.param(b'"[]"', id="string"),
        pytest.param(b"null", id="null"),
    ],
)
def test_decode_many_rejects_a_body_that_is_not_an_array(body: bytes) -> None:
    with pytest.raises(BodyError) as info:
        decode_many(body, RECEIVED)
    assert info.value.field == "body"
    assert str(info.value) == '"body": expected a JSON array of events'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"[" + GOOD, '"body": malformed JSON (Input data was truncated)',
                     id="truncated"),
        pytest.param(b"", '"body": malformed JSON (Input data was truncated)', id="empty"),
    ],
)
def test_decode_many_rejects_a_malformed_body(body: bytes, message: str) -> None:
    with pytest.raises(BodyError) as info:
        decode_many(body, RECEIVED)
    assert info.value.field == "body"
    assert str(info.value) == message


def test_decode_many_trailing_comma_is_malformed() -> None:
    with pytest.raises(BodyError) as info:
        decode_many(b"[" + GOOD + b",]", RECEIVED)
    assert str(info.value).startswith('"body": malformed JSON (JSON is malformed: trailing comma')


def test_decode_many_malformed_body_starts_with_malformed_json() -> None:
    with pytest.raises(BodyError) as info:
        decode_many(b"[{]", RECEIVED)
    assert info.value.field == "body"
    assert info.value.problem.startswith("malformed JSON (")


# --- decode_ndjson ------------------------------------------------------------------------------


def test_decode_ndjson_numbers_lines_from_one_and_counts_blank_lines() -> None:
    lines = [
        encode(event(id="e1", at=1)) + b"\n",
        b"\n",
        b"   \t\r\n",
        b"not json\n",
        b"",
        encode(event("conversation.closed", id="e6", by="bot")) + b"\r\n",
        encode(event(id="e7", at=7)),
    ]
    results = list(decode_ndjson(lines, RECEIVED))
    assert [number for number, _ in results] == [1, 4, 6, 7]
    assert results[0][1] == ("acme", (1, 2, "e1", "c1", None, None, None))
    bad = results[1][1]
    assert isinstance(bad, EventError)
    assert bad.field == "event"
    assert bad.problem.startswith("malformed JSON (")
    assert isinstance(results[2][1], EventError)
    assert str(results[2][1]) == '"by": expected one of visitor, operator, system'
    assert results[3][1] == ("acme", (7, 2, "e7", "c1", None, None, None))


def test_decode_ndjson_is_lazy_by_chunks_and_accepts_any_iterable() -> None:
    def lines(n: int) -> Iterator[bytes]:
        for i in range(n):
            yield encode(event(id=f"e{i}", at=1))
        raise AssertionError("read past the chunk")

    stream = decode_ndjson(lines(1), RECEIVED, chunk=1)
    assert next(stream) == (1, ("acme", (1, 2, "e0", "c1", None, None, None)))
    stream = decode_ndjson(lines(3), RECEIVED, chunk=3)
    assert [number for number, _ in (next(stream), next(stream), next(stream))] == [1, 2, 3]


def test_decode_ndjson_chunks_give_each_line_its_own_result() -> None:
    good = [encode(event(id=f"e{i}", at=1)) for i in range(5)]
    two_on_one_line = good[0] + b"," + good[1]
    lines = [good[2], two_on_one_line, b"", good[3], b"[", good[4]]
    for chunk in (1, 2, 512):
        results = list(decode_ndjson(lines, RECEIVED, chunk=chunk))
        assert [number for number, _ in results] == [1, 2, 4, 5, 6]
        assert [isinstance(r, EventError) for _, r in results] == [False, True, False, True,
                                                                   False]


def test_decode_ndjson_chunks_with_blank_lines_keep_the_line_numbers() -> None:
    good = [encode(event(id=f"e{i}", at=i)) for i in range(4)]
    lines = [good[0], b"", good[1], b" \r\n", b"\n", good[2], good[3], b""]
    for chunk in (1, 3, 512):
        results = [r for part in decode_ndjson_chunks(lines, RECEIVED, chunk=chunk) for r in part]
        assert results == [(n, ("acme", (i, 2, f"e{i}", "c1", None, None, None)))
                           for i, n in enumerate((1, 3, 6, 7))]


def test_decode_ndjson_of_nothing() -> None:
    assert list(decode_ndjson([], RECEIVED)) == []
    assert list(decode_ndjson([b"", b"\n", b"  "], RECEIVED)) == []


# --- parse_timestamp against the standard library -----------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
fixed_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def _offset_text(dt: datetime, use_z: bool) -> str:
    offset = dt.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0 and use_z:
        return "Z"
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


@settings(max_examples=400, deadline=None)
@given(
    dt=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9999, 12, 30, 23, 59, 59),
        timezones=fixed_offsets,
    ),
    digits=st.integers(min_value=0, max_value=9),
    extra=st.text(alphabet="0123456789", min_size=3, max_size=3),
    use_z=st.booleans(),
)
def test_parse_timestamp_agrees_with_fromisoformat(
    dt: datetime, digits: int, extra: str, use_z: bool
) -> None:
    fraction = (f"{dt.microsecond:06d}" + extra)[:digits]
    text = (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
        + (f".{fraction}" if fraction else "")
        + _offset_text(dt, use_z)
    )
    expected = (datetime.fromisoformat(text) - EPOCH) // timedelta(milliseconds=1)
    assert parse_timestamp(text) == expected
    # The same instant at any other offset parses to the same ms.
    assert parse_timestamp(dt.astimezone(UTC).isoformat(timespec="milliseconds")) == (
        (dt - EPOCH) // timedelta(milliseconds=1)
    )


@settings(max_examples=500, deadline=None)
@given(
    st.tuples(st.integers(1960, 2100), st.integers(0, 13), st.integers(0, 32),
              st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)),
    st.sampled_from(["", ".", ".5", ".123", ".9999999", ".0000001"]),
    st.sampled_from(["Z", "+03:00", "-00:00", "+23:59", "+24:00", "-03:60", "+05:45", ""]),
)
def test_fast_and_full_timestamp_parsers_agree(
    fields: tuple[int, ...], fraction: str, offset: str
) -> None:
    text = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}".format(*fields) + fraction + offset

    def outcome(parse: Callable[[str], int]) -> int | str:
        try:
            return parse(text)
        except EventError as err:
            return str(err)

    assert outcome(parse_timestamp) == outcome(_parse_rfc3339)


@pytest.mark.parametrize("account", ["acme\n", "\nacme", "ac\tme", "acme "])
def test_account_with_whitespace_anywhere_is_rejected(account: str) -> None:
    raw = json.dumps({"id": "e1", "type": "group.updated", "account": account, "at": AT_MS,
                      "group": "g"})
    with pytest.raises(EventError) as err:
        decode_event(raw, RECEIVED)
    assert err.value.field == "account"
