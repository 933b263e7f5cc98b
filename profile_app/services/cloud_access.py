"""Cloud access: the signed-in user's per-bucket credentials (AWS S3, S3-compatible, GCS through its HMAC/S3
endpoint, Azure Blob with a SAS), validated precisely, secrets encrypted at rest, and "Test access" against the
real bucket. Callers only ever see masked rows; decrypted secrets stay inside this module and signing."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.db import read, transaction
from profile_app.models import CloudCredential, utcnow
from profile_app.services import crypto, outbound
from profile_app.services.errors import DomainError, NotFound, ValidationFailed
from profile_app.services.idempotency import checked_request_key

S3, S3_COMPATIBLE, GCS, AZURE = "s3", "s3compat", "gcs", "azure"
PROVIDER_LABELS = {
    S3: "AWS S3",
    S3_COMPATIBLE: "S3-compatible",
    GCS: "Google Cloud Storage",
    AZURE: "Azure Blob",
}
S3_FAMILY = (S3, S3_COMPATIBLE, GCS)
GCS_ENDPOINT = "https://storage.googleapis.com"
DEFAULT_REGION = "us-east-1"
TABLE = "cloud_credential"
SECRET_FIELD, TOKEN_FIELD = "secret", "token"
HTTP_WARNING = "This host uses http://: keys and data travel unencrypted. Use https:// unless it is a local test."
# Longest secret or token accepted: STS session tokens run to a few kB, a SAS to a few hundred characters.
SECRET_MAX = 8192
CONNECT_TIMEOUT_S = 3
READ_TIMEOUT_S = 5

# Test outcomes (stored in last_test_result; the message is what the user reads).
OK = "ok"
BUCKET_NOT_FOUND = "bucket_not_found"
ACCESS_DENIED = "access_denied"
INVALID_ACCESS_KEY = "invalid_access_key"
SIGNATURE_MISMATCH = "signature_mismatch"
TOKEN_INVALID = "token_invalid"  # noqa: S105 (an outcome name, not a secret)
WRONG_REGION = "wrong_region"
SAS_EXPIRED = "sas_expired"
SAS_INVALID = "sas_invalid"
UNREACHABLE = "unreachable"
TIMED_OUT = "timed_out"
TLS_ERROR = "tls_error"
REFUSED = "refused"
FAILED = "failed"


@dataclass(frozen=True)
class CloudAccessInput:
    """What the form sends. On edit, an empty secret or token keeps the stored one."""

    provider: str
    bucket: str
    key: str = ""
    secret: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    region: str = ""
    host: str = ""


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


@dataclass(frozen=True)
class AccessTestResult:
    outcome: str
    message: str
    region: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == OK


@dataclass(frozen=True)
class StoredCredentials:
    """Decrypted credentials for a server-side call (test, signing). Never returned to a browser."""

    id: int
    provider: str
    bucket: str
    key: str
    region: str
    host: str
    secret: str = field(repr=False)
    token: str = field(repr=False)


class DuplicateCloudAccess(ValidationFailed):
    def __init__(self, bucket: str, host: str):
        where = f"at {host}" if host else "on AWS S3"
        super().__init__(
            f"You already have access keys for bucket {bucket!r} {where}. Edit that row instead.", "bucket"
        )


# ---------------------------------------------------------------------------------------------------- validation

_S3_BUCKET_CHARS = re.compile(r"^[a-z0-9.-]+$")
_S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_OTHER_REGION = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_AZURE_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_AWS_ACCESS_KEY = re.compile(r"^[A-Z0-9]{16,128}$")


def _bucket_error(provider: str, bucket: str) -> str:
    """The first naming rule `bucket` breaks, worded for the user, or ""."""
    if provider == AZURE:
        if not 3 <= len(bucket) <= 63:
            return "An Azure container name must be 3 to 63 characters long."
        if not re.fullmatch(r"[a-z0-9-]+", bucket):
            return "An Azure container name may only contain lowercase letters, digits and hyphens."
        if bucket[0] == "-" or bucket[-1] == "-":
            return "An Azure container name must start and end with a letter or a digit."
        if "--" in bucket:
            return "An Azure container name cannot contain two hyphens in a row."
        return ""
    if not 3 <= len(bucket) <= 63:
        return "A bucket name must be 3 to 63 characters long."
    allowed = r"[a-z0-9._-]+" if provider == GCS else r"[a-z0-9.-]+"
    if not re.fullmatch(allowed, bucket):
        extra = ", underscores" if provider == GCS else ""
        return f"A bucket name may only contain lowercase letters, digits, dots{extra} and hyphens."
    if not (bucket[0].isalnum() and bucket[-1].isalnum()):
        return "A bucket name must start and end with a letter or a digit."
    if ".." in bucket:
        return "A bucket name cannot contain two dots in a row."
    if ".-" in bucket or "-." in bucket:
        return "A bucket name cannot have a dot next to a hyphen."
    if _is_ipv4(bucket):
        return "A bucket name cannot be formatted as an IP address."
    if provider == GCS:
        if bucket.startswith("goog") or "google" in bucket or "g00gle" in bucket:
            return "A Google Cloud Storage bucket name cannot start with 'goog' or contain 'google'."
        return ""
    for prefix in _S3_RESERVED_PREFIXES:
        if bucket.startswith(prefix):
            return f"A bucket name cannot start with {prefix!r} (reserved by S3)."
    for suffix in _S3_RESERVED_SUFFIXES:
        if bucket.endswith(suffix):
            return f"A bucket name cannot end with {suffix!r} (reserved by S3)."
    return ""


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def normalise_host(raw: str, *, allow_account_path: bool = False) -> tuple[str, str]:
    """(`scheme://host[:port]` lowercased, warning) or ValidationFailed on field "host". Azure may carry one
    path segment (the account, for path-style endpoints such as Azurite's)."""
    text = raw.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationFailed(
            "The Host (Endpoint) has an invalid port; use a number from 1 to 65535.", "host"
        ) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(
            "The Host (Endpoint) must be a URL starting with https:// (or http://), e.g. https://minio.example.com:9000.",
            "host",
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationFailed("The Host (Endpoint) cannot contain a user name or password.", "host")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValidationFailed("The Host (Endpoint) cannot have a query (?…) or fragment (#…).", "host")
    hostname = (parts.hostname or "").lower()
    if not hostname or not re.fullmatch(r"[a-z0-9.\-:\[\]_]+", hostname):
        raise ValidationFailed("The Host (Endpoint) needs a valid host name or IP address.", "host")
    if port == 0:
        raise ValidationFailed("The Host (Endpoint) has an invalid port; use a number from 1 to 65535.", "host")
    path = parts.path.strip("/")
    if path and not (allow_account_path and "/" not in path):
        detail = " (for Azure, only the account name may follow the host)" if allow_account_path else ""
        raise ValidationFailed(
            f"The Host (Endpoint) cannot have a path{detail}; give only the scheme, host and port.", "host"
        )
    scheme = parts.scheme.lower()
    shown_host = f"[{hostname}]" if ":" in hostname else hostname
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = shown_host if port in (None, default_port) else f"{shown_host}:{port}"
    normalised = f"{scheme}://{netloc}" + (f"/{path}" if path else "")
    return normalised, (HTTP_WARNING if scheme == "http" else "")


def parse_sas(raw: str, now: datetime | None = None) -> tuple[str, datetime]:
    """(SAS without the leading '?', its expiry) or ValidationFailed on field "secret"."""
    sas = raw.strip().lstrip("?")
    if not sas:
        raise ValidationFailed("Enter the shared access signature (SAS) in Secret / SAS.", "secret")
    try:
        values = parse_qs(sas, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise ValidationFailed("This SAS is not a query string like sv=…&se=…&sig=….", "secret") from None
    missing = [name for name in ("sv", "se", "sig") if not values.get(name, [""])[0]]
    if missing:
        raise ValidationFailed(f"This SAS is missing {', '.join(missing)} (sv, se and sig are required).", "secret")
    expiry = parse_sas_time(values["se"][0])
    if expiry is None:
        raise ValidationFailed("This SAS has an expiry (se) that is not a date and time.", "secret")
    if expiry <= (now or utcnow()):
        raise ValidationFailed(f"This SAS expired on {expiry:%Y-%m-%d %H:%M} UTC. Create a new one.", "secret")
    return sas, expiry


def parse_sas_time(text: str) -> datetime | None:
    text = text.strip()
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class _Validated:
    provider: str
    bucket: str
    key: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    region: str
    host: str
    warning: str


def _validate(data: CloudAccessInput, *, editing: bool) -> _Validated:
    """Every rule, in form order; the first broken one raises with its field. Secrets may be empty on edit."""
    provider = data.provider.strip().lower()
    if provider not in PROVIDER_LABELS:
        raise ValidationFailed(
            "Choose a provider: AWS S3, S3-compatible, Google Cloud Storage or Azure Blob.", "provider"
        )
    bucket = data.bucket.strip()
    if not bucket:
        raise ValidationFailed(
            "Enter the container name in Bucket." if provider == AZURE else "Enter a bucket name.", "bucket"
        )
    if error := _bucket_error(provider, bucket):
        raise ValidationFailed(error, "bucket")
    key = data.key.strip()
    secret = data.secret.strip()
    token = data.token.strip()
    for name, value, shown in ((SECRET_FIELD, secret, "Secret / SAS"), (TOKEN_FIELD, token, "Token")):
        if len(value) > SECRET_MAX:
            raise ValidationFailed(f"The {shown} can be at most {SECRET_MAX} characters.", name)
    if provider == AZURE:
        if key:
            raise ValidationFailed("Leave Key empty for Azure Blob: the SAS in Secret / SAS grants access.", "key")
        if token:
            raise ValidationFailed("Leave Token empty for Azure Blob: the SAS in Secret / SAS grants access.", "token")
        if secret or not editing:
            secret, _ = parse_sas(secret)
    else:
        if not key:
            raise ValidationFailed("Enter the access key in Key.", "key")
        if provider == S3 and not _AWS_ACCESS_KEY.fullmatch(key):
            raise ValidationFailed("An AWS access key is 16 to 128 uppercase letters and digits (e.g. AKIA…).", "key")
        if len(key) > 255 or re.search(r"\s", key):
            raise ValidationFailed("The Key cannot contain spaces and can be at most 255 characters.", "key")
        if not secret and not editing:
            raise ValidationFailed("Enter the secret key in Secret / SAS.", "secret")
        if re.search(r"\s", secret):
            raise ValidationFailed("The secret key cannot contain spaces.", "secret")
        if re.search(r"\s", token):
            raise ValidationFailed("The Token cannot contain spaces.", "token")
    region = data.region.strip().lower()
    if provider == AZURE:
        region = ""
    elif not region:
        region = DEFAULT_REGION
    elif provider == S3 and not _AWS_REGION.fullmatch(region):
        raise ValidationFailed("An AWS region looks like us-east-1 or eu-west-3 (empty means us-east-1).", "region")
    elif not _OTHER_REGION.fullmatch(region):
        raise ValidationFailed("A region is lowercase letters, digits and hyphens, e.g. us-east-1.", "region")
    raw_host = data.host.strip()
    if provider == S3:
        if raw_host:
            raise ValidationFailed("Leave Host (Endpoint) empty for AWS S3, or choose S3-compatible.", "host")
        host, warning = "", ""
    elif provider == GCS and not raw_host:
        host, warning = GCS_ENDPOINT, ""
    elif not raw_host:
        example = "https://account.blob.core.windows.net" if provider == AZURE else "https://minio.example.com:9000"
        raise ValidationFailed(f"Enter the Host (Endpoint), e.g. {example}.", "host")
    else:
        host, warning = normalise_host(raw_host, allow_account_path=provider == AZURE)
    if len(host) > 255:
        raise ValidationFailed("The Host (Endpoint) can be at most 255 characters.", "host")
    return _Validated(provider, bucket, key, secret, token, region, host, warning)


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
        warning=HTTP_WARNING if row.endpoint.startswith("http://") else "",
        last_test_result=row.last_test_result,
        last_test_message=row.last_test_message,
        last_test_at=row.last_test_at,
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


def _row_by_request_key(session: Session, user_id: int, request_key: str | None) -> CloudCredential | None:
    if request_key is None:
        return None
    return session.exec(
        select(CloudCredential).where(CloudCredential.user_id == user_id, CloudCredential.request_key == request_key)
    ).first()


def add_cloud_access(user_id: int, data: CloudAccessInput, *, request_key: str | None = None) -> CloudAccessRow:
    """Insert, flush for the id, then encrypt with that id as associated data: one transaction. A `request_key`
    this user already used (services/idempotency.py) returns that first row instead of adding another."""
    request_key = checked_request_key(request_key)
    with read() as session:
        if (earlier := _row_by_request_key(session, user_id, request_key)) is not None:
            return _row_view(earlier)
    valid = _validate(data, editing=False)
    try:
        with transaction() as session:
            if (earlier := _row_by_request_key(session, user_id, request_key)) is not None:
                return _row_view(earlier)
            _check_unique(session, user_id, valid.bucket, valid.host)
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
            return _row_view(row)
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
    valid = _validate(data, editing=True)
    try:
        with transaction() as session:
            row = _owned_row(session, user_id, row_id, lock=True)
            _check_unique(session, user_id, valid.bucket, valid.host, except_id=row.id)
            if not valid.secret and (row.provider == AZURE) != (valid.provider == AZURE):
                raise ValidationFailed("Enter the new secret in Secret / SAS when changing to or from Azure.", "secret")
            row.provider, row.bucket, row.endpoint = valid.provider, valid.bucket, valid.host
            row.region, row.key = valid.region, valid.key
            if valid.secret:
                _set_secret(row, valid.secret)
            if valid.provider == AZURE or clear_token:
                row.token_ciphertext = ""
            elif valid.token:
                _set_token(row, valid.token)
            row.updated_at = utcnow()
            row.last_test_at, row.last_test_result, row.last_test_message = None, "", ""
            session.add(row)
            session.flush()
            return _row_view(row)
    except sa.exc.IntegrityError:
        raise DuplicateCloudAccess(valid.bucket, valid.host) from None


def remove_cloud_access(user_id: int, row_id: int) -> None:
    with transaction() as session:
        session.delete(_owned_row(session, user_id, row_id))


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


def s3_client(credentials: StoredCredentials):
    """A boto3 S3 client: path-style for custom hosts, short timeouts, one attempt (no retry storms)."""
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": 1, "mode": "standard"},
        s3={"addressing_style": "path" if credentials.host else "auto"},
        user_agent_extra="profile-app",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=credentials.host or None,
        region_name=credentials.region or DEFAULT_REGION,
        aws_access_key_id=credentials.key,
        aws_secret_access_key=credentials.secret,
        aws_session_token=credentials.token or None,
        config=config,
    )


def _contacted_host(credentials: StoredCredentials) -> tuple[str, int]:
    if not credentials.host:
        region = credentials.region or DEFAULT_REGION
        return (f"s3.{region}.amazonaws.com", 443)
    parts = urlsplit(credentials.host)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


_S3_CODES = {
    "404": BUCKET_NOT_FOUND,
    "NoSuchBucket": BUCKET_NOT_FOUND,
    "NotFound": BUCKET_NOT_FOUND,
    "403": ACCESS_DENIED,
    "AccessDenied": ACCESS_DENIED,
    "AllAccessDisabled": ACCESS_DENIED,
    "AccountProblem": ACCESS_DENIED,
    "InvalidAccessKeyId": INVALID_ACCESS_KEY,
    "SignatureDoesNotMatch": SIGNATURE_MISMATCH,
    "ExpiredToken": TOKEN_INVALID,
    "InvalidToken": TOKEN_INVALID,
    "TokenRefreshRequired": TOKEN_INVALID,
    "301": WRONG_REGION,
    "PermanentRedirect": WRONG_REGION,
    "AuthorizationHeaderMalformed": WRONG_REGION,
    "IllegalLocationConstraintException": WRONG_REGION,
}


def _outcome_message(outcome: str, bucket: str, region: str = "", detail: str = "") -> str:
    return {
        OK: f"Access OK (region {region})." if region else "Access OK.",
        BUCKET_NOT_FOUND: f"Bucket not found: {bucket!r} does not exist at this host.",
        ACCESS_DENIED: "Access denied: these keys may not list this bucket.",
        INVALID_ACCESS_KEY: "Invalid access key: the server does not know this Key.",
        SIGNATURE_MISMATCH: "Signature mismatch: the secret key is wrong.",
        TOKEN_INVALID: "The session token is expired or invalid.",
        WRONG_REGION: f"Wrong region: the bucket is in {region}." if region else "Wrong region for this bucket.",
        SAS_EXPIRED: "The SAS has expired (or is not valid yet). Create a new one.",
        SAS_INVALID: "The SAS is invalid: the storage account rejected its signature.",
        UNREACHABLE: "Host unreachable: nothing answered at this host and port.",
        TIMED_OUT: "Timed out: the host did not answer in time.",
        TLS_ERROR: "TLS error: the host's certificate or TLS setup could not be verified.",
        FAILED: "The check failed" + (f": {detail}" if detail else "."),
    }[outcome]


def _s3_error_outcome(error) -> tuple[str, str]:
    """(outcome, region) from a botocore ClientError."""
    response = getattr(error, "response", {}) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}
    region = headers.get("x-amz-bucket-region", "") or response.get("Error", {}).get("Region", "")
    return _S3_CODES.get(code, FAILED), region


def _s3_test(credentials: StoredCredentials) -> AccessTestResult:
    from botocore import exceptions as bex

    client = s3_client(credentials)
    bucket = credentials.bucket
    try:
        try:
            head = client.head_bucket(Bucket=bucket)
        except bex.ClientError as error:
            outcome, region = _s3_error_outcome(error)
            if outcome != ACCESS_DENIED:
                return AccessTestResult(outcome, _outcome_message(outcome, bucket, region), region)
            # HEAD answers have no body: a 403 may be a bad key or a wrong secret; the GET below says which.
            head = {}
        region = (head.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}).get("x-amz-bucket-region", "")
        client.list_objects_v2(Bucket=bucket, MaxKeys=1)
        region = region or credentials.region or DEFAULT_REGION
        return AccessTestResult(OK, _outcome_message(OK, bucket, region), region)
    except bex.ClientError as error:
        outcome, region = _s3_error_outcome(error)
        code = str(error.response.get("Error", {}).get("Code", "")) if outcome == FAILED else ""
        return AccessTestResult(outcome, _outcome_message(outcome, bucket, region, code), region)
    except (bex.ConnectTimeoutError, bex.ReadTimeoutError):
        return AccessTestResult(TIMED_OUT, _outcome_message(TIMED_OUT, bucket))
    except bex.SSLError:
        return AccessTestResult(TLS_ERROR, _outcome_message(TLS_ERROR, bucket))
    except (bex.EndpointConnectionError, bex.ConnectionClosedError, bex.HTTPClientError):
        return AccessTestResult(UNREACHABLE, _outcome_message(UNREACHABLE, bucket))


