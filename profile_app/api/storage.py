"""Storage: ClearML 2.0's storage.get_settings / storage.set_settings over the caller's Cloud access rows, and our
signed links (storage.sign_url, and storage.blob, which a browser follows to an Azure blob).

Mapping to ClearML's settings document: `aws.buckets` holds the AWS S3, S3-compatible and Google Cloud Storage
(HMAC, host storage.googleapis.com) rows, with ClearML's `host` (host[:port]) and `secure` (https) for the
endpoint; `azure.containers` holds the Azure rows (`account_name`, `container_name`, and the SAS in
`account_key`). Secrets are write-only: answers never carry `secret`, `token` or `account_key`, and a set without
one keeps the stored one. A set replaces the sections it names, as in ClearML."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit

import anyio
from fastapi.responses import StreamingResponse

from profile_app.api import errors
from profile_app.api.auth import timestamp
from profile_app.api.errors import ApiError
from profile_app.api.registry import Auth, Call, endpoint
from profile_app.services import cloud_access, signing
from profile_app.services.cloud_access import CloudAccessInput, CloudAccessRow, CloudEntryInvalid
from profile_app.services.cloud_validation import azure_account_name
from profile_app.services.storage_providers import AZURE, GCS, GCS_ENDPOINT, S3, S3_COMPATIBLE

AWS_PROVIDERS = (S3, S3_COMPATIBLE, GCS)
GCS_HOST = urlsplit(GCS_ENDPOINT).netloc
# The blob's bytes and content type come from a storage account that any user can fill, yet they are served from
# our own origin: a sandboxed, no-sniff response keeps any document in an opaque origin with scripts off, no
# Referer carries the link's token onwards, and anything but pictures, sound and video is a download.
BLOB_RESPONSE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Per section: the request fields of one entry, which service field each maps to, and what must stay unset.
AWS_BUCKET_FIELDS = {
    "bucket": str,
    "subdir": str,
    "host": str,
    "key": str,
    "secret": str,
    "token": str,
    "multipart": bool,
    "acl": str,
    "secure": bool,
    "region": str,
    "verify": bool,
    "use_credentials_chain": bool,
}
AZURE_CONTAINER_FIELDS = {"account_name": str, "account_key": str, "container_name": str}
AWS_ERROR_FIELDS = {"provider": "host", "bucket": "bucket", "key": "key", "secret": "secret"}
AZURE_ERROR_FIELDS = {"provider": "account_name", "bucket": "container_name", "host": "account_name"}
AZURE_ERROR_FIELDS |= {"secret": "account_key", "key": "account_key", "token": "account_key", "region": "account_name"}


# ---------------------------------------------------------------------------------------------------- settings


def _aws_bucket(row: CloudAccessRow) -> dict[str, Any]:
    parts = urlsplit(row.host) if row.host else None
    return {
        "bucket": row.bucket,
        "subdir": "",
        "host": parts.netloc if parts else "",
        "key": row.key,
        "multipart": True,
        "acl": "",
        "secure": parts is None or parts.scheme == "https",
        "region": row.region,
        "verify": True,
        "use_credentials_chain": False,
    }


def _azure_container(row: CloudAccessRow) -> dict[str, Any]:
    return {"account_name": azure_account_name(row.host) or row.host, "container_name": row.bucket}


@endpoint("storage.get_settings", closed=True)
def get_settings(call: Call) -> dict:
    """The caller's Cloud access rows as ClearML's storage settings (secrets never included)."""
    rows = cloud_access.list_cloud_access(call.caller.user_id)
    document: dict[str, Any] = {
        "aws": {
            "key": "",
            "region": "",
            "use_credentials_chain": False,
            "buckets": [_aws_bucket(row) for row in rows if row.provider in AWS_PROVIDERS],
        },
        "google": {"project": "", "buckets": []},
        "azure": {"containers": [_azure_container(row) for row in rows if row.provider == AZURE]},
    }
    if updates := [row.updated_at for row in rows if row.updated_at]:
        document["last_update"] = timestamp(max(updates))
    # clearml-server answers {"settings": document} (its web app reads res.settings); the schema lists the
    # document's fields at the top level. Both are here.
    return {**document, "settings": document}


def _checked(values: dict, where: str, allowed: dict[str, type]) -> dict:
    """`values` without nulls, if every key is a known setting of the right JSON type (else a 400/12)."""
    for key, value in values.items():
        expected = allowed.get(key)
        if expected is None:
            raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {where}.{key} is not a setting")
        if value is not None and (isinstance(value, bool) != (expected is bool) or not isinstance(value, expected)):
            raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {where}.{key} has the wrong type")
    return {key: value for key, value in values.items() if value is not None}


def _section(payload: dict, name: str, allowed: dict[str, type]) -> dict:
    return _checked(payload[name], name, allowed)


def _entries(section: dict, path: str, list_name: str, fields: dict[str, type]) -> list[dict]:
    entries = []
    for index, entry in enumerate(section.get(list_name) or []):
        where = f"{path}.{list_name}[{index}]"
        if not isinstance(entry, dict):
            raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {where} must be an object")
        entries.append(_checked(entry, where, fields))
    return entries


def _unsupported(where: str, reason: str) -> ApiError:
    return ApiError(errors.VALIDATION_ERROR, f"Validation error: {where}: {reason}")


def _aws_inputs(payload: dict) -> list[CloudAccessInput]:
    section = _section(
        payload,
        "aws",
        {"key": str, "secret": str, "region": str, "token": str, "use_credentials_chain": bool, "buckets": list},
    )
    for name in ("key", "secret", "region", "token"):
        if section.get(name):
            raise _unsupported(f"aws.{name}", "this server keeps keys per bucket; give them in aws.buckets")
    if section.get("use_credentials_chain"):
        raise _unsupported("aws.use_credentials_chain", "this server only uses the keys you give it")
    inputs = []
    for index, entry in enumerate(_entries(section, "aws", "buckets", AWS_BUCKET_FIELDS)):
        where = f"aws.buckets[{index}]"
        if entry.get("subdir") or entry.get("acl"):
            raise _unsupported(f"{where}.{'subdir' if entry.get('subdir') else 'acl'}", "not supported here")
        if entry.get("verify") is False or entry.get("use_credentials_chain"):
            name = "verify" if entry.get("verify") is False else "use_credentials_chain"
            raise _unsupported(f"{where}.{name}", "not supported here")
        host = entry.get("host", "").strip()
        if host and "://" not in host:
            host = ("https://" if entry.get("secure", True) else "http://") + host
        hostname = (urlsplit(host).hostname or "") if host else ""
        provider = S3 if not host else GCS if hostname == GCS_HOST else S3_COMPATIBLE
        inputs.append(
            CloudAccessInput(
                provider=provider,
                bucket=entry.get("bucket", ""),
                key=entry.get("key", ""),
                secret=entry.get("secret", ""),
                token=entry.get("token", ""),
                region=entry.get("region", ""),
                host=host,
            )
        )
    return inputs


def _azure_inputs(payload: dict) -> list[CloudAccessInput]:
    section = _section(payload, "azure", {"containers": list})
    return [
        CloudAccessInput(
            provider=AZURE,
            bucket=entry.get("container_name", ""),
            secret=entry.get("account_key", ""),
            host=entry.get("account_name", ""),
        )
        for entry in _entries(section, "azure", "containers", AZURE_CONTAINER_FIELDS)
    ]


def _check_google(payload: dict) -> None:
    section = _section(payload, "google", {"project": str, "credentials_json": str, "buckets": list})
    if section.get("credentials_json") or section.get("project") or section.get("buckets"):
        raise _unsupported(
            "google",
            "service-account JSON is not supported here; give a Cloud Storage HMAC key in aws.buckets with host "
            f"{GCS_HOST}",
        )


@endpoint("storage.set_settings", fields={"aws": dict, "google": dict, "azure": dict})
def set_settings(call: Call) -> dict:
    """Replace the caller's rows of the sections given (aws, azure), with the Cloud access section's validation
    and encryption, in one transaction; an entry without a secret keeps the stored one."""
    given = [name for name in ("aws", "google", "azure") if call.payload.get(name) is not None]
    if not given:
        raise ApiError(errors.VALIDATION_ERROR, "Validation error: no settings were provided")
    if "google" in given:
        _check_google(call.payload)
    aws = _aws_inputs(call.payload) if "aws" in given else []
    azure = _azure_inputs(call.payload) if "azure" in given else []
    providers = (AWS_PROVIDERS if "aws" in given else ()) + ((AZURE,) if "azure" in given else ())
    try:
        cloud_access.replace_cloud_access(call.caller.user_id, providers, [*aws, *azure])
    except CloudEntryInvalid as error:
        if error.index < len(aws):
            where, field = f"aws.buckets[{error.index}]", AWS_ERROR_FIELDS.get(error.field, error.field)
        else:
            index = error.index - len(aws)
            where, field = f"azure.containers[{index}]", AZURE_ERROR_FIELDS.get(error.field, error.field)
        raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {where}.{field}: {error.message}") from None
    return {"updated": 1}


# ---------------------------------------------------------------------------------------------------- links


@endpoint("storage.sign_url", fields={"url": str, "expires_in": int}, required=("url",))
def sign_url(call: Call) -> dict:
    """A server-signed, time-limited link for a storage URL (s3://, gs://, azure://, https://)."""
    link = signing.sign_storage_url(call.caller.user_id, call.payload["url"], call.payload.get("expires_in"))
    return {
        "url": link.url,
        "expires": link.expires_at.isoformat(),
        "provider": link.provider,
        "bucket": link.bucket,
        "key": link.key,
    }


class _ClosingStreamingResponse(StreamingResponse):
    """Closes the upstream download (and gives its slot back) however the response ends, client gone included."""

    def __init__(self, download: signing.BlobDownload, **kwargs):
        super().__init__(download.chunks(), **kwargs)
        self._download = download

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._download.aclose()


def _attachment(filename: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c for c in ascii_name if c.isalnum() or c in "._- ") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@endpoint("storage.blob", auth=Auth.NONE, fields={"token": str}, not_found=errors.LINK_NOT_FOUND)
async def blob(call: Call) -> StreamingResponse:
    """The target of an Azure signed link: the token is the capability (a browser follows it, no header)."""
    download = await signing.open_blob_link(call.payload.get("token") or "")
    if download.status_code != 200:
        await download.aclose()
        if download.status_code == 404:
            raise ApiError(errors.LINK_NOT_FOUND, "The object does not exist in this container.")
        raise ApiError(
            errors.STORAGE_UNAVAILABLE, f"The storage account refused the request (HTTP {download.status_code})."
        )
    headers = dict(BLOB_RESPONSE_HEADERS)
    if download.content_length.isdigit():
        headers["Content-Length"] = download.content_length
    if not signing.served_inline(download.content_type):
        headers["Content-Disposition"] = _attachment(download.filename)
    return _ClosingStreamingResponse(download, media_type=download.content_type, headers=headers)
