"""Hypothesis strategies: small worlds of events that exercise every rule of METRICS.md."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KINDS = ["web_chat", "telegram", "email", "other", "mobile_chat", "offline_form"]
CHANNELS = ["ch0", "ch1", "ch2"]
GROUPS = ["g0", "g1", "g2"]
OPERATORS = ["op0", "op1", "op2"]
TOPICS = ["billing", "delivery", "Оплата"]


def _time(base_ms: int, span_s: int) -> st.SearchStrategy[int]:
    # Coarse steps make equal timestamps common, so the (at, rank, id) order really matters;
    # a few fine steps hit the 20-second and service-level boundaries.
    coarse = st.integers(0, span_s // 10).map(lambda k: base_ms + k * 10_000)
    fine = st.integers(0, span_s * 1000).map(lambda k: base_ms + k)
    return st.one_of(coarse, coarse, fine)


@st.composite
def world(draw: st.DrawFn, base_ms: int, span_s: int, max_conversations: int = 6
          ) -> list[dict[str, Any]]:
    """Events of one account ``acme`` with at in [base, base + span]; ids unique."""
    at = _time(base_ms, span_s)
    events: list[dict[str, Any]] = []

    def add(event_type: str, **fields: Any) -> None:
        events.append({"id": f"e{len(events)}", "type": event_type, "account": "acme",
                       "at": draw(at), **fields})

    for channel in draw(st.lists(st.sampled_from(CHANNELS), unique=True, max_size=3)):
        extra: dict[str, Any] = {}
        if draw(st.booleans()):
            extra["groups"] = draw(st.lists(st.sampled_from(GROUPS), max_size=2))
        if draw(st.booleans()):
            extra["name"] = f"Channel {channel}"
        add("channel.updated", channel=channel, kind=draw(st.sampled_from(KINDS)), **extra)
    for group in draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=3)):
        add("group.updated", group=group, name=draw(st.sampled_from(["Sales", "Support"])))
    for _ in range(draw(st.integers(0, 5))):
        fields: dict[str, Any] = {"operator": draw(st.sampled_from(OPERATORS))}
        if draw(st.booleans()):
            fields["groups"] = draw(st.lists(st.sampled_from(GROUPS), max_size=3))
        if draw(st.booleans()):
            fields["max_chats"] = draw(st.integers(0, 3))
        add("operator.updated", **fields)
    for _ in range(draw(st.integers(0, 8))):
        add("operator.status", operator=draw(st.sampled_from(OPERATORS)),
            status=draw(st.sampled_from(["available", "available", "busy", "away", "offline"])))

    group_or_none = st.one_of(st.none(), st.sampled_from(GROUPS))
    for c in range(draw(st.integers(0, max_conversations))):
        conv = f"c{c}"
        for _ in range(draw(st.integers(0, 2))):  # a missing or a second started event
            fields = {"conversation": conv, "channel": draw(st.sampled_from(CHANNELS))}
            group = draw(group_or_none)
            if group is not None:
                fields["group"] = group
            if draw(st.booleans()):
                fields["topic"] = draw(st.sampled_from(TOPICS))
            add("conversation.started", **fields)
        steps = draw(st.lists(st.sampled_from([
            "queued", "assigned", "assigned", "message.visitor", "message.visitor",
            "message.operator", "topic", "visitor_left", "closed",
        ]), max_size=8))
        for step in steps:
            if step == "queued":
                add("conversation.queued", conversation=conv, group=draw(st.sampled_from(GROUPS)))
            elif step == "assigned":
                fields = {"conversation": conv, "operator": draw(st.sampled_from(OPERATORS))}
                group = draw(group_or_none)
                if group is not None:
                    fields["group"] = group
                add("conversation.assigned", **fields)
            elif step == "topic":
                add("conversation.topic", conversation=conv, topic=draw(st.sampled_from(TOPICS)))
            elif step == "closed":
                add("conversation.closed", conversation=conv,
                    by=draw(st.sampled_from(["visitor", "operator", "system"])))
            elif step == "visitor_left":
                add("conversation.visitor_left", conversation=conv)
            else:
                add(step, conversation=conv)
    return events
