"""ClearML's login.*: which sign-in modes the server offers, and signing the web session out.

The web session is the `profile_session` cookie the page's sign-in sets; login.logout ends that session on the
server (its row is deleted) and clears the cookie. The cookie's name and attributes belong to the session code
(api/session.py); this module only reads and clears it."""

from __future__ import annotations

from fastapi.responses import Response

from profile_app.api.registry import Auth, Call, endpoint
from profile_app.config import get_settings
from profile_app.services import accounts

SESSION_COOKIE = "profile_session"


def _session_token(call: Call) -> str:
    return call.request.cookies.get(SESSION_COOKIE, "")


@endpoint("login.supported_modes", versions=("2.9",), auth=Auth.OPTIONAL, closed=True)
def supported_modes(call: Call) -> dict:
    """Public: email and password sign-in (ClearML's "basic" mode), no guest, no single sign-on; `authenticated`
    says whether the request carries a valid token or web session."""
    authenticated = call.identity is not None or accounts.resolve_session(_session_token(call)) is not None
    return {
        "basic": {"enabled": True, "guest": {"enabled": False}},
        "sso": {},
        "sso_providers": [],
        "server_errors": {},
        "authenticated": authenticated,
    }


def _clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=settings.web_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


@endpoint("login.logout", versions=("2.13",), auth=Auth.OPTIONAL, closed=True)
def logout(call: Call) -> dict:
    """End the web session named by the session cookie (if any) and clear the cookie."""
    accounts.sign_out(_session_token(call))
    call.response_hooks.append(_clear_session_cookie)
    return {}
