"""Outbound work cannot starve anyone (issue 10 item 2): against an allow-listed loopback host that accepts
connections and never answers, one user floods storage.blob (60 at once) and Test access (24 "tabs", and another
process standing in for another worker). Another user's /api/health, users.get_current_user and Test access (against
moto's S3 on loopback) keep answering at once; the flooding user gets a few slots and clear refusals for the rest.
The bounds are loose on purpose (a starved server took 28-43 s before): they tell "unaffected" from "starved"."""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from profile_app.services import accounts, cloud_access, credentials, signing, storage_providers
from profile_app.services.cloud_access import CloudAccessInput
from profile_app.services.storage_providers import AZURE, S3_COMPATIBLE
from tests.api.conftest import api_server
from tests.conftest import random_password
from tests.moto_s3 import BUCKET, start_s3_server, stop_s3_server
from tests.unit.test_cloud_access import future_sas

UNAFFECTED_S = 3.0  # far below the tarpit's 15 s open deadline and 5 s read timeout

OTHER_WORKER = """
import asyncio, sys
from profile_app.services import cloud_access
try:
    asyncio.run(cloud_access.test_cloud_access(int(sys.argv[1]), int(sys.argv[2])))
    print("RAN")
except cloud_access.AccessTestBusy as busy:
    print("BUSY", busy.message)
"""


@pytest.fixture
def tarpit_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(512)
        yield listener.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    server = start_s3_server()
    yield server
    stop_s3_server(server)


def _user(name: str) -> int:
    return accounts.sign_up(name, f"{name.split()[0].lower()}@example.com", random_password())


def _token(url: str, user_id: int) -> str:
    created = credentials.create_credentials(user_id)
    response = httpx.post(f"{url}/auth.login", auth=(created.access_key, created.secret_key))
    return response.json()["data"]["token"]


async def _timed(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> tuple[float, int]:
    started = time.monotonic()
    response = await client.request(method, url, **kwargs)
    return time.monotonic() - started, response.status_code


def test_a_tarpit_does_not_starve_other_users(database, tarpit_port, s3_server, capsys):
    with api_server(database, OUTBOUND_ALLOWLIST="127.0.0.1") as url:
        flooder, other = _user("Fred Flood"), _user("Olga Other")
        tarpit = f"http://127.0.0.1:{tarpit_port}"
        cloud_access.add_cloud_access(
            flooder, CloudAccessInput(AZURE, "stuck", secret=future_sas(), host=f"{tarpit}/devstoreaccount1")
        )
        stuck_test = cloud_access.add_cloud_access(
            flooder, CloudAccessInput(S3_COMPATIBLE, "stuck-bucket", "minio", "secret", host=tarpit)
        )
        keys = (s3_server.access_key, s3_server.secret_key)
        healthy_test = cloud_access.add_cloud_access(
            other, CloudAccessInput(S3_COMPATIBLE, BUCKET, *keys, host=s3_server.endpoint)
        )
        link = signing.sign_storage_url(flooder, f"azure://127.0.0.1:{tarpit_port}/devstoreaccount1/stuck/big.bin")
        others_bearer = {"Authorization": f"Bearer {_token(url, other)}"}

        async def scenario():
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                blobs = [asyncio.create_task(_timed(client, "GET", link.url)) for _ in range(60)]
                tests = [asyncio.create_task(cloud_access.test_cloud_access(flooder, stuck_test.id)) for _ in range(24)]
                await asyncio.sleep(0.5)  # the flood is in flight
                other_worker = subprocess.run(
                    [sys.executable, "-c", OTHER_WORKER, str(flooder), str(stuck_test.id)],
                    capture_output=True,
                    text=True,
                    timeout=120,
                    cwd=Path(__file__).resolve().parents[2],
                )
                latencies = {"health": [], "get_current_user": []}
                for _ in range(15):
                    latencies["health"].append((await _timed(client, "GET", f"{url}/health"))[0])
                    elapsed, status = await _timed(
                        client, "POST", f"{url}/users.get_current_user", headers=others_bearer, json={}
                    )
                    assert status == 200
                    latencies["get_current_user"].append(elapsed)
                    await asyncio.sleep(0.1)
                started = time.monotonic()
                healthy = await cloud_access.test_cloud_access(other, healthy_test.id)
                others_test = time.monotonic() - started
                blob_results = await asyncio.gather(*blobs)
                test_results = await asyncio.gather(*tests, return_exceptions=True)
            return latencies, healthy, others_test, other_worker.stdout, blob_results, test_results

        latencies, healthy, others_test, other_worker, blob_results, test_results = asyncio.run(scenario())

    statuses = sorted(status for _, status in blob_results)
    busy = [r for r in test_results if isinstance(r, cloud_access.AccessTestBusy)]
    ran = [r for r in test_results if isinstance(r, storage_providers.AccessTestResult)]
    with capsys.disabled():
        for name, values in latencies.items():
            print(f"\n{name} under the flood: median {statistics.median(values):.3f} s, max {max(values):.3f} s")
        print(f"other user's Test access: {others_test:.3f} s ({healthy.outcome})")
        print(f"storage.blob: {statuses.count(502)} held to the deadline (502), {statuses.count(429)} refused (429)")
        print(f"flooder's Test access: {len(ran)} ran ({ran[0].outcome}), {len(busy)} refused at once")
    assert max(latencies["health"]) < UNAFFECTED_S and max(latencies["get_current_user"]) < UNAFFECTED_S
    assert healthy.ok and others_test < UNAFFECTED_S
    slots = signing.BLOB_SLOTS_PER_USER
    assert statuses.count(502) == slots and statuses.count(429) == 60 - slots
    assert len(ran) == 1 and ran[0].outcome == storage_providers.TIMED_OUT and len(busy) == 23
    assert other_worker.startswith("BUSY A Test access is already running"), other_worker
