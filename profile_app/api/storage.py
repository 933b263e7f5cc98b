"""`<api_server>/storage.sign_url`: a server-signed, time-limited link for a storage URL, for the bearer token
that auth.login issues. Thin: resolve the caller, call the signing service, envelope the answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from profile_app.api.deps import ApiCaller, current_caller
from profile_app.api.envelope import ApiFailure, ok, request_payload, whole_number
from profile_app.services import signing
from profile_app.services.errors import DomainError, NotFound

router = APIRouter(tags=["storage"])
SUBCODE_NOT_FOUND = 2
# The blob's bytes and content type come from a storage account that any user can fill, yet they are served from
# our own origin: a text/html or SVG blob would run its scripts beside the app (and read its cookies). A sandboxed,
# no-sniff response keeps any such document in an opaque origin with scripts off (images and files still open),
# and no Referer carries the link's token onwards.
BLOB_RESPONSE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def sign_url(request: Request, caller: ApiCaller = Depends(current_caller)) -> JSONResponse:  # noqa: B008
    payload = await request_payload(request)
    url = payload.get("url")
    if not isinstance(url, str):
        raise ApiFailure(400, "Give the storage URL to sign in `url`.")
    try:
        link = signing.sign_storage_url(caller.user_id, url, whole_number(payload, "expires_in", "seconds"))
    except NotFound as exc:
        raise ApiFailure(400, exc.message, SUBCODE_NOT_FOUND) from exc
    except DomainError as exc:
        raise ApiFailure(400, exc.message) from exc
    return ok(
        request,
        {
            "url": link.url,
            "expires": link.expires_at.isoformat(),
            "provider": link.provider,
            "bucket": link.bucket,
            "key": link.key,
        },
    )


for _path, _in_schema in (("/storage.sign_url", True), ("/v{api_version}/storage.sign_url", False)):
    router.add_api_route(
        _path, sign_url, methods=["GET", "POST"], response_class=JSONResponse, include_in_schema=_in_schema
    )


def open_blob(request: Request, token: str = "") -> StreamingResponse:
    """The target of an Azure signed link: the token is the capability (no bearer header; a browser follows it)."""
    try:
        download = signing.open_blob_link(token)
    except NotFound as exc:
        raise ApiFailure(404, exc.message, SUBCODE_NOT_FOUND) from exc
    except DomainError as exc:
        raise ApiFailure(502, exc.message) from exc
    if download.status_code != 200:
        download.close()
        if download.status_code == 404:
            raise ApiFailure(404, "The object does not exist in this container.", SUBCODE_NOT_FOUND)
        raise ApiFailure(502, f"The storage account refused the request (HTTP {download.status_code}).")
    headers = dict(BLOB_RESPONSE_HEADERS)
    if download.content_length:
        headers["Content-Length"] = download.content_length
    return StreamingResponse(
        download.chunks(), media_type=download.content_type, headers=headers, background=BackgroundTask(download.close)
    )


router.add_api_route(f"/{signing.BLOB_ROUTE}", open_blob, methods=["GET"], include_in_schema=True)
