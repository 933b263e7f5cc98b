"""The API twin of the handler safety net: every registered endpoint (new ones are picked up automatically), called
signed out, with a stranger's Basic attempt on the victim's key, and as another user (bearer) with the victim's
identifiers and with Reflex's var marker in every text parameter. Nothing of the victim's may change, nothing
private of the victim's may come back, no answer is a server error, nothing stored anywhere holds the marker, and the
server keeps answering at once."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from profile_app.api import create_api, registry
from profile_app.asgi_guard import security_guard
from profile_app.db import get_engine
from profile_app.services import accounts, cloud_access, credentials, preferences
from profile_app.services.cloud_access import CloudAccessInput
from profile_app.services.storage_providers import AZURE, S3, S3_COMPATIBLE
from tests.api.conftest import ApiUser, new_api_user
from tests.unit.test_cloud_access import AWS_KEY, AWS_SECRET, future_sas

MARKER = "<reflex.Var>{'victim'}</reflex.Var>"
# Who may change what without it being an attack: a Basic attempt with a wrong secret changes nothing at all.
VICTIM_TABLES = ("user_account", "api_credential", "cloud_credential", "auth_session", "outbound_claim")


def _victim_rows(user_id: int) -> dict[str, list[tuple]]:
    metadata = SQLModel.metadata
    snapshot = {}
    with get_engine().connect() as connection:
        for name in VICTIM_TABLES:
            table = metadata.tables[name]
            column = table.c.id if name == "user_account" else table.c.user_id
            rows = connection.execute(sa.select(table).where(column == user_id).order_by(table.c.id)).all()
            snapshot[name] = [tuple(row) for row in rows]
        settings = metadata.tables["server_settings"]
        snapshot["server_settings"] = [tuple(r) for r in connection.execute(sa.select(settings)).all()]
    return snapshot


def _stored_text_with_marker() -> list[str]:
    found = []
    with get_engine().connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String | sa.Text):
                    hits = connection.execute(
                        sa.select(sa.func.count()).select_from(table).where(column.contains("<reflex."))
                    ).scalar()
                    if hits:
                        found.append(f"{table.name}.{column.name}")
    return found


def _seed_victim(make_user) -> tuple[ApiUser, dict[str, Any]]:
    victim = make_user("Victoria Private")
    sas = future_sas()
    s3 = cloud_access.add_cloud_access(
        victim.user_id, CloudAccessInput(S3, "victim-bucket", AWS_KEY, AWS_SECRET, "VICTIMSESSIONTOKEN")
    )
    minio = cloud_access.add_cloud_access(
        victim.user_id,
        CloudAccessInput(S3_COMPATIBLE, "victim-minio", "VICTIMMINIOKEY", "VICTIMMINIOSECRET", host="https://m.test"),
    )
    azure = cloud_access.add_cloud_access(
        victim.user_id, CloudAccessInput(AZURE, "victim-box", secret=sas, host="victimaccount")
    )
    preferences.update_preferences_document(victim.user_id, {"private": "victim-private-preference"})
    session_token = accounts.open_session(victim.user_id)
    identifiers = {
        "strings": [victim.creds.access_key, victim.public_id, "victim-bucket", "victim-box", victim.email, MARKER],
        "ids": [s3.id, minio.id, azure.id, victim.user_id],
        "private": [
            victim.creds.secret_key,
            victim.token,
            AWS_SECRET,
            "VICTIMSESSIONTOKEN",
            "VICTIMMINIOSECRET",
            sas.split("sig=")[1][:20],
            "victim-private-preference",
            "Victoria Private",
            session_token,
        ],
    }
    return victim, identifiers


def _dict_payloads(field: str, victim: dict) -> list[dict]:
    if field == "preferences":
        views = {"views": {"theme": "light", "disableHidpi": True}}
        return [views, {"private": MARKER}, {"note": victim["strings"][0]}]
    if field == "aws":
        return [
            {"buckets": []},
            {"buckets": [{"bucket": "victim-bucket", "key": AWS_KEY, "secret": "ATTACKERSECRET"}]},
            {"buckets": [{"bucket": "victim-minio", "host": "m.test", "key": MARKER, "secret": MARKER}]},
        ]
    if field == "azure":
        return [
            {"containers": []},
            {"containers": [{"account_name": "victimaccount", "container_name": "victim-box", "account_key": ""}]},
            {"containers": [{"account_name": MARKER, "container_name": "victim-box", "account_key": MARKER}]},
        ]
    return [{}, {MARKER: MARKER}]


def _payloads(endpoint: registry.Endpoint, victim: dict) -> list[dict]:
    """{} and, per declared parameter, each of the victim's identifiers or a crafted value of its type; required
    parameters carry the victim's identifiers while each other parameter takes the victim's or a plain value."""
    payloads: list[dict] = [{}]
    for value in victim["strings"]:
        base = {name: value for name in endpoint.required if endpoint.fields.get(name) is str}
        payloads.append(base)
        for field, kind in endpoint.fields.items():
            if kind is str and field not in endpoint.required:
                payloads += [{**base, field: value}, {**base, field: "Mallory Chosen"}]
    for field, kind in endpoint.fields.items():
        if kind is int:
            payloads += [{field: value} for value in victim["ids"]]
        elif kind is bool:
            payloads += [{field: True}, {field: False}]
        elif kind is dict:
            payloads += [{field: value} for value in _dict_payloads(field, victim)]
        elif kind is list:
            payloads += [{field: [MARKER]}]
    return payloads


@pytest.mark.parametrize("mode", ["hosted", "self-hosted"])
def test_no_endpoint_reaches_another_users_rows(api, make_user, database, mode):
    _twin(api, make_user, database, mode)


@pytest.mark.postgres
def test_no_endpoint_reaches_another_users_rows_on_postgresql(postgres_database):
    api = TestClient(security_guard(create_api()), raise_server_exceptions=False)
    _twin(api, lambda name="Ann Smith": new_api_user(api, name), postgres_database, "self-hosted")


def _twin(api, make_user, database, mode: str) -> None:
    database(MODE=mode)
    victim, identifiers = _seed_victim(make_user)  # first user: the administrator on a self-hosted server
    attacker = make_user("Mallory Other")
    before = _victim_rows(victim.user_id)
    wrong_secret = base64.b64encode(f"{victim.creds.access_key}:{credentials.new_secret_key()}".encode()).decode()
    assert registry.ENDPOINTS, "no endpoints registered"
    callers = {
        "signed out": {},
        "stranger with the victim's key": {"Authorization": "Basic " + wrong_secret},
        "another user": attacker.bearer,
    }
    answers = 0
    for name, endpoint in sorted(registry.ENDPOINTS.items()):
        for payload in _payloads(endpoint, identifiers):
            for caller, headers in callers.items():
                for path in (f"/api/{name}", f"/api/v2.23/{name}"):
                    started = time.monotonic()
                    response = api.post(path, headers=headers, json=payload)
                    answers += 1
                    where = f"{caller} {path} {payload!r}: {response.status_code} {response.text[:300]}"
                    assert time.monotonic() - started < 10, where
                    assert response.status_code < 500 or name == "storage.blob" and response.status_code == 502, where
                    for private in identifiers["private"]:
                        assert private not in response.text, where
                    served = endpoint.version_for(path.split("/")[2][1:] if path.count("/") == 3 else "9.99")
                    if caller != "another user" and endpoint.auth is registry.Auth.REQUIRED and served:
                        assert response.status_code == 401, where
    assert answers > 500
    assert _victim_rows(victim.user_id) == before
    assert _stored_text_with_marker() == []
    started = time.monotonic()
    assert api.get("/api/health").status_code == 200 and time.monotonic() - started < 1


def test_marker_in_the_path_and_the_query_is_just_an_unknown_endpoint(api, make_user):
    user = make_user()
    for path in ("/api/<reflex.Var>x</reflex.Var>", "/api/v2.23/<reflex.Var>.x", "/api/users.<reflex.Var>"):
        response = api.get(path, headers=user.bearer, params={"q": MARKER})
        assert response.status_code in (400, 404) and response.json()["meta"]["result_code"] in (400, 404)
    response = api.get("/api/users.get_preferences", headers=user.bearer, params={MARKER: MARKER})
    assert response.status_code == 200  # unknown parameters are ignored where the schema allows them
