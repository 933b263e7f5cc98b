"""One way to declare a ClearML endpoint, and the one dispatcher that serves them all.

An endpoint is a function registered with `@endpoint("service.action", versions=..., auth=..., fields=...)`. The
dispatcher answers `<api>/<service>.<action>` and `<api>/v<version>/<service>.<action>` for any method, in
clearml-server's order: find the endpoint (404/0 when there is none at that version), parse the Authorization
header once and authenticate, read and check the parameters, run the handler, and wrap the result (or the failure,
from the error table) in the envelope. Handlers are thin: they take a `Call` and call one service."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from profile_app.api import errors
from profile_app.api.envelope import envelope
from profile_app.api.errors import ApiError, ResultCode
from profile_app.api.request_body import check_declared_length, read_payload
from profile_app.api.session import request_address
from profile_app.services import credentials
from profile_app.services.credentials import TokenIdentity
from profile_app.services.errors import DomainError

API_PREFIX = "/api"
# clearml-server serves any method on an endpoint path (its Flask before_request handles every request).
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
WORKER_HEADERS = ("x-clearml-worker", "x-trains-worker")
# clearml-server's path grammar: an optional v<major.minor> then <service>.<action>.
_VERSION = re.compile(r"^\d+\.?\d+$")
_NAME = re.compile(r"^[a-zA-Z_]\w+\.[a-zA-Z_]\w+$")
log = logging.getLogger(__name__)


class Auth(Enum):
    NONE = "none"  # public; the Authorization header is not looked at
    OPTIONAL = "optional"  # a valid header identifies the caller; a missing or bad one is no error
    REQUIRED = "required"


@dataclass(frozen=True)
class Authorization:
    """The Authorization header, parsed once: its scheme (lowercased) and the rest."""

    scheme: str
    data: str

    @classmethod
    def parse(cls, header: str | None) -> Authorization | None:
        if header is None:
            return None
        scheme, _, data = header.strip().partition(" ")
        return cls(scheme.lower(), data.strip())


@dataclass
class Call:
    """One request to one endpoint, as its handler sees it."""

    request: Request
    name: str
    requested_version: str
    actual_version: str
    payload: dict[str, Any] = field(default_factory=dict)
    authorization: Authorization | None = None
    identity: TokenIdentity | None = None
    response_hooks: list[Callable[[Response], None]] = field(default_factory=list)

    @property
    def caller(self) -> TokenIdentity:
        if self.identity is None:  # only on Auth.NONE/OPTIONAL endpoints, which check before asking
            raise ApiError(errors.NO_CREDENTIALS, "Unauthorized (missing credentials)")
        return self.identity

    @property
    def client_from(self) -> str:
        """What "From" shows for a credential's last use: the SDK's worker name, else the client's address (the
        first untrusted hop when the request came through a trusted proxy)."""
        for header in WORKER_HEADERS:
            if worker := self.request.headers.get(header, "").strip():
                return worker
        return request_address(self.request)


@dataclass(frozen=True)
class Endpoint:
    name: str
    handler: Callable[[Call], Any]
    versions: tuple[str, ...]
    auth: Auth
    fields: dict[str, type]
    required: tuple[str, ...]
    closed: bool
    not_found: ResultCode
    is_async: bool

    def version_for(self, requested: str) -> str | None:
        """The highest version of this endpoint not above the requested one (clearml-server's rule)."""
        eligible = [v for v in self.versions if _version_key(v) <= _version_key(requested)]
        return max(eligible, key=_version_key) if eligible else None


ENDPOINTS: dict[str, Endpoint] = {}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def max_version() -> str:
    """The version an unversioned request asks for: the highest this server implements (clearml-server's
    _max_version); the token carries the same number for the SDK."""
    return credentials.API_VERSION


def endpoint(
    name: str,
    *,
    versions: tuple[str, ...] = ("1.0",),
    auth: Auth = Auth.REQUIRED,
    fields: dict[str, type] | None = None,
    required: tuple[str, ...] = (),
    closed: bool = False,
    not_found: ResultCode = errors.VALIDATION_ERROR,
) -> Callable:
    """Register a handler. `versions` are the API versions from which it serves, as clearml-server's handlers
    declare them (its default is 1.0: a handler serves every version until a newer one replaces it); the envelope's
    actual_version is the one that served. `fields` are the request's parameters and their JSON types (str, int,
    bool, dict, list); `closed` refuses any other parameter, as the schema's `additionalProperties: false` does."""

    def register(handler: Callable) -> Callable:
        import inspect

        ENDPOINTS[name] = Endpoint(
            name=name,
            handler=handler,
            versions=versions,
            auth=auth,
            fields=dict(fields or {}),
            required=required,
            closed=closed,
            not_found=not_found,
            is_async=inspect.iscoroutinefunction(handler),
        )
        return handler

    return register


# ---------------------------------------------------------------------------------------------------- checks

_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "an object", list: "a list"}


def _check_fields(spec: Endpoint, payload: dict[str, Any]) -> None:
    for name in spec.required:
        if payload.get(name) is None:
            raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {name} is required")
    for name, value in payload.items():
        expected = spec.fields.get(name)
        if expected is None:
            if spec.closed:
                raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {name} is not a parameter of {spec.name}")
            continue
        if value is None:
            continue
        if expected is int:
            matches = isinstance(value, int) and not isinstance(value, bool)
            matches = matches or (isinstance(value, float) and value.is_integer())
        else:
            matches = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if not matches:
            raise ApiError(errors.VALIDATION_ERROR, f"Validation error: {name} must be {_TYPE_NAMES[expected]}")
    for name, expected in spec.fields.items():
        if expected is int and isinstance(payload.get(name), float):
            payload[name] = int(payload[name])


