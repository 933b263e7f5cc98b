"""The HTTP API: a FastAPI app handed to rx.App(api_transformer=...), so its routes sit beside Reflex's.
ClearML clients call `<api_server>/<service>.<action>`, with api_server = `<backend>/api`."""

from __future__ import annotations

from fastapi import FastAPI

API_PREFIX = "/api"


def create_api() -> FastAPI:
    from profile_app.api import clearml, health, session, storage
    from profile_app.api.envelope import ApiFailure, failure_handler

    api = FastAPI(
        title="Profile API",
        version="1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    api.include_router(session.router, prefix=API_PREFIX)  # the session cookie's own routes
    api.include_router(health.router, prefix=API_PREFIX)
    api.include_router(clearml.router, prefix=API_PREFIX)
    api.include_router(storage.router, prefix=API_PREFIX)
    api.add_exception_handler(ApiFailure, failure_handler)
    return api
