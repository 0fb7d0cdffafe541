"""The simulator's mutable state: operators, groups with their queues, conversations."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .truth_row import TruthRow

__all__ = ["CLOSED", "IN_WORK", "WAITING", "Conversation", "Group", "Operator"]

WAITING, IN_WORK, CLOSED = 1, 2, 3


class Operator:
    __slots__ = ("convs", "groups", "id", "in_work", "max_chats", "status")

    def __init__(self, operator_id: str, max_chats: int) -> None:
        self.id = operator_id
        self.groups: list[Group] = []
        self.max_chats = max_chats
        self.status = "offline"
        self.in_work = 0  # every channel, excluded kinds too: they occupy slots
        # Insertion-ordered, so handing chats back at logout is deterministic.
        self.convs: dict[Conversation, None] = {}


class Group:
    __slots__ = ("id", "members", "queue")

    def __init__(self, group_id: str) -> None:
        self.id = group_id
        self.members: list[Operator] = []
        # FIFO of (conversation, its queue token when it entered); entries of conversations
        # that left, were transferred or assigned are dropped when they reach the head.
        self.queue: deque[tuple[Conversation, int]] = deque()


class Conversation:
    __slots__ = (
        "assigned",
        "channel",
        "epoch",
        "excluded",
        "group",
        "id",
        "mute",
        "operator",
        "operator_msg",
        "pace",
        "qtoken",
        "script",
        "silent",
        "start",
        "state",
        "step",
        "stint_start",
        "transferred",
        "truth_row",
        "visitor_msg",
        "work_start",
    )

    def __init__(self, conversation_id: str, channel: str, pace: str, excluded: bool,
                 group: str | None, start: int, truth_row: TruthRow | None) -> None:
        self.id = conversation_id
        self.channel = channel
        self.pace = pace
        self.excluded = excluded
        self.group = group
        self.start = self.stint_start = start
        self.work_start = 0  # when its latest stint in work began
        self.state = WAITING
        # Bumped at every stint start and assignment: a timer for an older epoch is stale.
        self.epoch = 0
        self.qtoken = 0  # bumped at every queue entry, to recognise stale queue entries
        self.visitor_msg = self.operator_msg = self.assigned = self.transferred = False
        self.silent = False  # the visitor never writes
        self.mute = False  # the operator never writes
        self.operator: Operator | None = None
        self.script: list[tuple[int, int]] = []  # the work ahead: (delay ms, step code)
        self.step = 0
        self.truth_row = truth_row  # the channel's ground-truth row; None for excluded kinds
