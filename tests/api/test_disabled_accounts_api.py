"""A disabled account's API credentials and tokens are refused at once over HTTP, and work again after Enable."""

from __future__ import annotations

from profile_app.services import accounts, administration
from tests.api.conftest import new_api_user


def test_auth_login_and_bearer_calls_fail_while_disabled_and_work_after_enable(api, database):
    database(MODE="self-hosted")
    admin = accounts.sign_up("Ada Admin", "ada@example.com", "correct horse battery")
    user = new_api_user(api, "Bob Builder")
    keys = (user.creds.access_key, user.creds.secret_key)

    administration.disable_user(admin, user.user_id)

    refused = api.post("/api/auth.login", auth=keys)
    assert refused.status_code == 401, refused.text
    assert api.post("/api/users.get_current_user", headers=user.bearer).status_code == 401
    assert api.post("/api/auth.login", headers=user.bearer).status_code == 401
    assert api.post("/api/auth.get_credentials", auth=keys).status_code == 401

    administration.enable_user(admin, user.user_id)

    assert api.post("/api/auth.login", auth=keys).status_code == 200
    current = api.post("/api/users.get_current_user", headers=user.bearer)
    assert current.status_code == 200
    assert current.json()["data"]["user"]["id"] == user.public_id
