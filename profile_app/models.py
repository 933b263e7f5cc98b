"""The whole schema on one screen. Plain SQLModel tables; times are timezone-aware UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from profile_app.config import APP_VERSION


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """A user's id as the API and the page show it (ClearML ids are 32 hex characters); the integer primary key
    stays internal."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator):
    """Stores UTC, always hands back aware datetimes (SQLite forgets the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _time(nullable: bool = False, **kwargs):
    return Field(sa_type=UTCDateTime, nullable=nullable, **kwargs)


def _fk(target: str, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True):
    return Field(sa_column_args=[sa.ForeignKey(target, ondelete=ondelete)], nullable=nullable, index=index)


def _request_key():
    """The key of the request that created the row (services/idempotency.py); NULLs never collide."""
    return Field(default=None, max_length=64, nullable=True)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    created_at: datetime = _time(default_factory=utcnow)
    created_in_version: str = Field(default=APP_VERSION, max_length=32)
    is_admin: bool = False
    hidpi_override: bool = True
    theme: str = Field(default="system", max_length=10)
    # ClearML's free-form preferences document (users.get/set_preferences), JSON; the HiDPI override and the theme
    # live in their own columns above and are merged in when it is read.
    preferences_document: str = Field(default="{}", sa_type=sa.Text)
    # No foreign key (it would make user and workspace refer to each other); services only ever set it to a
    # workspace the user is a member of, and fall back to the personal one when it no longer is.
    active_workspace_id: int | None = None
    # Two-factor sign-in (services/two_factor.py): the TOTP secret as AES-GCM ciphertext bound to this user ("" =
    # off), the one being set up (until a code confirms it), and the last time step accepted (a code is used once).
    totp_secret_ciphertext: str = Field(default="", sa_type=sa.Text)
    totp_pending_ciphertext: str = Field(default="", sa_type=sa.Text)
    totp_enabled_at: datetime | None = _time(nullable=True, default=None)
    totp_last_step: int = Field(default=0, sa_type=sa.BigInteger)
    # Administration (services/administration.py): a disabled account keeps everything but can use nothing;
    # last_sign_in_at is set by accounts.open_session, so it outlives the session rows.
    disabled_at: datetime | None = _time(nullable=True, default=None)
    last_sign_in_at: datetime | None = _time(nullable=True, default=None)


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time()
    last_seen_at: datetime = _time(default_factory=utcnow)
    user_agent: str = Field(default="", max_length=512)
    ip_address: str = Field(default="", max_length=64)


class SignInGrant(SQLModel, table=True):
    """A password check that succeeded, waiting for the browser to exchange it for an HttpOnly session cookie over
    HTTP (the socket cannot set one). Single use, valid for a minute; only its sha256 is stored."""

    __tablename__ = "sign_in_grant"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    token_hash: str = Field(max_length=64, unique=True)
    next_path: str = Field(default="/profile", max_length=2048)
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time()


class ThrottleFailure(SQLModel, table=True):
    """Failed attempts at a secret (a password, a code) for one subject from one client address. Counting per
    address means a stranger guessing from elsewhere cannot lock the owner out; the subject may be an email that
    has no account, so known and unknown emails behave alike."""

    __tablename__ = "throttle_failure"
    __table_args__ = (sa.UniqueConstraint("subject", "address", name="uq_throttle_failure_subject_address"),)

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=300)
    address: str = Field(max_length=64)
    failures: int = 0
    window_started_at: datetime = _time(default_factory=utcnow)
    locked_until: datetime | None = _time(nullable=True, default=None)


class RateLimitWindow(SQLModel, table=True):
    """A fixed-window hit counter per key (e.g. sign-in attempts per client address per minute)."""

    __tablename__ = "rate_limit_window"

    key: str = Field(primary_key=True, max_length=200)
    window_started_at: datetime = _time(default_factory=utcnow)
    hits: int = 0


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    personal: bool = False
    owner_id: int | None = _fk("user_account.id", nullable=True, ondelete="SET NULL")
    max_members: int = 10
    created_at: datetime = _time(default_factory=utcnow)


class Membership(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id", name="uq_membership_workspace_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _fk("workspace.id")
    user_id: int = _fk("user_account.id")
    role: str = Field(default="member", max_length=10)  # owner | admin | member (services/workspaces.py)
    joined_at: datetime = _time(default_factory=utcnow)


class WorkspaceRemoval(SQLModel, table=True):
    """When an owner last removed a user from a workspace: invitation links made before that moment no longer let
    them back in (the owner can invite them again with a new link)."""

    __tablename__ = "workspace_removal"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id", name="uq_workspace_removal_workspace_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _fk("workspace.id")
    user_id: int = _fk("user_account.id")
    removed_at: datetime = _time(default_factory=utcnow)


class Invitation(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("created_by", "request_key", name="uq_invitation_creator_request_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _fk("workspace.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = _fk("user_account.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time()
    revoked_at: datetime | None = _time(nullable=True, default=None)
    uses: int = 0
    request_key: str | None = _request_key()


class ApiCredential(SQLModel, table=True):
    __tablename__ = "api_credential"
    __table_args__ = (sa.UniqueConstraint("user_id", "request_key", name="uq_api_credential_user_request_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    workspace_id: int = _fk("workspace.id")
    access_key: str = Field(max_length=30, unique=True)
    secret_hash: str = Field(max_length=64)
    label: str = Field(default="", max_length=200)
    created_at: datetime = _time(default_factory=utcnow)
    last_used_at: datetime | None = _time(nullable=True, default=None)
    last_used_from: str = Field(default="", max_length=255)
    expires_at: datetime | None = _time(nullable=True, default=None)
    revoked_at: datetime | None = _time(nullable=True, default=None)
    request_key: str | None = _request_key()


class CloudCredential(SQLModel, table=True):
    __tablename__ = "cloud_credential"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "bucket", "endpoint", name="uq_cloud_user_bucket_endpoint"),
        sa.UniqueConstraint("user_id", "request_key", name="uq_cloud_credential_user_request_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    provider: str = Field(max_length=10)  # s3 | s3compat | gcs | azure
    bucket: str = Field(max_length=63)
    endpoint: str = Field(default="", max_length=255)  # normalised scheme://host[:port]; "" for AWS
    region: str = Field(default="", max_length=32)
    key: str = Field(default="", max_length=255)
    secret_ciphertext: str = Field(default="", sa_type=sa.Text)
    token_ciphertext: str = Field(default="", sa_type=sa.Text)
    secret_last4: str = Field(default="", max_length=4)
    created_at: datetime = _time(default_factory=utcnow)
    updated_at: datetime = _time(default_factory=utcnow)
    last_test_at: datetime | None = _time(nullable=True, default=None)
    last_test_result: str = Field(default="", max_length=32)
    last_test_message: str = Field(default="", max_length=500)
    request_key: str | None = _request_key()


class ServerSettings(SQLModel, table=True):
    """One row (id 1): the installation's identity and its anonymous-usage decision."""

    __tablename__ = "server_settings"

    id: int | None = Field(default=None, primary_key=True)
    server_uuid: str = Field(max_length=36)
    usage_enabled: bool | None = None
    usage_decided_at: datetime | None = _time(nullable=True, default=None)
    usage_decided_by: int | None = _fk("user_account.id", nullable=True, ondelete="SET NULL", index=False)
    usage_decided_version: str = Field(default="", max_length=32)
    last_report_at: datetime | None = _time(nullable=True, default=None)
    last_report_error: str = Field(default="", max_length=500)


