"""Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes.

- The TOTP secret is AES-GCM ciphertext on the user row (services/crypto.py), its associated data naming the user and
  the field, and it follows key rotation (`reencrypt_all_secrets`). While being set up it sits in its own column
  (`totp_pending_ciphertext`) until a code from the authenticator app confirms it.
- A TOTP code is accepted once: the accepted time step is stored, and a conditional UPDATE (`last step < this step`)
  lets exactly one of two simultaneous verifications of the same code through, on SQLite and PostgreSQL alike.
- Recovery codes (`xxxxx-xxxxx`, about 50 bits each) are stored as HMAC-SHA256 keyed with the server's secret key, so
  a copy of the database alone cannot test guesses; one is spent by a conditional UPDATE (`used_at IS NULL`).
- Wrong codes are throttled per (user, client address) like passwords (services/throttle.py).
- Sign-in: a right password for an account with two-factor on opens a `TwoFactorChallenge` (sha256 of a random
  token, five minutes, a few wrong codes, used once) instead of a sign-in grant; `complete_sign_in` exchanges it and
  a right code for the grant.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pyotp
import segno
import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import RecoveryCode, TwoFactorChallenge, User, utcnow
from profile_app.services import accounts, crypto, security, security_log, throttle
from profile_app.services.errors import AccountLocked, DomainError, NotSignedIn, ValidationFailed
from profile_app.services.security_log import EventKind

STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1  # the previous and the next 30-second code are accepted too (clock drift, slow typing)
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper
RECOVERY_CODE_HALF = 5
CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_MAX_ATTEMPTS = 5
CODE_INPUT_MAX = 64
SECRET_FIELD = "totp_secret"  # noqa: S105 (a field name in associated data)
PENDING_FIELD = "totp_pending_secret"  # noqa: S105
_CIPHERTEXT_COLUMNS = ((SECRET_FIELD, "totp_secret_ciphertext"), (PENDING_FIELD, "totp_pending_ciphertext"))
_TOTP_RE = re.compile(r"^[0-9]{6}$")

WRONG_CODE = "That code is not right. Enter the current code from your authenticator app, or a recovery code."
USED_CODE = "That code was already used. Wait for the next code from your authenticator app."


class InvalidCode(ValidationFailed):
    """A wrong, reused or malformed authentication code (field "code")."""

    def __init__(self, message: str = WRONG_CODE):
        super().__init__(message, field="code")


class SignInChallengeExpired(DomainError):
    """The second step of a sign-in is over (expired, used, or too many wrong codes): start again with the
    password."""

    def __init__(self, message: str = "This sign-in expired. Log in again."):
        super().__init__(message)


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


@dataclass(frozen=True)
class SetupKey:
    """What the set-up dialog shows once: the key as text (grouped by four), and the same as a QR code."""

    secret: str
    grouped: str
    uri: str
    qr_data_uri: str


@dataclass(frozen=True)
class RotationReport:
    rows: int
    reencrypted: int
    key_id: str


# ------------------------------------------------------------------------------------------------------ helpers


def _aad(user_id: int, field: str) -> str:
    return crypto.row_associated_data("user_account", user_id, user_id, field)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def group_by_four(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _issuer() -> str:
    return urlsplit(get_settings().web_url).hostname or "Profile"


def _matching_step(secret: str, code: str, at: datetime | None) -> int | None:
    """The time step (counter) whose code this is, within the window; every candidate is compared in constant
    time, so the answer's timing says nothing about which one matched."""
    totp = _totp(secret)
    current = totp.timecode(at or utcnow())
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def normalise_recovery_code(code: str) -> str | None:
    """`xxxxx-xxxxx` in lower case, or None when the text cannot be a recovery code (spaces and the hyphen are
    optional when typing)."""
    compact = re.sub(r"[\s-]", "", code).lower()
    if len(compact) != 2 * RECOVERY_CODE_HALF or any(char not in RECOVERY_CODE_ALPHABET for char in compact):
        return None
    return f"{compact[:RECOVERY_CODE_HALF]}-{compact[RECOVERY_CODE_HALF:]}"


def _recovery_code_hash(user_id: int, code: str) -> str:
    key = hashlib.sha256(b"profile recovery code|" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes() -> tuple[str, ...]:
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        text = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(2 * RECOVERY_CODE_HALF))
        codes.add(f"{text[:RECOVERY_CODE_HALF]}-{text[RECOVERY_CODE_HALF:]}")
    return tuple(sorted(codes))


