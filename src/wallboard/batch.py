"""A request body of events: its limits checked before any per-event work, then decoded.

A hostile body must cost no more than an honest one of the same size. So before anything is
decoded, validated or given a rejection message, the body is walked once to find where each
event starts and ends, and the walk stops as soon as there are more events than the limit:
three million ``{}`` in a 10 MiB array are refused after the first ten thousand and one.

The walk is regular expressions over the bytes, so each step is one call into C:

- a usual event (an object whose values are scalars, strings without escapes, or flat lists and
  objects of those) is one match of ``_USUAL``;
- anything else is stepped through a token at a time: a string, a run of other characters, a
  run of opening or closing brackets (so any depth costs one step). That gives the nesting depth
  too: an event nested deeper than ``MAX_DEPTH`` is rejected on its own, without ever reaching
  the decoder (whose recursion would fail the whole batch).

Then the events are decoded as before: the whole array in one call into msgspec when every event
is valid, else each event on its own so that a bad one never fails the others.
"""

from __future__ import annotations

import re

import msgspec

from .events import Decoded, EventError, decode_all, decode_ndjson_chunks, decode_or_reject

__all__ = ["MAX_DEPTH", "BodyError", "Split", "decode_array", "decode_ndjson_body",
           "split_array", "split_ndjson", "too_deep"]

MAX_DEPTH = 64  # events nest 2 levels (an object holding `groups`); unknown fields may add some

_TOO_DEEP = EventError("event", f"JSON nested deeper than {MAX_DEPTH} levels")


class BodyError(Exception):
    """The whole body is refused: ``status`` 400 (not an array, malformed) or 413 (too many)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f'"body": {message}')
        self.status = status
        self.code = code
        self.field = "body"
        self.problem = message


class Split(msgspec.Struct):
    events: list[bytes]  # each event's JSON text, in order
    too_deep: frozenset[int]  # positions of the events nested deeper than MAX_DEPTH


_WS = re.compile(rb"[ \t\r\n]*+")
_BLANK = re.compile(rb"[ \t\r\n\x0b\x0c]*+")  # blank lines and a line's leading whitespace
# Strings without escapes are read whole, so a bracket inside one is never taken for structure;
# an escape sends the event to the token walk.
_STRING = rb'"[^"\\]*+"'
_FLAT = rb'[\[{](?:[^"{}\[\]\\]++|' + _STRING + rb')*+[\]}]'
_USUAL = re.compile(rb'(\{(?:[^"{}\[\]\\]++|' + _STRING + b"|" + _FLAT +
                    rb')*+\})[ \t\r\n]*+([,\]])')
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[^"\[\]{},]++|[\[{]++|[\]}]++|,', re.S)
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")
_COMMA, _END = ord(","), ord("]")
_SEPARATORS = frozenset(b",]")


class _Malformed(Exception):
    pass


def _skip(run: re.Pattern[bytes], data: bytes, pos: int, endpos: int | None = None) -> int:
    """Past a run of ``run`` (whitespace: it matches an empty run too)."""
    found = run.match(data, pos) if endpos is None else run.match(data, pos, endpos)
    assert found is not None
    return found.end()


def _value_end(data: bytes, pos: int, endpos: int) -> tuple[int, int]:
    """Where the JSON value at ``pos`` ends, and how deep it nests (0 for a scalar).

    Exact for valid JSON; for invalid JSON it finds an end or raises ``_Malformed``, and the
    decoder judges the value afterwards.
    """
    depth = deepest = 0
    match = _TOKEN.match
    while (token := match(data, pos, endpos)) is not None:
        first, end = data[pos], token.end()
        if first in _OPEN:
            depth += end - pos
            deepest = max(deepest, depth)
        elif first in _CLOSE:
            if end - pos >= depth:  # the run closes this value, and maybe what holds it
                if depth == 0:
                    raise _Malformed
                return pos + depth, deepest
            depth -= end - pos
        elif first == _COMMA:
            if depth == 0:
                raise _Malformed  # an empty value
        elif depth == 0:  # a string or a scalar (whose run took the spaces after it too)
            return len(data[pos:end].rstrip(b" \t\r\n")) + pos, 0
        pos = end
    raise _Malformed  # an unterminated string or container


def _complaint(data: bytes) -> str | None:
    """The decoder's own words for what is wrong with a body; None when it is valid JSON."""
    try:
        msgspec.json.decode(data, type=msgspec.Raw)
    except msgspec.DecodeError as err:
        return str(err)
    except RecursionError:
        return "nested too deep"
    return None


def _malformed(data: bytes) -> BodyError:
    """A body the walk could not follow, in the decoder's words where it has some."""
    complaint = _complaint(data) or "unexpected structure"
    return BodyError(400, "malformed", f"malformed JSON ({complaint})")


def _too_many(limit: int) -> BodyError:
    return BodyError(413, "too_many_events", f"more than {limit} events in one request")


