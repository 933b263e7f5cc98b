"""Outbound safety: loopback, private, link-local/metadata addresses and names resolving to them are refused
unless allow-listed; connections inside the guard go to the vetted address only."""

from __future__ import annotations

import contextlib
import socket

import pytest

from profile_app.services import outbound


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
    ],
)
def test_forbidden_hosts_are_refused_naming_the_setting(settings_env, host, kind):
    with pytest.raises(outbound.OutboundRefused) as caught:
        outbound.vet_host(host, 443)
    assert kind in caught.value.message
    assert "PROFILE_OUTBOUND_ALLOWLIST" in caught.value.message


def test_public_address_passes(settings_env):
    assert outbound.vet_host("93.184.216.34", 443)[0][4][0] == "93.184.216.34"


@pytest.mark.parametrize(
    ("allowlist", "host"),
    [
        ("127.0.0.1/32", "127.0.0.1"),
        ("10.0.0.0/8", "10.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
        ("localhost", "localhost"),
        ("127.0.0.0/8,::1", "localhost"),
    ],
)
def test_allowlisted_hosts_pass(settings_env, allowlist, host):
    settings_env(OUTBOUND_ALLOWLIST=allowlist)
    assert outbound.vet_host(host, 9000)


def test_allowlist_is_specific(settings_env):
    settings_env(OUTBOUND_ALLOWLIST="10.0.0.0/24,minio.internal")
    with pytest.raises(outbound.OutboundRefused):
        outbound.vet_host("10.0.1.1", 443)
    with pytest.raises(outbound.OutboundRefused):
        outbound.vet_host("127.0.0.1", 443)


def test_guard_pins_resolution_to_the_vetted_address(settings_env, monkeypatch):
    """A name that re-resolves to loopback after vetting (DNS rebinding) still connects to the vetted address,
    and an unvetted name resolving to a private address is refused inside the guard."""
    settings_env(OUTBOUND_ALLOWLIST="203.0.113.7")
    answers = {"rebind.example": ["203.0.113.7", "127.0.0.1"], "sneaky.example": ["10.0.0.5"]}
    real = outbound._original_getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            address = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound, "_original_getaddrinfo", fake_getaddrinfo)
    with outbound.guarded_connections("rebind.example", 443):
        first = socket.getaddrinfo("rebind.example", 443, 0, socket.SOCK_STREAM)
        again = socket.getaddrinfo("rebind.example", 443, 0, socket.SOCK_STREAM)
        assert {r[4][0] for r in first + again} == {"203.0.113.7"}
    with pytest.raises(outbound.OutboundRefused, match="sneaky.example"):  # noqa: SIM117 (order matters)
        with outbound.guarded_connections("203.0.113.7", 443):
            socket.getaddrinfo("sneaky.example", 443, 0, socket.SOCK_STREAM)
    # Outside the guard nothing is pinned any more.
    assert socket.getaddrinfo("rebind.example", 443)[0][4][0] == "127.0.0.1"


def test_refusal_inside_a_client_that_swallows_errors_still_surfaces(settings_env, monkeypatch):
    """An HTTP client that turns the refused resolution into its own "could not connect" result does not hide
    the refusal: the guard raises it when the block ends."""
    settings_env(OUTBOUND_ALLOWLIST="203.0.113.7")
    real = outbound._original_getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        address = {"vetted.example": "203.0.113.7", "private.example": "10.9.8.7"}.get(host)
        if address:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound, "_original_getaddrinfo", fake_getaddrinfo)
    with (
        pytest.raises(outbound.OutboundRefused, match="private address"),
        outbound.guarded_connections("vetted.example", 443),
        contextlib.suppress(OSError),  # what a client does: report "could not connect"
    ):
        socket.getaddrinfo("private.example", 443)
