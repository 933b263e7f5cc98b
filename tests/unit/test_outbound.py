"""Outbound safety: loopback, private, link-local/metadata addresses and names resolving to them are refused
unless allow-listed; connections inside the guard go to the vetted address only."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import timedelta

import pytest

from profile_app.services import accounts, outbound
from tests.conftest import random_password


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("192.168.1.10", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.10.10", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address we refuse to call)
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("localhost", "loopback"),  # a name resolving to loopback
        ("metadata.google.internal", "metadata"),
        # Addresses that embed a forbidden IPv4 address, and IPv6 site-local.
        ("2002:a9fe:a9fe::1", "6to4 address embedding 169.254.169.254, a cloud metadata address"),
        ("2002:7f00:1::1", "6to4 address embedding 127.0.0.1, a loopback address"),
        ("2002:0a00:0001::", "6to4 address embedding 10.0.0.1, a private address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo address embedding 192.0.2.45"),
        ("2001:0:a9fe:a9fe::1", "Teredo address embedding 169.254.169.254, a cloud metadata address"),
        ("fec0::1", "site-local"),
        ("fec0:1234::abcd", "site-local"),
        ("64:ff9b::a9fe:a9fe", "reserved"),
    ],
)
def test_forbidden_hosts_are_refused_naming_the_setting(settings_env, host, kind):
    with pytest.raises(outbound.OutboundRefused) as caught:
        outbound.vet_host(host, 443)
    assert kind in caught.value.message
    assert "PROFILE_OUTBOUND_ALLOWLIST" in caught.value.message


def test_public_addresses_pass_including_6to4_of_a_public_address(settings_env):
    assert outbound.vet_host("93.184.216.34", 443) == ["93.184.216.34"]
    assert outbound.vet_host("2002:5db8:d822::1", 443) == ["2002:5db8:d822::1"]  # 6to4 of 93.184.216.34
    assert outbound.forbidden_kind(__import__("ipaddress").ip_address("::ffff:93.184.216.34")) == ""


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("127.0.0.1", True),
        ("[::1]", True),
        ("localhost", True),
        ("minio.localhost", True),
        ("169.254.169.254", True),
        ("metadata.google.internal", True),
        ("2002:a9fe:a9fe::1", True),
        ("10.1.2.3", True),
        ("93.184.216.34", False),
        ("minio.example.com", False),  # a name: only known when it is resolved, at Test access
    ],
)
def test_refusal_known_without_a_lookup(settings_env, host, refused):
    message = outbound.refusal_without_lookup(host)
    assert bool(message) is refused
    if refused:
        assert "PROFILE_OUTBOUND_ALLOWLIST" in message


def test_refusal_without_lookup_honours_the_allowlist(settings_env):
    settings_env(OUTBOUND_ALLOWLIST="127.0.0.1/32,10.0.0.0/8")
    assert outbound.refusal_without_lookup("127.0.0.1") == ""
    assert outbound.refusal_without_lookup("localhost") == ""
    assert outbound.refusal_without_lookup("10.9.9.9") == ""
    assert outbound.refusal_without_lookup("192.168.1.1")


@pytest.fixture
def listener():
    """A loopback TCP server answering every request with a tiny HTTP 200."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    server.close()


async def _get(url: str) -> bytes:
    async with outbound.connection_pool() as pool:
        response = await pool.request("GET", url, extensions=outbound.timeouts(2, 2))
        return response.content


def test_connections_go_to_the_address_vetted_once(settings_env, monkeypatch, listener):
    """The pool resolves a name once per connection and connects to that vetted address: a name that would
    answer differently on a second lookup (DNS rebinding) is never looked up again."""
    settings_env(OUTBOUND_ALLOWLIST="127.0.0.1")
    lookups = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "10.0.0.5"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(outbound, "_getaddrinfo", fake_getaddrinfo)
    assert asyncio.run(_get(f"http://rebind.example:{listener}/")) == b"ok"
    assert lookups == ["rebind.example"]


