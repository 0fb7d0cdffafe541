"""A simulated day as Chatwoot would have sent it: the simulator's events (``sim``) turned
into Chatwoot's webhooks (and the sync's rosters), and beside them the same day in Wallboard's
own events as a platform able to say what Chatwoot says would send it. Fed, one to the
connector and the other to ``POST /api/v1/events``, both must give the same figures: the test
of the connector's translation against an independent one, and the benchmark's load.

The payloads are built as Chatwoot builds them: every key of
``Conversations::EventDataPresenter#push_data`` (a conversation event's body, and a message
event's ``conversation``) and of ``Message#webhook_data``, with their formats (a
conversation's times unix seconds, ``updated_at`` with a fraction, 0 for none; a message's
``created_at`` ISO-8601; ``message_type`` a string; ``changed_attributes`` a list of
one-key objects), signed as ``lib/webhooks/trigger.rb`` signs.

What Chatwoot cannot say is left out of both: a visitor leaving (a conversation waiting when
the visitor left is resolved by the system then; one in work goes on), "away" (busy), an
operator's own chat limit, events after a conversation's close. Channels become inboxes,
groups teams and operators agents, numbered in order of appearance.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .connectors.chatwoot.roster import ROSTER_EVENT
from .connectors.chatwoot.signature import sign

__all__ = ["ChatwootDay", "agent", "body_of", "bot", "chatwoot_day", "conversation",
           "message", "signed_headers"]


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
    return {"Content-Type": "application/json", "Accept": "application/json",
            "X-Chatwoot-Delivery": delivery or str(uuid.uuid4()),
            "X-Chatwoot-Timestamp": ts, "X-Chatwoot-Signature": sign(secret, ts, body)}


def body_of(payload: dict[str, Any]) -> bytes:
    """As Ruby's ``to_json`` writes it (compact)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def _iso(unix_s: float) -> str:
    ms = round(unix_s * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


# The simulator's channel kinds as Chatwoot inboxes (Chatwoot has no VK, Viber, in-app chat
# or offline form: those become API inboxes) and the kind the connector gives each.
_INBOX = {"web_chat": ("Channel::WebWidget", "web_chat"), "email": ("Channel::Email", "email"),
          "telegram": ("Channel::Telegram", "telegram"),
          "whatsapp": ("Channel::Whatsapp", "whatsapp"),
          "facebook": ("Channel::FacebookPage", "facebook"),
          "instagram": ("Channel::Instagram", "instagram"), "sms": ("Channel::Sms", "sms")}
_API = ("Channel::Api", "api")
_STATUS = {"available": ("online", "available"), "busy": ("busy", "busy"),
           "away": ("busy", "busy"), "offline": ("offline", "offline")}


@dataclass
class ChatwootDay:
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # in the order sent
    native: list[dict[str, Any]] = field(default_factory=list)  # the same, as events


@dataclass
class _Conv:
    display_id: int
    inbox: int
    channel_type: str
    created_s: int
    team: int | None = None
    assignee: int | None = None
    labels: list[str] = field(default_factory=list)
    closed: bool = False


class _Day:
    """The conversion's running state: ids given, and each conversation as Chatwoot sees it."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.out = ChatwootDay()
        self.kinds: dict[str, str] = {}  # sim channel -> its kind
        self.inboxes: dict[str, int] = {}
        self.teams: dict[str, int] = {}
        self.agents: dict[str, int] = {}
        self.status: dict[int, str] = {}  # agent -> Chatwoot availability
        self.members: dict[int, set[int]] = {}  # team -> agents
        self.convs: dict[str, _Conv] = {}
        self.native_ids = 0
        self.messages = 0

    def message_id(self) -> int:
        self.messages += 1
        return self.messages

    def native(self, event_type: str, at: int, **fields: Any) -> None:
        self.native_ids += 1
        self.out.native.append({"id": f"n{self.native_ids}", "type": event_type,
                                "account": self.account, "at": at, **fields})

    def number(self, names: dict[str, int], name: str) -> int:
        return names.setdefault(name, len(names) + 1)

    def picture(self, conv: _Conv, at_s: float, status: str) -> dict[str, Any]:
        """The conversation as it is at ``at_s``, changed then (``updated_at``)."""
        return conversation(
            conv.display_id, status, at=at_s, created_at=conv.created_s, inbox_id=conv.inbox,
            channel=conv.channel_type,
            assignee=None if conv.assignee is None else agent(conv.assignee,
                                                               f"Agent {conv.assignee}"),
            team=None if conv.team is None else {"id": conv.team, "name": f"team {conv.team}"},
            labels=list(conv.labels)) | {"updated_at": at_s}

    def updated(self, conv: _Conv, at: int, status: str = "open",
                event: str = "conversation_updated") -> None:
        self.out.webhooks.append(self.picture(conv, at / 1000, status) | {"event": event})

    def roster(self, at: int) -> None:
        self.out.webhooks.append({
            "event": ROSTER_EVENT, "at": at,
            "agents": [{"id": a, "name": f"Agent {a}", "availability_status": s}
                       for a, s in sorted(self.status.items())],
            "teams": [{"id": t, "name": f"team {t}", "members": sorted(m)}
                      for t, m in sorted(self.members.items())]})


def chatwoot_day(events: list[dict[str, Any]], account: str) -> ChatwootDay:
    """The simulator's ``events`` (wire format) as Chatwoot's webhooks, and as the native
    events that say the same."""
    day = _Day(account)
    rank = {"channel.updated": 0, "group.updated": 0, "operator.updated": 1,
            "operator.status": 2, "conversation.started": 3, "conversation.queued": 4,
            "message.visitor": 5, "conversation.assigned": 6, "message.operator": 7,
            "conversation.topic": 8, "conversation.visitor_left": 9,
            "conversation.closed": 10}
    for ev in sorted(events, key=lambda e: (e["at"], rank[e["type"]], e["id"])):
        _convert(day, ev)
    return day.out


def _convert(day: _Day, ev: dict[str, Any]) -> None:
    kind, at = ev["type"], ev["at"]
    if kind == "channel.updated":
        day.kinds[ev["channel"]] = ev["kind"]
        inbox = day.number(day.inboxes, ev["channel"])
        day.native("channel.updated", at, channel=f"inbox-{inbox}",
                   kind=_INBOX.get(ev["kind"], _API)[1])
        return
    if kind == "group.updated":
        day.number(day.teams, ev["group"])
        return
    if kind == "operator.updated":
        agent_id = day.number(day.agents, ev["operator"])
        day.status.setdefault(agent_id, "offline")
        if "groups" in ev:
            for members in day.members.values():
                members.discard(agent_id)
            for group in ev["groups"]:
                day.members.setdefault(day.number(day.teams, group), set()).add(agent_id)
            day.native("operator.updated", at, operator=f"agent-{agent_id}",
                       groups=sorted(f"team-{day.teams[g]}" for g in ev["groups"]))
            day.roster(at)
        return
    if kind == "operator.status":
        agent_id = day.number(day.agents, ev["operator"])
        availability, status = _STATUS[ev["status"]]
        day.status[agent_id] = availability
        day.native("operator.status", at, operator=f"agent-{agent_id}", status=status)
        day.roster(at)
        return
    _convert_conversation(day, ev, kind, at)


def _convert_conversation(day: _Day, ev: dict[str, Any], kind: str, at: int) -> None:
    conv = day.convs.get(ev["conversation"])
    if kind == "conversation.started":
        if conv is not None:
            return  # a second started: the first counts
        channel_type, _ = _INBOX.get(day.kinds.get(ev["channel"], "other"), _API)
        conv = day.convs[ev["conversation"]] = _Conv(
            len(day.convs) + 1, day.number(day.inboxes, ev["channel"]), channel_type,
            at // 1000)
        if "group" in ev:
            conv.team = day.number(day.teams, ev["group"])
        if "topic" in ev:
            conv.labels = [ev["topic"]]
        day.out.webhooks.append(day.picture(conv, conv.created_s, "open")
                                | {"event": "conversation_created"})
        day.native("conversation.started", conv.created_s * 1000,
                   conversation=str(conv.display_id),
                   channel=f"inbox-{conv.inbox}",
                   **({"group": f"team-{conv.team}"} if conv.team else {}),
                   **({"topic": ev["topic"]} if "topic" in ev else {}))
        return
    if conv is None or conv.closed or at < conv.created_s * 1000:
        return  # nothing Chatwoot would have sent
    cid = str(conv.display_id)
    if kind == "conversation.queued":
        conv.team, conv.assignee = day.number(day.teams, ev["group"]), None
        day.updated(conv, at)
        day.native("conversation.queued", at, conversation=cid, group=f"team-{conv.team}")
    elif kind == "conversation.assigned":
        conv.assignee = day.number(day.agents, ev["operator"])
        if "group" in ev:
            conv.team = day.number(day.teams, ev["group"])
        day.updated(conv, at)
        day.native("conversation.assigned", at, conversation=cid,
                   operator=f"agent-{conv.assignee}",
                   **({"group": f"team-{conv.team}"} if conv.team else {}))
    elif kind == "message.visitor":
        day.out.webhooks.append(message(day.message_id(), "incoming",
                                        day.picture(conv, at / 1000, "open"), at=at / 1000))
        day.native("message.visitor", at, conversation=cid)
    elif kind == "message.operator":
        writer = day.number(day.agents, ev["operator"]) if "operator" in ev else conv.assignee
        if writer is None:
            return  # no agent to have written it
        day.out.webhooks.append(message(
            day.message_id(), "outgoing", day.picture(conv, at / 1000, "open"),
            at=at / 1000, sender=agent(writer, f"Agent {writer}")))
        day.native("message.operator", at, conversation=cid, operator=f"agent-{writer}")
    elif kind == "conversation.topic":
        conv.labels = [ev["topic"]]
        day.updated(conv, at)
        day.native("conversation.topic", at, conversation=cid, topic=ev["topic"])
    elif kind == "conversation.closed" or conv.assignee is None:  # visitor_left: waiting
        conv.closed = True
        day.updated(conv, at, "resolved", "conversation_status_changed")
        day.native("conversation.closed", at, conversation=cid,
                   by="operator" if conv.assignee is not None else "system")
