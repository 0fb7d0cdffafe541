"""The parts of Chatwoot's webhook payloads the connector reads, as Chatwoot sends them
(``Conversations::EventDataPresenter#push_data`` and ``Message#webhook_data``); every other
field is ignored. Times: a conversation's are unix seconds (``updated_at`` with a fraction),
a message's ``created_at`` an ISO-8601 string."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = ["Change", "Conversation", "Message", "Person", "Team", "Webhook"]

Status = Literal["open", "resolved", "pending", "snoozed"]


class Person(msgspec.Struct):
    """An assignee or a message's sender: ``type`` user, agent_bot, contact, ..."""

    id: int
    name: str | None = None
    type: str | None = None


class Team(msgspec.Struct):
    id: int
    name: str | None = None


class Meta(msgspec.Struct):
    assignee: Person | None = None
    team: Team | None = None


class Conversation(msgspec.Struct):
    id: int  # the per-account display id
    inbox_id: int
    status: Status
    channel: str | None = None  # the inbox's channel type, e.g. "Channel::WebWidget"
    meta: Meta = msgspec.field(default_factory=Meta)
    labels: list[str] = msgspec.field(default_factory=list)
    created_at: float = 0
    updated_at: float = 0
    timestamp: float = 0  # the last activity (releases before ``updated_at`` was sent)


class Message(msgspec.Struct):
    id: int
    message_type: str  # incoming, outgoing, activity, template
    created_at: str | float
    conversation: Conversation
    private: bool = False
    sender: Person | None = None
    content_attributes: dict[str, Any] | None = None
    additional_attributes: dict[str, Any] | None = None


class Change(msgspec.Struct):
    previous_value: Any = None
    current_value: Any = None


class Webhook(msgspec.Struct):
    """Any webhook: its ``event`` says which of the shapes above the body is."""

    event: str
