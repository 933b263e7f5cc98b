from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import ApiCredential, Invitation, Membership, User, Workspace, WorkspaceRemoval, utcnow
from profile_app.services import accounts, security
from profile_app.services import workspaces as ws
from profile_app.services.errors import LimitReached, NotFound, PermissionDenied, ValidationFailed

PASSWORD = "correct horse battery"


def sign_up(name: str) -> int:
    return accounts.sign_up(name, f"{name.lower().replace(' ', '.')}@example.com", PASSWORD)


def personal_workspace(user_id: int) -> int:
    return accounts.get_account(user_id).active_workspace_id


def token_of(link: str) -> str:
    assert ws.JOIN_PATH in link
    return link.rsplit("/", 1)[1]


def add_credential(user_id: int, workspace_id: int) -> int:
    with db.transaction() as session:
        row = ApiCredential(
            user_id=user_id,
            workspace_id=workspace_id,
            access_key=security.new_token()[:24],
            secret_hash=security.token_digest("s"),
        )
        session.add(row)
        session.flush()
        return row.id


def set_max_members(workspace_id: int, value: int) -> None:
    with db.transaction() as session:
        session.exec(sa.update(Workspace).where(Workspace.id == workspace_id).values(max_members=value))


@pytest.fixture
def team(database):
    """Ada owns a workspace; Bob joined it through a link."""
    ada, bob = sign_up("Ada Owner"), sign_up("Bob Member")
    workspace_id = personal_workspace(ada)
    link = ws.create_invitation(ada).link
    assert ws.join_workspace(bob, token_of(link)) == workspace_id
    return ada, bob, workspace_id


# ---------------------------------------------------------------------------------------------- listing, switching


def test_list_workspaces_shows_role_count_and_active(team):
    ada, bob, shared = team
    bobs = ws.list_workspaces(bob)
    assert [(w.personal, w.role, w.member_count, w.active) for w in bobs] == [
        (True, "owner", 1, False),
        (False, "member", 2, True),
    ]
    assert bobs[1].id == shared and bobs[1].name == "Ada Owner's workspace"
    assert bobs[1].max_members == 10
    assert [w.id for w in ws.list_workspaces(ada)] == [shared]


def test_switch_is_stored_and_requires_membership(team):
    ada, bob, shared = team
    bob_personal = next(w.id for w in ws.list_workspaces(bob) if w.personal)
    ws.switch_workspace(bob, bob_personal)
    assert accounts.get_account(bob).active_workspace_id == bob_personal
    ws.switch_workspace(bob, shared)
    assert accounts.get_account(bob).active_workspace_name == "Ada Owner's workspace"
    with pytest.raises(PermissionDenied, match="not a member"):
        ws.switch_workspace(ada, bob_personal)
    assert accounts.get_account(ada).active_workspace_id == shared


def test_rename_owner_only_and_validated(team):
    ada, bob, shared = team
    assert ws.rename_workspace(ada, shared, "  Research   team ") == "Research team"
    assert ws.list_members(bob).workspace_name == "Research team"
    with pytest.raises(PermissionDenied, match="owner"):
        ws.rename_workspace(bob, shared, "Bob's now")
    with pytest.raises(ValidationFailed) as short:
        ws.rename_workspace(ada, shared, "x")
    assert short.value.field == "name"
    with pytest.raises(ValidationFailed, match="at most 100"):
        ws.rename_workspace(ada, shared, "x" * 101)
    assert ws.rename_workspace(ada, shared, "y" * 100) == "y" * 100


# ---------------------------------------------------------------------------------------------- members


def test_members_list_in_one_query(team):
    ada, bob, shared = team
    carol = sign_up("Carol Third")
    ws.join_workspace(carol, token_of(ws.create_invitation(bob).link))
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.get_engine(), "before_cursor_execute", count)
    try:
        overview = ws.list_members(ada)
    finally:
        sa.event.remove(db.get_engine(), "before_cursor_execute", count)
    assert [(m.name, m.email, m.role) for m in overview.members] == [
        ("Ada Owner", "ada.owner@example.com", "owner"),
        ("Bob Member", "bob.member@example.com", "member"),
        ("Carol Third", "carol.third@example.com", "member"),
    ]
    assert overview.member_count == 3 and overview.max_members == 10 and not overview.full
    assert overview.viewer_role == "owner"
    assert all(m.joined_at.tzinfo is not None for m in overview.members)
    # user, viewer's membership, workspace, the member rows: a constant, whatever the number of members
    assert len(statements) <= 5


def test_non_member_cannot_see_members_or_invitations(team):
    ada, bob, shared = team
    mallory = sign_up("Mallory Outsider")
    with pytest.raises(PermissionDenied):
        ws.list_members(mallory, shared)
    with pytest.raises(PermissionDenied):
        ws.list_invitations(mallory, shared)
    with pytest.raises(PermissionDenied):
        ws.create_invitation(mallory, shared)
    invitation = ws.create_invitation(ada)
    with pytest.raises(NotFound):
        ws.revoke_invitation(mallory, invitation.id)
    with pytest.raises(PermissionDenied):
        ws.switch_workspace(mallory, shared)
    assert ws.list_invitations(ada)[0].uses == 0


