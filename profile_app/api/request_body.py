"""A ClearML request's parameters: a JSON object in the body (even with GET) merged over the query parameters, read
within bounds. A body over MAX_BODY_BYTES is refused from its Content-Length, or while reading when it has none,
and JSON nested deeper than MAX_JSON_DEPTH before it is parsed (Python's parser would recurse until it crashes)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect

from profile_app.api.errors import BAD_REQUEST, ApiError

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_declared_length(request: Request) -> None:
    """Refuse an announced oversized body before anything reads it (or authenticates its sender)."""
    declared = request.headers.get("content-length", "").strip()
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise ApiError(BAD_REQUEST, _too_large())


def _too_large() -> str:
    return f"Request body too large (at most {MAX_BODY_BYTES // 1024} KiB)."


async def _read_capped(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ApiError(BAD_REQUEST, _too_large())
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(BAD_REQUEST, "The request body was cut off.") from None
    return b"".join(chunks)


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (counted without parsing)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        part = match.group()
        if part in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif part in ("]", "}"):
            depth -= 1
    return False


def _query_value(text: str) -> Any:
    """ClearML's reading of a query value: numbers and true/false become JSON values, the rest stays text."""
    if text.replace(".", "", 1).isdigit():
        return float(text) if "." in text else int(text)
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    return text


def _query_payload(request: Request) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for key in request.query_params:
        values = [_query_value(v) for v in request.query_params.getlist(key)]
        value = values if len(values) > 1 or key.endswith("[]") else values[0]
        *parents, last = key.removesuffix("[]").split(".")
        target = payload
        for part in parents:
            existing = target.get(part)
            target = target.setdefault(part, {}) if isinstance(existing, dict) or existing is None else {}
        target[last] = value
    return payload


def _has_no_body(request: Request) -> bool:
    """An HTTP/1.x request that announces no body (no Content-Length and no Transfer-Encoding, RFC 9112 section 6.3;
    or a Content-Length of 0): then there is nothing to wait for. The SDK's GETs (auth.login) are such requests, and
    awaiting the server's empty body message was a visible share of them. HTTP/2 may send a body without a length,
    so it is always read."""
    if request.scope.get("http_version") not in ("1.0", "1.1"):
        return False
    headers = request.headers
    return headers.get("content-length", "").strip() in ("", "0") and "transfer-encoding" not in headers


async def read_payload(request: Request) -> dict[str, Any]:
    """The request's parameters as one object, or a 400 envelope saying what is wrong with the body."""
    payload = _query_payload(request) if request.scope.get("query_string") else {}
    if _has_no_body(request):
        return payload
    raw = await _read_capped(request)
    if raw.strip():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(BAD_REQUEST, "Invalid request body (expected UTF-8 JSON).") from exc
        if json_depth_exceeds(text):
            raise ApiError(BAD_REQUEST, f"Invalid request body (JSON nested deeper than {MAX_JSON_DEPTH} levels).")
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ApiError(BAD_REQUEST, "Invalid request body (expected a JSON object).") from exc
        if not isinstance(parsed, dict):
            raise ApiError(BAD_REQUEST, "Invalid request body (expected a JSON object).")
        payload.update(parsed)
    return payload
