"""The ClearML-compatible auth API over HTTP: every route, every failure code, revocation takes effect at once."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from profile_app.api import create_api
from profile_app.db import read, transaction
from profile_app.models import ApiCredential, utcnow
from profile_app.services import accounts, credentials
from tests.conftest import random_password

ROUTES = (
    "auth.create_credentials",
    "auth.get_credentials",
    "auth.edit_credentials",
    "auth.revoke_credentials",
    "users.get_current_user",
)


@pytest.fixture
def client(database) -> TestClient:
    return TestClient(create_api(), raise_server_exceptions=False, client=("203.0.113.9", 50000))


@pytest.fixture
def user_id(database) -> int:
    return accounts.sign_up("Ann Smith", "ann@example.com", random_password())


@pytest.fixture
def creds(user_id) -> credentials.NewCredentials:
    return credentials.create_credentials(user_id, "laptop")


def _login(client: TestClient, creds: credentials.NewCredentials) -> str:
    response = client.post("/api/auth.login", auth=(creds.access_key, creds.secret_key))
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _row(access_key: str) -> ApiCredential:
    with read() as session:
        return session.exec(select(ApiCredential).where(ApiCredential.access_key == access_key)).one()


def _assert_envelope(body: dict, name: str, code: int) -> None:
    meta = body["meta"]
    assert set(meta) >= {"id", "trx", "endpoint", "result_code", "result_subcode", "result_msg", "error_stack"}
    assert meta["endpoint"]["name"] == name
    assert set(meta["endpoint"]) == {"name", "requested_version", "actual_version"}
    assert meta["result_code"] == code
    assert meta["error_stack"] is None
    assert "data" in body


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_login_with_basic_auth_returns_a_token(client, creds, method):
    response = client.request(method, "/api/auth.login", auth=(creds.access_key, creds.secret_key))
    assert response.status_code == 200
    body = response.json()
    _assert_envelope(body, "auth.login", 200)
    assert credentials.authenticate_token(body["data"]["token"]).user_id == _row(creds.access_key).user_id


def test_login_records_worker_header_or_client_address(client, creds):
    client.get("/api/auth.login", auth=(creds.access_key, creds.secret_key), headers={"X-ClearML-Worker": "gpu-01"})
    assert _row(creds.access_key).last_used_from == "gpu-01"
    client.get("/api/auth.login", auth=(creds.access_key, creds.secret_key))
    assert _row(creds.access_key).last_used_from == "203.0.113.9"  # the peer's address
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    client.get("/api/auth.login", auth=(creds.access_key, creds.secret_key), headers=forwarded)
    assert _row(creds.access_key).last_used_from == "203.0.113.9"  # from an untrusted peer the header means nothing


def test_login_behind_a_trusted_proxy_records_the_forwarded_address(client, database, creds):
    database(TRUSTED_PROXIES="203.0.113.0/24")
    forwarded = {"X-Forwarded-For": "198.51.100.7, 203.0.113.20"}
    client.get("/api/auth.login", auth=(creds.access_key, creds.secret_key), headers=forwarded)
    assert _row(creds.access_key).last_used_from == "198.51.100.7"


def test_versioned_paths_answer_like_plain_ones(client, creds):
    response = client.post("/api/v2.23/auth.login", auth=(creds.access_key, creds.secret_key))
    assert response.status_code == 200
    assert response.json()["meta"]["endpoint"]["requested_version"] == "2.23"


def test_login_honours_expiration_sec(client, creds):
    import jwt

    response = client.post(
        "/api/auth.login", auth=(creds.access_key, creds.secret_key), params={"expiration_sec": "300"}
    )
    claims = jwt.decode(response.json()["data"]["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("auth.login", '{"expiration_sec": 1e999}'),
        ("auth.login", '{"expiration_sec": {"a": 1}}'),
        ("auth.create_credentials", '{"expiry_days": 1e999}'),
        ("storage.sign_url", '{"url": "s3://bucket/key", "expires_in": 1e999}'),
    ],
)
def test_numbers_json_cannot_make_an_int_are_a_400_envelope(client, creds, route, body):
    """JSON's 1e999 is infinity, which int() refuses with OverflowError: a 400 saying so, not a bare 500."""
    headers = {"Content-Type": "application/json"}
    if route == "auth.login":
        response = client.post(
            f"/api/{route}", auth=(creds.access_key, creds.secret_key), content=body, headers=headers
        )
    else:
        headers |= _bearer(_login(client, creds))
        response = client.post(f"/api/{route}", content=body, headers=headers)
    assert response.status_code == 400, response.text
    _assert_envelope(response.json(), route, 400)
    assert "must be a whole number" in response.json()["meta"]["result_msg"]


