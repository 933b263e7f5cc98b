"""The one error table of the API: ClearML's result codes and subcodes (clearml-server apiserver/apierrors/
errors.conf), and which of them each domain error becomes. Every failure of every route is one of these."""

from __future__ import annotations

from dataclasses import dataclass

from profile_app.services import outbound, signing
from profile_app.services.credentials import InvalidCredentials
from profile_app.services.errors import (
    DomainError,
    LimitReached,
    NotFound,
    NotSignedIn,
    PermissionDenied,
    ValidationFailed,
)
from profile_app.services.preferences import PreferencesKeyInvalid, PreferencesValueInvalid


@dataclass(frozen=True)
class ResultCode:
    code: int
    subcode: int
    name: str  # clearml-server's name for it


# 400 bad_request
BAD_REQUEST = ResultCode(400, 0, "bad_request")
VALIDATION_ERROR = ResultCode(400, 12, "validation_error")
FIELDS_VALUE_ERROR = ResultCode(400, 16, "fields_value_error")
INVALID_ACCESS_KEY = ResultCode(400, 75, "invalid_access_key")
INVALID_USER = ResultCode(400, 300, "invalid_user")
INVALID_USER_ID = ResultCode(400, 301, "invalid_user_id")
INVALID_PREFERENCES_UPDATE = ResultCode(400, 305, "invalid_preferences_update")
# 401 unauthorized
BAD_AUTH_TYPE = ResultCode(401, 10, "bad_auth_type")
NO_CREDENTIALS = ResultCode(401, 20, "no_credentials")
BAD_CREDENTIALS = ResultCode(401, 21, "bad_credentials")
INVALID_CREDENTIALS = ResultCode(401, 22, "invalid_credentials")
INVALID_TOKEN = ResultCode(401, 30, "invalid_token")
# 403 forbidden
ROLE_NOT_ALLOWED = ResultCode(403, 20, "role_not_allowed")
# 404: clearml-server answers an unknown endpoint (or one not offered at the requested version) with 404/0.
ENDPOINT_NOT_FOUND = ResultCode(404, 0, "endpoint_not_found")
# 500 server_error
SERVER_ERROR = ResultCode(500, 0, "general_error")
# Ours, for storage.blob, which a browser follows and which ClearML does not have.
LINK_NOT_FOUND = ResultCode(404, 0, "not_found")
TOO_MANY_DOWNLOADS = ResultCode(429, 0, "too_many_requests")
STORAGE_UNAVAILABLE = ResultCode(502, 0, "bad_gateway")


class ApiError(Exception):
    """Raised anywhere under a route; the dispatcher renders it as a ClearML envelope."""

    def __init__(self, result: ResultCode, message: str):
        super().__init__(message)
        self.result = result
        self.message = message


# Domain error -> result code, first match wins (subclasses before their bases). NotFound depends on the endpoint
# (ClearML names what was not found: an access key, a user...), so each endpoint says which code it is.
DOMAIN_RESULTS: tuple[tuple[type[DomainError], ResultCode], ...] = (
    (PreferencesKeyInvalid, FIELDS_VALUE_ERROR),
    (PreferencesValueInvalid, INVALID_PREFERENCES_UPDATE),
    (InvalidCredentials, INVALID_TOKEN),
    (NotSignedIn, INVALID_TOKEN),
    (PermissionDenied, ROLE_NOT_ALLOWED),
    (signing.TooManyDownloads, TOO_MANY_DOWNLOADS),
    (signing.StorageUnavailable, STORAGE_UNAVAILABLE),
    (outbound.OutboundRefused, STORAGE_UNAVAILABLE),
    (outbound.HostUnresolvable, STORAGE_UNAVAILABLE),
    (LimitReached, VALIDATION_ERROR),
    (ValidationFailed, VALIDATION_ERROR),
)


def result_for(error: DomainError, not_found: ResultCode) -> ResultCode:
    if isinstance(error, NotFound):
        return not_found
    for kind, result in DOMAIN_RESULTS:
        if isinstance(error, kind):
            return result
    return BAD_REQUEST