def _subject(user_id: int) -> str:
    return f"two-factor:{user_id}"


def _guard(user_id: int, address: str) -> None:
    try:
        throttle.guard(_subject(user_id), address)
    except AccountLocked as error:
        raise AccountLocked(error.message, field="code") from None


def _code_text(code: object) -> str:
    return code.strip()[:CODE_INPUT_MAX] if isinstance(code, str) else ""


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotSignedIn()
    return user


# ------------------------------------------------------------------------------------------------------- status


def status(user_id: int) -> TwoFactorStatus:
    """For the Profile section: the user's row (already loaded by the page's shared read, so free) and, only when
    two-factor is on, one count of the unused recovery codes."""
    with read() as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is None:
            return TwoFactorStatus(enabled=False, enabled_at=None, recovery_codes_left=0)
        left = session.exec(
            select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        ).one()
        return TwoFactorStatus(enabled=True, enabled_at=user.totp_enabled_at, recovery_codes_left=left)


def is_enabled(user_id: int) -> bool:
    with read() as session:
        return _user(session, user_id).totp_enabled_at is not None


# -------------------------------------------------------------------------------------------------------- setup


def begin_setup(user_id: int) -> SetupKey:
    """A new secret, kept encrypted as the pending one until `confirm_setup`; returns what the dialog shows."""
    secret = pyotp.random_base32()  # 32 base32 characters: 160 bits, the RFC 4226 recommendation
    with transaction() as session:
        user = _user(session, user_id)
        if user.totp_enabled_at is not None:
            raise ValidationFailed("Two-factor sign-in is already on.")
        user.totp_pending_ciphertext = crypto.encrypt(secret, _aad(user_id, PENDING_FIELD))
        session.add(user)
        email = user.email
    uri = _totp(secret).provisioning_uri(name=email, issuer_name=_issuer())
    qr = segno.make(uri, error="m")
    return SetupKey(
        secret=secret,
        grouped=group_by_four(secret),
        uri=uri,
        qr_data_uri=qr.svg_data_uri(scale=5, border=2, dark="#000000", light="#ffffff"),
    )


