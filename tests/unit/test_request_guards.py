"""The pieces in front of every request: client address, the ASGI guard (cookie digest, headers, origins) and the
event guard (var marker, browser error reports)."""

from __future__ import annotations

import hashlib
import ipaddress
import logging

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from profile_app.asgi_guard import SecurityGuard, hash_session_cookie
from profile_app.services.client_address import client_address
from profile_app.states import event_guard

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # an untrusted peer's header is ignored
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),  # first untrusted hop from the right
        ("10.0.0.5", "10.0.0.7, 10.0.0.9", "10.0.0.7"),  # all trusted: the left-most hop
        ("10.0.0.5", "garbage, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7, garbage", "10.0.0.5"),  # a malformed hop stops the walk
        ("::1", "[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:203.0.113.9", "", "203.0.113.9"),
        ("", "1.2.3.4", ""),
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_session_cookie_value_becomes_its_digest_and_other_cookies_stay():
    header = b"theme=dark; profile_session=abc123; other=1"
    expected = b"theme=dark; profile_session=" + hashlib.sha256(b"abc123").hexdigest().encode() + b"; other=1"
    assert hash_session_cookie(header) == expected
    assert hash_session_cookie(b"profile_session=") == b"profile_session="


def _guarded_app():
    async def echo(request):
        return JSONResponse({"cookie": request.headers.get("cookie", "")})

    async def own_policy(request):
        return JSONResponse({}, headers={"Content-Security-Policy": "sandbox"})

    async def socket(websocket):
        await websocket.accept()
        await websocket.send_text(websocket.headers.get("cookie", ""))
        await websocket.close()

    app = Starlette(routes=[Route("/echo", echo), Route("/own", own_policy), WebSocketRoute("/ws", socket)])
    return SecurityGuard(app)


def test_guard_hashes_the_cookie_for_http_and_websocket_and_adds_headers(settings_env):
    client = TestClient(_guarded_app())
    digest = hashlib.sha256(b"raw-token").hexdigest()
    response = client.get("/echo", headers={"Cookie": "profile_session=raw-token"})
    assert response.json()["cookie"] == f"profile_session={digest}"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/own").headers["content-security-policy"] == "sandbox"  # a route's own policy is kept
    with client.websocket_connect("/ws", headers={"Cookie": "profile_session=raw-token"}) as socket:
        assert socket.receive_text() == f"profile_session={digest}"


def test_guard_refuses_websockets_from_a_foreign_origin(settings_env):
    client = TestClient(_guarded_app())
    with pytest.raises(Exception), client.websocket_connect("/ws", headers={"Origin": "https://evil.example"}):  # noqa: B017
        pass
    with client.websocket_connect("/ws", headers={"Origin": "http://localhost:3000"}) as socket:
        socket.receive_text()


def test_marker_is_found_anywhere_in_a_payload():
    assert event_guard.carries_marker({"form": {"name": "a<reflex.Var>1</reflex.Var>"}})
    assert event_guard.carries_marker({"<REFLEX.var>": 1})
    assert event_guard.carries_marker([[["x", ["<reflex.Var>"]]]])
    assert not event_guard.carries_marker({"name": "Ada <b>Lovelace</b>", "n": 3, "ok": True, "none": None})
    assert event_guard.carries_marker(["x"] * (event_guard.MAX_SCAN_ITEMS + 1))  # too big to scan: refused


def test_browser_reports_are_escaped_capped_and_rate_limited(caplog, monkeypatch):
    monkeypatch.setattr(event_guard, "_budget", event_guard._ReportBudget())
    with caplog.at_level(logging.ERROR, logger="profile_app.events"):
        event_guard.frontend_exception_logger(Exception("boom\n[ERROR] forged\x1b[31m" + "x" * 5000))
        for _ in range(event_guard.REPORTS_PER_MINUTE + 5):
            event_guard.frontend_exception_logger(Exception("again"))
    first = caplog.records[0].getMessage()
    assert "\n" not in first and "\x1b" not in first and "\\n[ERROR] forged\\x1b[31m" in first
    assert len(first) < event_guard.REPORT_MAX_CHARS + 100
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == event_guard.REPORTS_PER_MINUTE
