"""Single sign-on end to end (self-hosted) against a real OpenID Connect provider on loopback (oidc-provider-mock,
nonce required): the first account signs up with a password (administrator); a second browser signs in with
"Sign in with SSO", lands on its Profile with the name from the ID token and creates API credentials the official
clearml SDK logs in with; the administrator disables it (page, SSO and SDK refused) and enables it again (all
three work); a password account links single sign-on from its Profile page; a disallowed domain, a tampered state and
a wrong nonce each end on the error page with no account created."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.e2e.conftest import E2E_PORT, sign_up, unique_email
from tests.e2e.harness import AppServer, make_server
from tests.support.axe import assert_accessible
from tests.support.oidc import OidcProvider, new_subject, oidc_provider

pytestmark = pytest.mark.e2e

SESSION_SCRIPT = """
import sys
from clearml.backend_api.session import Session
try:
    session = Session(api_key=sys.argv[1], secret_key=sys.argv[2], host=sys.argv[3], http_retries_config={"total": 0})
    print("LOGGED-IN", session.token[:8])
except Exception as exc:
    print("REFUSED", type(exc).__name__)
"""


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_app(tmp_path_factory, provider) -> Iterator[AppServer]:
    server = make_server(
        "self-hosted",
        E2E_PORT + 1,
        tmp_path_factory.mktemp("app-sso"),
        OUTBOUND_ALLOWLIST="127.0.0.1",
        **provider.settings(OIDC_ALLOWED_DOMAINS="example.com"),
    )
    server.start()
    yield server
    server.stop()


def accounts_with_email(app: AppServer, email: str) -> int:
    from profile_app.db import read
    from profile_app.models import User

    with app.services(), read() as session:
        return len(session.exec(select(User.id).where(User.email == email)).all())


def start_sso(page: Page, app: AppServer) -> None:
    page.goto(f"{app.base_url}/login")
    page.get_by_role("link", name="Sign in with SSO").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()


def authorize_at_provider(page: Page, sub: str) -> None:
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def sdk_login(app: AppServer, access_key: str, secret_key: str, tmp_path) -> str:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "CLEARML_CONFIG_FILE": str(home / "absent.conf"), "CLEARML_LOG_LEVEL": "ERROR",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", SESSION_SCRIPT, access_key, secret_key, app.api_url],
        env=env, capture_output=True, text=True, timeout=120,
    )
    return result.stdout + result.stderr


def test_sso_sign_up_lands_on_profile_and_its_credentials_log_the_sdk_in(new_context, sso_app, provider, tmp_path):
    admin = new_context().new_page()
    sign_up(admin, sso_app, "First Admin")
    expect(admin.locator("#usage-data")).to_be_visible()  # self-hosted: the first account administers
    expect(admin.locator("#single-sign-on").get_by_text("Not linked.")).to_be_visible()

    sub, email = new_subject(), unique_email("sso")
    provider.put_user(sub, email=email, name="Sid Single-Sign-On", email_verified=True)
    page = new_context().new_page()
    page.goto(f"{sso_app.base_url}/login")
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert_accessible(page, "the login page with the SSO button")
    start_sso(page, sso_app)
    authorize_at_provider(page, sub)
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(page.locator("#profile").get_by_text("Sid Single-Sign-On")).to_be_visible()
    expect(page.locator("#profile").get_by_text(email)).to_be_visible()
    single_sign_on = page.locator("#single-sign-on")
    expect(single_sign_on.get_by_text("Linked: you can sign in with single sign-on.")).to_be_visible()
    expect(single_sign_on.get_by_text("This account has no password")).to_be_visible()
    expect(single_sign_on.get_by_role("button", name="Link single sign-on")).to_have_count(0)

    credentials = page.locator("#credentials")
    credentials.get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"pfsk_\S+"))
    access_key = dialog.get_by_label("Access key").input_value()
    secret_key = dialog.get_by_label("Secret key").input_value()
    assert "LOGGED-IN" in sdk_login(sso_app, access_key, secret_key, tmp_path)

    # Signing in again with the provider finds the same account (by its subject).
    again = new_context().new_page()
    start_sso(again, sso_app)
    authorize_at_provider(again, sub)
    again.wait_for_url(re.compile(r".*/profile/?$"))
    expect(again.locator("#profile").get_by_text("Sid Single-Sign-On")).to_be_visible()
    assert accounts_with_email(sso_app, email) == 1

    # The administrator disables the SSO account: its next page load lands on /login, single sign-on is refused
    # with a clear message, and the SDK login with its credentials fails. Enable: all three work again.
    admin.reload()
    confirm_user_action(admin, "Disable", "Sid Single-Sign-On")
    page.reload()
    page.wait_for_url(re.compile(r".*/login.*"))
    refused = new_context().new_page()
    start_sso(refused, sso_app)
    authorize_at_provider(refused, sub)
    refused.wait_for_url(re.compile(r".*/sso-error/?\?reason=disabled$"))
    expect(refused.get_by_text("This account is disabled.")).to_be_visible()
    assert "REFUSED" in sdk_login(sso_app, access_key, secret_key, tmp_path)

    confirm_user_action(admin, "Enable", "Sid Single-Sign-On")
    start_sso(page, sso_app)
    authorize_at_provider(page, sub)
    page.wait_for_url(re.compile(r".*/profile/?$"))
    page.reload()
    expect(page.locator("#profile").get_by_text("Sid Single-Sign-On")).to_be_visible()
    assert "LOGGED-IN" in sdk_login(sso_app, access_key, secret_key, tmp_path)


def confirm_user_action(admin: Page, action: str, name: str) -> None:
    """A row action of the Users section, confirmed in its dialog by the button of the same name."""
    admin.get_by_role("button", name=f"{action} {name}").click()
    dialog = admin.get_by_role("alertdialog")
    dialog.get_by_role("button", name=action, exact=True).click()
    expect(dialog).to_have_count(0)


def test_a_password_account_links_single_sign_on_from_its_profile(new_context, sso_app, provider):
    page = new_context().new_page()
    email = sign_up(page, sso_app, "Pat Password")
    section = page.locator("#single-sign-on")
    expect(section.get_by_text("Not linked.")).to_be_visible()

    # Single sign-on with that email does not sign in to the password account.
    sub = new_subject()
    provider.put_user(sub, email=email, name="Pat at the provider")
    stranger = new_context().new_page()
    start_sso(stranger, sso_app)
    authorize_at_provider(stranger, sub)
    stranger.wait_for_url(re.compile(r".*/sso-error/?\?reason=account-exists$"))
    expect(stranger.get_by_role("alert")).to_contain_text("Log in with its password, then link single sign-on")

    assert_accessible(page, "the Profile page with the Single sign-on section")
    section.get_by_role("button", name="Link single sign-on").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Current password")).to_be_visible()
    assert_accessible(page, "the Link single sign-on dialog")
    dialog.get_by_label("Current password").fill("not the password at all")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("Current password").fill("correct horse battery staple")
    dialog.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    authorize_at_provider(page, sub)
    page.wait_for_url(re.compile(r".*/profile/?#single-sign-on$"))
    expect(page.locator("#single-sign-on").get_by_text("Linked: you can sign in with single sign-on.")).to_be_visible()

    later = new_context().new_page()
    start_sso(later, sso_app)
    authorize_at_provider(later, sub)
    later.wait_for_url(re.compile(r".*/profile/?$"))
    expect(later.locator("#profile").get_by_text("Pat Password")).to_be_visible()


def test_disallowed_domain_tampered_state_and_wrong_nonce_end_on_the_error_page(new_context, sso_app, provider):
    page = new_context().new_page()

    outsider = new_subject()
    provider.put_user(outsider, email="eve@evil.example", name="Eve Outsider")
    start_sso(page, sso_app)
    authorize_at_provider(page, outsider)
    page.wait_for_url(re.compile(r".*/sso-error/?\?reason=domain$"))
    expect(page.get_by_role("heading", name="Single sign-on did not complete")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Accounts with this email domain cannot sign in to this server.")
    assert_accessible(page, "the single sign-on error page")
    assert accounts_with_email(sso_app, "eve@evil.example") == 0

    sub, email = new_subject(), unique_email("tamper")
    provider.put_user(sub, email=email, name="Tam Pered")
    start_sso(page, sso_app)
    state = parse_qs(urlsplit(page.url).query)["state"][0]
    page.goto(with_query(page.url, state=state[::-1]))
    authorize_at_provider(page, sub)
    page.wait_for_url(re.compile(r".*/sso-error/?\?reason=state$"))
    expect(page.get_by_role("alert")).to_have_text(
        "This sign-in could not be verified. Please start again from this browser."
    )

    start_sso(page, sso_app)
    page.goto(with_query(page.url, nonce="a-nonce-this-browser-never-sent"))
    authorize_at_provider(page, sub)
    page.wait_for_url(re.compile(r".*/sso-error/?\?reason=token$"))
    expect(page.get_by_role("alert")).to_have_text(
        "The single sign-on provider's answer could not be verified. Please try again."
    )
    assert accounts_with_email(sso_app, email) == 0

    # Whatever else the URL says, only the fixed messages are shown.
    page.goto(f"{sso_app.base_url}/sso-error?reason=%3Cb%3Eowned%3C%2Fb%3E")
    expect(page.get_by_role("alert")).to_have_text("Single sign-on did not complete. Please try again.")
    page.get_by_role("link", name="Back to log in").click()
    page.wait_for_url(re.compile(r".*/login/?$"))


def test_oidc_only_hides_password_sign_in_and_sign_up(new_context, sso_app):
    """Last in this module: the same server restarted with PROFILE_OIDC_ONLY (the frontend build is reused)."""
    sso_app.stop_process()
    sso_app.env["PROFILE_OIDC_ONLY"] = "true"
    sso_app.start()
    page = new_context().new_page()
    page.goto(f"{sso_app.base_url}/login")
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    expect(page.get_by_label("Password")).to_be_hidden()
    expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
    page.goto(f"{sso_app.base_url}/signup")
    expect(page.get_by_role("link", name="Sign in with SSO")).to_be_visible()
    expect(page.get_by_text("Sign-up is closed on this server.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign up")).to_have_count(0)
