"""Chatwoot's webhooks into Wallboard's events (METRICS.md section 2), pure: a payload and
what the connector remembers in, events and what to remember out.

Every Chatwoot webhook of a conversation carries the whole conversation as it is now (status,
assignee, team, labels). So each one brings the conversation's Wallboard life up to that
picture instead of replaying Chatwoot's own changes one by one: a webhook sent twice gives
nothing the second time, and one that never arrived is made up for by the next.

- An inbox is a channel (``inbox-<id>``, its kind from the inbox's channel type), a team a
  group (``team-<id>``), a human agent an operator (``agent-<id>``); names are given once seen.
- ``open`` (or snoozed) starts a life if none is running: a new conversation, ``<id>`` for the
  first and ``<id>/<n>`` after the (n-1)th reopening (the contract gives a conversation id
  one life). ``pending`` (a bot has it) starts nothing: it enters the queue when it opens.
- While it lives: a human assignee assigns it (with the team as group), losing the assignee
  puts it back in the queue (group: the team, or ``no-team``), a team change moves it, the
  topic label changes the topic.
- ``resolved`` closes it: by ``operator`` when an agent had it, else ``system`` (Chatwoot
  does not say who resolved).
- An incoming message is a visitor message; an outgoing one by a human agent (not private,
  not from an automation rule or a campaign) an operator message; bots' and templates' are
  neither.
- Ids: a message's event is ``cw-msg-<message id>``; a life's events are numbered within
  it (``cw-<id>-<life>-<n>``) from what the connector remembers, so the same picture gives
  the same ids. A picture older than the last applied (webhooks crossing) changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from ...events import parse_timestamp
from .payloads import Conversation, Message, Person

__all__ = ["CONNECTOR", "KINDS", "Emitter", "Life", "Translation", "keys_of", "translate"]

CONNECTOR = "chatwoot"
NO_TEAM = "no-team"  # the queue's group for a conversation of no team (queued needs one)

# Chatwoot's inbox channel types and the contract's channel kinds.
KINDS = {
    "Channel::WebWidget": "web_chat", "Channel::Email": "email",
    "Channel::Telegram": "telegram", "Channel::Whatsapp": "whatsapp",
    "Channel::FacebookPage": "facebook", "Channel::Instagram": "instagram",
    "Channel::Sms": "sms", "Channel::TwilioSms": "sms", "Channel::Api": "api",
    "Channel::Line": "other", "Channel::TwitterProfile": "other", "Channel::Tiktok": "other",
}

Phase = Literal["none", "waiting", "in_work", "closed"]


class Life(msgspec.Struct):
    """What the connector remembers of one Chatwoot conversation."""

    life: int = 0  # Wallboard conversations made of it so far
    phase: Phase = "none"  # of the current one
    operator: str | None = None
    group: str | None = None
    topic: str | None = None
    step: int = 0  # its events so far (their ids' counter)
    as_of: float = 0.0  # the ``updated_at`` of the newest picture applied


class Translation(msgspec.Struct):
    events: list[dict[str, Any]]  # Wallboard events, as the API takes them
    remember: dict[str, bytes]  # records to keep (key -> value)


def keys_of(conversation: Conversation, message: Message | None = None) -> list[str]:
    """The records ``translate`` needs for this payload."""
    keys = [_life_key(conversation), f"inbox:{conversation.inbox_id}"]
    meta = conversation.meta
    if meta.team is not None:
        keys.append(f"team:{meta.team.id}")
    for person in (meta.assignee, message.sender if message is not None else None):
        if person is not None and person.type == "user":
            keys.append(f"agent:{person.id}")
    return keys


def translate(account: str, conversation: Conversation, message: Message | None,
              known: dict[str, bytes], topic_labels: Sequence[str] = (),
              created: bool = False) -> Translation:
    """The events of one webhook: ``conversation`` as it is now, ``message`` when the webhook
    is a message's, ``created`` for ``conversation_created``; ``known`` holds the records of
    ``keys_of``."""
    out = Emitter(account, known)
    if message is not None:
        at = _ms(message.created_at)
    else:
        at = _ms(conversation.created_at if created else conversation.updated_at)
    out.names(conversation, message, at)
    key = _life_key(conversation)
    life = msgspec.json.decode(known[key], type=Life) if key in known else Life()
    if conversation.updated_at >= life.as_of:
        _bring_up(out, conversation, life, at, _topic(conversation.labels, topic_labels))
        life.as_of = conversation.updated_at
    if message is not None and life.phase in ("waiting", "in_work"):
        cid = _cid(conversation, life)
        if message.message_type == "incoming" and not message.private:
            out.event(f"cw-msg-{message.id}", "message.visitor", at, conversation=cid)
        elif _human_reply(message):
            assert message.sender is not None
            out.event(f"cw-msg-{message.id}", "message.operator", at, conversation=cid,
                      operator=f"agent-{message.sender.id}")
    out.remember[key] = msgspec.json.encode(life)
    return Translation(out.events, out.remember)


def _bring_up(out: Emitter, conversation: Conversation, life: Life, at: int,
              topic: str | None) -> None:
    """The events that make the life look like ``conversation`` does now."""
    assignee = conversation.meta.assignee
    operator = f"agent-{assignee.id}" if assignee is not None and assignee.type == "user" \
        else None
    team = conversation.meta.team
    group = f"team-{team.id}" if team is not None else None
    status = conversation.status
    if status == "resolved":
        if life.phase in ("waiting", "in_work"):
            _step(out, conversation, life, "conversation.closed", at,
                  by="operator" if life.operator is not None else "system")
            life.phase = "closed"
        return
    if status == "pending" and life.phase in ("none", "closed"):
        return  # a bot has it: not in the queue until it opens
    if life.phase in ("none", "closed"):
        life.life, life.step, life.phase = life.life + 1, 0, "waiting"
        life.operator, life.group, life.topic = None, group, topic
        _step(out, conversation, life, "conversation.started", at,
              channel=f"inbox-{conversation.inbox_id}", **_given(group=group, topic=topic))
    if operator is not None and (operator != life.operator or life.phase == "waiting"):
        life.operator, life.group, life.phase = operator, group, "in_work"
        _step(out, conversation, life, "conversation.assigned", at, operator=operator,
              **_given(group=group))
    elif operator is None and life.phase == "in_work":
        life.operator, life.group, life.phase = None, group, "waiting"
        _step(out, conversation, life, "conversation.queued", at, group=group or NO_TEAM)
    elif group is not None and group != life.group:
        life.group = group
        if life.phase == "waiting":
            _step(out, conversation, life, "conversation.queued", at, group=group)
        else:
            _step(out, conversation, life, "conversation.assigned", at,
                  operator=life.operator, group=group)
    if topic is not None and topic != life.topic:
        life.topic = topic
        _step(out, conversation, life, "conversation.topic", at, topic=topic)


def _step(out: Emitter, conversation: Conversation, life: Life, event_type: str, at: int,
          **fields: Any) -> None:
    life.step += 1
    out.event(f"cw-{conversation.id}-{life.life}-{life.step}", event_type, at,
              conversation=_cid(conversation, life), **fields)


def _human_reply(message: Message) -> bool:
    """Chatwoot's own ``Message#human_response?``, and not a private note."""
    sender = message.sender
    return (message.message_type == "outgoing" and not message.private
            and sender is not None and sender.type == "user"
            and not (message.content_attributes or {}).get("automation_rule_id")
            and not (message.additional_attributes or {}).get("campaign_id"))


