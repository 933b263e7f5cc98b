"""Bounded input (issue 10 item 3, API part): bodies over 1 MiB are refused from their Content-Length or while
being read, JSON nested too deeply is refused before parsing, all with a 400 envelope, signed in or not; checked
against a real server process so the bytes really travel."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time

import psutil
import pytest

from profile_app.api.request_body import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_depth_exceeds
from profile_app.services import accounts, credentials
from tests.api.conftest import result
from tests.conftest import random_password

CHUNK = 64 * 1024


def _server_process(port: int) -> psutil.Process:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_LISTEN:
            return psutil.Process(connection.pid)
    raise AssertionError("no server listening")


def _raw(port: int, head: str, body_chunks=None) -> tuple[bytes, int]:
    """Send a request by hand; returns (the response, bytes of body sent before it came)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer = b""
        for chunk in body_chunks or ():
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
        sock.setblocking(True)
        deadline = time.monotonic() + 20
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            answer += data
    return answer, sent


def _chunked(total: int):
    piece = b"[" + b" " * (CHUNK - 2) + b"]"
    for _ in range(total // CHUNK):
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


@pytest.fixture
def keys(api_url) -> credentials.NewCredentials:
    user_id = accounts.sign_up("Ann Smith", "ann@example.com", random_password())
    return credentials.create_credentials(user_id)


def _basic(keys: credentials.NewCredentials) -> str:
    import base64

    return base64.b64encode(f"{keys.access_key}:{keys.secret_key}".encode()).decode()


def test_announced_oversized_body_is_refused_before_reading_or_signing_in(api_url):
    port = int(api_url.rsplit(":", 1)[1].split("/")[0])
    head = (
        "POST /api/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {1024**3}\r\nConnection: close\r\n\r\n"
    )
    answer, _ = _raw(port, head)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"result_code":400' in answer.replace(b" ", b"")


@pytest.mark.parametrize("signed_in", [False, True])
def test_streamed_oversized_body_is_refused_while_reading(api_url, keys, signed_in):
    """No Content-Length (chunked): the server stops after about 1 MiB and answers 400 (a caller without
    credentials gets 401 without the body being read at all); its memory does not follow the upload."""
    port = int(api_url.rsplit(":", 1)[1].split("/")[0])
    server = _server_process(port)
    before = server.memory_info().rss
    auth = f"Authorization: Basic {_basic(keys)}\r\n" if signed_in else ""
    head = (
        f"POST /api/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    answer, sent = _raw(port, head, _chunked(200 * 1024 * 1024))
    assert answer.startswith(b"HTTP/1.1 400" if signed_in else b"HTTP/1.1 401"), answer[:300]
    if signed_in:
        assert b"too large" in answer
    assert sent < 32 * 1024 * 1024, sent  # it answered long before the 200 MiB were through
    assert server.memory_info().rss - before < 64 * 1024 * 1024


def test_deep_json_is_refused_before_parsing(api, make_user):
    user = make_user()
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    response = api.post("/api/users.set_preferences", headers=user.bearer, content=deep)
    assert result(response) == (400, 0)
    assert "nested deeper" in response.json()["meta"]["result_msg"]
    unauthenticated = api.post("/api/auth.login", content="{" * 100_000)
    assert result(unauthenticated) == (401, 20)  # nothing was parsed for a caller without credentials
    fits = {"preferences": {"a": json.loads("[" * (MAX_JSON_DEPTH - 3) + "]" * (MAX_JSON_DEPTH - 3))}}
    assert result(api.post("/api/users.set_preferences", headers=user.bearer, json=fits)) == (200, 0)


def test_depth_counter_ignores_brackets_inside_strings():
    assert not json_depth_exceeds(json.dumps({"text": "[" * 1000}))
    assert json_depth_exceeds("[" * 40 + "]" * 40)
    assert not json_depth_exceeds('{"a": "\\"[[[[" }', limit=1)
    assert MAX_BODY_BYTES == 1024 * 1024


def test_body_just_under_the_cap_is_accepted(api, make_user):
    user = make_user()
    label = "x" * 100
    padding = " " * (MAX_BODY_BYTES - 200)
    body = f'{{"access_key": "{user.creds.access_key}", "label": "{label}"}}{padding}'
    response = api.post("/api/auth.edit_credentials", headers=user.bearer, content=body.encode())
    assert result(response) == (200, 0)


def _payload_of(http_version: str, headers: dict[str, str], body: bytes, query: bytes = b"") -> dict:
    """read_payload on a bare ASGI request whose body arrives in one message; records whether it was awaited."""
    from starlette.requests import Request

    from profile_app.api.request_body import read_payload

    received = []

    async def receive():
        received.append(True)
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "http_version": http_version,
        "method": "POST",
        "path": "/api/debug.ping",
        "query_string": query,
        "headers": [(name.encode(), value.encode()) for name, value in headers.items()],
    }
    payload = asyncio.run(read_payload(Request(scope, receive)))
    return {"payload": payload, "read": bool(received)}


def test_a_body_is_read_whenever_one_can_be_there():
    """Only an HTTP/1.x request announcing no body skips the wait for it: a length, chunked encoding or HTTP/2
    (whose bodies need no length) are all read."""
    body = b'{"a": 1}'
    assert _payload_of("1.1", {}, b"", b"x=2") == {"payload": {"x": 2}, "read": False}
    assert _payload_of("1.1", {"content-length": "0"}, b"") == {"payload": {}, "read": False}
    assert _payload_of("1.1", {"content-length": str(len(body))}, body) == {"payload": {"a": 1}, "read": True}
    assert _payload_of("1.1", {"transfer-encoding": "chunked"}, body) == {"payload": {"a": 1}, "read": True}
    assert _payload_of("2", {}, body, b"x=2") == {"payload": {"x": 2, "a": 1}, "read": True}
