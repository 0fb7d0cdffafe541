"""A request body split into events, its limits checked before any per-event work."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.batch import (
    MAX_DEPTH,
    BodyError,
    decode_array,
    decode_ndjson_body,
    split_array,
    split_ndjson,
    too_deep,
)
from wallboard.events import EventError

RECEIVED = 1_795_694_400_000
GOOD = json.dumps({"id": "e1", "type": "conversation.started", "account": "acme",
                   "at": "2026-11-26T09:00:00Z", "conversation": "c1",
                   "channel": "web"}).encode()
# Text that trips a naive splitter: brackets, braces, commas, quotes and escapes in strings.
TRICKY = st.text(alphabet='ab[]{},:"\\/ \n\tщ\u2028', max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                                                                       allow_infinity=False)
    | TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY, inner, max_size=4),
    max_leaves=20)
LAYOUT = st.sampled_from([{}, {"separators": (",", ":")}, {"indent": 2},
                          {"separators": (" , ", " : ")}])


def reference(body: bytes) -> list[bytes]:
    """What a real JSON parser says the elements are."""
    return [bytes(raw) for raw in msgspec.json.decode(body, type=list[msgspec.Raw])]


@settings(max_examples=400, deadline=None)
@given(st.lists(JSON, max_size=6), LAYOUT)
def test_the_walk_finds_the_same_elements_as_a_json_parser(values: list[Any],
                                                           layout: dict[str, Any]) -> None:
    body = json.dumps(values, ensure_ascii=False, **layout).encode()
    split = split_array(body, 100)
    assert split.events == reference(body)
    assert not split.too_deep


@settings(max_examples=200, deadline=None)
@given(st.lists(JSON, min_size=1, max_size=6))
def test_ndjson_lines_are_the_lines(values: list[Any]) -> None:
    lines = [json.dumps(v, ensure_ascii=False).encode() for v in values]
    body = b"\n\n".join(lines) + b"\r\n  \n"
    assert [line.rstrip() for line in split_ndjson(body, 100)] == lines


def test_the_count_is_checked_before_the_rest_is_read() -> None:
    # Garbage after the 11th element: a walk that went on would call the body malformed.
    body = b"[" + b"{}," * 11 + b'{"unterminated'
    with pytest.raises(BodyError) as info:
        split_array(body, 10)
    assert (info.value.status, info.value.code, info.value.field) == (413, "too_many_events",
                                                                      "body")
    assert split_array(b"[" + b",".join([b"{}"] * 10) + b"]", 10).events == [b"{}"] * 10


def test_three_million_tiny_elements_are_refused_as_too_many() -> None:
    for body in (b"[" + b",".join([b"{}"] * 3_400_000) + b"]",
                 b"[" + b",".join([b"1"] * 4_000_000) + b"]"):
        with pytest.raises(BodyError) as info:
            decode_array(body, RECEIVED, 10_000)
        assert info.value.status == 413
        assert info.value.problem == "more than 10000 events in one request"


def test_ndjson_lines_are_counted_before_they_are_decoded() -> None:
    with pytest.raises(BodyError) as info:
        split_ndjson(b"{}\n" * 11 + b"\xff not json at all", 10)
    assert info.value.status == 413
    # Blank lines are not events: a million of them cost nothing and count for nothing.
    assert decode_ndjson_body(b"\n \r\n" * 1_000_000 + GOOD, RECEIVED, 1)[0][0] == "acme"


def nested(depth: int) -> bytes:
    """GOOD with an unknown field that makes the event ``depth`` levels deep."""
    return GOOD[:-1] + b', "extra": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_an_event_nested_too_deep_is_rejected_alone() -> None:
    assert not too_deep(nested(MAX_DEPTH)) and too_deep(nested(MAX_DEPTH + 1))
    for decode, body in ((decode_array, b"[" + b",".join([GOOD, nested(MAX_DEPTH + 1), GOOD,
                                                           nested(100_000)]) + b"]"),
                         (decode_ndjson_body, b"\n".join([GOOD, nested(MAX_DEPTH + 1), GOOD,
                                                          nested(100_000)]))):
        results = decode(body, RECEIVED, 10)
        assert [isinstance(r, EventError) for r in results] == [False, True, False, True]
        assert str(results[1]) == f'"event": JSON nested deeper than {MAX_DEPTH} levels'
    # Up to the limit an unknown field, however nested, is ignored like any other.
    assert decode_array(b"[" + nested(MAX_DEPTH) + b"]", RECEIVED, 10)[0][0] == "acme"


def test_a_whole_body_nested_deep_is_one_rejected_event_not_a_crash() -> None:
    body = b"[" * 500_000 + b"]" * 500_000
    assert [str(r) for r in decode_array(body, RECEIVED, 10)] == [
        f'"event": JSON nested deeper than {MAX_DEPTH} levels']
    with pytest.raises(BodyError) as info:
        decode_array(b"{" * 500_000, RECEIVED, 10)
    assert info.value.status == 400 and info.value.problem.startswith("malformed JSON")


@pytest.mark.parametrize(("body", "message"), [
    (b"", "malformed JSON (Input data was truncated)"),
    (b"[", "malformed JSON (Input data was truncated)"),
    (b"[" + GOOD, "malformed JSON (Input data was truncated)"),
    (b"[" + GOOD + b",]", "malformed JSON (JSON is malformed: trailing comma in array (byte "
                          f"{len(GOOD) + 2}))"),
    (b"[,]", "malformed JSON (JSON is malformed: invalid character (byte 1))"),
    (b'["a" "b"]', "malformed JSON (JSON is malformed: expected ',' or ']' (byte 5))"),
    (b"[] x", "malformed JSON (JSON is malformed: trailing characters (byte 4))"),
    (b'{"id": "e1"}', "expected a JSON array of events"),
    (b"null", "expected a JSON array of events"),
])
def test_a_body_that_is_not_an_array_of_events(body: bytes, message: str) -> None:
    with pytest.raises(BodyError) as info:
        decode_array(body, RECEIVED, 10)
    assert (info.value.status, info.value.field, info.value.problem) == (400, "body", message)


def test_a_malformed_event_between_good_ones_is_rejected_alone() -> None:
    results = decode_array(b"[" + GOOD + b', {"id": tru}, ' + GOOD + b"]", RECEIVED, 10)
    assert [isinstance(r, EventError) for r in results] == [False, True, False]
    assert str(results[1]).startswith('"event": malformed JSON (')


def test_an_ndjson_line_ends_at_a_line_feed_only() -> None:
    # A lone "\r" does not end a line: 20,000 events joined by it are one (bad) line, not
    # twenty thousand events past a limit of ten thousand.
    results = decode_ndjson_body(b"\r".join([GOOD] * 20_000), RECEIVED, 10_000)
    assert len(results) == 1 and isinstance(results[0], EventError)
    assert len(decode_ndjson_body(b"{}\r" * 1_000_000, RECEIVED, 10_000)) == 1
    # "\r\n" ends a line as "\n" does (the "\r" is whitespace).
    assert [r[0] for r in decode_ndjson_body(GOOD + b"\r\n" + GOOD + b"\r\n", RECEIVED, 2)] \
        == ["acme", "acme"]
