"""The unit-of-work helpers: one_read() shares one read session across services for a whole page."""

from __future__ import annotations

import sqlalchemy as sa

from profile_app import db
from profile_app.models import User
from profile_app.services import accounts


def _count_statements(engine, action) -> int:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_one_read_shares_a_session_and_keeps_loaded_rows(database):
    user_id = accounts.sign_up("Ada Lovelace", "ada@example.com", "correct horse battery")

    def three_reads():
        for _ in range(3):
            with db.read() as session:
                assert session.get(User, user_id).name == "Ada Lovelace"

    def shared():
        with db.one_read():
            three_reads()

    engine = db.get_engine()
    apart = _count_statements(engine, three_reads)
    together = _count_statements(engine, shared)
    assert apart >= 6 and together == 2  # BEGIN + one SELECT, the other two come from the identity map


def test_writes_inside_one_read_still_commit_on_their_own(database):
    user_id = accounts.sign_up("Ada Lovelace", "ada@example.com", "correct horse battery")
    with db.one_read(), db.transaction() as session:
        session.get(User, user_id).name = "Ada King"
    with db.read() as session:
        assert session.get(User, user_id).name == "Ada King"
