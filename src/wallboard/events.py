"""The event wire format (METRICS.md section 2): msgspec types, decoding and validation.

Decoding turns each event into a plain tuple ``(at, rank, id, subject, a, b, c)`` that the engine
consumes. Conversation events sort by their first three items, which is exactly the order of
METRICS.md section 3, so the engine can compare tuples directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Annotated, Any, Final, Literal, TypeAlias, get_args

import msgspec

__all__ = [
    "ACCOUNT_PATTERN",
    "AT",
    "CONVERSATION_RANKS",
    "EVENT_ID",
    "EVENT_TYPES",
    "FIELD_A",
    "FIELD_B",
    "FIELD_C",
    "FUTURE_BOUND_MS",
    "LAST_CONVERSATION_RANK",
    "RANK",
    "SUBJECT",
    "AheadOfClock",
    "Decoded",
    "Event",
    "EventError",
    "WireEvent",
    "decode_all",
    "decode_event",
    "decode_ndjson",
    "decode_ndjson_chunks",
    "decode_or_reject",
    "normalize",
    "parse_timestamp",
    "to_wire",
]

FUTURE_BOUND_MS = 5 * 60 * 1000
ACCOUNT_PATTERN = r"^[A-Za-z0-9_.-]+$"

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Name = Annotated[str, msgspec.Meta(max_length=256)]
# The character rule is checked in ``normalize`` against a cache of names already seen: a
# regular expression on every event costs more than all the rest of its validation.
AccountId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
MaxChats = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
ClosedBy = Literal["visitor", "operator", "system"]
Status = Literal["available", "busy", "away", "offline"]
Kind = Literal[
    "web_chat", "email", "telegram", "whatsapp", "viber", "vk", "facebook", "instagram",
    "ok", "sms", "api", "other", "mobile_chat", "offline_form", "callback",
]


class _Event(msgspec.Struct, tag_field="type", gc=False):
    id: Id
    account: AccountId
    # Either RFC 3339 with an offset or integer epoch milliseconds; parsed by ``normalize``.
    at: int | str


class ConversationStarted(_Event, tag="conversation.started"):
    conversation: Id
    channel: Id
    group: Id | None = None
    topic: Id | None = None


class ConversationQueued(_Event, tag="conversation.queued"):
    conversation: Id
    group: Id


class ConversationAssigned(_Event, tag="conversation.assigned"):
    conversation: Id
    operator: Id
    group: Id | None = None


class MessageVisitor(_Event, tag="message.visitor"):
    conversation: Id


class MessageOperator(_Event, tag="message.operator"):
    conversation: Id
    operator: Id | None = None


class ConversationVisitorLeft(_Event, tag="conversation.visitor_left"):
    conversation: Id


class ConversationClosed(_Event, tag="conversation.closed"):
    conversation: Id
    by: ClosedBy


class ConversationTopic(_Event, tag="conversation.topic"):
    conversation: Id
    topic: Id


class OperatorStatus(_Event, tag="operator.status"):
    operator: Id
    status: Status


class OperatorUpdated(_Event, tag="operator.updated"):
    operator: Id
    name: Name | None = None
    groups: list[Id] | None = None
    max_chats: MaxChats | None = None


class ChannelUpdated(_Event, tag="channel.updated"):
    channel: Id
    kind: Kind
    name: Name | None = None
    groups: list[Id] | None = None


class GroupUpdated(_Event, tag="group.updated"):
    group: Id
    name: Name | None = None


WireEvent: TypeAlias = (
    ConversationStarted | ConversationQueued | ConversationAssigned | MessageVisitor
    | MessageOperator | ConversationVisitorLeft | ConversationClosed | ConversationTopic
    | OperatorStatus | OperatorUpdated | ChannelUpdated | GroupUpdated
)

# Conversation event ranks are the order of METRICS.md section 3; the others only need to be
# distinct so that a tuple tells its type.
CONVERSATION_RANKS = {
    "conversation.started": 0,
    "conversation.queued": 1,
    "message.visitor": 2,
    "conversation.assigned": 3,
    "message.operator": 4,
    "conversation.topic": 5,
    "conversation.visitor_left": 6,
    "conversation.closed": 7,
}
STARTED, QUEUED, VISITOR_MSG, ASSIGNED, OPERATOR_MSG, TOPIC, VISITOR_LEFT, CLOSED = range(8)
LAST_CONVERSATION_RANK = CLOSED  # ranks up to this one are a conversation's events
OPERATOR_STATUS, OPERATOR_UPDATED, CHANNEL_UPDATED, GROUP_UPDATED = 10, 11, 12, 13
EVENT_TYPES = (*CONVERSATION_RANKS, "operator.status", "operator.updated", "channel.updated",
               "group.updated")

# (at ms, rank, id, subject, a, b, c): subject is the conversation, operator, channel or group;
# a, b, c hold the type's own fields (see ``normalize``). A plain tuple, for speed: use sites
# unpack it into names, or index it by these names.
Event: TypeAlias = tuple[int, int, str, str, Any, Any, Any]
AT: Final = 0
RANK: Final = 1
EVENT_ID: Final = 2
SUBJECT: Final = 3
FIELD_A: Final = 4
FIELD_B: Final = 5
FIELD_C: Final = 6


# An accepted event with the account it belongs to.
Decoded: TypeAlias = tuple[str, Event]


class EventError(ValueError):
    """One rejected event: ``field`` names what is wrong, ``problem`` says how."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f'"{field}": {problem}')
        self.field = field
        self.problem = problem


