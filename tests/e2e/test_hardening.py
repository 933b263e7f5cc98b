"""Issue 10 end to end, against the real server (SQLite and one worker in suite 1; PostgreSQL, Redis and two
workers in suite 2):
- Reflex's var marker, sent to every handler and in the router path, signed out and signed in, and stored in the
  database (names, labels, buckets) where handlers read it back: /ping keeps answering within a second.
- The session cookie is HttpOnly and SameSite=Strict, and the raw token appears nowhere in Reflex's state store.
- Security headers on pages and API, CORS and socket.io limited to the web app's origin.
- Browser error reports reach the log escaped and capped."""

from __future__ import annotations

import inspect
import time
import typing
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import websocket
from playwright.sync_api import expect

from profile_app.services import security
from tests.e2e.conftest import PASSWORD, sign_up
from tests.e2e.test_handler_safety_net import NAMESPACE, RawClient, _handlers

MARKERS = ["<reflex.Var>1</reflex.Var>", "<reflex.Var>x</reflex.Var>", "a<reflex.Var>-1</reflex.Var>b"]
FORM_KEYS = ["name", "email", "password", "label", "bucket", "key", "secret", "region", "host", "storage_url"]
PING_BUDGET_S = 1.0


def _ping_all_workers(app, rounds: int = 4) -> None:
    """Fresh connections, so with several workers each of them is likely asked; every answer within a second."""
    for _ in range(rounds):
        with httpx.Client(timeout=PING_BUDGET_S) as client:
            response = client.get(f"{app.base_url}/ping")
        assert response.status_code == 200


def _marker_arguments(handler, marker: str) -> dict:
    params = [p for p in inspect.signature(handler.fn).parameters.values() if p.name != "self"]
    try:
        hints = typing.get_type_hints(handler.fn)
    except Exception:
        hints = {}
    args = {}
    for param in params:
        hint = hints.get(param.name, param.annotation)
        if hint in (int, "int"):
            args[param.name] = 1
        elif hint in (bool, "bool"):
            args[param.name] = True
        elif hint in (dict, "dict") or typing.get_origin(hint) is dict:
            args[param.name] = dict.fromkeys(FORM_KEYS, marker)
        elif hint in (list, "list") or typing.get_origin(hint) is list:
            args[param.name] = [marker]
        else:
            args[param.name] = marker
    return args


def _fuzz(app, session_token: str | None) -> int:
    sent = 0
    clients = [RawClient(app.base_url, session_token) for _ in range(3)]
    try:
        for index, (state, name, handler) in enumerate(_handlers()):
            client = clients[index % len(clients)]
            marker = MARKERS[index % len(MARKERS)]
            client.emit(f"{state.get_full_name()}.{name}", _marker_arguments(handler, marker))
            # The router path and the query reach on_load handlers (require_login, the join page, /login?next=).
            client.emit(
                f"{state.get_full_name()}.{name}",
                {},
                router_data={
                    "pathname": f"/join/{marker}",
                    "asPath": f"/join/{marker}?next={marker}",
                    "query": {"next": marker},
                },
            )
            sent += 2
            _ping_all_workers(app, rounds=2)
        for client in clients:
            client.settle(0.2)
        _ping_all_workers(app)
    finally:
        for client in clients:
            client.close()
    return sent


def test_marker_in_every_handler_and_router_path_signed_out_never_hangs_the_server(hosted_app):
    with hosted_app.services():
        assert _fuzz(hosted_app, None) >= 40


def test_marker_in_every_handler_and_router_path_signed_in_never_hangs_the_server(hosted_app):
    with hosted_app.services():
        from profile_app.services import accounts

        email = f"fuzz-{uuid.uuid4().hex[:6]}@example.com"
        accounts.sign_up("Fuzz Tester", email, PASSWORD)
        token = accounts.sign_in(email, PASSWORD)
        assert _fuzz(hosted_app, token) >= 40


