"""The storage providers themselves: their names, how to reach a bucket, "Test access" and fetching an Azure blob.

Every call here is asynchronous and goes through `outbound.connection_pool()` (vetted, pinned addresses; no thread
held while a host is slow), with an overall deadline on top of the per-read timeouts. S3-family requests are signed
with botocore's SigV4 signer and sent with httpcore; presigned links (no network) still use a boto3 client."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote

import httpcore

from profile_app.models import utcnow
from profile_app.services import outbound

S3, S3_COMPATIBLE, GCS, AZURE = "s3", "s3compat", "gcs", "azure"
PROVIDER_LABELS = {
    S3: "AWS S3",
    S3_COMPATIBLE: "S3-compatible",
    GCS: "Google Cloud Storage",
    AZURE: "Azure Blob",
}
GCS_ENDPOINT = "https://storage.googleapis.com"
DEFAULT_REGION = "us-east-1"
AZURE_API_VERSION = "2021-08-06"
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 5.0
# Test access makes two requests; whatever the host does (trickle bytes, stall), the answer comes within this.
ACCESS_TEST_DEADLINE_S = 15.0
# A blob link: headers must arrive within the first, each later read within the second, the whole within the third.
BLOB_OPEN_DEADLINE_S = 15.0
BLOB_READ_TIMEOUT_S = 30.0
BLOB_TRANSFER_DEADLINE_S = 600.0
ERROR_BODY_LIMIT = 64 * 1024

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


@dataclass(frozen=True)
class AccessTestResult:
    outcome: str
    message: str
    region: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def parse_sas_time(text: str) -> datetime | None:
    text = text.strip()
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _what_to_check(credentials: StoredCredentials) -> str:
    """Where a user looks when the server cannot reach their storage: AWS has no host to check."""
    if credentials.provider == S3:
        return "Check the Region."
    if credentials.provider == AZURE:
        return "Check the storage account."
    if credentials.provider == GCS and credentials.host == GCS_ENDPOINT:
        return ""
    return "Check the Host (Endpoint)."


def _outcome_message(outcome: str, credentials: StoredCredentials, region: str = "", detail: str = "") -> str:
    where = {
        S3: "AWS S3",
        AZURE: "The storage account",
        GCS: "Google Cloud Storage",
    }.get(credentials.provider, "The host")
    unreachable = f"{where} did not answer." if credentials.provider != S3_COMPATIBLE else "Host unreachable."
    return {
        OK: f"Access OK (region {region})." if region else "Access OK.",
        BUCKET_NOT_FOUND: f"Bucket not found: {credentials.bucket!r} does not exist there.",
        ACCESS_DENIED: "Access denied: these keys may not list this bucket.",
        INVALID_ACCESS_KEY: "Invalid access key: the server does not know this Key.",
        SIGNATURE_MISMATCH: "Signature mismatch: the secret key is wrong.",
        TOKEN_INVALID: "The session token is expired or invalid.",
        WRONG_REGION: f"Wrong region: the bucket is in {region}." if region else "Wrong region for this bucket.",
        SAS_EXPIRED: "The SAS has expired (or is not valid yet). Create a new one.",
        SAS_INVALID: "The SAS is invalid: the storage account rejected its signature.",
        UNREACHABLE: f"{unreachable} Nothing answered at its address. {_what_to_check(credentials)}".strip(),
        TIMED_OUT: "Timed out: the storage did not answer in time.",
        TLS_ERROR: "TLS error: the storage's certificate or TLS setup could not be verified.",
        FAILED: "The check failed" + (f": {detail}" if detail else "."),
    }[outcome]


def _result(outcome: str, credentials: StoredCredentials, region: str = "", detail: str = "") -> AccessTestResult:
    return AccessTestResult(outcome, _outcome_message(outcome, credentials, region, detail), region)


# ---------------------------------------------------------------------------------------------------- S3 family


def s3_client(credentials: StoredCredentials):
    """A boto3 S3 client for presigning links (no network): path-style for custom hosts, one attempt."""
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


def bucket_url(credentials: StoredCredentials) -> str:
    """The bucket's URL: path-style under a custom host; on AWS virtual-hosted (path-style for dotted names,
    which TLS cannot cover with the wildcard certificate)."""
    bucket = quote(credentials.bucket)
    if credentials.host:
        return f"{credentials.host}/{bucket}"
    region = credentials.region or DEFAULT_REGION
    if "." in credentials.bucket:
        return f"https://s3.{region}.amazonaws.com/{bucket}"
    return f"https://{bucket}.s3.{region}.amazonaws.com/"


def _signed_headers(method: str, url: str, credentials: StoredCredentials) -> list[tuple[str, str]]:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, headers={"User-Agent": "profile-app"})
    signer_credentials = Credentials(credentials.key, credentials.secret, credentials.token or None)
    S3SigV4Auth(signer_credentials, "s3", credentials.region or DEFAULT_REGION).add_auth(request)
    return list(request.headers.items())


_S3_CODES = {
    "NoSuchBucket": BUCKET_NOT_FOUND,
    "NotFound": BUCKET_NOT_FOUND,
    "AccessDenied": ACCESS_DENIED,
    "AllAccessDisabled": ACCESS_DENIED,
    "AccountProblem": ACCESS_DENIED,
    "InvalidAccessKeyId": INVALID_ACCESS_KEY,
    "SignatureDoesNotMatch": SIGNATURE_MISMATCH,
    "ExpiredToken": TOKEN_INVALID,
    "InvalidToken": TOKEN_INVALID,
    "TokenRefreshRequired": TOKEN_INVALID,
    "PermanentRedirect": WRONG_REGION,
    "AuthorizationHeaderMalformed": WRONG_REGION,
    "IllegalLocationConstraintException": WRONG_REGION,
}
_S3_STATUSES = {404: BUCKET_NOT_FOUND, 403: ACCESS_DENIED, 301: WRONG_REGION}


def _xml_value(body: str, tag: str, limit: int = 200) -> str:
    """One element's text, read with a regex (no XML parser for an untrusted body)."""
    found = re.search(rf"<{tag}>([^<]{{0,{limit}}})</{tag}>", body)
    return found.group(1) if found else ""


