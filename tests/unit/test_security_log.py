"""The security log's storage rules: written inside the caller's transaction, newest first, paged, never more
than its detail allows, pruned after PROFILE_SECURITY_LOG_DAYS; and user agents described by ua-parser."""

from datetime import timedelta

import pytest
from sqlmodel import select

from profile_app import db
from profile_app.models import SecurityEvent, utcnow
from profile_app.services import accounts, cloud_access, credentials, security_log, user_agents, workspaces
from profile_app.services.errors import InvalidLogin, LimitReached
from profile_app.services.idempotency import new_request_key
from profile_app.services.security_log import EventKind

SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def test_user_agents_are_described_by_ua_parser():
    assert user_agents.describe(SAFARI_MAC).summary == "Safari on macOS"
    assert user_agents.describe(CHROME_WINDOWS).summary == "Chrome on Windows"
    assert user_agents.describe("").summary == user_agents.UNKNOWN
    assert user_agents.describe("curl/8.5.0").browser == "curl"


def _user(database) -> int:
    return accounts.sign_up("Ada Lovelace", "ada@example.com", "correct horse battery")


def test_events_are_newest_first_and_paged(database):
    user_id = _user(database)
    start = utcnow() - timedelta(hours=1)
    with db.transaction() as session:
        for minute in range(25):
            security_log.record(session, user_id, EventKind.SIGNED_IN, ip_address="203.0.113.9",
                                user_agent=SAFARI_MAC, at=start + timedelta(minutes=minute))
    first = security_log.list_events(user_id)
    assert len(first.entries) == 20 and first.has_more
    assert first.entries[0].occurred_at > first.entries[-1].occurred_at
    assert first.entries[0].label == "Signed in" and first.entries[0].browser == "Safari on macOS"
    second = security_log.list_events(user_id, page=1)
    assert len(second.entries) == 5 and not second.has_more
    assert not {e.id for e in first.entries} & {e.id for e in second.entries}


def test_an_event_rolls_back_with_its_change(database):
    user_id = _user(database)
    with pytest.raises(RuntimeError), db.transaction() as session:
        security_log.record(session, user_id, EventKind.PASSWORD_CHANGED)
        raise RuntimeError("the change failed")
    assert security_log.list_events(user_id).entries == ()


def test_other_users_events_are_not_listed(database):
    ada = _user(database)
    bob = accounts.sign_up("Bob Builder", "bob@example.com", "correct horse battery")
    with db.transaction() as session:
        security_log.record(session, bob, EventKind.SIGNED_IN)
    assert security_log.list_events(ada).entries == ()
    assert len(security_log.list_events(bob).entries) == 1


def test_detail_is_bounded_and_control_characters_dropped(database):
    user_id = _user(database)
    with db.transaction() as session:
        security_log.record(session, user_id, EventKind.CLOUD_ACCESS_ADDED, detail="b" * 500)
        security_log.record(session, user_id, EventKind.CLOUD_ACCESS_REMOVED, detail="bad\x00name")
    details = {e.kind: e.detail for e in security_log.list_events(user_id).entries}
    assert details[EventKind.CLOUD_ACCESS_REMOVED] == ""
    assert len(details[EventKind.CLOUD_ACCESS_ADDED]) <= security_log.DETAIL_MAX


def test_prune_drops_events_older_than_the_setting(database):
    database(SECURITY_LOG_DAYS="30")
    user_id = _user(database)
    now = utcnow()
    with db.transaction() as session:
        security_log.record(session, user_id, EventKind.SIGNED_IN, at=now - timedelta(days=31))
        security_log.record(session, user_id, EventKind.SIGNED_OUT, at=now - timedelta(days=29))
    assert security_log.prune(now) == 1
    with db.read() as session:
        assert [row.kind for row in session.query(SecurityEvent).all()] == [EventKind.SIGNED_OUT]


# --- the events the existing features write, each in the transaction of its change --------------------------------


def _kinds(user_id: int) -> list[str]:
    return [entry.kind for entry in security_log.list_events(user_id).entries]


def test_sign_in_and_sign_out_are_logged_with_address_and_browser(database):
    user_id = _user(database)
    token = accounts.sign_in("ada@example.com", "correct horse battery", address="203.0.113.9", user_agent=SAFARI_MAC)
    signed_in = security_log.list_events(user_id).entries[0]
    assert (signed_in.kind, signed_in.ip_address, signed_in.browser) == (
        EventKind.SIGNED_IN, "203.0.113.9", "Safari on macOS"
    )
    accounts.sign_out(token)
    signed_out = security_log.list_events(user_id).entries[0]
    assert (signed_out.kind, signed_out.ip_address, signed_out.browser) == (
        EventKind.SIGNED_OUT, "203.0.113.9", "Safari on macOS"
    )
    accounts.sign_out(token)  # already gone: nothing more to log
    assert _kinds(user_id) == [EventKind.SIGNED_OUT, EventKind.SIGNED_IN]


