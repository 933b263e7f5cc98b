"""The HTTP door of sign-in: the only place a session cookie is set or cleared. A socket event cannot set an
HttpOnly cookie, so after a successful sign-in the page exchanges a one-minute, single-use grant here; any other
HTTP route that signs someone in (single sign-on) opens the session and calls `set_session_cookie` too."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from profile_app.config import SESSION_COOKIE_NAME, get_settings
from profile_app.services import accounts
from profile_app.services.client_address import client_address
from profile_app.services.errors import DomainError

router = APIRouter(tags=["session"], include_in_schema=False)
GRANT_BODY_MAX = 1024


def request_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.get("x-forwarded-for", ""), get_settings().trusted_proxies)


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE_NAME,
        token,
        max_age=settings.session_lifetime_hours * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(
        SESSION_COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=settings.secure_cookies
    )


def _same_origin(request: Request) -> bool:
    """Browsers send Origin with every fetch POST/DELETE; one from elsewhere is a cross-site request."""
    origin = request.headers.get("origin")
    return origin is None or origin in get_settings().allowed_origins


@router.post("/session")
async def start_session(request: Request) -> JSONResponse:
    """Body `{"grant": "..."}` -> the session cookie and `{"next": "/same-site/path"}`."""
    if not _same_origin(request):
        return JSONResponse({"error": "Sign in from this site's own page."}, status_code=403)
    body = await request.body()
    grant = ""
    if len(body) <= GRANT_BODY_MAX:
        try:
            payload = json.loads(body or b"{}")
            grant = payload.get("grant", "") if isinstance(payload, dict) else ""
        except ValueError:
            grant = ""
    try:
        token, next_path = accounts.redeem_sign_in_grant(
            grant,
            user_agent=request.headers.get("user-agent", ""),
            ip_address=request_address(request),
        )
    except DomainError:
        return JSONResponse({"error": "This sign-in expired. Please log in again."}, status_code=401)
    response = JSONResponse({"next": next_path})
    set_session_cookie(response, token)
    return response


@router.delete("/session")
async def end_session(request: Request) -> JSONResponse:
    """Sign out this browser's session (if any) and clear its cookie."""
    if not _same_origin(request):
        return JSONResponse({"error": "Sign out from this site's own page."}, status_code=403)
    accounts.end_session(request.cookies.get(SESSION_COOKIE_NAME, ""))
    response = JSONResponse({"signed_out": True})
    clear_session_cookie(response)
    return response
