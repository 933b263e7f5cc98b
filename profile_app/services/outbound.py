"""Outbound calls (Test access, storage links): which hosts the server may contact, how it connects, and how
much of that work one user may have running at once.

Safety: only hosts whose addresses are public, unless an administrator allow-lists them in
PROFILE_OUTBOUND_ALLOWLIST (host names and CIDR ranges, comma separated). Addresses that embed an IPv4 address
(IPv4-mapped, 6to4, Teredo) are judged by that address too.

DNS rebinding: a name could resolve to a public address when we check it and to 127.0.0.1 when the client
connects. `connection_pool()` closes that gap: its network backend resolves each name once, vets every address,
and opens the TCP connection to a vetted address itself; TLS still checks the certificate against the name.

Fairness: these calls are asynchronous (they hold no thread while a slow host keeps them waiting); name
resolution, which can block, runs on a small dedicated thread pool, never on the threads that serve requests.
`claim()` takes one of a user's few slots for a kind of work, in the database, so the limit holds across browser
tabs and across workers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
import ssl
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import certifi
import httpcore
import sqlalchemy as sa

from profile_app.config import get_settings
from profile_app.db import transaction
from profile_app.models import OutboundClaim, utcnow
from profile_app.services.errors import DomainError

ALLOWLIST_SETTING = "PROFILE_OUTBOUND_ALLOWLIST"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Cloud metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba); most are link-local already.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# Name resolution can block for as long as the resolver likes: a few threads of its own, and a deadline.
RESOLVER_THREADS = 4
RESOLVE_TIMEOUT_S = 5.0
_resolver = ThreadPoolExecutor(max_workers=RESOLVER_THREADS, thread_name_prefix="outbound-dns")
_getaddrinfo = socket.getaddrinfo


class OutboundRefused(DomainError):
    """The server will not contact this host; the message names the setting an administrator can change."""


class HostUnresolvable(DomainError):
    """The name does not resolve (a typo, or no DNS for it here)."""


# ---------------------------------------------------------------------------------------------------- addresses


def forbidden_kind(address: IPAddress) -> str:
    """Why the server must not contact an address, or "" if it is a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return forbidden_kind(address.ipv4_mapped)
        for embedded, how in (
            (address.sixtofour, "a 6to4 address embedding"),
            *((part, "a Teredo address embedding") for part in (address.teredo or ())),
        ):
            if embedded is not None and (kind := forbidden_kind(embedded)):
                return f"{how} {embedded}, {kind}"
        if address.is_site_local:
            return "a site-local address"
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
        if "/" in entry or _ip_literal(entry) is not None:
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


