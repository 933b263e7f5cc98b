"""Fixtures for the HTTP API tests: the app as production wraps it (the ASGI guard turns the session cookie into
its digest), users with credentials, and their bearer tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from profile_app.api import create_api
from profile_app.asgi_guard import security_guard
from profile_app.services import accounts, credentials
from tests.conftest import random_password


@dataclass(frozen=True)
class ApiUser:
    user_id: int
    public_id: str
    email: str
    password: str
    creds: credentials.NewCredentials
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def api(database) -> TestClient:
    return TestClient(security_guard(create_api()), raise_server_exceptions=False)


def new_api_user(api: TestClient, name: str = "Ann Smith") -> ApiUser:
    """A user with one app credential and a bearer token from auth.login."""
    email = f"{name.split()[0].lower()}-{random_password()[-6:].lower()}@example.com"
    password = random_password()
    user_id = accounts.sign_up(name, email, password)
    creds = credentials.create_credentials(user_id, "laptop")
    response = api.post("/api/auth.login", auth=(creds.access_key, creds.secret_key))
    assert response.status_code == 200, response.text
    public_id = accounts.get_account(user_id).public_id
    return ApiUser(user_id, public_id, email, password, creds, response.json()["data"]["token"])


@pytest.fixture
def make_user(api) -> Callable[..., ApiUser]:
    return lambda name="Ann Smith": new_api_user(api, name)


def result(response) -> tuple[int, int]:
    """(result_code, result_subcode) of a ClearML envelope, checked against the HTTP status."""
    meta = response.json()["meta"]
    assert meta["result_code"] == response.status_code, response.text
    return meta["result_code"], meta["result_subcode"]


BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def api_server(database, **settings: str) -> Iterator[str]:
    """A real HTTP server (granian serving create_api) for this test's database and settings; the URLs it hands
    out point at it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    database(API_URL=url, WEB_URL=f"http://127.0.0.1:{port}", FILES_URL=f"http://127.0.0.1:{port}/files", **settings)
    server = subprocess.Popen(
        [str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--no-log"]
        + ["--factory", "profile_app.api:create_api"],
        env=os.environ.copy(),
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def api_url(database) -> Iterator[str]:
    with api_server(database) as url:
        yield url
