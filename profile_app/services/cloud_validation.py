"""The rules of a Cloud access row, per provider, worded for the person filling the form: the first broken rule
raises ValidationFailed naming its field (provider, bucket, key, secret, token, region or host).

- AWS S3: an AWS access key; no Host (Endpoint) (AWS's own endpoint follows from the region).
- S3-compatible: a Host (Endpoint) is required.
- Google Cloud Storage: an HMAC key (access ID GOOG…); the host defaults to Google's endpoint.
- Azure Blob: the storage account (name, account host or an https URL for a custom or emulator endpoint), the
  container in Bucket and a SAS in Secret / SAS; Key, Token and Region stay empty.
A host the server would refuse to contact (loopback, private, metadata) is accepted with a warning."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from profile_app.models import utcnow
from profile_app.services import outbound
from profile_app.services.errors import ValidationFailed
from profile_app.services.storage_providers import (
    AZURE,
    DEFAULT_REGION,
    GCS,
    GCS_ENDPOINT,
    PROVIDER_LABELS,
    S3,
    S3_COMPATIBLE,
    parse_sas_time,
)
from profile_app.services.text import clean_text

SECRET_FIELD, TOKEN_FIELD = "secret", "token"
HTTP_WARNING = "This host uses http://: keys and data travel unencrypted. Use https:// unless it is a local test."
# Longest secret or token accepted: STS session tokens run to a few kB, a SAS to a few hundred characters.
SECRET_MAX = 8192
KEY_MAX = 255
HOST_MAX = 255
AZURE_ACCOUNT_HOST = "{account}.blob.core.windows.net"
AZURE_HOST_SUFFIXES = (
    ".blob.core.windows.net",
    ".blob.core.chinacloudapi.cn",
    ".blob.core.usgovcloudapi.net",
)
# What each provider's form asks for, shown beside the fields.
PROVIDER_HINTS = {
    S3: "Your AWS access key and secret key (and Token for temporary keys). Leave Host (Endpoint) empty.",
    S3_COMPATIBLE: "The Host (Endpoint) of your server is required, e.g. https://minio.example.com:9000.",
    GCS: "An HMAC key (Cloud Storage → Settings → Interoperability): its access ID (GOOG…) in Key, its secret in "
    "Secret / SAS. Host (Endpoint) defaults to https://storage.googleapis.com.",
    AZURE: "The storage account (myaccount, or its host), the container in Bucket and a SAS in Secret / SAS.",
}

_S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_OTHER_REGION = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_AWS_ACCESS_KEY = re.compile(r"^[A-Z0-9]{16,128}$")
_AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
# Printable, no spaces: what a key, secret or token of any provider looks like.
_TOKEN_TEXT = re.compile(r"^[\x21-\x7e]*$")


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
class ValidCloudAccess:
    provider: str
    bucket: str
    key: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    region: str
    host: str
    warning: str


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
    if isinstance(_address(bucket), ipaddress.IPv4Address):
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


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def normalise_host(raw: str, *, allow_account_path: bool = False) -> str:
    """`scheme://host[:port]` lowercased, or ValidationFailed on field "host". Azure may carry one path segment
    (the account, for path-style endpoints such as Azurite's)."""
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
    return f"{scheme}://{netloc}" + (f"/{path}" if path else "")


def azure_account_host(raw: str) -> str:
    """The account's endpoint from what Azure users know: the account name, its blob host, or a URL (a custom
    domain or an emulator such as Azurite, whose account follows the host)."""
    text = raw.strip().lower()
    if not text:
        raise ValidationFailed(
            "Enter the storage account name (e.g. myaccount) or its host (myaccount.blob.core.windows.net).", "host"
        )
    if "://" in text:
        host = normalise_host(raw, allow_account_path=True)
        account_path = urlsplit(host).path.strip("/")
        if account_path and not _AZURE_ACCOUNT.fullmatch(account_path):
            raise ValidationFailed(
                "The account after the host must be a storage account name: 3 to 24 lowercase letters and digits.",
                "host",
            )
        return host
    if _AZURE_ACCOUNT.fullmatch(text):
        return "https://" + AZURE_ACCOUNT_HOST.format(account=text)
    account, _, _ = text.partition(".")
    if text.endswith(AZURE_HOST_SUFFIXES) and _AZURE_ACCOUNT.fullmatch(account):
        return f"https://{text}"
    raise ValidationFailed(
        "A storage account name is 3 to 24 lowercase letters and digits (e.g. myaccount); you can also give its "
        "host (myaccount.blob.core.windows.net) or an https:// URL.",
        "host",
    )


def azure_account_name(host: str) -> str:
    """The inverse of azure_account_host for Azure's own hosts ("" for custom and emulator endpoints)."""
    hostname = urlsplit(host).hostname or ""
    account, _, _ = hostname.partition(".")
    if host.startswith("https://") and hostname.endswith(AZURE_HOST_SUFFIXES) and "/" not in host[8:]:
        return account
    return ""


def host_warning(host: str) -> str:
    """What a saved host deserves a warning for: http://, and an address the server refuses to contact."""
    if not host:
        return ""
    warnings = [HTTP_WARNING] if host.startswith("http://") else []
    if refusal := outbound.refusal_without_lookup(urlsplit(host).hostname or ""):
        warnings.append(refusal)
    return " ".join(warnings)


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


def _credential_text(value: str, name: str, shown: str, maximum: int) -> str:
    if len(value) > maximum:
        raise ValidationFailed(f"The {shown} can be at most {maximum} characters.", name)
    if not _TOKEN_TEXT.fullmatch(value):
        raise ValidationFailed(f"The {shown} cannot contain spaces or characters other than printable ASCII.", name)
    return value


def _validate_azure(bucket: str, data: CloudAccessInput, editing: bool) -> ValidCloudAccess:
    if data.key.strip():
        raise ValidationFailed("Leave Key empty for Azure Blob: the SAS in Secret / SAS grants access.", "key")
    secret = data.secret.strip()
    if len(secret) > SECRET_MAX:
        raise ValidationFailed(f"The Secret / SAS can be at most {SECRET_MAX} characters.", SECRET_FIELD)
    if secret or not editing:
        secret, _ = parse_sas(secret)
        _credential_text(secret, SECRET_FIELD, "Secret / SAS", SECRET_MAX)
    if data.token.strip():
        raise ValidationFailed("Leave Token empty for Azure Blob: the SAS in Secret / SAS grants access.", "token")
    if data.region.strip():
        raise ValidationFailed(
            "Leave Region empty for Azure Blob: the storage account decides where data lives.", "region"
        )
    host = azure_account_host(data.host)
    return ValidCloudAccess(AZURE, bucket, "", secret, "", "", host, host_warning(host))


def _validate_s3_family(provider: str, bucket: str, data: CloudAccessInput, editing: bool) -> ValidCloudAccess:
    key = data.key.strip()
    if not key:
        raise ValidationFailed("Enter the access key in Key.", "key")
    if provider == S3 and not _AWS_ACCESS_KEY.fullmatch(key):
        raise ValidationFailed("An AWS access key is 16 to 128 uppercase letters and digits (e.g. AKIA…).", "key")
    if provider == GCS and not key.startswith("GOOG"):
        raise ValidationFailed(
            "A Google Cloud Storage HMAC access ID starts with GOOG (Cloud Storage → Settings → Interoperability).",
            "key",
        )
    _credential_text(key, "key", "Key", KEY_MAX)
    secret = _credential_text(data.secret.strip(), SECRET_FIELD, "Secret / SAS", SECRET_MAX)
    if not secret and not editing:
        raise ValidationFailed("Enter the secret key in Secret / SAS.", SECRET_FIELD)
    token = _credential_text(data.token.strip(), TOKEN_FIELD, "Token", SECRET_MAX)
    region = data.region.strip().lower()
    if not region:
        region = DEFAULT_REGION
    elif provider == S3 and not _AWS_REGION.fullmatch(region):
        raise ValidationFailed("An AWS region looks like us-east-1 or eu-west-3 (empty means us-east-1).", "region")
    elif not _OTHER_REGION.fullmatch(region):
        raise ValidationFailed("A region is lowercase letters, digits and hyphens, e.g. us-east-1.", "region")
    raw_host = data.host.strip()
    if provider == S3:
        if raw_host:
            raise ValidationFailed("Leave Host (Endpoint) empty for AWS S3, or choose S3-compatible.", "host")
        host = ""
    elif provider == GCS and not raw_host:
        host = GCS_ENDPOINT
    elif not raw_host:
        raise ValidationFailed(
            "Enter the Host (Endpoint) of your S3-compatible server, e.g. https://minio.example.com:9000.", "host"
        )
    else:
        host = normalise_host(raw_host)
    return ValidCloudAccess(provider, bucket, key, secret, token, region, host, host_warning(host))


_FIELD_LABELS = {
    "provider": ("Provider", 32),
    "bucket": ("Bucket", 255),
    "key": ("Key", KEY_MAX),
    SECRET_FIELD: ("Secret / SAS", SECRET_MAX),
    TOKEN_FIELD: ("Token", SECRET_MAX),
    "region": ("Region", 64),
    "host": ("Host (Endpoint)", HOST_MAX),
}


def _clean(data: CloudAccessInput) -> CloudAccessInput:
    """Every field as plain text first (no control or format characters, no framework markers), so the rules
    below only ever see text; each rule then says precisely what it expects."""
    values = {
        name: clean_text(getattr(data, name), field=name, label=label, max_length=maximum)
        for name, (label, maximum) in _FIELD_LABELS.items()
    }
    return CloudAccessInput(**values)


def validate_cloud_access(data: CloudAccessInput, *, editing: bool) -> ValidCloudAccess:
    """Every rule, in form order; the first broken one raises with its field. Secrets may be empty on edit."""
    data = _clean(data)
    provider = data.provider.lower()
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
    if provider == AZURE:
        valid = _validate_azure(bucket, data, editing)
    else:
        valid = _validate_s3_family(provider, bucket, data, editing)
    if len(valid.host) > HOST_MAX:
        raise ValidationFailed(f"The Host (Endpoint) can be at most {HOST_MAX} characters.", "host")
    return valid
