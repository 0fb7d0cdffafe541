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

import hashlib
import math
from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from ...events import parse_timestamp
from .payloads import Conversation, Message

__all__ = ["CONNECTOR", "KINDS", "LIVE_KEY", "Emitter", "Life", "Translation", "keys_of",
           "live_of", "translate"]

CONNECTOR = "chatwoot"
LIVE_KEY = "live"  # the conversations in the queue or in work here (for the sync to check)
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
    started_at: int = 0  # when the current life began (epoch ms)
    closed_at: int = 0  # when the last life to close closed
    visitor_waiting: bool = False  # the visitor wrote while a bot had it (pending)
    as_of: float = 0.0  # the ``updated_at`` of the newest picture applied


class Translation(msgspec.Struct):
    events: list[dict[str, Any]]  # Wallboard events, as the API takes them
    remember: dict[str, bytes]  # records to keep (key -> value)


def keys_of(conversation: Conversation, message: Message | None = None) -> list[str]:
    """The records ``translate`` needs for this payload."""
    keys = [_life_key(conversation), f"inbox:{conversation.inbox_id}", LIVE_KEY]
    meta = conversation.meta
    if meta.team is not None:
        keys.append(f"team:{meta.team.id}")
    for person in (meta.assignee, message.sender if message is not None else None):
        if person is not None and person.type == "user":
            keys.append(f"agent:{person.id}")
    return keys


def translate(account: str, conversation: Conversation, message: Message | None,
              known: dict[str, bytes], topic_labels: Sequence[str] = (),
              not_before: int = 0) -> Translation:
    """The events of one webhook: ``conversation`` as it is now, ``message`` when the webhook
    is a message's; ``known`` holds the records of ``keys_of``. No event is stamped before
    ``not_before`` (the oldest moment still counted: a conversation created long ago and
    first heard of now starts then)."""
    out = Emitter(account, known)
    changed = max(not_before, _ms(_changed_at(conversation)))
    out.names(conversation, changed)
    key = _life_key(conversation)
    fresh = key not in known
    life = Life() if fresh else msgspec.json.decode(known[key], type=Life)
    if _changed_at(conversation) >= life.as_of:
        # A conversation first heard of began when Chatwoot made it (its creation's webhook
        # may be the one lost); one already known changes when its picture says.
        begun = max(not_before, _ms(conversation.created_at)) if fresh else changed
        _bring_up(out, conversation, life, changed, begun,
                  _topic(conversation.labels, topic_labels))
        life.as_of = _changed_at(conversation)
    if message is not None:
        _message(out, conversation, message, life, max(not_before, _ms(message.created_at)))
    out.remember[key] = msgspec.json.encode(life)
    live = set(live_of(known.get(LIVE_KEY)))
    now_live = live | {conversation.id} if life.phase in ("waiting", "in_work") \
        else live - {conversation.id}
    if now_live != live:
        out.remember[LIVE_KEY] = msgspec.json.encode(sorted(now_live))
    return Translation(out.events, out.remember)


def live_of(saved: bytes | None) -> list[int]:
    """The conversations (Chatwoot's numbers) in the queue or in work here."""
    return [] if saved is None else msgspec.json.decode(saved, type=list[int])


def _message(out: Emitter, conversation: Conversation, message: Message, life: Life,
             at: int) -> None:
    """A visitor's or a human agent's message, in the life it was written in: a message of a
    conversation not yet in the queue (a bot has it) is kept for when it enters; one written
    before the last close belongs to the life that closed then (its webhook came late)."""
    visitor = message.message_type == "incoming" and not message.private
    if not visitor and not _human_reply(message):
        return
    if life.phase == "none":
        life.visitor_waiting = life.visitor_waiting or visitor
        return
    number = life.life
    if life.phase == "closed":
        at = min(at, life.closed_at)  # its webhook came after the resolution's
    elif life.life > 1 and at <= life.closed_at:
        number = life.life - 1  # written before the last life closed: it came late
    else:
        at = max(at, life.started_at)  # the reopening's webhook came first
    cid = _cid(conversation, number)
    if visitor:
        out.event(f"cw-msg-{message.id}", "message.visitor", at, conversation=cid)
    else:
        assert message.sender is not None
        out.event(f"cw-msg-{message.id}", "message.operator", at, conversation=cid,
                  operator=f"agent-{message.sender.id}")