def _store_marker_text(user_id: int, workspace_id: int) -> None:
    """Write marker text where handlers read it back, bypassing the validators (as an older version or a direct
    database edit could have)."""
    from profile_app.db import transaction
    from profile_app.models import ApiCredential, CloudCredential, User, Workspace

    with transaction() as session:
        session.get(User, user_id).name = "Trap <reflex.Var>1</reflex.Var>"
        session.get(Workspace, workspace_id).name = "Team <reflex.Var>x</reflex.Var>"
        for row in session.exec(sa.select(ApiCredential).where(ApiCredential.user_id == user_id)).scalars():
            row.label = "label <reflex.Var>x</reflex.Var>"
        for row in session.exec(sa.select(CloudCredential).where(CloudCredential.user_id == user_id)).scalars():
            row.bucket = "bucket<reflex.Var>x</reflex.Var>"


def test_marker_text_stored_in_names_labels_and_buckets_never_reaches_a_returned_event(hosted_app):
    """The persistent trap: a workspace (or a user) named with the marker hung the server whenever someone left
    it. Every handler is called by a member of such a workspace, with ordinary arguments; the leave comes last."""
    with hosted_app.services():
        from profile_app.services import accounts, cloud_access, credentials, workspaces

        owner = accounts.sign_up("Team Owner", f"owner-{uuid.uuid4().hex[:6]}@example.com", PASSWORD)
        email = f"trap-{uuid.uuid4().hex[:6]}@example.com"
        member = accounts.sign_up("Trap Member", email, PASSWORD)
        team_id = accounts.get_account(owner).active_workspace_id  # the owner's workspace, named after them
        workspaces.join_workspace(member, workspaces.create_invitation(owner, team_id).link.rsplit("/", 1)[1])
        credentials.create_credentials(member, label="plain")
        cloud_access.add_cloud_access(
            member,
            cloud_access.CloudAccessInput(provider="s3", bucket="plain-bucket", key="AKIAEXAMPLEEXAMPLE01", secret="s"),
        )
        _store_marker_text(member, team_id)
        token = accounts.sign_in(email, PASSWORD)
        client = RawClient(hosted_app.base_url, token)
        try:
            calls = [(f"{state.get_full_name()}.{name}", handler) for state, name, handler in _handlers()]
            calls.sort(key=lambda call: call[0].endswith(".leave_workspace"))
            for event_name, handler in calls:
                if event_name.endswith(".log_out"):
                    continue
                params = [p for p in inspect.signature(handler.fn).parameters if p != "self"]
                client.emit(event_name, dict.fromkeys(params, 1) if params else {})
                _ping_all_workers(hosted_app, rounds=1)
            client.settle()
            _ping_all_workers(hosted_app)
        finally:
            client.close()
        assert workspaces.list_workspaces(member)  # the account still works


def test_session_cookie_is_http_only_strict_and_invisible_to_scripts(page, hosted_app):
    sign_up(page, hosted_app, "Cookie Monster")
    cookie = next(c for c in page.context.cookies() if c["name"] == "profile_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "profile_session" not in page.evaluate("document.cookie")


def _state_store_bytes(app) -> list[bytes]:
    """Everything Reflex persisted: Redis values in the production configuration, state files otherwise."""
    redis_url = app.env.get("REFLEX_REDIS_URL")
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        blobs = []
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            if kind == b"string":
                blobs.append(client.get(key) or b"")
            elif kind == b"hash":
                blobs.extend(v for v in client.hgetall(key).values())
        return blobs
    states = Path(app.env["REFLEX_STATES_WORKDIR"])
    return [path.read_bytes() for path in states.glob("**/*") if path.is_file()]


def test_the_raw_session_token_is_never_kept_in_the_state_store(page, hosted_app):
    sign_up(page, hosted_app, "Store Checker")
    page.get_by_role("switch", name="HiDPI browser scale override").click()  # an event that saves state
    page.reload()
    expect(page.get_by_role("button", name="Profile")).to_be_visible()
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "profile_session").encode()
    digest = security.token_digest(token.decode()).encode()
    deadline = time.monotonic() + 15
    while True:  # the disk manager writes its files shortly after the events
        blobs = _state_store_bytes(hosted_app)
        if any(digest in blob for blob in blobs) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert any(digest in blob for blob in blobs), "the store was not found: the test would prove nothing"
    assert not any(token in blob for blob in blobs)


