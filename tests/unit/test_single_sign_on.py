"""Single sign-on rules (services/single_sign_on.py), without a provider: which account a validated set of claims
signs in to, linking, domains, SSO-only accounts, and pending authorizations (single use, bound, expiring)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app.db import read, transaction
from profile_app.models import SingleSignOnIdentity, SingleSignOnPending, User, utcnow
from profile_app.services import accounts, single_sign_on
from profile_app.services.errors import InvalidLogin, PasswordSignInDisabled, ValidationFailed
from profile_app.services.single_sign_on import Reason, SingleSignOnFailed
from tests.conftest import random_password

ISSUER = "https://id.example.com"
SSO = {"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": "profile", "OIDC_CLIENT_SECRET": "s3cret-value"}


@pytest.fixture
def sso_db(database):
    database(**SSO)
    return database


def reason_of(call, *args, **kwargs) -> Reason:
    with pytest.raises(SingleSignOnFailed) as failure:
        call(*args, **kwargs)
    return failure.value.reason


def users() -> int:
    with read() as session:
        return session.exec(select(sa.func.count()).select_from(User)).one()


def test_new_identity_creates_an_account_without_a_password(sso_db):
    outcome = single_sign_on.complete(ISSUER, {"sub": "abc", "email": "Ann@Example.com", "name": "Ann Example"})
    assert outcome.signed_up
    account = accounts.get_account(outcome.user_id)
    assert (account.name, account.email) == ("Ann Example", "ann@example.com")
    with read() as session:
        assert session.get(User, outcome.user_id).password_hash == ""
    assert single_sign_on.link_status(outcome.user_id) == single_sign_on.LinkStatus(True, True, False)


def test_an_sso_only_account_never_signs_in_with_a_password(sso_db):
    user_id = single_sign_on.complete(ISSUER, {"sub": "abc", "email": "ann@example.com", "name": "Ann"}).user_id
    for guess in ("", "x" * 12, "$argon2id$"):
        with pytest.raises(InvalidLogin):
            accounts.authenticate("ann@example.com", guess)
        with pytest.raises(InvalidLogin):
            accounts.confirm_password(user_id, guess)


def test_sign_in_matches_the_subject_never_the_email(sso_db):
    first = single_sign_on.complete(ISSUER, {"sub": "abc", "email": "ann@example.com", "name": "Ann"})
    again = single_sign_on.complete(ISSUER, {"sub": "abc", "email": "changed@example.com", "name": "Ann"})
    assert (again.user_id, again.signed_up) == (first.user_id, False)
    # Another subject (or another issuer) presenting the same email gets nothing.
    assert reason_of(single_sign_on.complete, ISSUER, {"sub": "xyz", "email": "ann@example.com"}) == (
        Reason.ACCOUNT_EXISTS
    )
    assert reason_of(single_sign_on.complete, "https://other.example", {"sub": "abc", "email": "ann@example.com"}) == (
        Reason.ACCOUNT_EXISTS
    )
    assert users() == 1


def test_a_password_account_is_never_taken_over_by_email(sso_db):
    accounts.sign_up("Pat Word", "pat@example.com", random_password())
    claims = {"sub": "p1", "email": "pat@example.com", "name": "Pat", "email_verified": True}
    assert reason_of(single_sign_on.complete, ISSUER, claims) == Reason.ACCOUNT_EXISTS
    with read() as session:
        assert session.exec(select(SingleSignOnIdentity)).all() == []


def test_allowed_domains(database):
    database(**SSO, OIDC_ALLOWED_DOMAINS="example.com,Corp.Example")
    assert single_sign_on.email_domain_allowed("a@example.com", ("example.com",))
    assert not single_sign_on.email_domain_allowed("a@sub.example.com", ("example.com",))
    assert not single_sign_on.email_domain_allowed("a@example.com.evil", ("example.com",))
    assert single_sign_on.email_domain_allowed("a@anything.test", ())
    assert reason_of(single_sign_on.complete, ISSUER, {"sub": "1", "email": "eve@evil.example"}) == Reason.DOMAIN
    assert single_sign_on.complete(ISSUER, {"sub": "2", "email": "carol@corp.example"}).signed_up
    assert users() == 1


def test_email_must_be_usable_and_not_marked_unverified(sso_db):
    assert reason_of(single_sign_on.complete, ISSUER, {"sub": "1"}) == Reason.EMAIL
    assert reason_of(single_sign_on.complete, ISSUER, {"sub": "1", "email": "not-an-email"}) == Reason.EMAIL
    unverified = {"sub": "1", "email": "u@example.com", "email_verified": False}
    assert reason_of(single_sign_on.complete, ISSUER, unverified) == Reason.UNVERIFIED
    assert reason_of(single_sign_on.complete, ISSUER, {**unverified, "email_verified": "false"}) == Reason.UNVERIFIED
    assert reason_of(single_sign_on.complete, ISSUER, {"email": "u@example.com"}) == Reason.TOKEN
    assert users() == 0


def test_name_falls_back_to_other_claims(sso_db):
    claims = {"sub": "1", "email": "g@example.com", "given_name": "Gi", "family_name": "Ven"}
    given = single_sign_on.complete(ISSUER, claims)
    assert accounts.get_account(given.user_id).name == "Gi Ven"
    bare = single_sign_on.complete(ISSUER, {"sub": "2", "email": "barely@example.com", "name": "\u202e"})
    assert accounts.get_account(bare.user_id).name == "barely"


def test_link_mode_links_only_to_the_ticket_owner_after_the_password(sso_db):
    password = random_password()
    user_id = accounts.sign_up("Lin Ked", "lin@example.com", password)
    with pytest.raises(InvalidLogin):
        single_sign_on.start_linking(user_id, "wrong password!")
    ticket = single_sign_on.start_linking(user_id, password)
    stranger = accounts.sign_up("Stra Nger", "stranger@example.com", random_password())
    assert reason_of(single_sign_on.begin, link_ticket=ticket, signed_in_user_id=stranger) == Reason.STATE
    # The refused attempt used the ticket up; the owner asks for a new one.
    assert reason_of(single_sign_on.begin, link_ticket=ticket, signed_in_user_id=user_id) == Reason.STATE
    ticket = single_sign_on.start_linking(user_id, password)
    authorization = single_sign_on.begin(link_ticket=ticket, signed_in_user_id=user_id)
    returning = single_sign_on.finish(authorization.state, authorization.binding)
    assert (returning.link_user_id, returning.next_path) == (user_id, single_sign_on.LINK_NEXT)
    outcome = single_sign_on.complete(ISSUER, {"sub": "lin-sub", "email": "other@example.com"}, link_user_id=user_id)
    assert outcome.linked and single_sign_on.link_status(user_id).linked
    assert single_sign_on.complete(ISSUER, {"sub": "lin-sub"}).user_id == user_id
    with pytest.raises(ValidationFailed):
        single_sign_on.start_linking(user_id, password)  # already linked
    # An identity already linked elsewhere is not moved.
    other_password = random_password()
    other = accounts.sign_up("Oth Er", "oth@example.com", other_password)
    assert reason_of(single_sign_on.complete, ISSUER, {"sub": "lin-sub"}, link_user_id=other) == (
        Reason.LINKED_ELSEWHERE
    )


def test_a_pending_authorization_is_single_use_and_bound_to_its_browser(sso_db):
    authorization = single_sign_on.begin("/profile#credentials")
    assert len(authorization.code_verifier) == 43
    assert authorization.code_verifier == single_sign_on.code_verifier_for(authorization.binding)
    with read() as session:
        row = session.exec(select(SingleSignOnPending)).one()
    assert authorization.state not in (row.state_hash, row.binding_hash)
    assert authorization.binding not in (row.state_hash, row.binding_hash)
    returning = single_sign_on.finish(authorization.state, authorization.binding)
    assert (returning.nonce, returning.next_path) == (authorization.nonce, "/profile#credentials")
    assert reason_of(single_sign_on.finish, authorization.state, authorization.binding) == Reason.STATE

    stolen = single_sign_on.begin()
    assert reason_of(single_sign_on.finish, stolen.state, "another-browsers-binding-value") == Reason.STATE
    assert reason_of(single_sign_on.finish, stolen.state, stolen.binding) == Reason.STATE  # used up by the attempt
    assert reason_of(single_sign_on.finish, single_sign_on.begin().state, None) == Reason.STATE


def test_a_pending_authorization_expires_and_next_is_made_safe(sso_db):
    authorization = single_sign_on.begin("//evil.example/")
    with transaction() as session:
        row = session.exec(select(SingleSignOnPending)).one()
        assert row.next_path == "/profile"
        assert row.expires_at - row.created_at == timedelta(minutes=10)
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert reason_of(single_sign_on.finish, authorization.state, authorization.binding) == Reason.EXPIRED
    single_sign_on.begin()
    assert single_sign_on.purge_expired(utcnow() + timedelta(minutes=11)) == 1


def test_disabled_accounts_are_refused(sso_db):
    user_id = single_sign_on.complete(ISSUER, {"sub": "d", "email": "d@example.com", "name": "Dee"}).user_id
    with transaction() as session:
        session.get(User, user_id).disabled_at = utcnow()
    assert reason_of(single_sign_on.complete, ISSUER, {"sub": "d"}) == Reason.DISABLED


def test_oidc_only_refuses_password_sign_in_and_sign_up(database):
    password = random_password()
    database()
    accounts.sign_up("Old Timer", "old@example.com", password)
    database(**SSO, OIDC_ONLY="true")
    with pytest.raises(PasswordSignInDisabled):
        accounts.authenticate("old@example.com", password)
    with pytest.raises(PasswordSignInDisabled):
        accounts.sign_up("New Comer", "new@example.com", random_password())


def test_error_messages_are_fixed_per_code():
    assert single_sign_on.message_for("disabled") == "This account is disabled."
    assert single_sign_on.message_for("<script>") == single_sign_on.GENERIC_MESSAGE
    assert single_sign_on.message_for(None) == single_sign_on.GENERIC_MESSAGE
    assert set(single_sign_on.MESSAGES) == set(Reason)


@pytest.mark.postgres
def test_sso_sign_up_and_single_use_on_postgresql(postgres_database):
    postgres_database(**SSO, MODE="self-hosted")
    first = single_sign_on.complete(ISSUER, {"sub": "pg", "email": "pg@example.com", "name": "Post Gres"})
    assert accounts.get_account(first.user_id).is_admin
    assert single_sign_on.complete(ISSUER, {"sub": "pg"}).user_id == first.user_id
    authorization = single_sign_on.begin()
    single_sign_on.finish(authorization.state, authorization.binding)
    assert reason_of(single_sign_on.finish, authorization.state, authorization.binding) == Reason.STATE