def _bring_up(out: Emitter, conversation: Conversation, life: Life, at: int, begun: int,
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
            life.phase, life.closed_at = "closed", at
            _step(out, conversation, life, "conversation.closed", at,
                  by="operator" if life.operator is not None else "system")
        return
    if status == "pending" and life.phase in ("none", "closed"):
        life.phase = "none"  # a bot has it: not in the queue until it opens
        return
    if life.phase in ("none", "closed"):
        start = begun if life.life == 0 and not life.as_of else at
        life.life, life.phase, life.started_at = life.life + 1, "waiting", start
        life.operator, life.group, life.topic = None, group, topic
        _step(out, conversation, life, "conversation.started", start,
              channel=f"inbox-{conversation.inbox_id}", **_given(group=group, topic=topic))
        if life.visitor_waiting:  # what the visitor told the bot
            life.visitor_waiting = False
            _step(out, conversation, life, "message.visitor", start)
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


_SHORT = {"conversation.started": "start", "conversation.assigned": "assign",
          "conversation.queued": "queue", "conversation.topic": "topic",
          "conversation.closed": "close", "message.visitor": "visitor"}


def _step(out: Emitter, conversation: Conversation, life: Life, event_type: str, at: int,
          **fields: Any) -> None:
    """A life's event, its id from the life, the kind and the moment: the same picture gives
    the same ids even if what the connector remembers of it was not saved."""
    out.event(f"cw-{conversation.id}-{life.life}-{_SHORT[event_type]}-{at}", event_type, at,
              conversation=_cid(conversation, life.life), **fields)


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
        return _text(labels[0]) if labels and labels[0] else None
    found = next((label for label in topic_labels if label in labels), None)
    return None if found is None else _text(found)


def _cid(conversation: Conversation, life: int) -> str:
    return str(conversation.id) if life <= 1 else f"{conversation.id}/{life}"


def _changed_at(conversation: Conversation) -> float:
    """When the picture was taken: ``updated_at``, or, from a release without it, the last
    activity."""
    return conversation.updated_at or conversation.timestamp or conversation.created_at


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

    def names(self, conversation: Conversation, at: int) -> None:
        """The inbox's kind and the team's name, each when it changes; an assignee's name
        when it has none yet (the sync's roster, which reads every agent's display name, is
        the one that changes them: two sources would make the name flicker)."""
        kind = KINDS.get(conversation.channel or "", "other")
        self.once(f"inbox:{conversation.inbox_id}", kind, at, "channel.updated",
                  channel=f"inbox-{conversation.inbox_id}", kind=kind)
        team = conversation.meta.team
        if team is not None and team.name:
            name = _text(team.name)
            self.once(f"team:{team.id}", name, at, "group.updated", group=f"team-{team.id}",
                      name=name)
        assignee = conversation.meta.assignee
        if assignee is not None and assignee.type == "user" and assignee.name \
                and f"agent:{assignee.id}" not in self.known:
            name = _text(assignee.name)
            self.once(f"agent:{assignee.id}", name, at, "operator.updated",
                      operator=f"agent-{assignee.id}", name=name)

    def once(self, key: str, value: str, at: int, event_type: str, **fields: Any) -> None:
        """An event when ``value`` differs from what is remembered under ``key``. Its id
        holds the moment, the change's number (so that two changes in one millisecond sort
        in order: the contract takes the later id's value) and the value's digest (so that a
        number given again, if what is remembered was not saved, is never a conflict)."""
        number, before = _numbered(self.remember.get(key, self.known.get(key)))
        if before == value:
            return
        self.remember[key] = f"{number + 1}\n{value}".encode()
        digest = hashlib.blake2b(value.encode(), digest_size=4).hexdigest()
        self.event(f"cw-{key.replace(':', '-')}-{at}-{number + 1:06d}-{digest}", event_type,
                   at, **fields)

    def keep(self, key: str) -> None:
        """Save what is remembered under ``key`` again though unchanged (its retention
        starts anew)."""
        if key not in self.remember and key in self.known:
            self.remember[key] = self.known[key]


def _numbered(saved: bytes | None) -> tuple[int, str | None]:
    """A remembered value and the number of changes it has seen."""
    if saved is None:
        return 0, None
    number, _, value = saved.decode().partition("\n")
    return int(number), value


def _text(value: str) -> str:
    """A name or a label as the contract takes it (1 to 128 characters)."""
    return value[:128]


