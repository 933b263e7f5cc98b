"""A demo account with data in every section, made through the services: the accessibility checks, the layout
checks and the screenshots script all look at a page that has something in every table.

Call inside `app.services()` (or any configured environment). Hosted: the demo user owns a workspace with a second
member and two invitation links, and also belongs to a teammate's workspace; self-hosted: the user is the admin
who decided about usage data. Both: three app credentials (one used by the SDK) and four cloud access rows (one
per provider; one tested OK, one failed, one on a plain-http host)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

PASSWORD = "correct horse battery staple"
LONG_NAME = ("Maximiliana Alexandrina Konstantinopoulou-Vandenberghe de la Cruz y Montenegro " * 2)[:97] + "Z"  # 98
LONG_BUCKET = "a-very-long-bucket-name-for-the-layout-check-0123456789-abcdefg"[:63]
LONG_HOST = "https://object-storage-gateway.research-cluster.internal.example-organisation.org:9443"


@dataclass(frozen=True)
class Demo:
    email: str
    name: str
    user_id: int
    teammate_email: str = ""


def _email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def _future_sas(days: int = 180) -> str:
    from profile_app.models import utcnow

    expiry = (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"sv=2022-11-02&ss=b&srt=co&sp=rl&se={expiry}&sig=c2lnbmF0dXJlZm9ydGVzdA%3D%3D"


def _record_test(user_id: int, row_id: int, ok: bool, message: str) -> None:
    """A stored Test access outcome, as if the bucket had answered (the demo's hosts do not exist)."""
    from profile_app.services import cloud_access, storage_providers

    outcome = storage_providers.OK if ok else storage_providers.ACCESS_DENIED
    cloud_access._record_test(user_id, row_id, storage_providers.AccessTestResult(outcome, message))


def _cloud_rows(user_id: int, *, long_text: bool) -> None:
    from profile_app.services import cloud_access
    from profile_app.services.cloud_access import CloudAccessInput

    aws = cloud_access.add_cloud_access(
        user_id,
        CloudAccessInput(
            provider="s3",
            bucket=LONG_BUCKET if long_text else "experiment-artifacts",
            key="AKIAIOSFODNN7EXAMPLE",
            secret="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region="eu-west-1",
        ),
    )
    _record_test(user_id, aws.id, True, "Access OK (region eu-west-1).")
    minio = cloud_access.add_cloud_access(
        user_id,
        CloudAccessInput(
            provider="s3compat",
            bucket="datasets",
            key="minio-access-key",
            secret="minio-secret-key-0123",
            host=LONG_HOST if long_text else "http://minio.lab.example.com:9000",
        ),
    )
    _record_test(user_id, minio.id, False, "Access denied: these keys may not list bucket datasets.")
    cloud_access.add_cloud_access(
        user_id,
        CloudAccessInput(
            provider="azure", bucket="models", secret=_future_sas(), host="https://demoaccount.blob.core.windows.net"
        ),
    )
    cloud_access.add_cloud_access(
        user_id, CloudAccessInput(provider="gcs", bucket="shared-results", key="GOOG1EEXAMPLEHMACID", secret="gcs-hmac")
    )


def _credentials(user_id: int, *, long_text: bool) -> None:
    from profile_app.services import credentials

    if long_text:
        for number in range(20):
            label = f"{number:02d} " + ("a rather long credential label that keeps going " * 5)
            credentials.create_credentials(user_id, label[: credentials.LABEL_MAX])
        return
    used = credentials.create_credentials(user_id, "laptop")
    credentials.login(used.access_key, used.secret_key, client_from="gpu-worker-01")
    credentials.create_credentials(user_id, "CI runner", 90)
    credentials.create_credentials(user_id, "")


def seed_demo(*, name: str = "Ada Lovelace", long_text: bool = False) -> Demo:
    """The demo account (signs up through the service; log in with `email` and PASSWORD)."""
    from profile_app.config import get_settings
    from profile_app.db import transaction
    from profile_app.models import User
    from profile_app.services import accounts, usage_stats, workspaces

    email = _email("demo")
    name = LONG_NAME if long_text else name
    user_id = accounts.sign_up(name, email, PASSWORD)
    teammate_email = ""
    if get_settings().hosted:
        teammate_email = _email("grace")
        grace = accounts.sign_up("Grace Hopper", teammate_email, PASSWORD)
        alan = accounts.sign_up("Alan Turing", _email("alan"), PASSWORD)
        # Ada joins Grace's team, then comes back to her own workspace, where Alan joins.
        workspaces.join_workspace(user_id, workspaces.create_invitation(grace).link.rsplit("/", 1)[1])
        own = workspaces.list_workspaces(user_id)
        personal = next(w.id for w in own if w.personal)
        workspaces.switch_workspace(user_id, personal)
        workspaces.join_workspace(alan, workspaces.create_invitation(user_id).link.rsplit("/", 1)[1])
        workspaces.switch_workspace(alan, next(w.id for w in workspaces.list_workspaces(alan) if w.personal))
        workspaces.create_invitation(user_id)
    else:
        with transaction() as session:
            session.execute(sa.update(User).where(User.id == user_id).values(is_admin=True))
        usage_stats.set_usage_enabled(user_id, True)
    _credentials(user_id, long_text=long_text)
    _cloud_rows(user_id, long_text=long_text)
    return Demo(email=email, name=name, user_id=user_id, teammate_email=teammate_email)


def add_members(workspace_id: int, count: int, *, prefix: str = "Member") -> None:
    """`count` accounts joined to a workspace in one bulk insert (the page's long Members table, not how they got
    there): named "{prefix} 0001"… so they sort in joining order, with a password hash that is never verified."""
    from profile_app.db import transaction
    from profile_app.models import Membership, User, Workspace, utcnow

    fake_hash = "$argon2id$v=19$m=65536,t=3,p=4$" + "A" * 22 + "$" + "B" * 43
    tag = uuid.uuid4().hex[:6]
    started = utcnow()
    with transaction() as session:
        workspace = session.get(Workspace, workspace_id)
        workspace.max_members = max(workspace.max_members, count + 10)
        users = [
            User(email=f"m{number}-{tag}@example.com", name=f"{prefix} {number:04d}", password_hash=fake_hash)
            for number in range(1, count + 1)
        ]
        session.add_all(users)
        session.flush()
        session.add_all(
            Membership(workspace_id=workspace_id, user_id=user.id, joined_at=started + timedelta(seconds=number))
            for number, user in enumerate(users, start=1)
        )
