"""The routes about campaigns: the marks admins put on the timeline, and what each did."""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar import Request, delete, get, post, put
from litestar.openapi import ResponseSpec

from ..events import parse_timestamp
from ..service import (
    CAMPAIGNS_SETTING,
    MAX_CAMPAIGNS,
    Campaign,
    CampaignIn,
    CampaignReport,
    CampaignReportQuery,
    check_campaign,
    load_campaigns,
)
from .auth import account_of, admin_only, service_of
from .errors import ApiError, ErrorBody
from .params import AUTH_ERRORS, BODY_ERRORS, reject_deep_json

__all__ = ["campaign_routes"]

_BAD = {400: ResponseSpec(ErrorBody, description="A bad campaign: the field and the problem")}


def _campaigns(request: Request[Any, Any, Any], account: str) -> list[Campaign]:
    return load_campaigns(service_of(request).setting(account, CAMPAIGNS_SETTING))


def _save(request: Request[Any, Any, Any], account: str, campaigns: list[Campaign]) -> None:
    service_of(request).save_setting(account, CAMPAIGNS_SETTING, msgspec.json.encode(campaigns))


def _checked(data: CampaignIn) -> None:
    problem = check_campaign(data)
    if problem is not None:
        raise ApiError(400, "bad_campaign", problem[1], problem[0])


@get("/api/v1/accounts/{account_id:str}/campaigns", summary="Campaigns",
     description="The account's campaigns, latest start first.",
     responses={200: ResponseSpec(list[Campaign], description="Campaigns"), **AUTH_ERRORS})
async def list_campaigns(request: Request[Any, Any, Any], account_id: str) -> list[Campaign]:
    account = account_of(request, account_id, ("view",))
    # By the instant: starts given with different offsets do not sort as text.
    return sorted(_campaigns(request, account), key=lambda c: parse_timestamp(c.start),
                  reverse=True)


@post("/api/v1/accounts/{account_id:str}/campaigns", summary="Mark a campaign (admin)",
      description=f"A name, a start, an end when known, and the rows it aims at (none: all). "
      f"At most {MAX_CAMPAIGNS} campaigns an account.",
      responses={**_BAD, **AUTH_ERRORS, **BODY_ERRORS}, guards=[admin_only],
      before_request=reject_deep_json)
async def create_campaign(request: Request[Any, Any, Any], account_id: str,
                          data: CampaignIn) -> Campaign:
    account = account_of(request, account_id, ("admin",))
    _checked(data)
    campaigns = _campaigns(request, account)
    if len(campaigns) >= MAX_CAMPAIGNS:
        raise ApiError(400, "too_many", f"at most {MAX_CAMPAIGNS} campaigns; delete old ones",
                       "campaigns")
    campaign = Campaign(secrets.token_hex(6), data.name, data.start, data.end, data.rows)
    _save(request, account, [*campaigns, campaign])
    return campaign


@put("/api/v1/accounts/{account_id:str}/campaigns/{campaign_id:str}",
     summary="Change a campaign (admin)", description="For example, end it.",
     responses={**_BAD, **AUTH_ERRORS, **BODY_ERRORS}, guards=[admin_only],
     before_request=reject_deep_json)
async def update_campaign(request: Request[Any, Any, Any], account_id: str, campaign_id: str,
                          data: CampaignIn) -> Campaign:
    account = account_of(request, account_id, ("admin",))
    _checked(data)
    campaigns = _campaigns(request, account)
    if not any(c.id == campaign_id for c in campaigns):
        raise ApiError(404, "not_found", "no campaign with this id in the account",
                       "campaign_id")
    changed = Campaign(campaign_id, data.name, data.start, data.end, data.rows)
    _save(request, account, [changed if c.id == campaign_id else c for c in campaigns])
    return changed


@delete("/api/v1/accounts/{account_id:str}/campaigns/{campaign_id:str}",
        summary="Delete a campaign (admin)", status_code=204, responses=AUTH_ERRORS,
        guards=[admin_only])
async def delete_campaign(request: Request[Any, Any, Any], account_id: str,
                          campaign_id: str) -> None:
    account = account_of(request, account_id, ("admin",))
    campaigns = _campaigns(request, account)
    kept = [c for c in campaigns if c.id != campaign_id]
    if len(kept) == len(campaigns):
        raise ApiError(404, "not_found", "no campaign with this id in the account",
                       "campaign_id")
    _save(request, account, kept)


@get("/api/v1/accounts/{account_id:str}/campaigns/{campaign_id:str}/report",
     summary="What a campaign did",
     description="Per row (those it aims at, or all): the arrivals from the quarter hour it "
     "started in to the one it ended in (or now) against the normal for the same stretch of "
     "the same weekdays of the four weeks before, the uplift with a 90 % interval, and the "
     "waits and lost conversations meanwhile against normal (docs/normal.md).",
     responses={200: ResponseSpec(CampaignReport, description="The report"), **AUTH_ERRORS})
async def campaign_report(request: Request[Any, Any, Any], account_id: str,
                          campaign_id: str) -> CampaignReport:
    account = account_of(request, account_id, ("view",))
    found = await service_of(request).ask(account, CampaignReportQuery(campaign_id))
    if found is None:
        raise ApiError(404, "not_found", "no campaign with this id in the account",
                       "campaign_id")
    return found


campaign_routes = [list_campaigns, create_campaign, update_campaign, delete_campaign,
                   campaign_report]
