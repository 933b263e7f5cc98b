"""Every implemented ClearML endpoint against clearml-server's own schema (a copy of the relevant fragments in
clearml_schema/endpoints.json, see extract.py there): the response's field names and JSON types for the version
that served it and for the newest version, every schema field present unless listed below with its reason, and the
request parameters we accept named and typed as the schema's."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from profile_app.api import create_api, registry
from profile_app.services import cloud_access
from profile_app.services.cloud_access import CloudAccessInput
from profile_app.services.storage_providers import AZURE, GCS, S3, S3_COMPATIBLE
from tests.api.conftest import result
from tests.unit.test_cloud_access import AWS_KEY, AWS_SECRET, future_sas

create_api()  # registers every endpoint
SCHEMA = json.loads((Path(__file__).parent / "clearml_schema" / "endpoints.json").read_text())["endpoints"]
OURS_ONLY = {"storage.sign_url", "storage.blob"}  # our signed links; ClearML has no such endpoints
# Fields we answer beyond the schema, each for a reason.
EXTRA_FIELDS = {
    "auth.create_credentials": {"credentials.created", "credentials.expires"},  # the page's App credentials table
    "auth.get_credentials": {"credentials[].created", "credentials[].expires", "additional_credentials"},
    # ^ created/expires: the table's columns; additional_credentials: ClearML's web app reads it (common-auth
    #   effects), clearml-server's enterprise edition sends it.
    "users.get_current_user": {"user.email"},  # in ClearML's user definition, not in its get_current_user object
    "server.info": {"mode"},  # hosted or self-hosted
    "debug.ping": {"msg"},  # clearml-server's ping answers {"msg": "ClearML server", **request}
    "storage.get_settings": {"settings"},  # clearml-server answers {"settings": ...}; its web app reads res.settings
}
# Schema fields we do not send, each for a reason.
ABSENT_FIELDS = {
    "auth.get_credentials": {"credentials[].last_used"},  # until first used (clearml-server leaves out nulls too)
    "users.get_current_user": {"user.avatar"},  # no avatars here
    # Secrets are write-only: never in an answer.
    "storage.get_settings": {
        "aws.secret",
        "aws.token",
        "aws.buckets[].secret",
        "aws.buckets[].token",
        "google.credentials_json",
        "azure.containers[].account_key",
    },
    "login.supported_modes": {
        *("basic.guest.name", "basic.guest.username", "basic.guest.password"),  # no guest
    },
}
# Types that differ from the schema file, each for a reason.
TYPE_DEVIATIONS = {
    # The schema says string; clearml-server sends an integer (int(config...)) and its web app's model is a number.
    ("users.get_current_user", "settings.max_download_items"): int,
}
# Request parameters beyond the schema (our own), and schema parameters we do not take.
EXTRA_REQUEST_FIELDS = {"auth.create_credentials": {"expiry_days"}}
_JSON_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list, "integer": int, "long": int}


def _type_ok(value, spec: dict) -> bool:
    types = spec.get("type")
    types = types if isinstance(types, list) else [types] if types else []
    if not types:
        return True
    for name in types:
        if name == "null" and value is None:
            return True
        expected = _JSON_TYPES.get(name)
        if expected is int and isinstance(value, bool):
            continue
        if expected is not None and isinstance(value, expected):
            return True
    return False


def _check(endpoint: str, value, spec: dict, path: str, problems: list[str]) -> None:
    deviation = TYPE_DEVIATIONS.get((endpoint, path))
    if deviation is not None:
        if not isinstance(value, deviation):
            problems.append(f"{path}: expected {deviation.__name__}")
        return
    if not _type_ok(value, spec):
        problems.append(f"{path or '<data>'}: {value!r} is not {spec.get('type')}")
        return
    if "enum" in spec and value not in spec["enum"]:
        problems.append(f"{path}: {value!r} not in {spec['enum']}")
    if spec.get("format") == "date-time" and isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            problems.append(f"{path}: {value!r} is not a date-time")
    if isinstance(value, dict) and "properties" in spec:
        properties = spec["properties"]
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if key in properties:
                _check(endpoint, item, properties[key], child, problems)
            elif child not in EXTRA_FIELDS.get(endpoint, set()) and spec.get("additionalProperties") is not True:
                problems.append(f"{child}: not in the schema")
        for key in properties:
            child = f"{path}.{key}" if path else key
            if key not in value and child not in ABSENT_FIELDS.get(endpoint, set()):
                problems.append(f"{child}: missing")
    if isinstance(value, list) and "items" in spec:
        for item in value:
            _check(endpoint, item, spec["items"], f"{path}[]", problems)


@pytest.fixture
def responses(api, make_user, database) -> dict[str, tuple[str, dict]]:
    """One successful call of every endpoint, on a self-hosted server with data in every section."""
    database(MODE="self-hosted")
    user = make_user("Ann Smith")
    extra = make_user("Bob Jones")
    for data in (
        CloudAccessInput(S3, "my-bucket", AWS_KEY, AWS_SECRET, "TOKEN"),
        CloudAccessInput(S3_COMPATIBLE, "minio-bucket", "minio", "secret", host="https://minio.test:9000"),
        CloudAccessInput(GCS, "gcs_bucket", "GOOG1EKEY", "secret"),
        CloudAccessInput(AZURE, "container", secret=future_sas(), host="myaccount"),
    ):
        cloud_access.add_cloud_access(user.user_id, data)
    bearer = user.bearer
    calls = {
        "auth.login": lambda: api.post("/api/auth.login", auth=(user.creds.access_key, user.creds.secret_key)),
        "auth.create_credentials": lambda: api.post(
            "/api/auth.create_credentials", headers=bearer, json={"label": "x"}
        ),
        "auth.get_credentials": lambda: api.post("/api/auth.get_credentials", headers=bearer, json={}),
        "auth.edit_credentials": lambda: api.post(
            "/api/auth.edit_credentials", headers=bearer, json={"access_key": user.creds.access_key, "label": "y"}
        ),
        "users.get_current_user": lambda: api.post("/api/users.get_current_user", headers=bearer, json={}),
        "users.update": lambda: api.post(
            "/api/users.update", headers=bearer, json={"user": user.public_id, "name": "Ann Jones"}
        ),
        "users.get_preferences": lambda: api.post("/api/users.get_preferences", headers=bearer, json={}),
        "users.set_preferences": lambda: api.post(
            "/api/users.set_preferences", headers=bearer, json={"preferences": {"version": 1}}
        ),
        "server.info": lambda: api.get("/api/server.info"),
        "server.report_stats_option": lambda: api.post(
            "/api/server.report_stats_option", headers=bearer, json={"enabled": True}
        ),
        "login.supported_modes": lambda: api.get("/api/login.supported_modes"),
        "login.logout": lambda: api.post("/api/login.logout"),
        "storage.get_settings": lambda: api.post("/api/storage.get_settings", headers=bearer, json={}),
        "storage.set_settings": lambda: api.post(
            "/api/storage.set_settings", headers=bearer, json={"google": {}, "azure": {"containers": []}}
        ),
        "debug.ping": lambda: api.get("/api/debug.ping"),
        "auth.revoke_credentials": lambda: api.post(
            "/api/auth.revoke_credentials", headers=extra.bearer, json={"access_key": extra.creds.access_key}
        ),
    }
    answers = {}
    for name, send in calls.items():
        response = send()
        assert result(response) == (200, 0), (name, response.text)
        answers[name] = (response.json()["meta"]["endpoint"]["actual_version"], response.json()["data"])
    return answers


def test_the_schema_copy_covers_exactly_the_clearml_endpoints_we_serve():
    assert set(SCHEMA) == set(registry.ENDPOINTS) - OURS_ONLY


def test_every_response_matches_the_schema(responses):
    problems: list[str] = []
    assert set(responses) == set(SCHEMA)
    for name, (_served, data) in responses.items():  # unversioned calls: the newest schema applies
        newest = max(SCHEMA[name], key=lambda v: tuple(map(int, v.split("."))))
        found: list[str] = []
        _check(name, data, SCHEMA[name][newest]["response"], "", found)
        problems += [f"{name} {newest}: {problem}" for problem in found]
    assert problems == [], "\n".join(problems)


def test_request_parameters_are_the_schemas():
    problems = []
    for name, endpoint in registry.ENDPOINTS.items():
        if name in OURS_ONLY:
            continue
        newest = max(SCHEMA[name], key=lambda v: tuple(map(int, v.split("."))))
        request = SCHEMA[name][newest]["request"]
        properties = request.get("properties", {})
        for field, expected in endpoint.fields.items():
            if field in EXTRA_REQUEST_FIELDS.get(name, set()):
                continue
            if field not in properties:
                problems.append(f"{name}: takes {field}, which the schema does not have")
            elif _JSON_TYPES.get(properties[field].get("type")) is not expected:
                problems.append(f"{name}.{field}: {expected.__name__} vs {properties[field].get('type')}")
        for field in properties:
            if field not in endpoint.fields:
                problems.append(f"{name}: does not take the schema's {field}")
        if endpoint.closed != (request.get("additionalProperties") is False) and name not in EXTRA_REQUEST_FIELDS:
            problems.append(
                f"{name}: closed={endpoint.closed} but the schema says {request.get('additionalProperties')}"
            )
    assert problems == [], "\n".join(problems)
