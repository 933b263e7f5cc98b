"""Failed sign-ins counted under concurrency: parallel guesses must not slip past the per-account throttle."""

from __future__ import annotations

import threading

from sqlmodel import select

from profile_app.db import read
from profile_app.models import User
from profile_app.services import accounts
from tests.conftest import random_password

ATTEMPTS = 16


def test_parallel_wrong_passwords_are_all_counted_on_postgresql(postgres_database):
    """On PostgreSQL each failure read the counter and wrote it back: parallel guesses overwrote each other's
    increments, so an attacker got more tries than PROFILE_LOGIN_MAX_FAILURES. The user row is now locked."""
    postgres_database(LOGIN_MAX_FAILURES="1000")
    accounts.sign_up("Ann Smith", "ann@example.com", random_password())
    with read() as session:
        user_id = session.exec(select(User.id).where(User.email == "ann@example.com")).one()
    start = threading.Barrier(ATTEMPTS)

    def guess() -> None:
        start.wait()
        accounts._record_failure(user_id)

    threads = [threading.Thread(target=guess) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with read() as session:
        assert session.get(User, user_id).failed_logins == ATTEMPTS
