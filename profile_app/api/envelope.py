"""ClearML-shaped response bodies: every answer is `{"meta": {...}, "data": {...}}`, errors included, because the
SDK reads `meta.result_msg` to explain a failure."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

DEFAULT_VERSION = "2.23"


class ApiFailure(Exception):
    """Raised by routes and dependencies; rendered as a ClearML error envelope by `failure_handler`."""

    def __init__(self, status_code: int, message: str, subcode: int = 0):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.subcode = subcode


def endpoint_name(request: Request) -> str:
    """`auth.login` from `/api/auth.login` or `/api/v2.23/auth.login`."""
    return request.url.path.rstrip("/").rsplit("/", 1)[-1]


def requested_version(request: Request) -> str:
    for part in request.url.path.split("/"):
        if part.startswith("v") and part[1:].replace(".", "").isdigit():
            return part[1:]
    return DEFAULT_VERSION


def envelope(
    request: Request,
    data: dict[str, Any] | None,
    *,
    status_code: int = 200,
    message: str = "OK",
    subcode: int = 0,
) -> JSONResponse:
    version = requested_version(request)
    body = {
        "meta": {
            "id": uuid.uuid4().hex,
            "trx": uuid.uuid4().hex,
            "endpoint": {"name": endpoint_name(request), "requested_version": version, "actual_version": version},
            "result_code": status_code,
            "result_subcode": subcode,
            "result_msg": message,
            "error_stack": None,
            "error_data": {},
        },
        "data": data if data is not None else {},
    }
    return JSONResponse(body, status_code=status_code)


def ok(request: Request, data: dict[str, Any] | None = None) -> JSONResponse:
    return envelope(request, data)


def failure_handler(request: Request, exc: ApiFailure) -> JSONResponse:
    return envelope(request, None, status_code=exc.status_code, message=exc.message, subcode=exc.subcode)


async def request_payload(request: Request) -> dict[str, Any]:
    """ClearML clients send a JSON object in the body (even with GET); query parameters count too, the body wins."""
    payload: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw.strip():
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise ApiFailure(400, "Invalid request body (expected a JSON object)") from exc
        if not isinstance(parsed, dict):
            raise ApiFailure(400, "Invalid request body (expected a JSON object)")
        payload.update(parsed)
    return payload


def whole_number(payload: dict[str, Any], name: str, unit: str) -> int | None:
    """An optional whole-number field of a request body; a 400 envelope for anything else, including JSON's
    1e999 (infinity, which int() refuses with OverflowError)."""
    value = payload.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ApiFailure(400, f"{name} must be a whole number of {unit}") from exc
