"""An account's alerts: its rules (a setting), the figures they watch, what fired and resolved
(kept in the store), acknowledgements, and the deliveries each firing and resolution owes.

Every second the schedule reads each watched figure of each row from the live engine (the
snapshot's figures, the shares the dashboard colours, the rolling windows, the at-risk
counters and two built-in ones: conversations waiting while no operator is available, and
the minutes since a channel's last event) and steps the rules' ``alerting.Evaluator``. A
firing or resolution is saved with its deliveries in one transaction before anything is
sent: the deliverer (``deliveries``) sends them, and a crash between the two loses nothing.
After a restart the alerts still firing are taken back from the store, so that none fires
twice and each still resolves.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any, Literal

import msgspec

from ..alerting import (
    ALERT_FIGURES,
    AlertRule,
    Comparison,
    Evaluator,
    RowKey,
    RuleIn,
    Transition,
)
from ..engine import Account, build
from ..figures import Report
from ..store import SavedAlert, SavedDelivery, Store
from .at_risk import at_risk

__all__ = ["ALERT_RULES_SETTING", "MAX_RULES", "Alert", "AlertBook", "AlertPage", "Delivery",
           "OpenAlerts", "Target", "alert_page", "delivery_log", "hide_secrets", "keep_secrets",
           "load_rules"]

log = logging.getLogger("wallboard.alerts")

ALERT_RULES_SETTING = "alert_rules"
MAX_RULES = 100  # per account
_AT_RISK = frozenset(("waiting_past_sl", "silent_in_work", "full_operators"))
_WINDOWED = frozenset(f.name for f in ALERT_FIGURES if "." in f.name)


class Alert(msgspec.Struct):
    id: str
    rule: str
    name: str  # the rule's, when it fired
    figure: str
    comparison: Comparison
    threshold: float
    report: Report
    row: str | None  # the channel or group; null for the total and the no-group row
    fired_at: str  # RFC 3339, the account's offset
    fired_ms: int
    value: float | None  # the figure when it fired
    resolved_at: str | None = None
    resolved_value: float | None = None
    resolved_why: Literal["back", "rule_changed"] | None = None
    acked_at: str | None = None
    acked_by: str | None = None  # the token that acknowledged it (a session's, or a bearer's)


class OpenAlerts(msgspec.Struct):
    """The stream's ``alerts`` feed, and ``GET .../alerts?state=open``."""

    account: str
    open: list[Alert]


class AlertPage(msgspec.Struct):
    account: str
    alerts: list[Alert]  # newest first
    next_before: int | None  # pass as ``before`` for the page after; null: no more


class Target(msgspec.Struct, tag_field="kind"):
    """Where a delivery goes (kept with it, so that a rule changed meanwhile changes nothing
    already owed)."""


class WebhookTarget(Target, tag="webhook"):
    url: str
    secret: str | None


class TelegramTarget(Target, tag="telegram"):
    bot_token: str
    chat_id: str
    text: str


class Payload(msgspec.Struct):
    """A webhook's body."""

    delivery: str
    event: Literal["firing", "resolved"]
    account: str
    alert: Alert


class Delivery(msgspec.Struct):
    """A line of the delivery log: what was sent where, and how it went (no secrets)."""

    id: str
    alert: str
    event: Literal["firing", "resolved"]
    kind: Literal["webhook", "telegram"]
    to: str  # the webhook's address, or the Telegram chat
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str
    next_attempt_at: str | None  # while pending


def load_rules(saved: bytes | None) -> list[AlertRule]:
    return [] if saved is None else msgspec.json.decode(saved, type=list[AlertRule])


def hide_secrets(rule: AlertRule) -> AlertRule:
    """As the API shows a rule: its webhook secret and bot token are never shown."""
    return msgspec.structs.replace(
        rule,
        webhook=None if rule.webhook is None else msgspec.structs.replace(rule.webhook,
                                                                        secret=None),
        telegram=None if rule.telegram is None else msgspec.structs.replace(rule.telegram,
                                                                          bot_token=None))


def keep_secrets(new: RuleIn, rule_id: str, old: AlertRule | None) -> AlertRule:
    """``new`` as rule ``rule_id``, with the secrets it leaves null taken from ``old``."""
    webhook, telegram = new.webhook, new.telegram
    if old is not None:
        if webhook is not None and webhook.secret is None and old.webhook is not None:
            webhook = msgspec.structs.replace(webhook, secret=old.webhook.secret)
        if (telegram is not None and telegram.bot_token is None
                and old.telegram is not None):
            telegram = msgspec.structs.replace(telegram, bot_token=old.telegram.bot_token)
    fields = msgspec.structs.asdict(new) | {"webhook": webhook, "telegram": telegram}
    return AlertRule(id=rule_id, **fields)


