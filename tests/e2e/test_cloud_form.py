"""Issue 12 item 4 in the browser: the Cloud access form shows what the chosen provider uses, under its own names,
and puts each error under the input it is about; a failed test reads as a failure and a passed one as success
(icon and colour), both announced politely; a plain-http host is warned about when saving."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up
from tests.moto_s3 import BUCKET, start_s3_server, stop_s3_server

pytestmark = pytest.mark.e2e

LABELS = ("Bucket", "Container", "Key", "Secret", "SAS", "Token", "Region", "Host (Endpoint)", "Storage account")


@pytest.fixture(scope="module")
def s3_server():
    server = start_s3_server()
    yield server
    stop_s3_server(server)


def _labels(dialog) -> list[str]:
    return [text.strip() for text in dialog.locator("label.field-label").all_inner_texts()]


def test_the_form_follows_the_provider(hosted_app, page: Page):
    sign_up(page, hosted_app, "Provider Picker")
    page.get_by_role("button", name="Add access keys").click()
    dialog = page.get_by_role("dialog", name="Add access keys")
    provider = dialog.get_by_label("Provider")

    # AWS S3 (the default): no Host.
    expect(provider).to_have_value("s3")
    assert _labels(dialog) == ["Provider", "Bucket", "Key", "Secret", "Token", "Region"]

    provider.select_option(label="S3-compatible")
    expect(dialog.get_by_label("Host (Endpoint)")).to_be_visible()
    assert _labels(dialog) == ["Provider", "Bucket", "Key", "Secret", "Token", "Region", "Host (Endpoint)"]

    provider.select_option(label="Google Cloud Storage")
    expect(dialog.get_by_text("HMAC key")).to_be_visible()
    assert _labels(dialog) == ["Provider", "Bucket", "Key", "Secret", "Region", "Host (Endpoint, optional)"]

    provider.select_option(label="Azure Blob")
    assert _labels(dialog) == ["Provider", "Storage account (or account host)", "Container", "SAS"]
    for absent in ("Key", "Region", "Token"):
        expect(dialog.get_by_label(absent, exact=True)).to_have_count(0)

    # Errors land under the input the service names, with the provider's wording around it.
    dialog.get_by_label("Container").fill("Not_Valid")
    dialog.get_by_role("button", name="Save").click()
    container = dialog.get_by_label("Container")
    expect(dialog.locator("#cloud-bucket-error")).to_contain_text("Azure container")
    expect(container).to_have_attribute("aria-invalid", "true")
    expect(container).to_be_focused()

    # S3-compatible requires a Host: its error is under Host (Endpoint).
    provider.select_option(label="S3-compatible")
    dialog.get_by_label("Bucket").fill("needs-a-host")
    dialog.get_by_label("Key", exact=True).fill("minio-key")
    dialog.get_by_label("Secret", exact=True).fill("minio-secret")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#cloud-host-error")).to_contain_text("Host")
    expect(dialog.get_by_label("Host (Endpoint)")).to_be_focused()

    # AWS S3 errors never point at a Host the form does not show.
    provider.select_option(label="AWS S3")
    dialog.get_by_label("Bucket").fill("aws-bucket")
    dialog.get_by_label("Key", exact=True).fill("not an aws key")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#cloud-key-error")).to_be_visible()
    expect(dialog).not_to_contain_text("Host (Endpoint)")


def test_test_access_reads_as_success_or_failure_and_is_announced(hosted_app, page: Page, s3_server):
    sign_up(page, hosted_app, "Test Reader")
    section = page.locator("#cloud-access")
    for bucket, secret in ((BUCKET, s3_server.secret_key), ("missing-bucket", s3_server.secret_key)):
        section.get_by_role("button", name="Add access keys").click()
        dialog = page.get_by_role("dialog", name="Add access keys")
        dialog.get_by_label("Provider").select_option(label="S3-compatible")
        dialog.get_by_label("Bucket").fill(bucket)
        dialog.get_by_label("Key", exact=True).fill(s3_server.access_key)
        dialog.get_by_label("Secret", exact=True).fill(secret)
        dialog.get_by_label("Host (Endpoint)").fill(s3_server.endpoint)
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        # The plain-http host is warned about right away, not only on Test access.
        expect(section.get_by_text("unencrypted").first).to_be_visible()

    status = section.get_by_role("status")
    good = section.get_by_role("row").filter(has_text=BUCKET)
    good.get_by_role("button", name=f"Test access for {BUCKET}").click()
    expect(good).to_contain_text("Access OK")
    expect(status).to_contain_text(f"Test access for {BUCKET} passed")
    verdict = good.locator("svg.lucide-circle-check")
    expect(verdict).to_have_count(1)
    green = good.get_by_text("Access OK").evaluate("e => getComputedStyle(e.parentElement).color")

    bad = section.get_by_role("row").filter(has_text="missing-bucket")
    bad.get_by_role("button", name="Test access for missing-bucket").click()
    expect(status).to_contain_text("Test access for missing-bucket failed")
    expect(bad.locator("svg.lucide-circle-x")).to_have_count(1)
    red = bad.locator("svg.lucide-circle-x").evaluate("e => getComputedStyle(e.parentElement).color")
    assert green != red
    assert _redder(red) and not _redder(green)


def _redder(rgb: str) -> bool:
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return red > green and red > blue
