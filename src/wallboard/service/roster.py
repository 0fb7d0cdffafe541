"""Who is logged in: an account's operators, each with their status, groups, limit and the
conversations they hold now (``OperatorsQuery``)."""

from __future__ import annotations

import msgspec

from ..engine import Account
from ..engine.conversation import IN_WORK
from ..figures import STATUSES

__all__ = ["HeldConversation", "OperatorInfo", "OperatorList", "roster"]

_ORDER = {status: i for i, status in enumerate(STATUSES)}


class HeldConversation(msgspec.Struct):
    conversation: str
    channel: str
    group: str | None
    since: str  # when this operator took it
    last_operator_message_at: str | None  # the latest operator message in it (anyone's)
    silent_s: float | None  # seconds since then; null when no operator has written


class OperatorInfo(msgspec.Struct):
    id: str
    name: str | None
    status: str
    status_since: str | None  # the status event's time; null: no status event yet (offline)
    groups: list[str]
    max_chats: int
    in_work: int  # conversations in work, every channel (as slots count them)
    free_slots: int  # while available: max(0, limit - in work); otherwise 0
    conversations: list[HeldConversation]  # oldest first


class OperatorList(msgspec.Struct):
    account: str
    as_of: str
    group: str | None  # the group asked for; null: every operator
    operators: list[OperatorInfo]  # available first, then busy, away, offline; by name


def roster(account: Account, group: str | None, now: int) -> OperatorList:
    """The operators (of ``group``, or all) as they are at ``now``."""
    iso = account.calendar.iso
    in_work = sorted((c for c in account.open.values()
                      if c.state == IN_WORK and c.operator is not None),
                     key=lambda c: (c.assigned_at, c.id))
    held: dict[str, list[HeldConversation]] = {}
    for conv in in_work:
        last = conv.operator_msg_at
        held.setdefault(conv.operator or "", []).append(HeldConversation(
            conv.id, conv.channel, conv.group, iso(conv.assigned_at),
            None if last is None else iso(last),
            None if last is None else max(0, now - last) / 1000))
    operators = []
    for op in account.operators.values():
        if group is not None and group not in op.groups:
            continue
        stamp = op.stamps.get("status")
        operators.append(OperatorInfo(
            op.id, op.name, op.status, None if stamp is None else iso(stamp[0]),
            list(op.groups), op.max_chats, op.in_work,
            max(0, op.max_chats - op.in_work) if op.status == "available" else 0,
            held.get(op.id, [])))
    operators.sort(key=lambda o: (_ORDER[o.status], o.name or o.id, o.id))
    return OperatorList(account.id, iso(now), group, operators)
