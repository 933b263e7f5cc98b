"""Every public event handler of every app State, called over a raw socket.io connection the way a crafted
client would: signed out, and signed in as another user with the victim's ids. Nothing of the victim's may change
and nothing private of the victim's may come back. Handlers added later are picked up automatically."""

from __future__ import annotations

import inspect
import json
import time
import typing
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from tests.e2e.conftest import PASSWORD
from tests.support.raw_socket import NAMESPACE, RawClient  # noqa: F401  (NAMESPACE: used by test_hardening)

# Every handler of every state, several rounds each, over a real socket: minutes on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(900)

# Anyone may try to log in as anyone from their own address: the throttle's counters are meant to count those
# attempts, and sessions are the attacker's own (a victim's session is checked by the leak check instead).
PUBLICLY_AFFECTED_TABLES = {"auth_session", "throttle_failure", "rate_limit_window"}
# Handlers that act on the caller's own session only, and would end the attacker's run early.
NOT_ATTACKS = {"log_out"}


def _app_states():
    from reflex.state import State

    import profile_app.profile_app  # noqa: F401  (imports and registers every state)

    def walk(cls):
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)

    return [s for s in walk(State) if s.__module__.startswith("profile_app.")]


def _handlers():
    found = []
    for state in _app_states():
        for name, handler in state.event_handlers.items():
            if name == "setvar" or name.startswith("_") or name in NOT_ATTACKS:
                continue
            found.append((state, name, handler))
    return found


def _argument_sets(handler, victim: dict) -> list[list]:
    """Arguments a crafted message might carry: the victim's row ids and identifiers, empty forms."""
    params = [p for p in inspect.signature(handler.fn).parameters.values() if p.name != "self"]
    if not params:
        return [[]]
    try:
        hints = typing.get_type_hints(handler.fn)
    except Exception:
        hints = {}
    ids = victim["ids"] or [1]
    strings = [str(i) for i in ids] + victim["strings"] + ["x"]
    sets = []
    for i in range(max(len(ids), len(strings))):
        args = []
        for param in params:
            hint = hints.get(param.name, param.annotation)
            if hint in (int, "int"):
                args.append(ids[i % len(ids)])
            elif hint in (bool, "bool"):
                args.append(bool(i % 2))
            elif hint in (dict, "dict") or typing.get_origin(hint) is dict:
                args.append({k: strings[i % len(strings)] for k in victim["form_keys"]} if i else {})
            elif hint in (list, "list") or typing.get_origin(hint) is list:
                args.append([])
            else:
                args.append(strings[i % len(strings)])
        sets.append(args)
    return sets


def _snapshot(engine, exclude_user_id: int | None, exclude_workspace_ids: set[int]) -> dict:
    """Every row of every table, minus rows that are the attacker's own (they may legitimately change)."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in PUBLICLY_AFFECTED_TABLES:
                continue
            rows = []
            for row in conn.execute(sa.select(table)).mappings():
                row = dict(row)
                if exclude_user_id is not None:
                    if table.name == "user_account" and row["id"] == exclude_user_id:
                        continue
                    if any(row.get(col) == exclude_user_id for col in ("user_id", "created_by")):
                        continue
                    if row.get("workspace_id") in exclude_workspace_ids:
                        continue
                    if table.name == "workspace" and row["id"] in exclude_workspace_ids:
                        continue
                rows.append(json.dumps(row, default=str, sort_keys=True))
            out[table.name] = sorted(rows)
    return out


def _seed_victim(app) -> dict:
    """A victim with one of everything the app stores, made through the services."""
    from profile_app.services import accounts

    email = f"victim-{uuid.uuid4().hex[:6]}@example.com"
    victim_id = accounts.sign_up("Victoria Private", email, PASSWORD)
    session_token = accounts.sign_in(email, PASSWORD)
    secrets_seen = [session_token]
    # The victim's name and email are never sent as input, so any sighting of them in a reply is a leak and not
    # the attacker's own input echoed back (renaming yourself to someone's email address is allowed).
    strings: list[str] = []
    for seed in _EXTRA_SEEDS:
        secret_values, identifiers = seed(victim_id)
        secrets_seen += secret_values
        strings += identifiers
    return {
        "id": victim_id,
        "email": email,
        "name": "Victoria Private",
        "secrets": secrets_seen,
        "strings": strings,
        "form_keys": [
            "name", "email", "password", "label", "bucket", "key", "secret", "region", "host", "url",
            "new_password", "confirm_password", "code",
        ],
    }


def _seed_credentials(victim_id: int) -> tuple[list[str], list[str]]:
    from profile_app.services import credentials
    from profile_app.services.idempotency import new_request_key

    new = credentials.create_credentials(victim_id, label="victim-label", request_key=new_request_key())
    return [new.secret_key], [new.access_key]


def _seed_cloud_access(victim_id: int) -> tuple[list[str], list[str]]:
    from profile_app.services import cloud_access

    secret = "victimCloudSecret" + uuid.uuid4().hex
    token = "victimSessionToken" + uuid.uuid4().hex
    from profile_app.services.idempotency import new_request_key

    row = cloud_access.add_cloud_access(
        victim_id,
        cloud_access.CloudAccessInput(
            provider="s3",
            bucket=f"victim-bucket-{uuid.uuid4().hex[:6]}",
            key="AKIAVICTIMVICTIM0001",
            secret=secret,
            token=token,
        ),
        request_key=new_request_key(),
    )
    return [secret, token], [row.bucket, f"s3://{row.bucket}/private.bin"]


def _seed_invitation(victim_id: int) -> tuple[list[str], list[str]]:
    from profile_app.services import workspaces
    from profile_app.services.idempotency import new_request_key

    link = workspaces.create_invitation(victim_id, request_key=new_request_key()).link
    return [link.rsplit("/", 1)[1]], []


def _seed_preferences_document(victim_id: int) -> tuple[list[str], list[str]]:
    """The ClearML preferences document (users.set_preferences) lives on the user row beside the page's switches."""
    from profile_app.services import preferences

    private = "victimPreference" + uuid.uuid4().hex
    preferences.update_preferences_document(victim_id, {"private": private, "views": {"theme": "dark"}})
    return [private], []


