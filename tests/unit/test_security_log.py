"""The security log's storage rules: written inside the caller's transaction, newest first, paged, never more
than its detail allows, pruned after PROFILE_SECURITY_LOG_DAYS; and user agents described by ua-parser."""

from datetime import timedelta

import pytest

from profile_app import db
from profile_app.models import SecurityEvent, utcnow
from profile_app.services import accounts, security_log, user_agents
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
