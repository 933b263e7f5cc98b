"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for unit and end-to-end tests.

    with smtp_server() as server:                 # or the `smtp_server` pytest fixture in tests/conftest.py
        settings_env(SMTP_URL=server.url, MAIL_FROM="profile@example.com")
        ...
        message = server.wait_for_message(to="ada@example.com")
"""

from __future__ import annotations

import re
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

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


@contextmanager
def smtp_server(username: str = "", password: str = "") -> Iterator[MailServer]:
    """Start an aiosmtpd server on a free loopback port (optionally requiring AUTH LOGIN/PLAIN with these
    credentials; without TLS, which is fine on loopback) and stop it afterwards."""
    server = MailServer(host="127.0.0.1", port=free_port(), username=username, password=password)
    options = {}
    if username:
        options = {"authenticator": server.authenticate, "auth_required": True, "auth_require_tls": False}
    controller = Controller(server, hostname=server.host, port=server.port, **options)
    with warnings.catch_warnings():  # "AUTH without TLS": deliberate, on loopback
        warnings.simplefilter("ignore", UserWarning)
        controller.start()
    try:
        yield server
    finally:
        controller.stop()