def test_state_files_and_database_are_owner_only(hosted_app):
    if hosted_app.env.get("REFLEX_REDIS_URL"):
        pytest.skip("the production configuration keeps state in Redis and data in PostgreSQL")
    states = Path(hosted_app.env["REFLEX_STATES_WORKDIR"])
    assert states.stat().st_mode & 0o077 == 0
    assert all(p.stat().st_mode & 0o077 == 0 for p in states.glob("*.pkl"))
    database = hosted_app.data_dir / "profile.db"
    for path in (database, database.with_name("profile.db-wal")):
        if path.exists():
            assert path.stat().st_mode & 0o077 == 0, path


@pytest.mark.parametrize("path", ["/login", "/profile", "/api/server.info", "/api/health"])
def test_security_headers_on_pages_and_api(hosted_app, path):
    response = httpx.get(f"{hosted_app.base_url}{path}", timeout=10)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


def test_cors_answers_only_the_web_apps_own_origin(hosted_app):
    url = f"{hosted_app.api_url}/server.info"
    evil = httpx.get(url, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in evil.headers
    preflight = httpx.options(
        url,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.headers.get("access-control-allow-origin") != "https://evil.example"
    own = httpx.get(url, headers={"Origin": hosted_app.base_url}, timeout=10)
    assert own.headers["access-control-allow-origin"] == hosted_app.base_url


def _socket_handshake(app, origin: str):
    url = app.base_url.replace("http://", "ws://") + f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"
    return websocket.create_connection(url, origin=origin, timeout=5)


def test_socket_connections_from_a_foreign_origin_are_refused(hosted_app):
    with pytest.raises(websocket.WebSocketBadStatusException):
        _socket_handshake(hosted_app, "https://evil.example")
    own = _socket_handshake(hosted_app, hosted_app.base_url)
    try:
        assert own.recv().startswith("0{")  # engine.io's open packet: the handshake was accepted
    finally:
        own.close()


def test_browser_error_reports_reach_the_log_escaped_and_capped(hosted_app):
    marker = uuid.uuid4().hex
    client = RawClient(hosted_app.base_url)
    try:
        forged = f"{marker}\n[ERROR] forged line\x1b[31m red " + "x" * 10_000
        client.sio.emit("client_error", {"error_type": "boom", "message": forged}, namespace=NAMESPACE)
        from reflex.state import FrontendEventExceptionState

        client.emit(
            f"{FrontendEventExceptionState.get_full_name()}.handle_frontend_exception",
            {"info": forged, "component_stack": ""},
        )
        client.settle(0.5)
    finally:
        client.close()
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = [line for line in hosted_app.log_path.read_text(errors="replace").splitlines() if marker in line]
        if len(lines) >= 2:
            break
        time.sleep(0.3)
    assert lines, "the reports never reached the log"
    log_text = hosted_app.log_path.read_text(errors="replace")
    assert "\n[ERROR] forged line" not in log_text and "\x1b[31m" not in log_text
    assert all(len(line) < 2_500 for line in lines)


def test_an_oversized_socket_message_closes_that_connection_only(hosted_app):
    big = RawClient(hosted_app.base_url)
    try:
        big.emit("reflex___state____state.hydrate", {"padding": "x" * (300 * 1024)})
        deadline = time.monotonic() + 10
        while big.sio.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not big.sio.connected, "a 300 KiB message was accepted"
    finally:
        if big.sio.connected:
            big.close()
    _ping_all_workers(hosted_app)
    small = RawClient(hosted_app.base_url)
    try:
        small.emit("reflex___state____state.hydrate", {"padding": "x" * 1024})
        small.settle(0.3)
        assert small.sio.connected
    finally:
        small.close()
