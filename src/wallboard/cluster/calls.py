"""What the api role asks of the worker owning an account beyond the figures
(``service.queries.Query``): the open alerts, and the changes that must reach its engine and
alert book (an account's service-level thresholds, its alert rules, an acknowledgement).
They travel on the account's ask subject like the queries, as tagged JSON; each answer is the
single process's return value as JSON."""

from __future__ import annotations

import msgspec

from ..alerting import AlertRule
from ..service.thresholds import Thresholds

__all__ = ["AcknowledgeAlert", "Call", "OpenAlertsQuery", "SaveAlertRules", "SaveThresholds"]


class OpenAlertsQuery(msgspec.Struct, tag="open_alerts", frozen=True):
    """The alerts firing now (answer: ``OpenAlerts``)."""


class SaveThresholds(msgspec.Struct, tag="save_thresholds", frozen=True):
    """Keep these thresholds and count each row by its own (answer: the rows changed)."""

    thresholds: Thresholds


class SaveAlertRules(msgspec.Struct, tag="save_alert_rules", frozen=True):
    """Keep these rules, secrets included (answer: null)."""

    rules: list[AlertRule]


class AcknowledgeAlert(msgspec.Struct, tag="acknowledge_alert", frozen=True):
    """Mark an open alert seen (answer: the ``Alert``, or null: no open alert of that id)."""

    alert_id: str
    by: str


Call = OpenAlertsQuery | SaveThresholds | SaveAlertRules | AcknowledgeAlert
