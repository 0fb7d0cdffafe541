"""The routes about people: who is logged in, how many each group needs, the moves that would
help, and the staffing settings (target, who may help whom)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, put
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from ..service import (
    OperatorList,
    OperatorsQuery,
    Staffing,
    StaffingQuery,
    StaffingSettings,
)
from ..service.queries import STAFFING_SETTING
from .auth import account_of, admin_only, service_of
from .errors import ApiError, ErrorBody
from .params import AUTH_ERRORS, BODY_ERRORS, reject_deep_json

__all__ = ["staffing_routes"]

MAX_GROUPS = 1_000  # groups named in the "may help" list, and groups each may help


@get("/api/v1/accounts/{account_id:str}/operators", summary="Who is logged in",
     description="Every operator (or those of `group`) with their status and since when, "
     "groups, chat limit, free slots and the conversations they hold now: channel, since "
     "when, and the time since the last operator message in each. Available operators "
     "first, then busy, away, offline. The stream sends the same as `event: operators`.",
     responses={200: ResponseSpec(OperatorList, description="The operators"),
                400: ResponseSpec(ErrorBody, description="A group id over 128 characters"),
                404: ResponseSpec(ErrorBody, description="No such account or group"),
                **{k: v for k, v in AUTH_ERRORS.items() if k != 404}})
async def get_operators(
    request: Request[Any, Any, Any], account_id: str,
    group: Annotated[str | None, Parameter(query="group", max_length=128)] = None,
) -> OperatorList:
    account = account_of(request, account_id, ("view",))
    found = await service_of(request).ask(account, OperatorsQuery(group))
    if found is None:
        raise ApiError(404, "no_such_row", f"no group {group!r} in this account", "group")
    return found


@get("/api/v1/accounts/{account_id:str}/staffing", summary="Staffing now",
     description="For each group and the whole account: the arrival rate, handle time and "
     "patience measured, how many available operators reach the service-level target, what "
     "the staff available now gives (Erlang A, docs/staffing.md), the time to empty the "
     "queue; and the moves of operators that would bring short groups to the target "
     "without taking a donor below it. `status` is `not_enough_data` (with a `reason`) "
     "rather than a guess. The stream sends the same as `event: staffing`.",
     responses={200: ResponseSpec(Staffing, description="Staffing"), **AUTH_ERRORS})
async def get_staffing(request: Request[Any, Any, Any], account_id: str) -> Staffing:
    account = account_of(request, account_id, ("view",))
    return await service_of(request).ask(account, StaffingQuery())


@get("/api/v1/accounts/{account_id:str}/staffing/settings", summary="Staffing settings",
     description="The service-level target (a share of arrivals answered within the "
     "account's threshold) and which groups may help which.",
     responses={200: ResponseSpec(StaffingSettings, description="The settings"),
                **AUTH_ERRORS})
async def get_staffing_settings(request: Request[Any, Any, Any], account_id: str
                                ) -> StaffingSettings:
    account = account_of(request, account_id, ("view",))
    return service_of(request).staffing_settings(account)


@put("/api/v1/accounts/{account_id:str}/staffing/settings",
     summary="Change the staffing settings (admin)",
     description=f"`may_help` maps a group to the groups its operators may be sent to help "
     f"(at most {MAX_GROUPS} of each); a group does not list itself.",
     responses={400: ResponseSpec(ErrorBody, description="Bad settings"), **AUTH_ERRORS,
                **BODY_ERRORS},
     guards=[admin_only], before_request=reject_deep_json)
async def put_staffing_settings(request: Request[Any, Any, Any], account_id: str,
                                data: StaffingSettings) -> StaffingSettings:
    account = account_of(request, account_id, ("admin",))
    if len(data.may_help) > MAX_GROUPS:
        raise ApiError(400, "too_many", f"at most {MAX_GROUPS} groups", "may_help")
    for group, helped in data.may_help.items():
        field = f"may_help.{group}"
        if len(helped) > MAX_GROUPS:
            raise ApiError(400, "too_many", f"at most {MAX_GROUPS} groups", field)
        if group in helped:
            raise ApiError(400, "bad_settings", "a group does not help itself", field)
        if any(not g or len(g) > 128 for g in [group, *helped]):
            raise ApiError(400, "bad_settings", "group ids are 1 to 128 characters", field)
    service_of(request).save_setting(account, STAFFING_SETTING, msgspec.json.encode(data))
    return data


staffing_routes = [get_operators, get_staffing, get_staffing_settings, put_staffing_settings]