def _topic(labels: list[str], topic_labels: Sequence[str]) -> str | None:
    """The conversation's topic: the first of ``topic_labels`` it has, or, with none
    configured, its first label."""
    if not topic_labels:
        return labels[0] if labels else None
    return next((label for label in topic_labels if label in labels), None)


def _cid(conversation: Conversation, life: Life) -> str:
    return str(conversation.id) if life.life <= 1 else f"{conversation.id}/{life.life}"


def _life_key(conversation: Conversation) -> str:
    return f"conversation:{conversation.id}"


def _given(**fields: str | None) -> dict[str, str]:
    return {name: value for name, value in fields.items() if value is not None}


def _ms(value: str | float) -> int:
    """Milliseconds, finer digits dropped; a float's last microsecond of error forgiven
    (seconds near 1.8e9 carry about 0.2 microseconds of it)."""
    if isinstance(value, str):
        return parse_timestamp(value)
    return math.floor(value * 1000 + 1e-3)


class Emitter:
    """The events of one translation, and the records it changes."""

    def __init__(self, account: str, known: dict[str, bytes]) -> None:
        self.account = account
        self.known = known
        self.events: list[dict[str, Any]] = []
        self.remember: dict[str, bytes] = {}

    def event(self, event_id: str, event_type: str, at: int, **fields: Any) -> None:
        self.events.append({"id": event_id, "type": event_type, "account": self.account,
                            "at": at, **fields})

    def names(self, conversation: Conversation, message: Message | None, at: int) -> None:
        """The inbox's kind, the team's and the agents' names, each once it changes."""
        kind = KINDS.get(conversation.channel or "", "other")
        self.once(f"inbox:{conversation.inbox_id}", kind, at, "channel.updated",
                   channel=f"inbox-{conversation.inbox_id}", kind=kind)
        team = conversation.meta.team
        if team is not None and team.name:
            self.once(f"team:{team.id}", team.name, at, "group.updated",
                       group=f"team-{team.id}", name=team.name)
        for person in (conversation.meta.assignee, message.sender if message else None):
            if _agent(person) and person is not None and person.name:
                self.once(f"agent:{person.id}", person.name, at, "operator.updated",
                           operator=f"agent-{person.id}", name=person.name)

    def once(self, key: str, value: str, at: int, event_type: str, **fields: Any) -> None:
        """An event when ``value`` differs from what is remembered under ``key``, numbered
        by the changes of that key (two in one millisecond are two events)."""
        saved = self.remember.get(key, self.known.get(key))
        changes, _, before = (saved or b"0\n").partition(b"\n")
        if saved is not None and before == value.encode():
            return
        number = int(changes) + 1
        self.remember[key] = f"{number}\n{value}".encode()
        self.event(f"cw-{key.replace(':', '-')}-{number}", event_type, at, **fields)


def _agent(person: Person | None) -> bool:
    return person is not None and person.type == "user"
