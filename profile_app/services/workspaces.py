"""Workspaces: list, switch, rename, members, invitation links, join and leave, with a member cap that holds
under concurrent joins.

Hosted mode only for switching, inviting, joining and leaving: a self-hosted server has one workspace holding
every user, so those calls are refused there; listing workspaces and members works in both modes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import ApiCredential, Invitation, Membership, User, Workspace, WorkspaceRemoval, utcnow
from profile_app.services import security, security_log
from profile_app.services.errors import (
    DomainError,
    LimitReached,
    NotFound,
    PermissionDenied,
    SignupClosed,
)
from profile_app.services.idempotency import checked_request_key
from profile_app.services.security_log import EventKind
from profile_app.services.text import clean_text

OWNER = "owner"
ADMIN = "admin"  # hosted: invites, removes members (never the owner); only the owner grants or takes it
MEMBER = "member"
MANAGERS = (OWNER, ADMIN)
WORKSPACE_NAME_MIN, WORKSPACE_NAME_MAX = 2, 100
JOIN_PATH = "/join/"
NOT_A_MEMBER = "You are not a member of this workspace."
SELF_HOSTED_REFUSAL = (
    "Switching, inviting, joining and leaving workspaces do not apply to a self-hosted server, "
    "which has one workspace with every user."
)
SELF_HOSTED_INVITERS = "Only an administrator can invite people to this server."


class WorkspaceFull(LimitReached):
    def __init__(self, message: str = "This workspace is full. Ask its owner to free a seat."):
        super().__init__(message)


class InvitationUnknown(NotFound):
    def __init__(self):
        super().__init__("This invitation link is not valid. Check that you copied the whole link.")


class InvitationExpired(DomainError):
    def __init__(self):
        super().__init__("This invitation link has expired. Ask for a new one.")


class InvitationRevoked(DomainError):
    def __init__(self):
        super().__init__("This invitation link has been revoked. Ask for a new one.")


class InvitationPredatesRemoval(DomainError):
    def __init__(self):
        super().__init__(
            "You were removed from this workspace after this link was made. Ask its owner for a new invitation."
        )


class AlreadyMember(DomainError):
    def __init__(self):
        super().__init__("You are already a member of this workspace.")


@dataclass(frozen=True)
class WorkspaceSummary:
    """`personal` means the user's own personal workspace (which they cannot leave); in hosted mode a team
    workspace is its owner's personal one."""

    id: int
    name: str
    role: str
    member_count: int
    max_members: int
    active: bool
    personal: bool

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER

    @property
    def full(self) -> bool:
        return self.member_count >= self.max_members


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    email: str
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class MembersOverview:
    """The active (or given) workspace's members, with what the viewer may do there (`personal`: it is the
    viewer's own personal workspace, so there is no leaving it)."""

    workspace_id: int
    workspace_name: str
    personal: bool
    viewer_role: str
    max_members: int
    members: tuple[Member, ...]
    viewer_id: int = 0
    hosted: bool = True

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def full(self) -> bool:
        return self.member_count >= self.max_members

    @property
    def can_leave(self) -> bool:
        """The rule `leave_workspace` enforces, for the page to offer the button only where it works."""
        return self.hosted and not self.personal and self.viewer_role != OWNER

    def can_remove(self, member: Member) -> bool:
        """The rule `remove_member` enforces: the owner and its admins remove anyone but themselves and the owner
        (hosted only)."""
        return (
            self.hosted and self.viewer_role in MANAGERS and member.user_id != self.viewer_id and member.role != OWNER
        )

    def can_change_role(self, member: Member) -> bool:
        """The rule `set_member_role` enforces: only the owner makes or unmakes admins, and the owner stays owner."""
        return self.hosted and self.viewer_role == OWNER and member.role != OWNER


@dataclass(frozen=True)
class CreatedInvitation:
    """The link carries the only copy of the token; show it once and forget it. `repeated`: the request key was
    used before, so this is that first invitation again, and `link` is empty (only the first answer carries it)."""

    id: int
    workspace_id: int
    link: str
    expires_at: datetime
    repeated: bool = False


