"""The ClearML-compatible door: `<api_server>/<service>.<action>` (also `<api_server>/v<version>/...`, which the SDK
uses once it knows the server's API version). Thin: resolve the caller, call one credentials service, envelope."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from profile_app.api.deps import (
    SUBCODE_INVALID_TOKEN,
    SUBCODE_MISSING_CREDENTIALS,
    ApiCaller,
    bearer_token,
    current_caller,
)
from profile_app.api.envelope import ApiFailure, ok, request_payload, whole_number
from profile_app.config import APP_VERSION, get_settings
from profile_app.services import credentials
from profile_app.services.credentials import API_VERSION, CredentialSummary, TokenIdentity
from profile_app.services.errors import DomainError, LimitReached, NotFound, NotSignedIn, ValidationFailed

router = APIRouter(tags=["clearml"])

WORKER_HEADERS = ("x-clearml-worker", "x-trains-worker")
SUBCODE_BAD_CREDENTIALS = 22  # 401/22: "invalid credentials"


def _route(path: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable:
    """Register one endpoint at `/name` and at `/v<version>/name` (the second hidden from the schema)."""

    def decorate(func: Callable) -> Callable:
        router.add_api_route(f"/{path}", func, methods=list(methods), response_class=JSONResponse)
        router.add_api_route(
            f"/v{{api_version}}/{path}",
            func,
            methods=list(methods),
            response_class=JSONResponse,
            include_in_schema=False,
        )
        return func

    return decorate


def _client_from(request: Request) -> str:
    for header in WORKER_HEADERS:
        if worker := request.headers.get(header, "").strip():
            return worker
    return request.client.host if request.client else ""


def _basic_credentials(header: str) -> tuple[str, str]:
    encoded = header.strip()[len("basic") :].strip()
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ApiFailure(401, "Unauthorized (invalid Authorization header)", SUBCODE_INVALID_TOKEN) from exc
    access_key, sep, secret_key = decoded.partition(":")
    if not sep or not access_key or not secret_key:
        raise ApiFailure(401, "Unauthorized (invalid Authorization header)", SUBCODE_INVALID_TOKEN)
    return access_key, secret_key


def _timestamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _credential_json(summary: CredentialSummary) -> dict[str, Any]:
    return {
        "access_key": summary.access_key,
        "label": summary.label,
        "created": _timestamp(summary.created_at),
        "last_used": _timestamp(summary.last_used_at),
        "last_used_from": summary.last_used_from,
        "expires": _timestamp(summary.expires_at),
    }


def _domain_failure(exc: DomainError) -> ApiFailure:
    if isinstance(exc, ValidationFailed):
        return ApiFailure(400, exc.message)
    if isinstance(exc, LimitReached):
        return ApiFailure(400, exc.message, 1)
    if isinstance(exc, NotFound):
        return ApiFailure(400, exc.message, 2)
    if isinstance(exc, NotSignedIn | credentials.InvalidCredentials):
        return ApiFailure(401, f"Unauthorized ({exc.message})", SUBCODE_INVALID_TOKEN)
    return ApiFailure(400, exc.message)


@_route("auth.login")
async def auth_login(request: Request) -> JSONResponse:
    """HTTP Basic `access_key:secret_key` (or a still-valid bearer token) -> a new token."""
    payload = await request_payload(request)
    expiration_sec = whole_number(payload, "expiration_sec", "seconds")
    header = request.headers.get("authorization")
    if header is None:
        raise ApiFailure(401, "Unauthorized (missing credentials)", SUBCODE_MISSING_CREDENTIALS)
    try:
        if header.strip().lower().startswith("basic"):
            access_key, secret_key = _basic_credentials(header)
            token = credentials.login(access_key, secret_key, _client_from(request), expiration_sec)
        else:
            token = credentials.refresh_token(bearer_token(request) or "", _client_from(request), expiration_sec)
    except credentials.InvalidCredentials as exc:
        raise ApiFailure(401, f"Unauthorized ({exc.message})", SUBCODE_BAD_CREDENTIALS) from exc
    return ok(request, {"token": token})


@_route("auth.create_credentials")
async def auth_create_credentials(request: Request, caller: ApiCaller = Depends(current_caller)) -> JSONResponse:
    payload = await request_payload(request)
    try:
        created = credentials.create_credentials(
            caller.user_id,
            label=str(payload.get("label") or ""),
            expiry_days=whole_number(payload, "expiry_days", "days"),
            workspace_id=caller.workspace_id,
        )
    except DomainError as exc:
        raise _domain_failure(exc) from exc
    return ok(
        request,
        {
            "credentials": {
                "access_key": created.access_key,
                "secret_key": created.secret_key,
                "label": created.label,
                "created": _timestamp(created.created_at),
                "expires": _timestamp(created.expires_at),
            }
        },
    )


@_route("auth.get_credentials")
async def auth_get_credentials(request: Request, caller: ApiCaller = Depends(current_caller)) -> JSONResponse:
    try:
        rows = credentials.list_credentials(caller.user_id, workspace_id=caller.workspace_id)
    except DomainError as exc:
        raise _domain_failure(exc) from exc
    return ok(request, {"credentials": [_credential_json(row) for row in rows], "additional_credentials": {}})


@_route("auth.edit_credentials")
async def auth_edit_credentials(request: Request, caller: ApiCaller = Depends(current_caller)) -> JSONResponse:
    payload = await request_payload(request)
    if not payload.get("access_key"):
        raise ApiFailure(400, "access_key is required")
    try:
        credentials.edit_label(caller.user_id, str(payload["access_key"]), str(payload.get("label") or ""))
    except DomainError as exc:
        raise _domain_failure(exc) from exc
    return ok(request, {"updated": 1})


@_route("auth.revoke_credentials")
async def auth_revoke_credentials(request: Request, caller: ApiCaller = Depends(current_caller)) -> JSONResponse:
    payload = await request_payload(request)
    if not payload.get("access_key"):
        raise ApiFailure(400, "access_key is required")
    try:
        credentials.revoke_credentials(caller.user_id, str(payload["access_key"]))
    except DomainError as exc:
        raise _domain_failure(exc) from exc
    return ok(request, {"revoked": 1})


@_route("users.get_current_user")
async def users_get_current_user(request: Request, caller: ApiCaller = Depends(current_caller)) -> JSONResponse:
    try:
        user = credentials.get_current_user(TokenIdentity(caller.user_id, caller.workspace_id, caller.credential_id))
    except DomainError as exc:
        raise _domain_failure(exc) from exc
    first, _, last = user.name.partition(" ")
    return ok(
        request,
        {
            "user": {
                "id": str(user.id),
                "name": user.name,
                "given_name": first,
                "family_name": last,
                "email": user.email,
                "company": {"id": str(user.workspace_id), "name": user.workspace_name},
                "role": "admin" if user.role == "owner" else "user",
                "preferences": {},
            },
            "getting_started": {},
            "settings": {"max_download_items": 1000},
        },
    )


@_route("server.info")
async def server_info(request: Request) -> JSONResponse:
    """Public: what the server is, so clients can pick request versions."""
    return ok(
        request,
        {
            "version": APP_VERSION,
            "build": "",
            "commit": "",
            "api_version": API_VERSION,
            "uid": "",
            "mode": get_settings().mode,
        },
    )


@_route("debug.ping")
async def debug_ping(request: Request) -> JSONResponse:
    return ok(request, {"msg": "ClearML server"})
