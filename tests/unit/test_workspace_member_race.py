"""The member cap holds when many people use the same link at the same moment, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import Membership, User, Workspace
from profile_app.services import accounts
from profile_app.services import workspaces as ws
from profile_app.services.errors import DomainError

JOINERS = 100


def create_users_quickly(count: int) -> list[int]:
    """Hosted users with a personal workspace each, inserted directly (argon2 for 100 users would dominate)."""
    ids = []
    with db.transaction() as session:
        for n in range(count):
            user = User(name=f"Joiner {n}", email=f"joiner{n}@example.com", password_hash="x")
            session.add(user)
            session.flush()
            workspace = Workspace(name=f"Joiner {n}'s workspace", personal=True, owner_id=user.id)
            session.add(workspace)
            session.flush()
            session.add(Membership(workspace_id=workspace.id, user_id=user.id, role="owner"))
            user.active_workspace_id = workspace.id
            ids.append(user.id)
    return ids


def race_for_last_seat(joiners: int) -> tuple[int, list[int], list[BaseException]]:
    owner = accounts.sign_up("Race Owner", "owner@example.com", "correct horse battery")
    workspace_id = accounts.get_account(owner).active_workspace_id
    with db.transaction() as session:
        session.exec(sa.update(Workspace).where(Workspace.id == workspace_id).values(max_members=2))
    token = ws.create_invitation(owner).link.rsplit("/", 1)[1]
    users = create_users_quickly(joiners)
    start = threading.Barrier(joiners)

    def join(user_id: int):
        start.wait()
        try:
            return ws.join_workspace(user_id, token)
        except BaseException as exc:  # noqa: BLE001 - every outcome is collected and checked below
            return exc

    with ThreadPoolExecutor(max_workers=joiners) as pool:
        outcomes = list(pool.map(join, users))
    with db.read() as session:
        members = session.exec(
            select(Membership.user_id).where(Membership.workspace_id == workspace_id, Membership.role == "member")
        ).all()
    return workspace_id, members, outcomes


def check_exactly_one_joined(workspace_id: int, members: list[int], outcomes: list) -> None:
    joined = [o for o in outcomes if o == workspace_id]
    refusals = [o for o in outcomes if isinstance(o, ws.WorkspaceFull)]
    others = [o for o in outcomes if o != workspace_id and not isinstance(o, ws.WorkspaceFull)]
    assert others == []
    assert len(joined) == 1
    assert len(refusals) == JOINERS - 1
    assert all(r.message == "This workspace is full. Ask its owner to free a seat." for r in refusals)
    assert all(isinstance(r, DomainError) for r in refusals)
    assert len(members) == 1


def test_one_free_seat_hundred_joins_sqlite(database):
    check_exactly_one_joined(*race_for_last_seat(JOINERS))


@pytest.mark.postgres
def test_one_free_seat_hundred_joins_postgres(postgres_database):
    assert db.get_engine().dialect.name == "postgresql"
    check_exactly_one_joined(*race_for_last_seat(JOINERS))
