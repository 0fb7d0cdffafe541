"""Asking the engine worker that owns an account, once, for tools and tests that wait for an
owner to answer (the benchmark, the cluster tests). The api role maps each failure to the
single process's errors instead (``api_role.ClusterService``)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import nats.errors
from nats.aio.client import Client

from ..service.queries import Query
from .partitions import DEFAULT_PARTITIONS, ask_subject

__all__ = ["Owned", "ask_owner"]


@dataclass(frozen=True)
class Owned:
    data: bytes  # the answer, as ``service.queries.answer_bytes`` made it
    worker: str | None  # who answered (its ``Wb-Worker`` header)


async def ask_owner(nc: Client, account: str, query: Query,
                    partitions: int = DEFAULT_PARTITIONS, timeout: float = 2.0
                    ) -> Owned | None:
    """The owner's answer; None while no worker holds the account (none answers, or the one
    asked says it is not there) or when it could not answer."""
    try:
        reply = await nc.request(ask_subject(account, partitions), msgspec.json.encode(query),
                                 timeout=timeout)
    except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
        return None
    headers = reply.headers or {}
    if "Wb-Error" in headers:
        return None
    return Owned(bytes(reply.data), headers.get("Wb-Worker"))