def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(settings_env, monkeypatch, listener):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(outbound, "_getaddrinfo", fake_getaddrinfo)
    with pytest.raises(outbound.OutboundRefused, match=r"sneaky.example \(127.0.0.1\): it is a loopback address"):
        asyncio.run(_get(f"http://sneaky.example:{listener}/"))


def test_a_name_with_one_private_address_among_public_ones_is_refused(settings_env, monkeypatch):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("93.184.216.34", "192.168.0.9")]

    monkeypatch.setattr(outbound, "_getaddrinfo", fake_getaddrinfo)
    with pytest.raises(outbound.OutboundRefused, match="private address"):
        outbound.vet_host("mixed.example", 443)


def test_slow_dns_gives_up_within_its_deadline(settings_env, monkeypatch):
    monkeypatch.setattr(outbound, "RESOLVE_TIMEOUT_S", 0.3)
    release = threading.Event()

    def slow_getaddrinfo(*args, **kwargs):
        release.wait(5)
        raise socket.gaierror("slow")

    monkeypatch.setattr(outbound, "_getaddrinfo", slow_getaddrinfo)
    try:
        with pytest.raises(outbound.HostUnresolvable, match="in time"):
            asyncio.run(outbound.vetted_addresses("slow.example", 443))
    finally:
        release.set()


def _user() -> int:
    return accounts.sign_up("Ada", f"ada-{random_password()[-6:]}@example.com", random_password())


def test_claims_hold_a_few_slots_per_user_and_kind(database):
    ada, bob = _user(), _user()
    kind, lease = outbound.ClaimKind.STORAGE_BLOB, timedelta(minutes=5)
    held = [outbound.claim(ada, kind, 3, lease) for _ in range(3)]
    assert all(held) and {c.slot for c in held} == {0, 1, 2}
    assert outbound.claim(ada, kind, 3, lease) is None
    assert outbound.claim(ada, outbound.ClaimKind.ACCESS_TEST, 1, lease) is not None  # another kind
    assert outbound.claim(bob, kind, 3, lease) is not None  # another user
    outbound.release(held[1])
    again = outbound.claim(ada, kind, 3, lease)
    assert again is not None and again.slot == 1


def test_an_expired_claim_is_taken_over_and_its_late_release_frees_nothing(database):
    ada = _user()
    kind = outbound.ClaimKind.ACCESS_TEST
    stale = outbound.claim(ada, kind, 1, timedelta(seconds=-1))  # a worker that died: its lease has run out
    fresh = outbound.claim(ada, kind, 1, timedelta(minutes=1))
    assert fresh is not None and fresh.slot == stale.slot and fresh.holder != stale.holder
    outbound.release(stale)  # the dead worker's release comes late: it must not free the new holder's slot
    assert outbound.claim(ada, kind, 1, timedelta(minutes=1)) is None


def _race_for_one_slot(user_id: int, contenders: int) -> int:
    barrier = threading.Barrier(contenders)
    won = []

    def contend():
        barrier.wait()
        if outbound.claim(user_id, outbound.ClaimKind.ACCESS_TEST, 1, timedelta(minutes=1)):
            won.append(1)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(won)


def test_one_slot_goes_to_exactly_one_of_many_concurrent_claimers_sqlite(database):
    assert _race_for_one_slot(_user(), 12) == 1


@pytest.mark.postgres
def test_one_slot_goes_to_exactly_one_of_many_concurrent_claimers_postgres(postgres_database):
    assert _race_for_one_slot(_user(), 12) == 1


@pytest.mark.postgres
def test_expired_claims_are_taken_over_on_postgres(postgres_database):
    test_an_expired_claim_is_taken_over_and_its_late_release_frees_nothing(postgres_database)
    test_claims_hold_a_few_slots_per_user_and_kind(postgres_database)