def _seed_password_reset(victim_id: int) -> tuple[list[str], list[str]]:
    """An outstanding reset link of the victim's: no handler may spend it, and its token never comes back."""
    from profile_app.services import password_reset

    link = password_reset.create_reset_link(victim_id)
    return [link.rsplit("/", 1)[1]], []


def _seed_two_factor(victim_id: int) -> tuple[list[str], list[str]]:
    """Two-factor on (secret and recovery codes never come back), a pending second step of a sign-in."""
    import pyotp

    from profile_app.services import two_factor

    key = two_factor.begin_setup(victim_id)
    codes = two_factor.confirm_setup(victim_id, pyotp.TOTP(key.secret).now())
    challenge = two_factor.start_sign_in(victim_id, "/profile")
    return [key.secret, key.grouped, challenge, *codes], list(codes[:2])


def _seed_sessions(victim_id: int) -> tuple[list[str], list[str]]:
    """The victim's sessions by the opaque ids the Sessions section uses (signing one out would log it in the
    victim's security log, which the snapshot compares)."""
    from profile_app.db import read
    from profile_app.models import AuthSession
    from profile_app.services import sessions

    with read() as session:
        rows = session.exec(sa.select(AuthSession.id).where(AuthSession.user_id == victim_id)).scalars().all()
    return [], [sessions.public_id_of(row_id) for row_id in rows]


# Each feature's seeder: f(victim_id) -> (secret values that must never come back, identifiers to try as input).
_EXTRA_SEEDS: list = [
    _seed_credentials,
    _seed_cloud_access,
    _seed_invitation,
    _seed_preferences_document,
    _seed_password_reset,
    _seed_two_factor,
    _seed_sessions,
]


@pytest.fixture(scope="module")
def seeded(hosted_app):
    with hosted_app.services():
        from profile_app.db import get_engine

        victim = _seed_victim(hosted_app)
        engine = get_engine()
        with engine.connect() as conn:
            max_id = max(
                conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {t.name}")).scalar()  # noqa: S608
                for t in SQLModel.metadata.sorted_tables
                if "id" in t.c
            )
        victim["ids"] = list(range(1, max_id + 2))
    return victim


QUIET_S = 10.0


def _drain(client: RawClient, signed_in: bool) -> None:
    """Wait until the server has answered every event sent, before the connection closes (closing drops events
    still queued, and a busy machine easily has a tail of them: the victim's identifiers come last). Signed in,
    a last event renames the attacker to a fresh marker: events of one connection run in order, so once the
    marker comes back, everything before it has run. Signed out nothing can answer with a marker; wait for quiet."""
    if not signed_in:
        client.settle(1.0)
        return
    from profile_app.states.preferences import PreferencesState

    marker = f"Mallory {uuid.uuid4().hex}"
    client.emit(f"{PreferencesState.get_full_name()}.save_name", {"form_data": {"name": marker}})
    # A crafted event may have ended the attacker's own session (log out, sign out sessions): then the marker never
    # comes back, and a long silence (nothing answered for QUIET_S) is the sign that the queue has run dry.
    quiet_since, seen = time.monotonic(), -1
    while time.monotonic() - quiet_since < QUIET_S:
        client.settle(0.2)
        with client.lock:
            if any(marker in message for message in client.received):
                return
            if len(client.received) != seen:
                quiet_since, seen = time.monotonic(), len(client.received)


