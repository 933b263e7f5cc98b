"""The OpenID Connect protocol with Authlib's building blocks: the provider's discovery document (cached per
process), the authorization URL with PKCE (S256), `state` and `nonce` (Authlib's `prepare_grant_uri` and S256
challenge), the code exchange (one POST over httpx; Authlib's own httpx client is deprecated upstream), and the ID
token checked by Authlib's `CodeIDToken` over joserfc: JWKS signature with the provider's advertised algorithms,
iss, aud, exp, iat, nonce, azp, at_hash. Nothing here is hand-rolled JWT handling.

The issuer is the operator's configuration, not user input, so these calls go straight to it (an in-house
provider on a private address is normal), each with a timeout. Failures become `SingleSignOnFailed` with a fixed
reason; the provider's own words are logged for the operator, never shown."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from profile_app.config import get_settings
from profile_app.services.single_sign_on import Reason, SingleSignOnFailed

log = logging.getLogger(__name__)

SCOPES = "openid email profile"
DISCOVERY_TTL_SECONDS = 3600
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
CLOCK_LEEWAY_SECONDS = 60
CALLBACK_PATH = "/api/oidc/callback"


@dataclass
class _Cache:
    fetched_at: float = 0.0
    issuer: str = ""
    metadata: dict = field(default_factory=dict)
    jwks: dict | None = None


_cache = _Cache()


def forget_cached_metadata() -> None:
    """Tests start a new provider on another port; the next call fetches its discovery document again."""
    global _cache
    _cache = _Cache()


def redirect_uri() -> str:
    return get_settings().backend_url.rstrip("/") + CALLBACK_PATH


async def _get_json(url: str) -> dict:
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        response = await client.get(url, headers={"Accept": "application/json"})
    response.raise_for_status()
    document = response.json()
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


async def provider_metadata() -> dict:
    """The discovery document of the configured issuer, fetched at most once an hour per process. Its `issuer`
    must be the configured one exactly (OpenID Connect Discovery 1.0, section 4.3). Two requests racing on an
    empty cache both fetch it; no lock is held across an await."""
    issuer = get_settings().oidc_issuer
    if _cache.issuer == issuer and time.monotonic() - _cache.fetched_at < DISCOVERY_TTL_SECONDS:
        return _cache.metadata
    try:
        metadata = await _get_json(issuer + "/.well-known/openid-configuration")
    except (httpx.HTTPError, ValueError) as error:
        log.warning("single sign-on: discovery document unavailable: %s", error)
        raise SingleSignOnFailed(Reason.UNAVAILABLE) from None
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if metadata.get("issuer") != issuer or not all(isinstance(metadata.get(k), str) for k in needed):
        log.warning("single sign-on: the discovery document does not describe issuer %s", issuer)
        raise SingleSignOnFailed(Reason.UNAVAILABLE)
    _cache.issuer, _cache.metadata, _cache.jwks, _cache.fetched_at = issuer, metadata, None, time.monotonic()
    return metadata


async def _key_set(metadata: dict, *, refresh: bool = False) -> KeySet:
    if _cache.jwks is None or refresh:
        _cache.jwks = await _get_json(metadata["jwks_uri"])
    return KeySet.import_key_set(_cache.jwks)


async def authorization_url(state: str, nonce: str, code_verifier: str) -> str:
    settings = get_settings()
    metadata = await provider_metadata()
    return prepare_grant_uri(
        metadata["authorization_endpoint"],
        client_id=settings.oidc_client_id,
        response_type="code",
        redirect_uri=redirect_uri(),
        scope=SCOPES,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(code_verifier),
        code_challenge_method="S256",
    )


async def _redeem(token_endpoint: str, code: str, code_verifier: str) -> dict:
    """The token request (RFC 6749 4.1.3 with PKCE), client_secret_basic: id and secret form-encoded, then Basic."""
    settings = get_settings()
    auth = (quote(settings.oidc_client_id, safe=""), quote(settings.oidc_client_secret, safe=""))
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        response = await client.post(
            token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(),
                "code_verifier": code_verifier,
            },
            auth=auth,
            headers={"Accept": "application/json"},
        )
    response.raise_for_status()
    token = response.json()
    if not isinstance(token, dict):
        raise ValueError("not a JSON object")
    return token


async def exchange_code(code: str, *, code_verifier: str, nonce: str) -> dict:
    """Redeem the authorization code and return the ID token's claims, validated (see the module docstring)."""
    settings = get_settings()
    metadata = await provider_metadata()
    try:
        token = await _redeem(metadata["token_endpoint"], code, code_verifier)
    except (httpx.HTTPError, ValueError) as error:
        log.warning("single sign-on: the token exchange failed: %s", error)
        raise SingleSignOnFailed(Reason.PROVIDER) from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SingleSignOnFailed(Reason.TOKEN)
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"], strict_check_header=False)
    try:
        try:
            decoded = jwt.decode(id_token, await _key_set(metadata), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
            decoded = jwt.decode(id_token, await _key_set(metadata, refresh=True), registry=registry)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": settings.oidc_issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id},
            },
            {"nonce": nonce, "client_id": settings.oidc_client_id, "access_token": token.get("access_token")},
        )
        claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except (JoseError, ValueError, httpx.HTTPError) as error:
        log.warning("single sign-on: the ID token was refused: %s", error)
        raise SingleSignOnFailed(Reason.TOKEN) from None
    return dict(claims)
