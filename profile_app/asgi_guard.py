"""The outermost ASGI layer around the Reflex backend, the frontend files and the API.

- The session cookie's value is replaced by its sha256 in every request's headers before anything else reads
  them. Reflex keeps the websocket handshake's headers in its state store (on disk or in Redis); this way the store,
  the logs and every handler only ever see the digest, which is what the database keeps, and a token read from them
  cannot be replayed (the server would hash it again).
- Security headers on every HTTP response (a route that sets its own Content-Security-Policy keeps it).
- Websocket handshakes from a foreign Origin are refused (socket.io checks too; this also covers every other path)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from profile_app.config import SESSION_COOKIE_NAME, get_settings

_COOKIE_PREFIX = SESSION_COOKIE_NAME.encode() + b"="


def hash_session_cookie(cookie_header: bytes) -> bytes:
    """`a=1; profile_session=<token>; b=2` -> the same header with the token replaced by its sha256."""
    parts = []
    for part in cookie_header.split(b";"):
        stripped = part.strip()
        if stripped.startswith(_COOKIE_PREFIX):
            token = stripped[len(_COOKIE_PREFIX) :]
            stripped = _COOKIE_PREFIX + (hashlib.sha256(token).hexdigest().encode() if token else b"")
        parts.append(stripped)
    return b"; ".join(parts)


def _content_security_policy(backend_url: str) -> str:
    backend = urlsplit(backend_url)
    socket_scheme = "wss" if backend.scheme == "https" else "ws"
    connect = f"'self' {backend.scheme}://{backend.netloc} {socket_scheme}://{backend.netloc}"
    # The built frontend has inline bootstrap scripts and Reflex runs server-sent scripts with eval, so scripts
    # stay 'self' + inline + eval; what the policy buys is no framing, no plugins, no foreign <base> or form
    # targets, and no connections (exfiltration) to any host but ours.
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        )
    )


class SecurityGuard:
    def __init__(self, app):
        self.app = app
        settings = get_settings()
        self.allowed_origins = {origin.encode() for origin in settings.allowed_origins}
        headers = [
            (b"content-security-policy", _content_security_policy(settings.backend_url).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if settings.secure_cookies:
            headers.append((b"strict-transport-security", b"max-age=31536000"))
        self.response_headers = headers

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = []
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"cookie" and _COOKIE_PREFIX in value:
                value = hash_session_cookie(value)
            elif name == b"origin":
                origin = value
            headers.append((name, value))
        scope = {**scope, "headers": headers}
        if scope["type"] == "websocket":
            if origin is not None and origin not in self.allowed_origins:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._with_headers(send))

    def _with_headers(self, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.response_headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_headers


def security_guard(app):
    """The api_transformer entry: wraps whatever Reflex built (backend, API, frontend files)."""
    return SecurityGuard(app)
