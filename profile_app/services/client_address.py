"""Which address a request came from. The socket's peer is the truth unless it is one of our own reverse proxies
(PROFILE_TRUSTED_PROXIES); only then is X-Forwarded-For read, from the right, up to the first hop we don't trust
— everything left of that is whatever the client chose to write."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:443"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address, trusted_proxies: Iterable[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted_proxies)


def client_address(peer: str, forwarded_for: str, trusted_proxies: Iterable[Network]) -> str:
    """The client's IP address as text ("" when the peer is unknown)."""
    trusted_proxies = tuple(trusted_proxies)
    current = _parse(peer or "")
    if current is None:
        return ""
    if not trusted_proxies or not _trusted(current, trusted_proxies):
        return str(current)
    for hop in reversed([part for part in (forwarded_for or "").split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            break  # a malformed hop: stop at the last address a trusted proxy vouched for
        current = address
        if not _trusted(address, trusted_proxies):
            break
    return str(current)
