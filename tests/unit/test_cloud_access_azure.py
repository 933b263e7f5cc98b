"""Azure Blob: SAS parsing and blob URL composition, then test access and signed links against Azurite."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from profile_app.api import create_api
from profile_app.config import get_settings
from profile_app.models import utcnow
from profile_app.services import accounts, cloud_access, cloud_validation, signing, storage_providers
from profile_app.services.cloud_access import AZURE, CloudAccessInput
from profile_app.services.errors import ValidationFailed
from tests.azurite import BLOB_BYTES, BLOB_PATH, CONTAINER, start_azurite, stop_azurite
from tests.conftest import random_password


def run_test(user_id: int, row_id: int):
    return asyncio.run(cloud_access.test_cloud_access(user_id, row_id))


def open_blob(token: str):
    """Open and close a blob link the way the route does."""

    async def opened():
        download = await signing.open_blob_link(token)
        await download.aclose()
        return download

    return asyncio.run(opened())


def test_parse_sas():
    sas, expiry = cloud_validation.parse_sas("?sv=2021-08-06&se=2099-05-06T07:08:09Z&sp=r&sig=abc%2Fdef%3D")
    assert sas == "sv=2021-08-06&se=2099-05-06T07:08:09Z&sp=r&sig=abc%2Fdef%3D"
    assert (expiry.year, expiry.month, expiry.day, expiry.hour, expiry.tzinfo is not None) == (2099, 5, 6, 7, True)
    _, date_only = cloud_validation.parse_sas("sv=2021-08-06&se=2099-01-02&sig=x")
    assert (date_only.year, date_only.day) == (2099, 2)
    with pytest.raises(ValidationFailed, match="This SAS expired on 2001-02-03 04:05 UTC"):
        cloud_validation.parse_sas("sv=1&se=2001-02-03T04:05:06Z&sig=x")
    with pytest.raises(ValidationFailed, match="not a query string"):
        cloud_validation.parse_sas("just-a-key")


def test_blob_url_composition():
    url = storage_providers.azure_blob_url("https://acct.blob.core.windows.net", "box", "a dir/b#c.txt", "sv=1&sig=x")
    assert url == "https://acct.blob.core.windows.net/box/a%20dir/b%23c.txt?sv=1&sig=x"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    server = start_azurite(tmp_path_factory.mktemp("azurite"))
    yield server
    stop_azurite(server)


@pytest.fixture
def user_id(database, azurite) -> int:
    database(OUTBOUND_ALLOWLIST="127.0.0.1")
    return accounts.sign_up("Ada", f"ada-{random_password()[-6:]}@example.com", random_password())


def _add(user_id, azurite, container=CONTAINER, sas=None) -> int:
    data = CloudAccessInput(provider=AZURE, bucket=container, secret=sas or azurite.sas(), host=azurite.endpoint)
    return cloud_access.add_cloud_access(user_id, data).id


def test_azure_access_ok(user_id, azurite):
    result = run_test(user_id, _add(user_id, azurite))
    assert result.outcome == cloud_access.OK, result.message


def test_azure_missing_container(user_id, azurite):
    assert run_test(user_id, _add(user_id, azurite, "no-such")).outcome == "bucket_not_found"


def test_azure_sas_not_valid_now_and_invalid_signature(user_id, azurite):
    later = _add(user_id, azurite, sas=azurite.sas(starts_in=timedelta(hours=2)))
    assert run_test(user_id, later).outcome == storage_providers.SAS_EXPIRED
    tampered = azurite.sas().replace("sig=", "sig=AAAA")
    other = cloud_access.add_cloud_access(
        user_id, CloudAccessInput(provider=AZURE, bucket="other", secret=tampered, host=azurite.endpoint)
    )
    assert run_test(user_id, other.id).outcome == storage_providers.SAS_INVALID


def _token(link_url: str) -> str:
    return parse_qs(urlsplit(link_url).query)["token"][0]


def test_azure_signed_link_is_ours_and_returns_the_blob(user_id, azurite):
    row_id = _add(user_id, azurite)
    address = azurite.endpoint.split("://", 1)[1]
    link = signing.sign_storage_url(user_id, f"azure://{address}/{CONTAINER}/{BLOB_PATH}", lifetime_seconds=600)
    stored_sas = cloud_access.stored_credentials(user_id, row_id).secret
    assert link.url.startswith(get_settings().api_url + "/storage.blob?token=")
    assert stored_sas not in link.url and "sig=" not in link.url  # the SAS stays on the server
    assert timedelta(seconds=599) <= link.expires_at - utcnow() <= timedelta(seconds=601)

    response = TestClient(create_api()).get("/api/storage.blob", params={"token": _token(link.url)})
    assert response.status_code == 200
    assert response.content == BLOB_BYTES

    # Straight to Azurite without a SAS: refused, so the bytes above came through the stored SAS.
    assert httpx.get(f"{azurite.endpoint}/{CONTAINER}/{quote(BLOB_PATH)}").status_code in (401, 403, 404)


def test_azure_link_refusals(user_id, azurite):
    row_id = _add(user_id, azurite)
    expired = signing._blob_link(user_id, row_id, BLOB_PATH, utcnow() - timedelta(seconds=5))
    with pytest.raises(signing.BlobLinkInvalid, match="expired"):
        open_blob(_token(expired))
    good = _token(signing._blob_link(user_id, row_id, BLOB_PATH, utcnow() + timedelta(minutes=5)))
    with pytest.raises(signing.BlobLinkInvalid, match="not valid"):
        open_blob(good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    client = TestClient(create_api())
    assert client.get("/api/storage.blob", params={"token": "nonsense"}).status_code == 404
    missing = _token(signing._blob_link(user_id, row_id, "no/such/blob", utcnow() + timedelta(minutes=5)))
    assert client.get("/api/storage.blob", params={"token": missing}).status_code == 404
    cloud_access.remove_cloud_access(user_id, row_id)
    with pytest.raises(signing.BlobLinkInvalid, match="removed"):
        open_blob(good)
