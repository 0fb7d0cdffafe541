"""The event log's bytes: each event as the decoded tuple the engine consumes, versioned.

Format 1 (since release 0.2): one format byte, then msgpack of the tuple. Format 0 (release
0.1) is the msgpack alone; its first byte is msgpack's marker of a 7-item array (0x97), which
no format byte will ever be, so both are read. Tuples inside the event (the ``groups`` of an
operator or a channel) come back as tuples, as the engine compares them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..events import CHANNEL_UPDATED, OPERATOR_UPDATED, Event

__all__ = ["LOG_FORMAT", "event_body", "event_of"]

LOG_FORMAT = 1
_LEGACY = 0x97  # format 0: a bare msgpack array of 7 items
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(tuple[int, int, str, str, Any, Any, Any]).decode
_HEAD = bytes([LOG_FORMAT])


def event_body(ev: Event) -> bytes:
    return _HEAD + _encode(ev)


def event_of(body: bytes) -> Event:
    head = body[0]
    if head == LOG_FORMAT:
        ev = _decode(memoryview(body)[1:])
    elif head == _LEGACY:
        ev = _decode(body)
    else:
        raise ValueError(f"an event log body of format {head}, newer than this release")
    at, rank, event_id, subject, a, b, c = ev
    if rank == OPERATOR_UPDATED and b is not None:  # b: the operator's groups
        return at, rank, event_id, subject, a, tuple(b), c
    if rank == CHANNEL_UPDATED and c is not None:  # c: the channel's groups
        return at, rank, event_id, subject, a, b, tuple(c)
    return ev
