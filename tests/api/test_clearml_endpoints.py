"""The endpoints ClearML's web app calls for the Profile page, each the second door of the page's own service:
users.get_current_user / update / get_preferences / set_preferences, server.info / report_stats_option,
login.supported_modes / logout, storage.get_settings / set_settings; and truthful versions in every envelope."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from profile_app.api import registry
from profile_app.config import APP_VERSION, get_settings
from profile_app.services import accounts, cloud_access, credentials, preferences, usage_stats
from profile_app.services.cloud_access import CloudAccessInput
from profile_app.services.storage_providers import AZURE, GCS, S3, S3_COMPATIBLE
from tests.api.conftest import result
from tests.unit.test_cloud_access import AWS_KEY, AWS_SECRET, future_sas


def accounts_created(user_id: int) -> str:
    from profile_app.db import read
    from profile_app.models import User

    with read() as session:
        return session.get(User, user_id).created_at.isoformat()


def _post(api, user, name: str, body: dict | None = None, version: str | None = None):
    path = f"/api/v{version}/{name}" if version else f"/api/{name}"
    return api.post(path, headers=user.bearer, json=body if body is not None else {})


# ---------------------------------------------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("path", "requested", "actual"),
    [
        # clearml-server's handlers serve from version 1.0 unless they say otherwise (server.info has 2.8 and 2.12
        # handlers, login.logout starts at 2.13); an unversioned call asks for the highest version, 2.31.
        ("/api/users.get_current_user", "2.31", "1.0"),
        ("/api/v2.23/users.get_current_user", "2.23", "1.0"),
        ("/api/v2.99/users.get_current_user", "2.99", "1.0"),
        ("/api/v2.23/auth.get_credentials", "2.23", "1.0"),
        ("/api/server.info", "2.31", "2.12"),
        ("/api/v2.10/server.info", "2.10", "2.8"),
        ("/api/v2.1/server.info", "2.1", "1.0"),
        ("/api/v2.13/login.logout", "2.13", "2.13"),
        ("/api/v2.12/login.logout", "2.12", None),
    ],
)
def test_envelope_reports_the_version_asked_for_and_the_one_that_served(api, make_user, path, requested, actual):
    user = make_user()
    meta = api.post(path, headers=user.bearer, json={}).json()["meta"]
    assert (meta["endpoint"]["requested_version"], meta["endpoint"]["actual_version"]) == (requested, actual)
    assert meta["endpoint"]["name"] == path.rsplit("/", 1)[1]


def test_server_info_is_truthful(api):
    data = api.get("/api/server.info").json()["data"]
    assert data["version"] == APP_VERSION
    assert data["api_version"] == registry.max_version() == credentials.API_VERSION == "2.31"
    highest = tuple(map(int, data["api_version"].split(".")))
    assert all(tuple(map(int, v.split("."))) <= highest for e in registry.ENDPOINTS.values() for v in e.versions)
    assert data["uid"] == usage_stats.installation_id() and uuid.UUID(data["uid"])


def test_every_endpoint_is_in_the_openapi_document(api):
    paths = api.get("/api/openapi.json").json()["paths"]
    assert {f"/api/{name}" for name in registry.ENDPOINTS} <= set(paths)
    assert {"/api/health"} <= set(paths)  # FastAPI's own routes stay documented beside them
    for name, spec in registry.ENDPOINTS.items():  # one POST operation each, its summary the handler's first line
        assert list(paths[f"/api/{name}"]) == ["post"]
        assert paths[f"/api/{name}"]["post"].get("summary") == spec.handler.__doc__.strip().split("\n")[0]


def test_every_endpoint_answers_every_method_at_both_paths(api):
    """The dispatcher's three plain routes serve every endpoint (the OpenAPI operations route nothing)."""
    for name in registry.ENDPOINTS:
        for path in (f"/api/{name}", f"/api/v{registry.max_version()}/{name}"):
            for method in registry.METHODS:
                response = api.request(method, path)
                assert response.json()["meta"]["endpoint"]["name"] == name, (method, path)
                assert response.headers["x-frame-options"] == "DENY"  # the guard's headers on every answer
    assert api.get("/api/health").json()["status"] == "ok"  # routers included first still come first


def test_every_answer_has_its_own_request_and_transaction_ids(api):
    metas = [api.get("/api/debug.ping").json()["meta"] for _ in range(20)]
    ids = [meta[key] for meta in metas for key in ("id", "trx")]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids) and len(set(ids)) == len(ids)


# ---------------------------------------------------------------------------------------------------- users


