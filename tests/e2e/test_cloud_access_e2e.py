"""Cloud access through the page, against moto's S3 server on loopback: add, test access, edit (secret kept when
left empty), open a storage link (a plain GET of the signed link returns the object), remove. The saved secret
never appears in the page source or in any state payload the server sends."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_up
from tests.moto_s3 import BUCKET, OBJECT_BYTES, OBJECT_KEY, start_s3_server, stop_s3_server


@pytest.fixture(scope="module")
def s3_server():
    server = start_s3_server()
    yield server
    stop_s3_server(server)


def test_cloud_access_add_test_edit_link_remove(page, hosted_app, s3_server):
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(str(frame))))
    sign_up(page, hosted_app, "Rosalind Franklin")
    section = page.locator("#cloud-access")
    expect(section.get_by_role("heading", name="Cloud access")).to_be_visible()

    # Add: a validation error first (nothing saved), then a good row.
    section.get_by_role("button", name="Add access keys").click()
    dialog = page.get_by_role("dialog", name="Add access keys")
    dialog.get_by_label("Provider").select_option("S3-compatible")
    dialog.get_by_label("Bucket").fill("Bad_Bucket")
    dialog.get_by_label("Key").fill(s3_server.access_key)
    dialog.get_by_label("Secret", exact=True).fill(s3_server.secret_key)
    dialog.get_by_label("Host (Endpoint)").fill(s3_server.endpoint)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#cloud-bucket-error")).to_contain_text("lowercase letters")
    dialog.get_by_label("Bucket").fill(BUCKET)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = section.get_by_role("row").filter(has_text=BUCKET)
    expect(row).to_contain_text("S3-compatible")
    expect(row).to_contain_text("••••" + s3_server.secret_key[-4:])
    expect(row).to_contain_text("us-east-1")
    expect(row).to_contain_text("unencrypted")  # http:// host warning

    # Test access.
    row.get_by_role("button", name=f"Test access for {BUCKET}").click()
    expect(row).to_contain_text("Access OK (region us-east-1).")

    # Edit with an empty secret: the stored one is kept (test access still passes with it).
    row.get_by_role("button", name=f"Edit {BUCKET}").click()
    dialog = page.get_by_role("dialog", name="Edit access keys")
    expect(dialog.get_by_label("Bucket")).to_have_value(BUCKET)
    expect(dialog.get_by_label("Secret", exact=True)).to_have_value("")
    dialog.get_by_label("Region").fill("us-west-2")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("us-west-2")
    expect(row).to_contain_text("Not tested yet")
    row.get_by_role("button", name=f"Test access for {BUCKET}").click()
    expect(row).to_contain_text("Access OK")

    # Open a storage link: the server signs it; a plain GET returns the object's bytes.
    host = s3_server.endpoint.split("://", 1)[1]
    section.get_by_label("Open storage link").fill("s3://some-other-bucket/key")
    section.get_by_role("button", name="Get link").click()
    expect(section.locator("#storage-url-error")).to_contain_text("None of your Cloud access rows matches")
    section.get_by_label("Open storage link").fill(f"s3://{host}/{BUCKET}/{OBJECT_KEY}")
    section.get_by_role("button", name="Get link").click()
    link = section.get_by_role("link", name="Open object")
    expect(link).to_be_visible()
    with s3_server.auth_off():
        assert httpx.get(link.get_attribute("href")).content == OBJECT_BYTES

    # The secret never came back to the browser.
    assert s3_server.secret_key not in page.content()
    assert received, "no websocket frames were captured"
    assert not [frame for frame in received if s3_server.secret_key in frame]

    # Remove, with confirmation.
    row.get_by_role("button", name=f"Remove {BUCKET}").click()
    confirm = page.get_by_role("alertdialog", name="Remove access keys")
    expect(confirm).to_contain_text(BUCKET)
    confirm.get_by_role("button", name="Remove").click()
    expect(section.get_by_role("row").filter(has_text=BUCKET)).to_have_count(0)
    expect(section).to_contain_text("No access keys yet.")
