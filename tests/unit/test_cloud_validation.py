"""Per-provider rules of a Cloud access row (issue 12 item 4) and the save-time outbound warning."""

from __future__ import annotations

import pytest

from profile_app.services import cloud_validation, storage_providers
from profile_app.services.cloud_validation import CloudAccessInput, validate_cloud_access
from profile_app.services.errors import ValidationFailed
from profile_app.services.storage_providers import AZURE, GCS, S3, S3_COMPATIBLE
from tests.unit.test_cloud_access import AWS_KEY, AWS_SECRET, future_sas

MARKER = "<reflex.Var>x</reflex.Var>"


def azure(host: str, **changes) -> CloudAccessInput:
    values = dict(provider=AZURE, bucket="container", secret=future_sas(), host=host)
    values.update(changes)
    return CloudAccessInput(**values)


def refused(data: CloudAccessInput, field: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_cloud_access(data, editing=False)
    assert caught.value.field == field, caught.value.message
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("myaccount", "https://myaccount.blob.core.windows.net"),
        ("MyAccount", "https://myaccount.blob.core.windows.net"),
        ("myaccount.blob.core.windows.net", "https://myaccount.blob.core.windows.net"),
        ("https://myaccount.blob.core.windows.net/", "https://myaccount.blob.core.windows.net"),
        ("https://files.example.com", "https://files.example.com"),
        ("http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1"),
    ],
)
def test_azure_takes_the_account_name_its_host_or_a_url(settings_env, given, stored):
    valid = validate_cloud_access(azure(given), editing=False)
    assert valid.host == stored
    assert (valid.key, valid.token, valid.region) == ("", "", "")


def test_azure_account_name_round_trips(settings_env):
    assert cloud_validation.azure_account_name("https://myaccount.blob.core.windows.net") == "myaccount"
    assert cloud_validation.azure_account_name("http://127.0.0.1:10000/devstoreaccount1") == ""
    assert cloud_validation.azure_account_name("https://files.example.com") == ""


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"host": ""}, "host", "Enter the storage account name"),
        ({"host": "my-account"}, "host", "3 to 24 lowercase letters and digits"),
        ({"host": "ab"}, "host", "3 to 24 lowercase letters and digits"),
        ({"host": "myaccount.example.com"}, "host", "3 to 24 lowercase letters and digits"),
        ({"host": "http://127.0.0.1:10000/<reflex.Var>"}, "host", "markup"),
        ({"host": "http://127.0.0.1:10000/Dev_Account"}, "host", "storage account name"),
        ({"key": "account"}, "key", "Leave Key empty for Azure Blob"),
        ({"token": "tok"}, "token", "Leave Token empty for Azure Blob"),
        ({"region": "westeurope"}, "region", "Leave Region empty for Azure Blob"),
        ({"secret": ""}, "secret", "Enter the shared access signature"),
    ],
)
def test_azure_is_account_container_and_sas_only(settings_env, changes, field, fragment):
    refused(azure(**{"host": "myaccount", **changes}), field, fragment)


def test_aws_s3_has_no_host_and_says_to_choose_s3_compatible(settings_env):
    data = CloudAccessInput(S3, "my-bucket", AWS_KEY, AWS_SECRET, host="https://s3.example.com")
    refused(data, "host", "choose S3-compatible")


def test_s3_compatible_needs_its_host(settings_env):
    refused(CloudAccessInput(S3_COMPATIBLE, "my-bucket", "minio", "secret"), "host", "S3-compatible server")


def test_gcs_takes_an_hmac_access_id_and_says_where_to_find_one(settings_env):
    refused(CloudAccessInput(GCS, "my-bucket", "minio", "secret"), "key", "Interoperability")
    valid = validate_cloud_access(CloudAccessInput(GCS, "my_bucket", "GOOG1EXAMPLE", "secret"), editing=False)
    assert valid.host == storage_providers.GCS_ENDPOINT
    assert "HMAC" in cloud_validation.PROVIDER_HINTS[GCS] and "GOOG" in cloud_validation.PROVIDER_HINTS[GCS]
    assert set(cloud_validation.PROVIDER_HINTS) == set(storage_providers.PROVIDER_LABELS)


@pytest.mark.parametrize("field", ["bucket", "key", "secret", "token", "region", "host"])
def test_framework_markers_and_invisible_characters_are_refused_in_every_field(settings_env, field):
    base = dict(provider=S3_COMPATIBLE, bucket="my-bucket", key="minio", secret="secret", host="https://minio.test")
    refused(CloudAccessInput(**{**base, field: MARKER}), field, "")
    refused(CloudAccessInput(**{**base, field: "abc\u200bdef"}), field, "invisible")


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        ("http://127.0.0.1:9000", "loopback"),
        ("https://10.1.2.3", "private"),
        ("https://169.254.169.254", "metadata"),
        ("https://localhost:9000", "loopback"),
        ("https://[fec0::1]:9000", "site-local"),
        ("https://minio.example.com", ""),
    ],
)
def test_a_host_the_server_will_not_contact_is_saved_with_the_outbound_warning(settings_env, host, warned):
    data = CloudAccessInput(S3_COMPATIBLE, "my-bucket", "minio", "secret", host=host)
    warning = validate_cloud_access(data, editing=False).warning
    if warned:
        assert warned in warning and "PROFILE_OUTBOUND_ALLOWLIST" in warning
    else:
        assert warning == ""


def test_an_allowlisted_host_saves_without_the_outbound_warning(settings_env):
    settings_env(OUTBOUND_ALLOWLIST="127.0.0.1")
    data = CloudAccessInput(S3_COMPATIBLE, "my-bucket", "minio", "secret", host="https://127.0.0.1:9000")
    assert validate_cloud_access(data, editing=False).warning == ""


def test_no_failure_of_an_aws_row_recommends_checking_the_host():
    """AWS S3 rows have no Host (Endpoint); every outcome message says something an AWS user can act on."""
    aws = storage_providers.StoredCredentials(1, S3, "my-bucket", AWS_KEY, "eu-west-3", "", "s", "")
    sp = storage_providers
    outcomes = [sp.OK, sp.BUCKET_NOT_FOUND, sp.ACCESS_DENIED, sp.INVALID_ACCESS_KEY, sp.SIGNATURE_MISMATCH]
    outcomes += [sp.TOKEN_INVALID, sp.WRONG_REGION, sp.UNREACHABLE, sp.TIMED_OUT, sp.TLS_ERROR, sp.FAILED]
    for outcome in outcomes:
        message = storage_providers._outcome_message(outcome, aws, "us-east-1", "detail")
        assert "host" not in message.lower(), (outcome, message)
    assert "Check the Region" in storage_providers._outcome_message(storage_providers.UNREACHABLE, aws)
    custom = storage_providers.StoredCredentials(1, S3_COMPATIBLE, "b", "k", "", "https://minio.test", "s", "")
    assert "Check the Host (Endpoint)" in storage_providers._outcome_message(storage_providers.UNREACHABLE, custom)