def azure_container_url(credentials: StoredCredentials) -> str:
    return f"{credentials.host}/{quote(credentials.bucket)}"


def azure_blob_url(host: str, container: str, blob_path: str, sas: str) -> str:
    """Blob URL with the SAS as its query; the path is percent-encoded segment by segment."""
    return f"{host}/{quote(container)}/{quote(blob_path, safe='/')}?{sas}"


def _azure_error_code(body: str) -> tuple[str, str]:
    """Azure's error code and detail, read with a regex (no XML parser for an untrusted body)."""
    code = re.search(r"<Code>([^<]{0,100})</Code>", body)
    detail = re.search(r"<AuthenticationErrorDetail>([^<]{0,500})</AuthenticationErrorDetail>", body)
    return (code.group(1) if code else ""), (detail.group(1) if detail else "")


def _sas_time_window_problem(sas: str) -> AccessTestResult | None:
    """An expired or not-yet-valid SAS is known without asking Azure (whose answer is less specific)."""
    values = parse_qs(sas)
    now = utcnow()
    expiry = parse_sas_time(values.get("se", [""])[0])
    if expiry is not None and expiry <= now:
        return AccessTestResult(SAS_EXPIRED, f"This SAS expired on {expiry:%Y-%m-%d %H:%M} UTC. Create a new one.")
    start = parse_sas_time(values.get("st", [""])[0])
    if start is not None and start > now:
        return AccessTestResult(SAS_EXPIRED, f"This SAS is not valid until {start:%Y-%m-%d %H:%M} UTC.")
    return None


