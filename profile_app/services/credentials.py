"""App credentials: the access key / secret key pairs the ClearML SDK logs in with, and the tokens it gets for them.

Key format (documented for secret scanners):
- access key: 24 characters of A-Z and 0-9 from `secrets` (about 124 bits), unique, public, shown in the table.
- secret key: ``pfsk_`` + 43 characters of base64url (32 random bytes = 256 bits) + 6 characters of base62 that
  encode the CRC32 of the 43 random characters. 54 characters in all, only ``A-Za-z0-9_-``. The fixed prefix lets
  scanners find leaked secrets; the checksum lets them (and us) reject mistyped or invented ones without a lookup.
  Only the sha256 of the secret is stored; a 256-bit random secret needs no slow hash, and verification compares
  digests in constant time.

A login exchanges a key pair for a JWT (HS256, signed with settings.secret_key) naming the user, the workspace and
the credential; every authenticated call re-checks that the credential is still active and the user still a member.
"""

from __future__ import annotations

import json
import secrets
import string
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt
import sqlalchemy as sa
from jwt.algorithms import HMACAlgorithm
from sqlmodel import Session, select

from profile_app.config import APP_VERSION, get_settings
from profile_app.db import read, statement_read, statement_transaction, transaction
from profile_app.models import ApiCredential, Membership, User, Workspace, utcnow
from profile_app.services import security, security_log
from profile_app.services.errors import (
    DomainError,
    InvalidFields,
    LimitReached,
    NotFound,
    NotSignedIn,
    ValidationFailed,
)
from profile_app.services.idempotency import checked_request_key
from profile_app.services.text import clean_text

ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits
ACCESS_KEY_LENGTH = 24
SECRET_PREFIX = "pfsk_"  # noqa: S105 (a public marker, not a secret)
SECRET_RANDOM_BYTES = 32
SECRET_BODY_LENGTH = 43  # base64url of 32 bytes, unpadded
CHECKSUM_LENGTH = 6
SECRET_LENGTH = len(SECRET_PREFIX) + SECRET_BODY_LENGTH + CHECKSUM_LENGTH
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
LABEL_MAX = 200
STANDARD_EXPIRY_DAYS = (30, 90, 365)
JWT_ALGORITHM = "HS256"
JWT_ISSUER = "profile"
# The highest ClearML API version this server implements (users.get_current_user and storage.set_settings at 2.31);
# the SDK reads it from the token to pick its request versions, and server.info reports it.
API_VERSION = "2.31"
FROM_MAX = 255


class InvalidCredentials(DomainError):
    """A login or token that does not (or no longer) identify active credentials. One message for every cause."""

    def __init__(self, message: str = "Invalid or revoked credentials."):
        super().__init__(message)


@dataclass(frozen=True)
class CredentialSummary:
    """One row of the App credentials table. Never carries the secret or its hash."""

    access_key: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_from: str
    expires_at: datetime | None


@dataclass(frozen=True)
class NewCredentials:
    """Returned once, right after creation: the only time the secret exists outside the caller's hands.
    `repeated`: the request key was used before, so this is that first creation again, without its secret (only
    the first answer carries it; `secret_key` is empty)."""

    access_key: str
    secret_key: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    web_server: str
    api_server: str
    files_server: str
    repeated: bool = False

    @property
    def local_python(self) -> str:
        return local_python_block(self.access_key, self.secret_key, self.web_server, self.api_server, self.files_server)

    @property
    def jupyter_notebook(self) -> str:
        return jupyter_notebook_lines(
            self.access_key, self.secret_key, self.web_server, self.api_server, self.files_server
        )


@dataclass(frozen=True)
class TokenIdentity:
    user_id: int
    workspace_id: int
    credential_id: int
    # Known from the database check that produced this identity, so a token can be issued without reading again.
    credential_expires_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CurrentUser:
    """What `users.get_current_user` tells an SDK about its caller."""

    id: int
    public_id: str
    name: str
    email: str
    created_at: datetime
    created_in_version: str
    is_admin: bool
    workspace_id: int
    workspace_name: str
    role: str


# --- formats ----------------------------------------------------------------------------------------------------


def local_python_block(access_key: str, secret_key: str, web_server: str, api_server: str, files_server: str) -> str:
    """The block `clearml-init` reads (ClearML's own "Copy to clipboard" format)."""
    return (
        "api {\n"
        f"  web_server: {web_server}\n"
        f"  api_server: {api_server}\n"
        f"  files_server: {files_server}\n"
        "  credentials {\n"
        f'    "access_key" = "{access_key}"\n'
        f'    "secret_key" = "{secret_key}"\n'
        "  }\n"
        "}\n"
    )


