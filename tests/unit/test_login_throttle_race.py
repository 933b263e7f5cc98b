"""Failed attempts counted under concurrency: parallel guesses must not slip past the throttle."""

from __future__ import annotations

import threading

from sqlmodel import select

from profile_app.db import read
from profile_app.models import ThrottleFailure
from profile_app.services import throttle

ATTEMPTS = 16


def test_parallel_failures_are_all_counted_on_postgresql(postgres_database):
    """A read-then-write counter lets parallel guesses overwrite each other's increments on PostgreSQL, giving an
    attacker more tries than PROFILE_LOGIN_MAX_FAILURES; the counter is one atomic upsert."""
    postgres_database(LOGIN_MAX_FAILURES="1000")
    start = threading.Barrier(ATTEMPTS)

    def guess() -> None:
        start.wait()
        throttle.record_failure("password:ann@example.com", "203.0.113.5")

    threads = [threading.Thread(target=guess) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with read() as session:
        assert session.exec(select(ThrottleFailure.failures)).one() == ATTEMPTS