def alert_page(store: Store, account: str, limit: int, before: int | None) -> AlertPage:
    """A page of the account's alerts, newest first, fired before ``before``."""
    saved = store.alerts(account, limit + 1, before)
    alerts = [msgspec.json.decode(s.body, type=Alert) for s in saved[:limit]]
    more = len(saved) > limit
    return AlertPage(account, alerts, alerts[-1].fired_ms if more else None)


def delivery_log(saved: list[SavedDelivery], iso: Callable[[int], str]) -> list[Delivery]:
    out = []
    for d in saved:
        target = msgspec.json.decode(d.target, type=WebhookTarget | TelegramTarget)
        payload = msgspec.json.decode(d.payload, type=Payload)
        kind: Literal["webhook", "telegram"] = ("webhook" if isinstance(target, WebhookTarget)
                                                else "telegram")
        to = target.url if isinstance(target, WebhookTarget) else target.chat_id
        out.append(Delivery(d.id, payload.alert.id, payload.event, kind, to, d.state,
                            d.attempts, d.last_error, iso(d.created_at), iso(d.updated_at),
                            iso(d.due_at) if d.state == "pending" else None))
    return out


def _shares(row: dict[str, Any]) -> dict[str, float | None]:
    unserved = row["unserved"]
    closed = row["served"] + unserved["total"]
    samples = row["wait_samples"]
    return {
        "sl_percent": 100 * row["answered_within_sl"] / samples if samples else None,
        "unserved_percent": 100 * unserved["total"] / closed if closed else None,
        "abandoned_percent": 100 * unserved["unassigned"] / closed if closed else None}


