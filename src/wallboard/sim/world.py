"""The simulated contact center's fixed shape: groups, channels, how each kind is worked,
the intraday load profile, shifts, and the operator roster for a given scale."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "CHANNELS",
    "GROUPS",
    "PACES",
    "PROFILE",
    "SHIFTS",
    "TOPICS",
    "TOPIC_HOURS",
    "TOPIC_MIX",
    "ChannelSpec",
    "OperatorSpec",
    "Pace",
    "profile_at",
    "roster",
    "topic_at",
]

GROUPS: tuple[tuple[str, str], ...] = (
    ("billing", "Billing"),
    ("delivery", "Доставка"),
    ("sales", "Sales"),
    ("support", "Support"),
)


@dataclass(frozen=True)
class Pace:
    """How a kind of channel is worked; times in seconds."""

    reply: tuple[float, float]  # the operator's first reply after assignment, uniform range
    gap: tuple[float, float]  # between later messages
    exchanges: tuple[int, int]  # visitor/operator message pairs after the first reply
    patience: float  # mean time a visitor waits in the queue before giving up


PACES: dict[str, Pace] = {
    "chat": Pace((4, 45), (8, 75), (2, 6), 300),
    "messenger": Pace((10, 150), (30, 300), (1, 5), 1800),
    # Email and forms are answered in minutes and rarely abandoned.
    "email": Pace((240, 1500), (300, 1200), (0, 2), 8 * 3600),
    "form": Pace((300, 1800), (300, 900), (0, 1), 8 * 3600),
}


@dataclass(frozen=True)
class ChannelSpec:
    id: str
    kind: str
    name: str
    pace: str
    # (group a conversation starts in, conversations per hour at the daily peak, scale 1);
    # group None: the channel has no routing, conversations wait for a group to be chosen.
    streams: tuple[tuple[str | None, float], ...]

    @property
    def groups(self) -> tuple[str, ...]:
        """Serving groups; empty means every operator serves the channel."""
        return tuple(sorted({g for g, _ in self.streams if g is not None}))

    @property
    def excluded(self) -> bool:
        return self.kind in ("mobile_chat", "offline_form", "callback")


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("site", "web_chat", "Site chat", "chat", (("sales", 40.0), ("support", 55.0))),
    ChannelSpec("mail", "email", "Email", "email", (("support", 10.0), ("billing", 8.0))),
    ChannelSpec("tg", "telegram", "Telegram", "messenger", (("support", 22.0), ("sales", 10.0))),
    ChannelSpec("wa", "whatsapp", "WhatsApp", "messenger",
                (("sales", 14.0), ("delivery", 16.0))),
    ChannelSpec("vk", "vk", "ВКонтакте", "messenger", (("support", 10.0),)),
    ChannelSpec("viber", "viber", "Viber", "messenger", ((None, 8.0),)),
    ChannelSpec("app", "mobile_chat", "App chat", "chat", (("support", 15.0), ("delivery", 6.0))),
    ChannelSpec("form", "offline_form", "Offline form", "form",
                (("billing", 5.0), ("sales", 3.0))),
)

# Relative load by local hour (1.0 at the midday peak); interpolated between hours.
PROFILE: tuple[float, ...] = (
    0.10, 0.07, 0.05, 0.04, 0.04, 0.05, 0.10, 0.20, 0.40, 0.62, 0.80, 0.92,
    1.00, 0.97, 0.92, 0.88, 0.82, 0.74, 0.62, 0.52, 0.44, 0.34, 0.24, 0.15,
)

TOPICS: tuple[str, ...] = (
    "billing", "delivery", "returns", "account", "technical", "promo", "refund", "оплата",
)
# What each group's visitors write about (weights; the no-group row gets a bit of everything),
# and how that leans through the local day: technical questions in the morning, deliveries
# that did not come in the evening.
TOPIC_MIX: dict[str | None, dict[str, float]] = {
    "sales": {"promo": 30, "оплата": 20, "account": 15, "delivery": 10, "billing": 10,
              "returns": 5, "technical": 5, "refund": 5},
    "support": {"technical": 30, "account": 20, "returns": 12, "delivery": 12, "refund": 10,
                "billing": 8, "оплата": 5, "promo": 3},
    "billing": {"billing": 40, "оплата": 30, "refund": 20, "account": 10},
    "delivery": {"delivery": 60, "returns": 25, "refund": 15},
    None: dict.fromkeys(TOPICS, 1.0),
}
TOPIC_HOURS: dict[str, tuple[float, float, float]] = {  # topic: (from hour, to hour, factor)
    "technical": (7, 12, 1.6),
    "delivery": (17, 24, 1.8),
}


def topic_at(draw: float, group: str | None, hour: float,
             lean: dict[str, float] | None = None) -> str:
    """The topic a uniform ``draw`` in [0, 1) picks for a conversation of ``group`` at the
    local ``hour``; ``lean`` multiplies some topics' weights (a spike)."""
    weights = dict(TOPIC_MIX.get(group, TOPIC_MIX[None]))
    for topic, (start, end, factor) in TOPIC_HOURS.items():
        if topic in weights and start <= hour % 24 < end:
            weights[topic] *= factor
    for topic, factor in (lean or {}).items():
        weights[topic] = weights.get(topic, 1.0) * factor
    total = sum(weights.values())
    left = draw * total
    for topic, weight in weights.items():
        left -= weight
        if left < 0:
            return topic
    return topic

