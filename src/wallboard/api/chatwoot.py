"""The Chatwoot connector's routes (docs/chatwoot.md): its setup (admin), and the webhook
Chatwoot calls, ``POST /api/v1/connectors/chatwoot/{account}``.

The webhook is checked as the ingest route checks a request, cheapest first: the account has
a connector, the signature and timestamp headers are there, the timestamp is fresh, all
before a byte of the body is read; then the body (up to the ingest limit) and its signature.
A delivery id seen lately is answered at once. The payload is translated
(``connectors.chatwoot.mapping``) with what the connector remembers of the conversation, one
webhook of an account at a time, and the events go through the same checks and log as those
of ``POST /api/v1/events``; what to remember is saved once they are stored. Each refusal is a
401 naming the header at fault, and a log line.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, get, post, put
from litestar.openapi import ResponseSpec

from ..connectors.chatwoot.mapping import (
    CONNECTOR,
    LIVE_KEY,
    Translation,
    keys_of,
    live_of,
    translate,
)
from ..connectors.chatwoot.payloads import Conversation, Message, Webhook
from ..connectors.chatwoot.roster import (
    LIVE_EVENT,
    ROSTER_EVENT,
    Roster,
    roster_keys,
    translate_roster,
)
from ..connectors.chatwoot.setup import SETTING, ChatwootSetup, hide_secret
from ..connectors.chatwoot.signature import signature_matches, stamp_problem
from ..events import ACCOUNT_PATTERN, EventError, decode_event
from ..service import Busy, NotReady, OldestAcceptedQuery
from .auth import account_of, admin_only, service_of
from .errors import ApiError, ErrorBody
from .ingest import read_body
from .params import AUTH_ERRORS, BODY_ERRORS, reject_deep_json

__all__ = ["chatwoot_routes"]

log = logging.getLogger("wallboard.chatwoot")

DELIVERIES_KEPT = 10_000  # delivery ids remembered per process, to answer a resend at once
_CONVERSATION_EVENTS = ("conversation_created", "conversation_status_changed",
                        "conversation_updated")
_MESSAGE_EVENTS = ("message_created", "message_updated")
_ACCOUNT = ACCOUNT_PATTERN.strip("^$")


class ChatwootReply(msgspec.Struct):
    event: str  # Chatwoot's
    accepted: int  # Wallboard events it gave, by what became of them
    duplicate: int
    conflict: int
    rejected: int
    ignored: bool = False  # an event the connector does not use, or a delivery seen already
    live: list[int] | None = None  # to ``wallboard_live``: the conversations live here


class _Door:
    """Per process: one webhook of an account at a time, and the deliveries seen lately."""

    def __init__(self) -> None:
        self.locks: dict[str, asyncio.Lock] = {}
        self.done: OrderedDict[str, None] = OrderedDict()  # deliveries fully handled

    def seen(self, account: str, delivery: str) -> bool:
        return f"{account}/{delivery}" in self.done

    def note(self, account: str, delivery: str) -> None:
        self.done[f"{account}/{delivery}"] = None
        if len(self.done) > DELIVERIES_KEPT:
            self.done.popitem(last=False)


def _door(request: Request[Any, Any, Any]) -> _Door:
    state = request.app.state
    door = state.get("chatwoot")
    if door is None:
        door = state["chatwoot"] = _Door()
    assert isinstance(door, _Door)
    return door


def _refuse(account: str, code: str, message: str, header: str | None) -> ApiError:
    shown = account if _valid_account(account) else repr(account[:64])  # a client's text
    log.warning("chatwoot webhook for %s refused: %s (%s)", shown, message, header)
    return ApiError(401, code, message, header)


def _setup(request: Request[Any, Any, Any], account: str) -> ChatwootSetup | None:
    saved = service_of(request).setting(account, SETTING)
    return None if saved is None else msgspec.json.decode(saved, type=ChatwootSetup)


@post("/api/v1/connectors/chatwoot/{account_id:str}", status_code=200,
      summary="Chatwoot's webhook", security=[],
      description="Point a Chatwoot webhook (conversation created, status changed, updated, "
      "message created) here; docs/chatwoot.md. Signed by Chatwoot with the secret set up "
      "for the account (`X-Chatwoot-Signature`, `X-Chatwoot-Timestamp` within 5 minutes); "
      "the reply says how many Wallboard events the webhook gave and what became of them. "
      "`wallboard chatwoot sync` sends here too, signed the same way: the agents' presence "
      "(`wallboard_roster`) and the open conversations as Chatwoot's REST API has them.",
      responses={400: ResponseSpec(ErrorBody, description="Not a webhook's payload"),
                 401: ResponseSpec(ErrorBody, description="No connector, or the signature or "
                                   "timestamp missing, stale or wrong"),
                 413: ResponseSpec(ErrorBody, description="Body too large"),
                 429: ResponseSpec(ErrorBody, description="Write queue full"),
                 503: ResponseSpec(ErrorBody, description="Recovering or stopping")})
async def chatwoot_webhook(request: Request[Any, Any, Any], account_id: str) -> ChatwootReply:
    service = service_of(request)
    setup = _setup(request, account_id) if _valid_account(account_id) else None
    if setup is None or setup.secret is None:
        raise _refuse(account_id, "not_connected",
                      "no Chatwoot connector is set up for this account", "account")
    signature = request.headers.get("x-chatwoot-signature")
    stamp = request.headers.get("x-chatwoot-timestamp")
    if not signature:
        raise _refuse(account_id, "unsigned", "missing: give the webhook a secret in Chatwoot "
                      "and the same one here", "X-Chatwoot-Signature")
    if not stamp:
        raise _refuse(account_id, "unsigned", "missing", "X-Chatwoot-Timestamp")
    problem = stamp_problem(stamp, service.clock())
    if problem is not None:
        raise _refuse(account_id, "stale", problem, "X-Chatwoot-Timestamp")
    body = await read_body(request, service.limits.connector_body_bytes)
    if not signature_matches(setup.secret, stamp, body, signature):
        raise _refuse(account_id, "bad_signature", "does not match the body and the secret "
                      "set up for this account", "X-Chatwoot-Signature")
    try:
        event = msgspec.json.decode(body, type=Webhook).event
        translating = _translator(account_id, event, body, setup)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ApiError(400, "bad_payload", f"not a Chatwoot webhook: {exc}"[:300],
                       "body") from None
    if event == LIVE_EVENT:  # the sync asks which conversations are live here
        return ChatwootReply(event, 0, 0, 0, 0, live=live_of(service.connector_states(
            account_id, CONNECTOR, [LIVE_KEY]).get(LIVE_KEY)))
    door = _door(request)
    delivery = request.headers.get("x-chatwoot-delivery", "")[:128]
    if translating is None or (delivery and door.seen(account_id, delivery)):
        return ChatwootReply(event, 0, 0, 0, 0, ignored=True)
    keys, translator = translating
    oldest = await service.ask(account_id, OldestAcceptedQuery())
    lock = door.locks.setdefault(account_id, asyncio.Lock())
    async with lock:
        translated = translator(service.connector_states(account_id, CONNECTOR, keys), oldest)
        events, rejected = [], 0
        for raw in translated.events:
            try:
                events.append(decode_event(msgspec.json.encode(raw), service.clock())[1])
            except EventError as err:  # Chatwoot sent something the contract cannot take
                rejected += 1
                log.warning("chatwoot %s of %s gave an event refused: %s %s", event,
                            account_id, raw, err)
        try:
            results = await service.ingest(account_id, events) if events else []
        except Busy:
            raise ApiError(429, "busy", "the write queue is full; retry shortly", None,
                           {"Retry-After": "1"}) from None
        except NotReady:
            raise ApiError(503, "not_ready", "shutting down or recovering; retry shortly",
                           None, {"Retry-After": "1"}) from None
        if rejected:  # what was refused is tried again from the next picture
            log.warning("chatwoot %s of %s: the connector's memory is left as it was",
                        event, account_id)
        elif translated.remember:
            await service.save_connector_states(account_id, CONNECTOR, translated.remember)
        if delivery:
            door.note(account_id, delivery)  # done: the same delivery again is answered at once
    return ChatwootReply(event, results.count("accepted"), results.count("duplicate"),
                         results.count("conflict"), rejected)


def _translator(account: str, event: str, body: bytes, setup: ChatwootSetup
                ) -> tuple[list[str], Callable[[dict[str, bytes], int], Translation]] | None:
    """The records a webhook needs and how to translate it with them and the oldest moment
    still counted; None for a webhook the connector does not use."""
    labels = setup.topic_labels
    if event in _MESSAGE_EVENTS:
        message = msgspec.json.decode(body, type=Message)
        return keys_of(message.conversation, message), lambda known, oldest: translate(
            account, message.conversation, message, known, labels, not_before=oldest)
    if event in _CONVERSATION_EVENTS:
        conversation = msgspec.json.decode(body, type=Conversation)
        return keys_of(conversation), lambda known, oldest: translate(
            account, conversation, None, known, labels, not_before=oldest)
    if event == ROSTER_EVENT:
        roster = msgspec.json.decode(body, type=Roster)
        return roster_keys(roster), lambda known, _: translate_roster(account, roster, known)
    return None


def _valid_account(account: str) -> bool:
    return re.fullmatch(_ACCOUNT, account) is not None


@get("/api/v1/accounts/{account_id:str}/connectors/chatwoot",
     summary="The Chatwoot connector (admin)",
     description="As set up; the secret is never shown (null). 404 when none is.",
     responses={200: ResponseSpec(ChatwootSetup, description="The setup"), **AUTH_ERRORS})
async def get_chatwoot(request: Request[Any, Any, Any], account_id: str) -> ChatwootSetup:
    account = account_of(request, account_id, ("admin",))
    setup = _setup(request, account)
    if setup is None:
        raise ApiError(404, "not_found", "no Chatwoot connector is set up", "account")
    return hide_secret(setup)


@put("/api/v1/accounts/{account_id:str}/connectors/chatwoot",
     summary="Set up the Chatwoot connector (admin)",
     description="`secret`: the webhook's, from Chatwoot (null keeps the one saved); "
     "`topic_labels`: the labels that are topics, in the order they win (none: a "
     "conversation's first label). The webhook URL is "
     "`/api/v1/connectors/chatwoot/{account}`.",
     responses={400: ResponseSpec(ErrorBody, description="Bad setup"), **AUTH_ERRORS,
                **BODY_ERRORS}, guards=[admin_only], before_request=reject_deep_json)
async def put_chatwoot(request: Request[Any, Any, Any], account_id: str,
                       data: ChatwootSetup) -> ChatwootSetup:
    account = account_of(request, account_id, ("admin",))
    if data.secret is None:
        old = _setup(request, account)
        if old is None or old.secret is None:
            raise ApiError(400, "missing", "the webhook's secret, from Chatwoot", "secret")
        data = msgspec.structs.replace(data, secret=old.secret)
    service_of(request).save_setting(account, SETTING, msgspec.json.encode(data))
    return hide_secret(data)


chatwoot_routes = [chatwoot_webhook, get_chatwoot, put_chatwoot]
