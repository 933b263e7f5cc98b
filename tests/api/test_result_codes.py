"""Every failure scenario of the API answers clearml-server's result code and subcode (apiserver/apierrors/
errors.conf, raised where noted), in a ClearML envelope. Where clearml-server has no such failure (our limits,
storage.blob), the row says which entry of ClearML's table we chose. The table is the report's table."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa

from profile_app.config import get_settings
from profile_app.db import transaction
from profile_app.models import ApiCredential, utcnow
from profile_app.services import credentials, preferences
from tests.api.conftest import ApiUser, result


@dataclass(frozen=True)
class Scenario:
    name: str
    expected: tuple[int, int]
    clearml: str  # where clearml-server answers this (or: which of its codes we chose, and why)
    send: Callable


def _expired_token(user: ApiUser) -> str:
    claims = jwt.decode(user.token, options={"verify_signature": False})
    claims["exp"] = int((utcnow() - timedelta(seconds=5)).timestamp())
    return jwt.encode(claims, get_settings().secret_key, algorithm="HS256")


def _revoked(api, user: ApiUser):
    credentials.revoke_credentials(user.user_id, user.creds.access_key)
    return api.post("/api/users.get_current_user", headers=user.bearer, json={})


def _basic(text: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(text).decode()}


def _over_limit(api, user: ApiUser, database):
    database(CREDENTIALS_LIMIT="1")
    return api.post("/api/auth.create_credentials", headers=user.bearer, json={})


def _not_admin(api, user: ApiUser, database):
    database(MODE="self-hosted")
    return api.post("/api/server.report_stats_option", headers=user.bearer, json={"enabled": True})


def _crash(api, user: ApiUser, monkeypatch):
    def broken(_user_id):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(preferences, "get_preferences_document", broken)
    return api.post("/api/users.get_preferences", headers=user.bearer, json={})


SCENARIOS = [
    Scenario(
        "unknown service.action, POST",
        (404, 0),
        "service_repo.py _resolve_endpoint_from_call",
        lambda api, u, **_: api.post("/api/nosuch.thing", json={}),
    ),
    Scenario(
        "unknown service.action, GET",
        (404, 0),
        "service_repo.py _resolve_endpoint_from_call",
        lambda api, u, **_: api.get("/api/nosuch.thing"),
    ),
    Scenario(
        "unknown service.action, POST, versioned",
        (404, 0),
        "service_repo.py _resolve_endpoint_from_call",
        lambda api, u, **_: api.post("/api/v2.23/users.nosuch", json={}),
    ),
    Scenario(
        "unknown service.action, GET, versioned",
        (404, 0),
        "service_repo.py _resolve_endpoint_from_call",
        lambda api, u, **_: api.get("/api/v2.23/nosuch.thing"),
    ),
    Scenario(
        "unknown service.action, DELETE",
        (404, 0),
        "request_handlers.py before_request serves every method",
        lambda api, u, **_: api.delete("/api/nosuch.thing"),
    ),
    Scenario(
        "endpoint asked for below its first version",
        (404, 0),
        "service_repo.py _resolve_endpoint_from_call (login.logout's handler starts at 2.13)",
        lambda api, u, **_: api.post("/api/v2.12/login.logout", json={}),
    ),
    Scenario(
        "path that is not <service>.<action>",
        (400, 0),
        "request_handlers.py: MalformedPathError -> 400",
        lambda api, u, **_: api.get("/api/not-an-endpoint"),
    ),
    Scenario(
        "malformed version prefix",
        (400, 0),
        "request_handlers.py: MalformedPathError -> 400",
        lambda api, u, **_: api.post("/api/vlatest/auth.login", json={}),
    ),
    Scenario(
        "no Authorization header",
        (401, 20),
        "validators.py validate_auth: unauthorized.NoCredentials",
        lambda api, u, **_: api.post("/api/auth.get_credentials", json={}),
    ),
    Scenario(
        "unknown auth scheme",
        (401, 10),
        "auth.py get_auth_func: unauthorized.BadAuthType",
        lambda api, u, **_: api.post("/api/auth.get_credentials", headers={"Authorization": "Digest abc"}),
    ),
    Scenario(
        "bearer token that is not a token",
        (401, 30),
        "auth.py authorize_token: unauthorized.InvalidToken",
        lambda api, u, **_: api.post("/api/users.get_current_user", headers={"Authorization": "Bearer x.y.z"}),
    ),
    Scenario(
        "expired bearer token",
        (401, 30),
        "auth.py authorize_token: unauthorized.InvalidToken",
        lambda api, u, **_: api.post(
            "/api/users.get_current_user", headers={"Authorization": f"Bearer {_expired_token(u)}"}, json={}
        ),
    ),
    Scenario(
        "token of revoked credentials",
        (401, 30),
        "auth.py authorize_token: InvalidToken('revoked token')",
        lambda api, u, **_: _revoked(api, u),
    ),
    Scenario(
        "auth.login without credentials",
        (401, 20),
        "validators.py validate_auth: unauthorized.NoCredentials",
        lambda api, u, **_: api.post("/api/auth.login"),
    ),
    Scenario(
        "auth.login with an expired token",
        (401, 30),
        "auth.py authorize_token: unauthorized.InvalidToken",
        lambda api, u, **_: api.post("/api/auth.login", headers={"Authorization": f"Bearer {_expired_token(u)}"}),
    ),
    Scenario(
        "auth.login, Basic that is not base64",
        (401, 21),
        "auth.py authorize_credentials: unauthorized.BadCredentials",
        lambda api, u, **_: api.post("/api/auth.login", headers={"Authorization": "Basic !!!notbase64"}),
    ),
    Scenario(
        "auth.login, wrong secret",
        (401, 22),
        "auth.py authorize_credentials: unauthorized.InvalidCredentials",
        lambda api, u, **_: api.post("/api/auth.login", auth=(u.creds.access_key, credentials.new_secret_key())),
    ),
    Scenario(
        "auth.login, unknown access key",
        (401, 22),
        "auth.py authorize_credentials: unauthorized.InvalidCredentials",
        lambda api, u, **_: api.post("/api/auth.login", headers=_basic(b"NOSUCHKEY:" + u.creds.secret_key.encode())),
    ),
    Scenario(
        "auth.login, Basic without a colon",
        (401, 22),
        "auth.py authorize_credentials: partition gives an empty secret -> InvalidCredentials",
        lambda api, u, **_: api.post("/api/auth.login", headers=_basic(b"no-colon")),
    ),
    Scenario(
        "edit_credentials, unknown access key",
        (400, 75),
        "services/auth.py edit_credentials: bad_request.InvalidAccessKey",
        lambda api, u, **_: api.post(
            "/api/auth.edit_credentials", headers=u.bearer, json={"access_key": "NOSUCHKEY", "label": "x"}
        ),
    ),
    Scenario(
        "edit_credentials without access_key",
        (400, 12),
        "schema required: [access_key] -> bad_request.ValidationError",
        lambda api, u, **_: api.post("/api/auth.edit_credentials", headers=u.bearer, json={"label": "x"}),
    ),
    Scenario(
        "revoke_credentials, unknown access key",
        (400, 300),
        "services/auth.py revoke_credentials: bad_request.InvalidUser",
        lambda api, u, **_: api.post("/api/auth.revoke_credentials", headers=u.bearer, json={"access_key": "NOSUCH"}),
    ),
    Scenario(
        "revoke_credentials without access_key",
        (400, 12),
        "RevokeCredentialsRequest access_key required -> bad_request.ValidationError",
        lambda api, u, **_: api.post("/api/auth.revoke_credentials", headers=u.bearer, json={}),
    ),
    Scenario(
        "body that is not JSON",
        (400, 0),
        "request_handlers.py: werkzeug BadRequest -> 400",
        lambda api, u, **_: api.post("/api/auth.get_credentials", headers=u.bearer, content=b"{not json"),
    ),
    Scenario(
        "parameter of the wrong type",
        (400, 12),
        "schema validation -> bad_request.ValidationError",
        lambda api, u, **_: api.post(
            "/api/auth.login", auth=(u.creds.access_key, u.creds.secret_key), json={"expiration_sec": "soon"}
        ),
    ),
    Scenario(
        "unknown parameter where the schema allows none",
        (400, 12),
        "users.get_current_user additionalProperties: false -> bad_request.ValidationError",
        lambda api, u, **_: api.post("/api/users.get_current_user", headers=u.bearer, json={"user": "x"}),
    ),
    Scenario(
        "users.update of another user",
        (400, 301),
        "services/users.py get_user: bad_request.InvalidUserId",
        lambda api, u, **_: api.post("/api/users.update", headers=u.bearer, json={"user": "0" * 32, "name": "X Y"}),
    ),
    Scenario(
        "users.update without user",
        (400, 12),
        "schema required: [user] -> bad_request.ValidationError",
        lambda api, u, **_: api.post("/api/users.update", headers=u.bearer, json={"name": "X Y"}),
    ),
    Scenario(
        "users.update with a name the page refuses",
        (400, 12),
        "ours (ClearML stores any name): validation_error",
        lambda api, u, **_: api.post("/api/users.update", headers=u.bearer, json={"user": u.public_id, "name": "x"}),
    ),
    Scenario(
        "set_preferences key with a dot",
        (400, 16),
        "services/users.py set_preferences: bad_request.FieldsValueError",
        lambda api, u, **_: api.post("/api/users.set_preferences", headers=u.bearer, json={"preferences": {"a.b": 1}}),
    ),
    Scenario(
        "set_preferences key starting with $",
        (400, 16),
        "services/users.py set_preferences: bad_request.FieldsValueError",
        lambda api, u, **_: api.post(
            "/api/users.set_preferences", headers=u.bearer, json={"preferences": {"views": {"$set": 1}}}
        ),
    ),
    Scenario(
        "set_preferences with a theme the page does not have",
        (400, 305),
        "ours (ClearML stores any value): invalid_preferences_update",
        lambda api, u, **_: api.post(
            "/api/users.set_preferences", headers=u.bearer, json={"preferences": {"views": {"theme": "neon"}}}
        ),
    ),
    Scenario(
        "set_preferences without preferences",
        (400, 12),
        "schema required: [preferences] -> bad_request.ValidationError",
        lambda api, u, **_: api.post("/api/users.set_preferences", headers=u.bearer, json={}),
    ),
    Scenario(
        "report_stats_option set by a non-administrator",
        (403, 20),
        "ours (ClearML allows any role here): forbidden.RoleNotAllowed",
        lambda api, u, database, **_: _not_admin(api, u, database),
    ),
    Scenario(
        "create_credentials over the credentials limit",
        (400, 12),
        "ours (ClearML has no limit): validation_error",
        lambda api, u, database, **_: _over_limit(api, u, database),
    ),
    Scenario(
        "storage.set_settings with nothing to set",
        (400, 12),
        "bll/storage set_company_settings: ValidationError('No settings were provided')",
        lambda api, u, **_: api.post("/api/storage.set_settings", headers=u.bearer, json={}),
    ),
    Scenario(
        "storage.set_settings with an invalid bucket",
        (400, 12),
        "ours (ClearML stores any bucket): validation_error",
        lambda api, u, **_: api.post(
            "/api/storage.set_settings",
            headers=u.bearer,
            json={"aws": {"buckets": [{"bucket": "Bad_Bucket", "key": "AKIAIOSFODNN7EXAMPLE", "secret": "s"}]}},
        ),
    ),
    Scenario(
        "body over 1 MiB (Content-Length)",
        (400, 0),
        "ours (ClearML has no cap): bad_request",
        lambda api, u, **_: api.post(
            "/api/auth.login", content=b" " * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
        ),
    ),
    Scenario(
        "JSON nested 1000 deep",
        (400, 0),
        "ours; clearml-server: 500/0 (its _load_call_data catches the RecursionError as a general error)",
        lambda api, u, **_: api.post(
            "/api/auth.login", auth=(u.creds.access_key, u.creds.secret_key), content=b"[" * 1000 + b"]" * 1000
        ),
    ),
    Scenario(
        "storage.blob with a link that is not one",
        (404, 0),
        "ours (clearml-server has no storage.blob: 404/0 as an unknown endpoint)",
        lambda api, u, **_: api.get("/api/storage.blob", params={"token": "nonsense"}),
    ),
    Scenario(
        "unexpected server failure",
        (500, 0),
        "service_repo.py handle_call: any other exception -> 500/0",
        lambda api, u, monkeypatch, **_: _crash(api, u, monkeypatch),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_result_code_and_subcode_match_clearml_server(api, make_user, database, monkeypatch, scenario):
    user = make_user()
    response = scenario.send(api, user, database=database, monkeypatch=monkeypatch)
    assert result(response) == scenario.expected, response.text
    meta = response.json()["meta"]
    assert meta["result_msg"] and meta["error_stack"] is None
    assert "Traceback" not in response.text and "on fire" not in response.text


def test_expired_credentials_cannot_log_in(api, make_user):
    user = make_user()
    with transaction() as session:
        session.exec(
            sa.update(ApiCredential)
            .where(ApiCredential.access_key == user.creds.access_key)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = api.post("/api/auth.login", auth=(user.creds.access_key, user.creds.secret_key))
    assert result(response) == (401, 22)