def test_get_current_user_has_the_public_id_and_creation(api, make_user):
    user = make_user("Ann Smith")
    data = _post(api, user, "users.get_current_user").json()["data"]
    me = data["user"]
    assert me["id"] == user.public_id and len(me["id"]) == 32 and str(user.user_id) != me["id"]
    assert (me["name"], me["given_name"], me["family_name"]) == ("Ann Smith", "Ann", "Smith")
    assert me["created"] == accounts_created(user.user_id)
    assert me["created_in_version"] == APP_VERSION
    assert me["preferences"]["views"] == {"theme": "system", "disableHidpi": False}
    assert data["settings"] == {"max_download_items": 1000}


def test_users_update_renames_through_the_page_rules(api, make_user):
    user = make_user("Ann Smith")
    response = _post(api, user, "users.update", {"user": user.public_id, "name": "  Ann   Jones "})
    assert response.json()["data"] == {"updated": 1, "fields": {"name": "Ann Jones"}}
    assert accounts.get_account(user.user_id).name == "Ann Jones"
    same = _post(api, user, "users.update", {"user": user.public_id, "name": "Ann Jones"})
    assert same.json()["data"] == {"updated": 0, "fields": {}}
    parts = _post(api, user, "users.update", {"user": user.public_id, "given_name": "Ada", "family_name": "Byron"})
    assert parts.json()["data"]["fields"] == {"name": "Ada Byron"}
    for bad in ("<reflex.Var>x</reflex.Var>", "\u200b\u200b\u200b", "A\u202eB", "x"):
        refused = _post(api, user, "users.update", {"user": user.public_id, "name": bad})
        assert result(refused) == (400, 12)
    assert result(_post(api, user, "users.update", {"user": user.public_id, "avatar": "http://x/a.png"})) == (400, 12)
    assert accounts.get_account(user.user_id).name == "Ada Byron"


def test_preferences_document_and_the_page_switches_agree(api, make_user):
    user = make_user()
    assert _post(api, user, "users.get_preferences").json()["data"]["preferences"] == {
        "views": {"theme": "system", "disableHidpi": False}
    }
    changed = _post(
        api,
        user,
        "users.set_preferences",
        {"preferences": {"version": 1, "views": {"theme": "dark", "autoRefresh": True, "disableHidpi": True}}},
    ).json()["data"]
    expected = {"version": 1, "views": {"theme": "dark", "autoRefresh": True, "disableHidpi": True}}
    assert changed == {"updated": 1, "fields": {"preferences": expected}}
    page = preferences.get_preferences(user.user_id)
    assert (page.theme, page.hidpi_override) == ("dark", False)
    # The page changes a switch: the API's document follows.
    preferences.set_theme(user.user_id, "light")
    preferences.set_hidpi_override(user.user_id, True)
    document = _post(api, user, "users.get_preferences").json()["data"]["preferences"]
    assert document == {"version": 1, "views": {"theme": "light", "autoRefresh": True, "disableHidpi": False}}
    # Setting the same again changes nothing; other top-level keys are kept.
    again = _post(api, user, "users.set_preferences", {"preferences": {"version": 1}}).json()["data"]
    assert again == {"updated": 0, "fields": {}}
    # Replacing views without a theme means the default theme (as ClearML's web app reads a missing one).
    _post(api, user, "users.set_preferences", {"preferences": {"views": {"autoRefresh": False}}})
    assert preferences.get_preferences(user.user_id).theme == "system"
    assert _post(api, user, "users.get_current_user").json()["data"]["user"]["preferences"]["version"] == 1


@pytest.mark.parametrize(
    ("preferences_body", "code"),
    [
        ({"views": {"disableHidpi": "yes"}}, (400, 305)),
        ({"big": "x" * (70 * 1024)}, (400, 305)),
        ({"note": "<reflex.Var>x</reflex.Var>"}, (400, 305)),
        ({"a": {"b.c": 1}}, (400, 16)),
        ("not an object", (400, 12)),
    ],
)
def test_preferences_refusals_change_nothing(api, make_user, preferences_body, code):
    user = make_user()
    before = _post(api, user, "users.get_preferences").json()["data"]
    response = _post(api, user, "users.set_preferences", {"preferences": preferences_body})
    assert result(response) == code
    assert _post(api, user, "users.get_preferences").json()["data"] == before


# ---------------------------------------------------------------------------------------------------- server


def test_report_stats_option_is_unsupported_on_hosted_servers(api, make_user):
    user = make_user()
    assert _post(api, user, "server.report_stats_option").json()["data"] == {"supported": False}
    assert _post(api, user, "server.report_stats_option", {"enabled": True}).json()["data"] == {"supported": False}


