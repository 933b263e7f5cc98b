"""Outgoing mail (password reset links) through the SMTP server of PROFILE_SMTP_URL, from PROFILE_MAIL_FROM.

`smtp://user:pass@host:port` (plain, port 25 by default), `smtps://…` (TLS from the first byte, port 465) and
`smtp://…?starttls=true` (upgrade after EHLO, port 587). Messages go out on a small thread pool, never on the event
loop and never inside the request that asked for them: a slow or unreachable server costs the person nothing, and a
known and an unknown email answer in the same time. A failed send is logged with the error's class and the host
only: never the recipient's link, which is a password-equivalent secret for an hour."""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from profile_app.config import get_settings

log = logging.getLogger(__name__)

PRODUCT_NAME = "Profile"
# Each connect and each read/write on the socket gives up after this long.
SMTP_TIMEOUT_SECONDS = 10.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
STARTTLS_PORT = 587
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}

_outbox = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
_pending: set[Future] = set()


class SmtpUrlInvalid(ValueError):
    """PROFILE_SMTP_URL cannot be used; the message says why (and never repeats the password)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SmtpUrlInvalid("The SMTP URL must start with smtp:// or smtps://.")
    if not parts.hostname:
        raise SmtpUrlInvalid("The SMTP URL has no host.")
    options = {key.lower(): values[-1].strip().lower() for key, values in parse_qs(parts.query).items()}
    unknown = set(options) - {"starttls"}
    if unknown:
        raise SmtpUrlInvalid(f"The SMTP URL has unknown options: {', '.join(sorted(unknown))}.")
    raw_starttls = options.get("starttls", "false")
    if raw_starttls not in _TRUE | _FALSE:
        raise SmtpUrlInvalid("starttls in the SMTP URL must be true or false.")
    starttls = raw_starttls in _TRUE
    if starttls and scheme == "smtps":
        raise SmtpUrlInvalid("smtps:// is TLS from the start; starttls=true belongs to smtp:// URLs.")
    try:
        port = parts.port
    except ValueError as exc:
        raise SmtpUrlInvalid("The SMTP URL's port must be a number from 1 to 65535.") from exc
    if port is None:
        port = STARTTLS_PORT if starttls else DEFAULT_PORTS[scheme]
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=scheme == "smtps",
        starttls=starttls,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def compose(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = get_settings().mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificate authorities, host names checked (the tests' TLS server swaps in its own)."""
    return ssl.create_default_context()


def deliver(server: SmtpServer, message: EmailMessage) -> None:
    """Send one message now, on this thread (blocking, bounded by the timeouts)."""
    context = tls_context()
    if server.implicit_tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if server.starttls:
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password)
        client.send_message(message)


def _deliver_logged(host: str, server: SmtpServer | None, message: EmailMessage) -> bool:
    try:
        if server is None:
            server = parse_smtp_url(get_settings().smtp_url)
        deliver(server, message)
    except Exception as error:  # noqa: BLE001 (whatever went wrong, the operator gets one line, no secrets)
        log.warning("Sending mail through the SMTP server at %s failed: %s", host, error.__class__.__name__)
        return False
    return True


def send_later(to: str, subject: str, body: str) -> Future:
    """Queue one message for the mail threads; the future says whether it went (True) or failed, logged (False)."""
    url = get_settings().smtp_url
    try:
        server: SmtpServer | None = parse_smtp_url(url)
        host = server.host
    except SmtpUrlInvalid:
        server, host = None, urlsplit(url).hostname or "(invalid SMTP URL)"
    future = _outbox.submit(_deliver_logged, host, server, compose(to, subject, body))
    _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def wait_for_outbox(timeout: float = 30.0) -> None:
    """Wait until every queued message went or failed (tests; and the command line before it exits)."""
    wait(list(_pending), timeout=timeout)
