"""The stream of accepted events in NATS JetStream: one stream, its subjects partitioned by
account (``partitions``), each event a message in the event log's own bytes
(``store.log_format``) with ``(account, event id)`` as its message id.

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
        await self._retried(lambda: self._js.add_stream(config))

    async def publish(self, account: str, events: Sequence[Event]) -> list[PubAck]:
        """Store every event; their acknowledgements, in order (``duplicate`` when the
        stream already had the message id). Raises ``TimeoutError`` past the deadline."""
        subject = subject_of(account, self._partitions)
        # An id twice in one batch is sent once: the copies are duplicates of the first.
        first: dict[str, int] = {}
        for index, ev in enumerate(events):
            first.setdefault(ev[EVENT_ID], index)
        sent = dict(zip(first.values(), await asyncio.gather(
            *(self._publish_one(subject, account, events[i]) for i in first.values())),
            strict=True))
        return [sent[index] if index in sent else
                dataclasses.replace(sent[first[ev[EVENT_ID]]], duplicate=True)
                for index, ev in enumerate(events)]

    async def _publish_one(self, subject: str, account: str, ev: Event) -> PubAck:
        headers = {"Nats-Msg-Id": message_id(account, ev[EVENT_ID])}
        body = event_body(ev)
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
