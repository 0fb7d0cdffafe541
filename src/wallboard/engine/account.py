"""One account's live state: conversations, operators, channels, groups and their rows.

``Account.apply`` takes one decoded event (see ``wallboard.events``) and keeps every row of
METRICS.md section 5 up to date; a snapshot is then a read of the rows (``snapshot.py``).
The engine does no I/O and never reads a clock: callers pass ``now`` in epoch milliseconds.
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

from ..events import (
    ASSIGNED,
    AT,
    CHANNEL_UPDATED,
    EVENT_ID,
    GROUP_UPDATED,
    LAST_CONVERSATION_RANK,
    OPERATOR_MSG,
    OPERATOR_STATUS,
    OPERATOR_UPDATED,
    QUEUED,
    RANK,
    STARTED,
    VISITOR_MSG,
    Event,
)
from ..figures import COUNTER, STATUSES, Report
from .calendar import SLOT_BITS, Calendar
from .conversation import (
    ARRIVED,
    COUNT,
    DONE,
    ENTRY,
    HANDLE,
    NEW,
    QUEUE,
    SAMPLE,
    TOPIC_COUNT,
    WORK,
    Conversation,
    Effect,
    packed_close_at,
    packed_ids,
)
from .ids import IdSet
from .rows import AVAILABLE, Row
from .windows import EDGES_MS, SLACK_MS, WindowLog

__all__ = ["EXCLUDED_KINDS", "FINAL_AFTER_MS", "Account", "Channel", "Group", "Operator", "Report",
           "Result"]

_ARRIVED = COUNTER["arrived"]  # the counter that arrivals move (figures.py lays them out)
_SAMPLES, _WAIT_SUM = COUNTER["wait_samples"], COUNTER["wait_sum_ms"]
_QUARTERS = (1 << SLOT_BITS) - 1  # a slot's quarter of its day
_ANSWERED, _WITHIN = COUNTER["answered"], COUNTER["answered_within_sl"]


Result = Literal["accepted", "duplicate", "conflict", "late"]

EXCLUDED_KINDS = frozenset({"mobile_chat", "offline_form", "callback"})
FINAL_AFTER_MS = 48 * 3600 * 1000
# How long the ids of final conversations are remembered, so that a late event for one is
# recognised as late rather than starting a phantom conversation.
TOMBSTONE_MS = 7 * 24 * 3600 * 1000
# Day counters kept in memory; older days belong to history.
DAYS_KEPT = 8
# Bumped whenever the pickled state changes meaning: an older checkpoint is then refused and
# the service rebuilds the state from its event log instead, unless ``__setstate__`` can bring
# it up to date (format 2: operators counted by status, stints in work timed; 3: windows).
CHECKPOINT_FORMAT = 7
# 3: before the rolling windows; 4: topic hours; 5: channels' topics (counted from the
# upgrade on: hot topics compare shares, which a part of a day still gives); 6: before
# ``heard`` and ``retired`` (a channel is heard from with its next event; conversations
# leaving memory are kept from the upgrade on)
_MIGRATED_FORMATS = frozenset({2, 3, 4, 5, 6})
_STATUS = {status: i for i, status in enumerate(STATUSES)}
_UNCOUNTED = -1

_HOUR_MS = 3_600_000
_WINDOWED = frozenset({ARRIVED, ENTRY, SAMPLE, COUNT, TOPIC_COUNT})  # logged for the windows
_NAMING = frozenset({STARTED, QUEUED, ASSIGNED})  # conversation events that name entities
_MESSAGES = frozenset({VISITOR_MSG, OPERATOR_MSG})
_Stamp = tuple[int, str]
_NEVER: _Stamp = (-1, "")


class Channel:
    __slots__ = ("groups", "id", "kind", "name", "row", "stamps")

    def __init__(self, channel_id: str) -> None:
        self.id = channel_id
        self.kind = "other"
        self.name: str | None = None
        self.groups: tuple[str, ...] = ()
        self.stamps: dict[str, _Stamp] = {}
        self.row = Row()

    @property
    def excluded(self) -> bool:
        return self.kind in EXCLUDED_KINDS


class Group:
    __slots__ = ("id", "name", "row", "stamps")

    def __init__(self, group_id: str | None) -> None:
        self.id = group_id
        self.name: str | None = None
        self.stamps: dict[str, _Stamp] = {}
        self.row = Row()


class Operator:
    __slots__ = (
        "capacity",
        "counted",
        "excess",
        "groups",
        "id",
        "in_work",
        "max_chats",
        "name",
        "rows",
        "slots",
        "stamps",
        "status",
    )

    def __init__(self, operator_id: str, max_chats: int = 3) -> None:
        self.id = operator_id
        self.name: str | None = None
        self.groups: tuple[str, ...] = ()
        self.max_chats = max_chats  # until an operator.updated event says otherwise
        self.status = "offline"
        self.stamps: dict[str, _Stamp] = {}
        self.in_work = 0  # conversations in work now, all channels (excluded kinds too)
        self.rows: list[Row] = []  # rows this operator counts in
        # What self.rows count of this operator: the status (its place in STATUSES, or
        # _UNCOUNTED), and while available its free slots, its conversations beyond its chat
        # limit, and the limit.
        self.counted = _UNCOUNTED
        self.slots = 0
        self.excess = 0
        self.capacity = 0


def _count(row: Row, op: Operator, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) what ``row`` counts of ``op``."""
    if op.counted != _UNCOUNTED:
        row.statuses[op.counted] += sign
        row.slots += sign * op.slots
        row.excess += sign * op.excess
        row.capacity += sign * op.capacity