def _authenticate(call: Call) -> TokenIdentity:
    authorization = call.authorization
    if authorization is None:
        raise ApiError(errors.NO_CREDENTIALS, "Unauthorized (missing credentials)")
    if authorization.scheme == "bearer":
        try:
            return credentials.authenticate_token(authorization.data)
        except DomainError as error:
            raise ApiError(errors.INVALID_TOKEN, f"Unauthorized ({error.message})") from error
    if authorization.scheme == "basic":
        try:
            decoded = base64.b64decode(authorization.data, validate=True).decode("latin-1")
        except (binascii.Error, ValueError) as error:
            raise ApiError(errors.BAD_CREDENTIALS, "Unauthorized (malformed credentials)") from error
        access_key, _, secret_key = decoded.partition(":")
        try:
            return credentials.authenticate_keys(access_key, secret_key, call.client_from)
        except DomainError as error:
            raise ApiError(errors.INVALID_CREDENTIALS, f"Unauthorized ({error.message})") from error
    raise ApiError(errors.BAD_AUTH_TYPE, "Unauthorized (bad authentication header type)")


# ---------------------------------------------------------------------------------------------------- dispatch


async def dispatch(request: Request, version: str | None, name: str) -> Response:
    requested = version or max_version()
    call = Call(request=request, name=name, requested_version=requested, actual_version=None)
    spec: Endpoint | None = None
    try:
        if (version is not None and not _VERSION.match(version)) or not _NAME.match(name):
            path = request.url.path.removeprefix(API_PREFIX)
            raise ApiError(errors.BAD_REQUEST, f"Invalid request path {path}")
        spec = ENDPOINTS.get(name)
        actual = spec.version_for(requested) if spec else None
        if spec is None or actual is None:
            raise ApiError(
                errors.ENDPOINT_NOT_FOUND, f"Unable to find endpoint for name {name} and version {requested}"
            )
        call.actual_version = actual
        check_declared_length(request)
        if spec.auth is not Auth.NONE:
            call.authorization = Authorization.parse(request.headers.get("authorization"))
            if spec.auth is Auth.REQUIRED:
                call.identity = await run_in_threadpool(_authenticate, call)
            elif call.authorization is not None:
                try:
                    call.identity = await run_in_threadpool(_authenticate, call)
                except ApiError:
                    call.identity = None
        call.payload = await read_payload(request)
        _check_fields(spec, call.payload)
        if spec.is_async:
            data = await spec.handler(call)
        else:
            data = await run_in_threadpool(spec.handler, call)
    except ApiError as failure:
        return envelope(name, requested, call.actual_version, None, result=failure.result, message=failure.message)
    except DomainError as failure:
        result = errors.result_for(failure, spec.not_found if spec else errors.VALIDATION_ERROR)
        return envelope(name, requested, call.actual_version, None, result=result, message=failure.message)
    except Exception:
        log.exception("API endpoint %s failed", name)
        return envelope(
            name, requested, call.actual_version, None, result=errors.SERVER_ERROR, message="General server error"
        )
    if isinstance(data, Response):
        return data
    response = envelope(name, requested, call.actual_version, data)
    for hook in call.response_hooks:
        hook(response)
    return response


async def _versioned(request: Request) -> Response:
    return await dispatch(request, request.path_params["version"], request.path_params["name"])


async def _unversioned(request: Request) -> Response:
    return await dispatch(request, None, request.path_params["name"])


async def _anything_else(request: Request) -> Response:
    return await dispatch(request, None, "/" + request.path_params["rest"])


def _plain_route(path: str, endpoint: Callable[[Request], Any]) -> Route:
    route = Route(path, endpoint, methods=METHODS, include_in_schema=False)
    route.methods = set(METHODS)  # Starlette adds HEAD beside GET; these paths answer exactly METHODS
    return route


def mount(api: FastAPI) -> None:
    """Three Starlette routes answer every path under the API prefix (`v<version>/<name>`, `<name>`, anything
    else) and hand it to `dispatch`, which looks the endpoint up in ENDPOINTS. They are plain routes, not FastAPI
    path operations: the dispatcher reads the request itself, and FastAPI's per-request work (dependency solving,
    exit stacks) was a fifth of an auth.login; the linear scan of two routes per endpoint went with it. The OpenAPI
    document still lists every endpoint, as one POST operation each. Call it after every other router is included:
    routes match in order."""
    api.router.routes.extend(
        [
            _plain_route(f"{API_PREFIX}/v{{version}}/{{name}}", _versioned),
            _plain_route(f"{API_PREFIX}/{{name}}", _unversioned),
            _plain_route(f"{API_PREFIX}/{{rest:path}}", _anything_else),
        ]
    )
    documented = [  # never routed: the operations the document shows, one per endpoint
        APIRoute(
            f"{API_PREFIX}/{name}",
            _unversioned,
            methods=["POST"],
            summary=(spec.handler.__doc__ or "").strip().split("\n")[0] or None,
            name=name,
        )
        for name, spec in sorted(ENDPOINTS.items())
    ]
    framework_openapi = api.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document of the app's own routes, plus the endpoints' operations (built once)."""
        schema = framework_openapi()
        if documented and documented[0].path not in schema["paths"]:
            schema["paths"].update(get_openapi(title=api.title, version=api.version, routes=documented)["paths"])
        return schema

    api.openapi = openapi
