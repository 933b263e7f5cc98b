"""Issue 12 in the browser: HiDPI scaling that scales layout (CSS zoom on the root) with dialogs and menus in
place, phones never scaled, a layout without horizontal scroll from 360 to 2560 px with long text, the section
navigation with its URLs, and the shared visual language (one date format, "—", switch gaps, bordered selects,
a styled 404 page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in
from tests.support.demo import LONG_BUCKET, LONG_NAME, seed_demo
from tests.support.layout import (
    DESKTOP,
    DESKTOP_HIDPI,
    PHONE,
    horizontal_overflow,
    inside_viewport,
    reachable,
    root_zoom,
    scroll_to_bottom,
    viewport,
    wait_for_zoom,
)

pytestmark = pytest.mark.e2e

SECTIONS = [
    ("Profile", "profile"),
    ("User preferences", "preferences"),
    ("Workspaces & members", "workspaces"),
    ("App credentials", "credentials"),
    ("Cloud access", "cloud-access"),
    ("Password and sign-in", "sign-in"),
    ("Two-factor sign-in", "two-factor"),
    ("Sessions", "sessions"),
    ("Security log", "security-log"),
]
DATE = re.compile(r"\d{4}-\d\d-\d\d")
ONE_DATE_FORMAT = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")


@pytest.fixture(scope="module")
def demo(hosted_app):
    with hosted_app.services():
        return seed_demo()


@pytest.fixture(scope="module")
def long_demo(hosted_app):
    with hosted_app.services():
        return seed_demo(long_text=True)


def hidpi_switch(page: Page):
    return page.get_by_role("switch", name="HiDPI browser scale override")


def open_dialog_without_scrolling(page: Page, opener) -> None:
    """Click the opener the way a script would, so the page stays scrolled where it is."""
    opener.evaluate("element => element.click()")


# ------------------------------------------------------------------------------------------------ HiDPI


def test_hidpi_scales_layout_to_seventy_percent_and_keeps_overlays_in_place(hosted_app, new_context, demo):
    page = new_context(**DESKTOP_HIDPI).new_page()
    log_in(page, hosted_app, demo.email)
    wait_for_zoom(page, "0.7")

    # Effective scale: the h1's rendered height with the override on, divided by its height with it off.
    heading = page.get_by_role("heading", name="Profile", level=1)
    scaled = heading.bounding_box()["height"]
    hidpi_switch(page).click()
    wait_for_zoom(page, "1")
    unscaled = heading.bounding_box()["height"]
    assert scaled / unscaled == pytest.approx(0.7, abs=0.03)
    hidpi_switch(page).click()
    wait_for_zoom(page, "0.7")

    # The header menu opens directly below its button, overlapping it horizontally.
    button = page.locator("#profile-button")
    button.click()
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    page.wait_for_timeout(300)  # the opening animation
    menu_box, button_box = menu.bounding_box(), button.bounding_box()
    below = menu_box["y"] - (button_box["y"] + button_box["height"])
    assert 0 <= below <= 12, (menu_box, button_box)
    assert menu_box["x"] < button_box["x"] + button_box["width"] and menu_box["x"] + menu_box["width"] > button_box["x"]
    assert inside_viewport(page, menu_box)
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)

    # Scrolled to the bottom, every dialog's box lies inside the window and its overlay covers the window.
    openers = [
        (page.get_by_role("button", name="Create new credentials"), "dialog"),
        (page.get_by_role("button", name=re.compile(r"^Edit label of ")).first, "dialog"),
        (page.get_by_role("button", name=re.compile(r"^Revoke [A-Z0-9]{24}$")).first, "alertdialog"),
        (page.get_by_role("button", name="Add access keys"), "dialog"),
        (page.get_by_role("button", name="Edit experiment-artifacts"), "dialog"),
        (page.get_by_role("button", name="Remove experiment-artifacts"), "alertdialog"),
        (page.get_by_role("button", name="Rename Ada Lovelace's workspace"), "dialog"),
        (page.get_by_role("button", name="Remove Alan Turing"), "alertdialog"),
        (page.get_by_role("button", name=re.compile(r"^Revoke link made by ")).first, "alertdialog"),
    ]
    for opener, role in openers:
        scroll_to_bottom(page)
        open_dialog_without_scrolling(page, opener)
        dialog = page.get_by_role(role)
        expect(dialog).to_be_visible()
        page.wait_for_timeout(250)  # the opening animation
        assert page.evaluate("window.scrollY") > 0
        assert inside_viewport(page, dialog.bounding_box()), (opener, dialog.bounding_box())
        overlay = page.locator(".rt-DialogOverlay, .rt-AlertDialogOverlay").last.bounding_box()
        size = viewport(page)
        assert overlay["y"] <= 0 and overlay["y"] + overlay["height"] >= size["height"] - 1, overlay
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)

    # A toast stays inside the window too, and there is no blank band under the page.
    page.get_by_role("button", name="Edit name").click()
    page.get_by_role("textbox", name="Name", exact=True).press("Enter")
    toast = page.locator("[data-sonner-toast]").filter(has_text="Name saved")
    expect(toast).to_be_visible()
    page.wait_for_timeout(600)  # its entrance slides it up from below the window
    assert inside_viewport(page, toast.bounding_box())
    scroll_to_bottom(page)
    root_bottom = page.evaluate(
        "document.querySelector('.radix-themes[data-is-root-theme]').getBoundingClientRect().bottom"
    )
    assert root_bottom >= viewport(page)["height"] - 1


def test_hidpi_follows_a_resolution_change_while_the_page_is_open(hosted_app, new_context, demo):
    """Moving the window to a 1x screen unscales the page and back again rescales it, with no reload. (Headless
    Chromium's emulation does not fire media-query change events, so the window size changes a pixel too, which
    a real move between screens also does: the resize listener re-reads devicePixelRatio.)"""
    page = new_context(**DESKTOP_HIDPI).new_page()
    log_in(page, hosted_app, demo.email)
    wait_for_zoom(page, "0.7")
    marker = page.evaluate("window.__noReloadMarker = Math.random()")
    cdp = page.context.new_cdp_session(page)
    screen = {"mobile": False, "screenWidth": 1280, "screenHeight": 800, "height": 800}
    cdp.send("Emulation.setDeviceMetricsOverride", {**screen, "width": 1279, "deviceScaleFactor": 1})
    wait_for_zoom(page, "1")
    cdp.send("Emulation.setDeviceMetricsOverride", {**screen, "width": 1280, "deviceScaleFactor": 2})
    wait_for_zoom(page, "0.7")
    assert page.evaluate("window.__noReloadMarker") == marker


def test_phones_are_never_scaled_and_no_page_scrolls_sideways(hosted_app, new_context, demo):
    page = new_context(**PHONE).new_page()
    with hosted_app.services():
        from profile_app.services import workspaces

        link = workspaces.create_invitation(demo.user_id).link
    for path in ("/login", "/signup", "/no-such-page", link.replace(hosted_app.base_url, "")):
        page.goto(hosted_app.base_url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert horizontal_overflow(page) <= 0, path
    log_in(page, hosted_app, demo.email)
    expect(hidpi_switch(page)).to_be_checked()  # the override is on...
    page.wait_for_function("window.__profileHidpi !== undefined && window.__profileHidpi.enabled === true")
    assert root_zoom(page) == 1  # ...and the phone is not scaled
    assert page.evaluate("window.__profileHidpi.factor()") == 100
    assert horizontal_overflow(page) <= 0
    for opener in ("Create new credentials", "Add access keys"):
        page.get_by_role("button", name=opener).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        page.wait_for_timeout(250)
        assert inside_viewport(page, dialog.bounding_box())
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)


# ------------------------------------------------------------------------------------------------ long text


def test_long_text_never_widens_the_page_and_row_actions_stay_reachable(hosted_app, new_context, long_demo):
    page = new_context(**DESKTOP).new_page()
    log_in(page, hosted_app, long_demo.email)
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(21)  # header + 20 credentials
    assert horizontal_overflow(page) <= 0

    # The header holds: the name is cut visually, whole on hover and in the button's accessible name.
    header = page.locator("#app-header")
    assert header.evaluate("element => element.scrollWidth <= element.clientWidth + 1")
    expect(page.get_by_role("button", name=f"Profile, {LONG_NAME}")).to_be_visible()
    expect(header.locator(".header-user-name")).to_have_attribute("title", LONG_NAME)
    name_box = header.locator(".header-user-name").bounding_box()
    assert name_box["x"] + name_box["width"] <= 1280

    # Long labels and buckets are cut, with the whole text on hover and for assistive technology.
    bucket = page.locator("#cloud-access").get_by_role("rowheader").filter(has_text=LONG_BUCKET)
    expect(bucket.locator(f'[title="{LONG_BUCKET}"]')).to_have_count(1)
    label_cell = page.locator("#credentials").get_by_role("rowheader").first
    full_label = label_cell.inner_text()
    assert label_cell.locator(".truncate").evaluate("element => element.scrollWidth > element.clientWidth")
    expect(label_cell.locator(".truncate")).to_have_attribute("title", full_label)

    # Every row action lies inside the window and is not covered.
    actions = page.locator("td.actions").get_by_role("button")
    assert actions.count() >= 20 * 2 + 4 * 3
    for index in range(actions.count()):
        button = actions.nth(index)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (index, box)
        assert reachable(button), index


@pytest.mark.parametrize("width", [360, 768, 1024, 1440, 2560])
def test_no_horizontal_scroll_from_360_to_2560_pixels(hosted_app, new_context, long_demo, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, hosted_app, long_demo.email)
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(21)
    assert horizontal_overflow(page) <= 0
    page.get_by_role("button", name="Add access keys").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    assert inside_viewport(page, page.get_by_role("dialog").bounding_box()) or width < 400


def test_tables_become_stacked_cards_on_a_phone(hosted_app, new_context, demo):
    page = new_context(**PHONE).new_page()
    log_in(page, hosted_app, demo.email)
    row = page.locator("#credentials").get_by_role("row").filter(has_text="laptop")
    expect(row).to_be_visible()
    assert row.evaluate("element => getComputedStyle(element).display") == "block"
    # Each value carries its column's name; the table keeps its semantics for assistive technology.
    expect(row.get_by_role("cell").first).to_have_attribute("data-label", "Access key")
    expect(page.get_by_role("table", name="App credentials")).to_be_visible()
    for button in row.get_by_role("button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390


# ------------------------------------------------------------------------------------------------ navigation


def _in_view(page: Page, anchor: str) -> bool:
    return page.evaluate(
        """anchor => {
          const box = document.getElementById(anchor + "-title").getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        anchor,
    )


