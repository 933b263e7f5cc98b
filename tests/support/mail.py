"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for unit and end-to-end tests.

    with smtp_server() as server:                 # or the `smtp_server` pytest fixture in tests/conftest.py
        settings_env(SMTP_URL=server.url, MAIL_FROM="profile@example.com")
        ...
        message = server.wait_for_message(to="ada@example.com")
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LINK_PATTERN = re.compile(r"https?://\S+/reset/[A-Za-z0-9_-]+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content()

    def reset_link(self) -> str:
        match = LINK_PATTERN.search(self.body)
        if match is None:
            raise AssertionError(f"no reset link in the mail:\n{self.body}")
        return match.group(0)


@dataclass
class MailServer:
    host: str
    port: int
    username: str = ""
    password: str = ""
    messages: list[Received] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        credentials = f"{self.username}:{self.password}@" if self.username else ""
        return f"smtp://{credentials}{self.host}:{self.port}"

    # aiosmtpd handler hook
    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def authenticate(self, _server, _session, _envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    def messages_to(self, address: str) -> list[Received]:
        with self._arrived:
            return [m for m in self.messages if address in m.recipients]

    def wait_for_message(self, to: str, count: int = 1, timeout: float = 30.0) -> Received:
        """The `count`-th message to `to`, waiting for it to arrive (the app sends on a background thread)."""
        with self._arrived:
            arrived = self._arrived.wait_for(
                lambda: len([m for m in self.messages if to in m.recipients]) >= count, timeout=timeout
            )
            if not arrived:
                raise AssertionError(f"no mail #{count} to {to} within {timeout} s")
            return [m for m in self.messages if to in m.recipients][count - 1]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files in `directory`); trust the certificate
    itself as the authority: `ssl.create_default_context(cafile=certificate)`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextmanager
def smtp_server(
    username: str = "", password: str = "", *, tls: str = "", certificate: tuple[Path, Path] | None = None
) -> Iterator[MailServer]:
    """Start an aiosmtpd server on a free loopback port and stop it afterwards. Optionally it requires AUTH
    LOGIN/PLAIN with these credentials (over plain text too, which is fine on loopback), and speaks TLS with
    `certificate` (from `self_signed_certificate`): `tls="starttls"` (required before MAIL) or `"implicit"` (from
    the first byte, as smtps:// expects)."""
    server = MailServer(host="127.0.0.1", port=free_port(), username=username, password=password)
    options: dict = {}
    if username:
        # With STARTTLS the login must wait for it, as real servers insist (aiosmtpd does not count implicit TLS as
        # TLS here); over plain text on loopback it need not.
        options = {
            "authenticator": server.authenticate,
            "auth_required": True,
            "auth_require_tls": tls == "starttls",
        }
    if tls:
        if certificate is None:
            raise ValueError("a TLS server needs a certificate")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    controller = Controller(server, hostname=server.host, port=server.port, **options)
    with warnings.catch_warnings():  # "AUTH without TLS": deliberate, on loopback
        warnings.simplefilter("ignore", UserWarning)
        controller.start()
    try:
        yield server
    finally:
        controller.stop()