def test_member_cannot_remove_others_owner_can(team):
    ada, bob, shared = team
    carol = sign_up("Carol Third")
    ws.join_workspace(carol, token_of(ws.create_invitation(ada).link))
    with pytest.raises(PermissionDenied, match="Only the workspace owner"):
        ws.remove_member(bob, carol, shared)
    with pytest.raises(PermissionDenied, match="yourself"):
        ws.remove_member(ada, ada, shared)
    credential = add_credential(carol, shared)
    ws.remove_member(ada, carol, shared)
    assert [m.name for m in ws.list_members(ada).members] == ["Ada Owner", "Bob Member"]
    with db.read() as session:
        assert session.get(ApiCredential, credential).revoked_at is not None
    account = accounts.get_account(carol)
    assert account.active_workspace_name == "Carol Third's workspace"
    with pytest.raises(NotFound):
        ws.remove_member(ada, carol, shared)


def test_a_removed_member_cannot_come_back_through_old_links_only_through_a_new_one(team):
    """A removed member rejoined at once with a link they made while a member, or any older multi-use link."""
    ada, bob, shared = team
    older_link = token_of(ws.create_invitation(ada).link)
    bobs_own_link = token_of(ws.create_invitation(bob).link)
    ws.remove_member(ada, bob, shared)
    assert ws.preview_invitation(bobs_own_link, bob).state == "revoked"  # the links he made are revoked
    assert ws.preview_invitation(older_link, bob).state == "removed"
    assert ws.preview_invitation(older_link, None).state == "ok"  # still good for anyone else
    for link in (older_link, bobs_own_link):
        with pytest.raises((ws.InvitationPredatesRemoval, ws.InvitationRevoked)):
            ws.join_workspace(bob, link)
    with db.transaction() as session:  # the next link is made strictly after the removal
        removal = session.exec(select(WorkspaceRemoval)).one()
        removal.removed_at = utcnow() - timedelta(seconds=1)
    assert ws.join_workspace(bob, token_of(ws.create_invitation(ada).link)) == shared


# ---------------------------------------------------------------------------------------------- invitations


def test_invitation_stores_only_digest_and_expires_after_configured_days(database):
    database(INVITATION_LIFETIME_DAYS="3", WEB_URL="https://app.example.com")
    ada = sign_up("Ada Owner")
    before = utcnow()
    created = ws.create_invitation(ada)
    token = token_of(created.link)
    assert created.link == f"https://app.example.com/join/{token}"
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    with db.read() as session:
        row = session.get(Invitation, created.id)
    assert row.token_hash == security.token_digest(token)
    assert token not in row.token_hash
    assert timedelta(days=3) <= row.expires_at - before < timedelta(days=3, minutes=1)
    links = ws.list_invitations(ada)
    assert [(link.id, link.created_by_name, link.can_revoke) for link in links] == [(created.id, "Ada Owner", True)]
    assert not any(token in repr(link) for link in links)