def jupyter_notebook_lines(
    access_key: str, secret_key: str, web_server: str, api_server: str, files_server: str
) -> str:
    """IPython `%env` magics that configure the SDK inside a notebook."""
    return (
        f"%env CLEARML_WEB_HOST={web_server}\n"
        f"%env CLEARML_API_HOST={api_server}\n"
        f"%env CLEARML_FILES_HOST={files_server}\n"
        f"%env CLEARML_API_ACCESS_KEY={access_key}\n"
        f"%env CLEARML_API_SECRET_KEY={secret_key}\n"
    )


def new_access_key() -> str:
    return "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _ in range(ACCESS_KEY_LENGTH))


def _checksum(body: str) -> str:
    value = zlib.crc32(body.encode())
    digits = []
    for _ in range(CHECKSUM_LENGTH):
        value, remainder = divmod(value, 62)
        digits.append(_BASE62[remainder])
    return "".join(reversed(digits))


def new_secret_key() -> str:
    body = secrets.token_urlsafe(SECRET_RANDOM_BYTES)
    return SECRET_PREFIX + body + _checksum(body)


def secret_well_formed(secret_key: str) -> bool:
    """Prefix, length and checksum: a cheap offline check that a string is one of our secrets."""
    if len(secret_key) != SECRET_LENGTH or not secret_key.startswith(SECRET_PREFIX):
        return False
    body = secret_key[len(SECRET_PREFIX) : len(SECRET_PREFIX) + SECRET_BODY_LENGTH]
    return secrets.compare_digest(_checksum(body), secret_key[-CHECKSUM_LENGTH:])


# --- rules ------------------------------------------------------------------------------------------------------


def expiry_choices() -> tuple[int | None, ...]:
    """The expiries a user may pick, in days (None = never). An administrator's maximum removes Never and caps."""
    maximum = get_settings().credentials_max_expiry_days
    if not maximum:
        return (None, *STANDARD_EXPIRY_DAYS)
    allowed = [days for days in STANDARD_EXPIRY_DAYS if days <= maximum]
    if maximum not in allowed:
        allowed.append(maximum)
    return tuple(allowed)


def validate_label(label: str | None) -> str:
    return clean_text(label, field="label", label="Label", max_length=LABEL_MAX)


def _validate_expiry(expiry_days: int | None) -> int | None:
    choices = expiry_choices()
    if expiry_days not in choices:
        shown = ", ".join("Never" if days is None else f"{days} days" for days in choices)
        raise ValidationFailed(f"Choose an expiry from: {shown}.", field="expiry")
    return expiry_days


def _active(now: datetime):
    return sa.and_(
        ApiCredential.revoked_at.is_(None),
        sa.or_(ApiCredential.expires_at.is_(None), ApiCredential.expires_at > now),
    )


def _summary(row: ApiCredential) -> CredentialSummary:
    return CredentialSummary(
        access_key=row.access_key,
        label=row.label,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        last_used_from=row.last_used_from,
        expires_at=row.expires_at,
    )


def _is_member(session: Session, user_id: int, workspace_id: int) -> bool:
    found = session.exec(
        select(Membership.id).where(Membership.user_id == user_id, Membership.workspace_id == workspace_id)
    ).first()
    return found is not None


def _resolve_workspace(session: Session, user_id: int, workspace_id: int | None) -> int:
    """The given workspace (API callers act in their token's) or the user's active one; must be a member."""
    if workspace_id is None:
        user = session.get(User, user_id)
        if user is None:
            raise NotSignedIn()
        workspace_id = user.active_workspace_id
    if workspace_id is None or not _is_member(session, user_id, workspace_id):
        raise NotFound("You are not a member of this workspace.")
    return workspace_id


def _own_credential(session: Session, user_id: int, access_key: str, *, lock: bool = False) -> ApiCredential:
    """The caller's own credential with this access key; someone else's looks exactly like a missing one."""
    query = select(ApiCredential).where(ApiCredential.access_key == (access_key or "").strip())
    if lock:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        raise NotFound("These credentials do not exist or were revoked.")
    return row


# --- the user's own credentials -----------------------------------------------------------------------------------


def _validate_new(label: str | None, expiry_days: int | None) -> tuple[str, int | None]:
    """Both fields at once, so a form can mark every problem in one go."""
    problems: dict[str, str] = {}
    try:
        label = validate_label(label)
    except ValidationFailed as error:
        problems[error.field] = error.message
    try:
        expiry_days = _validate_expiry(expiry_days)
    except ValidationFailed as error:
        problems[error.field] = error.message
    if problems:
        raise InvalidFields(problems)
    return label, expiry_days