class OutboundClaim(SQLModel, table=True):
    """One slot of a per-user limit on outbound work (Test access, storage links), shared by every worker; a slot
    is free when no row holds it or its lease has run out (a worker that died mid-call frees it that way)."""

    __tablename__ = "outbound_claim"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "slot", name="uq_outbound_claim_user_kind_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    kind: str = Field(max_length=16)
    slot: int
    holder: str = Field(max_length=32)
    expires_at: datetime = _time()


class SecurityEvent(SQLModel, table=True):
    """One line of a user's security log (services/security_log.py), written in the transaction of the change it
    records. Never a secret: the detail names things (a bucket, an access key, a workspace), never their values."""

    __tablename__ = "security_event"
    __table_args__ = (sa.Index("ix_security_event_user_occurred", "user_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id", index=False)
    kind: str = Field(max_length=40)
    occurred_at: datetime = _time(default_factory=utcnow, index=True)
    ip_address: str = Field(default="", max_length=64)
    browser: str = Field(default="", max_length=120)
    detail: str = Field(default="", max_length=300)


class PasswordReset(SQLModel, table=True):
    """A password reset link (services/password_reset.py): only the sha256 of its 256-bit token is stored; valid
    for an hour and once (`used_at`). `created_by` is the administrator who made it, None when the user asked."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time()
    used_at: datetime | None = _time(nullable=True, default=None)
    created_by: int | None = _fk("user_account.id", nullable=True, ondelete="SET NULL", index=False)


class RecoveryCode(SQLModel, table=True):
    """One of the ten single-use codes that stand in for an authenticator app: only its HMAC-SHA256 (keyed with
    the server's secret key) is stored; `used_at` marks it spent."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash", name="uq_recovery_code_user_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id", index=False)
    code_hash: str = Field(max_length=64)
    created_at: datetime = _time(default_factory=utcnow)
    used_at: datetime | None = _time(nullable=True, default=None)


class TwoFactorChallenge(SQLModel, table=True):
    """A right password for an account with two-factor sign-in on, waiting for its authentication code. Only the
    sha256 of its token is stored; it lives five minutes, allows a few wrong codes, and is used once."""

    __tablename__ = "two_factor_challenge"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id")
    token_hash: str = Field(max_length=64, unique=True)
    next_path: str = Field(default="/profile", max_length=2048)
    attempts: int = 0
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time(index=True)


class SingleSignOnIdentity(SQLModel, table=True):
    """An account's identity at the OpenID Connect provider: the provider's `sub` under its issuer. Sign-in matches
    on this pair only, never on the email (services/single_sign_on.py)."""

    __tablename__ = "single_sign_on_identity"
    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject", name="uq_single_sign_on_identity_issuer_subject"),
        sa.UniqueConstraint("user_id", "issuer", name="uq_single_sign_on_identity_user_issuer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("user_account.id", index=False)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    created_at: datetime = _time(default_factory=utcnow)


class SingleSignOnPending(SQLModel, table=True):
    """An authorization request on its way through the provider: single use, ten minutes. Only sha256 of the
    `state` and of the browser-binding cookie are kept; the PKCE verifier is derived from the cookie, so nothing
    here redeems a stolen code. A row with an empty `binding_hash` is a link ticket not yet bound to a browser."""

    __tablename__ = "single_sign_on_pending"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    binding_hash: str = Field(default="", max_length=64)
    nonce: str = Field(default="", max_length=64)
    next_path: str = Field(default="/profile", max_length=2048)
    link_user_id: int | None = Field(
        default=None, sa_column_args=[sa.ForeignKey("user_account.id", ondelete="CASCADE")], nullable=True
    )
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time(index=True)
