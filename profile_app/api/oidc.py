"""The two HTTP routes of single sign-on (OpenID Connect, authorization code flow with PKCE).

- `GET /api/oidc/login?next=…` (or `?link=<ticket>` from the Profile page) stores a pending authorization, binds
  it to this browser with an HttpOnly SameSite=Lax cookie and sends the browser to the provider.
- `GET /api/oidc/callback` takes the pending authorization back (single use, same browser), redeems the code,
  validates the ID token and signs in (or links). The session cookie is set right here, in the callback's
  response, like api/session.py does for a password grant: the browser is already on an HTTP request of ours, so
  a grant round trip through a page would only add a step. Because that cookie is SameSite=Strict and this request
  arrived from the provider's site, the answer is a small same-site page that moves on to the next path, so that
  the next page's request is same-site and carries the cookie.

Every failure ends on `/sso-error?reason=<fixed code>`; nothing the provider sent is ever echoed."""

from __future__ import annotations

import contextlib
import html
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from profile_app.api.session import request_address, set_session_cookie
from profile_app.config import SESSION_COOKIE_NAME, get_settings
from profile_app.services import accounts, openid_connect, single_sign_on
from profile_app.services.errors import DomainError
from profile_app.services.single_sign_on import BINDING_COOKIE_NAME, Reason, SingleSignOnFailed

router = APIRouter(prefix="/oidc", tags=["single sign-on"], include_in_schema=False)
log = logging.getLogger(__name__)
BINDING_COOKIE_PATH = "/api/oidc"
ERROR_PAGE = "/sso-error"


def error_redirect(reason: Reason) -> RedirectResponse:
    response = RedirectResponse(f"{get_settings().web_url}{ERROR_PAGE}?reason={reason.value}", status_code=303)
    response.delete_cookie(BINDING_COOKIE_NAME, path=BINDING_COOKIE_PATH)
    return response


def _signed_in_user_id(request: Request) -> int | None:
    # The ASGI guard has already replaced the session cookie's value by its digest.
    return accounts.resolve_session_digest(request.cookies.get(SESSION_COOKIE_NAME, ""))


@router.get("/login")
async def start(request: Request) -> Response:
    settings = get_settings()
    if not settings.oidc_configured:
        return error_redirect(Reason.UNAVAILABLE)
    link_ticket = request.query_params.get("link", "")
    try:
        authorization = single_sign_on.begin(
            request.query_params.get("next"),
            link_ticket=link_ticket,
            signed_in_user_id=_signed_in_user_id(request) if link_ticket else None,
            address=request_address(request),
        )
        url = await openid_connect.authorization_url(
            authorization.state, authorization.nonce, authorization.code_verifier
        )
    except SingleSignOnFailed as error:
        return error_redirect(error.reason)
    except DomainError:  # too many attempts from this address
        return error_redirect(Reason.UNAVAILABLE)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        BINDING_COOKIE_NAME,
        authorization.binding,
        max_age=int(single_sign_on.PENDING_LIFETIME.total_seconds()),
        path=BINDING_COOKIE_PATH,
        httponly=True,
        samesite="lax",  # it must come back on the provider's top-level redirect to the callback
        secure=settings.secure_cookies,
    )
    return response


def _continue_page(next_url: str) -> HTMLResponse:
    target = html.escape(next_url, quote=True)
    return HTMLResponse(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"refresh\" content=\"0;url={target}\"><title>Signing in · Profile</title></head>"
        f"<body><main><p>Signing you in… <a href=\"{target}\">Continue</a></p></main></body></html>",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/callback")
async def callback(request: Request) -> Response:
    settings = get_settings()
    if not settings.oidc_configured:
        return error_redirect(Reason.UNAVAILABLE)
    params = request.query_params
    binding = request.cookies.get(BINDING_COOKIE_NAME)
    if params.get("error"):  # the provider refused or failed; its text is not shown
        if params.get("state"):
            with contextlib.suppress(SingleSignOnFailed):
                single_sign_on.finish(params.get("state"), binding)  # used up all the same
        return error_redirect(Reason.PROVIDER)
    try:
        returning = single_sign_on.finish(params.get("state"), binding)
        code = params.get("code")
        if not code or len(code) > 2048:
            raise SingleSignOnFailed(Reason.PROVIDER)
        claims = await openid_connect.exchange_code(
            code, code_verifier=returning.code_verifier, nonce=returning.nonce
        )
        user_agent = request.headers.get("user-agent", "")
        address = request_address(request)
        outcome = single_sign_on.complete(
            settings.oidc_issuer,
            claims,
            link_user_id=returning.link_user_id,
            ip_address=address,
            user_agent=user_agent,
        )
    except SingleSignOnFailed as error:
        return error_redirect(error.reason)
    except DomainError:
        return error_redirect(Reason.EXPIRED)
    next_url = settings.web_url + returning.next_path
    if outcome.linked:
        response: Response = RedirectResponse(next_url, status_code=303)
    else:
        accounts.end_session(request.cookies.get(SESSION_COOKIE_NAME, ""))  # a previous session here ends
        response = _continue_page(next_url)
        set_session_cookie(
            response, accounts.open_session(
                outcome.user_id, user_agent=user_agent, ip_address=address, how=single_sign_on.SIGN_IN_DETAIL
            )
        )
    response.delete_cookie(BINDING_COOKIE_NAME, path=BINDING_COOKIE_PATH)
    return response