class AheadOfClock(EventError):
    """``at`` is further ahead of the receiver's clock than the contract allows: one of the
    two clocks is wrong, and the sender is told by how much (the service counts these)."""

    def __init__(self, ahead_ms: int, received_ms: int) -> None:
        clock = datetime.fromtimestamp(received_ms / 1000, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        super().__init__("at", f"more than 5 minutes ahead of the receiver's clock: by "
                         f"{ahead_ms / 1000:,.3f} s (the receiver's clock read {clock}); "
                         "the sender's clock, or the receiver's, is wrong")
        self.ahead_ms = ahead_ms


_decoder = msgspec.json.Decoder(WireEvent)
_list_decoder = msgspec.json.Decoder(list[WireEvent])

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))?",
    re.ASCII,  # RFC 3339 digits are ASCII; \d alone would take any script's digits
)
_MINUTES: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM" + offset -> epoch ms of that minute
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_MS = 253_402_300_800_000  # 10000-01-01T00:00:00Z


def _days_from_civil(y: int, m: int, d: int) -> int:
    # Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_timestamp(value: int | str) -> int:
    """RFC 3339 with an offset, or epoch milliseconds, to epoch ms (finer digits dropped)."""
    if isinstance(value, bool):
        raise EventError("at", "expected an integer or a string, got a boolean")
    if isinstance(value, int):
        if not 0 <= value < _MAX_MS:
            raise EventError("at", "epoch milliseconds out of range (1970..9999)")
        return value
    return _parse_text(value)


# The seconds and the millisecond fraction of the usual shape, read by a dict lookup: much
# cheaper than int(), and a key that is not there (a non-ASCII digit, second 60...) sends the
# value to the full parser, which is the check the lookup replaces.
_SECOND_MS = {f"{s:02d}": s * 1000 for s in range(60)}
_FRACTION_MS = {f"{f:03d}": f for f in range(1000)}


def _parse_text(value: str) -> int:
    # Fast path for the usual shape, YYYY-MM-DDTHH:MM:SS[.fff]Z or ...+HH:MM: events come in
    # bursts within the same minute, so the minute (checked once by the full parser) is cached
    # and only the seconds and the fraction are read here. Anything unusual, and every error,
    # goes through the full parser.
    n = len(value)
    if n >= 20 and value[-1] == "Z":
        end = n - 1
    elif n >= 25 and value[-3] == ":" and value[-6] in "+-":
        end = n - 6
    else:
        return _parse_rfc3339(value)
    second_ms = _SECOND_MS.get(value[17:19])
    if second_ms is None or value[16] != ":":
        return _parse_rfc3339(value)
    if end == 23 and value[19] == ".":  # milliseconds, the usual fraction
        fraction_ms = _FRACTION_MS.get(value[20:23])
        if fraction_ms is None:
            return _parse_rfc3339(value)
    elif end == 19:
        fraction_ms = 0
    else:
        fraction = value[20:end]
        if value[19] != "." or not fraction.isdigit() or not fraction.isascii():
            return _parse_rfc3339(value)
        fraction_ms = int((fraction + "00")[:3])
    key = value[:16] + value[end:]
    minute = _MINUTES.get(key)
    if minute is None:
        minute = _parse_rfc3339(value[:16] + ":00" + value[end:])
        if len(_MINUTES) >= 4096:
            _MINUTES.clear()
        _MINUTES[key] = minute
    ms = minute + second_ms + fraction_ms
    return ms if ms < _MAX_MS else _parse_rfc3339(value)


