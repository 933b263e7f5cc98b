"""Compatibility with the official `clearml` package: its Session and `clearml-init` against a real server process
(granian serving create_api() on a loopback port, sharing the test's database)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from profile_app.db import transaction
from profile_app.models import ApiCredential, utcnow
from profile_app.services import accounts, credentials
from tests.conftest import random_password

BIN = Path(sys.executable).parent

SESSION_SCRIPT = """
import sys
from clearml.backend_api.session import Session
try:
    session = Session(api_key=sys.argv[1], secret_key=sys.argv[2], host=sys.argv[3], http_retries_config={"total": 0})
    print("LOGGED-IN", session.token[:8])
except Exception as exc:
    print("REFUSED", type(exc).__name__, exc)
"""


@pytest.fixture
def sdk_env(tmp_path) -> dict[str, str]:
    """The SDK's environment: a throwaway HOME and config file, so nothing touches the real ~/clearml.conf."""
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CLEARML_", "TRAINS_"))}
    env.update(HOME=str(home), CLEARML_CONFIG_FILE=str(home / "absent.conf"), CLEARML_LOG_LEVEL="ERROR")
    return env


@pytest.fixture
def user_id(database) -> int:
    return accounts.sign_up("Ann Smith", "ann@example.com", random_password())


def _sdk_session(env: dict[str, str], new: credentials.NewCredentials, url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SESSION_SCRIPT, new.access_key, new.secret_key, url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


def test_sdk_session_logs_in_and_is_locked_out_after_revoke(api_url, sdk_env, user_id):
    new = credentials.create_credentials(user_id, "sdk")
    output = _sdk_session(sdk_env, new, api_url)
    assert "LOGGED-IN" in output, output
    listed = credentials.list_credentials(user_id)
    assert listed[0].last_used_at is not None and listed[0].last_used_from  # the SDK sends its worker id

    credentials.revoke_credentials(user_id, new.access_key)
    output = _sdk_session(sdk_env, new, api_url)
    assert "REFUSED LoginError" in output and "error 401" in output, output


def test_sdk_session_is_refused_after_expiry(api_url, sdk_env, user_id):
    new = credentials.create_credentials(user_id, "short", expiry_days=30)
    assert "LOGGED-IN" in _sdk_session(sdk_env, new, api_url)
    with transaction() as session:
        session.exec(
            sa.update(ApiCredential)
            .where(ApiCredential.access_key == new.access_key)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    output = _sdk_session(sdk_env, new, api_url)
    assert "REFUSED LoginError" in output and "error 401" in output, output


def test_sdk_session_refuses_a_wrong_secret(api_url, sdk_env, user_id):
    new = credentials.create_credentials(user_id)
    wrong = credentials.NewCredentials(**{**new.__dict__, "secret_key": credentials.new_secret_key()})
    output = _sdk_session(sdk_env, wrong, api_url)
    assert "REFUSED LoginError" in output, output


def test_clearml_init_accepts_the_local_python_block(api_url, sdk_env, user_id, tmp_path):
    new = credentials.create_credentials(user_id, "clearml-init")
    target = tmp_path / "clearml.conf"
    result = subprocess.run(
        [str(BIN / "clearml-init"), "--file", str(target)],
        input=new.local_python,
        env=sdk_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Credentials verified!" in result.stdout, result.stdout + result.stderr
    written = target.read_text()
    assert f"api_server: {new.api_server}" in written
    assert new.access_key in written and new.secret_key in written
    assert not (Path(sdk_env["HOME"]) / "clearml.conf").exists()


def test_clearml_init_reports_revoked_credentials(api_url, sdk_env, user_id, tmp_path):
    new = credentials.create_credentials(user_id)
    credentials.revoke_credentials(user_id, new.access_key)
    target = tmp_path / "clearml.conf"
    # After the first failure clearml-init asks for the key and secret by hand; answer with the same pair.
    manual = f"{new.access_key}\n{new.secret_key}\n"
    result = subprocess.run(
        [str(BIN / "clearml-init"), "--file", str(target)],
        input=new.local_python + manual,
        env=sdk_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Credentials verified!" not in result.stdout
    assert "could not verify credentials" in result.stdout, result.stdout
    assert not target.exists()


SDK_CALLS_SCRIPT = """
import json, sys
from clearml.backend_api.session import Session
from clearml.backend_api.session.client import APIClient
from clearml.backend_api.services import auth

session = Session(api_key=sys.argv[1], secret_key=sys.argv[2], host=sys.argv[3], http_retries_config={"total": 0})
out = {"server_api_version": Session.api_version}

# The SDK's own request classes (clearml.backend_api.services.v2_23.auth), sent and parsed by the SDK. Some it
# cannot send at all, its own schema check refuses them before anything leaves (SDK defects: the 'method' it adds
# breaks additionalProperties false; revoke's schema requires 'key_id'); those go raw.
import jsonschema

def typed(request):
    try:
        return session.send(request)
    except jsonschema.exceptions.ValidationError:
        out.setdefault("sdk_cannot_send", []).append(type(request).__name__)
        return None

def raw_data(service, action, body=None):
    return session.send_request(service, action, json=body or {}, method="post").json()["data"]

assert typed(auth.CreateCredentialsRequest(label="from the sdk")) is None
created = raw_data("auth", "create_credentials", {"label": "from the sdk"})["credentials"]
new_key = created["access_key"]
out["new_secret_len"] = len(created["secret_key"])
assert typed(auth.GetCredentialsRequest()) is None
out["listed"] = sorted(c["access_key"] for c in raw_data("auth", "get_credentials")["credentials"])
edited = typed(auth.EditCredentialsRequest(access_key=new_key, label="renamed by the sdk"))
out["edited"] = [edited.ok(), edited.response.updated]
bad = typed(auth.EditCredentialsRequest(access_key="NOSUCHKEY", label="x"))
out["edit_unknown"] = [bad.meta.result_code, bad.meta.result_subcode]
assert typed(auth.RevokeCredentialsRequest(access_key=new_key)) is None
out["revoked"] = raw_data("auth", "revoke_credentials", {"access_key": new_key})
gone = session.send_request("auth", "revoke_credentials", json={"access_key": new_key}, method="post").json()
out["revoke_again"] = [gone["meta"]["result_code"], gone["meta"]["result_subcode"]]
token = typed(auth.LoginRequest(expiration_sec=600))
out["login_token"] = bool(token.response.token)

# APIClient, as SDK users script it (edit_credentials is the call it can send).
client = APIClient(session=session)
client.auth.edit_credentials(access_key=sys.argv[1], label="edited through APIClient")
out["labels_after"] = [c["label"] for c in raw_data("auth", "get_credentials")["credentials"]]

# Endpoints the SDK has no request classes for: raw sends through the SDK's session (its auth, its headers).
def raw(service, action, body=None):
    response = session.send_request(service, action, json=body or {}, method="post")
    return response.status_code, response.json()

me = raw("users", "get_current_user")[1]["data"]["user"]
out["me"] = {k: me[k] for k in ("id", "name", "created_in_version")}
out["update"] = raw("users", "update", {"user": me["id"], "name": "Renamed Through SDK"})[1]["data"]
out["set_preferences"] = raw("users", "set_preferences", {"preferences": {"views": {"theme": "dark"}}})[1]["data"]
out["get_preferences"] = raw("users", "get_preferences")[1]["data"]
out["report_stats_option"] = raw("server", "report_stats_option")[1]["data"]
out["supported_modes"] = raw("login", "supported_modes")[1]["data"]["authenticated"]
out["set_settings"] = raw("storage", "set_settings", {"aws": {"buckets": [
    {"bucket": "sdk-bucket", "host": "minio.example.com:9000", "key": "minio", "secret": "minio-secret"}]}})
out["get_settings"] = raw("storage", "get_settings")[1]["data"]["settings"]["aws"]["buckets"]
out["unknown"] = raw("nosuch", "thing")
out["api_version"] = Session.api_version
print("RESULT " + json.dumps(out))
"""


def test_sdk_request_classes_apiclient_and_raw_sends(api_url, sdk_env, user_id):
    """The official SDK (2.1.x) against the live server: its typed auth requests, APIClient, and raw sends of
    the endpoints it has no classes for, each changing what the Profile page shows."""
    import json

    from profile_app.services import cloud_access, preferences

    new = credentials.create_credentials(user_id, "sdk")
    result = subprocess.run(
        [sys.executable, "-c", SDK_CALLS_SCRIPT, new.access_key, new.secret_key, api_url],
        env=sdk_env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, result.stdout + result.stderr
    out = json.loads(lines[0][len("RESULT ") :])
    assert out["server_api_version"] == "2.31"  # what our token says
    assert out["api_version"] == "2.23"  # the SDK then uses its newest services, below our 2.31
    sdk_side = ["CreateCredentialsRequest", "GetCredentialsRequest", "RevokeCredentialsRequest"]
    assert out["sdk_cannot_send"] == sdk_side  # refused by the SDK's own checks before sending
    assert out["new_secret_len"] == credentials.SECRET_LENGTH
    assert new.access_key in out["listed"] and len(out["listed"]) == 2
    assert out["edited"] == [True, 1]
    assert out["edit_unknown"] == [400, 75]
    assert out["revoked"] == {"revoked": 1}
    assert out["revoke_again"] == [400, 300]
    assert out["login_token"]
    assert out["labels_after"] == ["edited through APIClient"]
    assert [row.label for row in credentials.list_credentials(user_id)] == ["edited through APIClient"]
    assert len(out["me"]["id"]) == 32 and out["me"]["created_in_version"]
    assert out["update"] == {"updated": 1, "fields": {"name": "Renamed Through SDK"}}
    assert preferences.get_preferences(user_id).name == "Renamed Through SDK"
    assert out["set_preferences"]["updated"] == 1 and preferences.get_preferences(user_id).theme == "dark"
    assert out["get_preferences"]["preferences"]["views"]["theme"] == "dark"
    assert out["report_stats_option"] == {"supported": False}
    assert out["supported_modes"] is True
    assert out["set_settings"][0] == 200
    assert [row.bucket for row in cloud_access.list_cloud_access(user_id)] == ["sdk-bucket"]
    assert out["get_settings"][0]["host"] == "minio.example.com:9000" and "secret" not in out["get_settings"][0]
    status, body = out["unknown"]
    assert (status, body["meta"]["result_code"], body["meta"]["result_subcode"]) == (404, 404, 0)
