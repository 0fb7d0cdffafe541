"""The stream of accepted events in NATS JetStream: one stream, its subjects partitioned by
account (``partitions``), each event a message in the event log's own bytes
(``store.log_format``) with ``(account, event id, digest of the content)`` as its message id.

A publish is acknowledged once JetStream has stored the message on a majority of the
stream's replicas. When the stream's leader is lost, a publish gets no answer until another
node is elected: it is sent again with the same message id until ``deadline_s``, so an event
is stored once however often it was sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import PubAck, StorageType, StreamConfig
from nats.js.errors import APIError, NoStreamResponseError

from ..events import EVENT_ID, Event
from ..store.log_format import event_body
from .partitions import SUBJECTS, message_id, subject_of

__all__ = ["STREAM", "EventStream"]

STREAM = "WALLBOARD_EVENTS"
DUPLICATE_WINDOW_S = 120  # JetStream drops a message id seen within this
T = TypeVar("T")
_RETRYABLE = (nats.errors.TimeoutError, nats.errors.NoRespondersError, NoStreamResponseError)
# JetStream's answer to a message id another publish of the same id is still storing: asked
# again a moment later, it says whether that one was stored (a duplicate) or not.
_ID_IN_PROCESS = 10158
# ... and to a stream asked for on 3 replicas while a node of a cluster still forming (or
# restarting) is not there yet: asked again once it is.
_PEER_OFFLINE = 10005
_ASK_AGAIN = frozenset((_ID_IN_PROCESS, _PEER_OFFLINE))
# The stream is there with another configuration (an operator's own limits, replicas or
# duplicate window): it is used as it is.
_NAME_IN_USE = 10058


class EventStream:
    def __init__(self, js: JetStreamContext, partitions: int, deadline_s: float = 30) -> None:
        self._js = js
        self._partitions = partitions
        self._deadline_s = deadline_s

    async def ensure(self, replicas: int) -> None:
        """Create the stream if it is not there (waiting, up to the deadline, for a cluster
        still electing its leader)."""
        config = StreamConfig(name=STREAM, subjects=[SUBJECTS], num_replicas=replicas,
                              duplicate_window=DUPLICATE_WINDOW_S, storage=StorageType.FILE)
        try:
            await self._retried(lambda: self._js.add_stream(config))
        except APIError as exc:
            if exc.err_code != _NAME_IN_USE:
                raise

    async def publish(self, account: str, events: Sequence[Event]) -> list[PubAck]:
        """Store every event; their acknowledgements, in order (``duplicate`` when the
        stream already had the message id). Raises ``TimeoutError`` past the deadline.

        Events go concurrently, but the versions of one id in the order sent (the first
        stored first, as the single process's log would): in waves, the first version of
        each id, then the second, ... An exact copy within the batch is not sent again: it
        is a duplicate of the first."""
        subject = subject_of(account, self._partitions)
        bodies = [event_body(ev) for ev in events]
        first: dict[bytes, int] = {}  # a content -> where it first is
        waves: list[list[int]] = []
        versions: dict[str, int] = {}  # an id -> how many versions of it were seen
        for index, (ev, body) in enumerate(zip(events, bodies, strict=True)):
            if body in first:
                continue
            first[body] = index
            version = versions[ev[EVENT_ID]] = versions.get(ev[EVENT_ID], 0) + 1
            if len(waves) < version:
                waves.append([])
            waves[version - 1].append(index)
        sent: dict[int, PubAck] = {}
        for wave in waves:
            acks = await asyncio.gather(*(self._publish_one(
                subject, message_id(account, events[i][EVENT_ID], bodies[i]), bodies[i])
                for i in wave))
            sent.update(zip(wave, acks, strict=True))
        return [sent[index] if index in sent else
                dataclasses.replace(sent[first[body]], duplicate=True)
                for index, body in enumerate(bodies)]

    async def _publish_one(self, subject: str, msg_id: str, body: bytes) -> PubAck:
        headers = {"Nats-Msg-Id": msg_id}
        return await self._retried(
            lambda: self._js.publish(subject, body, timeout=2, headers=headers))

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` until it is answered, while no node leads (up to the deadline)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._deadline_s
        pause = 0.05
        while True:
            try:
                return await call()
            except APIError as exc:
                if exc.err_code not in _ASK_AGAIN or loop.time() + pause > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
            except _RETRYABLE:
                if loop.time() + pause > deadline:
                    raise TimeoutError(f"JetStream stored nothing for {self._deadline_s} s") \
                        from None
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