def _parse_rfc3339(value: str) -> int:
    m = _RFC3339.fullmatch(value)
    if m is None:
        raise EventError("at", "not an RFC 3339 timestamp or epoch milliseconds")
    y, mo, d, hh, mi, ss = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    if m.group(8) is None and m.group(9) is None:
        raise EventError("at", "timestamp has no UTC offset")
    leap = mo == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    if not (1 <= mo <= 12 and 1 <= d <= _DAYS_IN_MONTH[mo - 1] + leap and hh < 24 and mi < 60
            and ss < 60):
        raise EventError("at", "date or time out of range")
    offset_min = 0
    if m.group(9) is not None:
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            raise EventError("at", "UTC offset out of range")
        offset_min = oh * 60 + om
        if m.group(9) == "-":
            offset_min = -offset_min
    frac = m.group(7)
    ms = int((frac + "00")[:3]) if frac else 0
    seconds = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset_min * 60
    result = seconds * 1000 + ms
    if not 0 <= result < _MAX_MS:
        raise EventError("at", "timestamp out of range (1970..9999)")
    return result


def _sorted_unique(items: list[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(sorted(set(items)))


_ACCOUNT = re.compile(ACCOUNT_PATTERN)
_ACCOUNT_RULE = "expected 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-'"
_GOOD_ACCOUNTS: set[str] = set()


def normalize(ev: WireEvent, received_ms: int) -> Event:
    """Check what msgspec cannot (account characters, the timestamp) and flatten the event."""
    if ev.account not in _GOOD_ACCOUNTS:
        if _ACCOUNT.fullmatch(ev.account) is None:
            raise EventError("account", _ACCOUNT_RULE)
        if len(_GOOD_ACCOUNTS) >= 10_000:
            _GOOD_ACCOUNTS.clear()
        _GOOD_ACCOUNTS.add(ev.account)
    at = ev.at
    if isinstance(at, str):  # msgspec gives an int or a str
        at = _parse_text(at)
    elif not 0 <= at < _MAX_MS:  # epoch ms in range needs no parsing
        at = parse_timestamp(at)
    if at > received_ms + FUTURE_BOUND_MS:
        raise AheadOfClock(at - received_ms, received_ms)
    return _FLATTEN[type(ev)](ev, at)


# Each type flattened into the engine's tuple: (at, rank, id, subject, a, b, c).
_FLATTEN: dict[type[Any], Callable[[Any, int], Event]] = {
    ConversationStarted: lambda e, at: (at, STARTED, e.id, e.conversation, e.channel, e.group,
                                        e.topic),
    ConversationQueued: lambda e, at: (at, QUEUED, e.id, e.conversation, e.group, None, None),
    MessageVisitor: lambda e, at: (at, VISITOR_MSG, e.id, e.conversation, None, None, None),
    ConversationAssigned: lambda e, at: (at, ASSIGNED, e.id, e.conversation, e.operator, e.group,
                                         None),
    MessageOperator: lambda e, at: (at, OPERATOR_MSG, e.id, e.conversation, e.operator, None,
                                    None),
    ConversationTopic: lambda e, at: (at, TOPIC, e.id, e.conversation, e.topic, None, None),
    ConversationVisitorLeft: lambda e, at: (at, VISITOR_LEFT, e.id, e.conversation, None, None,
                                            None),
    ConversationClosed: lambda e, at: (at, CLOSED, e.id, e.conversation, e.by, None, None),
    OperatorStatus: lambda e, at: (at, OPERATOR_STATUS, e.id, e.operator, e.status, None, None),
    OperatorUpdated: lambda e, at: (at, OPERATOR_UPDATED, e.id, e.operator, e.name,
                                    _sorted_unique(e.groups), e.max_chats),
    ChannelUpdated: lambda e, at: (at, CHANNEL_UPDATED, e.id, e.channel, e.kind, e.name,
                                   _sorted_unique(e.groups)),
    GroupUpdated: lambda e, at: (at, GROUP_UPDATED, e.id, e.group, e.name, None, None),
}


_TYPE_OF_RANK = {**{rank: name for name, rank in CONVERSATION_RANKS.items()},
                 OPERATOR_STATUS: "operator.status", OPERATOR_UPDATED: "operator.updated",
                 CHANNEL_UPDATED: "channel.updated", GROUP_UPDATED: "group.updated"}
# The wire names of a, b, c for each rank (None: not used by that type).
_FIELDS_OF_RANK: dict[int, tuple[str, tuple[str | None, ...]]] = {
    STARTED: ("conversation", ("channel", "group", "topic")),
    QUEUED: ("conversation", ("group", None, None)),
    VISITOR_MSG: ("conversation", (None, None, None)),
    ASSIGNED: ("conversation", ("operator", "group", None)),
    OPERATOR_MSG: ("conversation", ("operator", None, None)),
    TOPIC: ("conversation", ("topic", None, None)),
    VISITOR_LEFT: ("conversation", (None, None, None)),
    CLOSED: ("conversation", ("by", None, None)),
    OPERATOR_STATUS: ("operator", ("status", None, None)),
    OPERATOR_UPDATED: ("operator", ("name", "groups", "max_chats")),
    CHANNEL_UPDATED: ("channel", ("kind", "name", "groups")),
    GROUP_UPDATED: ("group", ("name", None, None)),
}


def to_wire(account: str, ev: Event) -> dict[str, Any]:
    """An event back in the wire format (``at`` as epoch milliseconds), fields set only."""
    at, rank, event_id, subject, *own = ev
    subject_name, names = _FIELDS_OF_RANK[rank]
    out: dict[str, Any] = {"id": event_id, "type": _TYPE_OF_RANK[rank], "account": account,
                           "at": at, subject_name: subject}
    for name, value in zip(names, own, strict=True):
        if name is not None and value is not None:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


# --- rejection messages ---------------------------------------------------------------------

_ENUMS = {
    "type": EVENT_TYPES,
    "by": ("visitor", "operator", "system"),
    "status": ("available", "busy", "away", "offline"),
    "kind": get_args(Kind),
}
_JSON_TYPE_NAMES = {
    "str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean",
    "null": "null", "array": "an array", "object": "an object",
}
_AT_PATH = re.compile(r"^(.*) - at `\$(.*)`$", re.S)
_EXPECTED_GOT = re.compile(r"Expected `([^`]*)`, got `([^`]*)`")


def _type_words(spec: str) -> str:
    names = [_JSON_TYPE_NAMES.get(p.strip(), p.strip()) for p in spec.split("|")]
    return " or ".join(n for n in names if n != "null") or "null"


def _field_of(path: str) -> str:
    return path[1:] if path.startswith(".") else path or "event"


def _explain(err: msgspec.ValidationError) -> EventError:
    text = str(err)
    m = _AT_PATH.match(text)
    message, field = (m.group(1), _field_of(m.group(2))) if m else (text, "event")
    if message.startswith("Object missing required field"):
        name = message.split("`")[1]
        where = name if field == "event" else f"{field}.{name}"
        return EventError(where, "required field is missing")
    base = field.split("[")[0]
    if message.startswith(("Invalid enum value", "Invalid value")) and base in _ENUMS:
        return EventError(field, "expected one of " + ", ".join(_ENUMS[base]))
    if (g := _EXPECTED_GOT.match(message)) is not None:
        if field == "event":
            return EventError(field, f"expected a JSON object, got {_type_words(g.group(2))}")
        if base == "type":
            return EventError(field, "expected one of " + ", ".join(EVENT_TYPES))
        expected, got = _type_words(g.group(1)), _type_words(g.group(2))
        return EventError(field, f"expected {expected}, got {got}")
    if base == "account" and "of length" in message:
        return EventError(field, _ACCOUNT_RULE)
    if "of length >=" in message or "of length <=" in message:
        limits = "at most 256" if base == "name" else "1..128"
        return EventError(field, f"expected a string of {limits} characters")
    if message.startswith("Expected `int` >="):
        return EventError(field, "expected an integer >= 0")
    if message.startswith("Expected `int` <="):
        return EventError(field, "expected an integer <= 10000")
    if message.startswith("Expected `str`") and base == "type":
        return EventError(field, "expected one of " + ", ".join(EVENT_TYPES))
    return EventError(field, message[0].lower() + message[1:])


def decode_event(data: bytes | str | memoryview | msgspec.Raw, received_ms: int) -> Decoded:
    """Decode and validate one JSON object into ``(account, event)``.

    Raises ``EventError`` naming the field and the problem.
    """
    try:
        ev = _decoder.decode(data)
    except msgspec.ValidationError as err:
        raise _explain(err) from None
    except msgspec.DecodeError as err:
        raise EventError("event", f"malformed JSON ({err})") from None
    except UnicodeError:
        raise EventError("event", "malformed JSON (not valid UTF-8)") from None
    except RecursionError:  # callers that walk the body first never get here
        raise EventError("event", "malformed JSON (nested too deep)") from None
    return ev.account, normalize(ev, received_ms)


def decode_or_reject(data: bytes | memoryview | msgspec.Raw, received_ms: int
                     ) -> Decoded | EventError:
    """``decode_event``, with the rejection as the result instead of raised."""
    try:
        return decode_event(data, received_ms)
    except EventError as err:
        return err


def decode_all(data: bytes | memoryview, received_ms: int) -> list[Decoded | EventError] | None:
    """A JSON array in one call into msgspec, when every event in it passes msgspec (the usual
    case); None otherwise, for the caller to decode each event on its own."""
    try:
        decoded = _list_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError, RecursionError):
        return None
    return _normalized_all(decoded, received_ms)


def _normalized_all(decoded: list[WireEvent], received_ms: int) -> list[Decoded | EventError]:
    try:  # the usual case, all valid: no per-event try
        return [(ev.account, normalize(ev, received_ms)) for ev in decoded]
    except EventError:
        return [_normalized(ev, received_ms) for ev in decoded]


def _normalized(ev: WireEvent, received_ms: int) -> Decoded | EventError:
    try:
        return ev.account, normalize(ev, received_ms)
    except EventError as err:
        return err


def decode_ndjson(
    lines: Iterable[bytes], received_ms: int, chunk: int = 512
) -> Iterator[tuple[int, Decoded | EventError]]:
    """NDJSON: ``(line number, event or rejection)`` for each non-blank line, 1-based, in order."""
    for results in decode_ndjson_chunks(lines, received_ms, chunk):
        yield from results


def decode_ndjson_chunks(
    lines: Iterable[bytes], received_ms: int, chunk: int = 512
) -> Iterator[list[tuple[int, Decoded | EventError]]]:
    """``decode_ndjson`` a list at a time, for callers that loop over many lines.

    Lines are decoded ``chunk`` at a time as one JSON array (one call into msgspec instead of
    one per line). A chunk that does not decode is tried again without its blank lines, then
    line by line, so every line still gets its own result and message.
    """
    it = iter(lines)
    first = 1
    while batch := list(islice(it, chunk)):
        numbers: Sequence[int] = range(first, first + len(batch))
        first += len(batch)
        results = _decode_batch(numbers, batch, received_ms)
        if results is None:
            kept = [i for i, line in enumerate(batch) if line and not line.isspace()]
            if len(kept) < len(batch):  # blank lines, skipped: the others may all be good
                numbers = [numbers[i] for i in kept]
                batch = [batch[i] for i in kept]
                results = _decode_batch(numbers, batch, received_ms) if batch else []
            if results is None:
                results = [(n, decode_or_reject(line, received_ms))
                           for n, line in zip(numbers, batch, strict=True)]
        yield results


def _decode_batch(numbers: Sequence[int], batch: list[bytes], received_ms: int
                  ) -> list[tuple[int, Decoded | EventError]] | None:
    """Lines decoded in one call into msgspec; None unless every line held one event."""
    try:
        decoded = _list_decoder.decode(b"[" + b",".join(batch) + b"]")
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeError, RecursionError):
        return None
    # A line holding two values ("{...},{...}") would shift the others: the count tells.
    if len(decoded) != len(batch):
        return None
    return list(zip(numbers, _normalized_all(decoded, received_ms), strict=True))