def _header(response: httpcore.Response, name: str) -> str:
    for key, value in response.headers:
        if key.decode("latin-1").lower() == name:
            return value.decode("latin-1")
    return ""


async def _request(pool, method: str, url: str, headers: list[tuple[str, str]]) -> tuple[httpcore.Response, str]:
    """Send, and read at most ERROR_BODY_LIMIT bytes of the answer (a test needs the error code, not the data)."""
    async with pool.stream(
        method, url, headers=headers, extensions=outbound.timeouts(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    ) as response:
        body = b""
        async for chunk in response.aiter_stream():
            body += chunk
            if len(body) >= ERROR_BODY_LIMIT:
                break
    return response, body.decode("utf-8", "replace")


async def _s3_test(credentials: StoredCredentials) -> AccessTestResult:
    url = bucket_url(credentials)
    async with outbound.connection_pool() as pool:
        head, _ = await _request(pool, "HEAD", url, _signed_headers("HEAD", url, credentials))
        region = _header(head, "x-amz-bucket-region")
        if head.status == 404:
            return _result(BUCKET_NOT_FOUND, credentials)
        if head.status in (301, 400) and region and region != (credentials.region or DEFAULT_REGION):
            return _result(WRONG_REGION, credentials, region)
        # A HEAD answer has no body: a 403 may be a bad key or a wrong secret; the GET below says which.
        list_url = f"{url}?list-type=2&max-keys=1"
        listing, body = await _request(pool, "GET", list_url, _signed_headers("GET", list_url, credentials))
    if listing.status == 200:
        region = region or credentials.region or DEFAULT_REGION
        return _result(OK, credentials, region)
    code = _xml_value(body, "Code", 100)
    region = _xml_value(body, "Region", 40) or _header(listing, "x-amz-bucket-region") or region
    outcome = _S3_CODES.get(code) or _S3_STATUSES.get(listing.status, FAILED)
    return _result(outcome, credentials, region, code or f"HTTP {listing.status}")


# ---------------------------------------------------------------------------------------------------- Azure


def azure_blob_url(host: str, container: str, blob_path: str, sas: str) -> str:
    """Blob URL with the SAS as its query; the path is percent-encoded segment by segment."""
    return f"{host}/{quote(container)}/{quote(blob_path, safe='/')}?{sas}"


def _sas_time_window_problem(credentials: StoredCredentials) -> AccessTestResult | None:
    """An expired or not-yet-valid SAS is known without asking Azure (whose answer is less specific)."""
    values = parse_qs(credentials.secret)
    now = utcnow()
    expiry = parse_sas_time(values.get("se", [""])[0])
    if expiry is not None and expiry <= now:
        return AccessTestResult(SAS_EXPIRED, f"This SAS expired on {expiry:%Y-%m-%d %H:%M} UTC. Create a new one.")
    start = parse_sas_time(values.get("st", [""])[0])
    if start is not None and start > now:
        return AccessTestResult(SAS_EXPIRED, f"This SAS is not valid until {start:%Y-%m-%d %H:%M} UTC.")
    return None


async def _azure_test(credentials: StoredCredentials) -> AccessTestResult:
    if local := _sas_time_window_problem(credentials):
        return local
    container = f"{credentials.host}/{quote(credentials.bucket)}"
    url = f"{container}?restype=container&comp=list&maxresults=1&{credentials.secret}"
    async with outbound.connection_pool() as pool:
        response, body = await _request(pool, "GET", url, [("x-ms-version", AZURE_API_VERSION)])
    if response.status == 200:
        return _result(OK, credentials)
    code = _xml_value(body, "Code", 100)
    detail = _xml_value(body, "AuthenticationErrorDetail", 500)
    if code == "ContainerNotFound" or (response.status == 404 and not code):
        outcome = BUCKET_NOT_FOUND
    elif code == "AuthenticationFailed":
        outcome = SAS_EXPIRED if "time frame" in detail or "expired" in detail.lower() else SAS_INVALID
    elif code == "AuthorizationFailure" and "failed to authenticate" in body:
        outcome = SAS_INVALID  # Azurite's wording for a signature it cannot verify
    elif code.startswith(("AuthorizationPermissionMismatch", "AuthorizationFailure")):
        outcome = ACCESS_DENIED
    elif response.status == 403:
        outcome = SAS_INVALID
    else:
        return _result(FAILED, credentials, detail=code or f"HTTP {response.status}")
    return _result(outcome, credentials)


# ---------------------------------------------------------------------------------------------------- Test access


async def test_access(credentials: StoredCredentials) -> AccessTestResult:
    """Check the bucket with these credentials; every failure is an outcome with a message, never an exception."""
    check = _azure_test if credentials.provider == AZURE else _s3_test
    try:
        async with asyncio.timeout(ACCESS_TEST_DEADLINE_S):
            return await check(credentials)
    except TimeoutError:
        return _result(TIMED_OUT, credentials)
    except outbound.OutboundRefused as refusal:
        return AccessTestResult(REFUSED, refusal.message)
    except outbound.HostUnresolvable as error:
        return AccessTestResult(UNREACHABLE, f"{error.message} {_what_to_check(credentials)}".strip())
    except (httpcore.TimeoutException, httpcore.PoolTimeout):
        return _result(TIMED_OUT, credentials)
    except httpcore.ConnectError as error:
        return _result(TLS_ERROR if outbound.tls_failure(error) else UNREACHABLE, credentials)
    except (httpcore.NetworkError, httpcore.ProtocolError):
        return _result(UNREACHABLE, credentials)


test_access.__test__ = False  # not a pytest test, despite its name


# ---------------------------------------------------------------------------------------------------- blobs


class BlobStream:
    """An open response from the storage account: iterate `chunks()`, then `aclose()` (idempotent)."""

    def __init__(self, stack: AsyncExitStack, response: httpcore.Response):
        self._stack = stack
        self._response = response
        self.status_code = response.status
        self.content_type = _header(response, "content-type") or "application/octet-stream"
        self.content_length = _header(response, "content-length")

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body; each read waits at most BLOB_READ_TIMEOUT_S, the whole at most BLOB_TRANSFER_DEADLINE_S."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BLOB_TRANSFER_DEADLINE_S
        async for chunk in self._response.aiter_stream():
            if loop.time() > deadline:
                raise TimeoutError("the storage transfer took longer than allowed")
            yield chunk

    async def aclose(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()


async def open_azure_blob(credentials: StoredCredentials, blob_path: str) -> BlobStream:
    """GET the blob with the stored SAS; returns once the headers are in (within BLOB_OPEN_DEADLINE_S).
    Raises outbound's refusals, TimeoutError, or an httpcore error."""
    url = azure_blob_url(credentials.host, credentials.bucket, blob_path, credentials.secret)
    stack = AsyncExitStack()
    try:
        pool = await stack.enter_async_context(outbound.connection_pool())
        async with asyncio.timeout(BLOB_OPEN_DEADLINE_S):
            response = await stack.enter_async_context(
                pool.stream(
                    "GET",
                    url,
                    headers=[("x-ms-version", AZURE_API_VERSION)],
                    extensions=outbound.timeouts(CONNECT_TIMEOUT_S, BLOB_READ_TIMEOUT_S),
                )
            )
    except BaseException:
        await stack.aclose()
        raise
    return BlobStream(stack, response)
