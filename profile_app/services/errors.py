"""Domain errors. Each message is fit to show a user as it is; `field` names the input it is about."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """An input breaks a rule; `field` says which."""


class InvalidFields(ValidationFailed):
    """Several inputs break rules at once: `problems` maps each field to its message (form order), so a form can
    mark them all; `field` and `message` are the first, for callers that show one."""

    def __init__(self, problems: dict[str, str]):
        first_field, first_message = next(iter(problems.items()))
        super().__init__(first_message, field=first_field)
        self.problems = dict(problems)


class NotSignedIn(DomainError):
    def __init__(self, message: str = "Please log in again."):
        super().__init__(message)


class PermissionDenied(DomainError):
    def __init__(self, message: str = "You are not allowed to do that."):
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class InvalidLogin(DomainError):
    GENERIC = "Email or password is incorrect."

    def __init__(self, message: str = GENERIC, field: str = ""):
        super().__init__(message, field=field)


class SecondFactorRequired(InvalidLogin):
    """The password was right but the account has two-factor sign-in on: a password alone opens no session."""

    def __init__(self):
        super().__init__("This account uses two-factor sign-in. Log in on the web page with an authentication code.")


class AccountLocked(DomainError):
    """Too many failed sign-ins; the message says for how long."""


class TooManyRequests(DomainError):
    """One client address sent more attempts than the per-minute limit allows."""

    def __init__(self, message: str = "Too many attempts from your network. Wait a minute and try again."):
        super().__init__(message)


class SignupClosed(DomainError):
    def __init__(self):
        super().__init__("Sign-up is closed on this server. Ask an administrator for an account.")


class AccountDisabled(DomainError):
    """An administrator disabled this account (services/administration.py); said only after a right password."""

    MESSAGE = "This account is disabled. Ask an administrator to enable it."

    def __init__(self):
        super().__init__(self.MESSAGE)


class PasswordSignInDisabled(DomainError):
    """PROFILE_OIDC_ONLY: accounts sign in and sign up through single sign-on only."""

    def __init__(self):
        super().__init__("This server uses single sign-on. Sign in with SSO instead.")


class LimitReached(DomainError):
    """A configured limit (members, credentials) would be exceeded."""
