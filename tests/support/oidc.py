"""A real OpenID Connect provider on loopback for the tests: `oidc-provider-mock` (discovery, JWKS, RS256 ID
tokens, the authorization form a person fills in), started with `require_nonce`, in a thread of this process.

`OidcProvider.put_user(sub, claims)` registers (or changes) a user through the mock's HTTP API; `authorize(url,
sub)` plays the person on the provider's page without a browser (the API tests), returning the callback URL the
provider redirects to. `settings()` gives the PROFILE_OIDC_* overrides for an app pointed at this provider."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from oidc_provider_mock import run_server_in_thread

CLIENT_ID = "profile-tests"


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    client_secret: str

    def settings(self, **overrides: str) -> dict[str, str]:
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": self.client_secret,
            **overrides,
        }

    def environment(self, **overrides: str) -> dict[str, str]:
        """The same as environment variables (for an app server started in a subprocess)."""
        return {f"PROFILE_{key}": value for key, value in self.settings(**overrides).items()}

    def put_user(self, sub: str, **claims: object) -> None:
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()

    def authorize(self, authorization_url: str, sub: str, *, deny: bool = False) -> str:
        """Submit the provider's authorization form as `sub` (or press Deny); returns where it redirects."""
        form = {"action": "deny"} if deny else {"sub": sub}
        response = httpx.post(authorization_url, data=form, timeout=10, follow_redirects=False)
        assert response.status_code in (302, 303), response.text[:500]
        return response.headers["location"]


@contextmanager
def oidc_provider() -> Iterator[OidcProvider]:
    with run_server_in_thread(port=0, require_nonce=True) as server:
        yield OidcProvider(issuer=f"http://localhost:{server.server_port}", client_secret=secrets.token_urlsafe(16))


def new_subject() -> str:
    return "sub-" + secrets.token_hex(6)