def _attack(app, victim, session_token: str | None, attacker_id: int | None, attacker_workspaces: set[int]):
    from profile_app.db import get_engine

    with app.services():
        from profile_app.states.base import AuthState

        handlers = _handlers()
        assert handlers, "no handlers found: the enumeration is broken"
        engine = get_engine()
        before = _snapshot(engine, attacker_id, attacker_workspaces)
        client = RawClient(app.base_url, session_token)
        try:
            if session_token:  # the header's facts come back once the session is resolved
                client.emit(f"{AuthState.get_full_name()}.refresh_account", {})
            calls = []
            for state, name, handler in handlers:
                params = [p for p in inspect.signature(handler.fn).parameters if p != "self"]
                calls.append((f"{state.get_full_name()}.{name}", params, _argument_sets(handler, victim)))
            # Round r gives every handler its r-th arguments, twice over, so a two-step attack (pick the victim's
            # row with one handler, act on "the selected row" with another) meets its second step in either order.
            for round_index in range(max(len(sets) for _, _, sets in calls)):
                for _ in range(2):
                    for event_name, params, sets in calls:
                        args = sets[round_index % len(sets)]
                        client.emit(event_name, dict(zip(params, args, strict=True)))
                client.settle(0.1)
            _drain(client, session_token is not None)
        finally:
            client.close()
        after = _snapshot(engine, attacker_id, attacker_workspaces)
        from profile_app.services import accounts

        # Sessions are left out of the snapshot (the attacker's own come and go); the victim's must survive.
        victim_session_alive = accounts.resolve_session(victim["secrets"][0]) == victim["id"]
    assert before == after, "a crafted event changed another user's data"
    assert victim_session_alive, "a crafted event ended the victim's session"
    leaked = "\n".join(client.received)
    for private in [victim["email"], victim["name"], *victim["secrets"]]:
        if private in victim["strings"]:
            continue  # sent as input (two of the recovery codes): an echo of the attacker's own argument, not a leak
        assert private not in leaked, f"private data came back over the socket: {private[:12]}…"
    return client.received, len(handlers)


def test_every_handler_signed_out_changes_nothing_and_leaks_nothing(hosted_app, seeded):
    received, count = _attack(hosted_app, seeded, None, None, set())
    assert count >= 5
    assert received, "the server never answered: the protocol is wrong and the test proves nothing"


def test_every_handler_signed_in_as_another_user_cannot_touch_the_victim(hosted_app, seeded):
    with hosted_app.services():
        from profile_app.services import accounts

        email = f"attacker-{uuid.uuid4().hex[:6]}@example.com"
        attacker_id = accounts.sign_up("Mallory Attacker", email, PASSWORD)
        token = accounts.sign_in(email, PASSWORD)
        workspaces = {accounts.get_account(attacker_id).active_workspace_id}
    received, _ = _attack(hosted_app, seeded, token, attacker_id, workspaces)
    assert any("Mallory Attacker" in message for message in received), (
        "the attacker's session was not picked up, so the signed-in attack proves nothing"
    )


# Self-hosted: the administration handlers (the Users section, "Invite users") must do nothing for a caller who is
# signed out or signed in without being an administrator; the victim's account row (disabled_at, is_admin) and
# everything else of theirs stays as it was.
_SELF_HOSTED_SEEDS: list = [_seed_credentials, _seed_preferences_document, _seed_password_reset]


@pytest.fixture(scope="module")
def self_hosted_seeded(self_hosted_app):
    with self_hosted_app.services():
        from profile_app.db import get_engine
        from profile_app.services import accounts

        email = f"victim-{uuid.uuid4().hex[:6]}@example.com"
        victim_id = accounts.sign_up("Victoria Private", email, PASSWORD)
        secrets_seen = [accounts.sign_in(email, PASSWORD)]
        strings: list[str] = []
        for seed in _SELF_HOSTED_SEEDS:
            secret_values, identifiers = seed(victim_id)
            secrets_seen += secret_values
            strings += identifiers
        with get_engine().connect() as conn:
            max_id = max(
                conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {t.name}")).scalar()  # noqa: S608
                for t in SQLModel.metadata.sorted_tables
                if "id" in t.c
            )
    # Everyone on a self-hosted server sees everyone's name and email (Members lists the one workspace), so there
    # only the victim's secrets count as leaks: the name and email checks look for the session token instead.
    return {
        "id": victim_id,
        "email": secrets_seen[0],
        "name": secrets_seen[0],
        "secrets": secrets_seen,
        "strings": strings,
        "form_keys": ["name", "email", "password", "label"],
        "ids": list(range(1, max_id + 2)),
    }


def test_self_hosted_handlers_signed_out_change_nothing(self_hosted_app, self_hosted_seeded):
    received, _ = _attack(self_hosted_app, self_hosted_seeded, None, None, set())
    assert received


def test_self_hosted_handlers_as_a_non_administrator_change_nothing(self_hosted_app, self_hosted_seeded):
    with self_hosted_app.services():
        from profile_app.services import accounts, administration

        email = f"attacker-{uuid.uuid4().hex[:6]}@example.com"
        attacker_id = accounts.sign_up("Mallory Attacker", email, PASSWORD)
        assert not administration.is_administrator(attacker_id)  # the victim (or someone before) signed up first
        token = accounts.sign_in(email, PASSWORD)
    received, _ = _attack(self_hosted_app, self_hosted_seeded, token, attacker_id, set())
    assert any("Mallory Attacker" in message for message in received)
