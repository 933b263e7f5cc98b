"""Signed links: turn a storage URL the web UI shows (s3://, gs://, azure://, https://host/bucket/key) into a
time-limited URL signed on the server with the caller's stored credentials, so secrets never reach a browser.

Matching follows ClearML: the row whose bucket and host the URL names, ignoring the scheme; `s3://bucket/key`
means AWS (a row without a host), `gs://bucket/key` a GCS row."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote, urlencode, urlsplit

import httpcore
import jwt

from profile_app.config import get_settings
from profile_app.models import utcnow
from profile_app.services import cloud_access, outbound, storage_providers
from profile_app.services.cloud_validation import parse_sas
from profile_app.services.errors import DomainError, NotFound, ValidationFailed
from profile_app.services.storage_providers import AZURE, GCS, S3

MAX_LIFETIME_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs cannot live longer
STORAGE_SCHEMES = ("s3", "gs", "azure", "https", "http")
URL_FORMS = (
    "s3://bucket/key, s3://host:port/bucket/key, https://host:port/bucket/key, gs://bucket/key or "
    "azure://account.blob.core.windows.net/container/path"
)
_AWS_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9.-]+)\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$")
_AWS_PATH_HOST = re.compile(r"^s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$")


class NotAStorageUrl(ValidationFailed):
    def __init__(self, detail: str = ""):
        super().__init__(f"This is not a storage URL{detail}. Use {URL_FORMS}.", "url")


class NoMatchingCloudAccess(NotFound):
    def __init__(self, bucket: str, where: str):
        super().__init__(
            f"None of your Cloud access rows matches bucket {bucket!r} {where}. Add access keys for it under "
            "Cloud access on your Profile page."
        )


@dataclass(frozen=True)
class SignedLink:
    url: str
    expires_at: datetime
    provider: str
    bucket: str
    key: str


@dataclass(frozen=True)
class StorageLocation:
    """A parsed storage URL: `address` is host[:port] plus path without the scheme, for prefix matching."""

    scheme: str
    netloc: str
    path: str

    @property
    def address(self) -> str:
        return f"{self.netloc}/{self.path}"


def parse_storage_url(url: str) -> StorageLocation:
    text = url.strip()
    if not text:
        raise ValidationFailed(f"Enter a storage URL: {URL_FORMS}.", "url")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (validates the port)
    except ValueError:
        raise NotAStorageUrl(" (its host or port is malformed)") from None
    scheme = parts.scheme.lower()
    if scheme not in STORAGE_SCHEMES or not parts.netloc:
        raise NotAStorageUrl()
    if parts.username or parts.password:
        raise NotAStorageUrl(" (it contains a user name or password)")
    path = unquote(parts.path.lstrip("/"))
    return StorageLocation(scheme=scheme, netloc=parts.netloc.lower(), path=path)


def _host_address(host: str) -> str:
    """A row's host without its scheme: `host[:port][/account]`, as URLs name it."""
    return host.split("://", 1)[-1] if host else ""


def _find_row(user_id: int, location: StorageLocation) -> tuple[int, str]:
    """(row id, object key) of the caller's row this URL names, or NoMatchingCloudAccess."""
    rows = cloud_access.matching_rows(user_id)
    best: tuple[int, int, str] | None = None  # (prefix length, row id, key)
    for row_id, _provider, bucket, host in rows:
        if not host:
            continue
        prefix = f"{_host_address(host)}/{bucket}/"
        if location.address.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), row_id, location.address[len(prefix) :])
    if best is not None:
        return best[1], best[2]
    bucket, key, wanted_provider, where = _bucket_without_row_host(location)
    for row_id, provider, row_bucket, host in rows:
        if row_bucket == bucket and provider == wanted_provider and (provider == GCS or not host):
            return row_id, key
    raise NoMatchingCloudAccess(bucket, where)


def _bucket_without_row_host(location: StorageLocation) -> tuple[str, str, str, str]:
    """(bucket, key, provider, where) for URLs that name a bucket without a stored host: s3://bucket/key,
    gs://bucket/key and AWS's own https hosts."""
    if location.scheme == "gs":
        return location.netloc, location.path, GCS, "on Google Cloud Storage"
    host = location.netloc.split(":", 1)[0]
    if location.scheme in ("https", "http"):
        if match := _AWS_VIRTUAL_HOST.match(host):
            return match["bucket"], location.path, S3, "on AWS S3"
        if _AWS_PATH_HOST.match(host):
            bucket, _, key = location.path.partition("/")
            return bucket, key, S3, "on AWS S3"
    if location.scheme == "s3" and ":" not in location.netloc:
        return location.netloc, location.path, S3, "on AWS S3"
    bucket = location.path.partition("/")[0]
    return bucket, "", "", f"at {location.netloc}"


def _lifetime(requested: int | None) -> int:
    if requested is None:
        return get_settings().signed_url_lifetime_seconds
    if not 1 <= requested <= MAX_LIFETIME_SECONDS:
        raise ValidationFailed(
            f"A link can live from 1 second to 7 days ({MAX_LIFETIME_SECONDS} seconds).", "expires_in"
        )
    return requested


