"""200 simultaneous joins for a workspace's last seat, on SQLite and on PostgreSQL: prints how many members the
workspace has afterwards (it must be its maximum) and how long the race took. Figures only, no assertions.

    python bench/bench_member_race.py [--joiners 200] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import SQLModel, select  # noqa: E402

from profile_app import config, db  # noqa: E402
from profile_app.models import Membership, User, Workspace  # noqa: E402
from profile_app.services import workspaces  # noqa: E402

MAX_MEMBERS = 10


def configure(database_url: str, data_dir: str) -> None:
    os.environ.update(
        PROFILE_MODE="hosted",
        PROFILE_DATA_DIR=data_dir,
        PROFILE_DATABASE_URL=database_url,
        PROFILE_SECRET_KEY="bench-secret-key-" + "x" * 32,
        PROFILE_ENCRYPTION_KEYS="bench:" + base64.urlsafe_b64encode(b"b" * 32).decode(),
    )
    db.reset_engine()
    config.reload_settings()
    SQLModel.metadata.create_all(db.get_engine())


def seed(joiners: int) -> tuple[int, int, list[int]]:
    """An owner whose workspace has one free seat, and `joiners` other users."""
    with db.transaction() as session:
        users = []
        for n in range(joiners + MAX_MEMBERS - 1):
            user = User(name=f"User {n}", email=f"user{n}-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")
            session.add(user)
            session.flush()
            users.append(user)
        owner = users[0]
        workspace = Workspace(name="Team", personal=True, owner_id=owner.id, max_members=MAX_MEMBERS)
        session.add(workspace)
        session.flush()
        session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role="owner"))
        for user in users[1 : MAX_MEMBERS - 1]:  # fill all seats but one
            session.add(Membership(workspace_id=workspace.id, user_id=user.id, role="member"))
        for user in users:
            user.active_workspace_id = workspace.id
        ids = [u.id for u in users]
        return owner.id, workspace.id, ids[MAX_MEMBERS - 1 :]


def race(label: str, joiners: int) -> tuple[float, int]:
    owner, workspace_id, joiner_ids = seed(joiners)
    token = workspaces.create_invitation(owner).link.rsplit("/", 1)[1]
    start = threading.Barrier(joiners + 1)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def join(user_id: int) -> None:
        start.wait()
        try:
            workspaces.join_workspace(user_id, token)
            kind = "joined"
        except workspaces.WorkspaceFull:
            kind = "refused (full)"
        except Exception as exc:  # noqa: BLE001 - counted and printed
            kind = f"error {exc.__class__.__name__}"
        with lock:
            outcomes[kind] = outcomes.get(kind, 0) + 1

    with ThreadPoolExecutor(max_workers=joiners) as pool:
        for user_id in joiner_ids:
            pool.submit(join, user_id)
        start.wait()
        began = time.perf_counter()
    elapsed = time.perf_counter() - began
    with db.read() as session:
        members = session.exec(
            select(sa.func.count()).select_from(Membership).where(Membership.workspace_id == workspace_id)
        ).one()
    print(
        f"{label:<11} joiners={joiners:<4} max={MAX_MEMBERS} members_after={members:<3} "
        f"time={elapsed:.3f}s  {dict(sorted(outcomes.items()))}"
    )
    return elapsed, members


def races(label: str, joiners: int, runs: int) -> dict:
    """Several races on fresh workspaces; prints each, then the median and spread of the time."""
    from bench.common import fmt, summary

    results = [race(label, joiners) for _ in range(runs)]
    times = summary([elapsed for elapsed, _ in results])
    exact = sum(1 for _, members in results if members == MAX_MEMBERS)
    print(f"{label:<11} {fmt(times, 'ms', 1000)}; members exactly {MAX_MEMBERS} in {exact} of {runs} races")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--joiners", type=int, default=200)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PROFILE_BENCH_RUNS", "5")))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PROFILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        configure(f"sqlite:///{tmp}/bench.db", tmp)
        sqlite_times = races("sqlite", args.joiners, args.runs)

        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"profile_bench_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as exc:
            print(f"postgresql  skipped: {exc.__class__.__name__} at {args.postgres}")
            return
        try:
            configure(args.postgres.rsplit("/", 1)[0] + "/" + name, tmp)
            postgres_times = races("postgresql", args.joiners, args.runs)
            print(f"ratio of medians postgresql ÷ sqlite: {postgres_times['median'] / sqlite_times['median']:.2f}")
        finally:
            db.reset_engine()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
