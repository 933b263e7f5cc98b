import asyncio
import http.server
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from profile_app import db
from profile_app.models import ApiCredential, CloudCredential, ServerSettings, utcnow
from profile_app.services import accounts, usage_stats
from profile_app.services.errors import PermissionDenied, ValidationFailed
from profile_app.services.usage_stats import ReportOutcome, UsageDataUnavailable

PASSWORD = "correct horse battery"


def _run_in_own_loop(coroutine):
    """asyncio.run in a thread of its own: the suite's Playwright browser may own a loop in the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Sink:
    """A tiny report receiver on loopback: records every POSTed body."""

    def __init__(self, status: int = 204):
        self.status = status
        self.bodies: list[dict] = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                sink.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/report?token=sink-secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    receiver = Sink()
    yield receiver
    receiver.close()


def _self_hosted(database, **overrides) -> tuple[int, int]:
    """Self-hosted server with an admin (first user) and a member; returns their ids."""
    database(MODE="self-hosted", **overrides)
    admin = accounts.sign_up("Admin Person", "admin@example.com", PASSWORD)
    member = accounts.sign_up("Member Person", "member@example.com", PASSWORD)
    return admin, member


def _settings_row() -> ServerSettings:
    with db.read() as session:
        return session.get(ServerSettings, 1)


def _unused_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------------------------------ the decision


def test_undecided_by_default_and_only_admins_are_prompted(database):
    admin, member = _self_hosted(database)
    state = usage_stats.get_usage_state(admin)
    assert (state.enabled, state.decided, state.prompt, state.can_change) == (False, False, True, True)
    viewer = usage_stats.get_usage_state(member)
    assert (viewer.enabled, viewer.prompt, viewer.can_change) == (False, False, False)
    assert usage_stats.admin_prompt_needed(admin) and not usage_stats.admin_prompt_needed(member)


def test_admin_decision_is_recorded_with_when_who_and_version(database):
    admin, member = _self_hosted(database)
    before = utcnow()
    state = usage_stats.set_usage_enabled(admin, True)
    assert state.enabled and state.decided and not state.prompt
    assert state.decided_by_name == "Admin Person"
    assert state.decided_version == usage_stats.APP_VERSION
    assert before <= state.decided_at <= utcnow()
    row = _settings_row()
    assert (row.usage_enabled, row.usage_decided_by, row.usage_decided_version) == (True, admin, "0.1.0")
    assert usage_stats.get_usage_state(member).enabled is True
    assert usage_stats.set_usage_enabled(admin, False).enabled is False


def test_prompt_returns_when_the_running_version_changes(database, monkeypatch):
    admin, _ = _self_hosted(database)
    usage_stats.set_usage_enabled(admin, False)
    assert not usage_stats.admin_prompt_needed(admin)
    monkeypatch.setattr(usage_stats, "APP_VERSION", "9.9.9")
    state = usage_stats.get_usage_state(admin)
    assert state.prompt and state.decided and not state.enabled


def test_non_admin_cannot_change_the_setting_and_nothing_changes(database):
    admin, member = _self_hosted(database)
    usage_stats.set_usage_enabled(admin, False)
    before = _settings_row()
    for value in (True, False):
        with pytest.raises(PermissionDenied):
            usage_stats.set_usage_enabled(member, value)
    after = _settings_row()
    assert after.model_dump() == before.model_dump()


@pytest.mark.parametrize("value", ["true", 1, None])
def test_only_a_real_boolean_is_a_decision(database, value):
    admin, _ = _self_hosted(database)
    with pytest.raises(ValidationFailed):
        usage_stats.set_usage_enabled(admin, value)
    assert _settings_row().usage_enabled is None


def test_hosted_mode_has_no_usage_data_setting(database, sink):
    database(MODE="hosted", USAGE_REPORT_URL=sink.url)
    user = accounts.sign_up("Hosted Person", "hosted@example.com", PASSWORD)
    with pytest.raises(UsageDataUnavailable):
        usage_stats.get_usage_state(user)
    with pytest.raises(UsageDataUnavailable):
        usage_stats.set_usage_enabled(user, True)
    assert usage_stats.admin_prompt_needed(user) is False
    assert usage_stats.send_report_if_due() is ReportOutcome.UNAVAILABLE
    assert sink.bodies == []


# ------------------------------------------------------------------------------------------------ the report


SEEDED_SECRETS = [
    "Zelda Quartermaine",
    "zelda.q@secret-corp.example",
    "Yorick Private",
    "yorick@hidden.example",
    "Top Secret Lab",
    "AKSEEDEDACCESSKEY123",
    "f" * 64,
    "seeded-bucket-name",
    "https://minio.internal.example:9000",
    "AKIASEEDEDCLOUDKEY",
    "ciphertext-of-cloud-secret",
    "eu-west-9",
    "my-laptop-label",
    "10.1.2.3",
]


def test_report_has_counts_and_no_personal_data(database):
    database(MODE="self-hosted")
    zelda = accounts.sign_up("Zelda Quartermaine", "zelda.q@secret-corp.example", PASSWORD)
    accounts.sign_up("Yorick Private", "yorick@hidden.example", PASSWORD)
    with db.transaction() as session:
        workspace_id = accounts.get_account(zelda).active_workspace_id
        session.exec(sa.text("UPDATE workspace SET name = 'Top Secret Lab'"))
        session.add(
            ApiCredential(
                user_id=zelda,
                workspace_id=workspace_id,
                access_key="AKSEEDEDACCESSKEY123",
                secret_hash="f" * 64,
                label="my-laptop-label",
                last_used_from="10.1.2.3",
            )
        )
        session.add(
            ApiCredential(
                user_id=zelda,
                workspace_id=workspace_id,
                access_key="AKREVOKED",
                secret_hash="e" * 64,
                revoked_at=utcnow(),
            )
        )
        session.add(
            CloudCredential(
                user_id=zelda,
                provider="s3compat",
                bucket="seeded-bucket-name",
                endpoint="https://minio.internal.example:9000",
                region="eu-west-9",
                key="AKIASEEDEDCLOUDKEY",
                secret_ciphertext="ciphertext-of-cloud-secret",
            )
        )
    report = usage_stats.build_report()
    payload = json.dumps(report)
    for value in SEEDED_SECRETS:
        assert value.lower() not in payload.lower(), value
    assert "@" not in payload and "http" not in payload
    assert set(report) == {
        "report_version",
        "server_uuid",
        "app_version",
        "deployment_mode",
        "database_backend",
        "counts",
    }
    assert report["server_uuid"] == _settings_row().server_uuid
    assert report["deployment_mode"] == "self-hosted"
    assert report["database_backend"] == "sqlite"
    assert report["app_version"] == "0.1.0"
    assert report["counts"] == {"users": 2, "workspaces": 1, "api_credentials": 1, "cloud_access": 1}


def test_server_uuid_is_made_once(database):
    database(MODE="self-hosted")
    first = usage_stats.build_report()["server_uuid"]
    assert usage_stats.build_report()["server_uuid"] == first
    assert len(first) == 36


# ------------------------------------------------------------------------------------------------ the period


@pytest.mark.parametrize(
    ("last_hours_ago", "due"),
    [(None, True), (0, False), (23.99, False), (24, True), (50, True)],
)
def test_report_due_period_logic(last_hours_ago, due):
    now = utcnow()
    last = None if last_hours_ago is None else now - timedelta(hours=last_hours_ago)
    assert usage_stats.report_due(last, now, timedelta(hours=24)) is due


def test_wake_up_interval_follows_the_period_within_bounds():
    assert usage_stats.reporter_wake_seconds(24) == usage_stats.MAX_WAKE_SECONDS
    assert usage_stats.reporter_wake_seconds(0.01) == pytest.approx(1.8)
    assert usage_stats.reporter_wake_seconds(0.00001) == usage_stats.MIN_WAKE_SECONDS


def test_sink_receives_exactly_one_report_per_period(database, sink):
    admin, _ = _self_hosted(database, USAGE_REPORT_URL=sink.url, USAGE_REPORT_PERIOD_HOURS="24")
    usage_stats.set_usage_enabled(admin, True)
    t0 = utcnow()
    expected = usage_stats.build_report()
    assert usage_stats.send_report_if_due(t0) is ReportOutcome.SENT
    assert sink.bodies == [expected]
    assert usage_stats.get_usage_state(admin).last_report_at == t0
    for later in (t0, t0 + timedelta(hours=1), t0 + timedelta(hours=23, minutes=59)):
        assert usage_stats.send_report_if_due(later) is ReportOutcome.NOT_DUE
    assert len(sink.bodies) == 1
    assert usage_stats.send_report_if_due(t0 + timedelta(hours=24)) is ReportOutcome.SENT
    assert len(sink.bodies) == 2
    assert usage_stats.get_usage_state(admin).last_report_at == t0 + timedelta(hours=24)


def test_no_report_while_undecided_or_disabled(database, sink):
    admin, _ = _self_hosted(database, USAGE_REPORT_URL=sink.url)
    assert usage_stats.send_report_if_due() is ReportOutcome.DISABLED
    usage_stats.set_usage_enabled(admin, False)
    assert usage_stats.send_report_if_due() is ReportOutcome.DISABLED
    assert usage_stats.send_report_if_due(utcnow() + timedelta(days=30)) is ReportOutcome.DISABLED
    assert sink.bodies == []
    assert _settings_row().last_report_at is None


def test_no_report_without_a_url(database, sink):
    admin, _ = _self_hosted(database)
    usage_stats.set_usage_enabled(admin, True)
    assert usage_stats.send_report_if_due() is ReportOutcome.NO_URL
    assert sink.bodies == []


def _race(threads: int) -> list[ReportOutcome]:
    now = utcnow()
    barrier = threading.Barrier(threads)
    outcomes: list[ReportOutcome] = []

    def worker():
        barrier.wait()
        outcomes.append(usage_stats.send_report_if_due(now))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return outcomes


def test_many_workers_at_once_send_one_report_sqlite(database, sink):
    admin, _ = _self_hosted(database, USAGE_REPORT_URL=sink.url)
    usage_stats.set_usage_enabled(admin, True)
    outcomes = _race(8)
    assert outcomes.count(ReportOutcome.SENT) == 1
    assert outcomes.count(ReportOutcome.NOT_DUE) == 7
    assert len(sink.bodies) == 1


@pytest.mark.postgres
def test_many_workers_at_once_send_one_report_postgres(postgres_database, sink):
    admin, _ = _self_hosted(postgres_database, USAGE_REPORT_URL=sink.url)
    usage_stats.set_usage_enabled(admin, True)
    outcomes = _race(8)
    assert outcomes.count(ReportOutcome.SENT) == 1
    assert len(sink.bodies) == 1
    assert sink.bodies[0]["database_backend"] == "postgresql"


def test_unreachable_url_is_logged_without_the_url_and_retried_next_period(database, caplog):
    url = f"http://127.0.0.1:{_unused_loopback_port()}/report?token=do-not-log-me"
    admin, _ = _self_hosted(database, USAGE_REPORT_URL=url)
    usage_stats.set_usage_enabled(admin, True)
    t0 = utcnow()
    with caplog.at_level(logging.WARNING, logger=usage_stats.log.name):
        assert usage_stats.send_report_if_due(t0) is ReportOutcome.FAILED
    assert "could not reach the report server" in caplog.text
    assert "do-not-log-me" not in caplog.text and "127.0.0.1" not in caplog.text
    state = usage_stats.get_usage_state(admin)
    assert state.last_report_at is None
    assert "could not reach the report server" in state.last_failure
    assert usage_stats.send_report_if_due(t0 + timedelta(hours=1)) is ReportOutcome.NOT_DUE
    assert usage_stats.send_report_if_due(t0 + timedelta(hours=24)) is ReportOutcome.FAILED
    # the app is unaffected: the decision and everything else still work
    assert usage_stats.set_usage_enabled(admin, False).enabled is False


def test_a_report_server_that_never_answers_is_given_up_on_at_the_deadline(database, tarpit, monkeypatch):
    """Per-read timeouts alone let a host that trickles or stalls hold the send; the overall deadline ends it."""
    monkeypatch.setattr(usage_stats, "SEND_DEADLINE_S", 0.5)
    admin, _ = _self_hosted(database, USAGE_REPORT_URL=f"{tarpit}/report")
    usage_stats.set_usage_enabled(admin, True)
    started = time.monotonic()
    assert usage_stats.send_report_if_due(utcnow()) is ReportOutcome.FAILED
    assert time.monotonic() - started < 5  # SEND_TIMEOUT alone would wait 10 s for the read
    assert "did not answer in time" in usage_stats.get_usage_state(admin).last_failure


def test_server_error_answer_is_a_failure_and_success_clears_it(database):
    failing = Sink(status=500)
    try:
        admin, _ = _self_hosted(database, USAGE_REPORT_URL=failing.url)
        usage_stats.set_usage_enabled(admin, True)
        t0 = utcnow()
        assert usage_stats.send_report_if_due(t0) is ReportOutcome.FAILED
        assert "HTTP 500" in usage_stats.get_usage_state(admin).last_failure
        failing.status = 200
        assert usage_stats.send_report_if_due(t0 + timedelta(hours=24)) is ReportOutcome.SENT
        state = usage_stats.get_usage_state(admin)
        assert state.last_failure == "" and state.last_report_at == t0 + timedelta(hours=24)
        assert len(failing.bodies) == 2
    finally:
        failing.close()


# ------------------------------------------------------------------------------------------------ the loop


def test_reporter_loop_survives_database_and_network_errors(database, monkeypatch):
    database(MODE="self-hosted", USAGE_REPORT_URL="http://127.0.0.1:9/report")
    calls: list[int] = []

    async def scenario():
        stop = asyncio.Event()
        errors = [sa.exc.OperationalError("SELECT 1", {}, Exception("database is locked")), OSError("net down")]

        def flaky_send():
            calls.append(1)
            if errors:
                raise errors.pop(0)
            stop.set()
            return ReportOutcome.SENT

        monkeypatch.setattr(usage_stats, "send_report_if_due", flaky_send)
        await asyncio.wait_for(usage_stats.run_reporter(wake_seconds=0.01, stop=stop), timeout=30)

    _run_in_own_loop(scenario())
    assert len(calls) == 3


def test_reporter_loop_sends_one_report_to_the_sink(database, sink):
    admin, _ = _self_hosted(database, USAGE_REPORT_URL=sink.url, USAGE_REPORT_PERIOD_HOURS="24")
    usage_stats.set_usage_enabled(admin, True)
    rounds: list[ReportOutcome] = []
    real_send = usage_stats.send_report_if_due

    async def scenario():
        stop = asyncio.Event()

        def counting_send():
            rounds.append(real_send())
            if len(rounds) == 3:
                stop.set()
            return rounds[-1]

        usage_stats.send_report_if_due = counting_send
        try:
            await asyncio.wait_for(usage_stats.run_reporter(wake_seconds=0.01, stop=stop), timeout=30)
        finally:
            usage_stats.send_report_if_due = real_send

    _run_in_own_loop(scenario())
    assert rounds == [ReportOutcome.SENT, ReportOutcome.NOT_DUE, ReportOutcome.NOT_DUE]
    assert len(sink.bodies) == 1


def test_reporter_is_idle_without_url_or_in_hosted_mode(database):
    database(MODE="self-hosted")
    _run_in_own_loop(asyncio.wait_for(usage_stats.run_reporter(wake_seconds=0.01), timeout=5))
    database(MODE="hosted", USAGE_REPORT_URL="http://127.0.0.1:9/")
    _run_in_own_loop(asyncio.wait_for(usage_stats.run_reporter(wake_seconds=0.01), timeout=5))
