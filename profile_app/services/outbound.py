"""Outbound safety: the server only contacts hosts whose addresses are public, unless an administrator
allow-lists them in PROFILE_OUTBOUND_ALLOWLIST (host names and CIDR ranges, comma separated).

DNS rebinding: a name could resolve to a public address when we check it and to 127.0.0.1 when the HTTP
client connects. `guarded_connections()` closes that gap: while it is active, every `socket.getaddrinfo` call
made in the current thread (that is what urllib3/botocore and httpx's sync transport use to connect) is answered
from one resolution that has just been vetted, so the client connects to exactly the address that was checked.
Other threads are untouched (the pin is thread-local); the wrapper is installed once, on first use.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from profile_app.config import get_settings
from profile_app.services.errors import DomainError

ALLOWLIST_SETTING = "PROFILE_OUTBOUND_ALLOWLIST"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Cloud metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba); most are link-local already.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})


class OutboundRefused(DomainError):
    """The server will not contact this host; the message names the setting an administrator can change."""


def _kind_of_forbidden(address: IPAddress) -> str:
    """Why an address is refused, or "" if it is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for kind, flag in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("an unspecified address", address.is_unspecified),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
    ):
        if flag:
            return kind
    if not address.is_global:
        return "a non-public address"
    return ""


def _allowlisted(host: str, address: IPAddress | None) -> bool:
    for entry in get_settings().outbound_allowlist:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        if "/" in entry or _is_ip_literal(entry):
            if address is None:
                continue
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        elif entry == host:
            return True
    return False


def _is_ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _refusal(host: str, detail: str) -> OutboundRefused:
    return OutboundRefused(
        f"The server does not contact {host}: {detail}. An administrator can allow it by adding the host or "
        f"its address range to {ALLOWLIST_SETTING}."
    )


_original_getaddrinfo = socket.getaddrinfo


def vet_host(host: str, port: int) -> list[tuple]:
    """Resolve `host` once and return the getaddrinfo results, or raise OutboundRefused if any address is
    forbidden (a name with one private address among public ones is refused: the client might pick it)."""
    name = host.strip().lower().rstrip(".").strip("[]")
    if not name:
        raise OutboundRefused("There is no host to contact.")
    if name in METADATA_NAMES and not _allowlisted(name, None):
        raise _refusal(host, "it is a cloud metadata service")
    try:
        results = _original_getaddrinfo(name, port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostUnresolvable(f"The host {host} could not be resolved. Check the Host (Endpoint).") from exc
    if _allowlisted(name, None):
        return results
    for *_, sockaddr in results:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        kind = _kind_of_forbidden(address)
        if kind and not _allowlisted(name, address):
            shown = host if name == str(address) else f"{host} ({address})"
            raise _refusal(shown, f"it is {kind}")
    return results


class HostUnresolvable(DomainError):
    """The name does not resolve (a typo, or no DNS for it here)."""


_pins = threading.local()
outbound_refusal_types = (OutboundRefused, HostUnresolvable)


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    if getattr(_pins, "active", False) and isinstance(host, str | bytes):
        name = (host.decode() if isinstance(host, bytes) else host).lower().rstrip(".")
        key = (name, str(port))
        if key not in _pins.vetted:
            # Raised inside the HTTP client, which wraps it; the guard re-raises the original afterwards.
            try:
                _pins.vetted[key] = vet_host(name, int(port or 0))
            except DomainError as refusal:
                _pins.refusal = refusal
                raise OSError(refusal.message) from refusal
        family = args[0] if args else kwargs.get("family", 0)
        return [r for r in _pins.vetted[key] if not family or r[0] == family] or _pins.vetted[key]
    return _original_getaddrinfo(host, port, *args, **kwargs)


_install_lock = threading.Lock()


def _install() -> None:
    with _install_lock:
        if socket.getaddrinfo is not _guarded_getaddrinfo:
            socket.getaddrinfo = _guarded_getaddrinfo


@contextmanager
def guarded_connections(host: str, port: int) -> Iterator[None]:
    """Vet `host:port` up front (a clear refusal before any client is built), then, for the block, make every
    name resolution in this thread vetted and pinned (see the module docstring). A refusal raised deep inside
    an HTTP client surfaces as OutboundRefused, not as the client's connection error."""
    _install()
    first = vet_host(host, port)
    _pins.active, _pins.vetted, _pins.refusal = True, {(host.lower().rstrip("."), str(port)): first}, None
    try:
        yield
        refusal = _pins.refusal  # the client may have swallowed it into a "could not connect" answer
        if refusal is not None:
            raise refusal
    except outbound_refusal_types:
        raise
    except Exception:
        refusal = _pins.refusal
        if refusal is not None:
            raise refusal from None
        raise
    finally:
        _pins.active, _pins.vetted, _pins.refusal = False, {}, None