def _ip_literal(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _normalised(host: str) -> str:
    return host.strip().lower().rstrip(".").strip("[]")


def _refusal(host: str, detail: str) -> OutboundRefused:
    return OutboundRefused(
        f"The server does not contact {host}: {detail}. An administrator can allow it by adding the host or "
        f"its address range to {ALLOWLIST_SETTING}."
    )


def refusal_without_lookup(host: str) -> str:
    """The refusal the server would give for `host`, known without asking DNS (an IP literal, localhost, a
    metadata name), or "". Saving a row warns with it; the real check happens when the host is contacted."""
    name = _normalised(host)
    if not name:
        return ""
    address = _ip_literal(name)
    if address is not None:
        kind = forbidden_kind(address)
        return _refusal(host, f"it is {kind}").message if kind and not _allowlisted(name, address) else ""
    if name in METADATA_NAMES and not _allowlisted(name, None):
        return _refusal(host, "it is a cloud metadata service").message
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        loopback = (None, ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
        if not any(_allowlisted(name, address) for address in loopback):
            return _refusal(host, "it is a loopback address").message
    return ""


def vet_host(host: str, port: int) -> list[str]:
    """Resolve `host` once and return its addresses, or raise OutboundRefused if any of them is forbidden (a name
    with one private address among public ones is refused: a client might pick it). Blocking: DNS."""
    name = _normalised(host)
    if not name:
        raise OutboundRefused("There is no host to contact.")
    if name in METADATA_NAMES and not _allowlisted(name, None):
        raise _refusal(host, "it is a cloud metadata service")
    literal = _ip_literal(name)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            results = _getaddrinfo(name, port, 0, socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise HostUnresolvable(f"The host {host} could not be resolved.") from exc
        addresses = list(dict.fromkeys(sockaddr[0].split("%", 1)[0] for *_, sockaddr in results))
    if _allowlisted(name, None):
        return addresses
    for text in addresses:
        address = ipaddress.ip_address(text)
        kind = forbidden_kind(address)
        if kind and not _allowlisted(name, address):
            shown = host if name == str(address) else f"{host} ({address})"
            raise _refusal(shown, f"it is {kind}")
    return addresses


async def vetted_addresses(host: str, port: int) -> list[str]:
    """`vet_host` off the event loop, on the resolver's own threads, within RESOLVE_TIMEOUT_S."""
    if _ip_literal(_normalised(host)) is not None:
        return vet_host(host, port)
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_resolver, vet_host, host, port), RESOLVE_TIMEOUT_S)
    except TimeoutError:
        raise HostUnresolvable(f"The host {host} could not be resolved in time.") from None


# ---------------------------------------------------------------------------------------------------- connections


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's AnyIO backend, except that a TCP connection goes only to an address `vet_host` accepted for the
    name, resolved here once (so a second, different DNS answer is never used)."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = await vetted_addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise OutboundRefused("The server does not contact local sockets.")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


_ssl_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = ssl.create_default_context(cafile=certifi.where())
    return _ssl_context


@asynccontextmanager
async def connection_pool() -> AsyncIterator[httpcore.AsyncConnectionPool]:
    """A fresh pool for one outbound call (no connection is shared between users), pinned and vetted."""
    async with httpcore.AsyncConnectionPool(
        ssl_context=_tls(), network_backend=PinnedNetworkBackend(), max_connections=2, retries=0
    ) as pool:
        yield pool


def timeouts(connect: float, read: float) -> dict:
    """httpcore's per-request timeout extension."""
    return {"timeout": {"connect": connect, "read": read, "write": read, "pool": connect}}


def tls_failure(error: Exception) -> bool:
    text = f"{error!r} {error}".lower()
    return "certificate" in text or "ssl" in text or "tls" in text


# ---------------------------------------------------------------------------------------------------- claims


class ClaimKind(StrEnum):
    ACCESS_TEST = "access_test"
    STORAGE_BLOB = "storage_blob"


@dataclass(frozen=True)
class Claim:
    user_id: int
    kind: str
    slot: int
    holder: str


def _insert_statement(session):
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def claim(user_id: int, kind: ClaimKind, slots: int, lease: timedelta) -> Claim | None:
    """Take a free slot of `kind` for the user (free: no row, or a row whose lease ran out), or None when all
    `slots` are held. One transaction; a concurrent claimer of the same slot waits on the unique key and then
    finds it taken, on SQLite and PostgreSQL alike."""
    now = utcnow()
    holder = secrets.token_hex(16)
    with transaction() as session:
        insert = _insert_statement(session)
        for slot in range(slots):
            taken = session.execute(
                insert(OutboundClaim)
                .values(user_id=user_id, kind=str(kind), slot=slot, holder=holder, expires_at=now + lease)
                .on_conflict_do_nothing(index_elements=["user_id", "kind", "slot"])
                .returning(OutboundClaim.id)  # rowcount is -1 for this statement on PostgreSQL
            ).first()
            if not taken:
                taken = session.execute(
                    sa.update(OutboundClaim)
                    .where(
                        OutboundClaim.user_id == user_id,
                        OutboundClaim.kind == str(kind),
                        OutboundClaim.slot == slot,
                        OutboundClaim.expires_at <= now,
                    )
                    .values(holder=holder, expires_at=now + lease)
                    .execution_options(synchronize_session=False)
                ).rowcount
            if taken:
                return Claim(user_id, str(kind), slot, holder)
    return None


def release(held: Claim) -> None:
    """Give the slot back (only if it is still ours: after its lease ran out someone else may hold it)."""
    with transaction() as session:
        session.execute(
            sa.delete(OutboundClaim).where(
                OutboundClaim.user_id == held.user_id,
                OutboundClaim.kind == held.kind,
                OutboundClaim.slot == held.slot,
                OutboundClaim.holder == held.holder,
            )
        )