def _repeated(row: ApiCredential) -> NewCredentials:
    settings = get_settings()
    return NewCredentials(
        access_key=row.access_key,
        secret_key="",
        label=row.label,
        created_at=row.created_at,
        expires_at=row.expires_at,
        web_server=settings.web_url,
        api_server=settings.api_url,
        files_server=settings.files_url,
        repeated=True,
    )


def create_credentials(
    user_id: int,
    label: str = "",
    expiry_days: int | None = None,
    workspace_id: int | None = None,
    *,
    request_key: str | None = None,
) -> NewCredentials:
    """New credentials in the user's active workspace (or `workspace_id`); the secret is returned only here.
    With a `request_key` (services/idempotency.py) already used by this user, nothing is created: the first
    creation comes back with `repeated` set and no secret."""
    settings = get_settings()
    request_key = checked_request_key(request_key)
    label, expiry_days = _validate_new(label, expiry_days)
    secret_key = new_secret_key()
    now = utcnow()
    with transaction() as session:
        # Lock the user row so two concurrent creations cannot both pass the limit (SQLite: BEGIN IMMEDIATE); the
        # same lock makes the request-key lookup below safe against a concurrent twin.
        user = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
        if user is None:
            raise NotSignedIn()
        if request_key is not None:
            earlier = session.exec(
                select(ApiCredential).where(ApiCredential.user_id == user_id, ApiCredential.request_key == request_key)
            ).first()
            if earlier is not None:
                return _repeated(earlier)
        workspace_id = _resolve_workspace(session, user_id, workspace_id)
        active = session.exec(
            select(sa.func.count())
            .select_from(ApiCredential)
            .where(ApiCredential.user_id == user_id, ApiCredential.workspace_id == workspace_id, _active(now))
        ).one()
        if active >= settings.credentials_limit:
            raise LimitReached(
                f"You already have {active} active credentials in this workspace, the most allowed is "
                f"{settings.credentials_limit}. Revoke some you no longer use, then create new ones."
            )
        access_key = new_access_key()
        while session.exec(select(ApiCredential.id).where(ApiCredential.access_key == access_key)).first():
            access_key = new_access_key()  # 36^24 keys: practically never loops
        row = ApiCredential(
            user_id=user_id,
            workspace_id=workspace_id,
            access_key=access_key,
            secret_hash=security.token_digest(secret_key),
            label=label,
            created_at=now,
            expires_at=now + timedelta(days=expiry_days) if expiry_days else None,
            request_key=request_key,
        )
        session.add(row)
        security_log.record(session, user_id, security_log.EventKind.CREDENTIALS_CREATED, detail=access_key)
    return NewCredentials(
        access_key=access_key,
        secret_key=secret_key,
        label=label,
        created_at=now,
        expires_at=row.expires_at,
        web_server=settings.web_url,
        api_server=settings.api_url,
        files_server=settings.files_url,
    )


def list_credentials(user_id: int, workspace_id: int | None = None) -> list[CredentialSummary]:
    """The user's own active credentials in the active workspace (or `workspace_id`), newest first."""
    now = utcnow()
    with read() as session:
        workspace_id = _resolve_workspace(session, user_id, workspace_id)
        rows = session.exec(
            select(ApiCredential)
            .where(ApiCredential.user_id == user_id, ApiCredential.workspace_id == workspace_id, _active(now))
            .order_by(ApiCredential.created_at.desc(), ApiCredential.id.desc())
        ).all()
    return [_summary(row) for row in rows]


def edit_label(user_id: int, access_key: str, label: str) -> CredentialSummary:
    """Rename the user's own credentials; an empty label clears it."""
    label = validate_label(label)
    with transaction() as session:
        row = _own_credential(session, user_id, access_key, lock=True)
        row.label = label
        session.add(row)
        return _summary(row)


def revoke_credentials(user_id: int, access_key: str) -> None:
    """Revoke the user's own credentials: logins and tokens made with them stop working at once."""
    with transaction() as session:
        row = _own_credential(session, user_id, access_key, lock=True)
        row.revoked_at = utcnow()
        session.add(row)
        security_log.record(session, user_id, security_log.EventKind.CREDENTIALS_REVOKED, detail=row.access_key)


# --- logins and tokens ----------------------------------------------------------------------------------------------


