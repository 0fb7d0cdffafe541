"""Who is there, pure: Chatwoot sends no webhook when an agent goes online or offline, so
the sync (``wallboard chatwoot sync``) reads its REST API and sends the connector a roster
(``Roster``, signed like a webhook), and this turns it into operator, group and channel
events, each only when it changed since the last roster (remembered like the webhooks'
records).

- An agent's availability: online is ``available``, busy ``busy``, offline ``offline``.
- An agent's groups are the teams it is a member of; its ``max_chats`` the smallest
  ``max_assignment_limit`` of the inboxes it serves that have one (Chatwoot's enterprise
  edition; without one Wallboard's default stands).
- An inbox is a channel of its kind, with its name; a team a group with its name.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from .mapping import KINDS, Emitter, Translation

__all__ = ["LIVE_EVENT", "ROSTER_EVENT", "Roster", "roster_keys", "translate_roster"]

ROSTER_EVENT = "wallboard_roster"  # the event name of a roster (not one of Chatwoot's)
LIVE_EVENT = "wallboard_live"  # the sync asking which conversations are live here

_STATUS = {"online": "available", "busy": "busy", "offline": "offline"}


class RosterAgent(msgspec.Struct):
    id: int
    name: str
    availability_status: Literal["online", "busy", "offline"] = "offline"


class RosterTeam(msgspec.Struct):
    id: int
    name: str
    members: list[int] = msgspec.field(default_factory=list)  # agent ids


class RosterInbox(msgspec.Struct):
    id: int
    name: str
    channel_type: str
    members: list[int] = msgspec.field(default_factory=list)  # agent ids
    max_assignment_limit: int | None = None


class Roster(msgspec.Struct):
    event: str
    at: int  # epoch ms the sync read it
    agents: list[RosterAgent]
    teams: list[RosterTeam] = msgspec.field(default_factory=list)
    inboxes: list[RosterInbox] = msgspec.field(default_factory=list)


class _Setup(msgspec.Struct):
    groups: list[str]
    max_chats: int


DEFAULT_MAX_CHATS = 3  # the contract's, for an agent of no inbox with a limit
_ROSTER_KEY = "roster"  # the agents of the last roster (one that drops out goes offline)


def roster_keys(roster: Roster) -> list[str]:
    keys = [f"{kind}:{agent.id}" for agent in roster.agents
            for kind in ("agent", "agent-status", "agent-setup")]
    keys += [f"team:{team.id}" for team in roster.teams]
    keys += [f"{kind}:{inbox.id}" for inbox in roster.inboxes for kind in ("inbox",
                                                                           "inbox-name")]
    return [_ROSTER_KEY, *keys]


def translate_roster(account: str, roster: Roster, known: dict[str, bytes]) -> Translation:
    """The events of what changed since the last roster. Every record is saved again, so
    that none is forgotten by retention while the sync runs."""
    out, at = Emitter(account, known), roster.at
    for team in roster.teams:
        name = team.name[:128]
        out.once(f"team:{team.id}", name, at, "group.updated", group=f"team-{team.id}",
                 name=name)
        out.keep(f"team:{team.id}")
    for inbox in roster.inboxes:
        kind = KINDS.get(inbox.channel_type, "other")
        channel, name = f"inbox-{inbox.id}", inbox.name[:128]
        out.once(f"inbox:{inbox.id}", kind, at, "channel.updated", channel=channel, kind=kind)
        out.once(f"inbox-name:{inbox.id}", name, at, "channel.updated", channel=channel,
                 kind=kind, name=name)
        out.keep(f"inbox:{inbox.id}")
        out.keep(f"inbox-name:{inbox.id}")
    for agent in roster.agents:
        operator, name = f"agent-{agent.id}", agent.name[:128]
        out.once(f"agent:{agent.id}", name, at, "operator.updated", operator=operator,
                 name=name)
        groups = sorted(f"team-{t.id}" for t in roster.teams if agent.id in t.members)
        limits = [i.max_assignment_limit for i in roster.inboxes
                  if agent.id in i.members and i.max_assignment_limit]
        setup = msgspec.json.encode(_Setup(groups, min(limits) if limits
                                           else DEFAULT_MAX_CHATS)).decode()
        out.once(f"agent-setup:{agent.id}", setup, at, "operator.updated", operator=operator,
                 groups=groups, max_chats=min(limits) if limits else DEFAULT_MAX_CHATS)
        status = _STATUS[agent.availability_status]
        out.once(f"agent-status:{agent.id}", status, at, "operator.status",
                 operator=operator, status=status)
        for kind in ("agent", "agent-setup", "agent-status"):
            out.keep(f"{kind}:{agent.id}")
    present = {agent.id for agent in roster.agents}
    before = msgspec.json.decode(known.get(_ROSTER_KEY, b"[]"), type=list[int])
    for gone in sorted(set(before) - present):  # deleted in Chatwoot: no longer there
        out.event(f"cw-agent-gone-{gone}-{at}", "operator.status", at,
                  operator=f"agent-{gone}", status="offline")
        out.remember[f"agent-status:{gone}"] = b"0\noffline"  # back one day: said again
    out.remember[_ROSTER_KEY] = msgspec.json.encode(sorted(present))
    return Translation(out.events, out.remember)
