"""The routes about alerts: the rules admins set, the alerts they raise (open, history,
acknowledged), and the log of their deliveries."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Request, delete, get, post, put
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from ..service import (
    ALERT_FIGURES,
    MAX_RULES,
    Alert,
    AlertFigure,
    AlertPage,
    AlertRule,
    Delivery,
    OpenAlerts,
    RuleIn,
    check_rule,
    hide_secrets,
    keep_secrets,
)
from .auth import account_of, admin_only, authenticate, service_of
from .errors import ApiError, ErrorBody
from .params import AUTH_ERRORS, BODY_ERRORS, reject_deep_json

__all__ = ["alert_routes"]

_BAD = {400: ResponseSpec(ErrorBody, description="A bad rule: the field and the problem")}
_BAD_PAGE = {400: ResponseSpec(ErrorBody, description="A bad limit or before: the field")}
MAX_ALERT_PAGE = 500


def _checked(data: RuleIn) -> None:
    problem = check_rule(data)
    if problem is not None:
        raise ApiError(400, "bad_rule", problem[1], problem[0])


def _no_rule() -> ApiError:
    return ApiError(404, "not_found", "no alert rule with this id in the account", "rule_id")


@get("/api/v1/alert-figures", summary="Figures alert rules watch", security=[],
     description="Every figure a rule may name, with its labels and unit; `channels_only`: "
     "a channel's figure only (the minutes since its last event).")
async def alert_figures() -> list[AlertFigure]:
    return list(ALERT_FIGURES)


@get("/api/v1/accounts/{account_id:str}/alert-rules", summary="Alert rules (admin)",
     description="The account's rules. Webhook secrets and bot tokens are never shown: "
     "null.", responses={200: ResponseSpec(list[AlertRule], description="Rules"),
                         **AUTH_ERRORS})
async def list_rules(request: Request[Any, Any, Any], account_id: str) -> list[AlertRule]:
    account = account_of(request, account_id, ("admin",))
    return [hide_secrets(r) for r in service_of(request).alert_rules(account)]


@post("/api/v1/accounts/{account_id:str}/alert-rules", summary="Add an alert rule (admin)",
      description=f"A figure, the rows (none: every row), `above` or `below` a threshold, "
      f"held `hold_s` seconds, resolving at `clear` (hysteresis), quiet hours, and where "
      f"to deliver (docs/alerts.md). At most {MAX_RULES} rules an account.",
      responses={**_BAD, **AUTH_ERRORS, **BODY_ERRORS}, guards=[admin_only],
      before_request=reject_deep_json)
async def create_rule(request: Request[Any, Any, Any], account_id: str,
                      data: RuleIn) -> AlertRule:
    account = account_of(request, account_id, ("admin",))
    _checked(data)
    service = service_of(request)
    rules = service.alert_rules(account)
    if len(rules) >= MAX_RULES:
        raise ApiError(400, "too_many", f"at most {MAX_RULES} alert rules; delete one",
                       "alert_rules")
    rule = keep_secrets(data, secrets.token_hex(6), None)
    await service.save_alert_rules(account, [*rules, rule])
    return hide_secrets(rule)


@put("/api/v1/accounts/{account_id:str}/alert-rules/{rule_id:str}",
     summary="Change an alert rule (admin)", description="A null webhook secret or bot token "
     "keeps the one saved. Its open alerts resolve now (their receivers are told).",
     responses={**_BAD, **AUTH_ERRORS, **BODY_ERRORS}, guards=[admin_only],
     before_request=reject_deep_json)
async def update_rule(request: Request[Any, Any, Any], account_id: str, rule_id: str,
                      data: RuleIn) -> AlertRule:
    account = account_of(request, account_id, ("admin",))
    _checked(data)
    service = service_of(request)
    rules = service.alert_rules(account)
    old = next((r for r in rules if r.id == rule_id), None)
    if old is None:
        raise _no_rule()
    changed = keep_secrets(data, rule_id, old)
    await service.save_alert_rules(account, [changed if r.id == rule_id else r for r in rules])
    return hide_secrets(changed)


@delete("/api/v1/accounts/{account_id:str}/alert-rules/{rule_id:str}",
        summary="Delete an alert rule (admin)", status_code=204, responses=AUTH_ERRORS,
        description="Its open alerts resolve now (their receivers are told).",
        guards=[admin_only])
async def delete_rule(request: Request[Any, Any, Any], account_id: str, rule_id: str) -> None:
    account = account_of(request, account_id, ("admin",))
    service = service_of(request)
    rules = service.alert_rules(account)
    kept = [r for r in rules if r.id != rule_id]
    if len(kept) == len(rules):
        raise _no_rule()
    await service.save_alert_rules(account, kept)


@get("/api/v1/accounts/{account_id:str}/alerts/open", summary="Alerts firing now",
     description="Oldest first, acknowledged or not. The stream's `include=alerts` pushes "
     "the same as each changes.",
     responses={200: ResponseSpec(OpenAlerts, description="Open alerts"), **AUTH_ERRORS})
async def open_alerts(request: Request[Any, Any, Any], account_id: str) -> OpenAlerts:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).open_alerts(account)


@get("/api/v1/accounts/{account_id:str}/alerts", summary="Alert history",
     description=f"Alerts newest first, firing or resolved, a page of `limit` (at most "
     f"{MAX_ALERT_PAGE}) fired before `before` (epoch ms; `next_before` of the previous "
     f"page). Kept as long as the daily history.",
     responses={200: ResponseSpec(AlertPage, description="A page of alerts"), **_BAD_PAGE,
                **AUTH_ERRORS})
async def alert_history(
    request: Request[Any, Any, Any], account_id: str,
    limit: Annotated[int, Parameter(query="limit", ge=1, le=MAX_ALERT_PAGE)] = 100,
    before: Annotated[int | None, Parameter(query="before", ge=0, le=2**53)] = None,
) -> AlertPage:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).alert_history(account, limit, before)


@post("/api/v1/accounts/{account_id:str}/alerts/{alert_id:str}/ack",
      summary="Acknowledge an alert", status_code=200,
      description="Someone has seen it: it stays open until its figure is back, but the "
      "dashboard stops calling for attention. Acknowledging twice changes nothing.",
      responses={200: ResponseSpec(Alert, description="The alert"), **AUTH_ERRORS})
async def acknowledge(request: Request[Any, Any, Any], account_id: str,
                      alert_id: str) -> Alert:
    account = account_of(request, account_id, ("view",))
    by = authenticate(request, ("view",)).id
    alert = await service_of(request).acknowledge_alert(account, alert_id, by)
    if alert is None:
        raise ApiError(404, "not_found", "no open alert with this id in the account",
                       "alert_id")
    return alert


@get("/api/v1/accounts/{account_id:str}/alert-deliveries", summary="Delivery log (admin)",
     description="Webhook calls and Telegram messages, newest first: pending (with the next "
     "attempt), delivered, or failed after every attempt, with the last error.",
     responses={200: ResponseSpec(list[Delivery], description="Deliveries"), **_BAD_PAGE,
                **AUTH_ERRORS})
async def deliveries(
    request: Request[Any, Any, Any], account_id: str,
    limit: Annotated[int, Parameter(query="limit", ge=1, le=MAX_ALERT_PAGE)] = 100,
) -> list[Delivery]:
    account = account_of(request, account_id, ("admin",))
    return service_of(request).deliveries(account, limit)


alert_routes = [alert_figures, list_rules, create_rule, update_rule, delete_rule, open_alerts,
                alert_history, acknowledge, deliveries]