def sign_storage_url(user_id: int, url: str, lifetime_seconds: int | None = None) -> SignedLink:
    """A time-limited GET link for the object `url` names. S3 family: a SigV4 presigned URL (no network call).
    Azure: we hold a SAS, not an account key, so we cannot mint a narrower SAS, and a blob URL plus the stored SAS
    would hand the SAS itself to the browser; instead the link points at our own `storage.blob` route with a
    signed, expiring token, and the server fetches the blob (see `open_blob_link`)."""
    location = parse_storage_url(url)
    lifetime = _lifetime(lifetime_seconds)
    row_id, key = _find_row(user_id, location)
    if not key or key.endswith("/"):
        raise ValidationFailed("This storage URL names a bucket or folder, not an object.", "url")
    credentials = cloud_access.stored_credentials(user_id, row_id)
    if credentials.provider == AZURE:
        _, sas_expiry = parse_sas(credentials.secret)
        expires_at = min(utcnow().replace(microsecond=0) + timedelta(seconds=lifetime), sas_expiry)
        link = _blob_link(user_id, row_id, key, expires_at)
        return SignedLink(link, expires_at, credentials.provider, credentials.bucket, key)
    signed_at = utcnow().replace(microsecond=0)
    link = storage_providers.s3_client(credentials).generate_presigned_url(
        "get_object", Params={"Bucket": credentials.bucket, "Key": key}, ExpiresIn=lifetime
    )
    return SignedLink(link, signed_at + timedelta(seconds=lifetime), credentials.provider, credentials.bucket, key)


# ---------------------------------------------------------------------------------------------------- Azure links

BLOB_ROUTE = "storage.blob"
_BLOB_TOKEN_PURPOSE = b"profile-storage-blob-link-v1"


class BlobLinkInvalid(NotFound):
    def __init__(self, message: str = "This storage link is not valid or has expired. Ask for a new one."):
        super().__init__(message)


def _blob_link_key() -> bytes:
    """A key for blob-link tokens only, derived from the secret key, so no other token of ours verifies here."""
    return hmac.new(get_settings().secret_key.encode(), _BLOB_TOKEN_PURPOSE, hashlib.sha256).digest()


def _blob_link(user_id: int, row_id: int, key: str, expires_at: datetime) -> str:
    claims = {"purpose": "blob", "uid": user_id, "rid": row_id, "key": key, "exp": int(expires_at.timestamp())}
    token = jwt.encode(claims, _blob_link_key(), algorithm="HS256")
    return f"{get_settings().api_url}/{BLOB_ROUTE}?{urlencode({'token': token})}"


# A few downloads at once per link owner, across workers; each one's lease outlasts its longest transfer.
BLOB_SLOTS_PER_USER = 3
BLOB_LEASE = timedelta(seconds=storage_providers.BLOB_OPEN_DEADLINE_S + storage_providers.BLOB_TRANSFER_DEADLINE_S + 30)
# Served inline from our origin: pictures, sound and video (not SVG, which is a document that can hold script).
INLINE_MEDIA = re.compile(r"^(image/(?!svg)[a-z0-9.+-]+|audio/[a-z0-9.+-]+|video/[a-z0-9.+-]+)$")


_UNAVAILABLE = (TimeoutError, OSError, httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError)


class StorageUnavailable(DomainError):
    def __init__(self):
        super().__init__("The storage account did not answer. Try again later.")


class TooManyDownloads(DomainError):
    def __init__(self):
        super().__init__(
            f"At most {BLOB_SLOTS_PER_USER} downloads from these storage links can run at once. Wait for one to "
            "finish, then try again."
        )


def served_inline(content_type: str) -> bool:
    """Whether a blob of this type may open in the browser; anything else is served as a download."""
    return bool(INLINE_MEDIA.match(content_type.split(";", 1)[0].strip().lower()))


class BlobDownload:
    """An open blob for the route to stream: `chunks()`, then `aclose()` (idempotent; gives the slot back)."""

    def __init__(self, stream: storage_providers.BlobStream, held: outbound.Claim, key: str):
        self._stream, self._held = stream, held
        self.status_code = stream.status_code
        self.content_type = stream.content_type
        self.content_length = stream.content_length
        self.filename = key.rsplit("/", 1)[-1] or "download"

    def chunks(self):
        return self._stream.chunks()

    async def aclose(self) -> None:
        held, self._held = self._held, None
        try:
            await self._stream.aclose()
        finally:
            if held is not None:
                outbound.release(held)


async def open_blob_link(token: str) -> BlobDownload:
    """Check a blob-link token (signature, expiry, the row still exists and is the same user's), take one of the
    owner's download slots, and open the blob with the stored SAS (outbound safety: vetted, pinned address)."""
    try:
        claims = jwt.decode(token, _blob_link_key(), algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise BlobLinkInvalid("This storage link has expired. Ask for a new one.") from None
    except jwt.PyJWTError:
        raise BlobLinkInvalid() from None
    if claims.get("purpose") != "blob":
        raise BlobLinkInvalid()
    try:
        user_id, row_id, key = int(claims["uid"]), int(claims["rid"]), str(claims.get("key", ""))
        credentials = cloud_access.stored_credentials(user_id, row_id)
    except (KeyError, TypeError, ValueError):
        raise BlobLinkInvalid() from None
    except NotFound:
        raise BlobLinkInvalid("The access keys behind this link were removed.") from None
    if credentials.provider != AZURE:
        raise BlobLinkInvalid()
    held = outbound.claim(user_id, outbound.ClaimKind.STORAGE_BLOB, BLOB_SLOTS_PER_USER, BLOB_LEASE)
    if held is None:
        raise TooManyDownloads()
    try:
        stream = await storage_providers.open_azure_blob(credentials, key)
    except BaseException as error:
        outbound.release(held)
        if isinstance(error, outbound.OutboundRefused | outbound.HostUnresolvable):
            raise
        if isinstance(error, _UNAVAILABLE):
            raise StorageUnavailable() from None
        raise
    return BlobDownload(stream, held, key)