def test_a_redeemed_sign_in_grant_logs_the_sign_in(database):
    user_id = _user(database)
    grant = accounts.issue_sign_in_grant(user_id, "/profile")
    accounts.redeem_sign_in_grant(grant, user_agent=CHROME_WINDOWS, ip_address="198.51.100.7")
    entry = security_log.list_events(user_id).entries[0]
    assert (entry.kind, entry.browser, entry.ip_address) == (EventKind.SIGNED_IN, "Chrome on Windows", "198.51.100.7")


def test_failed_sign_in_is_logged_for_an_existing_account_only(database):
    user_id = _user(database)
    with pytest.raises(InvalidLogin):
        accounts.authenticate("ada@example.com", "wrong password!!", address="203.0.113.5")
    with pytest.raises(InvalidLogin):
        accounts.authenticate("nobody@example.com", "wrong password!!", address="203.0.113.5")
    entry = security_log.list_events(user_id).entries[0]
    assert (entry.kind, entry.ip_address) == (EventKind.SIGN_IN_FAILED, "203.0.113.5")
    assert "wrong password" not in repr(entry)
    with db.read() as session:
        assert len(session.exec(select(SecurityEvent)).all()) == 1  # the unknown email wrote nothing anywhere


def test_api_credentials_created_and_revoked_are_logged_by_access_key_never_the_secret(database):
    user_id = _user(database)
    new = credentials.create_credentials(user_id, label="ci", request_key=new_request_key())
    credentials.revoke_credentials(user_id, new.access_key)
    revoked, created = security_log.list_events(user_id).entries[:2]
    assert (created.kind, created.detail) == (EventKind.CREDENTIALS_CREATED, new.access_key)
    assert (revoked.kind, revoked.detail) == (EventKind.CREDENTIALS_REVOKED, new.access_key)
    assert new.secret_key not in repr(security_log.list_events(user_id))


def test_a_failed_creation_logs_nothing(database):
    database(CREDENTIALS_LIMIT="1")
    user_id = _user(database)
    credentials.create_credentials(user_id, request_key=new_request_key())
    with pytest.raises(LimitReached):
        credentials.create_credentials(user_id, request_key=new_request_key())
    assert _kinds(user_id).count(EventKind.CREDENTIALS_CREATED) == 1


def test_cloud_access_added_and_removed_are_logged_by_bucket_never_the_secret(database):
    user_id = _user(database)
    secret = "cloudSecret" + "s" * 30
    row = cloud_access.add_cloud_access(
        user_id,
        cloud_access.CloudAccessInput(provider="s3", bucket="ada-artifacts", key="AKIAADAADAADAADA0001", secret=secret),
    )
    cloud_access.remove_cloud_access(user_id, row.id)
    removed, added = security_log.list_events(user_id).entries[:2]
    assert (added.kind, added.detail) == (EventKind.CLOUD_ACCESS_ADDED, "ada-artifacts")
    assert (removed.kind, removed.detail) == (EventKind.CLOUD_ACCESS_REMOVED, "ada-artifacts")
    assert secret not in repr(security_log.list_events(user_id))


def test_cloud_access_replaced_through_the_api_logs_what_went_and_came(database):
    user_id = _user(database)
    first = cloud_access.CloudAccessInput(provider="s3", bucket="old-bucket", key="AKIAADAADAADAADA0001", secret="s1")
    cloud_access.add_cloud_access(user_id, first)
    second = cloud_access.CloudAccessInput(provider="s3", bucket="new-bucket", key="AKIAADAADAADAADA0001", secret="s2")
    cloud_access.replace_cloud_access(user_id, ["s3"], [second])
    logged = {(e.kind, e.detail) for e in security_log.list_events(user_id).entries}
    assert (EventKind.CLOUD_ACCESS_ADDED, "new-bucket") in logged
    assert (EventKind.CLOUD_ACCESS_REMOVED, "old-bucket") in logged


def test_joining_leaving_and_being_removed_from_a_workspace_are_logged(database):
    owner = _user(database)
    bob = accounts.sign_up("Bob Builder", "bob@example.com", "correct horse battery")
    carol = accounts.sign_up("Carol Coder", "carol@example.com", "correct horse battery")
    team = "Ada Lovelace's workspace"
    for member in (bob, carol):
        link = workspaces.create_invitation(owner, request_key=new_request_key()).link
        workspaces.join_workspace(member, link.rsplit("/", 1)[1])
        entry = security_log.list_events(member).entries[0]
        assert (entry.kind, entry.detail) == (EventKind.WORKSPACE_JOINED, team)
    workspaces.leave_workspace(bob)
    entry = security_log.list_events(bob).entries[0]
    assert (entry.kind, entry.detail) == (EventKind.WORKSPACE_LEFT, team)
    workspaces.remove_member(owner, carol)
    entry = security_log.list_events(carol).entries[0]
    assert (entry.kind, entry.detail) == (EventKind.WORKSPACE_REMOVED, team)  # in the removed user's own log
    assert EventKind.WORKSPACE_REMOVED not in _kinds(owner)