def test_login_with_an_enormous_expiration_sec_gets_the_usual_lifetime(client, creds):
    import jwt

    response = client.post(
        "/api/auth.login", auth=(creds.access_key, creds.secret_key), json={"expiration_sec": 10**20}
    )
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["data"]["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] > 0


def test_login_with_a_bearer_token_refreshes_it(client, creds):
    token = _login(client, creds)
    response = client.get("/api/auth.login", headers=_bearer(token))
    assert response.status_code == 200
    assert credentials.authenticate_token(response.json()["data"]["token"])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":").decode(),
        "Bearer",
        "Bearer not.a.jwt",
        "Digest abc",
    ],
)
def test_malformed_login_headers_are_401_and_change_nothing(client, creds, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.post("/api/auth.login", headers=headers)
    assert response.status_code == 401
    _assert_envelope(response.json(), "auth.login", 401)
    assert response.json()["meta"]["result_msg"].startswith("Unauthorized")
    assert _row(creds.access_key).last_used_at is None


def test_wrong_secret_revoked_and_expired_are_401(client, user_id, creds):
    wrong = client.post("/api/auth.login", auth=(creds.access_key, credentials.new_secret_key()))
    assert wrong.status_code == 401
    assert wrong.json()["meta"]["result_msg"] == "Unauthorized (Invalid or revoked credentials.)"

    expiring = credentials.create_credentials(user_id, expiry_days=30)
    with transaction() as session:
        session.exec(
            sa.update(ApiCredential)
            .where(ApiCredential.access_key == expiring.access_key)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert client.post("/api/auth.login", auth=(expiring.access_key, expiring.secret_key)).status_code == 401

    credentials.revoke_credentials(user_id, creds.access_key)
    assert client.post("/api/auth.login", auth=(creds.access_key, creds.secret_key)).status_code == 401
    assert _row(creds.access_key).last_used_at is None


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer a b", "Basic abc", "Bearer forged.token.value"])
def test_protected_routes_refuse_missing_or_bad_tokens(client, creds, route, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.post(f"/api/{route}", headers=headers, json={"access_key": creds.access_key, "label": "x"})
    assert response.status_code == 401
    _assert_envelope(response.json(), route, 401)
    assert _row(creds.access_key).label == "laptop" and _row(creds.access_key).revoked_at is None


def test_create_get_edit_revoke_round_trip(client, creds):
    token = _login(client, creds)
    created = client.post(
        "/api/auth.create_credentials", headers=_bearer(token), json={"label": "ci runner", "expiry_days": 30}
    )
    assert created.status_code == 200
    new = created.json()["data"]["credentials"]
    assert credentials.secret_well_formed(new["secret_key"]) and new["label"] == "ci runner" and new["expires"]

    listed = client.post("/api/auth.get_credentials", headers=_bearer(token), json={})
    assert listed.status_code == 200
    rows = listed.json()["data"]["credentials"]
    assert [row["access_key"] for row in rows] == [new["access_key"], creds.access_key]
    assert "secret" not in listed.text and new["secret_key"] not in listed.text
    assert set(rows[0]) == {"access_key", "label", "created", "last_used_from", "expires"}  # never used: no last_used

    edited = client.post(
        "/api/auth.edit_credentials", headers=_bearer(token), json={"access_key": new["access_key"], "label": ""}
    )
    assert edited.status_code == 200 and edited.json()["data"] == {"updated": 1}
    assert _row(new["access_key"]).label == ""

    revoked = client.post(
        "/api/auth.revoke_credentials", headers=_bearer(token), json={"access_key": new["access_key"]}
    )
    assert revoked.status_code == 200 and revoked.json()["data"] == {"revoked": 1}
    assert _row(new["access_key"]).revoked_at is not None


def test_route_validation_failures_are_400(client, creds):
    headers = _bearer(_login(client, creds))
    cases = [
        ("auth.create_credentials", {"label": "x" * 201}),
        ("auth.create_credentials", {"expiry_days": 7}),
        ("auth.create_credentials", {"expiry_days": "soon"}),
        ("auth.edit_credentials", {"label": "no key"}),
        ("auth.edit_credentials", {"access_key": creds.access_key, "label": "x" * 201}),
        ("auth.edit_credentials", {"access_key": "NOSUCHKEY0000000000000000", "label": "x"}),
        ("auth.revoke_credentials", {}),
        ("auth.revoke_credentials", {"access_key": "NOSUCHKEY0000000000000000"}),
    ]
    for route, body in cases:
        response = client.post(f"/api/{route}", headers=headers, json=body)
        assert response.status_code == 400, (route, body, response.text)
        _assert_envelope(response.json(), route, 400)
        assert response.json()["meta"]["result_msg"]
    bad_json = client.post("/api/auth.create_credentials", headers=headers, content=b"[1,2]")
    assert bad_json.status_code == 400


def test_limit_reached_is_400_with_the_message(client, database, user_id):
    database(CREDENTIALS_LIMIT="1")
    only = credentials.create_credentials(user_id)
    response = client.post("/api/auth.create_credentials", headers=_bearer(_login(client, only)), json={})
    assert response.status_code == 400
    assert "most allowed is 1" in response.json()["meta"]["result_msg"]


def test_another_users_credentials_cannot_be_touched(client, creds):
    intruder = accounts.sign_up("Bob Jones", "bob@example.com", random_password())
    headers = _bearer(_login(client, credentials.create_credentials(intruder)))
    listed = client.post("/api/auth.get_credentials", headers=headers, json={}).json()["data"]["credentials"]
    assert creds.access_key not in [row["access_key"] for row in listed]
    for route in ("auth.edit_credentials", "auth.revoke_credentials"):
        response = client.post(f"/api/{route}", headers=headers, json={"access_key": creds.access_key, "label": "x"})
        assert response.status_code == 400
    assert _row(creds.access_key).label == "laptop" and _row(creds.access_key).revoked_at is None


def test_get_current_user(client, user_id, creds):
    response = client.post("/api/users.get_current_user", headers=_bearer(_login(client, creds)), json={})
    assert response.status_code == 200
    user = response.json()["data"]["user"]
    assert user["id"] == accounts.get_account(user_id).public_id and len(user["id"]) == 32
    assert user["email"] == "ann@example.com" and user["name"] == "Ann Smith"
    assert user["company"]["id"] == str(_row(creds.access_key).workspace_id)


def test_token_stops_working_after_revoke(client, user_id, creds):
    token = _login(client, creds)
    assert client.post("/api/auth.get_credentials", headers=_bearer(token)).status_code == 200
    response = client.post(
        "/api/auth.revoke_credentials", headers=_bearer(token), json={"access_key": creds.access_key}
    )
    assert response.status_code == 200
    for route in ROUTES:
        assert client.post(f"/api/{route}", headers=_bearer(token), json={}).status_code == 401
    assert client.get("/api/auth.login", headers=_bearer(token)).status_code == 401


def test_public_server_endpoints_and_openapi(client):
    assert client.get("/api/debug.ping").json()["data"]["msg"]
    info = client.get("/api/server.info").json()["data"]
    assert info["api_version"] == credentials.API_VERSION
    schema = client.get("/api/openapi.json").json()
    for route in ("auth.login", *ROUTES):
        assert f"/api/{route}" in schema["paths"]