@dataclass(frozen=True)
class InvitationLink:
    id: int
    created_by_id: int | None
    created_by_name: str
    created_at: datetime
    expires_at: datetime
    uses: int
    can_revoke: bool


@dataclass(frozen=True)
class InvitationPreview:
    """What /join/<token> shows. state: ok | unknown | expired | revoked | removed | already_member | full."""

    state: str
    message: str
    workspace_id: int | None = None
    workspace_name: str = ""
    inviter_name: str = ""
    member_count: int = 0
    max_members: int = 0


# ---------------------------------------------------------------------------------------------------- helpers


def _require_hosted() -> None:
    if not get_settings().hosted:
        raise PermissionDenied(SELF_HOSTED_REFUSAL)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise PermissionDenied("Please log in again.")
    return user


def _membership(session: Session, workspace_id: int | None, user_id: int) -> Membership | None:
    if workspace_id is None:
        return None
    return session.exec(
        select(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
    ).first()


def _require_inviter(session: Session, user_id: int) -> None:
    """Hosted: any member invites (membership is checked by the caller). Self-hosted: only an active administrator
    makes and revokes links to the one workspace (the Users section's "Invite users")."""
    if get_settings().hosted:
        return
    user = _user(session, user_id)
    if not user.is_admin or user.disabled_at is not None:
        raise PermissionDenied(SELF_HOSTED_INVITERS)


def _require_membership(session: Session, workspace_id: int | None, user_id: int) -> Membership:
    membership = _membership(session, workspace_id, user_id)
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    return membership


def _workspace_or_active(session: Session, user_id: int, workspace_id: int | None) -> int | None:
    return workspace_id if workspace_id is not None else _user(session, user_id).active_workspace_id


def _member_count(session: Session, workspace_id: int) -> int:
    return session.exec(
        select(sa.func.count()).select_from(Membership).where(Membership.workspace_id == workspace_id)
    ).one()


def _personal_workspace_id(session: Session, user_id: int) -> int | None:
    return session.exec(
        select(Workspace.id).where(Workspace.owner_id == user_id, Workspace.personal.is_(True)).order_by(Workspace.id)
    ).first()


def _lock_workspace(session: Session, workspace_id: int) -> Workspace:
    """Take the workspace row's lock for the rest of the transaction (a no-op on SQLite, whose
    BEGIN IMMEDIATE already serialises every writer)."""
    workspace = session.exec(select(Workspace).where(Workspace.id == workspace_id).with_for_update()).first()
    if workspace is None:
        raise NotFound("This workspace no longer exists.")
    return workspace


def _revoke_credentials(session: Session, user_id: int, workspace_id: int, now: datetime) -> None:
    session.exec(
        sa.update(ApiCredential)
        .where(
            ApiCredential.user_id == user_id,
            ApiCredential.workspace_id == workspace_id,
            ApiCredential.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def _drop_membership(session: Session, user: User, workspace_id: int) -> None:
    """Remove the membership, revoke the user's app credentials there, and move them off it if it was active."""
    session.exec(sa.delete(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == user.id))
    _revoke_credentials(session, user.id, workspace_id, utcnow())
    if user.active_workspace_id == workspace_id:
        user.active_workspace_id = _personal_workspace_id(session, user.id)
        session.add(user)


def validate_workspace_name(name: str) -> str:
    return clean_text(
        name, field="name", label="Workspace name", min_length=WORKSPACE_NAME_MIN, max_length=WORKSPACE_NAME_MAX
    )


def personal_workspace_name(owner_name: str) -> str:
    """ "<name>'s workspace", shortened with an ellipsis where a long name would pass the workspace-name limit."""
    suffix = "'s workspace"
    name = f"{owner_name}{suffix}"
    if len(name) <= WORKSPACE_NAME_MAX:
        return name
    return owner_name[: WORKSPACE_NAME_MAX - len(suffix) - 1].rstrip() + "…" + suffix


def _full_message(max_members: int) -> str:
    return f"This workspace has reached its maximum of {max_members} members."


# ---------------------------------------------------------------------------------------------------- workspaces


def list_workspaces(user_id: int) -> list[WorkspaceSummary]:
    """Every workspace the user belongs to, the ones they own first, in one query."""
    counts = (
        select(Membership.workspace_id, sa.func.count().label("member_count"))
        .group_by(Membership.workspace_id)
        .subquery()
    )
    mine = aliased(Membership)
    with read() as session:
        active_id = _user(session, user_id).active_workspace_id
        rows = session.exec(
            select(Workspace, mine.role, counts.c.member_count)
            .join(mine, sa.and_(mine.workspace_id == Workspace.id, mine.user_id == user_id))
            .join(counts, counts.c.workspace_id == Workspace.id)
            .order_by((mine.role == OWNER).desc(), Workspace.name, Workspace.id)
        ).all()
    return [
        WorkspaceSummary(
            id=workspace.id,
            name=workspace.name,
            role=role,
            member_count=count,
            max_members=workspace.max_members,
            active=workspace.id == active_id,
            personal=workspace.personal and workspace.owner_id == user_id,
        )
        for workspace, role, count in rows
    ]


def switch_workspace(user_id: int, workspace_id: int) -> None:
    """Make a workspace the active one; stored on the user so every browser and the next sign-in follow."""
    _require_hosted()
    with transaction() as session:
        _require_membership(session, workspace_id, user_id)
        user = _user(session, user_id)
        user.active_workspace_id = workspace_id
        session.add(user)


def rename_workspace(user_id: int, workspace_id: int, name: str) -> str:
    name = validate_workspace_name(name)
    with transaction() as session:
        membership = _require_membership(session, workspace_id, user_id)
        if membership.role != OWNER:
            raise PermissionDenied("Only the workspace owner can rename it.")
        workspace = session.get(Workspace, workspace_id)
        workspace.name = name
        session.add(workspace)
    return name


# ---------------------------------------------------------------------------------------------------- members


def list_members(user_id: int, workspace_id: int | None = None) -> MembersOverview:
    """Members of the given workspace (default: the user's active one); the viewer must be a member.
    The member rows come from one query."""
    with read() as session:
        workspace_id = _workspace_or_active(session, user_id, workspace_id)
        viewer = _require_membership(session, workspace_id, user_id)
        workspace = session.get(Workspace, workspace_id)
        rows = session.exec(
            select(Membership.user_id, User.name, User.email, Membership.role, Membership.joined_at)
            .join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == workspace_id)
            # the owner first, then admins, then by joining
            .order_by(
                sa.case((Membership.role == OWNER, 0), (Membership.role == ADMIN, 1), else_=2),
                Membership.joined_at,
                Membership.id,
            )
        ).all()
    return MembersOverview(
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        personal=workspace.personal and workspace.owner_id == user_id,
        viewer_role=viewer.role,
        max_members=workspace.max_members,
        members=tuple(
            Member(user_id=uid, name=name, email=email, role=role, joined_at=joined)
            for uid, name, email, role, joined in rows
        ),
        viewer_id=user_id,
        hosted=get_settings().hosted,
    )


def remove_member(user_id: int, member_user_id: int, workspace_id: int | None = None) -> None:
    """The owner (or one of its admins) removes someone: their membership goes, their app credentials there are
    revoked at once. Nobody removes the owner, nor themselves (admins leave instead)."""
    _require_hosted()
    with transaction() as session:
        workspace_id = _workspace_or_active(session, user_id, workspace_id)
        if workspace_id is not None:
            _lock_workspace(session, workspace_id)  # serialises with role changes: a demoted admin removes nobody
        acting = _require_membership(session, workspace_id, user_id)
        if acting.role not in MANAGERS:
            raise PermissionDenied("Only the workspace owner or its admins can remove members.")
        if member_user_id == user_id:
            raise PermissionDenied("You cannot remove yourself from your own workspace.")
        target = _membership(session, workspace_id, member_user_id)
        if target is None:
            raise NotFound("That person is not a member of this workspace.")
        if target.role == OWNER:
            raise PermissionDenied("Nobody can remove the workspace owner.")
        _drop_membership(session, _user(session, member_user_id), workspace_id)
        now = utcnow()
        # Links they made here stop working, and no link made before now lets them back in: only a new
        # invitation from someone still in the workspace does.
        session.exec(
            sa.update(Invitation)
            .where(
                Invitation.workspace_id == workspace_id,
                Invitation.created_by == member_user_id,
                Invitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        removal = session.exec(
            select(WorkspaceRemoval).where(
                WorkspaceRemoval.workspace_id == workspace_id, WorkspaceRemoval.user_id == member_user_id
            )
        ).first()
        if removal is None:
            session.add(WorkspaceRemoval(workspace_id=workspace_id, user_id=member_user_id, removed_at=now))
        else:
            removal.removed_at = now
            session.add(removal)
        workspace_name = session.get(Workspace, workspace_id).name
        security_log.record(session, member_user_id, security_log.EventKind.WORKSPACE_REMOVED, detail=workspace_name)


def set_member_role(user_id: int, member_user_id: int, role: str, workspace_id: int | None = None) -> None:
    """The owner makes a member an admin of the workspace (ADMIN) or takes it back (MEMBER), in one transaction
    holding the workspace's lock; logged on both people's security logs. The owner's own role never changes, so
    the workspace always keeps its owner."""
    _require_hosted()
    if role not in (ADMIN, MEMBER):
        raise PermissionDenied("A member is either an admin or a member.")
    with transaction() as session:
        workspace_id = _workspace_or_active(session, user_id, workspace_id)
        acting = _require_membership(session, workspace_id, user_id)
        workspace = _lock_workspace(session, workspace_id)
        if acting.role != OWNER:
            raise PermissionDenied("Only the workspace owner can make or remove admins.")
        target = _membership(session, workspace_id, member_user_id)
        if target is None:
            raise NotFound("That person is not a member of this workspace.")
        if target.role == OWNER:
            raise PermissionDenied("The owner stays the owner of their workspace.")
        if target.role == role:
            return
        target.role = role
        session.add(target)
        kind = EventKind.ADMIN_GRANTED if role == ADMIN else EventKind.ADMIN_REVOKED
        member = _user(session, member_user_id)
        security_log.record(session, user_id, kind, detail=f"{member.email} in {workspace.name}")
        security_log.record(session, member_user_id, kind, detail=f"In {workspace.name}")


def _removed_after(session: Session, invitation: Invitation, user_id: int | None) -> bool:
    """Was this user removed from the invitation's workspace after the link was made?"""
    if user_id is None:
        return False
    removed_at = session.exec(
        select(WorkspaceRemoval.removed_at).where(
            WorkspaceRemoval.workspace_id == invitation.workspace_id, WorkspaceRemoval.user_id == user_id
        )
    ).first()
    return removed_at is not None and invitation.created_at <= removed_at


def leave_workspace(user_id: int, workspace_id: int | None = None) -> str:
    """Leave a workspace (default: the active one) other than one's own personal one; returns its name. The
    membership, and the user's app credentials in it, go in the same transaction; leaving the active workspace
    switches to the personal one."""
    _require_hosted()
    with transaction() as session:
        workspace_id = _workspace_or_active(session, user_id, workspace_id)
        membership = _require_membership(session, workspace_id, user_id)
        workspace = session.get(Workspace, workspace_id)
        if workspace.personal and workspace.owner_id == user_id:
            raise PermissionDenied("You cannot leave your personal workspace.")
        if membership.role == OWNER:
            raise PermissionDenied("The owner cannot leave their workspace.")
        _drop_membership(session, _user(session, user_id), workspace_id)
        security_log.record(session, user_id, security_log.EventKind.WORKSPACE_LEFT, detail=workspace.name)
        return workspace.name


# ---------------------------------------------------------------------------------------------------- invitations


def admit_sign_up(session: Session, token: str) -> None:
    """Inside sign-up's transaction, when sign-up is closed: the invitation link must still work (not revoked, not
    expired, room left in hosted mode) or the sign-up is refused as closed. On a self-hosted server the new account
    joins the one workspace by signing up, so the link's use is counted here; in hosted mode it is counted when
    they join from /join/<token> afterwards."""
    invitation = _find_invitation(session, token) if isinstance(token, str) else None
    if invitation is None or invitation.revoked_at is not None or invitation.expires_at <= utcnow():
        raise SignupClosed()
    if get_settings().hosted:
        workspace = session.get(Workspace, invitation.workspace_id)
        if _member_count(session, workspace.id) >= workspace.max_members:
            raise WorkspaceFull()
        return
    session.exec(sa.update(Invitation).where(Invitation.id == invitation.id).values(uses=Invitation.uses + 1))


def join_link(token: str) -> str:
    return f"{get_settings().web_url}{JOIN_PATH}{token}"


def _repeated_invitation(session: Session, user_id: int, request_key: str | None) -> CreatedInvitation | None:
    if request_key is None:
        return None
    earlier = session.exec(
        select(Invitation).where(Invitation.created_by == user_id, Invitation.request_key == request_key)
    ).first()
    if earlier is None:
        return None
    return CreatedInvitation(
        id=earlier.id, workspace_id=earlier.workspace_id, link="", expires_at=earlier.expires_at, repeated=True
    )


def create_invitation(
    user_id: int, workspace_id: int | None = None, *, request_key: str | None = None
) -> CreatedInvitation:
    """Any member may invite while the workspace has room. Only the token's sha256 is stored; the returned
    link is the one and only place the token appears. With a `request_key` this user already used, nothing is
    created: the first invitation comes back with `repeated` set and no link."""
    settings = get_settings()
    request_key = checked_request_key(request_key)
    token = security.new_token()
    now = utcnow()
    try:
        with transaction() as session:
            workspace_id = _workspace_or_active(session, user_id, workspace_id)
            _require_membership(session, workspace_id, user_id)
            _require_inviter(session, user_id)
            workspace = _lock_workspace(session, workspace_id)  # serialises a concurrent twin of this request
            if (earlier := _repeated_invitation(session, user_id, request_key)) is not None:
                return earlier
            if settings.hosted and _member_count(session, workspace_id) >= workspace.max_members:
                raise LimitReached(_full_message(workspace.max_members))
            invitation = Invitation(
                workspace_id=workspace_id,
                token_hash=security.token_digest(token),
                created_by=user_id,
                created_at=now,
                expires_at=now + timedelta(days=settings.invitation_lifetime_days),
                request_key=request_key,
            )
            session.add(invitation)
            session.flush()
            return CreatedInvitation(
                id=invitation.id, workspace_id=workspace_id, link=join_link(token), expires_at=invitation.expires_at
            )
    except sa.exc.IntegrityError:
        # A twin with the same key committed first (only possible across workspaces, which lock separately).
        with read() as session:
            earlier = _repeated_invitation(session, user_id, request_key)
        if earlier is None:
            raise
        return earlier


def list_invitations(user_id: int, workspace_id: int | None = None) -> list[InvitationLink]:
    """Links that still work (not revoked, not expired), newest first; members see them all."""
    now = utcnow()
    with read() as session:
        workspace_id = _workspace_or_active(session, user_id, workspace_id)
        viewer = _require_membership(session, workspace_id, user_id)
        administrator = not get_settings().hosted and _user(session, user_id).is_admin
        rows = session.exec(
            select(Invitation, User.name)
            .join(User, User.id == Invitation.created_by, isouter=True)
            .where(
                Invitation.workspace_id == workspace_id,
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        ).all()
    return [
        InvitationLink(
            id=invitation.id,
            created_by_id=invitation.created_by,
            created_by_name=name or "A former member",
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            uses=invitation.uses,
            can_revoke=viewer.role in MANAGERS or invitation.created_by == user_id or administrator,
        )
        for invitation, name in rows
    ]


def revoke_invitation(user_id: int, invitation_id: int) -> None:
    """The owner revokes any link of the workspace, other members only their own; on a self-hosted server any
    administrator revokes any link."""
    with transaction() as session:
        invitation = session.get(Invitation, invitation_id)
        membership = _membership(session, invitation.workspace_id, user_id) if invitation else None
        if invitation is None or membership is None:
            raise NotFound("This invitation link does not exist.")
        _require_inviter(session, user_id)
        if get_settings().hosted and membership.role not in MANAGERS and invitation.created_by != user_id:
            raise PermissionDenied("Only the workspace owner or the person who made a link can revoke it.")
        if invitation.revoked_at is None:
            invitation.revoked_at = utcnow()
            session.add(invitation)


def _find_invitation(session: Session, token: str) -> Invitation | None:
    if not token:
        return None
    digest = security.token_digest(token)
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == digest)).first()
    if invitation is None or not security.digests_match(invitation.token_hash, digest):
        return None
    return invitation


def preview_invitation(token: str, user_id: int | None = None) -> InvitationPreview:
    """What the join page shows, for a signed-in user or (user_id None) a visitor who has yet to sign in (on a
    self-hosted server, where an invitation admits a sign-up even when sign-up is closed)."""
    now = utcnow()
    with read() as session:
        invitation = _find_invitation(session, token)
        if invitation is None:
            return InvitationPreview(state="unknown", message=InvitationUnknown().message)
        workspace = session.get(Workspace, invitation.workspace_id)
        inviter = session.get(User, invitation.created_by) if invitation.created_by else None
        count = _member_count(session, workspace.id)
        is_member = user_id is not None and _membership(session, workspace.id, user_id) is not None
        removed = _removed_after(session, invitation, user_id)
    details = dict(
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        inviter_name=inviter.name if inviter else "",
        member_count=count,
        max_members=workspace.max_members,
    )
    if invitation.revoked_at is not None:
        return InvitationPreview(state="revoked", message=InvitationRevoked().message, **details)
    if invitation.expires_at <= now:
        return InvitationPreview(state="expired", message=InvitationExpired().message, **details)
    if removed:
        return InvitationPreview(state="removed", message=InvitationPredatesRemoval().message, **details)
    if is_member:
        return InvitationPreview(state="already_member", message=AlreadyMember().message, **details)
    if get_settings().hosted and count >= workspace.max_members:
        return InvitationPreview(state="full", message=WorkspaceFull().message, **details)
    return InvitationPreview(state="ok", message=f"You are invited to join {workspace.name}.", **details)


def join_workspace(user_id: int, token: str) -> int:
    """Join through an invitation link and make that workspace the active one; returns its id.

    The member cap is checked and the membership inserted in one atomic step. On SQLite `transaction()` begins
    IMMEDIATE, so writers are serialised by the database itself. On PostgreSQL we lock the workspace row
    (SELECT ... FOR UPDATE) before counting: every join for that workspace queues on the lock, and under READ
    COMMITTED each count after the lock sees the joins committed before it. We chose the lock over a conditional
    `INSERT ... SELECT ... WHERE count < max` because that insert is not atomic in PostgreSQL (two transactions
    count the same snapshot and both insert), and a counter column checked by row count would duplicate what the
    membership rows already say. Joins to other workspaces are not blocked.
    """
    _require_hosted()
    with transaction() as session:
        invitation = _find_invitation(session, token)
        if invitation is None:
            raise InvitationUnknown()
        if invitation.revoked_at is not None:
            raise InvitationRevoked()
        if invitation.expires_at <= utcnow():
            raise InvitationExpired()
        workspace = _lock_workspace(session, invitation.workspace_id)
        if _removed_after(session, invitation, user_id):
            raise InvitationPredatesRemoval()
        if _membership(session, workspace.id, user_id) is not None:
            raise AlreadyMember()
        if _member_count(session, workspace.id) >= workspace.max_members:
            raise WorkspaceFull()
        user = _user(session, user_id)
        session.add(Membership(workspace_id=workspace.id, user_id=user_id, role=MEMBER))
        session.exec(sa.update(Invitation).where(Invitation.id == invitation.id).values(uses=Invitation.uses + 1))
        user.active_workspace_id = workspace.id
        session.add(user)
        security_log.record(session, user_id, security_log.EventKind.WORKSPACE_JOINED, detail=workspace.name)
        return workspace.id