def test_each_section_link_scrolls_there_and_its_url_opens_there(hosted_app, new_context, demo):
    context = new_context(**DESKTOP)
    page = context.new_page()
    log_in(page, hosted_app, demo.email)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link")).to_have_text([title for title, _ in SECTIONS])
    for title, anchor in reversed(SECTIONS):
        nav.get_by_role("link", name=title, exact=True).click()
        page.wait_for_function("anchor => window.location.hash === '#' + anchor", arg=anchor)
        page.wait_for_function(
            """anchor => {
              const box = document.getElementById(anchor + "-title").getBoundingClientRect();
              return box.top >= 0 && box.bottom <= window.innerHeight;
            }""",
            arg=anchor,
        )
    expect(nav.get_by_role("link", name="Profile", exact=True)).to_have_attribute("aria-current", "true")

    for _, anchor in SECTIONS[2:]:
        tab = context.new_page()
        tab.goto(f"{hosted_app.base_url}/profile#{anchor}")
        expect(tab.locator(f"#{anchor}-title")).to_be_visible()
        tab.wait_for_function(
            """anchor => {
              const box = document.getElementById(anchor + "-title").getBoundingClientRect();
              return box.top >= 0 && box.bottom <= window.innerHeight && window.scrollY > 0;
            }""",
            arg=anchor,
        )
        link = tab.get_by_role("navigation", name="Sections").get_by_role(
            "link", name=dict(map(reversed, SECTIONS))[anchor]
        )
        expect(link).to_have_attribute("aria-current", "true")
        tab.close()


