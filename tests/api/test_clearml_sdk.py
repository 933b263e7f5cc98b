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
