"""Creation is idempotent per request key: a repeated key returns the first result (without its secret or link)
instead of creating again, sequentially and when the twins race, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import ApiCredential, CloudCredential, Invitation
from profile_app.services import accounts, cloud_access, credentials, workspaces
from profile_app.services.cloud_access import CloudAccessInput
from profile_app.services.errors import InvalidFields, ValidationFailed
from profile_app.services.idempotency import REQUEST_KEY_MAX, new_request_key
from tests.conftest import random_password

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _user(name: str = "Ada Idem") -> int:
    return accounts.sign_up(name, f"idem-{random_password()[-8:]}@example.com".lower(), random_password())


def _count(model, **where) -> int:
    with db.read() as session:
        query = select(sa.func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.exec(query).one()


def _cloud_input(bucket: str = "idem-bucket") -> CloudAccessInput:
    return CloudAccessInput(provider="s3", bucket=bucket, key=AWS_KEY, secret=AWS_SECRET)


def test_request_keys_are_random_and_fit_the_column():
    keys = {new_request_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(0 < len(key) <= REQUEST_KEY_MAX for key in keys)


def test_credentials_repeat_returns_the_first_without_its_secret(database):
    user_id = _user()
    key = new_request_key()
    first = credentials.create_credentials(user_id, "laptop", None, request_key=key)
    again = credentials.create_credentials(user_id, "something else", 30, request_key=key)
    assert not first.repeated and first.secret_key.startswith("pfsk_")
    assert again.repeated and again.secret_key == ""
    assert (again.access_key, again.label, again.expires_at) == (first.access_key, "laptop", None)
    assert _count(ApiCredential, user_id=user_id) == 1
    assert not credentials.create_credentials(user_id, "", None, request_key=new_request_key()).repeated
    assert not credentials.create_credentials(user_id, "", None).repeated  # no key: no idempotency asked for
    assert _count(ApiCredential, user_id=user_id) == 3


def test_keys_are_per_user(database):
    alice, bob = _user("Alice Idem"), _user("Bob Idem")
    key = new_request_key()
    assert not credentials.create_credentials(alice, request_key=key).repeated
    assert not credentials.create_credentials(bob, request_key=key).repeated
    assert not workspaces.create_invitation(alice, request_key=key).repeated
    assert not workspaces.create_invitation(bob, request_key=key).repeated
    alice_row = cloud_access.add_cloud_access(alice, _cloud_input(), request_key=key)
    bob_row = cloud_access.add_cloud_access(bob, _cloud_input(), request_key=key)
    assert alice_row.id != bob_row.id
    assert _count(CloudCredential) == 2


def test_credentials_repeat_at_the_limit_still_returns_the_first(database):
    database(CREDENTIALS_LIMIT="1")
    user_id = _user()
    key = new_request_key()
    first = credentials.create_credentials(user_id, request_key=key)
    assert credentials.create_credentials(user_id, request_key=key).access_key == first.access_key


def test_invitation_repeat_returns_the_first_without_its_link(database):
    user_id = _user()
    key = new_request_key()
    first = workspaces.create_invitation(user_id, request_key=key)
    again = workspaces.create_invitation(user_id, request_key=key)
    assert "/join/" in first.link and not first.repeated
    assert again.repeated and again.link == "" and again.id == first.id
    assert _count(Invitation, created_by=user_id) == 1


def test_cloud_access_repeat_returns_the_first_row(database):
    user_id = _user()
    key = new_request_key()
    first = cloud_access.add_cloud_access(user_id, _cloud_input(), request_key=key)
    # The twin carries the same form; even a different one (a crafted event) adds nothing under the same key.
    again = cloud_access.add_cloud_access(user_id, _cloud_input("other-bucket"), request_key=key)
    assert again.id == first.id and again.bucket == "idem-bucket"
    assert _count(CloudCredential, user_id=user_id) == 1
    with pytest.raises(ValidationFailed, match="already have access keys"):
        cloud_access.add_cloud_access(user_id, _cloud_input(), request_key=new_request_key())


@pytest.mark.parametrize("bad", ["", "x" * (REQUEST_KEY_MAX + 1), 12, {"a": 1}])
def test_malformed_keys_are_refused(database, bad):
    user_id = _user()
    for create in (
        lambda: credentials.create_credentials(user_id, request_key=bad),
        lambda: workspaces.create_invitation(user_id, request_key=bad),
        lambda: cloud_access.add_cloud_access(user_id, _cloud_input(), request_key=bad),
    ):
        with pytest.raises(ValidationFailed):
            create()
    assert _count(ApiCredential) == _count(CloudCredential) == _count(Invitation) == 0


def test_credentials_form_reports_every_field_at_once(database):
    user_id = _user()
    with pytest.raises(InvalidFields) as info:
        credentials.create_credentials(user_id, "x" * (credentials.LABEL_MAX + 1), 12345)
    assert list(info.value.problems) == ["label", "expiry"]
    assert info.value.field == "label"


def _race(create, twins: int = 8) -> list:
    barrier = threading.Barrier(twins)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(create())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(twins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def _racing_twins_create_one_row_each() -> None:
    user_id = _user()
    key = new_request_key()
    made = _race(lambda: credentials.create_credentials(user_id, "race", request_key=key))
    assert sum(not result.repeated for result in made) == 1
    assert len({result.access_key for result in made}) == 1
    invited = _race(lambda: workspaces.create_invitation(user_id, request_key=key))
    assert sum(not result.repeated for result in invited) == 1
    added = _race(lambda: cloud_access.add_cloud_access(user_id, _cloud_input(), request_key=key))
    assert len({row.id for row in added}) == 1
    assert _count(ApiCredential, user_id=user_id) == 1
    assert _count(Invitation, created_by=user_id) == 1
    assert _count(CloudCredential, user_id=user_id) == 1


def test_racing_twins_create_one_row_each_on_sqlite(database):
    _racing_twins_create_one_row_each()


@pytest.mark.postgres
def test_racing_twins_create_one_row_each_on_postgresql(postgres_database):
    _racing_twins_create_one_row_each()
