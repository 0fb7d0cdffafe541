"""An account's API tokens, managed by its admins."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, delete, get, post
from litestar.openapi import ResponseSpec

from ..service import Role, TokenInfo
from .auth import account_of, admin_only, authenticate, service_of
from .errors import ApiError, ErrorBody
from .params import AUTH_ERRORS, BODY_ERRORS, reject_deep_json

__all__ = ["token_routes"]


class NewToken(msgspec.Struct):
    role: Role


class CreatedToken(msgspec.Struct):
    token: TokenInfo
    secret: str  # shown once: only its hash is stored


@post("/api/v1/accounts/{account_id:str}/tokens", summary="Create a token (admin)",
      status_code=201, responses={400: ResponseSpec(ErrorBody, description="Bad role"),
                                  **AUTH_ERRORS, **BODY_ERRORS},
      guards=[admin_only], before_request=reject_deep_json)
async def create_token(request: Request[Any, Any, Any], account_id: str, data: NewToken
                       ) -> CreatedToken:
    account = account_of(request, account_id, ("admin",))
    info, secret = service_of(request).create_token(account, data.role)
    return CreatedToken(info, secret)


@get("/api/v1/accounts/{account_id:str}/tokens", summary="List the tokens (admin)",
     responses=AUTH_ERRORS)
async def list_tokens(request: Request[Any, Any, Any], account_id: str) -> list[TokenInfo]:
    return service_of(request).tokens(account_of(request, account_id, ("admin",)))


@delete("/api/v1/accounts/{account_id:str}/tokens/{token_id:str}",
        summary="Revoke a token at once (admin)", status_code=204, responses=AUTH_ERRORS)
async def revoke_token(request: Request[Any, Any, Any], account_id: str, token_id: str) -> None:
    account = account_of(request, account_id, ("admin",))
    if not service_of(request).revoke_token(account, token_id):
        raise ApiError(404, "not_found", "no live token with this id in the account", "token_id")


@get("/api/v1/token", summary="The token presented",
     description="Which account and role the bearer token (or the session) belongs to: a "
     "sender holding only its token learns where its events go.", responses=AUTH_ERRORS)
async def own_token(request: Request[Any, Any, Any]) -> TokenInfo:
    return authenticate(request, ("ingest", "view"))


token_routes = [create_token, list_tokens, revoke_token, own_token]