# (start hour, end hour, share of operators); 24 ends at the next local midnight.
SHIFTS: tuple[tuple[int, int, float], ...] = (
    (0, 8, 0.08), (8, 17, 0.26), (9, 18, 0.22), (11, 20, 0.20), (14, 23, 0.14), (16, 24, 0.10),
)
OPERATORS_AT_SCALE_1 = 40
_GROUP_WEIGHTS = {"billing": 0.15, "delivery": 0.15, "sales": 0.30, "support": 0.40}
_NAMES = ("Anna", "Boris", "Vera", "Gleb", "Daria", "Egor", "Zoya", "Ivan", "Kira", "Lev",
          "Maria", "Nikita", "Olga", "Pavel", "Rita", "Semyon", "Tanya", "Ulyana", "Fyodor")


@dataclass(frozen=True)
class OperatorSpec:
    id: str
    name: str
    groups: tuple[str, ...]
    max_chats: int
    shift: tuple[int, int]


def profile_at(hour: float) -> float:
    """The load profile at a fractional local hour, linear between whole hours."""
    i = int(hour) % 24
    frac = hour - int(hour)
    return PROFILE[i] + (PROFILE[(i + 1) % 24] - PROFILE[i]) * frac


def roster(rng: random.Random, scale: float, crew: dict[str, float] | None = None
           ) -> list[OperatorSpec]:
    """The operators for ``scale``: at least one per group, on the day and evening shifts;
    ``crew`` weighs the groups they belong to (default: by each group's load)."""
    n = max(len(GROUPS), round(OPERATORS_AT_SCALE_1 * scale))
    shares = crew or _GROUP_WEIGHTS
    group_ids = list(_GROUP_WEIGHTS)
    weights = [shares.get(g, 0.0) for g in group_ids]
    shifts = [(start, end) for start, end, _ in SHIFTS]
    shift_shares = [share for _, _, share in SHIFTS]
    out = []
    for i in range(n):
        # The first few cover every group on the long day shifts, so a small center still
        # serves each queue; the rest are drawn.
        if i < len(group_ids):
            primary, shift = group_ids[i], shifts[1 + i % 3]
        else:
            primary = rng.choices(group_ids, weights)[0]
            shift = rng.choices(shifts, shift_shares)[0]
        groups = {primary}
        if rng.random() < 0.35:
            groups.add(rng.choice(group_ids))
        name = f"{_NAMES[i % len(_NAMES)]} {i // len(_NAMES) + 1}"
        max_chats = rng.choice((2, 3, 3, 4, 4, 5))
        out.append(OperatorSpec(f"op{i + 1:03d}", name, tuple(sorted(groups)), max_chats, shift))
    return out