class _AcceptedKeyHMAC(HMACAlgorithm):
    """PyJWT's HS256 that remembers the last key it accepted. PyJWT checks on every token that an HMAC key is not
    a PEM, SSH, DER or JWK key (loading it with `cryptography` to find out): half the cost of signing, for a key
    that is the same on every call. A different key (settings reloaded) is checked again."""

    def __init__(self) -> None:
        super().__init__(HMACAlgorithm.SHA256)
        self._accepted: tuple[str | bytes, bytes] | None = None

    def prepare_key(self, key: str | bytes) -> bytes:
        accepted = self._accepted
        if accepted is not None and accepted[0] == key:
            return accepted[1]
        prepared = super().prepare_key(key)
        self._accepted = (key, prepared)
        return prepared


# Signs the tokens auth.login issues; they are verified with jwt.decode (`_decode`), as any client would.
_TOKEN_SIGNER = jwt.PyJWS(algorithms=[])
_TOKEN_SIGNER.register_algorithm(JWT_ALGORITHM, _AcceptedKeyHMAC())


def _issue_token(identity: TokenIdentity, expiration_sec: int | None, now: datetime) -> str:
    settings = get_settings()
    lifetime = timedelta(days=settings.token_lifetime_days)
    # Compare as numbers first: timedelta(seconds=10**20) itself overflows.
    if expiration_sec is not None and 0 < expiration_sec < lifetime.total_seconds():
        lifetime = timedelta(seconds=expiration_sec)
    expires = now + lifetime
    if identity.credential_expires_at is not None:
        expires = min(expires, identity.credential_expires_at)
    claims = {
        "iss": JWT_ISSUER,
        "sub": str(identity.user_id),
        "user": identity.user_id,
        "company": identity.workspace_id,
        "cred": identity.credential_id,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "api_version": API_VERSION,
        "server_version": APP_VERSION,
        "feature_set": "basic",
    }
    # What jwt.encode sends to PyJWS (compact JSON), so the token is byte for byte the one jwt.encode makes.
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return _TOKEN_SIGNER.encode(payload, settings.secret_key, algorithm=JWT_ALGORITHM)


# "Last used" is shown to the minute; writing it on every auth.login made each login a database write (a lock on
# SQLite). It is written when the stored value is older than this or the client's address changed.
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class _Checked:
    """An active credential as one query found it: who it speaks for, and when it was last used."""

    identity: TokenIdentity
    secret_hash: str
    last_used_at: datetime | None
    last_used_from: str


_CREDENTIALS = ApiCredential.__table__
_MEMBERSHIPS = Membership.__table__
_USERS = User.__table__


def _active_credential_statement(condition) -> sa.Select:
    """The credential matching `condition` if it is active, its user enabled and still a member of its workspace: one
    statement (every API call pays for it, and it is read every time, so a revocation counts at once). Built once at
    import with bind parameters (`now` and the condition's), so each call only binds values and SQLAlchemy's compiled
    cache serves it: building and cache-keying the statement anew cost more than running it."""
    credential = _CREDENTIALS.c
    member = sa.exists().where(
        _MEMBERSHIPS.c.user_id == credential.user_id, _MEMBERSHIPS.c.workspace_id == credential.workspace_id
    )
    # A disabled account (services/administration.py) keeps its credentials but can use none of them.
    enabled = sa.exists().where(_USERS.c.id == credential.user_id, _USERS.c.disabled_at.is_(None))
    return sa.select(
        credential.id,
        credential.user_id,
        credential.workspace_id,
        credential.expires_at,
        credential.secret_hash,
        credential.last_used_at,
        credential.last_used_from,
    ).where(
        condition,
        credential.revoked_at.is_(None),
        sa.or_(credential.expires_at.is_(None), credential.expires_at > sa.bindparam("now")),
        member,
        enabled,
    )


_CREDENTIAL_BY_ACCESS_KEY = _active_credential_statement(_CREDENTIALS.c.access_key == sa.bindparam("access_key"))
_CREDENTIAL_BY_TOKEN = _active_credential_statement(
    sa.and_(
        _CREDENTIALS.c.id == sa.bindparam("credential_id"),
        _CREDENTIALS.c.user_id == sa.bindparam("user_id"),
        _CREDENTIALS.c.workspace_id == sa.bindparam("workspace_id"),
    )
)
_RECORD_USE = (
    sa.update(_CREDENTIALS)
    .where(_CREDENTIALS.c.id == sa.bindparam("credential_id"))
    .values(last_used_at=sa.bindparam("used_at"), last_used_from=sa.bindparam("used_from"))
)