def _newer(stamps: dict[str, _Stamp], field: str, stamp: _Stamp) -> bool:
    if stamp > stamps.get(field, _NEVER):
        stamps[field] = stamp
        return True
    return False


class Account:
    """The pure, incremental state of one account."""

    def __init__(self, account_id: str, timezone: str, sl_threshold_s: float = 60,
                 default_max_chats: int = 3) -> None:
        self.id = account_id
        self.default_max_chats = default_max_chats
        self.calendar = Calendar(timezone)
        self._slot_of = self.calendar.slot_of
        self.sl_threshold_s = sl_threshold_s
        self._sl_ms = round(sl_threshold_s * 1000)
        self.total = Row()
        self.channels: dict[str, Channel] = {}
        self.groups: dict[str, Group] = {}
        self.no_group = Group(None)
        self.operators: dict[str, Operator] = {}
        # Open conversations as objects; closed ones packed (most of a day's are closed, and a
        # late event for one is rare enough to pay for rebuilding it).
        self.open: dict[str, Conversation] = {}
        self.closed: dict[str, bytes] = {}
        self._ids = IdSet()  # ids of every remembered event
        self._attributes: dict[str, Event] = {}  # operator, channel and group events by id
        self._attribute_order: deque[tuple[int, str]] = deque()  # (received, id)
        self._closing: dict[int, list[str]] = {}  # hour of close (or of last event) -> ids
        self._final: set[str] = set()  # ids of final conversations, remembered for a while
        self._final_order: deque[tuple[int, str]] = deque()  # (closed at, id), oldest first
        self._expire_at = 0
        self._oldest_day = 0
        self.dropped_late = 0
        self.windows = WindowLog()
        # Rows with their own service-level threshold (ms), known or not yet
        self.own_sl: dict[tuple[Report, str], int] = {}
        # When each channel's last conversation event was received (a stale feed's alert)
        self.heard: dict[str, int] = {}
        # Closed conversations leaving memory, for the service to keep in its store (the
        # conversations behind a past day's figures); None: not kept (a replay, a benchmark)
        self.retired: list[tuple[str, bytes]] | None = None

    # -- checkpoints --------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # Id hashes are salted per process: the set is rebuilt from the ids on loading.
        del state["_ids"], state["_slot_of"]
        state["format"] = CHECKPOINT_FORMAT
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        version = state.pop("format", None)
        if version != CHECKPOINT_FORMAT and version not in _MIGRATED_FORMATS:
            raise ValueError("a checkpoint of another engine version")
        self.__dict__.update(state)
        self.own_sl = state.get("own_sl", {})  # saved before rows had their own
        self.heard = state.get("heard", {})
        self.retired = state.get("retired")
        self._slot_of = self.calendar.slot_of
        for row in self.rows():  # saved before a figure was added: the new ones start at 0
            row.widen()
        if version == 2:
            self._migrate()
        if version in (2, 3):
            self._log_windows()
        ids = self._ids = IdSet()
        for event_id in self._attributes:
            ids.add(event_id)
        for conv in self.open.values():
            for ev in conv.events:
                ids.add(ev[EVENT_ID])
        for packed in self.closed.values():
            for event_id in packed_ids(packed):
                ids.add(event_id)

    def _migrate(self) -> None:
        """Bring a state of format 2 up to date: fold each open conversation again (for the
        fields it keeps now) and count every operator in its rows afresh."""
        for conv in self.open.values():
            conv.contribution(self._slot_of)
        for row in self.rows():
            row.statuses[:] = [0] * len(STATUSES)
            row.slots = row.excess = row.capacity = 0
        for op in self.operators.values():
            op.counted, op.slots, op.excess, op.capacity = _UNCOUNTED, 0, 0, 0
            self._operator_recount(op)

    def _log_windows(self) -> None:
        """Log again the effects the rolling windows can still reach (a state saved before
        there were windows)."""
        self.windows = WindowLog()
        for row in self.rows():
            row.windows = None
        recent = [conv.contribution(self._slot_of) for conv in self.open.values()]
        latest = max([packed_close_at(p) for p in self.closed.values()]
                     + [conv.events[-1][AT] for conv in self.open.values() if conv.events],
                     default=0)
        reach = latest - EDGES_MS[-1] - SLACK_MS
        recent += [Conversation.unpack(cid, packed, self._slot_of)[1]
                   for cid, packed in self.closed.items() if packed_close_at(packed) > reach]
        for effects in recent:
            for effect, n in effects.items():
                if (effect[0] in _WINDOWED and effect[-1] > reach
                        and self.channels[effect[1]].kind not in EXCLUDED_KINDS):
                    self.windows.add(effect[-1], effect, n, self._window_apply)

    def dumps(self) -> bytes:
        """The whole state as bytes (a checkpoint); ``Account.loads`` gives it back."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> Account:
        """An account from ``dumps``. Only for checkpoints this program wrote itself."""
        account = pickle.loads(data)
        if not isinstance(account, Account):
            raise TypeError("not an account checkpoint")
        return account

    # -- ingest -------------------------------------------------------------------------------

    def apply(self, ev: Event, now: int) -> Result:
        """Apply one decoded event received at ``now``; say whether it was taken."""
        if now >= self._expire_at:
            self.expire(now)
        at, rank, event_id, cid, _a, _b, _c = ev
        if rank > LAST_CONVERSATION_RANK:
            return self._apply_attribute(ev, now)
        conv = self.open.get(cid)
        if rank in _MESSAGES and conv is not None and conv.state != NEW and ev > conv.events[-1]:
            # Most events are messages in order: they only mark that the side has written.
            if not self._ids.add(event_id):
                return "duplicate" if conv.find(event_id) == ev else "conflict"
            conv.events.append(ev)
            self.heard[conv.channel] = now
            if rank == VISITOR_MSG:
                conv.visitor_msg = True
            else:
                conv.operator_msg = True
                conv.operator_msg_at = at
            return "accepted"
        slot_of = self._slot_of
        packed = before = None
        if conv is None:
            packed = self.closed.get(cid)
            if packed is not None:
                conv, before = Conversation.unpack(cid, packed, slot_of)
                if conv.close_at < now - FINAL_AFTER_MS:
                    self.dropped_late += 1
                    return "late"
            elif cid in self._final:
                self.dropped_late += 1
                return "late"
        if not self._ids.add(event_id):
            seen = conv.find(event_id) if conv is not None else None
            return "duplicate" if seen == ev else "conflict"
        created = conv is None
        if conv is None:
            conv = self.open[cid] = Conversation(cid)
        if rank in _NAMING:
            self._know(ev)
        out: list[tuple[Effect, int]] = []
        close_at = conv.close_at if conv.state == DONE else None
        conv.add(ev, slot_of, out, before)
        self._effects(cid, out)
        if conv.channel:  # known once started
            self.heard[conv.channel] = now
        if conv.state == DONE:
            if packed is None:
                del self.open[cid]
            self.closed[cid] = conv.pack()
            if conv.close_at != close_at:
                self._watch(cid, conv.close_at)
        elif packed is not None:  # a late event reopened it (e.g. assigned before visitor_left)
            del self.closed[cid]
            self.open[cid] = conv
        elif created and conv.state == NEW:
            self._watch(cid, at)  # forgotten if no started event comes within 48 hours
        return "accepted"

    def _apply_attribute(self, ev: Event, now: int) -> Result:
        rank, event_id = ev[RANK], ev[EVENT_ID]
        if not self._ids.add(event_id):
            return "duplicate" if self._attributes.get(event_id) == ev else "conflict"
        self._attributes[event_id] = ev
        self._attribute_order.append((now, event_id))
        if rank == OPERATOR_STATUS:
            self._operator_status(ev)
        elif rank == OPERATOR_UPDATED:
            self._operator_updated(ev)
        elif rank == CHANNEL_UPDATED:
            self._channel_updated(ev)
        elif rank == GROUP_UPDATED:
            self._group_updated(ev)
        return "accepted"

    def conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation as the engine holds it (rebuilt if packed), or None."""
        conv = self.open.get(conversation_id)
        if conv is None and (packed := self.closed.get(conversation_id)) is not None:
            conv = Conversation.unpack(conversation_id, packed, self.calendar.slot_of)[0]
        return conv

    def conversations(self) -> Iterator[Conversation]:
        """Every conversation held in memory (closed ones rebuilt on the way: slow)."""
        yield from list(self.open.values())
        for cid in list(self.closed):
            conv = self.conversation(cid)
            if conv is not None:
                yield conv

    def _know(self, ev: Event) -> None:
        """Register the channel and groups a conversation event names (known once seen)."""
        _at, rank, _id, _cid, a, b, _c = ev
        if rank == STARTED:  # a: the channel, b: the group if given
            self.channel(a)
            if b is not None:
                self.group(b)
        elif rank == QUEUED:  # a: the group
            self.group(a)
        elif rank == ASSIGNED:  # a: the operator, b: the group if given
            self.operator(a)
            if b is not None:
                self.group(b)

    # -- effects on rows ----------------------------------------------------------------------

    def _effects(self, cid: str, effects: Iterable[tuple[Effect, int]]) -> None:
        """Apply one conversation's signed effects to the rows (one call for all of them)."""
        channels, groups, total = self.channels, self.groups, self.total
        log, apply = self.windows.add, self._window_apply
        for effect, sign in effects:
            tag = effect[0]
            if tag == WORK:
                op = self.operator(effect[3])
                op.in_work += sign
                if op.counted == AVAILABLE:
                    self._operator_recount(op)
            channel = channels[effect[1]]
            if channel.kind in EXCLUDED_KINDS:
                continue  # appears in no figure; only the operator's load above counts
            crow = channel.row
            if tag == ARRIVED:
                crow.count(effect[2], _ARRIVED, sign)
                total.count(effect[2], _ARRIVED, sign)
                log(effect[3], effect, sign, apply)
                continue
            # Every group an effect names was registered when its event was accepted.
            grow = self.no_group.row if effect[2] is None else groups[effect[2]].row
            if tag == QUEUE:
                if sign > 0:
                    crow.start_wait(cid, effect[3])
                    total.start_wait(cid, effect[3])
                    grow.start_wait(cid, effect[3])
                else:
                    crow.end_wait(cid)
                    total.end_wait(cid)
                    grow.end_wait(cid)
            elif tag == WORK:
                crow.in_work += sign
                total.in_work += sign
                grow.in_work += sign
            elif tag == ENTRY:
                grow.count(effect[3], _ARRIVED, sign)
                log(effect[4], effect, sign, apply)
            elif tag == SAMPLE:
                slot, length = effect[3], effect[4]
                answered = sign if effect[5] else 0
                within = answered if length <= self._sl_ms else 0
                # A row with its own threshold counts by it.
                crow.count_wait(slot, sign, length, answered, within if crow.sl_ms is None
                                else answered if length <= crow.sl_ms else 0)
                total.count_wait(slot, sign, length, answered, within)
                grow.count_wait(slot, sign, length, answered, within if grow.sl_ms is None
                                else answered if length <= grow.sl_ms else 0)
                log(effect[6], effect, sign, apply)
            elif tag == HANDLE:
                slot, length = effect[3], effect[4]
                crow.count_handle(slot, sign, length)
                total.count_handle(slot, sign, length)
                grow.count_handle(slot, sign, length)
            elif tag == COUNT:
                slot, index, handled = effect[3], effect[4], effect[5]
                crow.count_close(slot, index, sign, handled)
                total.count_close(slot, index, sign, handled)
                grow.count_close(slot, index, sign, handled)
                log(effect[6], effect, sign, apply)
            elif tag == TOPIC_COUNT:
                hour = (self._slot_of(effect[5]) & _QUARTERS) >> 2
                crow.add_topic(effect[3], hour, effect[4], sign)
                total.add_topic(effect[3], hour, effect[4], sign)
                grow.add_topic(effect[3], hour, effect[4], sign)
                log(effect[5], effect, sign, apply)

    def move_windows(self, now: int) -> None:
        """Set the rolling windows' edges for a snapshot at ``now``."""
        self.windows.move(now, self._window_apply)

    def _window_apply(self, effect: Effect, sign: int, first: int, stop: int) -> None:
        """Add a logged effect to the sums of edges ``first`` to ``stop - 1`` of its rows, as
        ``_effects`` adds it to a day's counters (each effect passes five edges in its life:
        this is the windows' main cost)."""
        tag, total = effect[0], self.total
        if tag == ARRIVED:
            rows: tuple[Row, ...] = (self.channels[effect[1]].row, total)
        else:
            grow = self.no_group.row if effect[2] is None else self.groups[effect[2]].row
            if tag == TOPIC_COUNT:  # every row's topics (the snapshot shows no channel's)
                self.channels[effect[1]].row.window_sums().count_topic(effect[4], sign, first,
                                                                       stop)
                total.window_sums().count_topic(effect[4], sign, first, stop)
                grow.window_sums().count_topic(effect[4], sign, first, stop)
                return
            rows = (grow,) if tag == ENTRY else (self.channels[effect[1]].row, total, grow)
        place = effect[4] if tag == COUNT else _ARRIVED
        if tag == SAMPLE:
            wait = sign * effect[4]
            answered = sign if effect[5] else 0
        for row in rows:
            sums = row.windows or row.window_sums()
            sums.out = None
            edges = sums.counters
            if tag == SAMPLE and row.sl_ms is not None:
                within = answered if effect[4] <= row.sl_ms else 0
            elif tag == SAMPLE:
                within = answered if effect[4] <= self._sl_ms else 0
            for k in range(first, stop):
                counters = edges[k]
                if tag == SAMPLE:
                    counters[_SAMPLES] += sign
                    counters[_WAIT_SUM] += wait
                    counters[_ANSWERED] += answered
                    counters[_WITHIN] += within
                else:
                    counters[place] += sign

    def _recount_channel(self, channel: Channel, kind: str) -> None:
        """Change the channel's kind, re-counting its conversations around the change.

        Used when a kind change moves the channel into or out of the excluded kinds: each of
        its conversations leaves every row and comes back under the new kind.
        """
        slot_of = self.calendar.slot_of
        contributions = []
        for conv in self.conversations():
            if conv.state != NEW and conv.channel == channel.id:
                contributions.append((conv.id, conv.contribution(slot_of)))
        def change() -> None:
            channel.kind = kind

        self._count_again(contributions, change)

    def _count_again(self, contributions: list[tuple[str, dict[Effect, int]]],
                     change: Callable[[], None]) -> None:
        """Take the conversations' contributions out of every row, make the change that
        alters how they count, and put them back: exact, whatever the change did."""
        for cid, effects in contributions:
            self._effects(cid, [(effect, -n) for effect, n in effects.items()])
        change()
        for cid, effects in contributions:
            self._effects(cid, effects.items())

    def set_sl_thresholds(self, wanted: Mapping[tuple[Report, str], float]) -> int:
        """Let the channels and groups in ``wanted`` count their service level by their own
        threshold (seconds), every other row by the account's. A known row whose threshold
        changes has the wait samples of the conversations still held (those closed within the
        last 48 hours) counted again around the change, as a change of kind does: their days'
        counters, buckets and windows count by the new one; days older than that keep the
        counts they had. One pass over the conversations for all the rows changed. Returns how
        many rows changed."""
        target = {key: ms for key, seconds in wanted.items()
                  if (ms := round(seconds * 1000)) != self._sl_ms}
        changed = {key for key in set(self.own_sl) | set(target)
                   if self.own_sl.get(key) != target.get(key)}
        if not changed:
            return 0
        rows: dict[tuple[Report, str], Row] = {}
        for report, row_id in changed:
            entity = (self.channels if report == "channel" else self.groups).get(row_id)
            if entity is not None:  # one not yet known counts by it from its first event
                rows[(report, row_id)] = entity.row
        touched = []
        if rows:
            # A conversation names its channel and groups in its events, which a packed one
            # keeps as they came: one that names none of these rows is not rebuilt.
            names = [row_id.encode() for _, row_id in rows]
            slot_of = self.calendar.slot_of
            convs = list(self.open.values()) + [
                Conversation.unpack(cid, packed, slot_of)[0]
                for cid, packed in self.closed.items() if any(n in packed for n in names)]
            for conv in convs:
                effects = conv.contribution(slot_of)
                if any(e[0] == SAMPLE and (("channel", e[1]) in rows or ("group", e[2]) in rows)
                       for e in effects):
                    touched.append((conv.id, effects))
        def change() -> None:
            self.own_sl = target
            for key, row in rows.items():
                row.sl_ms = target.get(key)

        self._count_again(touched, change)
        return len(changed)

    def sl_ms_of(self, row: Row) -> int:
        """The service-level threshold a row counts by (ms): its own, or the account's."""
        return self._sl_ms if row.sl_ms is None else row.sl_ms

    def sl_thresholds(self) -> dict[tuple[Report, str], float]:
        """The rows with their own service-level threshold, in seconds."""
        return {key: ms / 1000 for key, ms in self.own_sl.items()}

    # -- known entities -----------------------------------------------------------------------

    def channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = self.channels[channel_id] = Channel(channel_id)
            channel.row.sl_ms = self.own_sl.get(("channel", channel_id))
            self._rebind_channel(channel, None)
        return channel

    def group(self, group_id: str) -> Group:
        group = self.groups.get(group_id)
        if group is None:
            group = self.groups[group_id] = Group(group_id)
            group.row.sl_ms = self.own_sl.get(("group", group_id))
        return group

    def operator(self, operator_id: str) -> Operator:
        op = self.operators.get(operator_id)
        if op is None:
            op = self.operators[operator_id] = Operator(operator_id, self.default_max_chats)
            op.rows = self._operator_rows(op)
            self._operator_recount(op)  # offline, until a status event says otherwise
        return op

    # -- attributes: field by field, the latest (at, id) wins ---------------------------------

    def _operator_status(self, ev: Event) -> None:
        at, _, event_id, operator_id, status, _b, _c = ev
        op = self.operator(operator_id)
        if _newer(op.stamps, "status", (at, event_id)):
            op.status = status
            self._operator_recount(op)

    def _operator_updated(self, ev: Event) -> None:
        at, _, event_id, operator_id, name, groups, max_chats = ev
        op = self.operator(operator_id)
        stamp = (at, event_id)
        if name is not None and _newer(op.stamps, "name", stamp):
            op.name = name
        if groups is not None:
            for g in groups:
                self.group(g)
            if _newer(op.stamps, "groups", stamp):
                self._operator_uncount(op)
                op.groups = groups
                op.rows = self._operator_rows(op)
        if max_chats is not None and _newer(op.stamps, "max_chats", stamp):
            op.max_chats = max_chats
        self._operator_recount(op)

    def _channel_updated(self, ev: Event) -> None:
        at, _, event_id, channel_id, kind, name, groups = ev
        channel = self.channel(channel_id)
        stamp = (at, event_id)
        if _newer(channel.stamps, "kind", stamp) and kind != channel.kind:
            if (kind in EXCLUDED_KINDS) != channel.excluded:
                self._recount_channel(channel, kind)
            channel.kind = kind
        if name is not None and _newer(channel.stamps, "name", stamp):
            channel.name = name
        if groups is not None:
            for g in groups:
                self.group(g)
            if _newer(channel.stamps, "groups", stamp) and groups != channel.groups:
                old = channel.groups
                channel.groups = groups
                self._rebind_channel(channel, old)

    def _group_updated(self, ev: Event) -> None:
        at, _, event_id, group_id, name, _b, _c = ev
        group = self.group(group_id)
        if name is not None and _newer(group.stamps, "name", (at, event_id)):
            group.name = name

    # -- operators' availability and slots ----------------------------------------------------

    def _serves(self, op: Operator, groups: tuple[str, ...]) -> bool:
        return not groups or not set(op.groups).isdisjoint(groups)

    def _operator_rows(self, op: Operator) -> list[Row]:
        rows = [self.total]
        rows.extend(self.group(g).row for g in op.groups)
        # The operator's groups as a set once, not once per channel: configuring hundreds of
        # operators walks every channel for each.
        mine = set(op.groups)
        rows.extend(c.row for c in self.channels.values()
                    if not c.groups or not mine.isdisjoint(c.groups))
        return rows

    def _rebind_channel(self, channel: Channel, old_groups: tuple[str, ...] | None) -> None:
        """The channel's serving groups changed (or it is new): move operators in or out."""
        row = channel.row
        for op in self.operators.values():
            was = old_groups is not None and self._serves(op, old_groups)
            now = self._serves(op, channel.groups)
            if was and not now:
                op.rows.remove(row)
                _count(row, op, -1)
            elif now and not was:
                op.rows.append(row)
                _count(row, op, 1)

    def _operator_uncount(self, op: Operator) -> None:
        for row in op.rows:
            _count(row, op, -1)
        op.counted, op.slots, op.excess, op.capacity = _UNCOUNTED, 0, 0, 0

    def _operator_recount(self, op: Operator) -> None:
        """Count the operator in its rows as it is now (it was counted as ``op.counted``).
        A row keeps its conversations held as its capacity less its free slots plus what its
        operators hold beyond their limits, so that a change of load moves only the slots."""
        status = _STATUS[op.status]
        if status == AVAILABLE:
            limit, load = op.max_chats, op.in_work
            slots, excess = (limit - load, 0) if load <= limit else (0, load - limit)
            capacity = limit
        else:
            slots = excess = capacity = 0
        if status == op.counted and excess == op.excess and capacity == op.capacity:
            d_slots = slots - op.slots
            if d_slots:  # a change of load, the usual case: only the free slots move
                op.slots = slots
                for row in op.rows:
                    row.slots += d_slots
            return
        was = op.counted
        d_slots, d_excess, d_capacity = slots - op.slots, excess - op.excess, capacity - op.capacity
        op.counted, op.slots, op.excess, op.capacity = status, slots, excess, capacity
        for row in op.rows:
            if status != was:
                statuses = row.statuses
                if was != _UNCOUNTED:
                    statuses[was] -= 1
                statuses[status] += 1
            row.slots += d_slots
            row.excess += d_excess
            row.capacity += d_capacity

    # -- finality -----------------------------------------------------------------------------

    def _watch(self, cid: str, at: int) -> None:
        """Look at the conversation again once ``at`` is 48 hours old."""
        hour = at // _HOUR_MS
        bucket = self._closing.get(hour)
        if bucket is None:
            bucket = self._closing[hour] = []
            self._expire_at = min(self._expire_at, (hour + 1) * _HOUR_MS + FINAL_AFTER_MS)
        bucket.append(cid)

    def expire(self, now: int) -> None:
        """Forget what is final at ``now``; called by ``apply`` when something may be.

        Conversations closed more than 48 hours ago leave memory (their contribution to past
        days stays in the rows); so do conversations that never got a started event, 48 hours
        after their latest event, and the ids of operator, channel and group events after 48
        hours (re-applying one of those is harmless: the latest value wins anyway).
        """
        limit = now - FINAL_AFTER_MS
        for hour in sorted(h for h in self._closing if (h + 1) * _HOUR_MS <= limit):
            for cid in self._closing.pop(hour):
                packed = self.closed.get(cid)
                if packed is not None:
                    if packed_close_at(packed) < limit:
                        del self.closed[cid]
                        self._forget(cid, packed_ids(packed), now)
                        if self.retired is not None:
                            self.retired.append((cid, packed))
                    continue
                conv = self.open.get(cid)
                if conv is not None and conv.state == NEW:
                    if conv.events[-1][0] < limit:
                        del self.open[cid]
                        self._forget(cid, [e[2] for e in conv.events], now)
                    else:
                        self._watch(cid, conv.events[-1][0])
        order = self._attribute_order
        while order and order[0][0] < limit:
            event_id = order.popleft()[1]
            del self._attributes[event_id]
            self._ids.discard(event_id)
        order_final = self._final_order
        while order_final and order_final[0][0] < now - TOMBSTONE_MS:
            self._final.discard(order_final.popleft()[1])
        self.windows.forget(now - EDGES_MS[-1] - SLACK_MS, self._window_apply)
        oldest = self.calendar.day_of(now) - DAYS_KEPT
        if oldest > self._oldest_day:
            self._oldest_day = oldest
            for row in self.rows():
                row.forget_days_before(oldest)
        soonest = [now + _HOUR_MS]
        if self._closing:
            soonest.append((min(self._closing) + 1) * _HOUR_MS + FINAL_AFTER_MS)
        if order:
            soonest.append(order[0][0] + FINAL_AFTER_MS + 1)
        self._expire_at = min(soonest)

    def _forget(self, cid: str, event_ids: list[str], now: int) -> None:
        for event_id in event_ids:
            self._ids.discard(event_id)
        self._final.add(cid)
        self._final_order.append((now, cid))

    def holds_day(self, day: int, now: int) -> bool:
        """Whether the engine is the one to ask about a local day: today, or a day it still
        holds and has events of (a day whose history was filled in from elsewhere is the
        store's)."""
        return day >= self.first_day_held(now) and (
            day == self.calendar.day_of(now) or day in self.total.days)

    def first_day_held(self, now: int) -> int:
        """The oldest local day whose counters are still complete in memory at ``now``."""
        return max(self._oldest_day, self.calendar.day_of(now) - DAYS_KEPT)

    def sample_gauges(self, now: int) -> None:
        """Record every reported row's gauges at ``now`` in the intraday series.

        The caller samples at its own pace (the service: every 10 seconds); each slot keeps
        how many samples it got and their sums and peaks.
        """
        slot = self.calendar.slot_of(now)
        for _, _, row in self.report_rows():
            row.sample_gauges(slot, now)

    def report_row(self, report: Report, row_id: str | None) -> Row | None:
        """One reported row (``report_rows``), or None when the account has no such row."""
        if report == "total":
            return self.total
        if report == "channel":
            channel = self.channels.get(row_id or "")
            return None if channel is None or channel.excluded else channel.row
        if row_id is None:
            return self.no_group.row
        group = self.groups.get(row_id)
        return None if group is None else group.row

    def report_rows(self) -> Iterator[tuple[Report, str | None, Row]]:
        """The rows a snapshot reports: ``("total"|"channel"|"group", id, row)``."""
        yield "total", None, self.total
        for c in self.channels.values():
            if not c.excluded:
                yield "channel", c.id, c.row
        for g in self.groups.values():
            yield "group", g.id, g.row
        yield "group", None, self.no_group.row

    def rows(self) -> Iterable[Row]:
        yield self.total
        for c in self.channels.values():
            yield c.row
        for g in self.groups.values():
            yield g.row
        yield self.no_group.row