def test_the_side_list_follows_scrolling(hosted_app, new_context, demo):
    page = new_context(**DESKTOP).new_page()
    log_in(page, hosted_app, demo.email)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav).to_be_visible()
    page.locator("#credentials-title").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('credentials').scrollIntoView({block: 'start'})")
    expect(nav.get_by_role("link", name="App credentials")).to_have_attribute("aria-current", "true")
    # The list stays in view (sticky) while the page scrolls.
    assert inside_viewport(page, nav.bounding_box())


def test_a_phone_gets_a_compact_section_selector(hosted_app, new_context, demo):
    page = new_context(**PHONE).new_page()
    log_in(page, hosted_app, demo.email)
    nav = page.get_by_role("navigation", name="Sections")
    toggle = nav.get_by_role("button", name="Sections")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Cloud access")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Cloud access").click()
    page.wait_for_function("window.location.hash === '#cloud-access'")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.wait_for_function(
        "() => { const b = document.getElementById('cloud-access-title').getBoundingClientRect();"
        " return b.top >= 0 && b.bottom <= window.innerHeight; }"
    )
    assert horizontal_overflow(page) <= 0


def test_self_hosted_lists_usage_data_in_the_navigation(self_hosted_app, new_context):
    page = new_context(**DESKTOP).new_page()
    with self_hosted_app.services():
        demo = seed_demo()
    log_in(page, self_hosted_app, demo.email)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Security log")).to_be_visible()
    shown = [text for text in nav.get_by_role("link").all_inner_texts() if text != "Users"]  # administrators only
    assert shown == [
        "Profile",
        "User preferences",
        "Anonymous usage data",
        "Workspaces & members",
        "App credentials",
        "Cloud access",
        "Password and sign-in",
        "Two-factor sign-in",
        "Sessions",
        "Security log",
    ]
    nav.get_by_role("link", name="Anonymous usage data").click()
    page.wait_for_function("window.location.hash === '#usage-data'")


