"""An account's Chatwoot connector, as its admin sets it up (kept as the account's
``chatwoot`` setting): the webhook's secret, copied from Chatwoot, and which labels are
topics."""

from __future__ import annotations

from typing import Annotated

import msgspec

__all__ = ["SETTING", "ChatwootSetup", "hide_secret"]

SETTING = "chatwoot"


class ChatwootSetup(msgspec.Struct, forbid_unknown_fields=True):
    # The secret Chatwoot shows for the webhook (Settings, Integrations, Webhooks); null in
    # what is shown back, and when sent keeps the one saved.
    secret: Annotated[str, msgspec.Meta(min_length=8, max_length=256)] | None = None
    # Labels that are topics, in the order they win; none: a conversation's first label.
    topic_labels: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=128)]],
                            msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


def hide_secret(setup: ChatwootSetup) -> ChatwootSetup:
    return msgspec.structs.replace(setup, secret=None)
