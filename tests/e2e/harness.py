"""Start the real app (`reflex run --env prod`, one port) for end-to-end tests, and reach its database.

Each server gets its own data directory and, per port, its own frontend build directory, so several runs (or
developers) can build side by side. PROFILE_E2E_PORT picks the first port. With PROFILE_E2E_POSTGRES_URL set, each
server gets a brand-new PostgreSQL database (migrated by `python -m profile_app.manage migrate` before start, as in
production), and REFLEX_REDIS_URL / GRANIAN_WORKERS from the environment are passed through."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 420


def _free_port(preferred: int) -> int:
    import socket

    for port in range(preferred, preferred + 50):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port near {preferred}")


def _create_postgres_database(admin_url: str) -> str:
    import sqlalchemy as sa

    name = f"profile_e2e_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _drop_postgres_database(admin_url: str, url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    engine.dispose()


@dataclass
class AppServer:
    mode: str
    port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.data_dir / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def profile_env(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("PROFILE_")}

    @contextmanager
    def services(self) -> Iterator[None]:
        """Run service-layer code in the test process against this server's database and settings."""
        from profile_app import config, db

        saved = {k: v for k, v in os.environ.items() if k.startswith("PROFILE_")}
        for key in saved:
            del os.environ[key]
        os.environ.update(self.profile_env())
        db.reset_engine()
        config.reload_settings()
        try:
            yield
        finally:
            for key in [k for k in os.environ if k.startswith("PROFILE_")]:
                del os.environ[key]
            os.environ.update(saved)
            db.reset_engine()
            config.get_settings.cache_clear()

    def start(self) -> None:
        if os.environ.get("PROFILE_E2E_POSTGRES_URL"):
            subprocess.run(
                [sys.executable, "-m", "profile_app.manage", "migrate"],
                cwd=PROJECT_ROOT,
                env=self.env,
                check=True,
                capture_output=True,
            )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(self.port),
                "--backend-port",
                str(self.port),
                "--loglevel",
                "warning",
            ],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app server exited early; see {self.log_path}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health", timeout=2) as resp:
                    if resp.status == 200:
                        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=5):
                            return
            except OSError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"app server did not answer within {START_TIMEOUT_S}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        admin = os.environ.get("PROFILE_E2E_POSTGRES_URL")
        if admin and self.env["PROFILE_DATABASE_URL"].startswith("postgresql"):
            _drop_postgres_database(admin, self.env["PROFILE_DATABASE_URL"])


def make_server(mode: str, port: int, data_dir: Path, **settings: str) -> AppServer:
    port = _free_port(port)
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROFILE_") or k.startswith("PROFILE_E2E")}
    database_url = f"sqlite:///{data_dir / 'profile.db'}"
    if admin := os.environ.get("PROFILE_E2E_POSTGRES_URL"):
        database_url = _create_postgres_database(admin)
    web_dir = PROJECT_ROOT / ".web-e2e" / str(port)
    env.update(
        {
            "PROFILE_MODE": mode,
            "PROFILE_PORT": str(port),
            "PROFILE_DATA_DIR": str(data_dir),
            "PROFILE_DATABASE_URL": database_url,
            "PROFILE_SECRET_KEY": secrets.token_urlsafe(40),
            "PROFILE_ENCRYPTION_KEYS": "e2e:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "PROFILE_FILES_URL": f"http://localhost:{port + 1000}",
            # Every e2e test signs in from 127.0.0.1; the per-address limit is tested at the service layer.
            "PROFILE_SIGN_IN_RATE_PER_MINUTE": "100000",
            "REFLEX_WEB_WORKDIR": str(web_dir),
            "REFLEX_STATES_WORKDIR": str(web_dir.with_name(f"{port}.states")),
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **{f"PROFILE_{k}": str(v) for k, v in settings.items()},
        }
    )
    return AppServer(mode=mode, port=port, data_dir=data_dir, env=env)