def test_report_stats_option_reads_for_everyone_and_sets_for_administrators(api, make_user, database):
    database(MODE="self-hosted")
    admin, member = make_user("Ada Admin"), make_user("Bob Member")
    assert accounts.get_account(admin.user_id).is_admin and not accounts.get_account(member.user_id).is_admin
    assert _post(api, member, "server.report_stats_option").json()["data"] == {
        "supported": True,
        "enabled": False,
        "current_version": APP_VERSION,
    }
    assert result(_post(api, member, "server.report_stats_option", {"enabled": True})) == (403, 20)
    assert not usage_stats.get_usage_state(admin.user_id).decided
    data = _post(api, admin, "server.report_stats_option", {"enabled": True}).json()["data"]
    assert data["supported"] and data["enabled"]
    assert (data["enabled_user"], data["enabled_version"]) == (admin.public_id, APP_VERSION)
    assert data["enabled_time"] and usage_stats.get_usage_state(member.user_id).enabled
    assert _post(api, member, "server.report_stats_option").json()["data"]["enabled"] is True
    assert result(_post(api, admin, "server.report_stats_option", {"enabled": "yes"})) == (400, 12)


# ---------------------------------------------------------------------------------------------------- login


def test_supported_modes_says_who_is_signed_in(api, make_user):
    user = make_user()
    anonymous = api.get("/api/login.supported_modes").json()["data"]
    assert anonymous["basic"]["enabled"] is True and anonymous["authenticated"] is False
    assert api.post("/api/login.supported_modes", headers=user.bearer).json()["data"]["authenticated"] is True
    garbage = api.post("/api/login.supported_modes", headers={"Authorization": "Bearer nope"})
    assert result(garbage) == (200, 0) and garbage.json()["data"]["authenticated"] is False
    token = accounts.open_session(user.user_id)
    api.cookies.set("profile_session", token)
    assert api.get("/api/login.supported_modes").json()["data"]["authenticated"] is True


def test_supported_modes_lists_single_sign_on_when_configured(api, database):
    assert api.get("/api/login.supported_modes").json()["data"]["sso_providers"] == []
    database(
        OIDC_ISSUER="http://127.0.0.1:9/issuer", OIDC_CLIENT_ID="profile", OIDC_CLIENT_SECRET="s3cret",
        OIDC_BUTTON_LABEL="Sign in with Example", OIDC_ONLY="true",
    )
    modes = api.get("/api/login.supported_modes").json()["data"]
    start = get_settings().backend_url + "/api/oidc/login"
    assert modes["basic"]["enabled"] is False
    assert modes["sso"] == {"oidc": start}
    assert modes["sso_providers"] == [{"name": "oidc", "url": start, "display_name": "Sign in with Example"}]
    assert "s3cret" not in json.dumps(modes)


def test_logout_ends_the_web_session_and_clears_the_cookie(api, make_user):
    user = make_user()
    token = accounts.open_session(user.user_id)
    other = accounts.open_session(user.user_id)
    api.cookies.set("profile_session", token)
    response = api.post("/api/login.logout")
    assert result(response) == (200, 0) and response.json()["data"] == {}
    assert accounts.resolve_session(token) is None and accounts.resolve_session(other) == user.user_id
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("profile_session=") and "Max-Age=0" in cookie and "HttpOnly" in cookie
    api.cookies.clear()
    assert result(api.post("/api/login.logout")) == (200, 0)  # no session: nothing to do, no error


# ---------------------------------------------------------------------------------------------------- storage


def _settings(api, user) -> dict:
    response = _post(api, user, "storage.get_settings")
    assert result(response) == (200, 0)
    data = response.json()["data"]
    document = data.pop("settings")
    assert document == data  # clearml-server's wrapper and the schema's top-level fields agree
    return data


def test_storage_settings_show_the_rows_without_secrets(api, make_user):
    user = make_user()
    cloud_access.add_cloud_access(user.user_id, CloudAccessInput(S3, "my-bucket", AWS_KEY, AWS_SECRET, "TOK1"))
    cloud_access.add_cloud_access(
        user.user_id, CloudAccessInput(S3_COMPATIBLE, "minio-bucket", "minio", "MINIOSECRET", host="http://m.test:9000")
    )
    cloud_access.add_cloud_access(user.user_id, CloudAccessInput(GCS, "gcs_bucket", "GOOG1EKEY", "GCSSECRET"))
    sas = future_sas()
    cloud_access.add_cloud_access(user.user_id, CloudAccessInput(AZURE, "container", secret=sas, host="myaccount"))
    response = _post(api, user, "storage.get_settings")
    for secret in (AWS_SECRET, "TOK1", "MINIOSECRET", "GCSSECRET", sas, "sig="):
        assert secret not in response.text
    data = _settings(api, user)
    buckets = {b["bucket"]: b for b in data["aws"]["buckets"]}
    assert (buckets["my-bucket"]["host"], buckets["my-bucket"]["region"]) == ("", "us-east-1")
    assert buckets["my-bucket"]["key"] == AWS_KEY
    assert (buckets["minio-bucket"]["host"], buckets["minio-bucket"]["secure"]) == ("m.test:9000", False)
    assert (buckets["gcs_bucket"]["host"], buckets["gcs_bucket"]["secure"]) == ("storage.googleapis.com", True)
    assert "secret" not in buckets["my-bucket"] and "token" not in buckets["my-bucket"]
    assert data["azure"]["containers"] == [{"account_name": "myaccount", "container_name": "container"}]
    assert data["google"] == {"project": "", "buckets": []}
    assert data["last_update"]