def split_array(data: bytes, max_events: int) -> Split:
    """The events of a JSON array body; ``BodyError`` for anything else or more than
    ``max_events``."""
    pos, size = _skip(_WS, data, 0), len(data)
    if pos == size or data[pos] != ord("["):
        complaint = _complaint(data)
        raise BodyError(400, "malformed", "expected a JSON array of events" if complaint is None
                        else f"malformed JSON ({complaint})")
    pos = _skip(_WS, data, pos + 1)
    events: list[bytes] = []
    deep = []
    usual = _USUAL.match
    last = pos < size and data[pos] == _END
    if last:
        pos = _skip(_WS, data, pos + 1)
    while not last:
        # The usual event and what follows it, in one match.
        found = usual(data, pos)
        if found is not None:
            end, depth, after = found.end(1), 2, found.start(2)
        else:
            try:
                end, depth = _value_end(data, pos, size)
            except _Malformed:
                raise _malformed(data) from None
            after = _skip(_WS, data, end)
        if depth > MAX_DEPTH:
            deep.append(len(events))
        events.append(data[pos:end])
        if len(events) > max_events:
            raise _too_many(max_events)
        if after == size or data[after] not in _SEPARATORS:
            raise _malformed(data)
        last = data[after] == _END
        pos = _skip(_WS, data, after + 1)
    if pos != size:
        raise _malformed(data)
    return Split(events, frozenset(deep))


def split_ndjson(data: bytes, max_events: int) -> list[bytes]:
    """The non-blank lines of an NDJSON body (a line ends at "\\n"; a "\\r" before it is
    whitespace); ``BodyError`` beyond ``max_events`` of them."""
    lines: list[bytes] = []
    pos, size = 0, len(data)
    while (pos := _skip(_BLANK, data, pos)) < size:
        end = data.find(b"\n", pos)
        if end < 0:
            end = size
        lines.append(data[pos:end])
        if len(lines) > max_events:
            raise _too_many(max_events)
        pos = end + 1
    return lines


def too_deep(data: bytes) -> bool:
    """Whether a JSON text nests deeper than ``MAX_DEPTH`` (what else is wrong with it is the
    decoder's to say)."""
    return _deeper_than_allowed(data, 0, len(data))


def _deeper_than_allowed(data: bytes, pos: int, end: int) -> bool:
    # Text cannot nest deeper than it has opening brackets: most need no walk.
    return data.count(b"[", pos, end) + data.count(b"{", pos, end) > MAX_DEPTH and \
        _line_depth(data, pos, end) > MAX_DEPTH


def _line_depth(data: bytes, pos: int, end: int) -> int:
    """The deepest nesting from ``pos`` to ``end``, whatever else is wrong there."""
    deepest = 0
    while pos < end:
        try:
            pos, depth = _value_end(data, pos, end)
        except _Malformed:
            return 0  # not JSON: the decoder says so, with its own message
        deepest = max(deepest, depth)
        pos = _skip(_BLANK, data, pos, end)
        if pos < end and data[pos] == _COMMA:
            pos += 1
    return deepest


def _each(split: Split, received_ms: int) -> list[Decoded | EventError]:
    return [_TOO_DEEP if i in split.too_deep else decode_or_reject(event, received_ms)
            for i, event in enumerate(split.events)]


def _shallow(data: bytes, events: int, outer: int) -> bool:
    """Whether ``events`` decoded events of ``data`` surely nest at most ``MAX_DEPTH`` deep.

    Each event has an opening brace of its own, so the deepest has at most the body's opening
    brackets less the other events' braces (and less ``outer``, the array around them).
    """
    return data.count(b"{") + data.count(b"[") - outer - (events - 1) <= MAX_DEPTH


def decode_array(data: bytes, received_ms: int, max_events: int
                 ) -> list[Decoded | EventError]:
    """A JSON array of events: each event's result, in order. ``BodyError`` refuses it all."""
    # The usual case in one call into msgspec: it decodes no more events than the body has
    # opening braces, so with no more braces than the limit the work is bounded already.
    if data.count(b"{") <= max_events:
        every = decode_all(data, received_ms)
        if every is not None and _shallow(data, len(every), 1):
            return every
    split = split_array(data, max_events)
    return _each(split, received_ms)


def decode_ndjson_body(data: bytes, received_ms: int, max_events: int
                       ) -> list[Decoded | EventError]:
    """An NDJSON body: each non-blank line's result, in order. ``BodyError`` refuses it all.

    Each line is decoded on its own, so no line can make the decoder recurse into another; a
    line the decoder took is then refused if it nests deeper than ``MAX_DEPTH`` (a line that
    failed is refused already, however deep).
    """
    # No more lines than the limit, blank ones included: split at once (at "\n": splitlines
    # would also cut at a lone "\r", past the count); else count them first.
    lines = (data.split(b"\n") if data.count(b"\n") < max_events
             else split_ndjson(data, max_events))
    out: list[Decoded | EventError] = []
    for part in decode_ndjson_chunks(lines, received_ms):
        for number, item in part:
            out.append(_TOO_DEEP if not isinstance(item, EventError) and
                       too_deep(lines[number - 1]) else item)
    return out