def _active_credential(statement: sa.Select, now: datetime, **values) -> _Checked | None:
    """Run one of the prebuilt credential checks on a bare connection (no ORM session: nothing is loaded as an
    object, and the session's setup and teardown were a sizeable share of every API call)."""
    with statement_read() as connection:
        found = connection.execute(statement, {"now": now, **values}).first()
    if found is None:
        return None
    return _Checked(
        identity=TokenIdentity(found.user_id, found.workspace_id, found.id, credential_expires_at=found.expires_at),
        secret_hash=found.secret_hash,
        last_used_at=found.last_used_at,
        last_used_from=found.last_used_from,
    )


def _record_use(checked: _Checked, client_from: str, now: datetime) -> None:
    client_from = (client_from or "").strip()[:FROM_MAX]
    fresh = checked.last_used_at is not None and now - checked.last_used_at < LAST_USED_GRANULARITY
    if fresh and checked.last_used_from == client_from:
        return
    with statement_transaction() as connection:
        connection.execute(
            _RECORD_USE, {"credential_id": checked.identity.credential_id, "used_at": now, "used_from": client_from}
        )


def _checked_keys(access_key: str, secret_key: str, now: datetime) -> _Checked:
    """The active credential these keys name, if the secret matches."""
    access_key = (access_key or "").strip()
    secret_key = (secret_key or "").strip()
    if not access_key or not secret_well_formed(secret_key):
        raise InvalidCredentials()
    digest = security.token_digest(secret_key)
    checked = _active_credential(_CREDENTIAL_BY_ACCESS_KEY, now, access_key=access_key)
    if checked is None or not security.digests_match(checked.secret_hash, digest):
        raise InvalidCredentials()
    return checked


def login(access_key: str, secret_key: str, client_from: str = "", expiration_sec: int | None = None) -> str:
    """Exchange an access key and secret for a signed token; records when and from where they were used."""
    now = utcnow()
    checked = _checked_keys(access_key, secret_key, now)
    _record_use(checked, client_from, now)
    return _issue_token(checked.identity, expiration_sec, now)


def authenticate_keys(access_key: str, secret_key: str, client_from: str = "") -> TokenIdentity:
    """Who an access key and secret speak for (HTTP Basic on any API call, as ClearML allows); records the use."""
    now = utcnow()
    checked = _checked_keys(access_key, secret_key, now)
    _record_use(checked, client_from, now)
    return checked.identity


def issue_token(identity: TokenIdentity, expiration_sec: int | None = None) -> str:
    """A new token for an identity that `authenticate_keys` or `authenticate_token` produced in this same request
    (auth.login): they checked the credential against the database a moment ago, so it is not read again."""
    return _issue_token(identity, expiration_sec, utcnow())


def _decode(token: str) -> dict:
    try:
        return jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=[JWT_ALGORITHM],
            issuer=JWT_ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidCredentials("Invalid or expired token.") from exc


def _token_credential(token: str, now: datetime) -> _Checked:
    claims = _decode(token)
    try:
        user_id, workspace_id, credential_id = int(claims["user"]), int(claims["company"]), int(claims["cred"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCredentials("Invalid or expired token.") from exc
    if not all(0 < number < 2**63 for number in (user_id, workspace_id, credential_id)):
        raise InvalidCredentials("Invalid or expired token.")
    checked = _active_credential(
        _CREDENTIAL_BY_TOKEN, now, credential_id=credential_id, user_id=user_id, workspace_id=workspace_id
    )
    if checked is None:
        raise InvalidCredentials()
    return checked


def authenticate_token(token: str) -> TokenIdentity:
    """Who a bearer token speaks for, re-checked against the database on every call (revocation is immediate)."""
    return _token_credential(token or "", utcnow()).identity


def refresh_token(token: str, client_from: str = "", expiration_sec: int | None = None) -> str:
    """auth.login with a bearer token (the SDK does this when given CLEARML_AUTH_TOKEN): a fresh token."""
    now = utcnow()
    checked = _token_credential(token or "", now)
    _record_use(checked, client_from, now)
    return _issue_token(checked.identity, expiration_sec, now)


def get_current_user(identity: TokenIdentity) -> CurrentUser:
    with read() as session:
        found = session.exec(
            select(User, Workspace, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Workspace, Workspace.id == Membership.workspace_id)
            .where(User.id == identity.user_id, Workspace.id == identity.workspace_id)
        ).first()
    if found is None:
        raise InvalidCredentials()
    user, workspace, role = found
    return CurrentUser(
        id=user.id,
        public_id=user.public_id,
        name=user.name,
        email=user.email,
        created_at=user.created_at,
        created_in_version=user.created_in_version,
        is_admin=user.is_admin,
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        role=role,
    )
