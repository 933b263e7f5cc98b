"""Issue 11 item 3 in the browser: with the server gone, a plainly worded banner within 5 s, controls that change
data disabled, a click meanwhile changes nothing (not then, not replayed after reconnecting), no developer words on
screen, and once the server is back the page shows the stored data again by itself.

This file stops and restarts its own app server (the session's servers stay up for the other tests)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PORT, sign_up
from tests.e2e.harness import make_server

pytestmark = pytest.mark.e2e

JARGON = ("websocket", "_event", "ws://", "socket", "cannot connect", "backend", "localhost", "reflex")


@pytest.fixture(scope="module")
def restartable_app(tmp_path_factory):
    server = make_server("hosted", E2E_PORT + 2, tmp_path_factory.mktemp("app-offline"))
    server.start()
    yield server
    server.stop()


def _stored_user(app, email: str) -> tuple[bool, str]:
    from profile_app import db
    from profile_app.models import User

    with app.services(), db.read() as session:
        user = session.exec(sa.select(User).where(User.email == email)).scalar_one()
        return user.hidpi_override, user.name


def test_offline_banner_disabled_controls_nothing_replayed_and_data_reloads(restartable_app, new_context):
    app = restartable_app
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    email = sign_up(page, app, "Offline Person")
    switch = page.get_by_role("switch", name="HiDPI browser scale override")
    expect(switch).to_be_checked()
    banner = page.get_by_role("alert").filter(has_text="Connection lost — reconnecting…")
    expect(banner).to_have_count(0)

    app.stop_process()
    expect(banner).to_be_visible(timeout=5_000)
    expect(switch).to_be_disabled()
    for name in ("Create new credentials", "Add access keys", "Invite user", "Edit name"):
        expect(page.get_by_role("button", name=name)).to_be_disabled()
    visible_text = page.locator("body").inner_text().lower()
    assert not [word for word in JARGON if word in visible_text], visible_text

    # A click on the switch meanwhile (a real mouse click at its place) ...
    box = switch.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(500)
    expect(switch).to_be_checked()
    # ... while someone else renames the account, so the page has something to pick up after reconnecting.
    with app.services():
        from profile_app import db
        from profile_app.models import User

        with db.transaction() as session:
            session.execute(sa.update(User).where(User.email == email).values(name="Renamed Meanwhile"))

    app.start()
    expect(banner).to_have_count(0, timeout=60_000)
    expect(page.get_by_role("heading", name="Renamed Meanwhile", level=2)).to_be_visible()  # reloaded by itself
    expect(switch).to_be_enabled()
    expect(switch).to_be_checked()  # the stored value
    page.wait_for_timeout(1_500)  # time for anything queued to have been replayed
    assert _stored_user(app, email) == (True, "Renamed Meanwhile")
    expect(switch).to_be_checked()
    visible_text = page.locator("body").inner_text().lower()
    assert not [word for word in JARGON if word in visible_text]

    # And the page works again.
    switch.click()
    expect(switch).not_to_be_checked()
    for _ in range(20):
        if _stored_user(app, email)[0] is False:
            break
        page.wait_for_timeout(250)
    assert _stored_user(app, email)[0] is False
