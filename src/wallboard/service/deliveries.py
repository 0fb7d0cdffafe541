"""Sending what alerts owe: webhooks and Telegram messages, from the store's outbox.

A delivery is in the store before its first attempt (``alerts``), and stays pending until a
receiver takes it (any 2xx) or it has been tried ``delivery_attempts`` times, waiting 1, 2,
4 ... seconds (at most ``delivery_backoff_max_s``) between tries. Each receiver (a webhook's
address, a Telegram chat) gets one call at a time, its deliveries in the order they were
owed, so a firing never arrives after its resolution; receivers are called side by side, so
one that is slow or down delays no other. A call lasts at most ``delivery_timeout_s``.

At least once: a delivery whose answer was lost (the process stopped mid-call) is sent again
after a restart, with the same ``X-Wallboard-Delivery`` id for the receiver to drop it.

A webhook is a POST of JSON (``alerts.Payload``) with ``X-Wallboard-Timestamp`` (Unix seconds
at this attempt) and ``X-Wallboard-Signature: sha256=<hex>``, the HMAC-SHA256 with the rule's
secret of ``"<timestamp>.<body>"``: a receiver checks the signature and refuses an old
timestamp (a replay).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from ..store import SavedDelivery, Store
from .alerts import TelegramTarget, WebhookTarget
from .config import Limits

__all__ = ["TELEGRAM_API", "Deliverer", "signature"]

log = logging.getLogger("wallboard.deliveries")

TELEGRAM_API = "https://api.telegram.org"
_PENDING_READ = 1000  # pending deliveries looked at per round
_ROUND_S = 0.5  # a new or retried delivery waits at most this for its round

if TYPE_CHECKING:
    import httpx

_Target = WebhookTarget | TelegramTarget


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Wallboard-Signature`` header's value."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _receiver(target: _Target) -> str:
    """Who receives it: one call at a time each."""
    if isinstance(target, WebhookTarget):
        return "webhook " + target.url
    return f"telegram {target.chat_id} {hashlib.sha256(target.bot_token.encode()).hexdigest()}"


class Deliverer:
    """The task that sends every pending delivery; ``wake`` it when one is owed."""

    def __init__(self, store: Store, limits: Limits, clock: Callable[[], int],
                 telegram_api: str = TELEGRAM_API,
                 owns: Callable[[str], bool] = lambda account: True) -> None:
        self._store = store
        self._owns = owns  # an engine worker sends only its own accounts' deliveries
        self._limits = limits
        self._clock = clock
        self._telegram_api = telegram_api.rstrip("/")
        self._busy: dict[str, asyncio.Task[None]] = {}  # receiver -> its call now
        self._wake = asyncio.Event()
        self._client: httpx.AsyncClient | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        import httpx  # here: the command line imports the service, and needs no HTTP client

        self._client = httpx.AsyncClient(timeout=self._limits.delivery_timeout_s,
                                         trust_env=False, follow_redirects=False)
        try:
            while True:
                self._wake.clear()
                try:
                    self._start_due()
                except Exception:  # a bug or the store: said, and tried again next round
                    log.exception("reading the pending deliveries failed")
                # asyncio.timeout, not wait_for: Python 3.11's wait_for may lose a cancel that
                # comes as the wait ends, and this loop would then never stop (a worker's
                # stop hung on it once).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_ROUND_S):
                        await self._wake.wait()
        finally:
            for task in list(self._busy.values()):
                task.cancel()  # still pending in the store: sent again after the restart
            await asyncio.gather(*self._busy.values(), return_exceptions=True)
            await self._client.aclose()

    def _start_due(self) -> None:
        now = self._clock()
        seen: set[str] = set()
        for delivery in self._store.pending_deliveries(_PENDING_READ):
            if not self._owns(delivery.account):
                continue
            target = msgspec.json.decode(delivery.target, type=_Target)
            receiver = _receiver(target)
            if receiver in seen:
                continue  # a receiver's oldest first: the rest wait behind it
            seen.add(receiver)
            if receiver in self._busy or delivery.due_at > now:
                continue
            if len(self._busy) >= self._limits.deliveries_in_flight:
                return
            self._busy[receiver] = asyncio.get_running_loop().create_task(
                self._attempt(receiver, target, delivery))

    async def _attempt(self, receiver: str, target: _Target, delivery: SavedDelivery) -> None:
        import httpx

        try:
            try:
                problem = await self._send(target, delivery)
            except httpx.TimeoutException:
                problem = f"no answer within {self._limits.delivery_timeout_s:g} s"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            self._store.save_delivery(self._after(delivery, problem, receiver))
        finally:
            del self._busy[receiver]
            self._wake.set()

    def _after(self, delivery: SavedDelivery, problem: str | None, receiver: str
               ) -> SavedDelivery:
        now, attempts = self._clock(), delivery.attempts + 1
        if problem is None:
            return delivery._replace(state="delivered", attempts=attempts, last_error=None,
                                     updated_at=now)
        if attempts >= self._limits.delivery_attempts:
            log.warning("delivery %s to %s given up after %d attempts: %s", delivery.id,
                        receiver, attempts, problem)
            return delivery._replace(state="failed", attempts=attempts, last_error=problem,
                                     updated_at=now)
        wait_s = min(2.0 ** (attempts - 1), self._limits.delivery_backoff_max_s)
        log.warning("delivery %s to %s failed (%s), attempt %d; again in %g s", delivery.id,
                    receiver, problem, attempts, wait_s)
        return delivery._replace(attempts=attempts, due_at=now + round(wait_s * 1000),
                                 last_error=problem, updated_at=now)

    async def _send(self, target: _Target, delivery: SavedDelivery) -> str | None:
        """None when the receiver took it, else what went wrong."""
        assert self._client is not None
        if isinstance(target, WebhookTarget):
            timestamp = str(self._clock() // 1000)
            headers = {"Content-Type": "application/json", "User-Agent": "Wallboard-Alerts",
                       "X-Wallboard-Delivery": delivery.id, "X-Wallboard-Timestamp": timestamp}
            if target.secret is not None:
                headers["X-Wallboard-Signature"] = signature(target.secret, timestamp,
                                                             delivery.payload)
            reply = await self._client.post(target.url, content=delivery.payload,
                                            headers=headers)
            return None if reply.is_success else f"HTTP {reply.status_code}"
        reply = await self._client.post(
            f"{self._telegram_api}/bot{target.bot_token}/sendMessage",
            json={"chat_id": target.chat_id, "text": target.text})
        if not reply.is_success:
            return f"HTTP {reply.status_code}"
        try:
            ok = msgspec.json.decode(reply.content).get("ok") is True
        except (msgspec.DecodeError, AttributeError):
            ok = False
        return None if ok else "Telegram did not say ok"