def test_expired_link_is_refused_and_hidden(team):
    ada, bob, shared = team
    carol = sign_up("Carol Third")
    created = ws.create_invitation(ada)
    with db.transaction() as session:
        session.exec(
            sa.update(Invitation).where(Invitation.id == created.id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert ws.preview_invitation(token_of(created.link), carol).state == "expired"
    with pytest.raises(ws.InvitationExpired):
        ws.join_workspace(carol, token_of(created.link))
    assert created.id not in [link.id for link in ws.list_invitations(ada)]


def test_revoke_rules_and_revoked_link_refused(team):
    ada, bob, shared = team
    carol = sign_up("Carol Third")
    adas, bobs = ws.create_invitation(ada), ws.create_invitation(bob)
    by_id = {link.id: link for link in ws.list_invitations(bob)}
    assert by_id[adas.id].can_revoke is False and by_id[bobs.id].can_revoke is True
    with pytest.raises(PermissionDenied):
        ws.revoke_invitation(bob, adas.id)
    ws.revoke_invitation(bob, bobs.id)
    ws.revoke_invitation(ada, adas.id)
    remaining = {link.id for link in ws.list_invitations(ada)}
    assert adas.id not in remaining and bobs.id not in remaining
    preview = ws.preview_invitation(token_of(adas.link), carol)
    assert preview.state == "revoked" and preview.workspace_name == "Ada Owner's workspace"
    with pytest.raises(ws.InvitationRevoked, match="revoked"):
        ws.join_workspace(carol, token_of(adas.link))


def test_owner_revokes_members_link(team):
    ada, bob, shared = team
    bobs = ws.create_invitation(bob)
    ws.revoke_invitation(ada, bobs.id)
    assert ws.preview_invitation(token_of(bobs.link)).state == "revoked"


def test_unknown_link(team):
    ada, bob, shared = team
    preview = ws.preview_invitation("not-a-token", bob)
    assert preview.state == "unknown" and preview.workspace_name == "" and preview.inviter_name == ""
    with pytest.raises(ws.InvitationUnknown):
        ws.join_workspace(bob, "not-a-token")
    with pytest.raises(ws.InvitationUnknown):
        ws.join_workspace(bob, "")


def test_preview_for_visitor_and_member(team):
    ada, bob, shared = team
    token = token_of(ws.create_invitation(ada).link)
    visitor = ws.preview_invitation(token)
    assert (visitor.state, visitor.workspace_name, visitor.inviter_name) == ("ok", "Ada Owner's workspace", "Ada Owner")
    assert ws.preview_invitation(token, bob).state == "already_member"
    with pytest.raises(ws.AlreadyMember):
        ws.join_workspace(bob, token)


def test_link_is_reused_until_full_then_refused(team):
    ada, bob, shared = team
    set_max_members(shared, 4)
    token = token_of(ws.create_invitation(ada).link)
    carol, dave, erin = sign_up("Carol Third"), sign_up("Dave Fourth"), sign_up("Erin Fifth")
    ws.join_workspace(carol, token)
    ws.join_workspace(dave, token)
    assert accounts.get_account(dave).active_workspace_id == shared
    assert ws.preview_invitation(token, erin).state == "full"
    with pytest.raises(ws.WorkspaceFull, match="This workspace is full. Ask its owner to free a seat."):
        ws.join_workspace(erin, token)
    overview = ws.list_members(ada)
    assert overview.full and overview.member_count == 4
    with pytest.raises(LimitReached, match="This workspace has reached its maximum of 4 members"):
        ws.create_invitation(bob)
    with db.read() as session:
        assert (
            session.exec(select(Invitation.uses).where(Invitation.token_hash == security.token_digest(token))).one()
            == 2
        )
    ws.remove_member(ada, dave)
    ws.join_workspace(erin, token)  # a freed seat makes the same link work again
    assert ws.list_members(ada).member_count == 4


# ---------------------------------------------------------------------------------------------- leaving


def test_leave_revokes_credentials_and_switches_to_personal(team):
    ada, bob, shared = team
    bob_personal = next(w.id for w in ws.list_workspaces(bob) if w.personal)
    in_shared = add_credential(bob, shared)
    in_personal = add_credential(bob, bob_personal)
    adas = add_credential(ada, shared)
    ws.leave_workspace(bob, shared)
    with db.read() as session:
        assert session.get(ApiCredential, in_shared).revoked_at is not None
        assert session.get(ApiCredential, in_personal).revoked_at is None
        assert session.get(ApiCredential, adas).revoked_at is None
        assert session.exec(select(Membership).where(Membership.user_id == bob)).all()[0].workspace_id == bob_personal
    assert accounts.get_account(bob).active_workspace_id == bob_personal
    with pytest.raises(PermissionDenied):
        ws.list_members(bob, shared)
    with pytest.raises(PermissionDenied):
        ws.leave_workspace(bob, shared)


def test_leaving_an_inactive_workspace_keeps_the_active_one(team):
    ada, bob, shared = team
    bob_personal = next(w.id for w in ws.list_workspaces(bob) if w.personal)
    ws.switch_workspace(bob, bob_personal)
    ws.leave_workspace(bob, shared)
    assert accounts.get_account(bob).active_workspace_id == bob_personal


def test_personal_workspace_cannot_be_left(team):
    ada, bob, shared = team
    with pytest.raises(PermissionDenied, match="personal workspace"):
        ws.leave_workspace(ada, shared)
    assert ws.list_members(ada).member_count == 2


def test_failed_leave_writes_nothing(team):
    ada, bob, shared = team
    credential = add_credential(ada, shared)
    with pytest.raises(PermissionDenied):
        ws.leave_workspace(ada, shared)
    with db.read() as session:
        assert session.get(ApiCredential, credential).revoked_at is None


# ---------------------------------------------------------------------------------------------- self-hosted


def test_self_hosted_refuses_hosted_only_actions_but_lists_members(database):
    database(MODE="self-hosted")
    admin, other = sign_up("Ada Admin"), sign_up("Bob Builder")
    shared = personal_workspace(admin)
    calls = [
        lambda: ws.switch_workspace(other, shared),
        lambda: ws.join_workspace(other, "anything"),
        lambda: ws.leave_workspace(other, shared),
        lambda: ws.remove_member(admin, other),
    ]  # invitation links are the administrators' "Invite users" there: tests/unit/test_administration.py
    for call in calls:
        with pytest.raises(PermissionDenied, match="do not apply to a self-hosted server"):
            call()
    assert [m.name for m in ws.list_members(other).members] == ["Ada Admin", "Bob Builder"]
    assert [(w.id, w.active, w.personal) for w in ws.list_workspaces(other)] == [(shared, True, False)]
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(Workspace)).one() == 1
        assert session.get(User, other).active_workspace_id == shared
