"""Single sign-on over HTTP against a real OpenID Connect provider on loopback (oidc-provider-mock, nonce
required): the happy paths, and every refusal ending on the error page with no account and no session."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from profile_app.api import create_api
from profile_app.asgi_guard import security_guard
from profile_app.config import SESSION_COOKIE_NAME
from profile_app.db import read, transaction
from profile_app.models import SecurityEvent, SingleSignOnIdentity, SingleSignOnPending, User, utcnow
from profile_app.services import accounts, openid_connect, single_sign_on
from tests.conftest import random_password
from tests.support.oidc import OidcProvider, new_subject, oidc_provider

BINDING = single_sign_on.BINDING_COOKIE_NAME


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture
def sso(database, provider):
    """Apply SSO settings (plus overrides) to a fresh database and return a client of the app as deployed."""

    def apply(**overrides: str) -> TestClient:
        database(**provider.settings(**overrides))
        openid_connect.forget_cached_metadata()
        return TestClient(security_guard(create_api()), raise_server_exceptions=False)

    return apply


def start(client: TestClient, next_path: str = "/profile", **params: str) -> str:
    response = client.get("/api/oidc/login", params={"next": next_path, **params}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert BINDING in client.cookies
    return response.headers["location"]


def callback(client: TestClient, location: str):
    parts = urlsplit(location)
    assert parts.path == "/api/oidc/callback", location
    return client.get(f"/api/oidc/callback?{parts.query}", follow_redirects=False)


def error_reason(response) -> str:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/sso-error"
    return parse_qs(location.query)["reason"][0]


def user_count() -> int:
    with read() as session:
        return session.exec(select(sa.func.count()).select_from(User)).one()


def sign_in_round(client: TestClient, provider: OidcProvider, sub: str):
    return callback(client, provider.authorize(start(client), sub))


def test_first_sign_in_creates_an_sso_only_account_and_opens_a_session(sso, provider):
    client = sso(MODE="self-hosted")
    sub = new_subject()
    provider.put_user(sub, email="grace@example.com", name="Grace Hopper", email_verified=True)
    authorization_url = start(client)
    query = parse_qs(urlsplit(authorization_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    response = callback(client, provider.authorize(authorization_url, sub))
    assert response.status_code == 200, response.text
    assert 'url=http://localhost:3000/profile"' in response.text
    token = response.cookies.get(SESSION_COOKIE_NAME)
    user_id = accounts.resolve_session(token)
    account = accounts.get_account(user_id)
    assert (account.name, account.email, account.is_admin) == ("Grace Hopper", "grace@example.com", True)
    with read() as session:
        assert session.get(User, user_id).password_hash == ""
        kinds = session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)).all()
        assert session.exec(select(sa.func.count()).select_from(SingleSignOnPending)).one() == 0
    assert sorted(kinds) == ["signed_in", "sso_signed_up"]  # the account, then its first session
    assert BINDING not in response.cookies or response.cookies.get(BINDING) in ("", None)


def test_later_sign_ins_match_the_subject_even_when_the_email_changes(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="linus@example.com", name="Linus")
    first = sign_in_round(client, provider, sub)
    first_user = accounts.resolve_session(first.cookies.get(SESSION_COOKIE_NAME))
    provider.put_user(sub, email="linus@elsewhere.example", name="Linus T")
    second = sign_in_round(TestClient(security_guard(create_api())), provider, sub)
    assert accounts.resolve_session(second.cookies.get(SESSION_COOKIE_NAME)) == first_user
    assert user_count() == 1


def test_hosted_sign_up_gets_a_personal_workspace(sso, provider):
    client = sso(MODE="hosted")
    sub = new_subject()
    provider.put_user(sub, email="ada@example.com", name="Ada Lovelace")
    response = sign_in_round(client, provider, sub)
    account = accounts.get_account(accounts.resolve_session(response.cookies.get(SESSION_COOKIE_NAME)))
    assert account.active_workspace_name == "Ada Lovelace's workspace"
    assert not account.is_admin


def test_tampered_state_ends_on_the_error_page(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="mallory@example.com", name="Mallory")
    location = provider.authorize(start(client), sub)
    state = parse_qs(urlsplit(location).query)["state"][0]
    tampered = location.replace(state, state[:-2] + ("AA" if not state.endswith("AA") else "BB"))
    assert error_reason(callback(client, tampered)) == "state"
    assert user_count() == 0


def test_wrong_nonce_is_refused_by_the_id_token_check(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="nonce@example.com", name="Nina Once")
    location = provider.authorize(start(client), sub)
    with transaction() as session:
        session.exec(sa.update(SingleSignOnPending).values(nonce="a-different-nonce-than-the-provider-saw"))
    assert error_reason(callback(client, location)) == "token"
    assert user_count() == 0


def test_disallowed_domain_creates_no_account(sso, provider):
    client = sso(OIDC_ALLOWED_DOMAINS="example.com, corp.example")
    sub = new_subject()
    provider.put_user(sub, email="eve@evil.example", name="Eve")
    assert error_reason(sign_in_round(client, provider, sub)) == "domain"
    assert user_count() == 0
    allowed = new_subject()
    provider.put_user(allowed, email="carol@corp.example", name="Carol")
    assert sign_in_round(client, provider, allowed).status_code == 200
    assert user_count() == 1


def test_unverified_email_creates_no_account(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="unverified@example.com", name="Uma", email_verified=False)
    assert error_reason(sign_in_round(client, provider, sub)) == "unverified"
    assert user_count() == 0


def test_replayed_callback_is_refused(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="replay@example.com", name="Ray Play")
    location = provider.authorize(start(client), sub)
    assert callback(client, location).status_code == 200
    client.cookies.delete(SESSION_COOKIE_NAME)
    assert error_reason(callback(client, location)) == "state"
    assert user_count() == 1


def test_callback_in_another_browser_is_refused(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="stolen@example.com", name="Stan Olen")
    location = provider.authorize(start(client), sub)
    other_browser = TestClient(security_guard(create_api()), raise_server_exceptions=False)
    response = callback(other_browser, location)
    assert error_reason(response) == "state"
    assert SESSION_COOKIE_NAME not in response.cookies
    assert user_count() == 0
    # The pending authorization is used up: the right browser cannot use it afterwards either.
    assert error_reason(callback(client, location)) == "state"


def test_expired_authorization_is_refused(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="late@example.com", name="Lately")
    location = provider.authorize(start(client), sub)
    with transaction() as session:
        session.exec(sa.update(SingleSignOnPending).values(expires_at=utcnow()))
    assert error_reason(callback(client, location)) == "expired"
    assert user_count() == 0


def test_provider_error_is_not_echoed(sso, provider):
    client = sso()
    location = provider.authorize(start(client), "nobody", deny=True)
    assert "error=" in location
    assert error_reason(callback(client, location)) == "provider"
    assert user_count() == 0


def test_a_password_account_with_that_email_is_not_signed_in(sso, provider):
    client = sso()
    password = random_password()
    accounts.sign_up("Pat Word", "pat@example.com", password)
    sub = new_subject()
    provider.put_user(sub, email="pat@example.com", name="Pat (SSO)")
    response = sign_in_round(client, provider, sub)
    assert error_reason(response) == "account-exists"
    assert SESSION_COOKIE_NAME not in response.cookies
    with read() as session:
        assert session.exec(select(SingleSignOnIdentity)).all() == []


def test_link_mode_links_the_signed_in_password_account(sso, provider):
    client = sso()
    password = random_password()
    user_id = accounts.sign_up("Lin Ked", "lin@example.com", password)
    client.cookies.set(SESSION_COOKIE_NAME, accounts.open_session(user_id))
    ticket = single_sign_on.start_linking(user_id, password)
    sub = new_subject()
    provider.put_user(sub, email="lin@example.com", name="Lin at the provider")
    response = callback(client, provider.authorize(start(client, link=ticket), sub))
    assert response.status_code == 303
    assert response.headers["location"].endswith("/profile#single-sign-on")
    assert single_sign_on.link_status(user_id).linked
    # From now on single sign-on signs in to that account.
    later = sign_in_round(TestClient(security_guard(create_api())), provider, sub)
    assert accounts.resolve_session(later.cookies.get(SESSION_COOKIE_NAME)) == user_id
    with read() as session:
        kinds = session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)).all()
    assert "sso_linked" in kinds and "signed_in" in kinds


def test_a_link_ticket_works_only_in_its_owners_signed_in_browser(sso, provider):
    client = sso()
    password = random_password()
    owner = accounts.sign_up("Owen Er", "owen@example.com", password)
    ticket = single_sign_on.start_linking(owner, password)
    stranger = accounts.sign_up("Stra Nger", "stranger@example.com", random_password())
    client.cookies.set(SESSION_COOKIE_NAME, accounts.open_session(stranger))
    response = client.get("/api/oidc/login", params={"link": ticket}, follow_redirects=False)
    assert error_reason(response) == "state"


def test_disabled_account_is_refused(sso, provider):
    client = sso()
    sub = new_subject()
    provider.put_user(sub, email="gone@example.com", name="Gone Away")
    first = sign_in_round(client, provider, sub)
    user_id = accounts.resolve_session(first.cookies.get(SESSION_COOKIE_NAME))
    with transaction() as session:
        session.exec(sa.update(User).where(User.id == user_id).values(disabled_at=utcnow()))
    response = sign_in_round(TestClient(security_guard(create_api())), provider, sub)
    assert error_reason(response) == "disabled"
    assert SESSION_COOKIE_NAME not in response.cookies


def test_not_configured_goes_to_the_error_page(database):
    client = TestClient(security_guard(create_api()), raise_server_exceptions=False)
    assert error_reason(client.get("/api/oidc/login", follow_redirects=False)) == "unavailable"
    assert error_reason(client.get("/api/oidc/callback?state=x&code=y", follow_redirects=False)) == "unavailable"
