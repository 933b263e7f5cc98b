"""Test access and signed links against a real S3-compatible server on loopback (moto's server mode)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest

from profile_app.models import utcnow
from profile_app.services import accounts, cloud_access, signing, storage_providers
from profile_app.services.cloud_access import S3_COMPATIBLE, CloudAccessInput
from profile_app.services.errors import NotFound, ValidationFailed
from tests.conftest import random_password
from tests.moto_s3 import BUCKET, OBJECT_BYTES, OBJECT_KEY, S3TestServer, start_s3_server, stop_s3_server


@pytest.fixture(scope="module")
def s3_server():
    server = start_s3_server()
    yield server
    stop_s3_server(server)


@pytest.fixture
def user_id(database, s3_server) -> int:
    database(OUTBOUND_ALLOWLIST="127.0.0.1")
    return accounts.sign_up("Ada", f"ada-{random_password()[-6:]}@example.com", random_password())


def _add(user_id: int, server: S3TestServer, **changes) -> int:
    values = dict(
        provider=S3_COMPATIBLE, bucket=BUCKET, key=server.access_key, secret=server.secret_key, host=server.endpoint
    )
    values.update(changes)
    return cloud_access.add_cloud_access(user_id, CloudAccessInput(**values)).id


def test_access_ok_is_stored_on_the_row(user_id, s3_server):
    row_id = _add(user_id, s3_server)
    result = asyncio.run(cloud_access.test_cloud_access(user_id, row_id))
    assert result.outcome == cloud_access.OK, result.message
    assert result.message == "Access OK (region us-east-1)."
    row = cloud_access.list_cloud_access(user_id)[0]
    assert (row.last_test_result, row.last_test_message) == ("ok", result.message)
    assert row.last_test_at is not None


def test_wrong_secret_is_a_signature_mismatch(user_id, s3_server):
    row_id = _add(user_id, s3_server, secret="not-the-secret")
    result = asyncio.run(cloud_access.test_cloud_access(user_id, row_id))
    assert result.outcome == storage_providers.SIGNATURE_MISMATCH
    assert result.message == "Signature mismatch: the secret key is wrong."


def test_unknown_key_is_an_invalid_access_key(user_id, s3_server):
    row_id = _add(user_id, s3_server, key="AKIANOBODYKNOWSTHIS")
    assert asyncio.run(cloud_access.test_cloud_access(user_id, row_id)).outcome == storage_providers.INVALID_ACCESS_KEY


def test_missing_bucket_is_not_found(user_id, s3_server):
    row_id = _add(user_id, s3_server, bucket="no-such-bucket")
    result = asyncio.run(cloud_access.test_cloud_access(user_id, row_id))
    assert result.outcome == storage_providers.BUCKET_NOT_FOUND
    assert "'no-such-bucket' does not exist" in result.message


def test_loopback_host_is_refused_without_the_allowlist(user_id, s3_server, database):
    row_id = _add(user_id, s3_server)
    database(OUTBOUND_ALLOWLIST="")
    result = asyncio.run(cloud_access.test_cloud_access(user_id, row_id))
    assert result.outcome == storage_providers.REFUSED
    assert "PROFILE_OUTBOUND_ALLOWLIST" in result.message
    assert cloud_access.list_cloud_access(user_id)[0].last_test_result == "refused"


def test_closed_port_is_unreachable(user_id, s3_server):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    row_id = _add(user_id, s3_server, host=f"http://127.0.0.1:{closed_port}")
    assert asyncio.run(cloud_access.test_cloud_access(user_id, row_id)).outcome == storage_providers.UNREACHABLE


def test_silent_host_times_out(user_id, s3_server, monkeypatch):
    import socket

    monkeypatch.setattr(storage_providers, "READ_TIMEOUT_S", 0.5)
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        row_id = _add(user_id, s3_server, host=f"http://127.0.0.1:{listener.getsockname()[1]}")
        assert asyncio.run(cloud_access.test_cloud_access(user_id, row_id)).outcome == storage_providers.TIMED_OUT


def test_signed_link_returns_the_object_and_expires(user_id, s3_server):
    _add(user_id, s3_server)
    host = s3_server.endpoint.split("://", 1)[1]
    before = utcnow()
    link = signing.sign_storage_url(user_id, f"s3://{host}/{BUCKET}/{OBJECT_KEY}")
    assert link.key == OBJECT_KEY
    assert timedelta(seconds=3599) <= link.expires_at - before <= timedelta(seconds=3601)
    assert s3_server.secret_key not in link.url
    with s3_server.auth_off():
        response = httpx.get(link.url)
        assert response.status_code == 200
        assert response.content == OBJECT_BYTES
        # Same link once its hour is over: the server's clock moves forward instead of the test waiting.
        s3_server.gate.clock_offset = timedelta(hours=1, seconds=5)
        try:
            expired = httpx.get(link.url)
        finally:
            s3_server.gate.clock_offset = timedelta(0)
    assert expired.status_code == 403
    assert b"Request has expired" in expired.content


def test_https_form_and_lifetime(user_id, s3_server):
    _add(user_id, s3_server)
    host = s3_server.endpoint.split("://", 1)[1]
    link = signing.sign_storage_url(user_id, f"https://{host}/{BUCKET}/{quote(OBJECT_KEY)}", lifetime_seconds=60)
    assert "X-Amz-Expires=60" in link.url
    with pytest.raises(ValidationFailed, match="7 days"):
        signing.sign_storage_url(user_id, f"https://{host}/{BUCKET}/x", lifetime_seconds=8 * 24 * 3600)


def test_signing_errors(user_id, s3_server):
    _add(user_id, s3_server)
    host = s3_server.endpoint.split("://", 1)[1]
    with pytest.raises(ValidationFailed, match="not a storage URL"):
        signing.sign_storage_url(user_id, "ftp://example.com/file")
    with pytest.raises(ValidationFailed, match="not a storage URL"):
        signing.sign_storage_url(user_id, "just some words")
    with pytest.raises(NotFound, match="'other-bucket' at"):
        signing.sign_storage_url(user_id, f"s3://{host}/other-bucket/key")
    with pytest.raises(NotFound, match="'data-bucket' on AWS S3"):
        signing.sign_storage_url(user_id, f"s3://{BUCKET}/key")
    with pytest.raises(ValidationFailed, match="not an object"):
        signing.sign_storage_url(user_id, f"s3://{host}/{BUCKET}/")
