"""Sign-in with two-factor vs without, at the service level, on SQLite and PostgreSQL: the password check, then
(with two-factor) the challenge and a TOTP code, then the sign-in grant and its exchange for a session. Prints the
figures and the ratio of medians; no assertions.

    python -m bench.bench_two_factor [--runs 40] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench.common import PASSWORD, fmt, summary  # noqa: E402
from profile_app import config, db  # noqa: E402
from profile_app.models import utcnow  # noqa: E402
from profile_app.services import accounts, two_factor  # noqa: E402


def configure(database_url: str, data_dir: str) -> None:
    os.environ.update(
        PROFILE_MODE="hosted",
        PROFILE_DATA_DIR=data_dir,
        PROFILE_DATABASE_URL=database_url,
        PROFILE_SECRET_KEY="bench-secret-key-" + "x" * 32,
        PROFILE_ENCRYPTION_KEYS="bench:" + base64.urlsafe_b64encode(b"b" * 32).decode(),
        PROFILE_SIGN_IN_RATE_PER_MINUTE="1000000",
    )
    db.reset_engine()
    config.reload_settings()
    SQLModel.metadata.create_all(db.get_engine())


def compare(label: str, runs: int) -> None:
    plain_email = f"plain-{uuid.uuid4().hex[:8]}@example.com"
    totp_email = f"totp-{uuid.uuid4().hex[:8]}@example.com"
    accounts.sign_up("Plain User", plain_email, PASSWORD)
    totp_user = accounts.sign_up("Two Factor User", totp_email, PASSWORD)
    # Every sign-in needs a code of a new time step (a code is accepted once), so the clock is given explicitly:
    # one step further for each sign-in, starting well in the past.
    start = utcnow() - timedelta(days=1)
    key = two_factor.begin_setup(totp_user)
    totp = pyotp.TOTP(key.secret)
    two_factor.confirm_setup(totp_user, totp.at(start), at=start)

    def plain() -> None:
        user_id = accounts.authenticate(plain_email, PASSWORD)
        two_factor.start_sign_in(user_id, "/profile")  # what the login handler asks first (None: off)
        accounts.redeem_sign_in_grant(accounts.issue_sign_in_grant(user_id, "/profile"))

    def with_code(step: int) -> None:
        at = start + timedelta(seconds=30 * step)
        user_id = accounts.authenticate(totp_email, PASSWORD)
        challenge = two_factor.start_sign_in(user_id, "/profile")
        grant = two_factor.complete_sign_in(challenge, totp.at(at), at=at)
        accounts.redeem_sign_in_grant(grant)

    plain()
    with_code(1)  # warm-up: connections, argon2 parameters, imports
    plain_times, totp_times, second_step = [], [], []
    for step in range(2, runs + 2):  # interleaved, so drift in the machine's load hits both alike
        began = time.perf_counter()
        plain()
        plain_times.append(time.perf_counter() - began)
        at = start + timedelta(seconds=30 * step)
        began = time.perf_counter()
        user_id = accounts.authenticate(totp_email, PASSWORD)
        challenge = two_factor.start_sign_in(user_id, "/profile")
        checked = time.perf_counter()
        grant = two_factor.complete_sign_in(challenge, totp.at(at), at=at)
        accounts.redeem_sign_in_grant(grant)
        ended = time.perf_counter()
        totp_times.append(ended - began)
        second_step.append(ended - checked)
    plain_stats, totp_stats, step_stats = summary(plain_times), summary(totp_times), summary(second_step)
    print(f"{label:<11} password only:            {fmt(plain_stats, 'ms', 1000)}")
    print(f"{label:<11} password + TOTP code:     {fmt(totp_stats, 'ms', 1000)}")
    print(f"{label:<11}   of which the code step: {fmt(step_stats, 'ms', 1000)}")
    print(
        f"{label:<11} ratio of medians two-factor ÷ password only: {totp_stats['median'] / plain_stats['median']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PROFILE_BENCH_RUNS", "40")))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PROFILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        configure(f"sqlite:///{tmp}/bench.db", tmp)
        compare("sqlite", args.runs)

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
            compare("postgresql", args.runs)
        finally:
            db.reset_engine()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