def _row_figures(row: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, value in row.items():
        if isinstance(value, (int, float)) or value is None:
            out[name] = value
    out["unserved"] = row["unserved"]["total"]
    for part in ("unassigned", "canceled", "missed"):
        out[part] = row["unserved"][part]
    out.update(_shares(row))
    for window, figures in (row.get("windows") or {}).items():
        for name, value in figures.items():
            key = f"{window}.{name}"
            if key in _WINDOWED:
                out[key] = value["total"] if isinstance(value, dict) else value
    queue = row["in_queue"] or 0
    out["no_operator"] = queue if row.get("operators_available") == 0 else 0
    return out


def figures_now(engine: Account, now: int, at_risk_too: bool
                ) -> dict[RowKey, dict[str, float | None]]:
    """Every row's watched figures at ``now``."""
    snapshot = msgspec.to_builtins(build(engine, now))
    out: dict[RowKey, dict[str, float | None]] = {
        ("total", None): _row_figures(snapshot["total"])}
    for row in snapshot["channels"]:
        figures = out[("channel", row["id"])] = _row_figures(row)
        heard = engine.heard.get(row["id"])
        figures["stale_feed_min"] = None if heard is None else max(0, now - heard) / 60_000
    for row in snapshot["groups"]:
        out[("group", row["id"])] = _row_figures(row)
    if at_risk_too:
        for risky in at_risk(engine, now).rows:
            figures = out.setdefault((risky.report, risky.id), {})
            figures["waiting_past_sl"] = risky.waiting_past_sl
            figures["silent_in_work"] = risky.silent_in_work
            figures["full_operators"] = risky.full_operators
    return out


class AlertBook:
    """One account's rules, their evaluator and its open alerts; saved through ``store``
    (the event loop's connection), first read through ``loading`` (the connection of the
    thread building it)."""

    def __init__(self, account: str, engine: Account, store: Store, loading: Store) -> None:
        self.account = account
        self._engine = engine
        self._store = store
        self.rules = load_rules(loading.setting(account, ALERT_RULES_SETTING))
        self._evaluator = Evaluator(self.rules)
        self._open: dict[tuple[str, RowKey], Alert] = {}
        for saved in loading.open_alerts(account):
            alert = msgspec.json.decode(saved.body, type=Alert)
            key = (alert.rule, (alert.report, alert.row))
            self._open[key] = alert
            self._evaluator.restore(*key)

    # -- reading ------------------------------------------------------------------------------

    def open_alerts(self) -> OpenAlerts:
        return OpenAlerts(self.account, sorted(self._open.values(), key=lambda a: a.fired_ms))

    def page(self, limit: int, before: int | None) -> AlertPage:
        return alert_page(self._store, self.account, limit, before)

    # -- changing -----------------------------------------------------------------------------

    def set_rules(self, rules: list[AlertRule], now: int) -> None:
        """Keep ``rules``; the open alerts of a rule removed or changed resolve now (their
        receivers are told), the others go on."""
        kept = {rule.id: rule for rule in rules}
        old = {rule.id: rule for rule in self.rules}
        with self._store.transaction():
            self._store.save_setting(self.account, ALERT_RULES_SETTING,
                                     msgspec.json.encode(rules))
            for key, alert in list(self._open.items()):
                still = kept.get(alert.rule)
                if still is None or still != old.get(alert.rule) or not still.enabled:
                    self._resolve(key, old.get(alert.rule), now, None, "rule_changed")
        self.rules = rules
        self._evaluator = Evaluator(rules)
        for key in self._open:
            self._evaluator.restore(*key)

    def acknowledge(self, alert_id: str, by: str, now: int) -> Alert | None:
        """Mark an open alert seen; None when no open alert has this id."""
        for alert in self._open.values():
            if alert.id == alert_id:
                if alert.acked_at is None:
                    alert.acked_at, alert.acked_by = self._engine.calendar.iso(now), by
                    self._save(alert)
                return alert
        return None

    def tick(self, now: int) -> bool:
        """Step the rules at ``now``; True when an alert fired or resolved."""
        if not any(rule.enabled for rule in self.rules):
            return False
        at_risk_too = any(rule.figure in _AT_RISK for rule in self.rules)
        figures = figures_now(self._engine, now, at_risk_too)
        transitions = self._evaluator.step(now, self._engine.calendar.minute_of_day(now),
                                           figures)
        if transitions:
            with self._store.transaction():
                for transition in transitions:
                    self._record(transition, now)
        return bool(transitions)

    def _record(self, t: Transition, now: int) -> None:
        rule = next(r for r in self.rules if r.id == t.rule)
        key = (t.rule, (t.report, t.id))
        if t.kind == "resolved":
            self._resolve(key, rule, now, t.value, "back")
            return
        alert = Alert(secrets.token_hex(8), rule.id, rule.name, rule.figure, rule.comparison,
                      rule.threshold, t.report, t.id, self._engine.calendar.iso(now), now,
                      t.value)
        self._open[key] = alert
        self._save(alert)
        self._owe(rule, "firing", alert, now)
        log.info("alert %s fired: %s, %s %s = %s", alert.id, rule.name, t.report, t.id,
                 t.value)

    def _resolve(self, key: tuple[str, RowKey], rule: AlertRule | None, now: int,
                 value: float | None, why: Literal["back", "rule_changed"]) -> None:
        alert = self._open.pop(key)
        alert.resolved_at, alert.resolved_value = self._engine.calendar.iso(now), value
        alert.resolved_why = why
        self._save(alert)
        if rule is not None:
            self._owe(rule, "resolved", alert, now)
        log.info("alert %s resolved (%s)", alert.id, why)

    def _save(self, alert: Alert) -> None:
        self._store.save_alert(self.account, SavedAlert(
            alert.id, alert.fired_ms, alert.resolved_at is not None,
            msgspec.json.encode(alert)))

    def _owe(self, rule: AlertRule, event: Literal["firing", "resolved"], alert: Alert,
             now: int) -> None:
        """The deliveries of one firing or resolution, saved to be sent."""
        targets: list[Target] = []
        if rule.webhook is not None:
            targets.append(WebhookTarget(rule.webhook.url, rule.webhook.secret))
        if rule.telegram is not None and rule.telegram.bot_token is not None:
            targets.append(TelegramTarget(rule.telegram.bot_token, rule.telegram.chat_id,
                                          telegram_text(event, alert, rule.language)))
        for target in targets:
            delivery = f"{alert.id}-{event[0]}-{secrets.token_hex(4)}"
            body = msgspec.json.encode(Payload(delivery, event, self.account, alert))
            self._store.save_delivery(SavedDelivery(
                delivery, self.account, now, msgspec.json.encode(target), body, "pending", 0,
                now, None, now))


_WORDS = {
    "en": {"firing": "ALERT", "resolved": "Resolved", "total": "all channels",
           "channel": "channel", "group": "group", "no_group": "no group",
           "above": "above", "below": "below", "now": "now", "since": "since"},
    "ru": {"firing": "ТРЕВОГА", "resolved": "Снято", "total": "все каналы",
           "channel": "канал", "group": "группа", "no_group": "без группы",
           "above": "выше", "below": "ниже", "now": "сейчас", "since": "с"},
}
_LABEL = {f.name: f for f in ALERT_FIGURES}


def telegram_text(event: Literal["firing", "resolved"], alert: Alert,
                  language: Literal["en", "ru"]) -> str:
    """The message a person reads in the chat: what, where, how much, since when."""
    w = _WORDS[language]
    figure = _LABEL[alert.figure]
    label = figure.ru if language == "ru" else figure.en
    if alert.report == "total":
        row = w["total"]
    elif alert.row is None:
        row = w["no_group"]
    else:
        row = f"{w[alert.report]} {alert.row}"
    value = alert.value if event == "firing" else alert.resolved_value
    shown = "—" if value is None else f"{value:g}"
    return (f"{w[event]}: {alert.name}\n{row}: {label} {w['now']} {shown} "
            f"({w[alert.comparison]} {alert.threshold:g})\n{w['since']} {alert.fired_at}")