def _azure_test(credentials: StoredCredentials) -> AccessTestResult:
    import httpx

    bucket = credentials.bucket
    if local := _sas_time_window_problem(credentials.secret):
        return local
    url = f"{azure_container_url(credentials)}?restype=container&comp=list&maxresults=1&{credentials.secret}"
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.get(url, headers={"x-ms-version": "2021-08-06"})
    except httpx.TimeoutException:
        return AccessTestResult(TIMED_OUT, _outcome_message(TIMED_OUT, bucket))
    except httpx.ConnectError as error:
        tls = "SSL" in repr(error) or "certificate" in str(error).lower()
        outcome = TLS_ERROR if tls else UNREACHABLE
        return AccessTestResult(outcome, _outcome_message(outcome, bucket))
    except httpx.HTTPError:
        return AccessTestResult(UNREACHABLE, _outcome_message(UNREACHABLE, bucket))
    if response.status_code == 200:
        return AccessTestResult(OK, _outcome_message(OK, bucket))
    code, detail = _azure_error_code(response.text)
    if code == "ContainerNotFound" or (response.status_code == 404 and not code):
        outcome = BUCKET_NOT_FOUND
    elif code == "AuthenticationFailed":
        outcome = SAS_EXPIRED if "time frame" in detail or "expired" in detail.lower() else SAS_INVALID
    elif code == "AuthorizationFailure" and "failed to authenticate" in response.text:
        outcome = SAS_INVALID  # Azurite's wording for a signature it cannot verify
    elif code.startswith("AuthorizationPermissionMismatch") or code.startswith("AuthorizationFailure"):
        outcome = ACCESS_DENIED
    elif response.status_code == 403:
        outcome = SAS_INVALID
    else:
        return AccessTestResult(FAILED, _outcome_message(FAILED, bucket, detail=code or f"HTTP {response.status_code}"))
    return AccessTestResult(outcome, _outcome_message(outcome, bucket))


def _record_test(user_id: int, row_id: int, result: AccessTestResult) -> None:
    with transaction() as session:
        row = _owned_row(session, user_id, row_id)
        row.last_test_at = utcnow()
        row.last_test_result = result.outcome[:32]
        row.last_test_message = result.message[:500]
        session.add(row)


def test_cloud_access(user_id: int, row_id: int) -> AccessTestResult:
    """Check the bucket with the stored keys and store the outcome on the row. The network call happens
    outside any transaction; the host is vetted (outbound safety) and connections are pinned to it."""
    credentials = stored_credentials(user_id, row_id)
    host, port = _contacted_host(credentials)
    try:
        with outbound.guarded_connections(host, port):
            result = _azure_test(credentials) if credentials.provider == AZURE else _s3_test(credentials)
    except outbound.OutboundRefused as refusal:
        result = AccessTestResult(REFUSED, refusal.message)
    except outbound.HostUnresolvable as error:
        result = AccessTestResult(UNREACHABLE, error.message)
    except DomainError:
        raise
    _record_test(user_id, row_id, result)
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
