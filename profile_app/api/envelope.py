"""ClearML-shaped response bodies: every answer is `{"meta": {...}, "data": {...}}`, errors included, because the
SDK reads `meta.result_msg` to explain a failure. `requested_version` is the version the path asked for (the
highest we serve when it names none); `actual_version` is the version of the endpoint definition that served it."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.responses import JSONResponse

from profile_app.api.errors import ResultCode


def envelope(
    name: str,
    requested_version: str | None,
    actual_version: str | None,
    data: dict[str, Any] | None,
    *,
    result: ResultCode | None = None,
    message: str = "OK",
) -> JSONResponse:
    code, subcode = (result.code, result.subcode) if result else (200, 0)
    body = {
        "meta": {
            # 32 random hex digits, the shape uuid4().hex had, without building two UUID objects per answer.
            "id": secrets.token_hex(16),
            "trx": secrets.token_hex(16),
            "endpoint": {"name": name, "requested_version": requested_version, "actual_version": actual_version},
            "result_code": code,
            "result_subcode": subcode,
            "result_msg": message,
            "error_stack": None,
            "error_data": {},
        },
        "data": data if data is not None else {},
    }
    return JSONResponse(body, status_code=code)
