"""Single sign-on rules: pending authorization requests, which account an OpenID Connect identity signs in to,
linking, allowed email domains. The protocol itself (discovery, PKCE, the token exchange, the ID token's
signature and claims) is services/openid_connect.py; the HTTP routes are api/oidc.py.

- An identity is the provider's `sub` under its issuer. Sign-in matches that pair and nothing else: an email never
  signs anyone in to an existing account. A password account is linked only from its own signed-in Profile page,
  after its password is confirmed (`start_linking`).
- A pending authorization is single use, lives ten minutes and is bound to the browser that started it: the
  `state` in the URL and a random value in an HttpOnly cookie must both match (only their sha256 are stored), and
  the PKCE verifier is derived from that cookie, so a code and state copied into another browser redeem nothing.
- Every failure is a `SingleSignOnFailed` with a fixed `Reason`; the error page shows that reason's message and
  never any text that came from the provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import SingleSignOnIdentity, SingleSignOnPending, User, utcnow
from profile_app.services import accounts, security, security_log, throttle
from profile_app.services.errors import DomainError, NotSignedIn, ValidationFailed
from profile_app.services.navigation import safe_next
from profile_app.services.security_log import EventKind

PENDING_LIFETIME = timedelta(minutes=10)
LINK_TICKET_LIFETIME = timedelta(minutes=2)
BINDING_COOKIE_NAME = "profile_sso_binding"
LINK_NEXT = "/profile#single-sign-on"
SIGN_IN_DETAIL = "Single sign-on"  # the security log's "Signed in" detail for these sessions
SUBJECT_MAX = ISSUER_MAX = 255
_TOKEN_MAX = 128


class Reason(StrEnum):
    """The fixed codes of /sso-error?reason=…"""

    EXPIRED = "expired"
    STATE = "state"
    PROVIDER = "provider"
    TOKEN = "token"  # noqa: S105 - a reason code, not a secret
    DOMAIN = "domain"
    UNVERIFIED = "unverified"
    EMAIL = "email"
    ACCOUNT_EXISTS = "account-exists"
    LINKED_ELSEWHERE = "linked-elsewhere"
    ALREADY_LINKED = "already-linked"
    DISABLED = "disabled"
    UNAVAILABLE = "unavailable"


MESSAGES: dict[Reason, str] = {
    Reason.EXPIRED: "This sign-in took too long or was already used. Please start again.",
    Reason.STATE: "This sign-in could not be verified. Please start again from this browser.",
    Reason.PROVIDER: "The single sign-on provider did not complete the sign-in. Please try again.",
    Reason.TOKEN: "The single sign-on provider's answer could not be verified. Please try again.",
    Reason.DOMAIN: "Accounts with this email domain cannot sign in to this server.",
    Reason.UNVERIFIED: "Your email address is not verified at the single sign-on provider.",
    Reason.EMAIL: "The single sign-on provider did not share a valid email address.",
    Reason.ACCOUNT_EXISTS: (
        "An account with this email already exists. Log in with its password, then link single sign-on "
        "from the Single sign-on section of your Profile page."
    ),
    Reason.LINKED_ELSEWHERE: "This single sign-on identity is already linked to another account.",
    Reason.ALREADY_LINKED: "Your account is already linked to single sign-on.",
    Reason.DISABLED: "This account is disabled.",
    Reason.UNAVAILABLE: "Single sign-on is not available right now. Please try again later.",
}
GENERIC_MESSAGE = "Single sign-on did not complete. Please try again."


def message_for(code: object) -> str:
    """The message of a reason code from a URL (anything unknown gets the generic message)."""
    try:
        return MESSAGES[Reason(code)]
    except ValueError:
        return GENERIC_MESSAGE


class SingleSignOnFailed(DomainError):
    def __init__(self, reason: Reason):
        super().__init__(MESSAGES[reason])
        self.reason = reason


@dataclass(frozen=True)
class Authorization:
    """What starts one round trip through the provider: `state` and `nonce` go into the authorization URL, the
    `binding` into this browser's cookie, the `code_verifier` (derived from the binding) into the PKCE challenge."""

    state: str
    nonce: str
    binding: str
    code_verifier: str


@dataclass(frozen=True)
class Returning:
    """A pending authorization taken back at the callback (already deleted: single use)."""

    nonce: str
    code_verifier: str
    next_path: str
    link_user_id: int | None


@dataclass(frozen=True)
class Outcome:
    user_id: int
    signed_up: bool = False
    linked: bool = False


