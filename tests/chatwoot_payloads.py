"""Chatwoot webhook payloads as Chatwoot builds them, for the connector's tests: every key of
``Conversations::EventDataPresenter#push_data`` (a conversation event's body, and a message
event's ``conversation``) and of ``Message#webhook_data``, with their formats (a
conversation's times unix seconds, ``updated_at`` with a fraction, 0 for none; a message's
``created_at`` ISO-8601; ``message_type`` a string; ``changed_attributes`` a list of
one-key objects), and a signer as ``lib/webhooks/trigger.rb`` signs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

__all__ = ["agent", "bot", "conversation", "message", "signed_headers"]


def agent(agent_id: int, name: str) -> dict[str, Any]:
    """``User#push_event_data`` (an assignee)."""
    return {"id": agent_id, "name": name, "available_name": name, "avatar_url": "",
            "type": "user", "availability_status": "online", "thumbnail": ""}


def bot(bot_id: int, name: str = "Helper bot") -> dict[str, Any]:
    return {"id": bot_id, "name": name, "avatar_url": "", "type": "agent_bot"}


def contact(contact_id: int) -> dict[str, Any]:
    return {"additional_attributes": {}, "custom_attributes": {}, "email": None,
            "id": contact_id, "identifier": None, "name": f"visitor {contact_id}",
            "phone_number": None, "thumbnail": "", "type": "contact"}


def conversation(display_id: int, status: str, *, at: float, created_at: float | None = None,
                 inbox_id: int = 1, channel: str = "Channel::WebWidget",
                 assignee: dict[str, Any] | None = None, team: dict[str, Any] | None = None,
                 labels: list[str] | None = None, event: str | None = None,
                 changed: dict[str, tuple[Any, Any]] | None = None) -> dict[str, Any]:
    """A conversation as it is at ``at`` (unix seconds): the body of a conversation event
    when ``event`` is given (with ``changed`` as its ``changed_attributes``)."""
    created = created_at if created_at is not None else at
    body: dict[str, Any] = {
        "additional_attributes": {"browser": {"browser_name": "Chrome"}},
        "can_reply": True, "channel": channel,
        "contact_inbox": {"id": display_id, "contact_id": 100 + display_id,
                          "inbox_id": inbox_id, "source_id": str(uuid.uuid4()),
                          "hmac_verified": False, "created_at": _iso(created),
                          "updated_at": _iso(created)},
        "id": display_id, "inbox_id": inbox_id, "messages": [], "labels": labels or [],
        "meta": {"sender": contact(100 + display_id), "assignee": assignee,
                 "assignee_type": None if assignee is None else
                 ("AgentBot" if assignee["type"] == "agent_bot" else "User"),
                 "team": team, "hmac_verified": False},
        "status": status, "custom_attributes": {}, "snoozed_until": None, "unread_count": 0,
        "first_reply_created_at": None, "priority": None,
        "waiting_since": int(created) if status == "open" and assignee is None else 0,
        "agent_last_seen_at": 0, "contact_last_seen_at": 0, "last_activity_at": int(at),
        "timestamp": int(at), "created_at": int(created), "updated_at": at + 0.123456,
        "account": {"id": 1, "name": "Acme"},
    }
    if event is not None:
        body["event"] = event
        if changed is not None:
            body["changed_attributes"] = [
                {name: {"previous_value": old, "current_value": new}}
                for name, (old, new) in changed.items()]
    return body


def message(message_id: int, kind: str, conv: dict[str, Any], *, at: float,
            sender: dict[str, Any] | None = None, private: bool = False,
            content_attributes: dict[str, Any] | None = None,
            additional_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """``Message#webhook_data`` of a ``message_created`` webhook; ``conv`` as the
    conversation is after it (``conversation(...)`` without an event)."""
    if sender is None and kind == "incoming":
        sender = {"id": 100 + conv["id"], "name": f"visitor {conv['id']}", "avatar": "",
                  "type": "contact"}
    elif sender is not None and sender.get("type") == "user":
        sender = {"id": sender["id"], "name": sender["name"], "email": "a@example.com",
                  "type": "user"}
    return {"account": {"id": 1, "name": "Acme"},
            "additional_attributes": additional_attributes or {},
            "content_attributes": content_attributes or {}, "content_type": "text",
            "content": "hello", "conversation": conv, "created_at": _iso(at),
            "id": message_id, "inbox": {"id": conv["inbox_id"], "name": "Site"},
            "message_type": kind, "private": private, "sender": sender,
            "source_id": None, "event": "message_created"}


def signed_headers(secret: str, body: bytes, *, stamp: int | None = None,
                   delivery: str | None = None) -> dict[str, str]:
    """What Chatwoot sends with a webhook that has a secret."""
    ts = str(int(time.time()) if stamp is None else stamp)
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Accept": "application/json",
            "X-Chatwoot-Delivery": delivery or str(uuid.uuid4()),
            "X-Chatwoot-Timestamp": ts, "X-Chatwoot-Signature": f"sha256={mac}"}


def body_of(payload: dict[str, Any]) -> bytes:
    """As Ruby's ``to_json`` writes it (compact)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def _iso(unix_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix_s)) + \
        f".{int(unix_s * 1000) % 1000:03d}Z"
