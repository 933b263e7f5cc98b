"""The HTTP API: a FastAPI app handed to rx.App(api_transformer=...), so its routes sit beside Reflex's.
ClearML clients call `<api_server>/<service>.<action>` (or `<api_server>/v<version>/<service>.<action>`), with
api_server = `<backend>/api`; every such path, known or not, answers with a ClearML envelope."""

from __future__ import annotations

from fastapi import FastAPI

from profile_app.api.registry import API_PREFIX


def create_api() -> FastAPI:
    from profile_app.api import auth, health, login, oidc, registry, server, session, storage, users  # noqa: F401

    api = FastAPI(
        title="Profile API",
        version="1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    api.include_router(session.router, prefix=API_PREFIX)  # the session cookie's own routes
    api.include_router(health.router, prefix=API_PREFIX)
    api.include_router(oidc.router, prefix=API_PREFIX)  # single sign-on: /api/oidc/login and /callback
    # Other routers go above this line: the ClearML endpoints end with catch-alls for everything under the prefix.
    registry.mount(api)
    return api