def code_verifier_for(binding: str) -> str:
    """The PKCE verifier: 43 URL-safe characters derived from the browser-binding secret, never stored."""
    digest = hmac.new(binding.encode(), b"profile-sso-pkce", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _valid_token(value: object) -> bool:
    return isinstance(value, str) and 20 <= len(value) <= _TOKEN_MAX


def begin(next_path: object = None, *, link_ticket: str = "", signed_in_user_id: int | None = None,
          address: str = "") -> Authorization:
    """Store a new pending authorization. With `link_ticket` (from `start_linking`) it links the identity to the
    account that made the ticket, which must be the one signed in to this browser."""
    throttle.take(f"sso:{address or 'unknown'}", get_settings().sign_in_rate_per_minute)
    state, nonce, binding = security.new_token(), security.new_token(), security.new_token()
    now = utcnow()
    link_user_id = None
    refused = False
    with transaction() as session:
        session.exec(sa.delete(SingleSignOnPending).where(SingleSignOnPending.expires_at <= now))
        if link_ticket:
            ticket = None
            if _valid_token(link_ticket):
                ticket = session.exec(
                    select(SingleSignOnPending)
                    .where(SingleSignOnPending.state_hash == security.token_digest(link_ticket))
                    .where(SingleSignOnPending.binding_hash == "")
                    .with_for_update()
                ).first()
            if ticket is not None:
                session.delete(ticket)  # single use, whether or not it is accepted
            refused = (
                ticket is None
                or ticket.link_user_id is None
                or ticket.link_user_id != signed_in_user_id
                or ticket.expires_at <= now
            )
            link_user_id = None if refused else ticket.link_user_id
        if not refused:
            session.add(
                SingleSignOnPending(
                    state_hash=security.token_digest(state),
                    binding_hash=security.token_digest(binding),
                    nonce=nonce,
                    next_path=LINK_NEXT if link_user_id else safe_next(next_path),
                    link_user_id=link_user_id,
                    created_at=now,
                    expires_at=now + PENDING_LIFETIME,
                )
            )
    if refused:
        raise SingleSignOnFailed(Reason.STATE)
    return Authorization(state=state, nonce=nonce, binding=binding, code_verifier=code_verifier_for(binding))


def finish(state: object, binding: object) -> Returning:
    """Take the pending authorization back at the callback: deleted whatever happens next (single use); a wrong
    browser (no or another binding cookie), an unknown or used `state` or an expired one is refused."""
    if not _valid_token(state):
        raise SingleSignOnFailed(Reason.STATE)
    with transaction() as session:
        row = session.exec(
            select(SingleSignOnPending)
            .where(SingleSignOnPending.state_hash == security.token_digest(state))
            .where(SingleSignOnPending.binding_hash != "")
            .with_for_update()
        ).first()
        if row is None:  # never issued, tampered with, or already used
            raise SingleSignOnFailed(Reason.STATE)
        session.delete(row)
    if not _valid_token(binding) or not security.digests_match(row.binding_hash, security.token_digest(binding)):
        raise SingleSignOnFailed(Reason.STATE)
    if row.expires_at <= utcnow():
        raise SingleSignOnFailed(Reason.EXPIRED)
    return Returning(
        nonce=row.nonce, code_verifier=code_verifier_for(binding), next_path=row.next_path,
        link_user_id=row.link_user_id,
    )


def start_linking(user_id: int, password: str, *, address: str = "") -> str:
    """The signed-in user confirms their password; returns a two-minute, single-use ticket that starts the link
    flow (`begin(link_ticket=…)`) in this user's browser. Slow (argon2): call it off the event loop."""
    accounts.confirm_password(user_id, password, address=address)
    issuer = get_settings().oidc_issuer
    ticket = security.new_token()
    now = utcnow()
    with transaction() as session:
        linked = session.exec(
            select(SingleSignOnIdentity.id)
            .where(SingleSignOnIdentity.user_id == user_id)
            .where(SingleSignOnIdentity.issuer == issuer)
        ).first()
        if linked is not None:
            raise ValidationFailed(MESSAGES[Reason.ALREADY_LINKED], field="password")
        session.add(
            SingleSignOnPending(
                state_hash=security.token_digest(ticket),
                link_user_id=user_id,
                next_path=LINK_NEXT,
                created_at=now,
                expires_at=now + LINK_TICKET_LIFETIME,
            )
        )
    return ticket


def email_domain_allowed(email: str, allowed_domains: tuple[str, ...]) -> bool:
    """No list allows every domain; otherwise the part after the last @ must be one of them exactly."""
    if not allowed_domains:
        return True
    return email.rpartition("@")[2].lower() in allowed_domains


def _claim_str(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _name_from_claims(claims: dict, email: str) -> str:
    given = " ".join(p for p in (_claim_str(claims, "given_name"), _claim_str(claims, "family_name")) if p)
    for candidate in (_claim_str(claims, "name"), given, email.partition("@")[0], email):
        try:
            return accounts.validate_name(candidate[: accounts.NAME_MAX])
        except ValidationFailed:
            continue
    return email[: accounts.NAME_MAX]


def _email_from_claims(claims: dict) -> str:
    try:
        return accounts.validate_email(_claim_str(claims, "email"))
    except ValidationFailed:
        raise SingleSignOnFailed(Reason.EMAIL) from None


def _refuse_disabled(user: User | None) -> None:
    if user is None:
        raise NotSignedIn()
    if user.disabled_at is not None:
        raise SingleSignOnFailed(Reason.DISABLED)


def complete(issuer: str, claims: dict, *, link_user_id: int | None = None, ip_address: str = "",
             user_agent: str = "") -> Outcome:
    """The account an ID token's claims (already validated) sign in to, or link to. One transaction with its
    security-log event. `issuer` is the configured issuer the token was checked against."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX or len(issuer) > ISSUER_MAX:
        raise SingleSignOnFailed(Reason.TOKEN)
    log = {"ip_address": ip_address, "user_agent": user_agent}
    identity_query = (
        select(SingleSignOnIdentity)
        .where(SingleSignOnIdentity.issuer == issuer)
        .where(SingleSignOnIdentity.subject == subject)
    )
    if link_user_id is not None:
        with transaction() as session:
            identity = session.exec(identity_query).first()
            if identity is not None:
                if identity.user_id != link_user_id:
                    raise SingleSignOnFailed(Reason.LINKED_ELSEWHERE)
                return Outcome(user_id=link_user_id, linked=True)
            _refuse_disabled(session.get(User, link_user_id))
            other = session.exec(
                select(SingleSignOnIdentity.id)
                .where(SingleSignOnIdentity.user_id == link_user_id)
                .where(SingleSignOnIdentity.issuer == issuer)
            ).first()
            if other is not None:
                raise SingleSignOnFailed(Reason.ALREADY_LINKED)
            session.add(SingleSignOnIdentity(user_id=link_user_id, issuer=issuer, subject=subject))
            security_log.record(session, link_user_id, EventKind.SSO_LINKED, **log)
        return Outcome(user_id=link_user_id, linked=True)

    with transaction() as session:
        identity = session.exec(identity_query).first()
        if identity is not None:
            _refuse_disabled(session.get(User, identity.user_id))  # "Signed in" is logged with the session
            return Outcome(user_id=identity.user_id)

    # No link yet: a new account, from the claims, when the rules allow it.
    settings = get_settings()
    email = _email_from_claims(claims)
    if not email_domain_allowed(email, settings.oidc_allowed_domains):
        raise SingleSignOnFailed(Reason.DOMAIN)
    verified = claims.get("email_verified")
    if verified is False or (isinstance(verified, str) and verified.lower() == "false"):
        raise SingleSignOnFailed(Reason.UNVERIFIED)
    name = _name_from_claims(claims, email)
    with transaction() as session:
        accounts.lock_sign_ups(session)  # serialises sign-ups, and two callbacks for one new identity
        if session.exec(identity_query).first() is not None:
            raise SingleSignOnFailed(Reason.EXPIRED)  # the twin callback won; this one starts again
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            raise SingleSignOnFailed(Reason.ACCOUNT_EXISTS)
        user = accounts.create_account(session, name, email, password_hash="")
        session.add(SingleSignOnIdentity(user_id=user.id, issuer=issuer, subject=subject))
        security_log.record(session, user.id, EventKind.SSO_SIGNED_UP, **log)
        return Outcome(user_id=user.id, signed_up=True)


@dataclass(frozen=True)
class LinkStatus:
    configured: bool
    linked: bool
    has_password: bool


def link_status(user_id: int) -> LinkStatus:
    """For the Profile page's Single sign-on section (one statement)."""
    settings = get_settings()
    if not settings.oidc_configured:
        return LinkStatus(configured=False, linked=False, has_password=True)
    with read() as session:
        row = session.exec(
            select(User.password_hash, SingleSignOnIdentity.id)
            .join(
                SingleSignOnIdentity,
                sa.and_(
                    SingleSignOnIdentity.user_id == User.id, SingleSignOnIdentity.issuer == settings.oidc_issuer
                ),
                isouter=True,
            )
            .where(User.id == user_id)
        ).first()
    if row is None:
        raise NotSignedIn()
    password_hash, identity_id = row
    return LinkStatus(configured=True, linked=identity_id is not None, has_password=bool(password_hash))


def purge_expired(now=None) -> int:
    now = now or utcnow()
    with transaction() as session:
        return session.exec(
            sa.delete(SingleSignOnPending).where(SingleSignOnPending.expires_at <= now)
        ).rowcount or 0
