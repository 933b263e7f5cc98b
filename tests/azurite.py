"""Azurite (Microsoft's Azure Storage emulator, npm package `azurite`) on loopback for tests, run with the venv's
node. Installed by `.ci/run` into .cache/azurite (`npm install --prefix .cache/azurite azurite@3.37.0`);
PROFILE_TEST_AZURITE may point at another `dist/src/blob/main.js`. Missing -> tests skip, unless
PROFILE_TEST_REQUIRE_AZURITE is set."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MAIN = PROJECT_ROOT / ".cache" / "azurite" / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"
ACCOUNT = "devstoreaccount1"
# Azurite's published development account key (the same in every installation; not a secret).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # noqa: S105
CONTAINER = "artifacts"
BLOB_PATH = "runs/7/plot data.json"
BLOB_BYTES = b'{"azure": "blob bytes"}'


@dataclass
class AzuriteServer:
    process: subprocess.Popen
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def sas(self, *, starts_in: timedelta | None = None, expires_in: timedelta = timedelta(days=1)) -> str:
        from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

        now = datetime.now(UTC)
        return generate_account_sas(
            ACCOUNT,
            ACCOUNT_KEY,
            resource_types=ResourceTypes(service=True, container=True, object=True),
            permission=AccountSasPermissions(read=True, list=True),
            expiry=now + expires_in,
            start=(now + starts_in) if starts_in else None,
        )


def start_azurite(data_dir: Path) -> AzuriteServer:
    main = Path(os.environ.get("PROFILE_TEST_AZURITE", DEFAULT_MAIN))
    node = shutil.which("node")
    if not main.exists() or node is None:
        message = f"Azurite not installed at {main} (npm install --prefix .cache/azurite azurite@3.37.0)"
        if os.environ.get("PROFILE_TEST_REQUIRE_AZURITE"):
            raise RuntimeError(message)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            node,
            str(main),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(data_dir),
            "--silent",
            "--skipApiVersionCheck",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("Azurite exited at start") from None
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        raise RuntimeError("Azurite did not listen within 30 s")
    server = AzuriteServer(process, port)
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(
        account_url=server.endpoint, credential={"account_name": ACCOUNT, "account_key": ACCOUNT_KEY}
    )
    service.create_container(CONTAINER).upload_blob(BLOB_PATH, BLOB_BYTES)
    return server


def stop_azurite(server: AzuriteServer) -> None:
    """The venv's `node` is a wrapper that starts the real node as a child, and Azurite's graceful shutdown waits
    for idle keep-alive connections: kill the whole process group (its data is a temporary directory)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