def test_storage_set_settings_writes_rows_through_the_same_service(api, make_user):
    user = make_user()
    sas = future_sas()
    body = {
        "aws": {
            "buckets": [
                {"bucket": "my-bucket", "key": AWS_KEY, "secret": AWS_SECRET, "region": "eu-west-3"},
                {"bucket": "minio-bucket", "host": "minio.test:9000", "secure": False, "key": "mk", "secret": "ms"},
                {"bucket": "gcs_bucket", "host": "storage.googleapis.com", "key": "GOOG1E", "secret": "gs"},
            ]
        },
        "azure": {"containers": [{"account_name": "myaccount", "account_key": sas, "container_name": "box"}]},
    }
    assert _post(api, user, "storage.set_settings", body).json()["data"] == {"updated": 1}
    rows = {row.bucket: row for row in cloud_access.list_cloud_access(user.user_id)}
    assert (rows["my-bucket"].provider, rows["my-bucket"].host, rows["my-bucket"].region) == (S3, "", "eu-west-3")
    assert (rows["minio-bucket"].provider, rows["minio-bucket"].host) == (S3_COMPATIBLE, "http://minio.test:9000")
    assert "unencrypted" in rows["minio-bucket"].warning
    assert (rows["gcs_bucket"].provider, rows["gcs_bucket"].host) == (GCS, "https://storage.googleapis.com")
    assert (rows["box"].provider, rows["box"].host) == (AZURE, "https://myaccount.blob.core.windows.net")
    assert cloud_access.stored_credentials(user.user_id, rows["my-bucket"].id).secret == AWS_SECRET
    assert cloud_access.stored_credentials(user.user_id, rows["box"].id).secret == sas

    # Round trip: what get_settings answers can be set back unchanged; secrets are kept, nothing is duplicated.
    document = _settings(api, user)
    document.pop("last_update")
    assert result(_post(api, user, "storage.set_settings", document)) == (200, 0)
    assert cloud_access.stored_credentials(user.user_id, rows["my-bucket"].id).secret == AWS_SECRET
    assert cloud_access.stored_credentials(user.user_id, rows["box"].id).secret == sas
    assert len(cloud_access.list_cloud_access(user.user_id)) == 4

    # A section replaces its rows; the other section is untouched.
    _post(api, user, "storage.set_settings", {"aws": {"buckets": [{"bucket": "my-bucket", "key": AWS_KEY}]}})
    assert sorted(row.bucket for row in cloud_access.list_cloud_access(user.user_id)) == ["box", "my-bucket"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"aws": {"buckets": [{"bucket": "ok-bucket", "key": AWS_KEY, "secret": "s"}, {"bucket": "Bad"}]}},
            "aws.buckets[1].bucket",
        ),
        ({"aws": {"buckets": [{"bucket": "new-bucket", "key": AWS_KEY}]}}, "aws.buckets[0].secret"),
        ({"aws": {"key": AWS_KEY, "secret": "s"}}, "aws.key"),
        ({"aws": {"buckets": [{"bucket": "b-1", "key": AWS_KEY, "secret": "s", "verify": False}]}}, "verify"),
        ({"aws": {"buckets": [{"bucket": "b-1", "key": AWS_KEY, "secret": "s", "subdir": "x"}]}}, "subdir"),
        ({"aws": {"buckets": [{"bucket": "b-1", "colour": "red"}]}}, "colour"),
        ({"aws": {"buckets": [{"bucket": "b-1", "key": 5}]}}, "wrong type"),
        ({"google": {"credentials_json": "{}"}}, "HMAC"),
        (
            {
                "azure": {
                    "containers": [{"account_name": "bad name", "container_name": "box", "account_key": future_sas()}]
                }
            },
            "azure.containers[0].account_name",
        ),
        (
            {"azure": {"containers": [{"account_name": "myaccount", "container_name": "box", "account_key": "nope"}]}},
            "azure.containers[0].account_key",
        ),
    ],
)
def test_storage_set_settings_refusals_name_the_field_and_change_nothing(api, make_user, body, fragment):
    user = make_user()
    cloud_access.add_cloud_access(user.user_id, CloudAccessInput(S3, "kept-bucket", AWS_KEY, AWS_SECRET))
    before = cloud_access.list_cloud_access(user.user_id)
    response = _post(api, user, "storage.set_settings", body)
    assert result(response) == (400, 12)
    assert fragment in response.json()["meta"]["result_msg"]
    assert cloud_access.list_cloud_access(user.user_id) == before