def confirm_setup(
    user_id: int, code: str, *, address: str = "", user_agent: str = "", at: datetime | None = None
) -> tuple[str, ...]:
    """Turn two-factor sign-in on once a code from the app proves it holds the pending secret; returns the ten
    recovery codes (shown once: only their keyed hashes are stored)."""
    _guard(user_id, address)
    code = re.sub(r"\s", "", _code_text(code))
    with read() as session:
        user = _user(session, user_id)
        pending, enabled = user.totp_pending_ciphertext, user.totp_enabled_at is not None
    if enabled:
        raise ValidationFailed("Two-factor sign-in is already on.", field="code")
    if not pending:
        raise ValidationFailed("Start the set-up again: no set-up key is waiting.", field="code")
    if not _TOTP_RE.match(code):
        raise InvalidCode("Enter the 6-digit code your authenticator app shows.")
    secret = crypto.decrypt(pending, _aad(user_id, PENDING_FIELD))
    step = _matching_step(secret, code, at)
    if step is None:
        throttle.record_failure(_subject(user_id), address)
        raise InvalidCode("That code is not right. Check that your device's clock is correct and try the current code.")
    codes = _new_recovery_codes()
    with transaction() as session:
        user = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
        if user is None:
            raise NotSignedIn()
        if user.totp_pending_ciphertext != pending or user.totp_enabled_at is not None:
            raise ValidationFailed("The set-up changed in another window. Start it again.", field="code")
        user.totp_secret_ciphertext = crypto.encrypt(secret, _aad(user_id, SECRET_FIELD))
        user.totp_pending_ciphertext = ""
        user.totp_enabled_at = utcnow()
        user.totp_last_step = step
        session.add(user)
        session.exec(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        session.add_all(RecoveryCode(user_id=user_id, code_hash=_recovery_code_hash(user_id, c)) for c in codes)
        security_log.record(session, user_id, EventKind.TWO_FACTOR_ON, ip_address=address, user_agent=user_agent)
    throttle.clear_failures(_subject(user_id), address)
    return codes


def cancel_setup(user_id: int) -> None:
    """The set-up dialog closed before a code confirmed it: forget the pending secret."""
    with transaction() as session:
        session.exec(sa.update(User).where(User.id == user_id).values(totp_pending_ciphertext=""))


# ------------------------------------------------------------------------------------------------------- verify


def verify(user_id: int, code: str, *, address: str = "", user_agent: str = "", at: datetime | None = None) -> str:
    """Accept a TOTP code once, or an unused recovery code (then spent and logged); returns "totp" or "recovery".
    Wrong, reused or malformed codes raise InvalidCode and count towards the per-(user, address) lock."""
    _guard(user_id, address)
    text = _code_text(code)
    totp_code = re.sub(r"\s", "", text)
    if _TOTP_RE.match(totp_code):
        used = _accept_totp(user_id, totp_code, at)
        if used is not True:
            throttle.record_failure(_subject(user_id), address)
            raise InvalidCode(USED_CODE if used == "replayed" else WRONG_CODE)
        kind = "totp"
    else:
        recovery = normalise_recovery_code(text)
        if recovery is None or not _spend_recovery_code(user_id, recovery, address, user_agent):
            throttle.record_failure(_subject(user_id), address)
            raise InvalidCode()
        kind = "recovery"
    throttle.clear_failures(_subject(user_id), address)
    return kind


def _accept_totp(user_id: int, code: str, at: datetime | None) -> bool | str:
    with read() as session:
        user = _user(session, user_id)
        ciphertext = user.totp_secret_ciphertext
    if not ciphertext:
        return False
    step = _matching_step(crypto.decrypt(ciphertext, _aad(user_id, SECRET_FIELD)), code, at)
    if step is None:
        return False
    with transaction() as session:
        # Atomic: of two verifications of the same code, the second finds the step already taken.
        accepted = session.exec(
            sa.update(User)
            .where(User.id == user_id, User.totp_secret_ciphertext == ciphertext, User.totp_last_step < step)
            .values(totp_last_step=step)
        ).rowcount
    return True if accepted == 1 else "replayed"


def _spend_recovery_code(user_id: int, code: str, address: str, user_agent: str) -> bool:
    digest = _recovery_code_hash(user_id, code)
    with transaction() as session:
        if session.exec(select(User.totp_enabled_at).where(User.id == user_id)).first() is None:
            return False
        rows = session.exec(
            select(RecoveryCode.id, RecoveryCode.code_hash).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        ).all()
        match = None
        for row_id, code_hash in rows:  # every unused code compared, in constant time
            if security.digests_match(code_hash, digest):
                match = row_id
        if match is None:
            return False
        spent = session.exec(
            sa.update(RecoveryCode)
            .where(RecoveryCode.id == match, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount
        if spent != 1:  # a simultaneous verification spent it first
            return False
        security_log.record(session, user_id, EventKind.RECOVERY_CODE_USED, ip_address=address, user_agent=user_agent)
    return True


# ------------------------------------------------------------------------------------------------------ disable


def disable(
    user_id: int, password: str, code: str, *, address: str = "", user_agent: str = "", at: datetime | None = None
) -> None:
    """Turn two-factor sign-in off: needs the account's password and a code (TOTP or recovery)."""
    if not is_enabled(user_id):
        raise ValidationFailed("Two-factor sign-in is already off.")
    accounts.confirm_password(user_id, password, address=address)
    verify(user_id, code, address=address, user_agent=user_agent, at=at)
    with transaction() as session:
        user = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
        if user is None:
            raise NotSignedIn()
        if user.totp_enabled_at is None:
            return
        user.totp_secret_ciphertext = user.totp_pending_ciphertext = ""
        user.totp_enabled_at = None
        user.totp_last_step = 0
        session.add(user)
        session.exec(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        security_log.record(session, user_id, EventKind.TWO_FACTOR_OFF, ip_address=address, user_agent=user_agent)


# ------------------------------------------------------------------------------------------------------ sign-in


def start_sign_in(user_id: int, next_path: str) -> str | None:
    """After a right password: None when two-factor is off (issue the grant as usual), else the token of a new
    five-minute challenge, to be kept server-side by the caller (never sent to the browser)."""
    with read() as session:
        if _user(session, user_id).totp_enabled_at is None:
            return None
    token = security.new_token()
    now = utcnow()
    with transaction() as session:
        session.add(
            TwoFactorChallenge(
                user_id=user_id,
                token_hash=security.token_digest(token),
                next_path=next_path[: accounts.NEXT_PATH_MAX],
                created_at=now,
                expires_at=now + CHALLENGE_LIFETIME,
            )
        )
    return token


def _challenge(token: str) -> TwoFactorChallenge:
    if not isinstance(token, str) or not token or len(token) > 128:
        raise SignInChallengeExpired()
    with read() as session:
        row = session.exec(
            select(TwoFactorChallenge).where(TwoFactorChallenge.token_hash == security.token_digest(token))
        ).first()
    if row is None or row.expires_at <= utcnow():
        raise SignInChallengeExpired()
    return row


def complete_sign_in(
    token: str, code: str, *, address: str = "", user_agent: str = "", at: datetime | None = None
) -> str:
    """The second step: a right code for the challenge's account ends the challenge and returns the usual sign-in
    grant (accounts.issue_sign_in_grant). A wrong code counts against the challenge; the last allowed one ends
    it (SignInChallengeExpired: log in again)."""
    row = _challenge(token)
    try:
        verify(row.user_id, code, address=address, user_agent=user_agent, at=at)
    except InvalidCode:
        with transaction() as session:
            session.exec(
                sa.update(TwoFactorChallenge)
                .where(TwoFactorChallenge.id == row.id)
                .values(attempts=TwoFactorChallenge.attempts + 1)
            )
            attempts = session.exec(select(TwoFactorChallenge.attempts).where(TwoFactorChallenge.id == row.id)).first()
            if attempts is not None and attempts >= CHALLENGE_MAX_ATTEMPTS:
                session.exec(sa.delete(TwoFactorChallenge).where(TwoFactorChallenge.id == row.id))
                attempts = None
        if attempts is None:
            raise SignInChallengeExpired("Too many wrong codes. Log in again.") from None
        raise
    with transaction() as session:
        ended = session.exec(sa.delete(TwoFactorChallenge).where(TwoFactorChallenge.id == row.id)).rowcount
    if ended != 1:  # a simultaneous completion used it first
        raise SignInChallengeExpired()
    return accounts.issue_sign_in_grant(row.user_id, row.next_path)


def end_sign_in(token: str) -> None:
    """The person went back to the password step: the challenge ends now rather than in five minutes."""
    if isinstance(token, str) and token:
        with transaction() as session:
            session.exec(
                sa.delete(TwoFactorChallenge).where(TwoFactorChallenge.token_hash == security.token_digest(token))
            )


def purge_expired_challenges(now: datetime | None = None) -> int:
    """Background clean-up: challenges past their five minutes."""
    with transaction() as session:
        return (
            session.exec(
                sa.delete(TwoFactorChallenge).where(TwoFactorChallenge.expires_at <= (now or utcnow()))
            ).rowcount
            or 0
        )


# ----------------------------------------------------------------------------------------------------- rotation


def reencrypt_all_secrets(batch_size: int = 200) -> RotationReport:
    """Re-encrypt every stored TOTP secret (on and pending) with the current key, like cloud secrets
    (cloud_access.reencrypt_all_secrets): old keys stay configured until it finishes; rows already on the current
    key are skipped, so it can be re-run; one transaction per batch, each row locked while rewritten."""
    current = get_settings().current_encryption_key_id
    total = changed = 0
    last_id = 0
    while True:
        with transaction() as session:
            rows = session.exec(
                select(User)
                .where(
                    User.id > last_id,
                    sa.or_(User.totp_secret_ciphertext != "", User.totp_pending_ciphertext != ""),
                )
                .order_by(User.id)
                .limit(batch_size)
                .with_for_update()
            ).all()
            if not rows:
                break
            for user in rows:
                total += 1
                touched = False
                for field, attribute in _CIPHERTEXT_COLUMNS:
                    ciphertext = getattr(user, attribute)
                    if crypto.needs_rotation(ciphertext):
                        plaintext = crypto.decrypt(ciphertext, _aad(user.id, field))
                        setattr(user, attribute, crypto.encrypt(plaintext, _aad(user.id, field)))
                        touched = True
                if touched:
                    changed += 1
                    session.add(user)
            last_id = rows[-1].id
    return RotationReport(rows=total, reencrypted=changed, key_id=current)
