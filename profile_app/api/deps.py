"""Resolve the API caller once: `Authorization: Bearer <token>` from auth.login -> ApiCaller, or a 401 envelope.
Routes take `caller: ApiCaller = Depends(current_caller)` and pass its ids to a service."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from profile_app.api.envelope import ApiFailure
from profile_app.services import credentials
from profile_app.services.errors import DomainError

# ClearML's subcodes for auth failures (apiserver errors: 401/20 "unauthorized: missing credentials",
# 401/21 "invalid token").
SUBCODE_MISSING_CREDENTIALS = 20
SUBCODE_INVALID_TOKEN = 21


@dataclass(frozen=True)
class ApiCaller:
    user_id: int
    workspace_id: int
    credential_id: int


def bearer_token(request: Request) -> str | None:
    """The token of a well-formed `Bearer` header, None when there is no Authorization header at all."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ApiFailure(401, "Unauthorized (invalid Authorization header)", SUBCODE_INVALID_TOKEN)
    return token


def current_caller(request: Request) -> ApiCaller:
    """FastAPI dependency: the user, workspace and credential a bearer token speaks for."""
    token = bearer_token(request)
    if token is None:
        raise ApiFailure(401, "Unauthorized (missing credentials)", SUBCODE_MISSING_CREDENTIALS)
    try:
        identity = credentials.authenticate_token(token)
    except DomainError as exc:
        raise ApiFailure(401, f"Unauthorized ({exc.message})", SUBCODE_INVALID_TOKEN) from exc
    return ApiCaller(user_id=identity.user_id, workspace_id=identity.workspace_id, credential_id=identity.credential_id)
