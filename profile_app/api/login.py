"""ClearML's login.*: which sign-in modes the server offers, and signing the web session out.

The web session is the session cookie the page's sign-in sets (api/session.py owns it); behind the app's ASGI guard
its value is the session token's sha256. login.logout ends that session on the server and clears the cookie."""

from __future__ import annotations

from profile_app.api.registry import Auth, Call, endpoint
from profile_app.api.session import clear_session_cookie
from profile_app.config import SESSION_COOKIE_NAME, get_settings
from profile_app.services import accounts


def _session_digest(call: Call) -> str:
    return call.request.cookies.get(SESSION_COOKIE_NAME, "")


@endpoint("login.supported_modes", auth=Auth.OPTIONAL, closed=True)
def supported_modes(call: Call) -> dict:
    """Public: email and password sign-in (ClearML's "basic" mode, off with PROFILE_OIDC_ONLY), no guest, and the
    OpenID Connect provider when single sign-on is configured (its start URL, as clearml-server lists SSO
    providers); `authenticated` says whether the request carries a valid token or web session."""
    settings = get_settings()
    authenticated = call.identity is not None or accounts.resolve_session_digest(_session_digest(call)) is not None
    sso, providers = {}, []
    if settings.oidc_configured:
        start = f"{settings.backend_url}/api/oidc/login"
        sso = {"oidc": start}
        providers = [{"name": "oidc", "url": start, "display_name": settings.oidc_button_label}]
    return {
        "basic": {"enabled": not settings.oidc_only, "guest": {"enabled": False}},
        "sso": sso,
        "sso_providers": providers,
        "server_errors": {"missed_es_upgrade": False, "es_connection_error": False},  # no Elasticsearch here
        "authenticated": authenticated,
    }


@endpoint("login.logout", versions=("2.13",), auth=Auth.OPTIONAL, closed=True)
def logout(call: Call) -> dict:
    """End the web session named by the session cookie (if any) and clear the cookie."""
    accounts.end_session(_session_digest(call))
    call.response_hooks.append(clear_session_cookie)
    return {}