# ------------------------------------------------------------------------------------------------ visual language


def test_one_visual_language(hosted_app, new_context, demo):
    page = new_context(**DESKTOP).new_page()
    log_in(page, hosted_app, demo.email)
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(4)

    # One date format in every table cell that shows a date.
    cells = page.locator("td, th").all_inner_texts()
    dated = [text.strip() for text in cells if DATE.search(text)]
    assert dated and all(ONE_DATE_FORMAT.match(text) for text in dated), dated

    # "—" for empty values: unused credentials have no "From", an Azure row no key or region.
    from_cells = page.locator("#credentials").get_by_role("row").filter(has_text="CI runner").get_by_role("cell")
    expect(from_cells.nth(3)).to_have_text("—")
    azure = page.locator("#cloud-access").get_by_role("row").filter(has_text="Azure Blob").get_by_role("cell")
    expect(azure.nth(1)).to_have_text("—")  # Region
    expect(azure.nth(0)).to_contain_text("—")  # Key (the SAS's last characters follow)

    # Each section's primary action sits at the right end of its heading row.
    for name, section in (("Create new credentials", "#credentials"), ("Add access keys", "#cloud-access")):
        action = page.locator(section).get_by_role("button", name=name).bounding_box()
        card = page.locator(section).bounding_box()
        heading = page.locator(f"{section}-title").bounding_box()
        assert abs((card["x"] + card["width"]) - (action["x"] + action["width"])) < 40
        assert abs((action["y"] + action["height"] / 2) - (heading["y"] + heading["height"] / 2)) < 12

    # A clear gap between a switch or a radio and its label.
    for control, role, name in (("switch", "switch", "HiDPI browser scale override"), ("radio", "radio", "Dark")):
        box = page.get_by_role(role, name=name).bounding_box()
        words = page.get_by_text(name, exact=True).bounding_box()
        assert words["x"] - (box["x"] + box["width"]) >= 8, control

    # Native selects are bordered like inputs.
    page.get_by_role("button", name="Create new credentials").click()
    select = page.get_by_label("Expiry")
    style = select.evaluate(
        "e => { const s = getComputedStyle(e); return [s.borderTopWidth, s.borderTopStyle, s.borderTopLeftRadius]; }"
    )
    assert style[0] == "1px" and style[1] == "solid" and style[2] != "0px", style
    page.keyboard.press("Escape")

    # A styled 404 page with a way back.
    page.goto(f"{hosted_app.base_url}/no-such-page")
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    page.get_by_role("link", name="Go to your profile").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
