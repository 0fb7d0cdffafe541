"""Chatwoot's webhooks into Wallboard's events, pure: each case a few webhooks as Chatwoot
sends them (chatwoot_payloads) through ``translate`` with what it remembers between them."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from wallboard.connectors.chatwoot.mapping import LIVE_KEY, keys_of, live_of, translate
from wallboard.connectors.chatwoot.payloads import Conversation, Message
from wallboard.connectors.chatwoot.roster import Roster, roster_keys, translate_roster
from wallboard.sim_chatwoot import agent, bot, conversation, message

T0 = 1_764_669_600.0  # 2025-12-02 10:00 UTC
ANA, BOB = agent(3, "Ana"), agent(4, "Bob")
SALES = {"id": 2, "name": "sales"}


class Connector:
    """``translate`` with a memory, as the route runs it."""

    def __init__(self, topic_labels: tuple[str, ...] = ()) -> None:
        self.memory: dict[str, bytes] = {}
        self.topic_labels = topic_labels

    def send(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        body = msgspec.json.encode(payload)
        msg = None
        if payload["event"].startswith("message_"):
            msg = msgspec.json.decode(body, type=Message)
            conv = msg.conversation
        else:
            conv = msgspec.json.decode(body, type=Conversation)
        known = {k: self.memory[k] for k in keys_of(conv, msg) if k in self.memory}
        out = translate("acme", conv, msg, known, self.topic_labels)
        self.memory.update(out.remember)
        return out.events


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def test_a_conversation_from_creation_to_resolution() -> None:
    cw = Connector()
    created = cw.send(conversation(10, "open", at=T0, team=SALES, labels=["billing"],
                                   event="conversation_created"))
    assert kinds(created) == ["channel.updated", "group.updated", "conversation.started"]
    started = created[2]
    assert started == {"id": f"cw-10-1-start-{int(T0 * 1000)}", "type": "conversation.started",
                       "account": "acme",
                       "at": int(T0 * 1000), "conversation": "10", "channel": "inbox-1",
                       "group": "team-2", "topic": "billing"}
    assert created[0]["kind"] == "web_chat" and created[1]["name"] == "sales"
    first = cw.send(message(500, "incoming", conversation(10, "open", at=T0 + 5, team=SALES,
                                                          labels=["billing"]), at=T0 + 5))
    assert first == [{"id": "cw-msg-500", "type": "message.visitor", "account": "acme",
                      "at": int((T0 + 5) * 1000), "conversation": "10"}]
    assigned = cw.send(conversation(10, "open", at=T0 + 30, team=SALES, assignee=ANA,
                                    labels=["billing"], event="conversation_updated",
                                    changed={"assignee_id": (None, 3)}))
    assert kinds(assigned) == ["operator.updated", "conversation.assigned"]
    assert assigned[1]["operator"] == "agent-3" and assigned[1]["group"] == "team-2"
    reply = cw.send(message(501, "outgoing", conversation(10, "open", at=T0 + 40, team=SALES,
                                                          assignee=ANA), at=T0 + 40,
                            sender=ANA))
    assert reply[0]["type"] == "message.operator" and reply[0]["operator"] == "agent-3"
    resolved = cw.send(conversation(10, "resolved", at=T0 + 60, team=SALES, assignee=ANA,
                                    labels=["billing"], event="conversation_status_changed",
                                    changed={"status": ("open", "resolved")}))
    assert resolved == [{"id": f"cw-10-1-close-{int((T0 + 60.123456) * 1000)}",
                         "type": "conversation.closed", "account": "acme",
                         "at": int((T0 + 60.123456) * 1000), "conversation": "10",
                         "by": "operator"}]


def test_the_same_webhook_again_gives_nothing_and_a_late_picture_changes_nothing() -> None:
    cw = Connector()
    created = conversation(11, "open", at=T0, event="conversation_created")
    assert kinds(cw.send(created)) == ["channel.updated", "conversation.started"]
    assert cw.send(created) == []
    assigned = conversation(11, "open", at=T0 + 20, assignee=ANA,
                            event="conversation_updated", changed={"assignee_id": (None, 3)})
    assert kinds(cw.send(assigned)) == ["operator.updated", "conversation.assigned"]
    assert cw.send(assigned) == []
    # A webhook older than the last one applied (two crossing on their way) moves nothing
    # back: the conversation stays with Ana.
    stale = conversation(11, "open", at=T0 + 10, event="conversation_updated",
                         changed={"labels": ([], [])})
    assert cw.send(stale) == []


def test_pending_stays_out_of_the_queue_until_it_opens() -> None:
    cw = Connector()
    pending = conversation(12, "pending", at=T0, assignee=bot(9),
                           event="conversation_created")
    assert kinds(cw.send(pending)) == ["channel.updated"]  # a bot has it
    bot_says = message(600, "outgoing", conversation(12, "pending", at=T0 + 3,
                                                     assignee=bot(9)), at=T0 + 3,
                       sender={"id": 9, "name": "Helper bot", "type": "agent_bot"})
    visitor = message(601, "incoming", conversation(12, "pending", at=T0 + 4,
                                                    assignee=bot(9)), at=T0 + 4)
    assert cw.send(bot_says) == [] and cw.send(visitor) == []
    handed = cw.send(conversation(12, "open", at=T0 + 30, event="conversation_status_changed",
                                  changed={"status": ("pending", "open")}))
    # The queue starts here, and what the visitor told the bot counts as their message
    # (without it, served by an agent and not written to again, it would count canceled).
    assert kinds(handed) == ["conversation.started", "message.visitor"]
    assert handed[0]["at"] == handed[1]["at"] == int((T0 + 30.123456) * 1000)


def test_a_bot_resolving_a_pending_conversation_never_counts() -> None:
    cw = Connector()
    cw.send(conversation(13, "pending", at=T0, assignee=bot(9), event="conversation_created"))
    assert cw.send(conversation(13, "resolved", at=T0 + 50, assignee=bot(9),
                                event="conversation_status_changed",
                                changed={"status": ("pending", "resolved")})) == []


def test_reopening_starts_another_conversation() -> None:
    cw = Connector()
    cw.send(conversation(14, "open", at=T0, event="conversation_created"))
    closed = cw.send(conversation(14, "resolved", at=T0 + 60,
                                  event="conversation_status_changed",
                                  changed={"status": ("open", "resolved")}))
    assert closed[0]["by"] == "system"  # nobody had it: not an operator
    # The visitor writes again: Chatwoot reopens it (the message may come first).
    again = cw.send(message(700, "incoming", conversation(14, "open", at=T0 + 3600),
                            at=T0 + 3600))
    assert kinds(again) == ["conversation.started", "message.visitor"]
    assert {e["conversation"] for e in again} == {"14/2"}
    assert again[0]["id"] == f"cw-14-2-start-{int((T0 + 3600.123456) * 1000)}"
    # The message came with the reopening: it belongs to the new life (at its start at
    # the earliest, so that the contract does not drop it as before the start).
    assert again[1]["at"] >= again[0]["at"]
    assert cw.send(conversation(14, "open", at=T0 + 3600, event="conversation_status_changed",
                                changed={"status": ("resolved", "open")})) == []


def test_assignee_and_team_changes_move_it_between_queue_and_work() -> None:
    cw = Connector()
    cw.send(conversation(15, "open", at=T0, event="conversation_created"))
    moved = cw.send(conversation(15, "open", at=T0 + 10, team=SALES,
                                 event="conversation_updated", changed={"team_id": (None, 2)}))
    assert kinds(moved) == ["group.updated", "conversation.queued"]
    assert moved[1]["group"] == "team-2"
    cw.send(conversation(15, "open", at=T0 + 20, team=SALES, assignee=ANA,
                         event="conversation_updated", changed={"assignee_id": (None, 3)}))
    to_bob = cw.send(conversation(15, "open", at=T0 + 30, team=SALES, assignee=BOB,
                                  event="conversation_updated",
                                  changed={"assignee_id": (3, 4)}))
    assert kinds(to_bob) == ["operator.updated", "conversation.assigned"]
    back = cw.send(conversation(15, "open", at=T0 + 40, event="conversation_updated",
                                changed={"assignee_id": (4, None), "team_id": (2, None)}))
    assert kinds(back) == ["conversation.queued"] and back[0]["group"] == "no-team"


@pytest.mark.parametrize(("case", "fields"), [
    ("private note", {"private": True}),
    ("automation rule", {"content_attributes": {"automation_rule_id": 5}}),
    ("campaign", {"additional_attributes": {"campaign_id": 7}}),
    ("bot", {"sender": {"id": 9, "name": "Helper bot", "type": "agent_bot"}}),
    ("no sender", {"sender": None}),
])
def test_only_a_human_agents_public_reply_is_an_operator_message(
        case: str, fields: dict[str, Any]) -> None:
    cw = Connector()
    cw.send(conversation(16, "open", at=T0, assignee=ANA, event="conversation_created"))
    conv = conversation(16, "open", at=T0 + 5, assignee=ANA)
    payload = message(800, "outgoing", conv, at=T0 + 5, sender=ANA) | fields
    assert cw.send(payload) == [], case


def test_a_template_message_is_not_the_visitor_writing() -> None:
    cw = Connector()
    cw.send(conversation(17, "open", at=T0, event="conversation_created"))
    template = message(900, "template", conversation(17, "open", at=T0 + 1), at=T0 + 1,
                       sender=None)
    assert cw.send(template) == []


def test_topic_labels_choose_the_topic_in_their_order() -> None:
    cw = Connector(topic_labels=("refund", "delivery"))
    started = cw.send(conversation(18, "open", at=T0, labels=["vip", "delivery"],
                                   event="conversation_created"))
    assert started[-1]["topic"] == "delivery"
    changed = cw.send(conversation(18, "open", at=T0 + 9, labels=["delivery", "refund"],
                                   event="conversation_updated",
                                   changed={"label_list": (["delivery"], ["delivery",
                                                                          "refund"])}))
    assert changed[0]["type"] == "conversation.topic" and changed[0]["topic"] == "refund"


@pytest.mark.parametrize(("channel", "kind"), [
    ("Channel::WebWidget", "web_chat"), ("Channel::Email", "email"),
    ("Channel::Telegram", "telegram"), ("Channel::Whatsapp", "whatsapp"),
    ("Channel::FacebookPage", "facebook"), ("Channel::Instagram", "instagram"),
    ("Channel::Sms", "sms"), ("Channel::TwilioSms", "sms"), ("Channel::Api", "api"),
    ("Channel::Line", "other"), ("Channel::Voice", "other"),
])
def test_an_inbox_is_a_channel_of_its_kind_said_once(channel: str, kind: str) -> None:
    cw = Connector()
    first = cw.send(conversation(19, "open", at=T0, inbox_id=4, channel=channel,
                                 event="conversation_created"))
    said_at = int((T0 + 0.123456) * 1000)  # the picture's updated_at
    assert first[0]["id"].startswith(f"cw-inbox-4-{said_at}-")
    assert {k: v for k, v in first[0].items() if k != "id"} == {"type": "channel.updated",
                        "account": "acme", "at": said_at, "channel": "inbox-4",
                        "kind": kind}
    second = cw.send(conversation(20, "open", at=T0 + 1, inbox_id=4, channel=channel,
                                  event="conversation_created"))
    assert kinds(second) == ["conversation.started"]


def roster(at: float, *agents: tuple[int, str], teams: list[dict[str, Any]] | None = None,
           inboxes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"event": "wallboard_roster", "at": int(at * 1000),
            "agents": [{"id": i, "name": f"Agent {i}", "availability_status": s}
                       for i, s in agents],
            "teams": teams or [], "inboxes": inboxes or []}


def send_roster(memory: dict[str, bytes], payload: dict[str, Any]) -> list[dict[str, Any]]:
    parsed = msgspec.json.decode(msgspec.json.encode(payload), type=Roster)
    known = {k: memory[k] for k in roster_keys(parsed) if k in memory}
    out = translate_roster("acme", parsed, known)
    memory.update(out.remember)
    return out.events


def test_the_roster_says_each_agents_presence_groups_and_limit_when_they_change() -> None:
    memory: dict[str, bytes] = {}
    first = send_roster(memory, roster(
        T0, (3, "online"), (4, "busy"),
        teams=[{"id": 2, "name": "sales", "members": [3]}],
        inboxes=[{"id": 1, "name": "Site", "channel_type": "Channel::WebWidget",
                  "members": [3, 4], "max_assignment_limit": 5}]))
    said = {(e["type"], e.get("operator") or e.get("channel") or e.get("group")):
            {k: v for k, v in e.items() if k not in ("id", "type", "account", "at")}
            for e in first}
    assert said[("operator.status", "agent-3")]["status"] == "available"
    assert said[("operator.status", "agent-4")]["status"] == "busy"
    setup = first[[e.get("operator") for e in first].index("agent-3") + 1]
    assert {k: v for k, v in setup.items() if k != "id"} == {
        "type": "operator.updated", "account": "acme", "at": int(T0 * 1000),
        "operator": "agent-3", "groups": ["team-2"], "max_chats": 5}
    assert said[("group.updated", "team-2")]["name"] == "sales"
    assert send_roster(memory, roster(T0 + 20, (3, "online"), (4, "busy"),
                                      teams=[{"id": 2, "name": "sales", "members": [3]}],
                                      inboxes=[{"id": 1, "name": "Site",
                                                "channel_type": "Channel::WebWidget",
                                                "members": [3, 4],
                                                "max_assignment_limit": 5}])) == []
    # An inbox's limit removed: the contract's default again; an agent deleted in Chatwoot
    # goes offline, and coming back is said again.
    unlimited = send_roster(memory, roster(
        T0 + 60, (3, "online"), (4, "busy"), teams=[{"id": 2, "name": "sales", "members": [3]}],
        inboxes=[{"id": 1, "name": "Site", "channel_type": "Channel::WebWidget",
                  "members": [3, 4]}]))
    assert [(e["operator"], e["max_chats"]) for e in unlimited] == [("agent-3", 3),
                                                                    ("agent-4", 3)]
    # Two changes in one millisecond are two events, in order, the last standing.
    flips = [send_roster(memory, roster(T0 + 40, (3, s), (4, "busy"))) for s in ("offline",
                                                                               "online")]
    said = [(e["id"], e["status"]) for f in flips for e in f if e["type"] == "operator.status"]
    assert [s for _, s in said] == ["offline", "available"] and said[0][0] != said[1][0]
    gone = send_roster(memory, roster(T0 + 80, (3, "online")))
    assert [(e["operator"], e["status"]) for e in gone] == [("agent-4", "offline")]
    back = send_roster(memory, roster(T0 + 100, (3, "online"), (4, "busy")))
    assert [e["status"] for e in back if e["type"] == "operator.status"] == ["busy"]


def test_a_reply_whose_webhook_comes_after_the_resolution_still_counts() -> None:
    cw = Connector()
    cw.send(conversation(30, "open", at=T0, assignee=ANA, event="conversation_created"))
    cw.send(message(3000, "incoming", conversation(30, "open", at=T0 + 1, assignee=ANA),
                    at=T0 + 1))
    cw.send(conversation(30, "resolved", at=T0 + 61, assignee=ANA,
                         event="conversation_status_changed",
                         changed={"status": ("open", "resolved")}))
    late = cw.send(message(3001, "outgoing", conversation(30, "resolved", at=T0 + 61,
                                                          assignee=ANA), at=T0 + 60,
                           sender=ANA))
    assert [(e["type"], e["conversation"], e["at"]) for e in late] == [
        ("message.operator", "30", int((T0 + 60) * 1000))]  # before the close: served


def test_a_conversation_whose_creation_was_never_heard_of_began_when_chatwoot_made_it(
        ) -> None:
    cw = Connector()
    first = cw.send(conversation(31, "open", at=T0 + 300, created_at=T0, assignee=ANA,
                                 event="conversation_updated",
                                 changed={"assignee_id": (None, 3)}))
    assert [(e["type"], e["at"]) for e in first if e["type"].startswith("conversation.")] == [
        ("conversation.started", int(T0 * 1000)),
        ("conversation.assigned", int((T0 + 300.123456) * 1000))]
    # ... but never before the oldest moment still counted.
    cw = Connector()
    old = translate("acme", msgspec.json.decode(msgspec.json.encode(conversation(
        32, "open", at=T0 + 300, created_at=T0 - 30 * 86400)), type=Conversation), None, {},
        not_before=int(T0 * 1000))
    assert [e["at"] for e in old.events if e["type"] == "conversation.started"] == [
        int(T0 * 1000)]


def test_a_message_update_late_does_not_move_the_state_back_to_its_time() -> None:
    cw = Connector()
    cw.send(conversation(33, "open", at=T0, event="conversation_created"))
    cw.send(message(3300, "incoming", conversation(33, "open", at=T0 + 1), at=T0 + 1))
    # Minutes later the message's delivery status changes (message_updated), its picture
    # shows the conversation assigned since: the assignment is stamped when it happened.
    update = message(3300, "incoming", conversation(33, "open", at=T0 + 400, assignee=ANA),
                     at=T0 + 1) | {"event": "message_updated"}
    said = cw.send(update)
    assigned = [e for e in said if e["type"] == "conversation.assigned"]
    assert [e["at"] for e in assigned] == [int((T0 + 400.123456) * 1000)]
    assert [e["type"] for e in said if e["type"].startswith("message.")] == ["message.visitor"]


def test_the_conversations_live_here_are_remembered_for_the_sync() -> None:
    cw = Connector()
    cw.send(conversation(40, "open", at=T0, event="conversation_created"))
    cw.send(conversation(41, "pending", at=T0, assignee=bot(9), event="conversation_created"))
    cw.send(conversation(42, "open", at=T0, assignee=ANA, event="conversation_created"))
    assert live_of(cw.memory.get(LIVE_KEY)) == [40, 42]  # a bot's is not
    cw.send(conversation(40, "resolved", at=T0 + 9, event="conversation_status_changed",
                         changed={"status": ("open", "resolved")}))
    assert live_of(cw.memory.get(LIVE_KEY)) == [42]
