"""Cloud access: the signed-in user's per-bucket credentials as rows: validated (cloud_validation), secrets
encrypted at rest, "Test access" recorded on the row (the check itself is in storage_providers). Callers only ever
see masked rows; decrypted secrets stay inside this module, storage_providers and signing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.db import read, transaction
from profile_app.models import CloudCredential, utcnow
from profile_app.services import crypto, outbound, security_log, storage_providers
from profile_app.services.cloud_validation import (
    SECRET_FIELD,
    TOKEN_FIELD,
    ValidCloudAccess,
    host_warning,
    validate_cloud_access,
)
from profile_app.services.cloud_validation import CloudAccessInput as CloudAccessInput
from profile_app.services.errors import DomainError, NotFound, ValidationFailed
from profile_app.services.idempotency import checked_request_key
from profile_app.services.storage_providers import AZURE, AccessTestResult, StoredCredentials

# The names the Cloud access section reads through this module (the row service is the section's one door).
from profile_app.services.storage_providers import GCS as GCS
from profile_app.services.storage_providers import OK as OK
from profile_app.services.storage_providers import PROVIDER_LABELS as PROVIDER_LABELS
from profile_app.services.storage_providers import S3 as S3
from profile_app.services.storage_providers import S3_COMPATIBLE as S3_COMPATIBLE

TABLE = "cloud_credential"
# One Test access at a time per user, across browser tabs and workers; the lease frees the slot if a worker dies.
ACCESS_TEST_SLOTS = 1
ACCESS_TEST_LEASE = timedelta(seconds=storage_providers.ACCESS_TEST_DEADLINE_S + 15)


@dataclass(frozen=True)
class CloudAccessRow:
    """A row as callers may see it: no secret, no ciphertext; `secret_masked` shows the last 4 characters."""

    id: int
    provider: str
    provider_label: str
    bucket: str
    key: str
    secret_masked: str
    has_token: bool
    region: str
    host: str
    warning: str
    last_test_result: str
    last_test_message: str
    last_test_at: datetime | None
    updated_at: datetime | None = None


class DuplicateCloudAccess(ValidationFailed):
    def __init__(self, bucket: str, host: str):
        where = f"at {host}" if host else "on AWS S3"
        super().__init__(
            f"You already have access keys for bucket {bucket!r} {where}. Edit that row instead.", "bucket"
        )


class AccessTestBusy(DomainError):
    def __init__(self):
        super().__init__("A Test access is already running for your account. Wait for it to finish, then try again.")


class CloudEntryInvalid(ValidationFailed):
    """One entry of a whole-section replacement breaks a rule; `index` says which (the message and field are the
    entry's own)."""

    def __init__(self, index: int, error: ValidationFailed):
        super().__init__(error.message, error.field)
        self.index = index


# ---------------------------------------------------------------------------------------------------- rows


def _mask(last4: str) -> str:
    return "••••" + last4 if last4 else ""


def _row_view(row: CloudCredential) -> CloudAccessRow:
    return CloudAccessRow(
        id=row.id,
        provider=row.provider,
        provider_label=PROVIDER_LABELS.get(row.provider, row.provider),
        bucket=row.bucket,
        key=row.key,
        secret_masked=_mask(row.secret_last4),
        has_token=bool(row.token_ciphertext),
        region=row.region,
        host=row.endpoint,
        warning=host_warning(row.endpoint),
        last_test_result=row.last_test_result,
        last_test_message=row.last_test_message,
        last_test_at=row.last_test_at,
        updated_at=row.updated_at,
    )


def _aad(row: CloudCredential, field_name: str) -> str:
    return crypto.row_associated_data(TABLE, row.id, row.user_id, field_name)


def _set_secret(row: CloudCredential, secret: str) -> None:
    row.secret_ciphertext = crypto.encrypt(secret, _aad(row, SECRET_FIELD))
    row.secret_last4 = secret[-4:]


def _set_token(row: CloudCredential, token: str) -> None:
    row.token_ciphertext = crypto.encrypt(token, _aad(row, TOKEN_FIELD))


def _owned_row(session: Session, user_id: int, row_id: int, *, lock: bool = False) -> CloudCredential:
    # Row ids arrive from crafted events too: a dict or a 10**30 would reach the driver and crash the handler.
    if type(row_id) is not int or not 0 < row_id < 2**63:
        raise NotFound("These access keys no longer exist. Reload the page.")
    query = select(CloudCredential).where(CloudCredential.id == row_id, CloudCredential.user_id == user_id)
    if lock:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise NotFound("These access keys no longer exist. Reload the page.")
    return row


def _check_unique(session: Session, user_id: int, bucket: str, host: str, except_id: int | None = None) -> None:
    query = select(CloudCredential.id).where(
        CloudCredential.user_id == user_id, CloudCredential.bucket == bucket, CloudCredential.endpoint == host
    )
    if except_id is not None:
        query = query.where(CloudCredential.id != except_id)
    if session.exec(query).first() is not None:
        raise DuplicateCloudAccess(bucket, host)


def list_cloud_access(user_id: int) -> tuple[CloudAccessRow, ...]:
    with read() as session:
        rows = session.exec(
            select(CloudCredential).where(CloudCredential.user_id == user_id).order_by(CloudCredential.id)
        ).all()
        return tuple(_row_view(row) for row in rows)


def _insert(session: Session, user_id: int, valid: ValidCloudAccess, request_key: str | None) -> CloudCredential:
    """Insert, flush for the id, then encrypt with that id as associated data."""
    row = CloudCredential(
        user_id=user_id,
        provider=valid.provider,
        bucket=valid.bucket,
        endpoint=valid.host,
        region=valid.region,
        key=valid.key,
        request_key=request_key,
    )
    session.add(row)
    session.flush()
    _set_secret(row, valid.secret)
    _set_token(row, valid.token)
    session.add(row)
    session.flush()
    security_log.record(session, user_id, security_log.EventKind.CLOUD_ACCESS_ADDED, detail=_where(row))
    return row


def _where(row: CloudCredential) -> str:
    """What the security log says about a cloud-access row: its bucket and host, never its keys."""
    return f"{row.bucket} ({row.endpoint})" if row.endpoint else row.bucket


def _apply(row: CloudCredential, valid: ValidCloudAccess, *, clear_token: bool = False) -> None:
    """Write validated values over a stored row; an empty secret or token keeps the stored one."""
    if not valid.secret and (row.provider == AZURE) != (valid.provider == AZURE):
        raise ValidationFailed("Enter the new secret in Secret / SAS when changing to or from Azure.", SECRET_FIELD)
    changed = (row.provider, row.bucket, row.endpoint, row.region, row.key) != (
        valid.provider,
        valid.bucket,
        valid.host,
        valid.region,
        valid.key,
    )
    row.provider, row.bucket, row.endpoint = valid.provider, valid.bucket, valid.host
    row.region, row.key = valid.region, valid.key
    if valid.secret:
        _set_secret(row, valid.secret)
    if valid.provider == AZURE or clear_token:
        changed = changed or bool(row.token_ciphertext)
        row.token_ciphertext = ""
    elif valid.token:
        _set_token(row, valid.token)
    if changed or valid.secret or valid.token:
        row.updated_at = utcnow()
        row.last_test_at, row.last_test_result, row.last_test_message = None, "", ""


def _row_by_request_key(session: Session, user_id: int, request_key: str | None) -> CloudCredential | None:
    if request_key is None:
        return None
    return session.exec(
        select(CloudCredential).where(CloudCredential.user_id == user_id, CloudCredential.request_key == request_key)
    ).first()


def add_cloud_access(user_id: int, data: CloudAccessInput, *, request_key: str | None = None) -> CloudAccessRow:
    """A `request_key` this user already used (services/idempotency.py) returns that first row instead of adding
    another: a double click or a repeated event adds one row."""
    request_key = checked_request_key(request_key)
    with read() as session:
        if (earlier := _row_by_request_key(session, user_id, request_key)) is not None:
            return _row_view(earlier)
    valid = validate_cloud_access(data, editing=False)
    try:
        with transaction() as session:
            if (earlier := _row_by_request_key(session, user_id, request_key)) is not None:
                return _row_view(earlier)
            _check_unique(session, user_id, valid.bucket, valid.host)
            return _row_view(_insert(session, user_id, valid, request_key))
    except (sa.exc.IntegrityError, DuplicateCloudAccess):
        # A twin of this request (same key) may have committed first: then this is its repeat.
        with read() as session:
            if (earlier := _row_by_request_key(session, user_id, request_key)) is not None:
                return _row_view(earlier)
        raise DuplicateCloudAccess(valid.bucket, valid.host) from None


def edit_cloud_access(
    user_id: int, row_id: int, data: CloudAccessInput, *, clear_token: bool = False
) -> CloudAccessRow:
    """Empty secret or token keeps the stored one (`clear_token` removes the token). Changing the provider to or
    from Azure needs a new secret, since a SAS is not an S3 secret."""
    valid = validate_cloud_access(data, editing=True)
    try:
        with transaction() as session:
            row = _owned_row(session, user_id, row_id, lock=True)
            _check_unique(session, user_id, valid.bucket, valid.host, except_id=row.id)
            _apply(row, valid, clear_token=clear_token)
            row.updated_at = utcnow()
            row.last_test_at, row.last_test_result, row.last_test_message = None, "", ""
            session.add(row)
            session.flush()
            return _row_view(row)
    except sa.exc.IntegrityError:
        raise DuplicateCloudAccess(valid.bucket, valid.host) from None


def remove_cloud_access(user_id: int, row_id: int) -> None:
    with transaction() as session:
        row = _owned_row(session, user_id, row_id)
        session.delete(row)
        security_log.record(session, user_id, security_log.EventKind.CLOUD_ACCESS_REMOVED, detail=_where(row))


def replace_cloud_access(
    user_id: int, providers: Sequence[str], entries: Sequence[CloudAccessInput]
) -> tuple[CloudAccessRow, ...]:
    """Make the user's rows of these providers exactly `entries` (ClearML's storage.set_settings replaces a whole
    section). An entry is matched to a stored row by bucket and host; an empty secret or token keeps that row's.
    Rows of these providers that no entry names are removed. All or nothing: one transaction, and the first broken
    rule raises CloudEntryInvalid naming its entry."""
    validated: list[ValidCloudAccess] = []
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(entries):
        try:
            valid = validate_cloud_access(entry, editing=True)
            if valid.provider not in providers:
                raise ValidationFailed("This provider belongs in another section.", "provider")
            if (valid.bucket, valid.host) in seen:
                raise ValidationFailed("This bucket and host are listed twice; give each bucket once.", "bucket")
        except ValidationFailed as error:
            raise CloudEntryInvalid(index, error) from None
        seen.add((valid.bucket, valid.host))
        validated.append(valid)
    with transaction() as session:
        stored = {
            (row.bucket, row.endpoint): row
            for row in session.exec(
                select(CloudCredential).where(CloudCredential.user_id == user_id).with_for_update()
            ).all()
        }
        kept: set[int] = set()
        result: list[CloudCredential] = []
        for index, valid in enumerate(validated):
            row = stored.get((valid.bucket, valid.host))
            try:
                if row is not None and row.provider not in providers:
                    raise DuplicateCloudAccess(valid.bucket, valid.host)
                if row is None:
                    if not valid.secret:  # a new row needs its secret: say so in the provider's words
                        validate_cloud_access(_as_input(valid), editing=False)
                    row = _insert(session, user_id, valid, None)
                else:
                    _apply(row, valid)
                    session.add(row)
            except ValidationFailed as error:
                raise CloudEntryInvalid(index, error) from None
            kept.add(row.id)
            result.append(row)
        for row in stored.values():
            if row.provider in providers and row.id not in kept:
                session.delete(row)
                security_log.record(session, user_id, security_log.EventKind.CLOUD_ACCESS_REMOVED, detail=_where(row))
        session.flush()
        return tuple(_row_view(row) for row in result)


def _as_input(valid: ValidCloudAccess) -> CloudAccessInput:
    return CloudAccessInput(valid.provider, valid.bucket, valid.key, "", "", valid.region, valid.host)


def stored_credentials(user_id: int, row_id: int) -> StoredCredentials:
    """Decrypt one of the user's rows for a server-side call (testing, signing)."""
    with read() as session:
        row = _owned_row(session, user_id, row_id)
        return StoredCredentials(
            id=row.id,
            provider=row.provider,
            bucket=row.bucket,
            key=row.key,
            region=row.region,
            host=row.endpoint,
            secret=crypto.decrypt(row.secret_ciphertext, _aad(row, SECRET_FIELD)),
            token=crypto.decrypt(row.token_ciphertext, _aad(row, TOKEN_FIELD)),
        )


def matching_rows(user_id: int) -> list[tuple[int, str, str, str]]:
    """(id, provider, bucket, host) of the user's rows, for signing to pick the one a storage URL names."""
    with read() as session:
        rows = session.exec(
            select(
                CloudCredential.id, CloudCredential.provider, CloudCredential.bucket, CloudCredential.endpoint
            ).where(CloudCredential.user_id == user_id)
        ).all()
        return [tuple(r) for r in rows]


# ---------------------------------------------------------------------------------------------------- test access


def _record_test(user_id: int, row_id: int, result: AccessTestResult) -> None:
    with transaction() as session:
        row = _owned_row(session, user_id, row_id)
        row.last_test_at = utcnow()
        row.last_test_result = result.outcome[:32]
        row.last_test_message = result.message[:500]
        session.add(row)


async def test_cloud_access(user_id: int, row_id: int) -> AccessTestResult:
    """Check the bucket with the stored keys and store the outcome on the row. One check at a time per user
    (AccessTestBusy otherwise); the check itself holds no thread and ends within its deadline."""
    credentials = stored_credentials(user_id, row_id)
    held = outbound.claim(user_id, outbound.ClaimKind.ACCESS_TEST, ACCESS_TEST_SLOTS, ACCESS_TEST_LEASE)
    if held is None:
        raise AccessTestBusy()
    try:
        result = await storage_providers.test_access(credentials)
        _record_test(user_id, row_id, result)
    finally:
        outbound.release(held)
    return result


test_cloud_access.__test__ = False  # not a pytest test, despite its name


# ---------------------------------------------------------------------------------------------------- rotation


@dataclass(frozen=True)
class RotationReport:
    rows: int
    reencrypted: int
    key_id: str


def reencrypt_all_secrets(batch_size: int = 200) -> RotationReport:
    """Re-encrypt every stored secret and token with the current key (the first in PROFILE_ENCRYPTION_KEYS).
    Old keys must stay configured until this finishes; rows already on the current key are skipped, so it can
    be re-run after an interruption. One transaction per batch of rows, each row locked while rewritten."""
    from profile_app.config import get_settings

    current = get_settings().current_encryption_key_id
    total = changed = 0
    last_id = 0
    while True:
        with transaction() as session:
            rows = session.exec(
                select(CloudCredential)
                .where(CloudCredential.id > last_id)
                .order_by(CloudCredential.id)
                .limit(batch_size)
                .with_for_update()
            ).all()
            if not rows:
                break
            for row in rows:
                total += 1
                touched = False
                for field_name, attribute in ((SECRET_FIELD, "secret_ciphertext"), (TOKEN_FIELD, "token_ciphertext")):
                    ciphertext = getattr(row, attribute)
                    if crypto.needs_rotation(ciphertext):
                        plaintext = crypto.decrypt(ciphertext, _aad(row, field_name))
                        setattr(row, attribute, crypto.encrypt(plaintext, _aad(row, field_name)))
                        touched = True
                if touched:
                    changed += 1
                    session.add(row)
            last_id = rows[-1].id
    return RotationReport(rows=total, reencrypted=changed, key_id=current)
