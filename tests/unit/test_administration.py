"""Self-hosted administration: who may act, the last-administrator rule (also under concurrency, on SQLite and
PostgreSQL), and what disabling and enabling do to sessions, sign-in and API credentials."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import ApiCredential, AuthSession, SecurityEvent, User
from profile_app.services import accounts, administration, credentials, password_reset, session_cache, workspaces
from profile_app.services.credentials import InvalidCredentials
from profile_app.services.errors import AccountDisabled, NotFound, PermissionDenied, SignupClosed

PASSWORD = "correct horse battery"


@pytest.fixture
def self_hosted(database):
    database(MODE="self-hosted")
    admin = accounts.sign_up("Ada Admin", "ada@example.com", PASSWORD)
    member = accounts.sign_up("Bob Member", "bob@example.com", PASSWORD)
    return admin, member


def _events(user_id: int) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.exec(
            select(SecurityEvent.kind, SecurityEvent.detail)
            .where(SecurityEvent.user_id == user_id)
            .order_by(SecurityEvent.id)
        ).all()
    return [(kind, detail) for kind, detail in rows]


def _user(user_id: int) -> User:
    with db.read() as session:
        return session.get(User, user_id)


# ---------------------------------------------------------------------------------------------------- listing


def test_list_users_shows_every_account_in_one_statement(self_hosted):
    admin, member = self_hosted
    created = credentials.create_credentials(member, label="laptop")
    revoked = credentials.create_credentials(member, label="old")
    credentials.revoke_credentials(member, revoked.access_key)
    accounts.sign_in("bob@example.com", PASSWORD)
    statements: list[str] = []
    engine = db.get_engine()

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with db.one_read():
        with db.read() as session:
            session.get(User, admin)  # the page's shared read already holds the viewer's row
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            overview = administration.list_users(admin)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert [row.email for row in overview.users] == ["ada@example.com", "bob@example.com"]
    ada, bob = overview.users
    assert (ada.role, ada.status) == ("Administrator", "Active")
    assert (bob.role, bob.status, bob.active_credentials) == ("Member", "Active", 1)
    assert bob.last_sign_in_at is not None and ada.last_sign_in_at is None
    assert created.access_key  # the active one counted, the revoked one not
    assert overview.can_disable(bob) and not overview.can_disable(ada)
    assert overview.last_administrator(ada)
    assert ada.two_factor is False and bob.two_factor is False


def test_list_users_shows_who_has_two_factor_on(self_hosted):
    import pyotp

    from profile_app.services import two_factor

    admin, bob = self_hosted
    key = two_factor.begin_setup(bob)
    two_factor.confirm_setup(bob, pyotp.TOTP(key.secret).now())
    shown = {row.email: row.two_factor for row in administration.list_users(admin).users}
    assert shown == {"ada@example.com": False, "bob@example.com": True}


def test_non_admin_and_hosted_are_refused_everything(self_hosted, database):
    admin, member = self_hosted
    for action in (
        administration.disable_user,
        administration.enable_user,
        administration.make_admin,
        administration.remove_admin,
    ):
        with pytest.raises(PermissionDenied):
            action(member, admin)
    with pytest.raises(PermissionDenied):
        administration.list_users(member)
    assert not administration.is_administrator(member)
    assert administration.is_administrator(admin)
    database(MODE="hosted")
    hosted = accounts.sign_up("Hosted Person", "hosted@example.com", PASSWORD)
    with pytest.raises(PermissionDenied):
        administration.list_users(hosted)
    assert not administration.is_administrator(hosted)


def test_disabled_admin_cannot_act(self_hosted):
    admin, member = self_hosted
    administration.make_admin(admin, member)
    administration.disable_user(admin, member)
    with pytest.raises(PermissionDenied):
        administration.enable_user(member, member)


def test_unknown_user_is_not_found(self_hosted):
    admin, _ = self_hosted
    with pytest.raises(NotFound):
        administration.disable_user(admin, 10_000)


# ---------------------------------------------------------------------------------------------------- rules


def test_self_disable_is_refused(self_hosted):
    admin, member = self_hosted
    administration.make_admin(admin, member)
    with pytest.raises(administration.SelfDisable, match="your own account"):
        administration.disable_user(admin, admin)


def test_last_admin_cannot_be_demoted_or_disabled(self_hosted):
    admin, member = self_hosted
    with pytest.raises(administration.LastAdministrator, match="last administrator"):
        administration.remove_admin(admin, admin)
    assert _user(admin).is_admin
    administration.make_admin(admin, member)
    administration.remove_admin(member, admin)  # two administrators: one may go
    assert not _user(admin).is_admin
    with pytest.raises(PermissionDenied):
        administration.make_admin(admin, admin)  # no longer an administrator


def test_a_disabled_admin_does_not_count(self_hosted):
    admin, member = self_hosted
    administration.make_admin(admin, member)
    administration.disable_user(admin, member)
    with pytest.raises(administration.LastAdministrator):
        administration.remove_admin(admin, admin)


def test_admin_changes_are_logged_on_both_users(self_hosted):
    admin, member = self_hosted
    administration.make_admin(admin, member, ip_address="10.0.0.1")
    administration.remove_admin(admin, member)
    administration.disable_user(admin, member)
    administration.enable_user(admin, member)
    kinds = ["admin_granted", "admin_revoked", "account_disabled", "account_enabled"]
    assert [kind for kind, _ in _events(admin)] == kinds
    assert {detail for _, detail in _events(admin)} == {"bob@example.com"}
    assert [kind for kind, _ in _events(member)] == kinds
    assert {detail for _, detail in _events(member)} == {"By ada@example.com"}


def test_repeating_a_change_is_harmless_and_not_logged_twice(self_hosted):
    admin, member = self_hosted
    administration.disable_user(admin, member)
    administration.disable_user(admin, member)
    assert [kind for kind, _ in _events(member)] == ["account_disabled"]


# ---------------------------------------------------------------------------------------------------- disabling


def test_disable_ends_sessions_refuses_sign_in_and_credentials_and_enable_restores(self_hosted):
    admin, member = self_hosted
    token = accounts.sign_in("bob@example.com", PASSWORD)
    assert accounts.resolve_session(token) == member  # now in this process's session cache too
    created = credentials.create_credentials(member, label="sdk")
    api_token = credentials.login(created.access_key, created.secret_key)
    grant = accounts.issue_sign_in_grant(member, "/profile")

    administration.disable_user(admin, member)

    assert accounts.resolve_session(token) is None
    with db.read() as session:
        assert session.exec(select(AuthSession).where(AuthSession.user_id == member)).first() is None
    with pytest.raises(AccountDisabled, match="This account is disabled"):
        accounts.authenticate("bob@example.com", PASSWORD)
    with pytest.raises(AccountDisabled):
        accounts.redeem_sign_in_grant(grant)  # a grant issued before the disable opens nothing after it
    with pytest.raises(InvalidCredentials):
        credentials.login(created.access_key, created.secret_key)
    with pytest.raises(InvalidCredentials):
        credentials.authenticate_keys(created.access_key, created.secret_key)
    with pytest.raises(InvalidCredentials):
        credentials.authenticate_token(api_token)
    with pytest.raises(InvalidCredentials):
        credentials.refresh_token(api_token)
    with db.read() as session:  # nothing deleted
        assert session.exec(select(ApiCredential).where(ApiCredential.user_id == member)).one().revoked_at is None

    administration.enable_user(admin, member)

    assert accounts.authenticate("bob@example.com", PASSWORD) == member
    assert credentials.authenticate_token(api_token).user_id == member
    assert credentials.login(created.access_key, created.secret_key)


def test_wrong_password_on_a_disabled_account_says_nothing_about_it(self_hosted):
    admin, member = self_hosted
    administration.disable_user(admin, member)
    with pytest.raises(Exception) as caught:
        accounts.authenticate("bob@example.com", "not the password at all")
    assert not isinstance(caught.value, AccountDisabled)


def test_disabling_forgets_cached_sessions(self_hosted):
    admin, member = self_hosted
    token = accounts.sign_in("bob@example.com", PASSWORD)
    accounts.resolve_session(token)
    digest = accounts.security.token_digest(token)
    assert session_cache.get(digest, accounts.utcnow()) == member
    administration.disable_user(admin, member)
    assert session_cache.get(digest, accounts.utcnow()) is None


# ---------------------------------------------------------------------------------------------------- concurrency


def _race_demoting_each_other(admin: int, other: int, wait_for_blocked) -> list[BaseException | None]:
    """Admin demotes other while other demotes admin. The first to get the lock is held right after counting the
    administrators until the second is known to be waiting; without the lock both would count two and succeed."""
    inside, release = threading.Event(), threading.Event()
    real_count = administration._active_administrator_count
    first = threading.Lock()

    def held_count(session):
        result = real_count(session)
        if first.acquire(blocking=False):
            inside.set()
            release.wait(30)
        return result

    outcomes: list[BaseException | None] = [None, None]

    def run(index: int, actor: int, target: int):
        try:
            administration.remove_admin(actor, target)
        except BaseException as error:  # noqa: BLE001 - every outcome is checked below
            outcomes[index] = error

    administration._active_administrator_count = held_count
    try:
        one = threading.Thread(target=run, args=(0, admin, other))
        one.start()
        assert inside.wait(30)
        two = threading.Thread(target=run, args=(1, other, admin))
        two.start()
        wait_for_blocked()
        release.set()
        one.join(30)
        two.join(30)
    finally:
        administration._active_administrator_count = real_count
    return outcomes


def _assert_one_admin_left(admin: int, other: int, outcomes) -> None:
    assert outcomes[0] is None
    assert isinstance(outcomes[1], PermissionDenied)  # by then no longer an administrator
    with db.read() as session:
        admins = session.exec(select(User.id).where(User.is_admin.is_(True))).all()
    assert admins == [admin]


def test_two_admins_demoting_each_other_leave_one_sqlite(self_hosted):
    admin, other = self_hosted
    administration.make_admin(admin, other)
    # SQLite's BEGIN IMMEDIATE queues the second writer on the busy timeout; give its thread a moment to get there.
    outcomes = _race_demoting_each_other(admin, other, lambda: time.sleep(0.3))
    _assert_one_admin_left(admin, other, outcomes)


@pytest.mark.postgres
def test_two_admins_demoting_each_other_leave_one_postgres(postgres_database):
    postgres_database(MODE="self-hosted")
    admin = accounts.sign_up("Ada Admin", "ada@example.com", PASSWORD)
    other = accounts.sign_up("Bob Member", "bob@example.com", PASSWORD)
    administration.make_admin(admin, other)

    def wait_until_a_transaction_waits_on_a_lock():
        with db.get_engine().connect() as conn:
            for _ in range(300):
                waiting = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar()
                if waiting:
                    return
                time.sleep(0.05)

    outcomes = _race_demoting_each_other(admin, other, wait_until_a_transaction_waits_on_a_lock)
    _assert_one_admin_left(admin, other, outcomes)


@pytest.mark.postgres
def test_disable_rules_on_postgres(postgres_database):
    postgres_database(MODE="self-hosted")
    admin = accounts.sign_up("Ada Admin", "ada@example.com", PASSWORD)
    member = accounts.sign_up("Bob Member", "bob@example.com", PASSWORD)
    created = credentials.create_credentials(member, label="sdk")
    administration.disable_user(admin, member)
    with pytest.raises(InvalidCredentials):
        credentials.login(created.access_key, created.secret_key)
    with pytest.raises(AccountDisabled):
        accounts.authenticate("bob@example.com", PASSWORD)
    with pytest.raises(administration.LastAdministrator):
        administration.remove_admin(admin, admin)
    administration.enable_user(admin, member)
    assert credentials.login(created.access_key, created.secret_key)
    assert len(administration.list_users(admin).users) == 2


# ---------------------------------------------------------------------------------------------------- invitations


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_self_hosted_invitations_are_for_administrators_and_admit_sign_up_when_closed(self_hosted, database):
    admin, member = self_hosted
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        workspaces.create_invitation(member)
    link = workspaces.create_invitation(admin).link
    assert workspaces.preview_invitation(_token(link)).state == "ok"
    assert [row.can_revoke for row in workspaces.list_invitations(admin)] == [True]
    database(MODE="self-hosted", SIGNUP_OPEN="false")
    with pytest.raises(SignupClosed):
        accounts.sign_up("Carol Closed", "carol@example.com", PASSWORD)
    with pytest.raises(SignupClosed):
        accounts.sign_up("Carol Closed", "carol@example.com", PASSWORD, invitation="not-a-real-token")
    carol = accounts.sign_up("Carol Invited", "carol@example.com", PASSWORD, invitation=_token(link))
    account = accounts.get_account(carol)
    assert not account.is_admin
    assert account.active_workspace_id == accounts.get_account(admin).active_workspace_id
    assert [row.uses for row in workspaces.list_invitations(admin)] == [1]
    invitation_id = workspaces.list_invitations(admin)[0].id
    with pytest.raises(PermissionDenied):
        workspaces.revoke_invitation(member, invitation_id)
    workspaces.revoke_invitation(admin, invitation_id)
    with pytest.raises(SignupClosed):
        accounts.sign_up("Dan Late", "dan@example.com", PASSWORD, invitation=_token(link))


def test_hosted_closed_sign_up_needs_a_working_invitation(database):
    database(SIGNUP_OPEN="true")
    owner = accounts.sign_up("Owner Person", "owner@example.com", PASSWORD)
    link = workspaces.create_invitation(owner).link
    database(SIGNUP_OPEN="false")
    with pytest.raises(SignupClosed):
        accounts.sign_up("Eve Closed", "eve@example.com", PASSWORD)
    eve = accounts.sign_up("Eve Invited", "eve@example.com", PASSWORD, invitation=_token(link))
    assert workspaces.join_workspace(eve, _token(link))  # the use is counted when they join


def test_reset_password_link_is_for_administrators_and_works(self_hosted):
    admin, member = self_hosted
    with pytest.raises(PermissionDenied):
        administration.create_reset_link(member, admin)
    link = administration.create_reset_link(admin, member)
    new_password = "a brand new passphrase"
    assert password_reset.reset_password(_token(link), new_password, address="127.0.0.1") == member
    assert accounts.authenticate("bob@example.com", new_password) == member
    assert ("reset_link_created", "for bob@example.com") in _events(admin)
    assert "reset_link_created" in [kind for kind, _ in _events(member)]


# ------------------------------------------------------------------------------------ hosted: workspace admins


def test_hosted_owner_makes_and_removes_workspace_admins_who_may_remove_members_but_not_the_owner(database):
    owner = accounts.sign_up("Olga Owner", "olga@example.com", PASSWORD)
    link = _token(workspaces.create_invitation(owner).link)
    helper = accounts.sign_up("Hank Helper", "hank@example.com", PASSWORD)
    other = accounts.sign_up("Ola Other", "ola@example.com", PASSWORD)
    workspaces.join_workspace(helper, link)
    workspaces.join_workspace(other, link)
    team = accounts.get_account(owner).active_workspace_id

    with pytest.raises(PermissionDenied, match="Only the workspace owner"):
        workspaces.set_member_role(helper, other, workspaces.ADMIN, team)
    with pytest.raises(PermissionDenied):
        workspaces.remove_member(helper, other, team)  # not an admin yet
    workspaces.set_member_role(owner, helper, workspaces.ADMIN, team)
    overview = workspaces.list_members(owner, team)
    assert [(m.name, m.role) for m in overview.members] == [
        ("Olga Owner", "owner"),
        ("Hank Helper", "admin"),
        ("Ola Other", "member"),
    ]
    as_helper = workspaces.list_members(helper, team)
    assert [as_helper.can_remove(m) for m in as_helper.members] == [False, False, True]
    assert not any(as_helper.can_change_role(m) for m in as_helper.members)
    with pytest.raises(PermissionDenied, match="owner"):
        workspaces.remove_member(helper, owner, team)
    with pytest.raises(PermissionDenied, match="owner"):
        workspaces.set_member_role(owner, owner, workspaces.MEMBER, team)
    workspaces.remove_member(helper, other, team)
    assert "admin_granted" in [kind for kind, _ in _events(helper)]
    assert ("admin_granted", "hank@example.com in Olga Owner's workspace") in _events(owner)

    workspaces.set_member_role(owner, helper, workspaces.MEMBER, team)
    with pytest.raises(PermissionDenied):
        workspaces.remove_member(helper, owner, team)
    assert "admin_revoked" in [kind for kind, _ in _events(helper)]
